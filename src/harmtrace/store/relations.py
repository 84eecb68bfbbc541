"""The relations several packages read, named, in one registry.

`relation_sql(name, **params)` is a relation's SQL, for a package to use inside its own query;
`Store.relation(name, **params)` runs it and returns a DuckDB relation (``.df()``,
``.to_arrow_table()``), for a notebook. A relation belongs here once more than one package reads it;
SQL of one analysis stays with that analysis.

    incident_membership   (incident_id, report_id, linked): every report exactly once, in its incident of
                          the last incident link run, else alone as ``report:<report_id>`` (linked false)
    report_points         (report_id, latitude, longitude, precision, radius_m, method): every located
                          report; ``overrides``: precision radii changed from the defaults
                          (`harmtrace.store.precision.radii`)
    incidents             (incident_id, linked, report_ids, reports, date_start, date_end, latitude,
                          longitude, precision, radius_m, perpetrators): one row per incident of the last
                          incident link run, every other report alone as ``report:<report_id>``; its date
                          interval is the intersection of its reports' intervals when they overlap (each
                          report bounds when the event happened), else their span; its point that of its
                          most precise located report (smallest radius; ties to the lowest report id);
                          its perpetrators every perpetrator any of its reports names. ``overrides``: as
                          for report_points. Incident figures, exports, ties and geographic analyses read it.
    decided_grades        (incident_id, grade, decision_id, reason, author, decided_at): the analyst grade
                          in force for each current incident id (`harmtrace.assess.decisions`)
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any, Final

from harmtrace.errors import StoreError
from harmtrace.store.precision import radius_sql

# retirement chains are short (one per re-link that merged the incident); the bound only stops cycles
MAX_HOPS: Final = 64


def membership_sql() -> str:
    """SQL of (incident_id, report_id, linked) covering every report exactly once."""
    return """
    SELECT coalesce(m.incident_id, 'report:' || r.report_id) AS incident_id, r.report_id,
           m.incident_id IS NOT NULL AS linked
    FROM report r LEFT JOIN incident_member m USING (report_id)"""


def report_points_sql(overrides: Mapping[str, float | None] | None = None) -> str:
    """SQL of (report_id, latitude, longitude, precision, radius_m, method) for every located report.

    A report's own coordinates win over a gazetteer match; `method` is 'source coordinates' or the
    gazetteer match's method.
    """
    return f"""
    SELECT report_id, latitude, longitude, precision, {radius_sql("precision", overrides)} AS radius_m, method
    FROM (
        SELECT report_id, latitude, longitude, location_precision AS precision,
               'source coordinates' AS method
        FROM report WHERE latitude IS NOT NULL AND longitude IS NOT NULL
        UNION ALL
        SELECT l.report_id, l.latitude, l.longitude, l.precision, l.method
        FROM report_location l JOIN report r USING (report_id)
        WHERE r.latitude IS NULL OR r.longitude IS NULL
    )"""


def decided_grades_sql() -> str:
    """SQL of (incident_id, grade, decision_id, reason, author, decided_at): the analyst grade in force
    for each current incident id (the latest decision among those that lead to it)."""
    return f"""
    SELECT c.incident_id, arg_max(d.grade, d.decided_at) AS grade, max(d.decision_id) AS decision_id,
           arg_max(d.reason, d.decided_at) AS reason, arg_max(d.author, d.decided_at) AS author,
           max(d.decided_at) AS decided_at
    FROM ({decided_members_sql()}) c JOIN grade_decision d USING (decision_id)
    GROUP BY c.incident_id"""


def _resolved_sql() -> str:
    """(decision_id, current_id): each standing decision's incident followed through retirements."""
    return f"""
    WITH RECURSIVE chain(decision_id, current_id, hops) AS (
        SELECT decision_id, incident_id, 0 FROM grade_decision WHERE superseded_by IS NULL
        UNION ALL
        SELECT c.decision_id, i.retired_into, c.hops + 1 FROM chain c
        JOIN incident i ON i.incident_id = c.current_id
        WHERE i.retired_into IS NOT NULL AND c.hops < {MAX_HOPS}
    )
    SELECT decision_id, arg_max(current_id, hops) AS current_id FROM chain GROUP BY decision_id"""


def decided_members_sql() -> str:
    """SQL of (decision_id, incident_id): every standing decision with the current incident it holds for."""
    return f"""
    SELECT c.decision_id, coalesce(m.incident_id, c.current_id) AS incident_id
    FROM ({_resolved_sql()}) c LEFT JOIN incident_member m
      ON c.current_id LIKE 'report:%' AND m.report_id = TRY_CAST(c.current_id[8:] AS BIGINT)"""


def incidents_sql(overrides: Mapping[str, float | None] | None = None) -> str:
    """SQL of one row per incident: (incident_id, linked, report_ids, reports, date_start, date_end,
    latitude, longitude, precision, radius_m, perpetrators)."""
    return f"""
    WITH mem AS ({membership_sql()}),
    pts AS ({report_points_sql(overrides)}),
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


RELATIONS: Final[Mapping[str, Callable[..., str]]] = MappingProxyType(
    {
        "incident_membership": membership_sql,
        "report_points": report_points_sql,
        "incidents": incidents_sql,
        "decided_grades": decided_grades_sql,
    }
)


def relation_sql(name: str, **params: Any) -> str:
    """The SQL of relation `name` (see the table above) with `params`, to use inside another query.

    >>> "incident_member" in relation_sql("incident_membership")
    True
    """
    build = RELATIONS.get(name)
    if build is None:
        raise StoreError(
            f"No relation named {name!r} in the store: its relations are {', '.join(RELATIONS)}."
        )
    accepted = list(inspect.signature(build).parameters)
    unknown = sorted(set(params) - set(accepted))
    if unknown:
        takes = f"takes only {', '.join(accepted)}" if accepted else "takes no parameters"
        raise StoreError(f"Relation {name!r} {takes}, not {', '.join(unknown)}.")
    return build(**params)
