"""A whole and its parts as one item of a figure (`harmtrace.link.parts`): they count once.

A *whole* is an incident with parts (UCDP's toll for a city on a day); its *parts* are incidents it
contains (a monitor's strikes of that day). A figure counts the whole and its parts as one item, keyed
by the whole's item (its lead report), so a part is never counted beside its whole, in any bound, group
or filter. The rules (with a worked example in docs/figures.md, "Parts and wholes"):

- dates: the span of the whole's and the parts' intervals (an unknown bound of one does not widen the
  others'); perpetrators and means: every one the whole or a part names; grade: the whole's; place
  (the governorate of ``--by adm1``): the whole's lead report's.
- per (category, harm), from each incident's own range (`harmtrace.assess.items`, persons floor
  included): minimum = the larger of the whole's minimum and the sum of the parts' minima (a part
  without a minimum adds 0; none at all: the whole's); maximum = the largest of the whole's maximum,
  the sum of the parts' maxima and the item's minimum (the parts' sum is unknown when a part gives no
  maximum: then the whole's); best = the larger of the whole's best and the sum of the parts' bests
  (unknown when a part has none), kept within [minimum, maximum]. An incident's best here is the one a
  figure gives it (`ITEM_BEST`: its sources' best, else its one count when min = max). When neither
  the whole nor a part gives a figure for the category, the item has none.
- a side's own dead (`harm_side`): per side, the larger of the whole's and the sum of the parts'.

The SQL below wraps what `harmtrace.assess.items` (or the stored rows of an assessment run) gives per
incident and reads a CTE named ``wholes`` (`whole_members_sql`) that the caller defines; only a store
with parts pays for it (`Plan.parts`).
"""

from __future__ import annotations

from typing import Final

from harmtrace.link.parts import current_parts_sql

# the best a figure gives an incident from its range (`casualty_sql`'s `h.b`)
ITEM_BEST: Final = (
    "CASE WHEN coalesce(count_max, count_best, count_min) = 0 THEN 0 "
    "WHEN count_best IS NOT NULL THEN least(greatest(count_best, count_min), count_max) "
    "WHEN count_min = count_max THEN count_min END"
)


def whole_members_sql() -> str:
    """(item_id, whole_item, is_whole, part_of): every whole and part by its item (lead report), the
    item they count as (the whole's), whether it is the whole, and for a part the whole's incident id."""
    return f"""
    WITH p AS ({current_parts_sql()}),
    lead AS (
        SELECT incident_id, min(report_id) AS item_id FROM incident_member
        WHERE incident_id IN (SELECT part_id FROM p UNION ALL SELECT whole_id FROM p) GROUP BY incident_id
    ),
    pw AS (
        SELECT lp.item_id AS part_item, lw.item_id AS whole_item, p.whole_id
        FROM p JOIN lead lp ON lp.incident_id = p.part_id JOIN lead lw ON lw.incident_id = p.whole_id
    )
    SELECT part_item AS item_id, whole_item, FALSE AS is_whole, whole_id AS part_of FROM pw
    UNION ALL
    SELECT DISTINCT whole_item, whole_item, TRUE, NULL::VARCHAR FROM pw"""


def items_as_wholes_sql(items: str, with_grade: bool) -> str:
    """`items` (item_id, date_start, date_end, perpetrators, means[, grade]), a whole and its parts as
    one."""
    grade = ", any_value(i.grade) FILTER (w.is_whole) AS grade" if with_grade else ""
    return f"""
    SELECT i.* FROM ({items}) i ANTI JOIN wholes USING (item_id)
    UNION ALL BY NAME
    SELECT w.whole_item AS item_id, min(i.date_start) AS date_start, max(i.date_end) AS date_end,
           list_sort(list_distinct(flatten(list(i.perpetrators)))) AS perpetrators,
           list_sort(list_distinct(flatten(list(i.means)))) AS means{grade}
    FROM ({items}) i JOIN wholes w USING (item_id) GROUP BY w.whole_item"""


def harm_as_wholes_sql(ranges: str) -> str:
    """`ranges` (item_id, count_min, count_max, count_best), a whole and its parts as one range
    (module docstring)."""
    parts_sum = (
        "CASE WHEN count({0}) FILTER (NOT w.is_whole) = count(*) FILTER (NOT w.is_whole) "
        "THEN sum({0}) FILTER (NOT w.is_whole) END"  # unknown when a part has none
    )
    per_whole = f"""
        SELECT w.whole_item,
               greatest(max(h.count_min) FILTER (w.is_whole), sum(h.count_min) FILTER (NOT w.is_whole)) AS lo,
               max(h.count_max) FILTER (w.is_whole) AS w_max, {parts_sum.format("h.count_max")} AS p_max,
               max(h.best) FILTER (w.is_whole) AS w_best, {parts_sum.format("h.best")} AS p_best
        FROM wholes w LEFT JOIN (SELECT *, {ITEM_BEST} AS best FROM ({ranges})) h USING (item_id)
        GROUP BY w.whole_item HAVING count(h.item_id) > 0"""
    hi = "CASE WHEN w_max IS NOT NULL OR p_max IS NOT NULL THEN greatest(w_max, p_max, lo) END"
    return f"""
    SELECT h.* FROM ({ranges}) h ANTI JOIN wholes USING (item_id)
    UNION ALL
    SELECT whole_item, lo, {hi},
           CASE WHEN w_best IS NOT NULL OR p_best IS NOT NULL THEN least(greatest(w_best, p_best, lo), {hi})
                END
    FROM ({per_whole})"""


def sides_as_wholes_sql(sides: str) -> str:
    """`sides` (item_id, side, best), a whole and its parts as one: per side, the larger of the
    whole's and the sum of the parts'."""
    return f"""
    SELECT s.* FROM ({sides}) s ANTI JOIN wholes USING (item_id)
    UNION ALL
    SELECT w.whole_item, s.side,
           greatest(max(s.best) FILTER (w.is_whole), sum(s.best) FILTER (NOT w.is_whole))
    FROM ({sides}) s JOIN wholes w USING (item_id) GROUP BY w.whole_item, s.side"""


def members_as_wholes_sql(members: str) -> str:
    """`members` (item_id, incident_id, report_id) with the reports of a whole's parts under the
    whole's item, and ``part_of`` (for a part's reports, the whole's incident id)."""
    return f"""
    SELECT coalesce(w.whole_item, m.item_id) AS item_id, m.incident_id, m.report_id, w.part_of
    FROM ({members}) m LEFT JOIN wholes w USING (item_id)"""
