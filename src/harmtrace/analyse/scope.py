"""What a figure rests on, to be shown beside it: its sources, the period their records cover, filters.

A figure without its scope misleads ("Killed in Syria: 104,742-119,193" says neither when nor by whom):
every casualty figure carries one (`harmtrace.analyse.casualties`), and the CLI, the report and the demo
print it next to the numbers. Per source whose reports touch the window: how many reports, how many
give the figure's (category, harm), and how many of those lost that count, or another field, to a
faulty value at import (`field_issue`). The period is that of the reports giving the figure, within the
window, so a source with no counts at all (video records) does not stretch it. A person count's scope
(`persons_scope`) is the lists whose victim records touch the window and the period those cover.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Final, TypedDict

from harmtrace.analyse.window import Window
from harmtrace.store import Store


class SourceScope(TypedDict):
    source: str
    reports: int
    reports_with_category: int
    # reports whose count for this category was set aside as faulty at import, and with any field so
    reports_count_set_aside: int
    reports_field_set_aside: int


class Scope(TypedDict):
    sources: list[SourceScope]
    data_from: date | None
    data_to: date | None
    reports_undated: int
    filters: str
    coverage: str
    text: str


_IN_WINDOW: Final = "coalesce(r.date_start, $lo) <= $hi AND coalesce(r.date_end, $hi) >= $lo"
# reports per source touching the window: one scan of `report`, no join
_REPORTS: Final = f"SELECT source_id, count(*) AS reports FROM report r WHERE {_IN_WINDOW} GROUP BY source_id"
# of those, the reports giving the figure's category, and their period (harm drives the join: it holds
# one row per report and (category, harm), far fewer for a category most reports lack)
_GIVING: Final = f"""
    SELECT r.source_id, count(*) AS with_category, min(r.date_start) AS first, max(r.date_end) AS last,
           count_if(r.date_start IS NULL OR r.date_end IS NULL) AS undated
    FROM harm h JOIN report r USING (report_id)
    WHERE h.category = $c AND h.harm = $h AND {_IN_WINDOW} GROUP BY r.source_id"""
_SET_ASIDE: Final = f"""
    SELECT r.source_id, count(*) FILTER (f.this_count) AS count_aside, count(*) AS field_aside
    FROM (SELECT batch_id, row_number, bool_or(field = $unit) AS this_count FROM field_issue GROUP BY ALL) f
    JOIN report r USING (batch_id, row_number) WHERE {_IN_WINDOW} GROUP BY r.source_id"""


def scope_of(
    store: Store,
    window: Window,
    category: str,
    harm: str,
    filters: str,
    giving: list[dict[str, Any]] | None = None,
) -> Scope:
    """The scope of a figure of (`category`, `harm`) over `window`, with `filters` in words. `giving`:
    the reports giving the figure per source, when the caller has them (the rows `_GIVING` returns)."""
    bounds = {"lo": window["from"] or date.min, "hi": window["to"] or date.max}
    per = _per_source(store, bounds, category, harm, giving)
    names = {r["source_id"]: r["name"] for r in store.rows("SELECT source_id, name FROM source")}
    sources: list[SourceScope] = [
        {
            "source": names[sid], "reports": int(row["reports"]),
            "reports_with_category": int(row.get("with_category") or 0),
            "reports_count_set_aside": int(row.get("count_aside") or 0),
            "reports_field_set_aside": int(row.get("field_aside") or 0),
        }
        for sid, row in sorted(per.items(), key=lambda kv: (-int(kv[1]["reports"]), names[kv[0]]))
    ]  # fmt: skip
    firsts = [r["first"] for r in per.values() if r.get("first") is not None]
    lasts = [r["last"] for r in per.values() if r.get("last") is not None]
    data_from, data_to = _clipped(firsts, lasts, window)
    scope: Scope = {
        "sources": sources,
        "data_from": data_from,
        "data_to": data_to,
        "reports_undated": sum(int(r.get("undated") or 0) for r in per.values()),
        "filters": filters,
        "coverage": "",
        "text": "",
    }
    scope["coverage"] = coverage_text(scope, f"{category} {harm}")
    scope["text"] = f"{scope['coverage']} Filters: {filters}."
    return scope


def _per_source(
    store: Store, bounds: dict[str, date], category: str, harm: str, giving: list[dict[str, Any]] | None
) -> dict[int, dict[str, Any]]:
    """source_id -> reports, with_category, first, last, undated, count_aside, field_aside."""
    per: dict[int, dict[str, Any]] = {r["source_id"]: r for r in store.rows(_REPORTS, bounds)}
    if giving is None:
        giving = store.rows(_GIVING, {**bounds, "c": category, "h": harm})
    aside = []
    if store.scalar("SELECT count(*) FROM field_issue"):
        aside = store.rows(_SET_ASIDE, {**bounds, "unit": f"{harm}_{category}"})
    for row in (*giving, *aside):
        per[row["source_id"]].update(row)
    return per


def coverage_text(scope: Scope, what: str) -> str:
    """The sources and the period their reports cover, in words.

    >>> ucdp = {"source": "UCDP", "reports": 6170, "reports_with_category": 6170}
    >>> sa = {"source": "SA", "reports": 20, "reports_with_category": 0}
    >>> coverage_text({"sources": [ucdp, sa], "data_from": date(2016, 1, 1),  # doctest: +ELLIPSIS
    ...                "data_to": date(2016, 12, 31), "reports_undated": 0, "filters": "none",
    ...                "coverage": "", "text": ""}, "all killed")
    'Sources: UCDP (6,170 reports), SA (20 reports, none giving all killed). Period of the reports giving...'
    """
    listed = [f"{src['source']} ({src['reports']:,} reports{_giving(src, what)})" for src in scope["sources"]]
    sources = ", ".join(listed) or "no source has reports in this window"
    period = f"no dated report gives {what}"
    if scope["data_from"] and scope["data_to"]:
        period = f"{scope['data_from']} to {scope['data_to']}"
    undated = scope["reports_undated"]
    unknown = f" ({undated:,} with an unknown start or end)" if undated else ""
    return f"Sources: {sources}. Period of the reports giving {what}: {period}{unknown}."


def _giving(src: SourceScope, what: str) -> str:
    given = src["reports_with_category"]
    if given == src["reports"]:
        return ""
    return f", {given:,} giving {what}" if given else f", none giving {what}"


class ListScope(TypedDict):
    source: str
    records: int


class PersonScope(TypedDict):
    """The scope of a person count: the lists whose victim records touch the window, the period those
    records cover within it, and the filters."""

    sources: list[ListScope]
    data_from: date | None
    data_to: date | None
    records_undated: int
    filters: str
    coverage: str
    text: str


_RECORDS: Final = f"""
    SELECT s.name AS source, count(*) AS records, min(r.date_start) AS first, max(r.date_end) AS last,
           count_if(r.date_start IS NULL OR r.date_end IS NULL) AS undated
    FROM victim_record r JOIN source s USING (source_id) WHERE {_IN_WINDOW}
    GROUP BY s.name ORDER BY records DESC, s.name"""


def persons_scope(store: Store, window: Window, filters: str) -> PersonScope:
    """The scope of a person count over `window`, with `filters` in words."""
    rows = store.rows(_RECORDS, {"lo": window["from"] or date.min, "hi": window["to"] or date.max})
    firsts = [r["first"] for r in rows if r["first"] is not None]
    lasts = [r["last"] for r in rows if r["last"] is not None]
    data_from, data_to = _clipped(firsts, lasts, window)
    listed = [f"{r['source']} ({int(r['records']):,} records)" for r in rows]
    period = f"{data_from} to {data_to}" if data_from and data_to else "no dated record"
    undated = sum(int(r["undated"]) for r in rows)
    unknown = f" ({undated:,} with an unknown start or end)" if undated else ""
    coverage = (
        f"Sources: {', '.join(listed) or 'no list has records in this window'}. "
        f"Period of the records: {period}{unknown}."
    )
    return {
        "sources": [{"source": r["source"], "records": int(r["records"])} for r in rows],
        "data_from": data_from, "data_to": data_to, "records_undated": undated, "filters": filters,
        "coverage": coverage, "text": f"{coverage} Filters: {filters}.",
    }  # fmt: skip


def _clipped(firsts: list[date], lasts: list[date], window: Window) -> tuple[date | None, date | None]:
    """The span of the dated items, within the window."""
    first = max([min(firsts), *([window["from"]] if window["from"] else [])]) if firsts else None
    last = min([max(lasts), *([window["to"]] if window["to"] else [])]) if lasts else None
    return first, last
