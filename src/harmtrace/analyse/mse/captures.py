"""Capture-history tables: how many people each combination of lists recorded.

With K lists a person's *capture pattern* is the set of lists that record them, written as K bits.
Pattern index ``sum(2**k for each list k recording the person)``: list 0 is the lowest bit, so with
lists (A, B, C) the pattern "on A and C" is index 0b101 = 5 and string "101" (list order, left to
right). Index 0, "on no list", is never observed: estimating it is the whole point.

Multiple systems estimation needs only these 2^K - 1 counts, never the people themselves.

>>> import numpy as np
>>> t = CaptureTable.from_histories(np.array([[1, 0], [1, 1], [0, 1], [1, 1]]), lists=["A", "B"])
>>> t.count("11"), t.observed, t.list_totals()
(2, 4, {'A': 3, 'B': 3})
>>> t.pairwise_overlaps()
{('A', 'B'): 2}
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Any

import numpy as np
import numpy.typing as npt

from harmtrace.errors import InputError

MAX_LISTS = 20  # 2^20 cells: far beyond what any MSE model can use, and still small in memory


@dataclass(frozen=True)
class CaptureTable:
    """Counts per capture pattern for K named lists.

    ``counts`` has 2^K entries indexed by pattern index (see the module docstring); ``counts[0]`` is 0.
    """

    lists: tuple[str, ...]
    counts: npt.NDArray[np.int64]

    def __post_init__(self) -> None:
        k = len(self.lists)
        if not 2 <= k <= MAX_LISTS:
            raise InputError(f"capture table: {k} list(s) given; estimation needs 2 to {MAX_LISTS} lists.")
        if len(set(self.lists)) != k:
            raise InputError(f"capture table: list names repeat in {list(self.lists)}; give each a name.")
        if self.counts.shape != (2**k,):
            raise InputError(f"capture table: {self.counts.shape} counts for {k} lists; expected {2**k}.")
        if (self.counts < 0).any() or self.counts[0] != 0:
            raise InputError("capture table: counts must be >= 0 and the 'on no list' cell must be 0.")

    @classmethod
    def from_histories(cls, histories: npt.ArrayLike, lists: Sequence[str] | None = None) -> CaptureTable:
        """Table from an (n, K) array of 0/1 or bool, one row per person, one column per list.

        Rows on no list are rejected: nobody can be observed on no list. ``lists`` defaults to
        "1".."K" (Rcapture's habit).
        """
        h = np.asarray(histories)
        if h.ndim != 2:
            raise InputError(f"capture histories: expected an (n, K) array, got shape {h.shape}.")
        if not np.isin(h, (0, 1)).all():
            raise InputError(
                "capture histories: values must be 0/1 or bool (1 = the list records the person)."
            )
        names = tuple(lists) if lists is not None else tuple(str(k + 1) for k in range(h.shape[1]))
        if len(names) != h.shape[1]:
            raise InputError(f"capture histories: {h.shape[1]} columns but {len(names)} list names.")
        index = h.astype(np.int64) @ (1 << np.arange(h.shape[1], dtype=np.int64))
        if (index == 0).any():
            rows = np.flatnonzero(index == 0)[:5].tolist()
            raise InputError(f"capture histories: {int((index == 0).sum())} row(s) on no list (rows {rows}).")
        return cls(names, np.bincount(index, minlength=2 ** len(names)).astype(np.int64))

    @classmethod
    def from_counts(
        cls, counts: Mapping[str, int] | Mapping[tuple[int, ...], int], lists: Sequence[str] | None = None
    ) -> CaptureTable:
        """Table from counts keyed by pattern: "101" or (1, 0, 1), list order left to right.

        Patterns not given count 0. ``lists`` defaults to "1".."K".

        >>> CaptureTable.from_counts({"10": 5, "01": 3, "11": 2}).as_dict()["cells"]
        {'10': 5, '01': 3, '11': 2}
        """
        keys = [k if isinstance(k, str) else "".join(str(int(b)) for b in k) for k in counts]
        sizes = {len(k) for k in keys}
        if len(sizes) != 1 or not all(set(k) <= {"0", "1"} for k in keys):
            raise InputError(
                f"capture counts: patterns must be strings of 0/1 of one length, got {keys[:5]}."
            )
        k = sizes.pop()
        names = tuple(lists) if lists is not None else tuple(str(i + 1) for i in range(k))
        table = np.zeros(2**k, dtype=np.int64)
        for key, value in zip(keys, counts.values(), strict=True):
            table[pattern_index(key)] += int(value)
        return cls(names, table)

    @property
    def k(self) -> int:
        """Number of lists."""
        return len(self.lists)

    @property
    def observed(self) -> int:
        """People on at least one list."""
        return int(self.counts.sum())

    def patterns(self) -> npt.NDArray[np.int8]:
        """(2^K - 1, K) 0/1 matrix: row p-1 is pattern index p (1 .. 2^K - 1), one column per list."""
        return pattern_matrix(self.k)[1:]

    def observed_counts(self) -> npt.NDArray[np.int64]:
        """Counts of the 2^K - 1 observed patterns, in the row order of `patterns`."""
        return self.counts[1:]

    def count(self, pattern: str) -> int:
        """People with exactly this pattern, e.g. "101"."""
        return int(self.counts[pattern_index(pattern)])

    def list_totals(self) -> dict[str, int]:
        """People on each list."""
        sums = self.patterns().T.astype(np.int64) @ self.observed_counts()
        return {name: int(s) for name, s in zip(self.lists, sums, strict=True)}

    def pairwise_overlaps(self) -> dict[tuple[str, str], int]:
        """People on both lists of each pair (whatever their other lists)."""
        x = self.patterns().astype(np.int64)
        c = self.observed_counts()
        return {
            (self.lists[a], self.lists[b]): int(c @ (x[:, a] * x[:, b]))
            for a, b in combinations(range(self.k), 2)
        }

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready: lists, observed, and non-zero cells keyed by pattern string."""
        cells = {
            pattern_string(p, self.k): int(self.counts[p]) for p in range(1, 2**self.k) if self.counts[p]
        }
        return {"lists": list(self.lists), "observed": self.observed, "cells": cells}


def pattern_index(pattern: str) -> int:
    """Index of a pattern string: "101" -> 0b101 read with list 0 as the lowest bit = 5."""
    return sum(1 << i for i, bit in enumerate(pattern) if bit == "1")


def pattern_string(index: int, k: int) -> str:
    """Inverse of `pattern_index`: 5, k=3 -> "101"."""
    return "".join("1" if index >> i & 1 else "0" for i in range(k))


def pattern_matrix(k: int) -> npt.NDArray[np.int8]:
    """(2^K, K) 0/1 matrix of all patterns in index order, row 0 the unobserved one."""
    bits: npt.NDArray[np.int8] = ((np.arange(2**k)[:, None] >> np.arange(k)) & 1).astype(np.int8)
    return bits
