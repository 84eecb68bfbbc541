"""The SQL behind casualty figures: one set-wise statement per figure and its groups.

Plan of the statement (the rules themselves are in `harmtrace.analyse.casualties`):

    wholes   (only when some incident is part of another, `Plan.parts`) every whole and its parts
             (`harmtrace.assess.wholes`): rep, h and the sides then read a whole and its parts as
             one incident, keyed by the whole's lead report
    rep      incidents in reach of the maximum (`harmtrace.assess.items`: a report no link run has
             seen is its own incident): touching the window, naming P, with the grade and means asked;
             s/e are the date interval with unknown ends made infinite; item_id is the lead report;
             np the number of perpetrators it names
    h        the chosen (category, harm) range of each incident that has one: lo, hi and b, the
             incident's best (its sources' best, else its one count when min = max), within [lo, hi]
    side_items (a side's figures of a category holding combatants, when some report gives the dead of
             a side) per incident: `assigned`, its dead its sources assign to a side (UCDP deaths_a
             + deaths_b), and `own`, those of the asked perpetrator's side; with --by perpetrator,
             `sides` holds one row per (incident, side), `shared` the same with each incident's range
             (the parts and the sides' own dead read it)
    keyed    each incident of rep with a compact grouping key (its perpetrator list, its period, its
             governorate), whether it counts in its group's minimum (in_min) and in the window's
             (in_win), f (the share of its date interval inside the window), own and assigned, and
             `detailed`: whether it needs figures of its own (grouping by period: an interval spanning
             several periods, or unknown on a side)
    dated    (by period only) the detailed incidents, their periods completed at the bounds
    ranged   keyed ⋈ h: the one join of the incidents with their ranges
    parts    per compact key: sums over ranged of the plain incidents, own dead taken out; a few
             hundred rows at most
    detail   (by period only) per (detailed incident, period) and per detailed incident for the
             total: its own share of each period
    counted  incidents in reach per compact key, with or without the category (items_without_category)

The total sums the parts (and the detail total rows); each group sums the parts expanded to it (a list
to each of its perpetrators, a period to itself) and its detail rows; by perpetrator, each side's own
dead in the incidents it shares are then taken out of its maximum and best by one aggregate over
`sides`. Aggregating before expanding keeps the work at one pass over the reports and one join with
their harm rows; only the few incidents that need it are taken one by one. The `ids` statement runs
every incident through the detail path and lists its reports.

At a million reports what costs is DuckDB's work per row: a join, a grouping, and a CTE that several
readers share, which DuckDB stores whole. So a CTE that is a plain scan of a table (`Sql.plain`,
`Sql.scan_reports`) is read again by each reader instead; and where the incidents are the reports
themselves and nothing but the window narrows them (`Sql.bare`), `parts` also gives the scope's
reports giving the figure per source (`gives_scope`), sparing the scope its own join of the same rows.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from harmtrace.analyse.window import period_ctes, period_of
from harmtrace.assess.items import Plan, harm_sql, items_sql, members_sql, side_sql, stored_items_sql
from harmtrace.assess.wholes import (
    ITEM_BEST,
    harm_as_wholes_sql,
    items_as_wholes_sql,
    members_as_wholes_sql,
    sides_as_wholes_sql,
    whole_members_sql,
)
from harmtrace.model import NOT_ALLEGED

if TYPE_CHECKING:
    from harmtrace.analyse.casualties import CasualtyQuery

NOT_LOCATED: Final = "(not located)"
# categories of civilians: figures of these leave out incidents with no civilian harm alleged
CIVILIAN_CATEGORIES: Final = ("civilians", "children", "women", "men")
# the grade of an incident the civilian figures leave out: none of its reports alleges civilian harm
NO_CIVILIAN_CLAIM: Final = NOT_ALLEGED
# categories that hold the dead of a side (its combatants): a side's own dead are not deaths it caused
SIDE_CATEGORIES: Final = ("all", "combatants")
NO_PERPETRATOR: Final = "(no perpetrator named)"
# the columns of the rows giving the scope's reports giving the figure (`gives_scope`)
SCOPE_COLUMNS: Final = ("source_id", "with_category", "first", "last", "undated")
NEG_INF: Final = "'-infinity'::DATE"
POS_INF: Final = "'infinity'::DATE"
# SQL right for any store, linked or not (casualties passes the plan of the store it reads)
ANY_STORE: Final = Plan()

# the columns every group part carries, summed by `_MEASURES`
PART_COLUMNS: Final = (
    "n", "lo", "hi", "bw", "bu", "n_best", "n_nobest", "n_unattr", "n_prorated", "n_no_min", "n_no_max",
    "n_undated",
)  # fmt: skip


_PLAIN_SUMS: Final = (
    "n, lo, hi, bw, bu, n_best, n_nobest, n_pos_shared, n_prorated, n_no_min, n_no_max, n_undated"
)

# The bounds of a group from its parts: the minimum's sums only over parts that count in it.
_MEASURES: Final = """
    sum(n) FILTER (in_min) AS items_min, sum(n) AS items_max, sum(n_best) - sum(n_unattr) AS items_best,
    sum(lo) FILTER (in_min) AS count_min, sum(hi) AS count_max, sum(bw) AS best_prorated,
    sum(bu) AS best_unprorated, sum(n_nobest) AS items_best_range_only, sum(n_unattr) AS items_best_shared,
    sum(n_prorated) AS items_prorated, sum(n_no_min) FILTER (in_min) AS items_min_missing,
    sum(n_no_max) AS items_max_missing, sum(n_undated) AS items_date_unknown"""

# compact key columns of `keyed`, per grouping
_COMPACT_KEYS: Final[dict[str | None, tuple[str, ...]]] = {
    None: (),
    "perpetrator": ("list_hash",),
    "adm1": ("key",),
    "month": ("first_p", "last_p"),
    "year": ("first_p", "last_p"),
}


def fraction(s: str, e: str, lo: str, hi: str) -> str:
    """SQL: the share of the days of [s, e] that fall in [lo, hi] (deaths spread evenly over the
    interval). An interval unknown on a side cannot be spread: 1 when it lies wholly inside, else 0."""
    return (
        f"CASE WHEN isinf({s}) OR isinf({e}) THEN CASE WHEN {s} >= {lo} AND {e} <= {hi} THEN 1.0 ELSE 0.0 "
        f"END ELSE greatest(0, least({e}, {hi}) - greatest({s}, {lo}) + 1)::DOUBLE / ({e} - {s} + 1) END"
    )


class Sql:
    """Named parameters, registered as the SQL text uses them (DuckDB refuses unused ones)."""

    def __init__(self, query: CasualtyQuery, plan: Plan, by: str | None, listing: bool = False) -> None:
        self.query = query
        self.plan = plan
        self.by = by
        self.listing = listing  # the ids statement (`ids_sql`), not the figures
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

    @property
    def sided(self) -> bool:
        """Whether the deaths of sides matter: a side's figure, of a category holding combatants."""
        asked = bool(self.query.perpetrator) or self.by == "perpetrator"
        return asked and self.plan.sided and self.query.category in SIDE_CATEGORIES

    @property
    def lists(self) -> bool:
        """Whether `rep` carries each incident's perpetrator list."""
        return self.by == "perpetrator"

    @property
    def plain(self) -> bool:
        """Whether `h` is a plain scan of the harm table: no link run, no victim tie, no stored rows.
        DuckDB stores a CTE read twice, a million rows of it, which costs more than a second scan."""
        return not (self.plan.linked or self.plan.tied or self.plan.stored)

    @property
    def bare(self) -> bool:
        """Whether the items are the reports themselves, read as they are (`plain`, and no filter but the
        window). Then `rep` is cheap to read again, and its join with the harm rows is the scope's
        (`harmtrace.analyse.scope`): the statement gives the scope's reports giving the figure too."""
        q = self.query
        return self.plain and not (q.perpetrator or q.means or q.grades)

    @property
    def scan_reports(self) -> bool:
        """Whether `rep` is read from the report table at each use, rather than stored (see `plain`)."""
        return self.lists or self.bare

    @property
    def scan_keyed(self) -> bool:
        """Whether `keyed` is computed at each use: when it is a projection of such a `rep` (no side,
        governorate or list joined to it)."""
        return self.scan_reports and self.by in (None, "month", "year")

    @property
    def sides_apart(self) -> bool:
        """Whether a side's figures by perpetrator take its incidents' dead assigned to sides from
        `shared` (one row per incident and side) rather than from `side_items` joined to every incident:
        the figures do, sparing a join and a grouping of every incident; the ids statement does not."""
        return self.sided and self.by == "perpetrator" and not self.listing

    @property
    def detailed(self) -> bool:
        """Whether some incident may need figures of its own: one spanning several periods, or with an
        interval unknown on a side, when grouping by period (see `_keyed_periods`)."""
        return self.by in ("month", "year")


