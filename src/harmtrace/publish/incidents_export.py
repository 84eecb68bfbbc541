"""Incidents export: one row per report, with its incident's grades, attribution, dates, place and harm.

Columns (stable; HXL-style names are left to the publish step):

    record_id, source, report_id        the report: its id in its source (UCDP `id`, ACLED `event_id_cnty`,
                                        the mapped id column), its source, its id in the store
    incident_id, linked, reports        the incident it belongs to ('report:<id>' when it stands alone)
    part_of                             the incident this one is part of (`harmtrace.link.parts`: a
                                        strike of a city's daily toll; figures count the two once),
                                        empty otherwise
    grade                               the grade in force: analyst's, else computed, else the source's
    grade_computed, grade_reasons       the last assessment run's grade and its reasons ('; '-joined)
    grade_source                        the grade this report's source gave (kept as given)
    grade_analyst, grade_analyst_reason the analyst's standing decision, if any
    attribution                         'perpetrator (status)' per perpetrator, '; '-joined
    independent_sources, declared_nearby, declared_strikes   corroboration, and declared strikes nearby
    date_start, date_end                the incident's date interval
    latitude, longitude, location_precision, radius_m        the incident's best point
    killed_min/_max/_best, civilians_killed_*, children_killed_*, injured_*   the incident's ranges
    report_date_start, report_date_end  the report's own interval
    place_text, place_text_ar, description, description_ar   free text: may name people

Which of them a file holds is the publication policy's (`harmtrace.publish.policy`, entity
"incidents_export") for the export's `Audience`: the public (the default) gets no free text and points
coarsened to a grid; a role that reads free text has its export written to the audit log.

Grades, attribution and reasons are those of the last `harmtrace assess incidents` run; before one, they
are empty and `grade` falls back to the sources' grades.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Final

from harmtrace.assess.items import harm_sql, members_sql
from harmtrace.choices import INCIDENT_FORMATS as FORMATS
from harmtrace.errors import InputError
from harmtrace.files import write_features
from harmtrace.ingest.sql import lit
from harmtrace.link.parts import current_parts_sql
from harmtrace.progress import Progress, silent
from harmtrace.publish.export_policy import PUBLIC, columns_of, log_export, policed_sql, summary
from harmtrace.publish.policy import Audience
from harmtrace.results import Export
from harmtrace.store import Store
from harmtrace.store.export import copy_query
from harmtrace.store.relations import relation_sql

ENTITY: Final = "incidents_export"  # its columns' classes in `harmtrace.publish.policy.FIELDS`
FREE_TEXT: Final = ("place_text", "place_text_ar", "description", "description_ar")
# (column prefix, category, harm) of the ranges exported
RANGES: Final = (
    ("killed", "all", "killed"),
    ("civilians_killed", "civilians", "killed"),
    ("children_killed", "children", "killed"),
    ("injured", "all", "injured"),
)


def export_sql(overrides: Mapping[str, float | None] | None = None) -> str:
    """SQL of the export rows with every column (before the policy), ordered by incident then report."""
    ranges = ", ".join(
        f"{p}.count_min AS {p}_min, {p}.count_max AS {p}_max, {p}.count_best AS {p}_best"
        for p, _, _ in RANGES
    )
    joins = " ".join(
        f"LEFT JOIN ({harm_sql(lit(c), lit(h))}) {p} ON {p}.item_id = mem.item_id" for p, c, h in RANGES
    )
    text = "".join(f", r.{c}" for c in FREE_TEXT)
    return f"""
    WITH mem AS ({members_sql()}),
    attribution AS (
        SELECT incident_id, string_agg(perpetrator || ' (' || status || ')', '; ' ORDER BY perpetrator)
               AS attribution FROM incident_attribution GROUP BY incident_id
    ),
    near AS (SELECT incident_id, count(*) AS declared_strikes FROM incident_declared GROUP BY incident_id)
    SELECT r.record_id, s.name AS source, r.report_id, mem.incident_id, i.linked, i.reports,
           part.whole_id AS part_of,
           coalesce(dg.grade, a.grade, lower(trim(lead.source_grade))) AS grade,
           a.grade AS grade_computed, array_to_string(a.grade_reasons, '; ') AS grade_reasons,
           lower(trim(r.source_grade)) AS grade_source, dg.grade AS grade_analyst,
           dg.reason AS grade_analyst_reason,
           coalesce(att.attribution, array_to_string(i.perpetrators, '; ')) AS attribution,
           a.independent_sources, coalesce(near.declared_strikes, 0) > 0 AS declared_nearby,
           coalesce(near.declared_strikes, 0) AS declared_strikes,
           i.date_start, i.date_end, i.latitude, i.longitude, i.precision AS location_precision, i.radius_m,
           {ranges}, r.date_start AS report_date_start, r.date_end AS report_date_end{text}
    FROM mem JOIN report r USING (report_id) JOIN source s USING (source_id)
    JOIN ({relation_sql("incidents", overrides=overrides)}) i ON i.incident_id = mem.incident_id
    JOIN report lead ON lead.report_id = mem.item_id
    LEFT JOIN incident_assessment a ON a.incident_id = mem.incident_id
    LEFT JOIN ({relation_sql("decided_grades")}) dg ON dg.incident_id = mem.incident_id
    LEFT JOIN attribution att ON att.incident_id = mem.incident_id
    LEFT JOIN near ON near.incident_id = mem.incident_id
    LEFT JOIN ({current_parts_sql()}) part ON part.part_id = mem.incident_id
    {joins}
    ORDER BY mem.item_id, r.report_id"""


def export_incidents(
    store: Store,
    path: Path | str,
    fmt: str = "csv",
    audience: Audience = PUBLIC,
    progress: Progress = silent,
) -> Export:
    """Write one row per report of each incident to `path` in `fmt` (csv, parquet, geojson), as
    `audience` may see it (the public by default); the result counts the rows written and says what
    the policy left out. `progress` is told each stage."""
    if fmt not in FORMATS:
        raise InputError(f"export format {fmt!r} is not one of {', '.join(FORMATS)}.")
    path = Path(path)
    inner = export_sql()
    columns = columns_of(store, inner)
    sql = policed_sql(ENTITY, inner, columns, audience)
    audited = log_export(store, ENTITY, columns, audience, path)
    progress(f"writing {path.name}")
    if fmt == "geojson":
        rows = write_features(store.rows(sql), path)
    else:
        copy_query(store, sql, path, fmt)
        progress("counting what was written")
        rows = int(store.scalar(f"SELECT count(*) FROM ({members_sql()})"))
    done = {"file": str(path), "format": fmt, "rows": rows, **summary(ENTITY, columns, audience, audited)}
    return Export(data=done, path=path, format=fmt, rows=rows)
