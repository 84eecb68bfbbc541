"""The SQL behind casualty figures: one set-wise statement per figure and its groups.

Plan of the statement (the rules themselves are in `harmtrace.analyse.casualties`):

    rep      incidents in reach of the maximum (`harmtrace.assess.items`: a report no link run has
             seen is its own incident): touching the window, naming P, with the grade and means asked;
             s/e are the date interval with unknown ends made infinite; item_id is the lead report
    h        the chosen (category, harm) range of each incident that has one
    keyed    each incident of rep with a compact grouping key (its perpetrator list, its first and last
             period, its governorate) and whether it counts in its group's minimum (in_min) and in
             the whole window's (in_win)
    compact  per compact key: reports, and the bounds over keyed ⋈ h; a few hundred rows at most
    total    the sums of all compact rows (they partition the reports)
    expand   compact keys → groups (a list to each of its perpetrators, a span to each of its periods);
             summing the compact rows of each group gives the group's bounds

Aggregating before expanding keeps the work at one pass over the reports and one join with their harm
rows: a million reports with two perpetrators each are never unnested. The harm join is inner and the
reports are counted apart, because a LEFT JOIN of a million reports to their harm rows costs DuckDB
about twice as much. The `ids` statement applies the same expansion to single incidents and lists
their reports.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from harmtrace.analyse.window import period_ctes, period_of
from harmtrace.assess.items import Plan, harm_sql, items_sql, members_sql, stored_items_sql
from harmtrace.model import NOT_ALLEGED

if TYPE_CHECKING:
    from harmtrace.analyse.casualties import CasualtyQuery

NOT_LOCATED: Final = "(not located)"
# categories of civilians: figures of these leave out incidents with no civilian harm alleged
CIVILIAN_CATEGORIES: Final = ("civilians", "children", "women", "men")
NO_PERPETRATOR: Final = "(no perpetrator named)"
NEG_INF: Final = "'-infinity'::DATE"
POS_INF: Final = "'infinity'::DATE"
# SQL right for any store, linked or not (casualties passes the plan of the store it reads)
ANY_STORE: Final = Plan()

# Plain sums over (report, harm row) pairs, split by the minimum flags: DuckDB groups by two booleans
# far faster than it evaluates a FILTER per aggregate over a million rows. s or e infinite = undated.
_PARTS: Final = f"""
    count(*) AS n, sum(coalesce(count_min, 0)) AS lo, sum(coalesce(count_max, count_best, count_min)) AS hi,
    sum(count_best) AS best, count(count_best) AS n_best, count_if(count_min IS NULL) AS n_no_min,
    count_if(count_max IS NULL) AS n_no_max, count_if(s = {NEG_INF} OR e = {POS_INF}) AS n_undated"""

# The bounds from the parts; the minimum once for the groups (in_min) and once for the window (in_win).
_MEASURES: Final = """
    sum(n) FILTER (in_min) AS items_min, sum(n) AS items_max, sum(n_best) AS items_best,
    sum(lo) FILTER (in_min) AS count_min, sum(hi) AS count_max, sum(best) AS count_best,
    sum(n_no_min) FILTER (in_min) AS items_min_missing, sum(n_no_max) AS items_max_missing,
    sum(n_undated) AS items_date_unknown, sum(n) FILTER (in_win) AS w_items_min,
    sum(lo) FILTER (in_win) AS w_count_min, sum(n_no_min) FILTER (in_win) AS w_items_min_missing"""


def _sums(minimum: str = "") -> str:
    """Sums of compact rows; `minimum` = "w_" sums the window's minimum instead of the groups'."""
    return f"""
    sum({minimum}items_min) AS items_min, sum(items_max) AS items_max, sum(items_best) AS items_best,
    sum({minimum}count_min) AS count_min, sum(count_max) AS count_max, sum(count_best) AS count_best,
    sum({minimum}items_min_missing) AS items_min_missing, sum(items_max_missing) AS items_max_missing,
    sum(items_date_unknown) AS items_date_unknown,
    sum(reports) - coalesce(sum(items_max), 0) AS items_without_category"""


# compact key columns of `keyed`, per grouping
_COMPACT_KEYS: Final[dict[str | None, tuple[str, ...]]] = {
    None: (),
    "perpetrator": ("list_hash",),
    "adm1": ("key",),
    "month": ("first_p", "last_p"),
    "year": ("first_p", "last_p"),
}


class Sql:
    """Named parameters, registered as the SQL text uses them (DuckDB refuses unused ones)."""

    def __init__(self, query: CasualtyQuery, plan: Plan) -> None:
        self.query = query
        self.plan = plan
        self.params: dict[str, Any] = {}

    def param(self, name: str, value: Any) -> str:
        self.params[name] = value
        return f"${name}"

    def window_from(self) -> str:
        start = self.query.window["from"]
        return NEG_INF if start is None else f"{self.param('win_from', start)}::DATE"

    def window_to(self) -> str:
        end = self.query.window["to"]
        return POS_INF if end is None else f"{self.param('win_to', end)}::DATE"

    def inside(self) -> str:
        return f"s >= {self.window_from()} AND e <= {self.window_to()}"


def figures_sql(query: CasualtyQuery, by: str | None, plan: Plan = ANY_STORE) -> tuple[str, dict[str, Any]]:
    """The whole window's row (is_total) and, with `by`, one row per group; unordered.

    Compact rows partition the reports, so their plain sums give the total as well as the groups.
    """
    sql = Sql(query, plan)
    keys = ", ".join(_COMPACT_KEYS[by])
    # without a compact key both aggregates are ungrouped: one row each, even over no reports
    select, group = (f"{keys}, ", f" GROUP BY {keys}") if keys else ("", "")
    counted = f"SELECT {select}count(*) AS reports FROM keyed{group}"
    parts = (
        f"SELECT {select}in_min, in_win, {_PARTS} FROM keyed JOIN h USING (item_id) "
        f"GROUP BY {select}in_min, in_win"
    )
    bounded = f"SELECT {select}{_MEASURES} FROM ({parts}){group}"
    joined = f"LEFT JOIN ({bounded}) USING ({keys})" if keys else f"CROSS JOIN ({bounded})"
    text = (
        f"{_with(sql, by)}, compact AS (SELECT * FROM ({counted}) {joined}) "
        "SELECT TRUE AS is_total, NULL::VARCHAR AS key, 'total' AS label, NULL::DATE AS g_from, "
        f"NULL::DATE AS g_to, {_sums('w_')} FROM compact"
    )
    if by:
        text += (
            " UNION ALL BY NAME SELECT FALSE AS is_total, key, min(label) AS label, min(g_from) AS g_from, "
            f"min(g_to) AS g_to, {_sums()} FROM ({_expand(by, 'compact')}) GROUP BY key"
        )
    return text, sql.params


def ids_sql(query: CasualtyQuery, by: str | None, plan: Plan = ANY_STORE) -> tuple[str, dict[str, Any]]:
    """(group key, report, its document, whether it counts in the minimum and has a best) per item."""
    sql = Sql(query, plan)
    items = (
        "(SELECT keyed.*, h.count_best, mem.incident_id, r.report_id, r.record_id, r.batch_id, r.row_number, "
        f"src.name AS source FROM keyed JOIN h USING (item_id) JOIN ({members_sql(plan.linked)}) mem "
        "ON mem.item_id = keyed.item_id JOIN report r ON r.report_id = mem.report_id "
        "JOIN source src ON src.source_id = r.source_id)"
    )
    text = (
        f"{_with(sql, by)} SELECT key, in_min, count_best IS NOT NULL AS has_best, incident_id, report_id, "
        f"source, record_id, batch_id, row_number FROM ({_expand(by, items)}) WHERE report_id IS NOT NULL "
        "ORDER BY key, item_id, report_id"
    )
    return text, sql.params


def _with(sql: Sql, by: str | None) -> str:
    ctes = [_reports_cte(sql, with_lists=by == "perpetrator"), _harm_cte(sql)]
    if by in ("month", "year"):
        ctes += _period_ctes(sql, by)
    if by == "perpetrator":
        # reports are grouped by a 64-bit hash of their perpetrator list, far cheaper than by the list;
        # two of the few thousand distinct lists a store holds sharing a hash has odds near 1e-12
        ctes.append("lists AS (SELECT hash(perpetrators) AS list_hash, any_value(perpetrators) AS "
                    "perpetrators FROM rep GROUP BY list_hash)")  # fmt: skip
    ctes.append(_keyed_cte(sql, by))
    return "WITH " + ", ".join(ctes)


def _reports_cte(sql: Sql, with_lists: bool) -> str:
    """`rep`: reports in reach of the maximum; a missing date end is infinite (unknown)."""
    q = sql.query
    where = [f"coalesce(r.date_start, {NEG_INF}) <= {sql.window_to()}"]
    where.append(f"coalesce(r.date_end, {POS_INF}) >= {sql.window_from()}")
    if q.perpetrator:
        where.append(f"list_contains(r.perpetrators, {sql.param('perp', q.perpetrator)} COLLATE nocase)")
    if q.grades:
        where.append(f"list_contains({sql.param('grades', list(q.grades))}, r.grade)")
    if sql.plan.stored and q.category in CIVILIAN_CATEGORIES:
        # an incident none of whose reports alleges civilian harm is no civilian-harm claim
        where.append(f"r.grade IS DISTINCT FROM '{NOT_ALLEGED}'")
    if q.means:
        where.append(f"list_contains(r.means, {sql.param('means', q.means)} COLLATE nocase)")
    # P is in every list here, so a one-element list is P alone; without P attribution does not matter
    sole = "len(r.perpetrators) = 1" if q.perpetrator else "TRUE"
    lists = ", r.perpetrators" if with_lists else ""
    # two readers (lists, keyed) would make DuckDB store a million lists: reading twice is cheaper
    materialised = "NOT MATERIALIZED " if with_lists else ""
    return (
        f"rep AS {materialised}(SELECT r.item_id{lists}, {sole} AS sole, "
        f"coalesce(r.date_start, {NEG_INF}) AS s, coalesce(r.date_end, {POS_INF}) AS e "
        f"FROM ({_items(sql)}) r WHERE {' AND '.join(where)})"
    )


def _items(sql: Sql) -> str:
    """The incidents a figure counts: the stored rows when fresh, else aggregated from the reports."""
    if sql.plan.stored:
        return stored_items_sql()
    return items_sql(bool(sql.query.grades), sql.plan.linked)


def _harm_cte(sql: Sql) -> str:
    category = sql.param("category", sql.query.category)
    harm = sql.param("harm", sql.query.harm)
    return f"h AS ({harm_sql(category, harm, sql.plan.linked, sql.plan.tied, sql.plan.stored)})"


def _period_ctes(sql: Sql, unit: str) -> list[str]:
    """`bounds` (the window, or the dated reports' span where it is unbounded) and its `periods`."""
    given_from = "NULL::DATE" if sql.query.window["from"] is None else sql.window_from()
    given_to = "NULL::DATE" if sql.query.window["to"] is None else sql.window_to()
    known = (f"nullif(s, {NEG_INF})", f"nullif(e, {POS_INF})")
    return period_ctes(unit, given_from, given_to, known, "rep")


def _keyed_cte(sql: Sql, by: str | None) -> str:
    """`keyed`: each report with its compact key and whether it counts in the minimum."""
    if by == "perpetrator":
        # the minimum of P's group: P alone (or, for the unattributed group, nobody named)
        return (
            "keyed AS (SELECT item_id, s, e, hash(perpetrators) AS list_hash, "
            f"len(perpetrators) <= 1 AND {sql.inside()} AS in_min, {sql.inside()} AS in_win FROM rep)"
        )
    if by == "adm1":
        return (
            f"keyed AS (SELECT rep.item_id, s, e, coalesce(ra.pcode, '') AS key, "
            f"sole AND {sql.inside()} AS in_min, in_min AS in_win FROM rep "
            "LEFT JOIN report_admin ra ON ra.report_id = rep.item_id AND ra.level = 1)"
        )
    if by in ("month", "year"):
        # a report lies inside a period's sub-window only when its whole span falls in that one
        # period and inside the window; one spanning several periods is in the minimum of none
        return (
            f"keyed AS (SELECT item_id, s, e, first_p, last_p, sole AND {sql.inside()} AS in_win, "
            "in_win AND first_p = last_p AND s >= lo AND e <= hi AS in_min FROM "
            f"(SELECT rep.*, lo, hi, {period_of(by, 'greatest(s, lo)')} AS first_p, "
            f"{period_of(by, 'least(e, hi)')} AS last_p FROM rep, bounds "
            # no dated report and no window: there are no periods to place anything in
            "WHERE lo IS NOT NULL AND hi IS NOT NULL))"
        )
    return f"keyed AS (SELECT item_id, s, e, sole AND {sql.inside()} AS in_min, in_min AS in_win FROM rep)"


def _expand(by: str | None, source: str) -> str:
    """Rows of `source` (compact or single reports) as (key, label, g_from, g_to, ...) group rows."""
    if by == "perpetrator":
        listed = "CASE WHEN len(lists.perpetrators) = 0 THEN [NULL::VARCHAR] ELSE lists.perpetrators END"
        return (
            f"SELECT coalesce(lower(p), '') AS key, coalesce(p, '{NO_PERPETRATOR}') AS label, "
            f"NULL::DATE AS g_from, NULL::DATE AS g_to, * EXCLUDE (p) FROM (SELECT src.*, unnest({listed}) "
            f"AS p FROM {source} src JOIN lists USING (list_hash))"
        )
    if by in ("month", "year"):
        label = f"strftime(periods.p_start, '{'%Y-%m' if by == 'month' else '%Y'}')"
        return (
            f"SELECT {label} AS key, {label} AS label, periods.g_from, periods.g_to, x.* EXCLUDE (i) "
            f"FROM periods LEFT JOIN (SELECT *, unnest(range(first_p, last_p + 1)) AS i FROM {source}) x "
            "ON x.i = periods.i"
        )
    if by == "adm1":
        return (
            f"SELECT src.*, coalesce(a.name_en, '{NOT_LOCATED}') AS label, NULL::DATE AS g_from, "
            f"NULL::DATE AS g_to FROM {source} src "
            "LEFT JOIN admin_area a ON a.pcode = src.key AND a.level = 1"
        )
    return f"SELECT '' AS key, 'total' AS label, NULL::DATE AS g_from, NULL::DATE AS g_to, * FROM {source}"
