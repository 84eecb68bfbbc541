"""Incidents as the items of a figure: dates, perpetrators, means, grade and harm ranges per incident.

Figures count incidents, not reports. Each incident is keyed here by its *lead report* (its lowest
report id, a BIGINT: cheaper to group and join a million of than the text id), so a report that no link
run has seen is its own item with its own id, exactly as before linkage existed. Linked incidents
aggregate their reports:

- dates: the intersection of the reports' intervals when they overlap, else their span (as
  the store's `incidents` relation); an unknown bound of one report does not widen the others';
- perpetrators and means: every one any report names;
- grade: the analyst's decision, else the grade of the last assessment run, else a source's own grade
  (the lowest-numbered report's that gives one), so filters work before any assessment has run;
- harm per (category, harm), see `harm_sql`: minimum = the lowest minimum any report gives, maximum =
  the highest maximum, best = the (lower) median of the reports' best figures, clamped to [min, max];
  the minimum is never below the number of distinct persons tied to the incident (`persons_sql`).

Persons are tied to incidents through ``victim_report`` (a victim record tied to the report of the
event it died in, written by an importer or an analyst): the persons of an incident are the distinct
persons (``person_member``; an unlinked victim record is its own person) of the victim records tied to
any of its reports. Victim records are deaths, so they floor 'killed' figures only.

An incident that is part of another (`harmtrace.link.parts`) is no item of its own in a figure: it
counts with its whole as one item (`harmtrace.assess.wholes`), over the per-incident rows given here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from harmtrace.assess.freshness import state
from harmtrace.link.parts import has_parts
from harmtrace.store.relations import relation_sql

if TYPE_CHECKING:
    from harmtrace.store import Store

# persons of a category, from victim_record columns; 'all' counts everyone tied
PERSON_CATEGORY: Final = {
    "all": "TRUE",
    "civilians": "v.status = 'civilian'",
    "combatants": "v.status = 'combatant'",
    "children": "(v.age_group = 'child' OR v.age_max < 18)",
    "women": "(v.sex = 'female' AND (v.age_group = 'adult' OR v.age_min >= 18))",
    "men": "(v.sex = 'male' AND (v.age_group = 'adult' OR v.age_min >= 18))",
}


@dataclass(frozen=True)
class Plan:
    """What the store holds that the SQL must handle; the defaults give SQL right for any store.

    A store no link run has touched (`linked` False) and with no victim tied to a report (`tied` False)
    is read without joins: figures over a million reports cost what they did before incidents existed.
    """

    linked: bool = True
    tied: bool = True
    # the rows the last assessment run stored still describe the store (`harmtrace.assess.snapshot`):
    # figures read them, one row per incident, instead of aggregating reports
    stored: bool = False
    # an assessment run stored rows, but reports, links or ties changed since
    stale: bool = False
    # some report gives the deaths of a named side (`harm_side`, e.g. UCDP deaths_a / deaths_b)
    sided: bool = True
    # some current incident is part of another (`incident_part`): a whole and its parts count once
    # (`harmtrace.assess.wholes`)
    parts: bool = True


def plan_for(store: Store) -> Plan:
    last = state(store)
    linked = bool(store.scalar("SELECT count(*) > 0 FROM incident_member"))
    return Plan(
        linked=linked,
        tied=bool(store.scalar("SELECT count(*) > 0 FROM victim_report")),
        stored=bool(last and last["fresh"]),
        stale=bool(last and not last["fresh"]),
        sided=bool(store.scalar("SELECT count(*) > 0 FROM harm_side")),
        parts=linked and has_parts(store),
    )


def stored_items_sql() -> str:
    """(item_id, date_start, date_end, perpetrators, means, grade): the stored rows of the last
    assessment run; perpetrators are canonical actors, grade the one in force (analyst's, else computed,
    which may be `NOT_ALLEGED`)."""
    return f"""
    SELECT i.item_id, i.date_start, i.date_end, i.actors AS perpetrators, i.means,
           coalesce(dg.grade, i.grade) AS grade
    FROM incident_item i LEFT JOIN ({relation_sql("decided_grades")}) dg USING (incident_id)"""


def side_sql(harm_sql_text: str, linked: bool = True, stored: bool = False) -> str:
    """(item_id, side, best), one row per (incident, side): the dead of each side an incident's reports
    name (`harm_side`: e.g. UCDP's deaths_a of side A; an importer writes one row per side of a report),
    the lower median of its reports' figures; `stored` reads those the last assessment run stored, with
    sides as canonical actors."""
    if stored:
        return (
            "SELECT item_id, actor AS side, count_best AS best FROM incident_harm_side "
            f"WHERE harm = {harm_sql_text}"
        )
    if not linked:
        where = f"WHERE harm = {harm_sql_text}"
        return f"SELECT report_id AS item_id, side, count_best AS best FROM harm_side {where}"
    return f"""
    SELECT mem.item_id, hs.side, quantile_disc(hs.count_best, 0.5) AS best
    FROM harm_side hs JOIN ({members_sql()}) mem USING (report_id) WHERE hs.harm = {harm_sql_text}
    GROUP BY mem.item_id, hs.side"""


def lead_sql() -> str:
    """(incident_id, item_id): each linked incident and its lead report."""
    return "SELECT incident_id, min(report_id) AS item_id FROM incident_member GROUP BY incident_id"


def members_sql(linked: bool = True) -> str:
    """(item_id, incident_id, report_id) for every report: its item and its incident id.

    `linked` = False says no link run has written `incident_member` (see `Plan`): every report alone.
    """
    alone = (
        "SELECT r.report_id AS item_id, 'report:' || r.report_id AS incident_id, r.report_id FROM report r"
    )
    if not linked:
        return alone
    return f"""
    {alone} ANTI JOIN incident_member m USING (report_id)
    UNION ALL
    SELECT l.item_id, m.incident_id, m.report_id
    FROM incident_member m JOIN ({lead_sql()}) l USING (incident_id)"""


def items_sql(with_grade: bool, linked: bool = True) -> str:
    """(item_id, date_start, date_end, perpetrators, means[, grade]): one row per incident.

    Unlinked reports pass through untouched (no grouping); over a store never linked (`linked` False)
    the reports are read as they are, with no join at all.
    """
    grade_of_report = "lower(trim(r.source_grade))"
    alone = (
        "SELECT r.report_id AS item_id, r.date_start, r.date_end, r.perpetrators, r.means"
        + (f", {grade_of_report} AS source_grade" if with_grade else "")
        + " FROM report r"
        + (" ANTI JOIN incident_member m USING (report_id)" if linked else "")
    )
    grouped = f"""
        SELECT l.item_id,
               CASE WHEN max(r.date_start) <= min(r.date_end) THEN max(r.date_start) ELSE min(r.date_start)
                    END AS date_start,
               CASE WHEN max(r.date_start) <= min(r.date_end) THEN min(r.date_end) ELSE max(r.date_end)
                    END AS date_end,
               list_distinct(flatten(list(r.perpetrators))) AS perpetrators,
               list_distinct(flatten(list(r.means))) AS means
               {f", arg_min({grade_of_report}, r.report_id) AS source_grade" if with_grade else ""}
        FROM incident_member m JOIN ({lead_sql()}) l USING (incident_id) JOIN report r USING (report_id)
        GROUP BY l.item_id"""
    both = f"{alone} UNION ALL {grouped}" if linked else alone
    if not with_grade:
        return both
    return f"""
    SELECT i.* EXCLUDE (source_grade), coalesce(dg.grade, a.grade, i.source_grade) AS grade
    FROM ({both}) i JOIN ({members_sql(linked)}) mem ON mem.report_id = i.item_id
    LEFT JOIN incident_assessment a ON a.incident_id = mem.incident_id
    LEFT JOIN ({relation_sql("decided_grades")}) dg ON dg.incident_id = mem.incident_id"""


def persons_sql(category_sql: str) -> str:
    """(item_id, persons): distinct persons of the category (a SQL text, e.g. $category) per item."""
    cases = " ".join(f"WHEN '{c}' THEN {cond}" for c, cond in PERSON_CATEGORY.items())
    return f"""
    SELECT mem.item_id, count(DISTINCT coalesce(pm.person_id, 'victim:' || v.victim_id)) AS persons
    FROM victim_report vr JOIN victim_record v USING (victim_id)
    JOIN ({members_sql()}) mem USING (report_id)
    LEFT JOIN person_member pm USING (victim_id)
    WHERE CASE {category_sql} {cases} ELSE FALSE END
    GROUP BY mem.item_id"""


def harm_sql(
    category_sql: str, harm_sql_text: str, linked: bool = True, tied: bool = True, stored: bool = False
) -> str:
    """(item_id, count_min, count_max, count_best): each incident's range for one (category, harm).

    A lone report keeps its own three figures; only the persons floor can raise its minimum. `linked`
    / `tied` False say no link run / no victim_report row exists (see `Plan`): the plain harm rows;
    `stored` reads the ranges the last assessment run stored (`harmtrace.assess.snapshot`).
    """
    chosen = f"category = {category_sql} AND harm = {harm_sql_text}"
    if stored:
        return f"SELECT item_id, count_min, count_max, count_best FROM incident_harm WHERE {chosen}"
    if not linked and not tied:
        return f"SELECT report_id AS item_id, count_min, count_max, count_best FROM harm WHERE {chosen}"
    ranges = f"""
        SELECT report_id AS item_id, count_min, count_max, count_best
        FROM harm ANTI JOIN incident_member USING (report_id) WHERE {chosen}
        UNION ALL
        SELECT l.item_id, min(count_min), max(count_max),
               CASE WHEN count(count_best) > 0 THEN greatest(min(count_min),
                    least(max(count_max), quantile_disc(count_best, 0.5))) END
        FROM harm JOIN incident_member m USING (report_id) JOIN ({lead_sql()}) l USING (incident_id)
        WHERE {chosen} GROUP BY l.item_id"""
    floor = f"SELECT * FROM ({persons_sql(category_sql)}) WHERE {harm_sql_text} = 'killed'"
    # a tied person raises the minimum (and the maximum with it); an incident whose reports give no
    # figure for the category still counts its tied persons
    return f"""
    SELECT item_id,
           CASE WHEN p.persons IS NULL THEN h.count_min ELSE greatest(h.count_min, p.persons) END
               AS count_min,
           CASE WHEN p.persons IS NULL OR h.count_max IS NULL THEN h.count_max
                ELSE greatest(h.count_max, p.persons) END AS count_max,
           {floored_best_sql("h.count_best", "h.count_min", "h.count_max")} AS count_best
    FROM ({ranges}) h FULL JOIN ({floor}) p USING (item_id)"""


def floored_best_sql(best: str, lo: str, hi: str) -> str:
    """SQL: an incident's best after the persons floor (``p.persons``, NULL when none are tied): its
    reports' best raised to the persons and kept at most its (floored) maximum. A range its reports
    give without a best stays without one (the floor raises a best, it makes none: DuckDB's `least`
    skips NULL, which once made such a range's maximum its best); an incident known only from its
    tied persons has them as its best."""
    maximum = f"CASE WHEN p.persons IS NULL OR {hi} IS NULL THEN {hi} ELSE greatest({hi}, p.persons) END"
    return (
        f"CASE WHEN {best} IS NULL AND coalesce({lo}, {hi}) IS NOT NULL THEN NULL "
        f"ELSE least(greatest({best}, p.persons), {maximum}) END"
    )
