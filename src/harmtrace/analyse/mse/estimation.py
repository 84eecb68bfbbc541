"""An estimate from the store: persons -> capture histories -> validity checks -> fits, per stratum.

`estimate_store` is what `harmtrace estimate` runs:

1. reads every victim record with its person from the latest link (`histories.read_records`);
2. keeps the chosen lists (default: every source with victim records) and the persons on at least
   one of them whose date of death (the middle day of its interval) lies in the window;
3. runs the validity checks (`validity`) and refuses, with every error at once, when one fails;
4. fits the method (log-linear models or LCMCR) to all those persons, and to each stratum;
5. optionally re-draws the linkage (`uncertainty.linkage_draws`) and reports how the estimate moves.

**Strata.** The total row is one fit over all persons. With strata, each stratum is fitted alone
and "sum of strata" adds them up: its point estimate is the sum of the stratum estimates; its interval
is, for LCMCR, the quantiles of the summed posterior draws (strata are fitted independently), and for
log-linear models the sum of the stratum bounds, which is wider than a joint interval would be
(conservative). A stratum that cannot be fitted (one list only, no overlap) adds its observed count
and is named in the notes. Stratifying on attributes the lists record (date, place, sex) is the
standard remedy for heterogeneity, but persons whose attribute no list gave form their own
"(unknown)" stratum, which is not a stratum of the population: read its estimate with care.

`estimate_histories` does steps 3-4 for a plain capture-history array (a CSV from
`harmtrace simulate captures`, or a notebook's data): no dates, no strata.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import numpy.typing as npt

from harmtrace.analyse.mse.captures import CaptureTable
from harmtrace.analyse.mse.histories import (
    PersonHistories,
    SourceInfo,
    Stratum,
    VictimRecords,
    in_window,
    read_records,
    read_sources,
    store_histories,
    stratify,
)
from harmtrace.analyse.mse.lcmcr import LcmcrResult, fit_lcmcr
from harmtrace.analyse.mse.loglinear import fit_loglinear
from harmtrace.analyse.mse.result import Estimate
from harmtrace.analyse.mse.uncertainty import linkage_draws
from harmtrace.analyse.mse.validity import (
    Check,
    Coverage,
    check_coverage,
    check_dates_outside,
    check_empty,
    check_lists,
    check_overlaps,
    check_strata,
    coverages,
    errors,
)
from harmtrace.choices import CRITERIA, STRATA
from harmtrace.choices import ESTIMATE_METHODS as METHODS
from harmtrace.errors import HarmtraceError, QueryError, param
from harmtrace.progress import Progress, counted, silent
from harmtrace.store import Store


@dataclass(frozen=True)
class EstimateOptions:
    """What to estimate, and how. LCMCR's iterations, burn-in and thinning are Gibbs iterations per
    chain, max_seconds the time its chains may take to converge; None takes `fit_lcmcr`'s defaults."""

    method: str = "loglinear"
    strata: tuple[str, ...] = ()
    sources: tuple[str, ...] | None = None
    date_from: date | None = None
    date_to: date | None = None
    coverage: dict[str, Coverage] = field(default_factory=dict)
    allow_partial_coverage: bool = False
    criterion: str = "aic"
    level: float = 0.95
    seed: int = 0
    iterations: int | None = None
    burn_in: int | None = None
    thin: int | None = None
    max_seconds: float | None = None
    chains: int = 4
    max_classes: int = 10
    linkage_draws: int = 0
    linkage_floor: float = 0.0

    def __post_init__(self) -> None:
        problems = [
            f"{param(opt)} {value!r} is not one of {', '.join(ok)}."
            for opt, value, ok in (("method", self.method, METHODS), ("criterion", self.criterion, CRITERIA))
            if value not in ok
        ]
        problems += [
            f"{param('strata')} {s!r} is not one of {', '.join(STRATA)}."
            for s in self.strata
            if s not in STRATA
        ]
        if len(set(self.strata)) != len(self.strata):
            problems.append(f"{param('strata')} repeats a variable: {', '.join(self.strata)}.")
        if self.date_from and self.date_to and self.date_to < self.date_from:
            problems.append(
                f"the window ends ({param('date_to')} {self.date_to}) before it starts "
                f"({param('date_from')} {self.date_from})."
            )
        if problems:
            raise QueryError("Cannot estimate:\n" + "\n".join(f"  - {p}" for p in problems))


class EstimateRefused(QueryError):
    """A validity check failed: the message lists every error; `checks` holds all findings."""

    def __init__(self, checks: list[Check]) -> None:
        self.checks = checks
        lines = "\n".join(f"  - {c.message}" for c in errors(checks))
        super().__init__(f"Cannot estimate: {len(errors(checks))} problem(s):\n{lines}")


