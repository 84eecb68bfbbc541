"""When multiple systems estimation can be trusted: checks with plain messages, run before any estimate.

Every check returns `Check`s: an ``error`` stops the estimate (it would be meaningless), a
``warning`` is printed with it (it may be biased or unstable). The rules and their thresholds:

- **lists** (`check_lists`): fewer than 2 lists is an error (nothing overlaps); 2 lists allow only
  the independence model (Lincoln-Petersen), whose assumptions 2 lists cannot test: a warning; LCMCR
  needs 3 or more.
- **persons** (`check_empty`): no person at all, or a list that records nobody (in the window): an
  error.
- **overlap** (`check_overlaps`): two lists sharing fewer than MIN_OVERLAP persons make an estimate
  that rests on a handful of people (a warning); with 2 lists sharing nobody the total is unbounded
  (an error). A list whose persons are nearly all (SUBSET_SHARE) on another list is probably copied
  from it, or both from one origin: MSE assumes lists collected separately (a warning).
- **strata** (`check_strata`): a stratum with fewer than MIN_STRATUM persons, or whose lists overlap
  in fewer than MIN_OVERLAP persons, gives an estimate too unstable to read alone (a warning).
- **coverage** (`check_coverage`): a list that records deaths only in part of the period cannot
  list anyone who died outside it; mixed in, those people look "missed" by it and the estimate is
  biased. A list's period is declared (``coverage``) or taken from its records' first and last dates.
  A taken period is trusted only when it matters: the check flags it when the other lists hold so
  many persons outside it that the list, capturing at its usual rate, would almost surely
  (probability above 1 - 1/1000) have listed some. Flagged lists are an error unless the caller
  allows mixing (then a warning): restrict the window or leave the list out instead.
- **dates outside coverage** (`check_dates_outside`): persons on a list with a declared period who
  died outside it: a wrong date, a wrong declaration, or a wrong link (a warning).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from itertools import combinations
from typing import Any, Final, Literal

import numpy as np

from harmtrace.analyse.mse.histories import (
    OPEN_END,
    OPEN_START,
    PersonHistories,
    SourceInfo,
    Stratum,
    day_number,
)

MIN_OVERLAP: Final = 20  # persons two lists share, below which an estimate rests on a handful
MIN_STRATUM: Final = 50  # persons observed in a stratum
SUBSET_SHARE: Final = 0.95  # share of a list's persons also on another list that suggests copying
SURE_MISS: Final = 1e-3  # chance of a list missing everyone outside its period, if it covered it

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Check:
    """One finding: a stable ``code``, ``error`` or ``warning``, the message, and where it applies."""

    code: str
    severity: Severity
    message: str
    stratum: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Coverage:
    """The period a list records deaths in, both days inclusive (None: open); `declared` by the user."""

    first: date | None
    last: date | None
    declared: bool

    def describe(self) -> str:
        how = "declared" if self.declared else "its records' first and last dates"
        return f"{self.first or 'the start'} to {self.last or 'the end'} ({how})"


def coverages(sources: list[SourceInfo], declared: dict[str, Coverage]) -> dict[str, Coverage]:
    """Each list's period: declared, else its records' first and last day of death."""
    return {
        s.name: declared.get(s.name, Coverage(s.first_death, s.last_death, declared=False)) for s in sources
    }


def errors(checks: list[Check]) -> list[Check]:
    return [c for c in checks if c.severity == "error"]


def check_lists(lists: tuple[str, ...], method: str) -> list[Check]:
    """Enough lists for the method (module docstring)."""
    if len(lists) < 2:
        named = f" ({lists[0]})" if lists else ""
        return [
            Check(
                "too_few_lists",
                "error",
                f"Only {len(lists)} list{named} records these persons: multiple systems estimation needs at "
                "least 2 "
                "lists collected separately (3 for anything beyond independence), because it reads the size "
                "of the "
                "uncounted from how lists overlap. Several exports or files of one organisation's database "
                "are one "
                "list. Import another source's list (harmtrace ingest victims FILE --mapping M.yaml --source "
                "NAME) "
                "and link again (harmtrace link victims).",
            )
        ]
    if method == "lcmcr" and len(lists) < 3:
        return [
            Check(
                "too_few_lists",
                "error",
                "LCMCR needs at least 3 lists (with 2 its latent classes are not identified): use --method "
                "loglinear "
                "or add a list.",
            )
        ]
    if len(lists) == 2:
        return [
            Check(
                "two_lists",
                "warning",
                f"Only 2 lists ({', '.join(lists)}): the only model is independence (Lincoln-Petersen), "
                "which assumes "
                "the lists were made independently and that everyone was equally likely to be listed. 2 "
                "lists cannot "
                "test either; positive dependence between them makes the estimate too low.",
            )
        ]
    return []


def check_empty(persons: PersonHistories) -> list[Check]:
    """No persons at all, or a list that records none of them (a window outside its period)."""
    if len(persons) == 0:
        return [
            Check(
                "no_persons",
                "error",
                "No person on these lists died in the window: widen it (--from/--to) or check the dates.",
            )
        ]
    empty = [
        name for name, n in zip(persons.lists, persons.listed.sum(axis=0).tolist(), strict=True) if not n
    ]
    return [
        Check(
            "empty_list",
            "error",
            f"List {name} records none of these persons (none died in the window): leave it out with "
            "--sources.",
        )
        for name in empty
    ]


def check_overlaps(persons: PersonHistories, stratum: str | None = None) -> list[Check]:
    """Pairs of lists sharing few persons, and lists that look copied from another."""
    x = persons.listed
    found: list[Check] = []
    totals = x.sum(axis=0)
    for a, b in combinations(range(x.shape[1]), 2):
        shared = int((x[:, a] & x[:, b]).sum())
        la, lb = persons.lists[a], persons.lists[b]
        if shared == 0 and x.shape[1] == 2:
            found.append(
                Check(
                    "no_overlap",
                    "error",
                    f"Lists {la} and {lb} share no person{_where(stratum)}: with 2 lists the total is "
                    "unbounded. "
                    "Check the linkage (harmtrace review victims), or add a third list.",
                    stratum,
                )
            )
        elif shared < MIN_OVERLAP:
            found.append(
                Check(
                    "tiny_overlap",
                    "warning",
                    f"Lists {la} and {lb} share only {shared} person{'s' * (shared != 1)}{_where(stratum)} "
                    f"(fewer than {MIN_OVERLAP}): the estimate rests on a handful of people and is unstable.",
                    stratum,
                )
            )
        for small, big, n_small in ((la, lb, totals[a]), (lb, la, totals[b])):
            if n_small >= MIN_OVERLAP and shared >= SUBSET_SHARE * n_small and stratum is None:
                found.append(
                    Check(
                        "list_inside_another",
                        "warning",
                        f"{shared / n_small:.0%} of list {small}'s persons are also on list {big}: {small} "
                        "may be "
                        f"copied from {big}, or both from one origin. MSE assumes lists collected "
                        "separately; leave "
                        f"one out (--sources) unless they were.",
                        stratum,
                    )
                )
    return found


def _where(stratum: str | None) -> str:
    return f" in stratum {stratum}" if stratum else ""


def check_strata(persons: PersonHistories, strata: list[Stratum]) -> list[Check]:
    """Strata too small to estimate on their own, and their lists' tiny overlaps."""
    if len(strata) <= 1:
        return []
    found = []
    for stratum in strata:
        n = stratum.rows.size
        if n < MIN_STRATUM:
            found.append(
                Check(
                    "small_stratum",
                    "warning",
                    f"Stratum {stratum.label} has only {n} person{'s' * (n != 1)} (fewer than "
                    f"{MIN_STRATUM}): its "
                    "estimate is unstable; merge strata (fewer --strata) for a usable figure.",
                    stratum.label,
                )
            )
        else:
            found += check_overlaps(persons.subset(stratum.rows), stratum.label)
    return found


