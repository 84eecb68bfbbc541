"""Casualty figures with honest uncertainty: people killed or injured in a window, as a range.

An *item* is one incident: the reports an incident link run (`harmtrace link incidents`) clustered
into one event count once; a report no link run has seen stands alone as its own incident
(``report:<id>``), so before any link run every report is an item, exactly as before linkage existed.
An incident's date interval, perpetrators, means, grade and harm ranges come from its reports (the rules
are in `harmtrace.assess.items`: minimum = the lowest minimum any report gives, never below the persons
tied to it; maximum = the highest). After `harmtrace assess incidents`, figures read the per-incident
rows it stored (`harmtrace.assess.snapshot`: one row per incident, perpetrators as canonical actors,
incidents alleging no civilian harm left out of civilian categories); once reports, links or ties
change, the rows are stale and figures are aggregated from the reports again, with a warning.
An incident that is part of another (`harmtrace.link.parts`: a strike of a city's daily toll) counts
with its whole as one item, whose range counts the two once (`harmtrace.assess.wholes`).
An item's date is an interval [date_start, date_end]; NULL is unknown on that side. The window is
[from, to], both days inclusive
(``days=N``: the N days from ``from``, so to = from + N - 1); a missing bound leaves it unbounded.

- An item *touches* the window when its interval could overlap it: start <= to and end >= from. An
  unknown start or end never rules an item out, so an undated item touches every window.
- An item lies *inside* the window when its whole interval does: start >= from and end <= to. An
  unknown start (end) lies inside only a window unbounded on that side (all-time figures count it).

For one (category, harm), e.g. civilians killed, read from the `harm` rows (count_min/max/best); the
rules with a worked example each are in docs/figures.md:

- ``count_min`` sums count_min over the items inside the window attributed to the perpetrator alone
  (whatever their attribution when no perpetrator is asked). An item without a minimum adds 0.
- ``count_max`` sums count_max over the items touching the window whose alleged perpetrators include
  the perpetrator, less, for an item it shares, the dead its sources give for the perpetrator's own
  side (`harm_side`: UCDP deaths_a / deaths_b; categories all and combatants). An item without a
  maximum adds its best, else its minimum, so the maximum may be low (``items_max_missing``).
- ``count_best`` sums each item's best (its sources' best, else its one count when min = max; kept
  within the item's own range), prorated by the share of the item's days inside the window (an
  interval unknown on a side counts whole when it lies inside, else not at all), less the side's own
  dead; it is null, with ``best_missing`` saying why, when an item with a share in the window has no
  best (``items_best_range_only``) or a perpetrator shares it and its sources do not assign all its
  dead to one of exactly two sides (``items_best_shared``). So min <= best <= max whenever there is a
  best. ``count_best_unprorated`` (only with ``unprorated``) sums the same bests whole.
- No item with a figure for the category: min, best and max are null ("no count"), never 0.

The minimum's items are a subset of the maximum's. An item with no `harm` row for the chosen (category,
harm) adds to no bound; ``items_without_category`` counts such items touching the window (UCDP, for
instance, gives no 'children'), so a figure is never silently low. Perpetrators and means match
case-insensitively but otherwise exactly. A grade filter uses the incident's grade: the analyst's
decision, else the last assessment's computed grade, else its sources' own grade; incidents without any
are left out.

Groups (``by``): ``month`` and ``year`` cut the window into sub-windows (window ∩ period) and apply the
rules to each, so an item spanning two months counts in both maxima and in neither minimum (an open
window's periods end at the dated reports, so an item with an unknown end lies inside none);
``perpetrator`` gives one group per alleged perpetrator with that perpetrator's attribution rules (and
a "(no perpetrator named)" group); ``adm1`` groups by the governorate the locate step placed each report
in (`report_admin` level 1, names from `admin_area`), reports not placed forming a "(not located)"
group. Group figures need not add up to the total.

`casualties` returns JSON-ready data with stable keys:

    filters       what was asked: perpetrator, from, to, days, grades, means, category, harm, by, unprorated
    window        from, to (inclusive; null = unbounded), days (null when unbounded)
    scope         what the figure rests on (`harmtrace.analyse.scope`): sources, the period of the
                  reports giving the figure, filters, and a sentence saying so
    deduplicated  true once an incident link run has clustered reports (else each report stands alone)
    definitions   min, max, best: one sentence each
    total         a Figure for the whole window
    groups        null, or a list of Figure plus: group (label); key (month "2016-01", year "2016",
                  perpetrator lower-cased, adm1 P-code; null for "(not located)" and "(no perpetrator
                  named)"); window (the group's sub-window, as above)
    notes         caveats a reader must see with the numbers

    Figure   items_min, items_max, items_best (items whose best counts), count_min, count_max,
             count_best (people; null: no count, or no best), count_best_unprorated, best_missing,
             items_without_category, items_min_missing (items of the minimum without a minimum),
             items_max_missing, items_date_unknown (items of the maximum with an unknown start or end),
             items_best_range_only, items_best_shared, items_prorated, ids
    ids      null unless asked; else {"min": [...], "max": [...], "best": [...]}, lists of ItemRef:
             one per report of each incident counted, in incident order
    ItemRef  incident_id, part_of (for a report of an incident that is part of another, the whole's
             incident id: the two are one item), report_id, source (name), record_id (the source's
             own id), batch_id and row_number (the document the report was read from)

A figure, with its groups, costs one set-wise SQL statement (the plan is in
`harmtrace.analyse.casualty_sql`) and its scope up to three small ones (the statement gives the scope's
reports giving the figure when its items are the reports, unfiltered); `ids` one more for the total and
one for the groups.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, replace
from datetime import date
from typing import Any, Final, TypedDict

from harmtrace.analyse.casualty_sql import (
    NOT_LOCATED,
    SCOPE_COLUMNS,
    SIDE_CATEGORIES,
    figures_sql,
    gives_scope,
    ids_sql,
)
from harmtrace.analyse.scope import Scope, scope_of
from harmtrace.analyse.window import Window, resolve_window, window_problems
from harmtrace.assess.items import Plan, plan_for
from harmtrace.assess.snapshot import stored_actors
from harmtrace.choices import CASUALTY_GROUPINGS as GROUPINGS
from harmtrace.errors import QueryError, param
from harmtrace.model import CATEGORIES, GRADES, HARMS, NOT_ALLEGED
from harmtrace.store import Store

NOT_DEDUPLICATED: Final = (
    "Reports are not yet deduplicated across sources: no incident link run has been made, so each "
    "report counts as its own incident (run harmtrace link incidents)."
)
DEDUPLICATED: Final = (
    "Items are incidents: reports an incident link run clustered count once; reports it has not seen "
    "count as their own incidents."
)
STORED: Final = (
    "Incidents as the last assessment run stored them (harmtrace assess incidents): perpetrators are "
    "canonical actors; incidents with no civilian harm alleged are left out of civilian figures."
)
STALE: Final = (
    "WARNING: reports, incident links or victim ties changed since the last assessment run, so its "
    "stored incidents are stale: these figures were aggregated from the reports now (slower; "
    "perpetrators as written), but grades are still the last run's. Run harmtrace assess incidents."
)
NOT_ASSESSED: Final = (
    "No assessment run yet: incidents are aggregated from their reports at query time and perpetrators "
    "are matched as written (run harmtrace assess incidents to count canonical actors, faster)."
)
_DEFINITIONS: Final = {
    "min": "Items wholly inside the window{alone}, each at its minimum.",
    "max": "Items touching the window{naming}, each at its maximum{own}.",
    "best": (
        "The items of the maximum, each at its best estimate (its sources' best, else its one count), "
        "prorated by the share of its date interval's days inside the window{own}; none when an item "
        "gives only a range{shared}."
    ),
}


class ItemRef(TypedDict):
    incident_id: str
    part_of: str | None
    report_id: int
    source: str
    record_id: str | None
    batch_id: int
    row_number: int


class ItemIds(TypedDict):
    min: list[ItemRef]
    max: list[ItemRef]
    best: list[ItemRef]


class Figure(TypedDict):
    items_min: int
    items_max: int
    items_best: int
    count_min: int | None
    count_max: int | None
    count_best: int | None
    count_best_unprorated: int | None
    best_missing: str | None
    items_without_category: int
    items_min_missing: int
    items_max_missing: int
    items_date_unknown: int
    items_best_range_only: int
    items_best_shared: int
    items_prorated: int
    ids: ItemIds | None


class Group(Figure):
    group: str
    key: str | None
    window: Window


class CasualtyFigures(TypedDict):
    filters: dict[str, Any]
    window: Window
    scope: Scope
    deduplicated: bool
    definitions: dict[str, str]
    total: Figure
    groups: list[Group] | None
    notes: list[str]


@dataclass(frozen=True)
class CasualtyQuery:
    """Which figure: window (days inclusive), attribution, filters, category and harm, grouping.

    Raises QueryError listing every contradiction at once (`date_to` with `days`, `days` without
    `date_from` or below 1, a window ending before it starts, unknown words).
    """

    perpetrator: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    days: int | None = None
    grades: tuple[str, ...] = ()
    means: str | None = None
    category: str = "all"
    harm: str = "killed"
    by: str | None = None
    with_ids: bool = False
    unprorated: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "perpetrator", _blank_to_none(self.perpetrator))
        object.__setattr__(self, "means", _blank_to_none(self.means))
        object.__setattr__(self, "grades", tuple(g.strip().lower() for g in self.grades if g.strip()))
        problems = window_problems(self.date_from, self.date_to, self.days) + _word_problems(self)
        if problems:
            raise QueryError("Cannot compute this figure:\n" + "\n".join(f"  - {p}" for p in problems))

    @property
    def window(self) -> Window:
        return resolve_window(self.date_from, self.date_to, self.days)

    def filters(self) -> dict[str, Any]:
        return {
            "perpetrator": self.perpetrator,
            "from": self.date_from,
            "to": self.date_to,
            "days": self.days,
            "grades": list(self.grades),
            "means": self.means,
            "category": self.category,
            "harm": self.harm,
            "by": self.by,
            "unprorated": self.unprorated,
        }


def _blank_to_none(text: str | None) -> str | None:
    return (text.strip() or None) if text is not None else None


def _word_problems(q: CasualtyQuery) -> list[str]:
    checks = [("category", q.category, CATEGORIES), ("harm", q.harm, HARMS)]
    if q.by is not None:
        checks.append(("by", q.by, GROUPINGS))
    problems = [
        f"{param(opt)} {value!r} is not one of {', '.join(ok)}."
        for opt, value, ok in checks
        if value not in ok
    ]
    if q.by == "perpetrator" and q.perpetrator:
        problems.append(
            f"{param('by')} perpetrator gives every perpetrator its own group: drop {param('perpetrator')} "
            f"(or {param('by')})."
        )
    return problems


def casualties(store: Store, query: CasualtyQuery) -> CasualtyFigures:
    """The figure `query` asks for over `store`: bounds, items behind them, groups, scope and caveats."""
    _require_reports(store)
    _check_grades(store, query)
    plan = plan_for(store)
    asked, query = query, _as_actors(store, query, plan)
    rows = _rows(store, *figures_sql(query, query.by, plan))
    giving = _giving(rows) if gives_scope(query, plan) else None
    rows = [row for row in rows if row.get("source_id") is None]
    total = _figure(next(row for row in rows if row["is_total"]), query)
    if total["items_max"] + total["items_without_category"] == 0:
        _check_names(store, query, plan)
    groups = [_group(row, query) for row in _in_order(rows, query.by)] if query.by else None
    scope = scope_of(store, query.window, query.category, query.harm, _filters_text(query), giving)
    if query.with_ids:
        total["ids"] = _ids(store, query, None, plan).get("", _no_ids())
        found = _ids(store, query, query.by, plan) if groups else {}
        for group in groups or []:
            group["ids"] = found.get(group["key"] or "", _no_ids())
    return {
        "filters": query.filters(),
        "window": query.window,
        "scope": scope,
        "deduplicated": plan.linked,
        "definitions": definitions(query),
        "total": total,
        "groups": groups,
        "notes": _actor_notes(asked, query)
        + _plan_notes(plan)
        + _notes(store, query, plan, total, groups, scope),
    }


def _giving(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The scope's reports giving the figure, per source: the rows of the figure statement that give
    them (those with a source_id, see `casualty_sql.gives_scope`)."""
    return [{c: row[c] for c in SCOPE_COLUMNS} for row in rows if row.get("source_id") is not None]


