"""What the store keeps of a report and of a victim record, and SQL that reads a record whole.

A record is its row in the live table plus its child rows (a report's `harm`, `harm_side`, and its
codes and citations, `report_code` and `report_citation`). Versions
(`harmtrace.ingest.versions`) compare records by a digest of that content and keep earlier versions as
its JSON, so both are defined once here for the rows of an import and for stored rows alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from harmtrace.ingest.formats import REPORT_FIELDS, VICTIM_FIELDS, Kind
from harmtrace.model import SIDE_HARM_ROW

COUNTS: Final = ("count_min", "count_max", "count_best")
HARM_ROW: Final = (
    "STRUCT(category VARCHAR, harm VARCHAR, count_min INTEGER, count_max INTEGER, count_best INTEGER)"
)
SIDE_ROW: Final = SIDE_HARM_ROW  # the normalised side_harm column's rows, as stored in harm_side
CODE_ROW: Final = "STRUCT(code VARCHAR, written VARCHAR)"
CITATION_ROW: Final = "STRUCT(cited_source VARCHAR, cited_code VARCHAR, cited_date DATE, text VARCHAR)"


@dataclass(frozen=True)
class RecordKind:
    """A kind of record: its live table and id column, its content, and the rows keyed by its id.

    `children` are tables of rows that belong to one record (part of its content, kept with its
    versions), each with the columns of its rows and the SQL type of a list of them. `links` are
    (table, column) pairs holding the record's id that a withdrawal deletes (placements, copies,
    ties, memberships). `place_fields` are the fields whose change voids `placements`.
    """

    name: Kind
    table: str
    key: str
    fields: tuple[str, ...]
    children: tuple[tuple[str, tuple[str, ...], str], ...] = ()
    links: tuple[tuple[str, str], ...] = ()
    place_fields: tuple[str, ...] = ()
    placements: tuple[str, ...] = ()
    personal_fields: tuple[str, ...] = ()

    @property
    def content(self) -> tuple[str, ...]:
        """The columns whose values are the record's content: fields, flags and child lists."""
        return (*self.fields, "flags", *(child for child, _, _ in self.children))


REPORT: Final = RecordKind(
    name="report",
    table="report",
    key="report_id",
    fields=tuple(REPORT_FIELDS),
    children=(
        ("harm", ("category", "harm", *COUNTS), f"{HARM_ROW}[]"),
        ("harm_side", ("side", "harm", *COUNTS), f"{SIDE_ROW}[]"),
        ("report_code", ("code", "written"), f"{CODE_ROW}[]"),
        ("report_citation", ("cited_source", "cited_code", "cited_date", "text"), f"{CITATION_ROW}[]"),
    ),
    links=(
        ("report_admin", "report_id"),
        ("report_location", "report_id"),
        ("report_copy", "report_id"),
        ("report_copy", "original_id"),
        ("victim_report", "report_id"),
        ("incident_member", "report_id"),
    ),
    place_fields=(
        "latitude",
        "longitude",
        "place_text",
        "place_text_ar",
        "location_precision",
        "adm1_source",
        "adm2_source",
    ),
    placements=("report_admin", "report_location"),
)

VICTIM: Final = RecordKind(
    name="victim",
    table="victim_record",
    key="victim_id",
    fields=tuple(VICTIM_FIELDS),
    links=(("person_member", "victim_id"), ("victim_report", "victim_id")),
    personal_fields=(
        "name",
        "name_ar",
        "given_name",
        "father_name",
        "grandfather_name",
        "family_name",
        "mother_name",
    ),
)

KINDS: Final[dict[str, RecordKind]] = {REPORT.name: REPORT, VICTIM.name: VICTIM}


def digest_sql(kind: RecordKind) -> str:
    """SQL: the SHA-256 of a record's content, over a relation that has the `content` columns.

    The JSON of a struct of typed values: the same record gives the same digest whether it comes from
    an import's rows or from the store, whatever the file's quoting or column order.
    """
    parts = ", ".join(f"{c} := {c}" for c in kind.content)
    return f"sha256(to_json(struct_pack({parts})))"


def stored_sql(kind: RecordKind, keys: str) -> str:
    """SQL: the stored records whose id is in `keys` (a SELECT of ids), each with its child rows as a
    sorted list column named after the child table (the columns `digest_sql` reads, and then some)."""
    joins, lists = [], []
    for n, (child, columns, list_type) in enumerate(kind.children):
        rows = f"list_sort(list(struct_pack({', '.join(columns)})))"
        joins.append(
            f"LEFT JOIN (SELECT {kind.key}, {rows} AS rows FROM {child} WHERE {kind.key} IN ({keys}) "
            f"GROUP BY {kind.key}) c{n} USING ({kind.key})"
        )
        lists.append(f", coalesce(c{n}.rows, []::{list_type}) AS {child}")
    return f"SELECT r.*{''.join(lists)} FROM {kind.table} r {' '.join(joins)} WHERE r.{kind.key} IN ({keys})"
