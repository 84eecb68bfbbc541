"""The incidents as the server lists them: one row per current incident, built when the server starts
(in an in-memory database attached to the store's connection, so every request's cursor reads it) and
kept current by the server's own writes.

A row holds what the incident list filters and shows: the incident's interval, best point (exact, and
coarsened for the public by the policy's grid), perpetrators and canonical actors, means, site kinds,
governorates, grade in force, corroboration and harm ranges (`harmtrace.assess.items.harm_sql`, the
ranges `stats casualties` counts), and its times in the change feed (`feed_times`). The public's
bounding-box filter reads the coarsened point, so no sequence of queries can find an exact point the
public may not see.
"""

from __future__ import annotations

from typing import Final

from harmtrace.assess.items import harm_sql, members_sql
from harmtrace.link.parts import current_parts_sql
from harmtrace.publish.policy import coarsen_sql
from harmtrace.store import Store
from harmtrace.store.relations import relation_sql
from harmtrace.store.sql import lit

SERVED: Final = "served"
TABLE: Final = f"{SERVED}.incident"
MEMBERS: Final = f"{SERVED}.incident_member"  # incident_member, searchable by incident id
# (column prefix, category, harm) of the ranges served, as the incidents export names them
RANGES: Final = (
    ("killed", "all", "killed"),
    ("civilians_killed", "civilians", "killed"),
    ("children_killed", "children", "killed"),
    ("injured", "all", "injured"),
)


def attach(store: Store) -> None:
    """Attach the in-memory database the served tables live in (once per server)."""
    attached = store.scalar("SELECT count(*) FROM duckdb_databases() WHERE database_name = ?", [SERVED])
    if not attached:
        store.con.execute(f"ATTACH ':memory:' AS {SERVED}")


def build(store: Store, grid_m: float) -> int:
    """(Re)build the served incidents from the store; the number of incidents.

    Rows are written in the lists' order (date, then id) and numbered by it (`seq`): a page is the rows
    after a `seq`, read in insertion order without a sort, which DuckDB keeps while
    `preserve_insertion_order` is on (its default; set here, as imports switch it off in their process).
    Lower-cased copies of the lists the filters match (`key_*`) are made once here, not per request, and
    an index finds one incident by id. A copy of the incident memberships, indexed by incident, finds the
    reports of one.
    """
    store.con.execute("SET preserve_insertion_order = true")
    store.con.execute(f"DROP TABLE IF EXISTS {TABLE}")
    store.con.execute(f"CREATE TABLE {TABLE} AS {_numbered(_sql(grid_m))}")
    store.con.execute(f"CREATE INDEX served_incident_id ON {TABLE} (incident_id)")
    # one incident's reports: a column store reads whole row groups of incident_member to find a few rows,
    # an index on this copy finds them at once (no link run changes memberships while the server runs)
    store.con.execute(
        f"CREATE OR REPLACE TABLE {MEMBERS} AS SELECT incident_id, report_id, run_id FROM incident_member"
    )
    store.con.execute(f"CREATE INDEX served_member_incident ON {MEMBERS} (incident_id)")
    return int(store.scalar(f"SELECT count(*) FROM {TABLE}"))


def _numbered(sql: str) -> str:
    lower = "lambda x: lower(x)"
    return f"""
    SELECT row_number() OVER (ORDER BY date_start NULLS LAST, incident_id) AS seq, *,
           list_transform(actors, {lower}) AS key_actors,
           list_transform(perpetrators, {lower}) AS key_perpetrators,
           list_transform(list_concat(governorates, adm1_pcodes), {lower}) AS key_places,
           list_transform(means, {lower}) AS key_means, list_transform(site_kinds, {lower}) AS key_site_kinds,
           NULL::TIMESTAMP AS updated_at, NULL::TIMESTAMP AS first_seen
    FROM ({sql}) ORDER BY seq"""