def _plain(sql: Sql) -> str:
    """Sums over plain incidents, split by the minimum flags: DuckDB groups by two booleans far faster
    than it evaluates a FILTER per aggregate over a million rows. f = 0 leaves an incident out of the
    best. Only what the figure needs is summed (no side's dead without sides, no share without a
    bounded window, no unprorated sum unless asked): at a million incidents every expression costs."""
    q = sql.query
    bounded = q.window["from"] is not None or q.window["to"] is not None
    touching = _touching(sql)
    hi, b, open_shared = "hi", "b", "np >= 2"
    if sql.sided:
        hi, b = "hi - least(own, hi)", "b - least(own, b)"
        open_shared = "np >= 2 AND NOT (np = 2 AND assigned >= b)"
    sums = {
        "n": "count(*)",
        "lo": "sum(lo)",
        "hi": f"sum({hi})",
        "bw": f"sum(f * coalesce({b}, 0))" if bounded else f"sum(coalesce({b}, 0))",
        "bu": f"sum(coalesce({b}, 0))" if q.unprorated else "0",
        "n_best": f"count_if(b IS NOT NULL AND {touching})",
        "n_nobest": f"count_if(b IS NULL AND {touching})",
        "n_pos_shared": "0",
        "n_prorated": "count_if(b IS NOT NULL AND f > 0 AND f < 1)" if bounded else "0",
        "n_no_min": "count_if(no_min)",
        "n_no_max": "count_if(no_max)",
        "n_undated": f"count_if(s = {NEG_INF} OR e = {POS_INF})",
    }
    if q.perpetrator or sql.by == "perpetrator":
        sums["n_pos_shared"] = f"count_if(b > 0 AND {touching} AND {open_shared})"
    return ", ".join(f"{expr} AS {name}" for name, expr in sums.items())