def _require_reports(store: Store) -> None:
    """A store with no report gives no figure at all: say so rather than print 0 killed."""
    if not store.scalar("SELECT count(*) FROM report"):
        raise QueryError(
            f"The store {store.path} holds no reports, so there is no figure to give (not 0: nothing is "
            "known). Import reports first, e.g. harmtrace ingest ucdp-ged FILE (see harmtrace ingest --help)."
        )


def _filters_text(query: CasualtyQuery) -> str:
    parts = []
    if query.perpetrator:
        parts.append(f"perpetrator {query.perpetrator}")
    if query.grades:
        parts.append("grades " + ", ".join(query.grades))
    if query.means:
        parts.append(f"means {query.means}")
    return "; ".join(parts) or "none"


def _as_actors(store: Store, query: CasualtyQuery, plan: Plan) -> CasualtyQuery:
    """`query` with its perpetrator as the canonical actor, when figures read the stored rows (whose
    perpetrators are actors, `harmtrace.actors`); before an assessment names are matched as written."""
    if not plan.stored or not query.perpetrator:
        return query
    return replace(query, perpetrator=stored_actors(store).canonical(query.perpetrator))


def _actor_notes(asked: CasualtyQuery, query: CasualtyQuery) -> list[str]:
    if asked.perpetrator == query.perpetrator:
        return []
    return [f"--perpetrator {asked.perpetrator!r} is a name of the actor {query.perpetrator!r}: every name "
            "of that actor counts (the actor table of the last assessment run)."]  # fmt: skip


