"""The per-incident rows figures read, stored by each assessment run, and whether they are still fresh.

Aggregating a million reports into incidents at every `stats casualties` costs seconds; the assessment
run aggregates them once and stores (replacing the last run's):

- ``incident_item``: one row per incident, keyed by its lead report (`harmtrace.assess.items`): date
  interval, point, perpetrators as written and as canonical actors (`harmtrace.actors`), means, the
  lead source grade and the computed grade (or `NOT_ALLEGED`);
- ``incident_harm_side``: per incident, actor and harm, the dead of that actor's side its reports give
  (UCDP deaths_a / deaths_b), so a side's figures leave its own dead out;
- ``incident_harm``: per incident and (category, harm), the range with the rules of
  `harmtrace.assess.items` (minimum = the lowest any report gives, never below the distinct persons
  tied to the incident; maximum = the highest; best = the clamped lower median) and ``persons``;
- ``assessment_actor``: the actor table the run used, so figures name actors as the run did;
- ``assessment_state``: when, and a fingerprint of what the run read (`harmtrace.assess.freshness`).

The rows are *stale* when reports (new, a new version, withdrawn), victim records (a new version,
withdrawn), incident links, person links or victim ties changed since the run (the fingerprint
differs): figures then fall back to aggregating at query time and say so. Analyst grade decisions are
read live, so they never make the rows stale.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from harmtrace.actors import ActorTable, from_rows, load_actors
from harmtrace.assess.freshness import fingerprint
from harmtrace.assess.items import PERSON_CATEGORY, floored_best_sql, members_sql
from harmtrace.store import Store
from harmtrace.store.relations import relation_sql


def stored_actors(store: Store) -> ActorTable:
    """The actor table of the last assessment run, else the shipped one."""
    rows = store.rows("SELECT alias_key, actor, origin FROM assessment_actor")
    return from_rows(rows) if rows else load_actors()


def record_snapshot(
    store: Store,
    actors: ActorTable,
    at: datetime,
    actors_file: str | None,
    overrides: Mapping[str, float | None] | None = None,
) -> int:
    """Replace the stored rows with the store's incidents now; returns how many incidents. `overrides`
    are precision radii (`harmtrace.locate.precision`) for the incidents' points."""
    with store.transaction() as con:
        con.execute(
            "DELETE FROM incident_item; DELETE FROM incident_harm; DELETE FROM incident_harm_side; "
            "DELETE FROM assessment_actor; DELETE FROM assessment_state"
        )
        con.execute(f"INSERT INTO incident_item {_items_sql(actors, overrides)}")
        con.execute(f"INSERT INTO incident_harm {harm_ranges_sql()}")
        con.execute(f"INSERT INTO incident_harm_side {side_deaths_sql(actors)}")
        for row in actors.rows():
            con.execute("INSERT INTO assessment_actor VALUES ($alias_key, $actor, $origin)", row)
        incidents = int(store.scalar("SELECT count(*) FROM incident_item"))
        con.execute(
            "INSERT INTO assessment_state VALUES (?, ?, ?, ?)",
            [at, fingerprint(store), incidents, actors_file],
        )
    return incidents


def _items_sql(actors: ActorTable, overrides: Mapping[str, float | None] | None) -> str:
    return f"""
    WITH mem AS ({members_sql()}),
    per AS (
        SELECT mem.item_id, any_value(mem.incident_id) AS incident_id,
               list_distinct(flatten(list(r.means))) AS means,
               arg_min(lower(trim(r.source_grade)), r.report_id)
                   FILTER (r.source_grade IS NOT NULL AND trim(r.source_grade) <> '') AS source_grade
        FROM mem JOIN report r USING (report_id) GROUP BY mem.item_id
    )
    SELECT per.item_id, i.incident_id, i.linked, i.reports, i.date_start, i.date_end, i.latitude,
           i.longitude, i.precision, i.radius_m, i.perpetrators,
           list_sort({actors.canonical_list_sql("i.perpetrators")}) AS actors, per.means, per.source_grade,
           a.grade
    FROM per JOIN ({relation_sql("incidents", overrides=overrides)}) i USING (incident_id)
    JOIN incident_assessment a USING (incident_id)"""


def side_deaths_sql(actors: ActorTable) -> str:
    """SQL of incident_harm_side rows: per incident, actor and harm, the dead of that actor's side as
    its reports give them (sides of one report naming one actor summed; the lower median over reports)."""
    return f"""
    WITH mem AS ({members_sql()}),
    per AS (
        SELECT mem.item_id, hs.report_id, {actors.canonical_sql("hs.side")} AS actor, hs.harm,
               sum(hs.count_best) AS best
        FROM harm_side hs JOIN mem USING (report_id) GROUP BY ALL
    )
    SELECT item_id, actor, harm, quantile_disc(best, 0.5) FROM per GROUP BY item_id, actor, harm"""


def harm_ranges_sql() -> str:
    """SQL of incident_harm rows: every (incident, category, harm) any report or tied person gives."""
    floors = " UNION ALL ".join(
        f"SELECT item_id, '{c}' AS category, count(DISTINCT person) AS persons FROM tied v WHERE {cond} "
        "GROUP BY item_id"
        for c, cond in PERSON_CATEGORY.items()
    )
    return f"""
    WITH mem AS ({members_sql()}),
    ranges AS (
        SELECT mem.item_id, h.category, h.harm, min(h.count_min) AS lo, max(h.count_max) AS hi,
               CASE WHEN any_value(mem.incident_id) LIKE 'report:%' THEN min(h.count_best)
                    WHEN count(h.count_best) > 0 THEN greatest(min(h.count_min),
                         least(max(h.count_max), quantile_disc(h.count_best, 0.5))) END AS best
        FROM harm h JOIN mem USING (report_id) GROUP BY mem.item_id, h.category, h.harm
    ),
    tied AS (
        SELECT mem.item_id, coalesce(pm.person_id, 'victim:' || v.victim_id) AS person, v.*
        FROM victim_report vr JOIN victim_record v USING (victim_id) JOIN mem USING (report_id)
        LEFT JOIN person_member pm USING (victim_id)
    ),
    -- victim records are deaths: tied persons floor 'killed' figures only
    floor AS (SELECT *, 'killed' AS harm FROM ({floors}))
    SELECT item_id, category, harm,
           CASE WHEN p.persons IS NULL THEN h.lo ELSE greatest(h.lo, p.persons) END AS count_min,
           CASE WHEN p.persons IS NULL OR h.hi IS NULL THEN h.hi ELSE greatest(h.hi, p.persons) END
               AS count_max,
           -- a best below the persons tied (or above the maximum) is no best of this range
           {floored_best_sql("h.best", "h.lo", "h.hi")} AS count_best,
           coalesce(p.persons, 0) AS persons
    FROM ranges h FULL JOIN floor p USING (item_id, category, harm)"""
