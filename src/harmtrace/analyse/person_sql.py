"""The SQL behind person counts: one statement for the total, one for the groups.

Plan (the rules are in `harmtrace.analyse.persons`):

    rec      one row per linked victim record: its person, source, date interval with unknown ends
             made infinite, status, sex, child or adult, and (for --by province) governorate
    per      one row per person: records, sources, the intersection and the span of its records'
             intervals, and how many of its records state the filtered attributes and agree
    persons  per + the person's interval (intersection, else span) and whether it can (poss) and
             must (cert) match the filters
    kept     persons in reach of the maximum (touching the window, possibly matching), with in_min
    expand   (for groups) kept persons with a key per group they fall in and their group minimum

A person is one row through `kept`, so a person listed by three sources is counted once; groups
unnest persons into their periods, governorates or sources. Sources per figure are the distinct
sources over the figure's persons. A person's sources are a 64-bit mask (bit i: source_id i) when
every source id is below 64, which makes the per-person aggregate three times faster than a list of
ids; larger ids fall back to the list (`Shape.mask`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from harmtrace.analyse.window import period_ctes, period_of

if TYPE_CHECKING:
    from harmtrace.analyse.persons import PersonQuery

NEG_INF: Final = "'-infinity'::DATE"
POS_INF: Final = "'infinity'::DATE"
UNKNOWN_PROVINCE: Final = "(province unknown)"
PROVINCE_TABLE: Final = "ht_person_provinces"  # text -> key, label; registered by the caller

_MEASURES: Final = f"""
    count(*) FILTER (in_min) AS persons_min, count(*) AS persons_max,
    coalesce(sum(n_records) FILTER (in_min), 0) AS records_min, coalesce(sum(n_records), 0) AS records_max,
    {{sources_min}} AS sources_min, {{sources_max}} AS sources_max,
    count(*) FILTER (ps = {NEG_INF} OR pe = {POS_INF}) AS persons_date_unknown,
    count(*) FILTER (NOT agree) AS persons_dates_disputed, histogram({{listed}}) AS listed_by"""
_MASK: Final = {
    "sources": "bit_or(1::UBIGINT << source_id)",
    "sources_min": "coalesce(bit_count(bit_or(sources) FILTER (in_min)), 0)",
    "sources_max": "coalesce(bit_count(bit_or(sources)), 0)",
    "listed": "bit_count(sources)",
}
_LIST: Final = {
    "sources": "list(DISTINCT source_id)",
    "sources_min": "len(list_distinct(flatten(coalesce(list(sources) FILTER (in_min), []))))",
    "sources_max": "len(list_distinct(flatten(coalesce(list(sources), []))))",
    "listed": "len(sources)",
}


class Params:
    """Named parameters, registered as the SQL text uses them (DuckDB refuses unused ones)."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}

    def __call__(self, name: str, value: Any, cast: str = "") -> str:
        self.values[name] = value
        return f"${name}{cast}"


def total_sql(query: PersonQuery, mask: bool) -> tuple[str, dict[str, Any]]:
    """One row: the figure for the whole window. `mask`: every source id is below 64."""
    p = Params()
    measures = _MEASURES.format(**(_MASK if mask else _LIST))
    return f"{_with(query, p, grouped=False, mask=mask)} SELECT {measures} FROM kept", p.values


def groups_sql(query: PersonQuery, mask: bool) -> tuple[str, dict[str, Any]]:
    """One row per group (key, label, g_from, g_to and the measures); unordered."""
    p = Params()
    measures = _MEASURES.format(**(_MASK if mask else _LIST))
    return (
        f"{_with(query, p, grouped=True, mask=mask)} SELECT key, min(label) AS label, min(g_from) AS g_from, "
        f"min(g_to) AS g_to, {measures} FROM ({_expand(query, p)}) GROUP BY key",
        p.values,
    )


def _with(query: PersonQuery, p: Params, grouped: bool, mask: bool) -> str:
    by_province = grouped and query.by == "province"
    extra = []
    if by_province:
        extra.append("list(DISTINCT province) FILTER (province IS NOT NULL) AS provinces")
    if grouped and query.by == "source":
        extra.append("list(DISTINCT source_id) AS source_ids")
    sources = (_MASK if mask else _LIST)["sources"]
    ctes = [
        _rec_cte(by_province),
        _per_cte(query, p, sources, extra),
        _persons_cte(query),
        _kept_cte(query, p, grouped),
    ]
    if grouped and query.by in ("month", "year"):
        ctes += _period_ctes(query, p)
    return "WITH " + ", ".join(ctes)


def _rec_cte(by_province: bool) -> str:
    province, joins = "NULL::VARCHAR", ""
    if by_province:
        # the province column, else a place of death that names a governorate
        province = "coalesce(p1.key, p2.key)"
        joins = (
            f" LEFT JOIN {PROVINCE_TABLE} p1 ON p1.text = v.province "
            f"LEFT JOIN {PROVINCE_TABLE} p2 ON p2.text = v.place_of_death AND p2.known"
        )
    return (
        f"rec AS (SELECT m.person_id, v.source_id, coalesce(v.date_start, {NEG_INF}) AS s, "
        f"coalesce(v.date_end, {POS_INF}) AS e, nullif(v.status, 'unknown') AS status, "
        "nullif(v.sex, 'unknown') AS sex, CASE WHEN v.age_max < 18 THEN 'child' WHEN v.age_min >= 18 THEN "
        "'adult' WHEN v.age_group IN ('child', 'adult') THEN v.age_group END AS age_class, "
        f"{province} AS province FROM person_member m JOIN victim_record v USING (victim_id){joins})"
    )


