"""Persons as the latest linkage left them: the export that joins back to every input list.

One row per victim record: ``record_id`` (the record's own id in its source, as the mapping read it),
``source``, ``person_id`` and ``match_probability`` (the record's probability to its person,
`harmtrace.link.clusters`). Rows are ordered by source, then record id. Results therefore join to
the input files, or to a simulation's truth.csv, on (source, record_id).

Names are personal data: ``name`` and ``name_ar``, the record's name as written, are shown by the
publication policy (`harmtrace.publish.policy`, entity "persons_export") only from the analyst role on,
and such an export is written to the audit log; the public (the default audience) never gets them.
A record imported after the latest link has no person yet: its person_id and probability are empty,
and `ExportSummary.unlinked` counts them.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Final, Literal

from harmtrace.errors import InputError, QueryError
from harmtrace.ingest.record_kinds import VICTIM
from harmtrace.progress import Progress, silent
from harmtrace.publish.export_policy import (
    PUBLIC,
    PolicySummary,
    columns_of,
    log_export,
    policed_sql,
    summary,
)
from harmtrace.publish.policy import Audience
from harmtrace.results import Export
from harmtrace.store import Store
from harmtrace.store.export import copy_query

ENTITY: Final = "persons_export"  # its columns' classes in `harmtrace.publish.policy.FIELDS`
FORMATS: Final = ("csv", "parquet")
COLUMNS: Final = ("record_id", "source", "person_id", "match_probability")
NAME_COLUMNS: Final = ("name", "name_ar")


class ExportSummary(PolicySummary):
    path: str
    format: str
    rows: int
    persons: int
    unlinked: int


def shown_columns(columns: Iterable[str], with_names: bool) -> list[str]:
    """`columns` without victims' names (`VICTIM.personal_fields`: name, name_ar, name parts) unless
    `with_names`: output that may be published or passed on shows names only when asked (the review
    queue; exports follow the publication policy instead).

    >>> shown_columns(["record_id", "name", "given_name", "sex"], with_names=False)
    ['record_id', 'sex']
    """
    return [c for c in columns if with_names or c not in VICTIM.personal_fields]


def export_persons(
    store: Store,
    path: Path | str,
    fmt: Literal["csv", "parquet"] | str = "csv",
    audience: Audience = PUBLIC,
    progress: Progress = silent,
) -> Export:
    """Write one row per victim record to `path` as CSV (UTF-8, header) or Parquet (DuckDB COPY), as
    `audience` may see it (the public by default: no names); `progress` is told each stage."""
    if fmt not in FORMATS:
        raise InputError(f"Format {fmt!r} is not one of {', '.join(FORMATS)}.")
    if not store.scalar("SELECT count(*) FROM person_member"):
        raise QueryError("No persons yet: link the victim records first (harmtrace link victims).")
    path = Path(path)
    inner = (
        "SELECT v.record_id, s.name AS source, m.person_id, m.probability AS match_probability"
        + "".join(f", v.{c}" for c in NAME_COLUMNS)
        + " FROM victim_record v JOIN source s USING (source_id) LEFT JOIN person_member m USING (victim_id) "
        "ORDER BY s.name, v.record_id, v.victim_id"
    )
    columns = columns_of(store, inner)
    audited = log_export(store, ENTITY, columns, audience, path)
    progress(f"writing {path.name}")
    copy_query(store, policed_sql(ENTITY, inner, columns, audience), path, fmt)
    progress("counting what was written")
    counts = store.rows(
        "SELECT count(*) AS rows, count(DISTINCT m.person_id) AS persons, count_if(m.person_id IS NULL) "
        "AS unlinked FROM victim_record v LEFT JOIN person_member m USING (victim_id)"
    )[0]
    done: ExportSummary = {
        "path": str(path),
        "format": fmt,
        "rows": int(counts["rows"]),
        "persons": int(counts["persons"]),
        "unlinked": int(counts["unlinked"]),
        **summary(ENTITY, columns, audience, audited),
    }
    return Export(data=done, path=path, format=fmt, rows=done["rows"])
