"""What is linked: victim records into persons, or reports into incidents.

Runs, pairs, events and decisions of both kinds share the V3 linkage tables, told apart by their
`kind` column; the records, the clusters and their membership have a table per kind. An `EntityKind`
names them, so that clustering, stable ids, decisions and review are written once for both.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from harmtrace.errors import QueryError


@dataclass(frozen=True)
class EntityKind:
    """The tables and words of one kind of linkage.

    `kind` is the value of the `kind` columns; records live in `record_table` keyed by `record_key`;
    clusters are rows of `entity_table` keyed by `entity_key` (ids are `prefix` and a number), and
    `member_table` holds the current membership. `record_word` and `entity_word` name them in messages.
    """

    kind: str
    record_table: str
    record_key: str
    entity_table: str
    entity_key: str
    member_table: str
    prefix: str
    record_word: str
    entity_word: str
    entity_plural: str

    @property
    def link_command(self) -> str:
        return f"harmtrace link {self.kind}"


VICTIMS: Final = EntityKind(
    "victims",
    "victim_record",
    "victim_id",
    "person",
    "person_id",
    "person_member",
    "P",
    "victim record",
    "person",
    "people",
)
INCIDENTS: Final = EntityKind(
    "incidents",
    "report",
    "report_id",
    "incident",
    "incident_id",
    "incident_member",
    "I",
    "report",
    "incident",
    "incidents",
)
KINDS: Final = {k.kind: k for k in (VICTIMS, INCIDENTS)}


def kind_named(name: str) -> EntityKind:
    """The kind called `name` ('victims' or 'incidents')."""
    if name not in KINDS:
        raise QueryError(f"Unknown linkage kind {name!r}: use one of {', '.join(KINDS)}.")
    return KINDS[name]