def _plan_notes(plan: Plan) -> list[str]:
    if plan.stored:
        return [STORED]
    if plan.stale:
        return [STALE]
    return [NOT_ASSESSED]


def definitions(query: CasualtyQuery) -> dict[str, str]:
    """One sentence per bound, naming the attribution rule the query used."""
    who = ""
    if query.perpetrator:
        who = "the perpetrator"
    elif query.by == "perpetrator":
        who = "the group's perpetrator"
    words = {
        "alone": f" and attributed to {who} alone" if who else "",
        "naming": f" whose alleged perpetrators include {who}" if who else "",
        "own": f", less the dead of {who}'s own side where its sources give them" if who else "",
        "shared": (
            f" or when {who} shares an item with other perpetrators and its sources do not say which "
            "side's dead it caused"
            if who
            else ""
        ),
    }
    return {k: v.format(**words) for k, v in _DEFINITIONS.items()}


def _in_order(rows: list[dict[str, Any]], by: str | None) -> list[dict[str, Any]]:
    """The group rows in display order: periods in time, others largest maximum first, the rest last."""
    groups = [row for row in rows if not row["is_total"]]
    # sorted here, not in SQL: an ORDER BY on an earlier form of this query made DuckDB 2.0 fail
    # ("INT128 ... can't be cast ... INT8", compressed materialisation) when admin tables were empty
    if by in ("month", "year"):
        return sorted(groups, key=lambda r: str(r["key"]))
    return sorted(groups, key=lambda r: (r["key"] == "", -(r["count_max"] or 0), r["label"]))


