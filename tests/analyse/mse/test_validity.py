"""Every validity check, with the message a user reads. Persons are built from pattern counts."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from harmtrace.analyse.mse.estimation import EstimateOptions, EstimateRefused, estimate_histories
from harmtrace.analyse.mse.histories import PersonHistories, day_number, stratify
from harmtrace.analyse.mse.validity import (
    Check,
    Coverage,
    check_coverage,
    check_dates_outside,
    check_empty,
    check_lists,
    check_overlaps,
    check_strata,
)

LISTS = ("a", "b", "c")


def persons(groups: list[tuple[str, int, str | None]], lists: tuple[str, ...] = LISTS) -> PersonHistories:
    """Persons from (pattern, how many, day of death or None) groups."""
    patterns = [[c == "1" for c in p] for p, n, _ in groups for _ in range(n)]
    days = [day_number(date.fromisoformat(d)) if d else None for _, n, d in groups for _ in range(n)]
    built = PersonHistories.from_array(np.array(patterns, dtype=bool).reshape(-1, len(lists)), lists)
    start = np.array([d if d is not None else s for d, s in zip(days, built.day_start.tolist(), strict=True)])
    end = np.array([d if d is not None else e for d, e in zip(days, built.day_end.tolist(), strict=True)])
    year = np.array([date.fromisoformat(d).year if d else 0 for _, n, d in groups for _ in range(n)])
    return PersonHistories(
        lists, built.listed, start, end, year, built.adm1, built.sex, (), built.adm1_disputed
    )


def codes(checks: list[Check]) -> list[tuple[str, str]]:
    return [(c.code, c.severity) for c in checks]


def test_one_list_is_refused_and_says_why() -> None:
    [check] = check_lists(("VDC",), "loglinear")
    assert (check.code, check.severity) == ("too_few_lists", "error")
    assert check.message.startswith("Only 1 list (VDC) records these persons")
    assert "exports or files of one organisation's database are one list" in check.message
    assert "harmtrace ingest victims" in check.message
    assert codes(check_lists((), "loglinear")) == [("too_few_lists", "error")]


def test_two_lists_allow_only_independence() -> None:
    [check] = check_lists(("a", "b"), "loglinear")
    assert (check.code, check.severity) == ("two_lists", "warning")
    assert "independence (Lincoln-Petersen)" in check.message
    [lcmcr] = check_lists(("a", "b"), "lcmcr")
    assert (lcmcr.code, lcmcr.severity) == ("too_few_lists", "error")
    assert check_lists(LISTS, "lcmcr") == []


def test_two_lists_sharing_nobody_cannot_be_estimated() -> None:
    [check] = check_overlaps(persons([("10", 50, None), ("01", 40, None)], ("a", "b")))
    assert (check.code, check.severity) == ("no_overlap", "error")
    assert check.message.startswith("Lists a and b share no person: with 2 lists the total is unbounded")


def test_tiny_overlap_is_a_warning() -> None:
    found = check_overlaps(
        persons([("110", 60, None), ("101", 60, None), ("011", 5, None), ("001", 30, None)])
    )
    assert codes(found) == [("tiny_overlap", "warning")]
    assert found[0].message.startswith("Lists b and c share only 5 persons (fewer than 20)")


def test_a_list_inside_another_looks_copied() -> None:
    found = check_overlaps(
        persons(
            [
                ("111", 30, None),
                ("110", 68, None),
                ("010", 2, None),
                ("100", 100, None),
                ("101", 40, None),
                ("001", 50, None),
            ]
        )
    )
    assert codes(found) == [("list_inside_another", "warning")]
    assert found[0].message.startswith("98% of list b's persons are also on list a: b may be copied from a")


def test_small_strata_are_named() -> None:
    people = persons(
        [
            ("111", 40, "2013-05-01"),
            ("110", 30, "2013-06-01"),
            ("101", 30, "2013-07-01"),
            ("011", 30, "2013-08-01"),
            ("111", 10, "2014-05-01"),
        ]
    )
    found = check_strata(people, stratify(people, ("year",)))
    assert codes(found) == [("small_stratum", "warning")]
    assert found[0].stratum == "2014"
    assert found[0].message.startswith("Stratum 2014 has only 10 persons (fewer than 50)")
    assert check_strata(people, stratify(people, ())) == []


def partial() -> PersonHistories:
    """Lists a and b record 2011-2015; c only 2011-2012."""
    groups: list[tuple[str, int, str | None]] = []
    for year in range(2011, 2016):
        groups += [("110", 30, f"{year}-06-01"), ("100", 30, f"{year}-06-01"), ("010", 30, f"{year}-06-01")]
        if year <= 2012:
            groups += [
                ("111", 10, f"{year}-03-01"),
                ("101", 10, f"{year}-03-01"),
                ("001", 10, f"{year}-03-01"),
            ]
    return persons(groups)


OBSERVED = {
    "a": Coverage(date(2011, 3, 1), date(2015, 6, 1), declared=False),
    "b": Coverage(date(2011, 3, 1), date(2015, 6, 1), declared=False),
    "c": Coverage(date(2011, 3, 1), date(2012, 6, 1), declared=False),
}


def test_a_list_covering_part_of_the_period_is_refused() -> None:
    [check] = check_coverage(partial(), OBSERVED, allow_partial=False)
    assert (check.code, check.severity) == ("partial_coverage", "error")
    assert check.message.startswith(
        "List c covers 2011-03-01 to 2012-06-01 (its records' first and last dates), but the other lists "
        "record 270 persons who died outside that period"
    )
    assert "--allow-partial-coverage" in check.message and "--from/--to" in check.message


def test_mixing_on_purpose_keeps_a_warning() -> None:
    [check] = check_coverage(partial(), OBSERVED, allow_partial=True)
    assert (check.code, check.severity) == ("partial_coverage", "warning")
    assert "biases it" in check.message


def test_a_window_inside_the_lists_period_passes() -> None:
    people = partial()
    inside = people.subset(people.day_end <= day_number(date(2012, 12, 31)))
    assert check_coverage(inside, OBSERVED, allow_partial=False) == []


def test_a_list_missing_a_few_late_persons_by_chance_is_not_flagged() -> None:
    """c's last record is in May 2015 and the others have 4 persons after it: a list that records
    a third of the persons misses 4 with probability (2/3)^4 = 0.2: no evidence of a shorter period."""
    people = persons(
        [
            ("111", 40, "2013-05-01"),
            ("110", 60, "2014-01-01"),
            ("101", 30, "2015-05-01"),
            ("011", 30, "2014-08-01"),
            ("100", 4, "2015-11-01"),
        ]
    )
    periods = OBSERVED | {"c": Coverage(date(2013, 5, 1), date(2015, 5, 1), declared=False)}
    assert check_coverage(people, periods, allow_partial=False) == []


def test_a_declared_period_is_always_enforced_and_dates_outside_it_are_named() -> None:
    people = persons(
        [
            ("111", 40, "2013-05-01"),
            ("110", 60, "2014-01-01"),
            ("101", 30, "2015-05-01"),
            ("011", 30, "2014-08-01"),
            ("100", 4, "2015-11-01"),
        ]
    )
    periods = OBSERVED | {"c": Coverage(date(2013, 1, 1), date(2014, 12, 31), declared=True)}
    found = check_coverage(people, periods, allow_partial=False) + check_dates_outside(people, periods)
    assert codes(found) == [("partial_coverage", "error"), ("dates_outside_coverage", "warning")]
    assert found[1].message.startswith(
        "30 persons on list c died outside the period declared for it (2013-01-01 to 2014-12-31 (declared))"
    )


def test_refusal_lists_every_error_at_once() -> None:
    with pytest.raises(EstimateRefused) as refused:
        estimate_histories(np.array([[1, 0], [0, 1]]), ("a", "b"), EstimateOptions())
    assert "Lists a and b share no person" in str(refused.value)
    assert codes(refused.value.checks) == [("two_lists", "warning"), ("no_overlap", "error")]


def test_no_persons_or_an_empty_list_is_refused() -> None:
    [none] = check_empty(persons([], ("a", "b")))
    assert (none.code, none.severity) == ("no_persons", "error")
    assert none.message.startswith("No person on these lists died in the window")
    [empty] = check_empty(persons([("110", 10, None), ("100", 5, None)]))
    assert (empty.code, empty.severity) == ("empty_list", "error")
    assert empty.message.startswith("List c records none of these persons")
