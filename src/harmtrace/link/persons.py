"""Persons as the latest linkage left them: the export that joins back to every input list.

One row per victim record: ``record_id`` (the record's own id in its source, as the mapping read it),
``source``, ``person_id`` and ``match_probability`` (the record's probability to its person,
`harmtrace.link.clusters`). Rows are ordered by source, then record id. Results therefore join to
the input files, or to a simulation's truth.csv, on (source, record_id).

Names are personal data: by default the export leaves them out, as anything published must. With
``with_names`` it adds ``name`` and ``name_ar``, the record's name as written, for work that stays
private. A record imported after the latest link has no person yet: its person_id and probability are
empty, and `ExportSummary.unlinked` counts them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final, Literal, TypedDict

from harmtrace.errors import InputError, QueryError
from harmtrace.progress import Progress, silent
from harmtrace.publish.files import copy_query
from harmtrace.store import Store

FORMATS: Final = ("csv", "parquet")
COLUMNS: Final = ("record_id", "source", "person_id", "match_probability")
NAME_COLUMNS: Final = ("name", "name_ar")


class ExportSummary(TypedDict):
    path: str
    format: str
    rows: int
    persons: int
    unlinked: int
    columns: list[str]


def export_persons(
    store: Store,
    path: Path,
    fmt: Literal["csv", "parquet"] | str,
    with_names: bool = False,
    progress: Progress = silent,
) -> ExportSummary:
    """Write one row per victim record to `path` as CSV (UTF-8, header) or Parquet (DuckDB COPY);
    `progress` is told each stage."""
    if fmt not in FORMATS:
        raise InputError(f"Format {fmt!r} is not one of {', '.join(FORMATS)}.")
    if not store.scalar("SELECT count(*) FROM person_member"):
        raise QueryError("No persons yet: link the victim records first (harmtrace link victims).")
    columns = [*COLUMNS, *(NAME_COLUMNS if with_names else ())]
    select = (
        "SELECT v.record_id, s.name AS source, m.person_id, m.probability AS match_probability"
        + ", v.name, v.name_ar" * with_names
        + " FROM victim_record v JOIN source s USING (source_id) LEFT JOIN person_member m USING (victim_id) "
        "ORDER BY s.name, v.record_id, v.victim_id"
    )
    progress(f"writing {path.name}")
    copy_query(store, select, path, fmt)
    progress("counting what was written")
    counts = store.rows(
        "SELECT count(*) AS rows, count(DISTINCT m.person_id) AS persons, count_if(m.person_id IS NULL) "
        "AS unlinked FROM victim_record v LEFT JOIN person_member m USING (victim_id)"
    )[0]
    return {
        "path": str(path),
        "format": fmt,
        "rows": int(counts["rows"]),
        "persons": int(counts["persons"]),
        "unlinked": int(counts["unlinked"]),
        "columns": columns,
    }
