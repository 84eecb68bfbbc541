"""Persons as the latest linkage left them: the export that joins back to every input list.

One row per victim record: ``record_id`` (the record's own id in its source, as the mapping read it),
``source``, ``person_id`` and ``match_probability`` (the record's probability to its person,
`harmtrace.link.clusters`). Rows are ordered by source, then record id. Results therefore join to
the input files, or to a simulation's truth.csv, on (source, record_id).

Names are personal data: by default the export leaves them out, as anything published must
(`shown_columns`, the policy every output naming victims follows). With ``with_names`` it adds
``name`` and ``name_ar``, the record's name as written, for work that stays private. A record
imported after the latest link has no person yet: its person_id and probability are empty, and
`ExportSummary.unlinked` counts them.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Final, Literal, TypedDict

from harmtrace.errors import InputError, QueryError
from harmtrace.ingest.record_kinds import VICTIM
from harmtrace.progress import Progress, silent
from harmtrace.results import Export
from harmtrace.store import Store
from harmtrace.store.export import copy_query

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


def shown_columns(columns: Iterable[str], with_names: bool) -> list[str]:
    """`columns` without victims' names (`VICTIM.personal_fields`: name, name_ar, name parts) unless
    `with_names`: output that may be published or passed on shows names only when asked.

    >>> shown_columns(["record_id", "name", "given_name", "sex"], with_names=False)
    ['record_id', 'sex']
    """
    return [c for c in columns if with_names or c not in VICTIM.personal_fields]


def export_persons(
    store: Store,
    path: Path | str,
    fmt: Literal["csv", "parquet"] | str = "csv",
    with_names: bool = False,
    progress: Progress = silent,
) -> Export:
    """Write one row per victim record to `path` as CSV (UTF-8, header) or Parquet (DuckDB COPY);
    `progress` is told each stage."""
    if fmt not in FORMATS:
        raise InputError(f"Format {fmt!r} is not one of {', '.join(FORMATS)}.")
    if not store.scalar("SELECT count(*) FROM person_member"):
        raise QueryError("No persons yet: link the victim records first (harmtrace link victims).")
    path = Path(path)
    columns = shown_columns([*COLUMNS, *NAME_COLUMNS], with_names)
    select = (
        "SELECT v.record_id, s.name AS source, m.person_id, m.probability AS match_probability"
        + "".join(f", v.{c}" for c in columns if c in NAME_COLUMNS)
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
    summary: ExportSummary = {
        "path": str(path),
        "format": fmt,
        "rows": int(counts["rows"]),
        "persons": int(counts["persons"]),
        "unlinked": int(counts["unlinked"]),
        "columns": columns,
    }
    return Export(data=summary, path=path, format=fmt, rows=summary["rows"])