def _figure(row: dict[str, Any], query: CasualtyQuery) -> Figure:
    """A figure from its SQL row: no item with the category = no count (null), never 0."""

    def count(name: str) -> int:
        return int(row[name] or 0)

    counted = count("items_max") > 0
    missing = best_missing(count("items_best_range_only"), count("items_best_shared"))
    best = round(row["best_prorated"]) if counted and missing is None else None
    unprorated = round(row["best_unprorated"]) if query.unprorated and best is not None else None
    return {
        "items_min": count("items_min"),
        "items_max": count("items_max"),
        "items_best": count("items_best") if counted else 0,
        "count_min": count("count_min") if counted else None,
        "count_max": count("count_max") if counted else None,
        "count_best": best,
        "count_best_unprorated": unprorated,
        "best_missing": missing if counted else "no item gives a figure for this category",
        "items_without_category": count("reports") - count("items_max"),
        "items_min_missing": count("items_min_missing"),
        "items_max_missing": count("items_max_missing"),
        "items_date_unknown": count("items_date_unknown"),
        "items_best_range_only": count("items_best_range_only"),
        "items_best_shared": count("items_best_shared"),
        "items_prorated": count("items_prorated"),
        "ids": None,
    }


def best_missing(range_only: int, shared: int) -> str | None:
    """Why a figure has no best, or None when it has one.

    >>> best_missing(2, 0)
    '2 items give a range (min-max) without a best estimate'
    """
    reasons = []
    if range_only:
        verb = "gives" if range_only == 1 else "give"
        reasons.append(f"{_many(range_only)} {verb} a range (min-max) without a best estimate")
    if shared:
        verb = "names" if shared == 1 else "name"
        reasons.append(
            f"{_many(shared)} {verb} other perpetrators too and their sources do not say which side "
            "caused these deaths"
        )
    return "; ".join(reasons) or None


