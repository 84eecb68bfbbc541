"""One assessment run: copies, declared-strike matches, attribution and grades of every incident.

`assess_incidents` replaces the run tables (report_copy, incident_declared, incident_assessment,
incident_attribution) and the per-incident rows figures read (`harmtrace.assess.snapshot`) in one
transaction, so a crash leaves the previous assessment whole. Analyst decisions (grade_decision) are never
touched: they are read live wherever a grade is shown. Perpetrators are attributed as canonical actors
(`harmtrace.actors`): "Russian warplanes" and "الطيران الروسي" are one actor, Russia; names the actor
table does not know are kept as written and counted in the summary (``actors_not_in_table``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Final

import pyarrow as pa

from harmtrace.actors import ActorTable, load_actors
from harmtrace.assess.attribution import Attribution, ReportClaim, attribute
from harmtrace.assess.grading import Evidence, Nearby, grade
from harmtrace.assess.independence import independent_sources_sql, record_copies
from harmtrace.assess.nearby import record_matches
from harmtrace.assess.snapshot import record_snapshot
from harmtrace.model import GRADES, NOT_ALLEGED
from harmtrace.progress import Progress, silent
from harmtrace.results import Result
from harmtrace.store import Store
from harmtrace.store.relations import relation_sql

CIVILIAN_CATEGORIES: Final = "('civilians', 'children', 'women', 'men')"
# names not in the actor table listed in the summary, most named first
LISTED_UNKNOWN: Final = 20
# incidents assessed at a time (bounds the memory of the Python step)
CHUNK: Final = 50_000


def _assess(
    store: Store,
    overrides: Mapping[str, float | None] | None,
    actors_file: Path | None,
    progress: Progress,
) -> dict[str, Any]:
    """Assess every incident; returns counts: incidents, copies, matches, incidents per grade (and
    `NOT_ALLEGED`), and the perpetrator names the actor table does not know (name, reports).
    `progress` is told each stage, and how many incidents of all are graded."""
    started = datetime.now()
    actors = load_actors(actors_file)
    canonical = _Canonical(actors)
    grades: Counter[str] = Counter()
    with store.transaction() as con:
        progress("copies between reports")
        copies = record_copies(store)
        progress("declared strikes nearby")
        matches = record_matches(store, overrides)
        con.execute("DELETE FROM incident_assessment; DELETE FROM incident_attribution")
        for rows in _evidence_chunks(store, progress):
            assessed, attributions = _assess_rows(rows, started, canonical)
            grades.update(a["grade"] for a in assessed)
            _insert(store, "incident_assessment", assessed)
            _insert(store, "incident_attribution", attributions)
        progress("figures per incident")
        record_snapshot(store, actors, started, str(actors_file) if actors_file else None, overrides)
    unknown = canonical.unknown.most_common()
    return {"incidents": grades.total(), "reports_copying": copies, "declared_matches": matches,
            "grades": {g: grades[g] for g in (*GRADES, NOT_ALLEGED)}, "assessed_at": started,
            "actors_not_in_table": [{"name": n, "reports": k} for n, k in unknown[:LISTED_UNKNOWN]],
            "actor_names_not_in_table": len(unknown)}  # fmt: skip


def _evidence_chunks(store: Store, progress: Progress) -> Iterator[list[dict[str, Any]]]:
    """The evidence rows, `CHUNK` incidents at a time: a million incidents as Python dicts at once took
    gigabytes; DuckDB holds them compressed in a temporary table instead."""
    progress("evidence of every incident")
    store.con.execute(
        "CREATE OR REPLACE TEMP TABLE ht_evidence AS "
        f"SELECT row_number() OVER (ORDER BY incident_id) AS n, * FROM ({_evidence_sql()})"
    )
    total = int(store.scalar("SELECT count(*) FROM ht_evidence"))
    for low in range(0, total, CHUNK):
        progress("grading incidents", low, total)
        yield store.rows(
            "SELECT * EXCLUDE (n) FROM ht_evidence WHERE n > ? AND n <= ? ORDER BY n", [low, low + CHUNK]
        )
    progress("grading incidents", total, total)
    store.con.execute("DROP TABLE ht_evidence")


def _insert(store: Store, table: str, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    columns = [r[0] for r in store.con.execute(f"DESCRIBE {table}").fetchall()]
    store.con.register("ht_rows", pa.Table.from_pylist(rows))
    store.con.execute(f"INSERT INTO {table} SELECT {', '.join(columns)} FROM ht_rows")
    store.con.unregister("ht_rows")


def _assess_rows(
    rows: list[dict[str, Any]], at: datetime, canonical: _Canonical
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Attribution and grade of the incidents of evidence `rows`: (assessment rows, attribution rows)."""
    assessed, attributions = [], []
    for row in rows:
        claims = [
            ReportClaim(c["report_id"], canonical.one(c["source"]), canonical.many(c["perpetrators"]))
            for c in row["claims"]
        ]
        nearby = tuple(Nearby(**n) for n in row["nearby"] or [])
        found = attribute(claims, {canonical.one(n.belligerent) for n in nearby})
        evidence = _evidence(row, claims, found, nearby)
        computed, reasons = grade(evidence)
        assessed.append({
            "incident_id": row["incident_id"], "assessed_at": at, "report_ids": [c.report_id for c in claims],
            "sources": row["sources"], "independent_sources": row["independent_sources"], "grade": computed,
            "grade_reasons": reasons, "source_grades": list(evidence.source_grades),
            "declared_strikes": len(nearby), "persons": evidence.persons,
        })  # fmt: skip
        attributions += [
            {"incident_id": row["incident_id"], "perpetrator": a.perpetrator, "status": a.status,
             "report_ids": list(a.report_ids)}
            for a in found
        ]  # fmt: skip
    return assessed, attributions