def _touching(sql: Sql) -> str:
    """SQL: does the incident touch the window (f = 0: it only may, its interval unknown on a side)?"""
    bounded = sql.query.window["from"] is not None or sql.query.window["to"] is not None
    return "f > 0" if bounded else "TRUE"


def figures_sql(query: CasualtyQuery, by: str | None, plan: Plan = ANY_STORE) -> tuple[str, dict[str, Any]]:
    """The whole window's row (is_total) and, with `by`, one row per group; unordered.

    Each row: key, label, g_from, g_to, reports (incidents in reach) and the `_MEASURES`.
    """
    sql = Sql(query, plan, by)
    keys = ", ".join(_COMPACT_KEYS[by])
    select, group = (f"{keys}, ", f" GROUP BY {keys}") if keys else ("", "")
    reached = "keyed"
    if sql.detailed:
        # a detailed incident is counted in the periods `dated` places it in
        reached = (
            "(SELECT first_p, last_p FROM keyed WHERE NOT detailed "
            "UNION ALL SELECT first_p, last_p FROM dated)"
        )
    ctes = [
        *_ctes(sql),
        *([f"dated AS ({_dated(sql, 'detailed')})"] if sql.detailed else []),
        f"counted AS (SELECT {select}count(*) AS reports FROM {reached}{group})",
        # each incident with its range: the parts and, by perpetrator, the sides' own dead read one join
        "ranged AS (SELECT * FROM keyed JOIN h USING (item_id))",
        *_parts_ctes(sql, select),
    ]
    total_parts = f"SELECT in_win AS in_min, {_part_columns(_unattr(sql, None))} FROM {_plain_parts(sql)}"
    if sql.detailed:
        # only incidents spanning periods (or unknown on a side) need figures of their own: a plain
        # figure reads h once, which keeps DuckDB's filter on harm pushed into the scan
        ctes += [
            f"dbase AS ({_few_ranged('dated')})",  # read once for the groups and the total
            f"detail AS ({_detail(sql, by)})",
            f"detail_total AS ({_detail(sql, None)})",
        ]
        total_parts += f" UNION ALL BY NAME SELECT in_min, {', '.join(PART_COLUMNS)} FROM detail_total"
    text = (
        f"WITH {', '.join(ctes)} SELECT TRUE AS is_total, NULL::VARCHAR AS key, 'total' AS label, "
        f"NULL::DATE AS g_from, NULL::DATE AS g_to, (SELECT sum(reports) FROM counted) AS reports, "
        f"{_MEASURES} FROM ({total_parts})"
    )
    if by:
        text += " UNION ALL BY NAME " + _groups_sql(sql, by)
    if sql.bare:
        text += (
            " UNION ALL BY NAME SELECT source_id, sum(n) AS with_category, min(first) AS first, "
            "max(last) AS last, sum(n_undated) AS undated FROM parts GROUP BY source_id"
        )
    return text, sql.params


