"""Capture tables: patterns, totals and overlaps from histories or counts."""

import json

import numpy as np
import pytest

from harmtrace.analyse.mse import CaptureTable
from harmtrace.analyse.mse.captures import pattern_index, pattern_string
from harmtrace.errors import InputError


def test_from_histories_counts_each_pattern() -> None:
    h = np.array([[1, 0, 0], [1, 1, 0], [1, 1, 0], [0, 0, 1], [1, 0, 1]], dtype=bool)
    t = CaptureTable.from_histories(h, lists=["A", "B", "C"])
    assert t.as_dict() == {
        "lists": ["A", "B", "C"],
        "observed": 5,
        "cells": {"100": 1, "110": 2, "101": 1, "001": 1},
    }
    assert t.list_totals() == {"A": 4, "B": 2, "C": 2}
    assert t.pairwise_overlaps() == {("A", "B"): 2, ("A", "C"): 1, ("B", "C"): 0}
    assert t.patterns().shape == (7, 3) and t.observed_counts().sum() == 5
    json.dumps(t.as_dict())


def test_from_counts_matches_from_histories() -> None:
    h = np.random.default_rng(3).integers(0, 2, size=(500, 4))
    h = h[h.any(axis=1)]
    t = CaptureTable.from_histories(h)
    again = CaptureTable.from_counts({pattern_string(p, 4): int(c) for p, c in enumerate(t.counts) if p})
    assert again.lists == ("1", "2", "3", "4")
    np.testing.assert_array_equal(again.counts, t.counts)
    tuples = CaptureTable.from_counts({(1, 0, 1, 1): 2, (0, 0, 0, 1): 1})
    assert tuples.count("1011") == 2 and tuples.observed == 3


def test_pattern_index_round_trip() -> None:
    assert pattern_index("101") == 5 and pattern_string(5, 3) == "101"
    assert all(pattern_index(pattern_string(i, 5)) == i for i in range(32))


@pytest.mark.parametrize(
    ("histories", "lists", "message"),
    [
        ([[1, 0], [0, 0]], None, "on no list"),
        ([[1, 2]], None, "0/1"),
        ([[1, 0, 1]], ["A", "B"], "3 columns but 2 list names"),
        ([[1]], None, "2 to 20 lists"),
        ([[1, 1]], ["A", "A"], "repeat"),
    ],
)
def test_bad_histories_say_what_is_wrong(
    histories: list[list[int]], lists: list[str] | None, message: str
) -> None:
    with pytest.raises(InputError, match=message):
        CaptureTable.from_histories(np.array(histories), lists=lists)


def test_bad_counts_say_what_is_wrong() -> None:
    with pytest.raises(InputError, match="one length"):
        CaptureTable.from_counts({"10": 1, "110": 2})
