"""Reports out of the store, one row each: where (with precision as a radius), when, who, how, how many.

Columns: ``record_id`` (the report's own id in its source) and ``source``, so a row joins back to the
input file; the located point (the store's `report_points` relation, `harmtrace.store.relations`: the
source's coordinates, else a gazetteer match) with ``location_precision``, ``radius_m`` (NULL = unbounded) and
``location_method``; ``adm1_pcode``..``adm3_pcode`` (`harmtrace locate admin`) and how the governorate
was found; the date interval; perpetrators, means and site kinds; harm counts (``killed_civilians_max``
...: every category, harm and bound of `harmtrace.model.HARM_COLUMNS`, empty when the report gives none).

Free text (place text, descriptions) can name people. Which columns a file holds is the publication
policy's (`harmtrace.publish.policy`, entity "reports_export") for the export's `Audience`: the public
(the default) gets no free text and points coarsened to a grid; a role that reads free text has its
export written to the audit log. The file is written next to its target and renamed into place, so a
reader never sees a half-written export and a failed run leaves the previous file as it was.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Final

from harmtrace.choices import REPORT_FORMATS as FORMATS
from harmtrace.errors import InputError
from harmtrace.files import write_features
from harmtrace.locate.precision import radii as radius_table
from harmtrace.model import BOUNDS, CATEGORIES, HARM_COLUMNS, HARMS
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
from harmtrace.store.relations import relation_sql

ENTITY: Final = "reports_export"  # its columns' classes in `harmtrace.publish.policy.FIELDS`
FREE_TEXT: Final = ("place_text", "place_text_ar", "description", "description_ar")
LISTS: Final = ("perpetrators", "means", "site_kinds")


class ReportExport(PolicySummary):
    path: str
    format: str
    rows: int
    located: int
    with_adm1: int
    radii_m: dict[str, float | None]


def _harm_columns() -> str:
    bound_column = {"min": "count_min", "max": "count_max", "best": "count_best"}
    return ", ".join(
        f"max({bound_column[b]}) FILTER (WHERE harm = '{h}' AND category = '{c}') AS {h}_{c}_{b}"
        for h in HARMS
        for c in CATEGORIES
        for b in BOUNDS
    )


def export_sql(radii: Mapping[str, float | None]) -> str:
    """The SELECT of the export with every column (before the policy): one row per report, ordered by
    source, record_id."""
    text = "".join(f", r.{c}" for c in FREE_TEXT)
    harm = ", ".join(f"h.{c}" for c in HARM_COLUMNS)
    levels = ", ".join(f"max(pcode) FILTER (WHERE level = {n}) AS adm{n}_pcode" for n in (1, 2, 3))
    return f"""
    WITH pts AS ({relation_sql("report_points", overrides=radii)}),
    adm AS (SELECT report_id, {levels}, max(method) FILTER (WHERE level = 1) AS adm1_method
            FROM report_admin GROUP BY report_id),
    h AS (SELECT report_id, {_harm_columns()} FROM harm GROUP BY report_id)
    SELECT r.record_id, s.name AS source, r.report_id, r.date_start, r.date_end, r.date_precision,
           p.latitude, p.longitude, coalesce(p.precision, r.location_precision) AS location_precision,
           p.radius_m, p.method AS location_method, l.score AS location_score,
           a.adm1_pcode, a1.name_en AS adm1_name, a.adm2_pcode, a.adm3_pcode, a.adm1_method,
           r.adm1_source, r.adm2_source, r.perpetrators, r.means, r.site_kinds, r.violence_type,
           r.source_grade, r.number_of_sources, {harm}{text}
    FROM report r JOIN source s USING (source_id)
    LEFT JOIN pts p USING (report_id)
    LEFT JOIN report_location l ON l.report_id = r.report_id AND p.method <> 'source coordinates'
    LEFT JOIN adm a ON a.report_id = r.report_id
    LEFT JOIN admin_area a1 ON a1.pcode = a.adm1_pcode
    LEFT JOIN h ON h.report_id = r.report_id
    ORDER BY s.name, r.record_id, r.report_id"""


def export_reports(
    store: Store,
    path: Path | str,
    fmt: str = "csv",
    audience: Audience = PUBLIC,
    radii: Mapping[str, float | None] | None = None,
    progress: Progress = silent,
) -> Export:
    """Write every report to `path` as CSV (lists joined by '; '), Parquet or GeoJSON, atomically, as
    `audience` may see it (the public by default); `progress` is told each stage."""
    if fmt not in FORMATS:
        raise InputError(f"Format {fmt!r} is not one of {', '.join(FORMATS)}.")
    path = Path(path)
    table = radius_table(radii)
    inner = export_sql(table)
    columns = columns_of(store, inner)
    audited = log_export(store, ENTITY, columns, audience, path)
    progress(f"writing {path.name}")
    _write(store, policed_sql(ENTITY, inner, columns, audience), path, fmt)
    progress("counting what was written")
    counts = store.rows(
        f"SELECT count(*) AS n, count(latitude) AS located, count(adm1_pcode) AS with_adm1 FROM ({inner})"
    )[0]
    done: ReportExport = {
        "path": str(path),
        "format": fmt,
        "rows": int(counts["n"]),
        "located": int(counts["located"]),
        "with_adm1": int(counts["with_adm1"]),
        "radii_m": table,
        **summary(ENTITY, columns, audience, audited),
    }
    return Export(data=done, path=path, format=fmt, rows=done["rows"])


def _write(store: Store, select: str, target: Path, fmt: str) -> None:
    """Write the rows of `select` to `target`, atomically."""
    if fmt == "geojson":
        write_features(store.rows(select), target)
        return
    if fmt == "csv":
        lists = ", ".join(f"array_to_string({c}, '; ') AS {c}" for c in LISTS)
        select = f"SELECT * REPLACE ({lists}) FROM ({select})"
    copy_query(store, select, target, fmt)