def gives_scope(query: CasualtyQuery, plan: Plan = ANY_STORE) -> bool:
    """Whether `figures_sql` also gives the scope's reports giving the figure (see `Sql.bare`): rows with
    a source_id, and with_category, first, last and undated as `harmtrace.analyse.scope` counts them."""
    return Sql(query, plan, query.by).bare


def _parts_ctes(sql: Sql, select: str) -> list[str]:
    """`parts`: the sums over plain incidents per compact key and minimum flags (`_plain`). When the
    statement gives the scope (`Sql.bare`), also per source, with the span of the reports' known
    dates, and over the detailed incidents too (flagged: they feed only the scope). With the sides
    apart (`Sql.sides_apart`) `keyed` carries no dead assigned to sides, so the sums count every incident
    naming two or more perpetrators as shared: those whose sources assign its dead to its two sides
    (`_closed`) are then taken out."""
    keys, where, span = f"{select}in_min, in_win", "WHERE NOT detailed", ""
    if sql.bare:
        keys, where = f"{select}source_id, detailed, in_min, in_win", ""
        span = f", min(nullif(s, {NEG_INF})) AS first, max(nullif(e, {POS_INF})) AS last"
    sums = f"SELECT {keys}, {_plain(sql)}{span} FROM ranged {where} GROUP BY {keys}"
    if not sql.sides_apart:
        return [f"parts AS ({sums})"]
    return [
        f"sums AS ({sums})",
        # each incident in reach with each side its sources give the dead of
        "shared AS (SELECT sd.item_id, sd.side_key, sd.own, k.* EXCLUDE (item_id) "
        "FROM sides sd JOIN ranged k USING (item_id) WHERE k.np >= 2)",
        f"closed AS ({_closed(sql, keys)})",
        "parts AS (SELECT s.* REPLACE (s.n_pos_shared - coalesce(c.n_closed, 0) AS n_pos_shared) "
        f"FROM sums s LEFT JOIN closed c USING ({keys}))",
    ]


def _closed(sql: Sql, keys: str) -> str:
    """Per part (`keys`): the incidents naming two perpetrators whose sources assign to sides as many
    dead as their best, or more (so their best is attributable, see `_plain`)."""
    return (
        f"SELECT {keys}, count(*) AS n_closed FROM (SELECT item_id, {keys}, b FROM shared "
        f"WHERE np = 2 AND b > 0 AND {_touching(sql)} GROUP BY item_id, {keys}, b HAVING sum(own) >= b) "
        f"GROUP BY {keys}"
    )


def _plain_parts(sql: Sql) -> str:
    """The rows of `parts` over plain incidents."""
    return "parts WHERE NOT detailed" if sql.bare else "parts"


def _few_ranged(items: str) -> str:
    """The incidents of `items` (a CTE of few rows) with their ranges (`h`), for figures of their own
    (`_detail`). An IN list makes DuckDB hash only their ranges: it cannot know they are few, and would
    hash every range of `h` to join them."""
    ranges = f"(SELECT * FROM h WHERE item_id IN (SELECT item_id FROM {items}))"
    return f"SELECT {items}.*, h.* EXCLUDE (item_id) FROM {items} JOIN {ranges} h USING (item_id)"


def _part_columns(unattr: str) -> str:
    """The PART_COLUMNS of a plain part, with `unattr` (SQL) as its count of unattributable bests."""
    return ", ".join(f"{unattr} AS n_unattr" if c == "n_unattr" else c for c in PART_COLUMNS)


def _groups_sql(sql: Sql, by: str) -> str:
    """One row per group: its plain parts expanded to it, its detail rows, and its incidents in reach."""
    keys = ", ".join(_COMPACT_KEYS[by])
    plain = f"SELECT in_min, {_PLAIN_SUMS}, {keys} FROM {_plain_parts(sql)}"
    expanded = (
        f"SELECT key, label, g_from, g_to, in_min, {_part_columns(_unattr(sql, by))} "
        f"FROM ({_expand(by, f'({plain})')})"
    )
    if sql.detailed:
        columns = ", ".join(PART_COLUMNS)
        expanded += f" UNION ALL BY NAME SELECT key, label, g_from, g_to, in_min, {columns} FROM detail"
    measured = f"SELECT key, {_MEASURES} FROM ({expanded}) GROUP BY key"
    if by == "perpetrator" and sql.sided:
        measured = _less_own_dead(measured)
    # every group of the window gets a row, with its incidents in reach, even one no incident counts in
    counted = (
        "SELECT key, min(label) AS label, min(g_from) AS g_from, min(g_to) AS g_to, "
        f"coalesce(sum(reports), 0) AS reports FROM ({_expand(by, 'counted')}) GROUP BY key"
    )
    return (
        "SELECT FALSE AS is_total, c.key, c.label, c.g_from, c.g_to, c.reports, m.* EXCLUDE (key) "
        f"FROM ({counted}) c LEFT JOIN ({measured}) m USING (key)"
    )


