"""One assessment run: copies, declared-strike matches, attribution and grades of every incident.

`assess_incidents` replaces the run tables (report_copy, incident_declared, incident_assessment,
incident_attribution) in one transaction, so a crash leaves the previous assessment whole. Analyst
decisions (grade_decision) are never touched: they are read live wherever a grade is shown.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import pyarrow as pa

from harmtrace.assess.attribution import Attribution, ReportClaim, attribute
from harmtrace.assess.grading import Evidence, Nearby, grade
from harmtrace.assess.incident_sql import membership_sql
from harmtrace.assess.independence import independent_sources_sql, record_copies
from harmtrace.assess.nearby import record_matches
from harmtrace.model import GRADES
from harmtrace.store import Store


def assess_incidents(store: Store, overrides: Mapping[str, float | None] | None = None) -> dict[str, Any]:
    """Assess every incident; returns counts: incidents, copies, matches and incidents per grade."""
    started = datetime.now()
    with store.transaction() as con:
        copies = record_copies(store)
        matches = record_matches(store, overrides)
        assessed, attributions = _assess_all(store, started)
        con.execute("DELETE FROM incident_assessment; DELETE FROM incident_attribution")
        _insert(store, "incident_assessment", assessed)
        _insert(store, "incident_attribution", attributions)
    grades = {g: sum(1 for a in assessed if a["grade"] == g) for g in GRADES}
    return {"incidents": len(assessed), "reports_copying": copies, "declared_matches": matches,
            "grades": grades, "assessed_at": started}  # fmt: skip


def _insert(store: Store, table: str, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    columns = [r[0] for r in store.con.execute(f"DESCRIBE {table}").fetchall()]
    store.con.register("ht_rows", pa.Table.from_pylist(rows))
    store.con.execute(f"INSERT INTO {table} SELECT {', '.join(columns)} FROM ht_rows")
    store.con.unregister("ht_rows")


def _assess_all(store: Store, at: datetime) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    assessed, attributions = [], []
    for row in store.rows(_evidence_sql()):
        claims = [ReportClaim(c["report_id"], c["source"], tuple(c["perpetrators"])) for c in row["claims"]]
        nearby = tuple(Nearby(**n) for n in row["nearby"] or [])
        found = attribute(claims, {n.belligerent for n in nearby})
        evidence = _evidence(row, claims, found, nearby)
        computed, reasons = grade(evidence)
        assessed.append({
            "incident_id": row["incident_id"], "assessed_at": at, "report_ids": [c.report_id for c in claims],
            "sources": row["sources"], "independent_sources": row["independent_sources"], "grade": computed,
            "grade_reasons": reasons, "source_grades": list(evidence.source_grades),
            "declared_strikes": len(nearby), "persons": evidence.persons,
        })  # fmt: skip
        attributions += [
            {
                "incident_id": row["incident_id"],
                "perpetrator": a.perpetrator,
                "status": a.status,
                "report_ids": list(a.report_ids),
            }
            for a in found
        ]
    return assessed, attributions


def _evidence(
    row: dict[str, Any], claims: list[ReportClaim], found: list[Attribution], nearby: tuple[Nearby, ...]
) -> Evidence:
    return Evidence(
        reports=len(claims),
        sources=row["sources"],
        independent_sources=row["independent_sources"],
        copies=tuple(row["copies"] or ()),
        attribution=tuple(found),
        nearby=nearby,
        civilians_killed_max=row["civilians_max"],
        combatants_killed=row["combatants_max"],
        persons=row["persons"] or 0,
        combatant_persons=row["combatant_persons"] or 0,
        source_grades=tuple(row["source_grades"] or ()),
    )


def _evidence_sql() -> str:
    """One row per incident: its reports' claims, sources, copies, tolls, tied persons and nearby strikes."""
    toll = "coalesce(h.count_max, h.count_best, h.count_min)"
    return f"""
    WITH mem AS ({membership_sql()}),
    claims AS (
        SELECT mem.incident_id, list(struct_pack(report_id := r.report_id, source := s.name,
               perpetrators := r.perpetrators) ORDER BY r.report_id) AS claims,
               list_sort(list_distinct(list(s.name || ': ' || lower(trim(r.source_grade)))
                   FILTER (r.source_grade IS NOT NULL AND trim(r.source_grade) <> ''))) AS source_grades
        FROM mem JOIN report r USING (report_id) JOIN source s USING (source_id) GROUP BY mem.incident_id
    ),
    tolls AS (
        SELECT mem.incident_id,
               max({toll}) FILTER (h.category = 'civilians' AND h.harm = 'killed') AS civilians_max,
               max({toll}) FILTER (h.category = 'combatants' AND h.harm = 'killed') AS combatants_max
        FROM mem JOIN harm h USING (report_id) WHERE h.category IN ('civilians', 'combatants')
        GROUP BY mem.incident_id
    ),
    copies AS (
        SELECT mem.incident_id, list('report ' || c.report_id || ' repeats report ' || c.original_id || ' ('
               || c.reason || ')' ORDER BY c.report_id) AS copies
        FROM report_copy c JOIN mem USING (report_id) GROUP BY mem.incident_id
    ),
    tied AS (
        SELECT mem.incident_id, count(DISTINCT coalesce(pm.person_id, 'victim:' || v.victim_id)) AS persons,
               count(DISTINCT coalesce(pm.person_id, 'victim:' || v.victim_id))
                   FILTER (v.status = 'combatant') AS combatant_persons
        FROM victim_report vr JOIN victim_record v USING (victim_id) JOIN mem USING (report_id)
        LEFT JOIN person_member pm USING (victim_id) GROUP BY mem.incident_id
    ),
    near AS (
        SELECT d.incident_id, list(struct_pack(belligerent := s.belligerent, place := s.place_text,
               day := strftime(s.date_start, '%Y-%m-%d'), strikes := s.strikes, days_apart := d.days_apart,
               distance_min_km := d.distance_min_km, distance_max_km := d.distance_max_km)
               ORDER BY d.days_apart, d.distance_min_km, s.strike_id) AS nearby
        FROM incident_declared d JOIN declared_strike s USING (strike_id) GROUP BY d.incident_id
    )
    SELECT * FROM claims JOIN ({independent_sources_sql()}) USING (incident_id)
    LEFT JOIN tolls USING (incident_id) LEFT JOIN copies USING (incident_id)
    LEFT JOIN tied USING (incident_id) LEFT JOIN near USING (incident_id)
    ORDER BY incident_id"""
