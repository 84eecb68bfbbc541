"""Incidents as one relation: the clusters of the last incident link run, and every other report alone.

`incidents_sql` is what incident figures, exports and geographic analyses read. A report that no
incident link run has seen (no run yet, or imported since) stands alone as its own incident, with the
id ``report:<report_id>``, so nothing is left out of a figure because linkage has not been re-run; the
`linked` column says which is which.

Per incident:
- date interval: the intersection of its reports' intervals when they overlap (each report bounds when
  the event happened), else their span (reports that disagree: the honest interval is the wider one);
- point: that of its most precise located report (smallest radius; ties to the lowest report id);
- perpetrators: every perpetrator any of its reports names (status per perpetrator is the
  attribution's job, see `harmtrace.assess`).
"""

from __future__ import annotations

from collections.abc import Mapping

from harmtrace.store.relations import relation_sql


def incidents_sql(overrides: Mapping[str, float | None] | None = None) -> str:
    """SQL of one row per incident: (incident_id, linked, report_ids, reports, date_start, date_end,
    latitude, longitude, precision, radius_m, perpetrators)."""
    return f"""
    WITH mem AS ({relation_sql("incident_membership")}),
    pts AS ({relation_sql("report_points", overrides=overrides)}),
    best_point AS (
        SELECT incident_id, arg_min(struct_pack(latitude := p.latitude, longitude := p.longitude,
               precision := p.precision, radius_m := p.radius_m),
               [coalesce(p.radius_m, 'infinity'::DOUBLE), p.report_id::DOUBLE]) AS pt
        FROM mem JOIN pts p USING (report_id) GROUP BY incident_id
    ),
    dated AS (
        SELECT incident_id, bool_or(linked) AS linked, list(report_id ORDER BY report_id) AS report_ids,
               count(*) AS reports, max(r.date_start) AS inter_start, min(r.date_end) AS inter_end,
               min(r.date_start) AS span_start, max(r.date_end) AS span_end,
               list_distinct(flatten(list(r.perpetrators))) AS perpetrators
        FROM mem JOIN report r USING (report_id) GROUP BY incident_id
    )
    SELECT d.incident_id, d.linked, d.report_ids, d.reports,
           CASE WHEN inter_start <= inter_end THEN inter_start ELSE span_start END AS date_start,
           CASE WHEN inter_start <= inter_end THEN inter_end ELSE span_end END AS date_end,
           b.pt.latitude AS latitude, b.pt.longitude AS longitude,
           coalesce(b.pt.precision, 'unknown') AS precision, b.pt.radius_m AS radius_m,
           list_sort(d.perpetrators) AS perpetrators
    FROM dated d LEFT JOIN best_point b USING (incident_id)"""