def _group(row: dict[str, Any], query: CasualtyQuery) -> Group:
    window: Window = query.window
    if row["g_from"] is not None:
        days = (row["g_to"] - row["g_from"]).days + 1
        window = {"from": row["g_from"], "to": row["g_to"], "days": days}
    return {**_figure(row, query), "group": row["label"], "key": row["key"] or None, "window": window}


def _rows(store: Store, sql: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    cur = store.con.execute(sql, params)
    names = [d[0] for d in cur.description or []]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def _no_ids() -> ItemIds:
    return {"min": [], "max": [], "best": []}


def _ids(store: Store, query: CasualtyQuery, by: str | None, plan: Plan) -> dict[str, ItemIds]:
    """Per group key, the reports behind each bound (the same grouping as the figures)."""
    rows = _rows(store, *ids_sql(query, by, plan))
    found: dict[str, ItemIds] = {}
    for row in rows:
        ids = found.setdefault(row["key"], _no_ids())
        ref: ItemRef = {
            "incident_id": row["incident_id"],
            "part_of": row["part_of"],
            "report_id": row["report_id"],
            "source": row["source"],
            "record_id": row["record_id"],
            "batch_id": row["batch_id"],
            "row_number": row["row_number"],
        }
        ids["max"].append(ref)
        if row["in_min"]:
            ids["min"].append(ref)
        if row["has_best"]:
            ids["best"].append(ref)  # the items whose best the figure's best counts
    return found


def _check_grades(store: Store, query: CasualtyQuery) -> None:
    """Grades outside the vocabulary are accepted only when some report carries them."""
    unknown = [g for g in query.grades if g not in (*GRADES, NOT_ALLEGED)]
    if not unknown:
        return
    stored = _rows(
        store,
        "SELECT DISTINCT lower(trim(source_grade)) AS grade FROM report WHERE source_grade IS NOT NULL",
        {},
    )
    known = sorted({*GRADES, NOT_ALLEGED, *(r["grade"] for r in stored)})
    missing = [g for g in unknown if g not in known]
    if missing:
        raise QueryError(
            f"No report has grade {', '.join(repr(g) for g in missing)} ({param('grades')}). "
            f"Known grades: {', '.join(known)}."
        )


def _check_names(store: Store, query: CasualtyQuery, plan: Plan) -> None:
    """An empty figure because of a misspelt name would mislead: fail, and suggest stored spellings."""
    if query.perpetrator:
        if plan.stored:
            # the stored names are actors: say so, as the user may have asked by another of its names
            who = f"{param('perpetrator')} (an actor)"
            _require_known(store, ("actors", "incident_item"), query.perpetrator, who)
        else:
            _require_known(store, ("perpetrators", "report"), query.perpetrator, param("perpetrator"))
    if query.means:
        _require_known(store, ("means", "report"), query.means, param("means"))


def _require_known(store: Store, where: tuple[str, str], name: str, option: str) -> None:
    column, table = where
    known = [r["name"] for r in _rows(store, f"SELECT DISTINCT unnest({column}) AS name FROM {table}", {})]
    if name.lower() in {k.lower() for k in known}:
        return
    what = "means" if column == "means" else "perpetrator"
    if not known:
        raise QueryError(f"No report in the store names any {what}, so {option} {name!r} matches nothing.")
    closest = ", ".join(repr(k) for k in closest_names(name, known))
    raise QueryError(
        f"No report in the store names {what} {name!r} ({option}). Closest known names: {closest}. "
        f"Names match case-insensitively but otherwise exactly: use one of these with {option.split()[0]}."
    )


def closest_names(name: str, known: list[str], n: int = 5) -> list[str]:
    """Stored names most like `name`: those containing it first, then by difflib similarity.

    >>> closest_names("syria", ["IS", "Government of Syria", "SDF"], n=2)
    ['Government of Syria', 'IS']
    """
    lowered = name.lower()
    containing = sorted(k for k in known if lowered in k.lower())

    def similarity(k: str) -> float:
        return difflib.SequenceMatcher(None, lowered, k.lower()).ratio()

    rest = sorted((k for k in known if k not in containing), key=lambda k: (-similarity(k), k))
    return (containing + rest)[:n]


def _notes(
    store: Store, query: CasualtyQuery, plan: Plan, total: Figure, groups: list[Group] | None, scope: Scope
) -> list[str]:
    """The caveats a reader must see next to the numbers."""
    notes = [DEDUPLICATED if plan.linked else NOT_DEDUPLICATED, *_count_notes(query, total)]
    notes += _side_note(query, plan) + _group_notes(groups) + _set_aside_notes(query, scope)
    if query.grades:
        notes.append(
            "Grades are the incidents' (analyst's decision, else computed by harmtrace assess incidents, "
            "else the sources' own); incidents without a grade are left out because --grade is given."
        )
    if query.by in ("month", "year"):
        notes.append(
            f"Each {query.by} is a sub-window: an item spanning several counts in the maximum of each and "
            "in the minimum of none, so the groups need not add up to the total."
        )
    if query.by == "perpetrator":
        notes.append(
            "An item with several alleged perpetrators counts in the maximum of each; only items "
            "attributed to one perpetrator alone count in its minimum. The total counts every item, "
            "whatever its attribution."
        )
    if query.by == "adm1":
        notes.append(_adm1_note(store))
    return notes


def _many(n: int, noun: str = "item") -> str:
    """ "1 item", "2 items": the count, with the noun in number.

    >>> _many(1), _many(1204), _many(1, "report")
    ('1 item', '1,204 items', '1 report')
    """
    return f"{n:,} {noun}{'s' * (n != 1)}"


def _count_notes(query: CasualtyQuery, total: Figure) -> list[str]:
    what = f"{query.category} {query.harm}"
    notes = []
    if not total["items_max"]:
        notes.append(f"No item touching the window gives a figure for {what}: no count (unknown, not zero).")
    elif total["items_without_category"]:
        notes.append(
            f"{_many(total['items_without_category'])} touching the window give no figure for {what}; "
            "they add nothing here, so these figures may be low (UCDP, for example, gives no 'children')."
        )
    if total["items_max"] and total["best_missing"]:
        notes.append(f"No best estimate: {total['best_missing']}. The minimum and maximum still hold.")
    if total["count_best"] is not None and total["items_prorated"]:
        notes.append(
            f"best prorates {_many(total['items_prorated'])} whose date interval runs beyond the window: "
            "each counts in proportion to the days of its interval inside the window (deaths spread "
            "evenly over the interval); --unprorated shows their whole best estimates summed beside it."
        )
    if total["items_min_missing"]:
        notes.append(f"{_many(total['items_min_missing'])} of the minimum give no minimum and add 0 to it.")
    if total["items_max_missing"]:
        notes.append(
            f"{_many(total['items_max_missing'])} of the maximum give no maximum: their best (else their "
            "minimum) was used, so the maximum may be low."
        )
    bounded = query.window["from"] is not None or query.window["to"] is not None
    if total["items_date_unknown"] and bounded:
        notes.append(
            f"{_many(total['items_date_unknown'])} of the maximum have an unknown start or end date: they "
            "touch every window, so they count in the maximum, never in the minimum, and add nothing to "
            "the best (an interval unknown on a side cannot be prorated)."
        )
    return notes


def _set_aside_notes(query: CasualtyQuery, scope: Scope) -> list[str]:
    """How many reports in the window lost this count, or another field, to a faulty value at import."""
    this = sum(src["reports_count_set_aside"] for src in scope["sources"])
    other = sum(src["reports_field_set_aside"] for src in scope["sources"]) - this
    notes = []
    if this:
        notes.append(
            f"{_many(this, 'report')} touching the window had their {query.category} {query.harm} count "
            "set aside as faulty when imported: they add nothing for it here (harmtrace quarantine lists "
            "them and why)."
        )
    if other:
        notes.append(
            f"{_many(other, 'report')} touching the window had another field set aside as faulty when "
            "imported (coordinates, a date, another count...): harmtrace quarantine lists them and why."
        )
    return notes


def _side_note(query: CasualtyQuery, plan: Plan) -> list[str]:
    """Said only where it applies: a side's figure, of a category holding combatants, in a store where
    some report gives the dead of a side (the rule `casualty_sql.Sql.sided` applies)."""
    side_figure = query.perpetrator or query.by == "perpetrator"
    if not (plan.sided and side_figure and query.category in SIDE_CATEGORIES):
        return []
    return [
        "A side's maximum and best leave out the dead its sources give for that side itself (UCDP's "
        "deaths of side A and side B): a side's own dead are not deaths it caused."
    ]


def _group_notes(groups: list[Group] | None) -> list[str]:
    without = [g for g in groups or [] if g["items_max"] and g["count_best"] is None]
    if not without:
        return []
    return [
        f"{len(without):,} of the {len(groups or []):,} groups have no best estimate (their best_missing "
        "says why); their minimum and maximum still hold."
    ]


def _adm1_note(store: Store) -> str:
    placed = int(store.con.execute("SELECT count(*) FROM report_admin WHERE level = 1").fetchall()[0][0])
    if not placed:
        return (
            f"No report has been placed in a governorate yet (report_admin is empty), so every report is "
            f"{NOT_LOCATED}: run the locate step first."
        )
    return (
        "Governorates are those the locate step placed each report in from its coordinates and precision "
        "(an incident counts in that of its lead report, the lowest report id); "
        f"reports it did not place are shown as {NOT_LOCATED}."
    )