def _per_cte(query: PersonQuery, p: Params, sources: str, extra: list[str]) -> str:
    columns = [f"{sources} AS sources", *extra]
    for column, value in _attribute_filters(query):
        columns.append(
            f"count({column}) AS {column}_n, count_if({column} = {p(column, value)}) AS {column}_hit"
        )
    return (
        "per AS (SELECT person_id, count(*) AS n_records, max(s) AS i_s, min(e) AS i_e, "
        f"min(s) FILTER (s > {NEG_INF}) AS k_s, max(e) FILTER (e < {POS_INF}) AS k_e, "
        f"{', '.join(columns)} FROM rec GROUP BY person_id)"
    )


def _attribute_filters(query: PersonQuery) -> list[tuple[str, str]]:
    found = [("status", query.status), ("sex", query.sex), ("age_class", "child" if query.child else None)]
    return [(column, value) for column, value in found if value is not None]


def _persons_cte(query: PersonQuery) -> str:
    """The person's interval (intersection when its records overlap, else their span) and filters."""
    columns = [col for col, _ in _attribute_filters(query)]
    # cert: every record stating the attribute says the value asked (and one does); poss: none denies it
    cert = " AND ".join(f"{c}_n > 0 AND {c}_hit = {c}_n" for c in columns) or "TRUE"
    poss = " AND ".join(f"({c}_n = 0 OR {c}_hit > 0)" for c in columns) or "TRUE"
    return (
        "persons AS (SELECT *, i_s <= i_e AS agree, CASE WHEN i_s <= i_e THEN i_s ELSE k_s END AS ps, "
        f"CASE WHEN i_s <= i_e THEN i_e ELSE k_e END AS pe, {cert} AS cert, {poss} AS poss FROM per)"
    )


def _kept_cte(query: PersonQuery, p: Params, grouped: bool) -> str:
    """Persons in reach of the maximum, with only the columns the measures and groups read."""
    window = query.window
    lo = NEG_INF if window["from"] is None else p("win_from", window["from"], "::DATE")
    hi = POS_INF if window["to"] is None else p("win_to", window["to"], "::DATE")
    extra = {"province": ", provinces", "source": ", source_ids"}.get(query.by or "", "") if grouped else ""
    return (
        f"kept AS (SELECT n_records, sources, ps, pe, agree{extra}, cert AND ps >= {lo} AND pe <= {hi} "
        f"AS in_min FROM persons WHERE poss AND ps <= {hi} AND pe >= {lo})"
    )


def _period_ctes(query: PersonQuery, p: Params) -> list[str]:
    """`bounds` (the window, or the dated persons' span where it is unbounded) and its `periods`."""
    window = query.window
    given_from = "NULL::DATE" if window["from"] is None else p("win_from", window["from"], "::DATE")
    given_to = "NULL::DATE" if window["to"] is None else p("win_to", window["to"], "::DATE")
    known = (f"nullif(ps, {NEG_INF})", f"nullif(pe, {POS_INF})")
    return period_ctes(query.by or "month", given_from, given_to, known, "kept")


def _expand(query: PersonQuery, p: Params) -> str:
    """Kept persons as (key, label, g_from, g_to, in_min, ...) rows, one per group they fall in."""
    if query.by in ("month", "year"):
        unit = query.by
        label = f"strftime(periods.p_start, '{'%Y-%m' if unit == 'month' else '%Y'}')"
        first, last = period_of(unit, "greatest(ps, lo)"), period_of(unit, "least(pe, hi)")
        # a person lies inside a period only when its whole interval falls in that one period
        return (
            f"SELECT {label} AS key, {label} AS label, periods.g_from, periods.g_to, "
            "x.* EXCLUDE (in_min, i), "
            "x.in_min AND x.first_p = x.last_p AND x.ps >= x.lo AND x.pe <= x.hi AS in_min "
            f"FROM (SELECT k.*, lo, hi, {first} AS first_p, "
            f"{last} AS last_p, unnest(range({first}, {last} + 1)) AS i FROM kept k, bounds "
            "WHERE lo IS NOT NULL AND hi IS NOT NULL) x JOIN periods ON periods.i = x.i"
        )
    if query.by == "province":
        return (
            "SELECT coalesce(x.key, '') AS key, coalesce(l.label, x.key, "
            f"'{UNKNOWN_PROVINCE}') AS label, NULL::DATE AS g_from, NULL::DATE AS g_to, "
            "x.* EXCLUDE (key, in_min), x.in_min AND coalesce(len(x.provinces), 0) <= 1 AS in_min FROM "
            "(SELECT *, unnest(CASE WHEN len(provinces) = 0 OR provinces IS NULL THEN [NULL::VARCHAR] "
            "ELSE provinces END) AS key FROM kept) x "
            f"LEFT JOIN (SELECT DISTINCT key, label FROM {PROVINCE_TABLE}) l ON l.key = x.key"
        )
    return (
        "SELECT CAST(x.key AS VARCHAR) AS key, s.name AS label, NULL::DATE AS g_from, NULL::DATE AS g_to, "
        "x.* EXCLUDE (key) FROM (SELECT *, unnest(source_ids) AS key FROM kept) x "
        "JOIN source s ON s.source_id = x.key"
    )