def _less_own_dead(measured: str) -> str:
    """Each side's figures less its own dead in the incidents it shares (their maximum and best)."""
    own = (
        "SELECT side_key AS key, sum(least(own, hi)) AS hi, sum(f * least(own, coalesce(b, 0))) AS bw, "
        "sum(least(own, coalesce(b, 0))) AS bu FROM shared GROUP BY side_key"
    )
    return (
        "SELECT m.* REPLACE (m.count_max - coalesce(o.hi, 0) AS count_max, m.best_prorated - "
        "coalesce(o.bw, 0) AS best_prorated, m.best_unprorated - coalesce(o.bu, 0) AS best_unprorated) "
        f"FROM ({measured}) m LEFT JOIN ({own}) o USING (key)"
    )


def _unattr(sql: Sql, by: str | None) -> str:
    """SQL over an expanded plain part: its incidents whose best the figure cannot attribute, i.e. the
    incidents with deaths it shares with other perpetrators that the sources assign to no side."""
    return "n_pos_shared" if sql.query.perpetrator or by == "perpetrator" else "0"


def ids_sql(query: CasualtyQuery, by: str | None, plan: Plan = ANY_STORE) -> tuple[str, dict[str, Any]]:
    """(group key, report, its document, whether it counts in the minimum and in the best) per item."""
    sql = Sql(query, plan, by, listing=True)
    members = f"SELECT *, NULL::VARCHAR AS part_of FROM ({members_sql(plan.linked)})"
    if plan.parts:
        members = members_as_wholes_sql(members_sql(plan.linked))
    rows = (
        f"(SELECT d.*, mem.incident_id, mem.part_of, r.report_id, r.record_id, r.batch_id, r.row_number, "
        f"src.name AS source FROM ({_detail(sql, by, every=True)}) d "
        f"JOIN ({members}) mem ON mem.item_id = d.item_id "
        "JOIN report r ON r.report_id = mem.report_id JOIN source src ON src.source_id = r.source_id)"
    )
    text = (
        f"WITH {', '.join(_ctes(sql))} SELECT key, in_min, n_best > n_unattr AS has_best, incident_id, "
        f"part_of, report_id, source, record_id, batch_id, row_number FROM {rows} "
        "ORDER BY key, item_id, report_id"
    )
    return text, sql.params


def _ctes(sql: Sql) -> list[str]:
    ctes = [_reports_cte(sql), _harm_cte(sql)]
    if sql.plan.parts:
        ctes.insert(0, f"wholes AS ({whole_members_sql()})")
    if sql.by in ("month", "year"):
        ctes += _period_ctes(sql, sql.by)
    if sql.by == "perpetrator":
        # reports are grouped by a 64-bit hash of their perpetrator list, far cheaper than by the list;
        # two of the few thousand distinct lists a store holds sharing a hash has odds near 1e-12
        ctes.append("lists AS (SELECT hash(perpetrators) AS list_hash, any_value(perpetrators) AS "
                    "perpetrators FROM rep GROUP BY list_hash)")  # fmt: skip
    if sql.sided:
        ctes += _side_ctes(sql)
    ctes.append(_keyed_cte(sql))
    return ctes


def _reports_cte(sql: Sql) -> str:
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
        where.append(f"r.grade IS DISTINCT FROM '{NO_CIVILIAN_CLAIM}'")
    if q.means:
        where.append(f"list_contains(r.means, {sql.param('means', q.means)} COLLATE nocase)")
    # P is in every list here, so a one-element list is P alone; without P attribution does not matter
    sole = "len(r.perpetrators) = 1" if q.perpetrator else "TRUE"
    lists = ", r.perpetrators" if sql.lists else ""
    lists += ", r.source_id" if sql.bare else ""
    # with several readers (keyed, lists, bounds) DuckDB would store a million rows: reading again is cheaper
    materialised = "NOT MATERIALIZED " if sql.scan_reports else ""
    return (
        f"rep AS {materialised}(SELECT r.item_id{lists}, len(r.perpetrators) AS np, {sole} AS sole, "
        f"coalesce(r.date_start, {NEG_INF}) AS s, coalesce(r.date_end, {POS_INF}) AS e "
        f"FROM ({_items(sql)}) r WHERE {' AND '.join(where)})"
    )