def fit(table: CaptureTable, options: EstimateOptions) -> Estimate:
    """The chosen method's estimate for one capture table."""
    if options.method == "lcmcr":
        given: dict[str, Any] = {"iterations": options.iterations, "burn_in": options.burn_in,
                                 "thin": options.thin, "max_seconds": options.max_seconds}  # fmt: skip
        return fit_lcmcr(
            table,
            max_classes=options.max_classes,
            chains=options.chains,
            seed=options.seed,
            level=options.level,
            **{k: v for k, v in given.items() if v is not None},
        )
    return fit_loglinear(table, criterion=options.criterion, level=options.level)  # type: ignore[arg-type]


def estimate_store(store: Store, options: EstimateOptions, progress: Progress = silent) -> dict[str, Any]:
    """The estimate `options` ask for, from the persons of the latest link (module docstring);
    `progress` is told each stage, and the strata and linkage draws done.

    Raises QueryError when nothing is linked or a list is unknown, EstimateRefused when a validity
    check fails.
    """
    sources = read_sources(store)
    lists = chosen_lists(sources, options.sources)
    unknown = sorted(set(options.coverage) - {sources[s].name for s in lists})
    if unknown:
        raise QueryError(
            f"{param('coverage')} names {', '.join(unknown)}, which is not among the lists estimated from."
        )
    early = check_lists(tuple(sources[s].name for s in lists), options.method)
    if errors(early):
        raise EstimateRefused(early)  # before reading every record: nothing else can help
    progress("reading the persons of the latest link")
    records = read_records(store)
    if records.run_id is None:
        raise QueryError(
            f"No victim record is linked into persons yet ({records.victim_ids.size:,} records): MSE counts "
            "persons across lists, so link first: harmtrace link victims."
        )
    persons = store_histories(records, lists)
    persons = persons.subset(in_window(persons, options.date_from, options.date_to))
    periods = coverages([records.sources[s] for s in lists], options.coverage)
    strata = stratify(persons, options.strata)
    checks = store_checks(records, persons, strata, periods, options)
    if errors(checks):
        raise EstimateRefused(checks)
    result = estimate_persons(persons, strata, options, checks, progress)
    result["sources"] = [_source_row(records, s, persons, periods) for s in lists]
    result["window"] = {"from": options.date_from, "to": options.date_to}
    result["run_id"] = records.run_id
    result["notes"] = _notes(records, persons, options) + result["notes"]
    if options.linkage_draws:
        refit = functools.partial(fit, options=options)
        result["linkage"] = linkage_draws(store, records, lists, options, result["total"], refit, progress)
    return result


def chosen_lists(sources: list[SourceInfo], names: tuple[str, ...] | None) -> tuple[int, ...]:
    """Indices (into `sources`) of the lists to use: `names`, else every source with records."""
    if not sources:
        raise QueryError("No victim records in the store: import the lists first (harmtrace ingest victims).")
    known = [s.name for s in sources]
    if names is None:
        return tuple(range(len(known)))
    unknown = [n for n in names if n not in known]
    if unknown:
        raise QueryError(
            f"{param('sources')}: no victim list named {', '.join(map(repr, unknown))}; "
            f"the lists are {', '.join(known)}."
        )
    return tuple(known.index(n) for n in dict.fromkeys(names))


def store_checks(
    records: VictimRecords,
    persons: PersonHistories,
    strata: list[Stratum],
    periods: dict[str, Coverage],
    options: EstimateOptions,
) -> list[Check]:
    """Every validity check, errors first."""
    checks = check_lists(persons.lists, options.method)
    checks += check_empty(persons)
    if not errors(checks):
        checks += check_overlaps(persons)
        checks += check_coverage(persons, periods, options.allow_partial_coverage)
        checks += check_dates_outside(persons, periods)
        checks += check_strata(persons, strata)
    if records.unlinked:
        checks.append(
            Check(
                "unlinked_records",
                "warning",
                f"{records.unlinked:,} victim records were imported after the latest link and are in no "
                "person, so "
                "they are left out: run harmtrace link victims again.",
            )
        )
    return sorted(checks, key=lambda c: c.severity != "error")


def estimate_histories(
    histories: npt.ArrayLike, lists: tuple[str, ...], options: EstimateOptions, progress: Progress = silent
) -> dict[str, Any]:
    """Checks and the estimate for a plain (n, K) 0/1 array of capture histories (`progress`: as for
    `estimate_store`)."""
    persons = PersonHistories.from_array(np.asarray(histories).astype(bool), lists)
    strata = stratify(persons, ())
    checks = check_lists(lists, options.method) + check_empty(persons)
    if not errors(checks):
        checks += check_overlaps(persons)
    if errors(checks):
        raise EstimateRefused(checks)
    return estimate_persons(persons, strata, options, checks, progress)


