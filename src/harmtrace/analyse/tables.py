"""Figures for a notebook: casualty figures, person counts and MSE estimates as frozen results whose
rows become an Arrow table or a pandas DataFrame.

Each call takes the same choices as its command (`harmtrace stats casualties`, `harmtrace stats
persons`, `harmtrace estimate`) as keyword arguments, runs the same code, and returns a result whose
`as_dict()` is, key for key, what the command prints with ``--json``. The rows of `to_arrow()` are one
per group (the whole window when nothing is grouped): window, min / best / max and the counts of items
behind each bound; a bound no source gives is null, never 0.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from harmtrace.analyse.casualties import CasualtyQuery, casualties
from harmtrace.analyse.persons import PersonQuery, person_counts
from harmtrace.progress import Progress, silent
from harmtrace.results import TableResult
from harmtrace.store import Store


@dataclass(frozen=True)
class Range:
    """One figure as a range: people (min <= best <= max; best None when the sources give only a
    range, with `best_missing` saying why) and the items (incidents) each bound counts."""

    label: str
    key: str | None
    date_from: date | None
    date_to: date | None
    min: int | None
    best: int | None
    max: int | None
    items_min: int
    items_best: int
    items_max: int
    best_missing: str | None
    items_without_category: int
    items_date_unknown: int

    @classmethod
    def of(cls, figure: Mapping[str, Any], window: Mapping[str, Any], label: str = "total") -> Range:
        return cls(
            label=str(figure.get("group", label)), key=figure.get("key"),
            date_from=_day(window.get("from")), date_to=_day(window.get("to")),
            min=figure["count_min"], best=figure["count_best"], max=figure["count_max"],
            items_min=figure["items_min"], items_best=figure["items_best"], items_max=figure["items_max"],
            best_missing=figure["best_missing"], items_without_category=figure["items_without_category"],
            items_date_unknown=figure["items_date_unknown"],
        )  # fmt: skip


@dataclass(frozen=True)
class CasualtyTable(TableResult):
    """Casualty figures (`harmtrace.analyse.casualties`): the whole window and, when grouped, each
    group; `scope` is the sentence that must go with the numbers, `notes` the caveats."""

    total: Range
    groups: tuple[Range, ...] = ()
    scope: str = ""
    notes: tuple[str, ...] = ()
    deduplicated: bool = False

    def rows(self) -> Sequence[Mapping[str, Any]]:
        return [vars(r) for r in (self.groups or (self.total,))]


def casualty_figures(store: Store, **choices: Any) -> CasualtyTable:
    """People killed (or injured) in a window as min / best / max, with the scope they rest on.

    `choices` are `CasualtyQuery`'s fields: perpetrator, date_from, date_to, days, grades, means,
    category ("all", "civilians", "children", ...), harm ("killed", "injured"), by ("month", "year",
    "adm1", "perpetrator"), with_ids, unprorated. Raises QueryError naming every bad choice.
    """
    figures = casualties(store, CasualtyQuery(**_tupled(choices, "grades")))
    window = figures["window"]
    groups = tuple(Range.of(g, g["window"]) for g in figures["groups"] or ())
    return CasualtyTable(
        data=figures, total=Range.of(figures["total"], window), groups=groups,
        scope=figures["scope"]["text"], notes=tuple(figures["notes"]), deduplicated=figures["deduplicated"],
    )  # fmt: skip


@dataclass(frozen=True)
class PersonRange:
    """Distinct persons in a window or group as a range: `min` persons whose whole date of death lies
    inside it, `max` those whose date touches it; the records and sources behind them; `listed_by`
    the persons each source lists."""

    label: str
    key: str | None
    date_from: date | None
    date_to: date | None
    min: int
    max: int
    records_min: int
    records_max: int
    sources_min: int
    sources_max: int
    persons_date_unknown: int
    persons_dates_disputed: int
    listed_by: Mapping[str, int]

    @classmethod
    def of(cls, figure: Mapping[str, Any], window: Mapping[str, Any], label: str = "total") -> PersonRange:
        return cls(
            label=str(figure.get("group", label)), key=figure.get("key"),
            date_from=_day(window.get("from")), date_to=_day(window.get("to")),
            min=figure["persons_min"], max=figure["persons_max"],
            records_min=figure["records_min"], records_max=figure["records_max"],
            sources_min=figure["sources_min"], sources_max=figure["sources_max"],
            persons_date_unknown=figure["persons_date_unknown"],
            persons_dates_disputed=figure["persons_dates_disputed"], listed_by=figure["listed_by"],
        )  # fmt: skip


@dataclass(frozen=True)
class PersonTable(TableResult):
    """Distinct persons of the latest victim link (`harmtrace.analyse.persons`), whole window and
    groups as `PersonRange`s; `run_id` is the link run counted, `scope` the sentence to show with the
    numbers."""

    total: PersonRange
    groups: tuple[PersonRange, ...] = ()
    run_id: int | None = None
    scope: str = ""
    notes: tuple[str, ...] = ()

    def rows(self) -> Sequence[Mapping[str, Any]]:
        """One row per group (the whole window when not grouped); `listed_by` is left to `as_dict`."""
        return [_scalars(vars(r)) for r in (self.groups or (self.total,))]


def person_counts_table(store: Store, **choices: Any) -> PersonTable:
    """Persons (victim records linked into one person each) in a window, grouped or not.

    `choices` are `PersonQuery`'s fields: date_from, date_to, days, status ("civilian", "combatant"),
    sex, child, by ("month", "year", "province", "source"). Raises QueryError when no victim record is
    linked yet (there is then no count, not 0).
    """
    counts = person_counts(store, PersonQuery(**choices))
    groups = tuple(PersonRange.of(g, g["window"]) for g in counts["groups"] or ())
    return PersonTable(
        data=counts, total=PersonRange.of(counts["total"], counts["window"]), groups=groups,
        run_id=counts["run_id"], scope=counts["scope"]["text"], notes=tuple(counts["notes"]),
    )  # fmt: skip


@dataclass(frozen=True)
class Estimation(TableResult):
    """A multiple-systems estimate (`harmtrace.analyse.mse`): the total fit and, with strata, each
    stratum's fit; its scope is the `lists` and the `window`; `checks` are the validity findings the
    estimate passed (warnings included)."""

    method: str = ""
    lists: tuple[str, ...] = ()
    window: Mapping[str, date | None] | None = None  # from, to: the deaths estimated (None: unbounded)
    total: Mapping[str, Any] | None = None
    strata: tuple[Mapping[str, Any], ...] = ()
    checks: tuple[Mapping[str, Any], ...] = ()
    notes: tuple[str, ...] = ()

    def rows(self) -> Sequence[Mapping[str, Any]]:
        """The total, then each stratum: observed, estimate, unobserved, the interval as lower / upper."""
        return [_fit_row({"stratum": "total", **(self.total or {})})] + [_fit_row(s) for s in self.strata]


def estimate(store: Store, progress: Progress = silent, **options: Any) -> Estimation:
    """Estimate the persons no list recorded, from the persons of the latest victim link.

    `options` are `EstimateOptions`' fields: method ("loglinear", "lcmcr"), strata ("adm1", "year",
    "sex"), sources (list names), date_from, date_to, criterion, level, seed, ... Raises
    EstimateRefused, listing every failed validity check, instead of returning a number it cannot
    stand behind. `progress` is told each stage.
    """
    from harmtrace.analyse.mse.estimation import EstimateOptions, estimate_store  # numpy, numba: on use

    result = estimate_store(store, EstimateOptions(**_tupled(options, "strata", "sources")), progress)
    return Estimation(
        data=result, method=result["method"], lists=tuple(result["lists"]), window=result["window"],
        total=result["total"],
        strata=tuple(result["strata"] or ()), checks=tuple(result["checks"]), notes=tuple(result["notes"]),
    )  # fmt: skip


def _tupled(choices: Mapping[str, Any], *names: str) -> dict[str, Any]:
    """`choices` with the named values as tuples: a notebook passes a list or one string."""
    out = dict(choices)
    for name in names:
        value = out.get(name)
        if isinstance(value, str):
            out[name] = (value,)
        elif isinstance(value, Iterable):
            out[name] = tuple(value)
    return out


def _scalars(row: Mapping[str, Any]) -> dict[str, Any]:
    """The columns of `row` a table holds: nested lists and maps are left to `as_dict`."""
    return {k: v for k, v in row.items() if not isinstance(v, (Mapping, list, tuple))}


def _fit_row(fit: Mapping[str, Any]) -> dict[str, Any]:
    interval = fit.get("interval") or (None, None)
    return _scalars(fit) | {"lower": interval[0], "upper": interval[1]}


def _day(value: Any) -> date | None:
    return value if isinstance(value, date) or value is None else date.fromisoformat(str(value))