class _Canonical:
    """Canonical actor names, cached (a million claims name a few hundred distinct names), counting the
    reports that name each name the table does not know."""

    def __init__(self, actors: ActorTable) -> None:
        self.actors = actors
        self.unknown: Counter[str] = Counter()
        self.cache: dict[str, str] = {}
        self.lists: dict[tuple[str, ...], tuple[str, ...]] = {}
        self.unknown_of: dict[tuple[str, ...], list[str]] = {}

    def one(self, name: str) -> str:
        found = self.cache.get(name)
        if found is None:
            found = self.cache[name] = self.actors.canonical(name)
        return found

    def many(self, names: list[str]) -> tuple[str, ...]:
        key = tuple(names)
        found = self.lists.get(key)
        if found is None:
            found = self.lists[key] = tuple(dict.fromkeys(self.one(n) for n in names if n.strip()))
            self.unknown_of[key] = [n.strip() for n in names if n.strip() and not self.actors.knows(n)]
        for name in self.unknown_of[key]:
            self.unknown[name] += 1
        return found


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
        alleging=tuple(row["alleging"] or ()),
        counting_combatants=tuple(row["counting_combatants"] or ()),
        with_figures=row["with_figures"] or 0,
        source_grades=tuple(row["source_grades"] or ()),
    )


def _evidence_sql() -> str:
    """One row per incident: its reports' claims, sources, copies, tolls, tied persons and nearby strikes."""
    toll = "coalesce(count_max, count_best, count_min)"
    central = "coalesce(count_best, count_max, count_min)"
    return f"""
    WITH mem AS ({relation_sql("incident_membership")}),
    claims AS (
        SELECT mem.incident_id, list(struct_pack(report_id := r.report_id, source := s.name,
               perpetrators := r.perpetrators) ORDER BY r.report_id) AS claims,
               list_sort(list_distinct(list(s.name || ': ' || lower(trim(r.source_grade)))
                   FILTER (r.source_grade IS NOT NULL AND trim(r.source_grade) <> ''))) AS source_grades
        FROM mem JOIN report r USING (report_id) JOIN source s USING (source_id) GROUP BY mem.incident_id
    ),
    per_harm AS (
        SELECT report_id, harm, max({toll}) FILTER (category IN {CIVILIAN_CATEGORIES}) AS civ,
               max({toll}) FILTER (category = 'combatants') AS comb,
               max({central}) FILTER (category = 'all')
                   - coalesce(max({central}) FILTER (category = 'civilians'), 0)
                   - coalesce(max({central}) FILTER (category = 'combatants'), 0) AS unknown_status
        FROM harm GROUP BY report_id, harm
    ),
    -- a report alleges civilian harm with a civilian figure above 0, victims it does not say were
    -- civilians or combatants (UCDP's deaths_unknown; a toll without any breakdown), or by coding the
    -- event as violence against civilians (UCDP one-sided); central figures (best first) are compared,
    -- as a source's breakdown adds up to its best estimate (UCDP's low and high bound the total only)
    per_report AS (
        SELECT report_id, bool_or(coalesce(civ > 0 OR unknown_status > 0, FALSE))
                   OR coalesce(any_value(r.violence_type) = 'one-sided', FALSE) AS alleges,
               max(civ) AS civ, max(comb) FILTER (harm = 'killed') AS comb_killed
        FROM per_harm JOIN report r USING (report_id) GROUP BY report_id
    ),
    tolls AS (
        SELECT mem.incident_id, max(p.civ) AS civilians_max, max(p.comb_killed) AS combatants_max,
               list(mem.report_id ORDER BY mem.report_id) FILTER (p.alleges) AS alleging,
               list(mem.report_id ORDER BY mem.report_id)
                   FILTER (p.comb_killed > 0 AND NOT p.alleges) AS counting_combatants,
               count(p.report_id) AS with_figures
        FROM mem LEFT JOIN per_report p USING (report_id) GROUP BY mem.incident_id
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


@dataclass(frozen=True)
class Assessment(Result):
    """What `assess_incidents` did: incidents graded, per grade (and `NOT_ALLEGED`), copies between reports,
    declared strikes matched, and perpetrator names the actor table does not know."""

    incidents: int = 0
    grades: Mapping[str, int] = field(default_factory=dict)
    reports_copying: int = 0
    declared_matches: int = 0
    actor_names_not_in_table: int = 0


def assess_incidents(
    store: Store,
    overrides: Mapping[str, float | None] | None = None,
    actors_file: Path | None = None,
    progress: Progress = silent,
) -> Assessment:
    """Grade and attribute every incident, and store the per-incident figures the casualty figures read
    (module docstring). `overrides` are precision radii (metres per word), `actors_file` a table of
    actors extending the shipped one; `progress` is told each stage, and how many incidents are graded.
    """
    done = _assess(store, overrides, actors_file, progress)
    return Assessment(
        data=done, incidents=done["incidents"], grades=done["grades"],
        reports_copying=done["reports_copying"], declared_matches=done["declared_matches"],
        actor_names_not_in_table=done["actor_names_not_in_table"],
    )  # fmt: skip