def _items(sql: Sql) -> str:
    """The incidents a figure counts: the stored rows when fresh, else aggregated from the reports; a
    whole and its parts as one."""
    if sql.bare:  # the reports as they are, with their source
        return "SELECT report_id AS item_id, source_id, date_start, date_end, perpetrators, means FROM report"
    with_grade = sql.plan.stored or bool(sql.query.grades)
    items = stored_items_sql() if sql.plan.stored else items_sql(with_grade, sql.plan.linked)
    return items_as_wholes_sql(items, with_grade) if sql.plan.parts else items


def _harm_cte(sql: Sql) -> str:
    """`h`: lo (the minimum, 0 when unknown), hi (the maximum, else best, else minimum) and b, the
    incident's best: its sources' best, else its one count when min = max, else none; within [lo, hi]."""
    category = sql.param("category", sql.query.category)
    harm = sql.param("harm", sql.query.harm)
    ranges = harm_sql(category, harm, sql.plan.linked, sql.plan.tied, sql.plan.stored)
    if sql.plan.parts:
        ranges = harm_as_wholes_sql(ranges)
    materialised = "NOT MATERIALIZED " if sql.plain else ""
    return (
        f"h AS {materialised}(SELECT item_id, coalesce(count_min, 0) AS lo, "
        "coalesce(count_max, count_best, count_min) "
        f"AS hi, {ITEM_BEST} AS b, count_min IS NULL AS no_min, count_max IS NULL AS no_max FROM ({ranges}))"
    )


def _side_ctes(sql: Sql) -> list[str]:
    """`side_items` (item_id, assigned, own): per incident in reach, the dead its sources assign to a
    side and, when a perpetrator is asked, those of that perpetrator's own side; with --by perpetrator
    also `sides` (item_id, side_key, own), one row per side. A side row always names a perpetrator of
    its report (importers write them so), so no check against the incident's perpetrators is made."""
    harm = sql.param("harm", sql.query.harm)
    sides = side_sql(harm, sql.plan.linked, sql.plan.stored)
    if sql.plan.parts:
        sides = sides_as_wholes_sql(sides)
    # rep holds one row per item, so a plain join keeps each side row once: DuckDB runs it about three
    # times faster than the SEMI JOIN it amounts to. A side with no dead changes no figure (counts are
    # never negative), and most UCDP sides lost no one: the figures leave them out (the ids statement
    # keeps them, as its join on the side lists a report once per side row)
    given = f"(SELECT s.* FROM ({sides}) s JOIN (SELECT item_id FROM rep) USING (item_id))"
    if not sql.listing:
        given = f"(SELECT * FROM {given} WHERE best IS DISTINCT FROM 0)"
    if sql.by == "perpetrator":
        # side_sql gives one row per (incident, side): no grouping needed
        sides = f"sides AS (SELECT item_id, lower(side) AS side_key, best AS own FROM {given})"
        if sql.sides_apart:
            return [sides]
        return [
            sides,
            "side_items AS (SELECT item_id, sum(own) AS assigned, 0 AS own FROM sides GROUP BY item_id)",
        ]
    perp = sql.param("perp", sql.query.perpetrator)
    return [
        f"side_items AS (SELECT item_id, sum(best) AS assigned, coalesce(sum(best) FILTER "
        f"(lower(side) = lower({perp})), 0) AS own FROM {given} GROUP BY item_id)"
    ]


def _period_ctes(sql: Sql, unit: str) -> list[str]:
    """`bounds` (the window, or the dated reports' span where it is unbounded) and its `periods`."""
    given_from = "NULL::DATE" if sql.query.window["from"] is None else sql.window_from()
    given_to = "NULL::DATE" if sql.query.window["to"] is None else sql.window_to()
    known = (f"nullif(s, {NEG_INF})", f"nullif(e, {POS_INF})")
    return period_ctes(unit, given_from, given_to, known, "rep")