def estimate_persons(
    persons: PersonHistories,
    strata: list[Stratum],
    options: EstimateOptions,
    checks: list[Check],
    progress: Progress = silent,
) -> dict[str, Any]:
    """The total fit, each stratum's fit and their sum, as JSON-ready data."""
    table = CaptureTable.from_histories(persons.listed, lists=persons.lists)
    progress(f"fitting the total ({options.method})")
    total = fit(table, options)
    result: dict[str, Any] = {
        "method": options.method,
        "lists": list(persons.lists),
        "strata_by": list(options.strata),
        "checks": [c.as_dict() for c in checks],
        "table": table.as_dict(),
        "total": total.as_dict(),
        "strata": None,
        "strata_sum": None,
        "linkage": None,
        "notes": [],
    }
    if options.strata:
        fits = [_stratum_fit(persons, s, options) for s in counted(progress, "fitting strata", strata)]
        result["strata"] = [row for row, _ in fits]
        result["strata_sum"] = _strata_sum(fits, options.level)
        failed = [row["stratum"] for row, est in fits if est is None]
        if failed:
            result["notes"].append(
                f"{len(failed)} strata could not be estimated ({', '.join(failed[:5])}"
                f"{', ...' if len(failed) > 5 else ''}): their observed persons are added to the sum as they "
                "are."
            )
    return result


def _stratum_fit(
    persons: PersonHistories, stratum: Stratum, options: EstimateOptions
) -> tuple[dict[str, Any], Estimate | None]:
    part = persons.subset(stratum.rows)
    row: dict[str, Any] = {"stratum": stratum.label, "key": list(stratum.key), "observed": len(part)}
    on = np.asarray(part.listed.any(axis=0), dtype=bool)
    used = tuple(name for name, hit in zip(part.lists, on.tolist(), strict=True) if hit)
    if len(used) < 2:
        return row | {"error": f"only {len(used)} list records anyone in this stratum"}, None
    table = CaptureTable.from_histories(part.listed[:, on], lists=used)
    if not any(table.pairwise_overlaps().values()):
        return row | {"error": "no two lists share anyone in this stratum: the total is unbounded"}, None
    try:
        estimate = fit(table, options)
    except (HarmtraceError, ArithmeticError, ValueError) as exc:  # a fit that fails on few people
        return row | {"error": f"the fit failed: {exc}"}, None
    return row | estimate.as_dict(), estimate


def _strata_sum(fits: list[tuple[dict[str, Any], Estimate | None]], level: float) -> dict[str, Any]:
    """The strata added up (module docstring): point, interval and how the interval was made."""
    observed = sum(row["observed"] for row, _ in fits)
    done = [e for _, e in fits if e is not None]
    left = sum(row["observed"] for row, e in fits if e is None)
    point = sum(e.estimate for e in done) + left
    draws = [e.draws.reshape(-1) for e in done if isinstance(e, LcmcrResult)]
    if draws and len(draws) == len(done) and len({d.size for d in draws}) == 1:
        tail = (1 - level) / 2
        lo, hi = np.quantile(np.sum(draws, axis=0), [tail, 1 - tail]) + left
        how = "quantiles of the summed posterior draws"
    else:
        lo, hi = sum(e.interval[0] for e in done) + left, sum(e.interval[1] for e in done) + left
        how = "sum of the strata's bounds (conservative: wider than a joint interval)"
    return {
        "observed": observed,
        "estimate": float(point),
        "unobserved": float(point - observed),
        "interval": [float(lo), float(hi)],
        "level": level,
        "interval_method": how,
        "strata_estimated": len(done),
        "strata_not_estimated": len(fits) - len(done),
    }


def _source_row(
    records: VictimRecords, s: int, persons: PersonHistories, periods: dict[str, Coverage]
) -> dict[str, Any]:
    info = records.sources[s]
    k = persons.lists.index(info.name)
    period = periods[info.name]
    return {
        "name": info.name,
        "records": info.records,
        "persons": int(persons.listed[:, k].sum()),
        "first_death": info.first_death,
        "last_death": info.last_death,
        "coverage": {"from": period.first, "to": period.last, "declared": period.declared},
    }


def _notes(records: VictimRecords, persons: PersonHistories, options: EstimateOptions) -> list[str]:
    notes = [
        f"Persons of linkage run {records.run_id}: a person is on a list when one of its records comes from "
        "that source."
    ]
    if options.date_from or options.date_to:
        notes.append(
            "A person is in the window when the middle day of its date-of-death interval is; persons with an "
            "unknown date are left out of a bounded window."
        )
    if "year" in options.strata and persons.spans_years:
        notes.append(
            f"{persons.spans_years:,} person(s) with a date interval spanning two years: each counts "
            "once, in the year of its interval's middle day."
        )
    disputed = int(persons.adm1_disputed.sum())
    if "adm1" in options.strata and disputed:
        notes.append(
            f"{disputed:,} person(s) with records naming different governorates: each "
            "counts in the one most of its records name."
        )
    return notes