def _sql(grid_m: float) -> str:
    ranges = ", ".join(f"{p}.count_min AS {p}_min, {p}.count_max AS {p}_max, {p}.count_best AS {p}_best"
                       for p, _, _ in RANGES)  # fmt: skip
    joins = " ".join(f"LEFT JOIN ({harm_sql(lit(c), lit(h))}) {p} ON {p}.item_id = lead.item_id"
                     for p, c, h in RANGES)  # fmt: skip
    coarse = coarsen_sql("i.latitude", "i.longitude", "i.radius_m", grid_m)
    return f"""
    WITH mem AS ({members_sql()}),
    lead AS (SELECT incident_id, min(item_id) AS item_id FROM mem GROUP BY incident_id),
    lists AS (
        SELECT mem.incident_id, list_sort(list_distinct(flatten(list(r.means)))) AS means,
               list_sort(list_distinct(flatten(list(r.site_kinds)))) AS site_kinds,
               any_value(lower(trim(r.source_grade)) ORDER BY r.report_id) AS source_grade
        FROM mem JOIN report r USING (report_id) GROUP BY mem.incident_id
    ),
    adm AS (
        SELECT mem.incident_id, list_sort(list_distinct(list(a.pcode))) AS adm1_pcodes,
               list_sort(list_distinct(list(coalesce(aa.name_en, a.pcode)))) AS governorates
        FROM mem JOIN report_admin a ON a.report_id = mem.report_id AND a.level = 1 AND a.pcode IS NOT NULL
        LEFT JOIN admin_area aa ON aa.pcode = a.pcode GROUP BY mem.incident_id
    ),
    near AS (SELECT incident_id, count(*) AS declared_strikes FROM incident_declared GROUP BY incident_id)
    SELECT i.incident_id, i.linked, i.reports, i.date_start, i.date_end,
           i.latitude, i.longitude, i.radius_m, i.precision,
           {coarse["latitude"]} AS public_latitude, {coarse["longitude"]} AS public_longitude,
           {coarse["radius_m"]} AS public_radius_m,
           i.perpetrators, coalesce(item.actors, i.perpetrators) AS actors,
           lists.means, lists.site_kinds,
           coalesce(adm.governorates, []) AS governorates, coalesce(adm.adm1_pcodes, []) AS adm1_pcodes,
           coalesce(dg.grade, a.grade, lists.source_grade) AS grade, a.grade AS grade_computed,
           coalesce(a.grade_reasons, []) AS grade_reasons, dg.author AS grade_analyst_author,
           part.whole_id AS part_of, a.independent_sources,
           coalesce(near.declared_strikes, 0) AS declared_strikes,
           a.persons, {ranges}
    FROM ({relation_sql("incidents")}) i
    JOIN lead USING (incident_id) JOIN lists USING (incident_id)
    LEFT JOIN adm USING (incident_id)
    LEFT JOIN incident_item item USING (incident_id)
    LEFT JOIN incident_assessment a USING (incident_id)
    LEFT JOIN ({relation_sql("decided_grades")}) dg USING (incident_id)
    LEFT JOIN ({current_parts_sql()}) part ON part.part_id = i.incident_id
    LEFT JOIN near USING (incident_id)
    {joins}"""


def regrade(store: Store, incident_id: str) -> None:
    """Bring one served incident's grade up to date after a grade decision."""
    store.con.execute(
        f"""UPDATE {TABLE} s SET grade = coalesce(dg.grade, s.grade_computed, s.grade),
            grade_analyst_author = dg.author
            FROM (SELECT * FROM ({relation_sql("decided_grades")}) WHERE incident_id = ?) dg
            WHERE s.incident_id = dg.incident_id""",
        [incident_id],
    )


def feed_times(store: Store, ids: list[str] | None = None) -> None:
    """Copy each served incident's times from the change feed's state (`harmtrace.server.feed.refresh`:
    when it was first seen and last changed as the public sees it), every incident's or those of `ids`,
    so a page of the list reads them with its rows."""
    # the ids written into the statement: the served table's index and feed_state's key find them
    listed = ", ".join(map(lit, ids)) or "NULL" if ids is not None else None
    where = f"AND s.incident_id IN ({listed}) AND f.incident_id IN ({listed})" if listed else ""
    store.con.execute(
        f"""UPDATE {TABLE} s SET updated_at = f.updated_at, first_seen = f.first_seen
            FROM feed_state f WHERE s.incident_id = f.incident_id {where}"""
    )