def _keyed_cte(sql: Sql) -> str:
    """`keyed`: each report with its compact key, its minimum flags, its share f of the window and
    whether it is `detailed` (needs figures of its own, see the module docstring)."""
    f = fraction("s", "e", sql.window_from(), sql.window_to())
    if sql.query.window["from"] is None and sql.query.window["to"] is None:
        f = "1::DOUBLE"  # every item lies inside an unbounded window
    # a shared incident's own dead of the asked side; its dead assigned to sides (see `_side_ctes`)
    sides = "0 AS own, 0 AS assigned"
    assigned = ""
    if sql.sided and not sql.sides_apart:
        own = "CASE WHEN np >= 2 THEN coalesce(a.own, 0) ELSE 0 END"
        sides = f"{own} AS own, coalesce(a.assigned, 0) AS assigned"
        assigned = "LEFT JOIN side_items a USING (item_id)"
    source = "source_id, " if sql.bare else ""
    common = f"item_id, {source}s, e, np, sole, {f} AS f, {sql.inside()} AS inside, {sides}"
    plain = "sole AND inside AS in_min, sole AND inside AS in_win, FALSE AS detailed"
    if sql.by == "perpetrator":
        # the minimum of P's group: P alone (or, for the unattributed group, nobody named)
        inner = f"SELECT {common}, hash(perpetrators) AS list_hash FROM rep {assigned}"
        flags = "np <= 1 AND inside AS in_min, inside AS in_win, FALSE AS detailed"
        return f"keyed AS (SELECT *, {flags} FROM ({inner}))"
    if sql.by == "adm1":
        inner = (
            f"SELECT {common}, coalesce(ra.pcode, '') AS key FROM rep "
            f"LEFT JOIN report_admin ra ON ra.report_id = rep.item_id AND ra.level = 1 {assigned}"
        )
        return f"keyed AS (SELECT *, {plain} FROM ({inner}))"
    if sql.by in ("month", "year"):
        return _keyed_periods(sql, common, assigned)
    return f"keyed AS {_keyed_mode(sql)}(SELECT *, {plain} FROM (SELECT {common} FROM rep {assigned}))"


def _keyed_mode(sql: Sql) -> str:
    return "NOT MATERIALIZED " if sql.scan_keyed else ""


def _keyed_periods(sql: Sql, common: str, assigned: str) -> str:
    """`keyed` by period: first_p and last_p are the periods the report's span, clipped to the window,
    starts and ends in; NULL where the span is unknown on a side the window leaves open (`dated` places
    it at the bounds). Without the bounds `keyed` needs no join, so DuckDB can read it at each use."""
    assert sql.by is not None
    start = "s" if sql.query.window["from"] is None else f"greatest(s, {sql.window_from()})"
    end = "e" if sql.query.window["to"] is None else f"least(e, {sql.window_to()})"
    inner = (
        f"SELECT {common}, {period_of(sql.by, start)} AS first_p, {period_of(sql.by, end)} AS last_p "
        f"FROM rep {assigned}"
    )
    # a report lies inside a period's sub-window only when its whole span falls in that one period and
    # inside the window; one spanning several periods is in the minimum of none, and needs its own
    # share of each period (detailed), as does one whose span is unknown on a side. A span known on both
    # sides lies within the bounds, so only a detailed report needs them.
    detailed = "SELECT *, first_p < last_p OR isinf(s) OR isinf(e) AS detailed"
    flags = "sole AND inside AS in_win, sole AND inside AND NOT detailed AS in_min"
    return f"keyed AS {_keyed_mode(sql)}(SELECT *, {flags} FROM ({detailed} FROM ({inner})))"


def _dated(sql: Sql, where: str) -> str:
    """The rows of `keyed` matching `where`, their periods completed at the bounds (the window, or the
    dated reports' span where it is unbounded); none when there is no bound at all (no dated report and
    no window: no period to place anything in)."""
    assert sql.by is not None
    first, last = period_of(sql.by, "lo"), period_of(sql.by, "hi")
    return (
        f"SELECT k.* REPLACE (coalesce(k.first_p, {first}) AS first_p, coalesce(k.last_p, {last}) AS last_p) "
        f"FROM keyed k CROSS JOIN bounds WHERE {where} AND lo IS NOT NULL AND hi IS NOT NULL"
    )