def check_coverage(
    persons: PersonHistories, periods: dict[str, Coverage], allow_partial: bool
) -> list[Check]:
    """Lists that record only part of the period these persons died in (module docstring)."""
    found = []
    for k, name in enumerate(persons.lists):
        period = periods[name]
        outside = _outside(persons, period)
        n_out = int((outside & ~persons.listed[:, k]).sum())
        if n_out == 0 or not (period.declared or _surely_missed(persons, k, outside, n_out)):
            continue
        severity: Severity = "warning" if allow_partial else "error"
        what = (
            "The estimate below mixes them anyway (--allow-partial-coverage): it counts them as missed by "
            f"{name}, which biases it."
            if allow_partial
            else "Restrict the window to the list's period (--from/--to), leave the list out (--sources), "
            "or pass --allow-partial-coverage to mix them anyway."
        )
        found.append(
            Check(
                "partial_coverage",
                severity,
                f"List {name} covers {period.describe()}, but the other lists record {n_out:,} persons who "
                "died "
                f"outside that period: {name} could not list them, and MSE would read them as missed by it. "
                f"{what}",
            )
        )
    return found


def _outside(persons: PersonHistories, period: Coverage) -> np.ndarray:
    """Persons whose whole interval lies outside the period (an open end never does)."""
    before = np.zeros(len(persons), dtype=bool)
    after = np.zeros(len(persons), dtype=bool)
    if period.first is not None:
        before = (persons.day_end < day_number(period.first)) & (persons.day_end < OPEN_END)
    if period.last is not None:
        after = (persons.day_start > day_number(period.last)) & (persons.day_start > OPEN_START)
    return np.asarray(before | after)


def _surely_missed(persons: PersonHistories, k: int, outside: np.ndarray, n_out: int) -> bool:
    """Whether list k, capturing persons outside its period at the rate it captures the others'
    persons inside it, would almost surely have listed one of the `n_out`."""
    on_k = persons.listed[:, k]
    on_other = np.delete(persons.listed, k, axis=1).any(axis=1)
    inside = on_other & ~outside
    if not inside.any():
        return True
    rate = float((on_k & inside).sum() / inside.sum())
    return rate >= 1.0 or (1.0 - rate) ** n_out < SURE_MISS


def check_dates_outside(persons: PersonHistories, periods: dict[str, Coverage]) -> list[Check]:
    """Persons on a list with a declared period who died outside it."""
    found = []
    for k, name in enumerate(persons.lists):
        period = periods[name]
        if not period.declared:
            continue
        n = int((_outside(persons, period) & persons.listed[:, k]).sum())
        if n:
            found.append(
                Check(
                    "dates_outside_coverage",
                    "warning",
                    f"{n:,} person{'s' * (n != 1)} on list {name} died outside the period declared for it "
                    f"({period.describe()}): a wrong date, a wrong declaration or a wrong link. See them "
                    "with "
                    f"harmtrace stats persons --by source.",
                )
            )
    return found