def _detail(sql: Sql, by: str | None, every: bool = False) -> str:
    """Per (detailed incident, group of `by`) — or per detailed incident for the total when `by` is
    None — the PART_COLUMNS, with item_id, key, label, g_from, g_to and in_min. `every` takes every
    incident (the ids statement), not only the detailed ones."""
    base = "SELECT * FROM dbase"
    if every:
        items = f"({_dated(sql, 'TRUE')})" if by in ("month", "year") else "keyed"
        base = f"SELECT x.*, h.* EXCLUDE (item_id) FROM {items} x JOIN h USING (item_id)"
    asked = sql.param("perp", sql.query.perpetrator) if sql.query.perpetrator else "NULL::VARCHAR"
    if by == "perpetrator":
        listed = "CASE WHEN len(lists.perpetrators) = 0 THEN [NULL::VARCHAR] ELSE lists.perpetrators END"
        grouped = (
            f"SELECT x.*, coalesce(lower(p), '') AS key, coalesce(p, '{NO_PERPETRATOR}') AS label, "
            "NULL::DATE AS g_from, NULL::DATE AS g_to, p AS side, f AS f_g FROM "
            f"(SELECT b.*, unnest({listed}) AS p FROM ({base}) b JOIN lists USING (list_hash)) x"
        )
    elif by in ("month", "year"):
        label = _period_label(by)
        grouped = (
            f"SELECT x.*, {label} AS key, {label} AS label, periods.g_from, periods.g_to, {asked} AS side, "
            f"{fraction('x.s', 'x.e', 'periods.g_from', 'periods.g_to')} AS f_g FROM "
            f"(SELECT *, unnest(range(first_p, last_p + 1)) AS i FROM ({base})) x JOIN periods USING (i)"
        )
    elif by == "adm1":
        grouped = (
            f"SELECT x.*, coalesce(a.name_en, '{NOT_LOCATED}') AS label, NULL::DATE AS g_from, "
            f"NULL::DATE AS g_to, {asked} AS side, f AS f_g FROM ({base}) x "
            "LEFT JOIN admin_area a ON a.pcode = x.key AND a.level = 1"
        )
    else:
        total_min = "in_win" if sql.by else "in_min"
        grouped = (
            f"SELECT x.* EXCLUDE (in_min), {total_min} AS in_min, '' AS key, 'total' AS label, "
            f"NULL::DATE AS g_from, NULL::DATE AS g_to, {asked} AS side, f AS f_g FROM ({base}) x"
        )
    return _adjusted(sql, grouped)


def _adjusted(sql: Sql, grouped: str) -> str:
    """The PART_COLUMNS of one (incident, group) row: the side's own dead out of its maximum and best,
    and its best unattributable when it shares the incident and the sources do not say who died."""
    # the asked perpetrator's own dead are on the incident's row (keyed.own); a group's side's, in sides
    own = "g.own"
    join = ""
    if sql.sided and sql.by == "perpetrator":
        own = "CASE WHEN g.side IS NOT NULL AND g.np >= 2 THEN coalesce(sd.own, 0) ELSE 0 END"
        join = "LEFT JOIN sides sd ON sd.item_id = g.item_id AND sd.side_key = lower(g.side)"
    unattr = (
        "g.side IS NOT NULL AND g.np >= 2 AND g.f_g > 0 AND g.b > 0 AND NOT (g.np = 2 AND g.assigned >= g.b)"
    )
    return f"""
    SELECT g.item_id, g.key, g.label, g.g_from, g.g_to, g.in_min, 1 AS n, g.lo,
           g.hi - least({own}, g.hi) AS hi, g.f_g * coalesce(g.b - least({own}, g.b), 0) AS bw,
           coalesce(g.b - least({own}, g.b), 0) AS bu, (g.b IS NOT NULL AND g.f_g > 0)::INT AS n_best,
           (g.b IS NULL AND g.f_g > 0)::INT AS n_nobest, ({unattr})::INT AS n_unattr,
           (g.b IS NOT NULL AND g.f_g > 0 AND g.f_g < 1)::INT AS n_prorated, g.no_min::INT AS n_no_min,
           g.no_max::INT AS n_no_max, (isinf(g.s) OR isinf(g.e))::INT AS n_undated
    FROM ({grouped}) g {join}"""


def _period_label(unit: str) -> str:
    return f"strftime(periods.p_start, '{'%Y-%m' if unit == 'month' else '%Y'}')"


def _expand(by: str | None, source: str) -> str:
    """Rows of `source` (parts or counted, by compact key) as (key, label, g_from, g_to, ...) rows."""
    if by == "perpetrator":
        listed = "CASE WHEN len(lists.perpetrators) = 0 THEN [NULL::VARCHAR] ELSE lists.perpetrators END"
        return (
            f"SELECT coalesce(lower(p), '') AS key, coalesce(p, '{NO_PERPETRATOR}') AS label, "
            f"NULL::DATE AS g_from, NULL::DATE AS g_to, * EXCLUDE (p) FROM (SELECT src.*, "
            f"unnest({listed}) AS p FROM {source} src JOIN lists USING (list_hash))"
        )
    if by in ("month", "year"):
        label = _period_label(by)
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
