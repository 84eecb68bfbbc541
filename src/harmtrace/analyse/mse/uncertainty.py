"""Linkage uncertainty carried into the estimate: re-draw the persons, re-estimate, see what moves.

Linkage decides which records are one person with probabilities, and MSE counts persons: a record
wrongly split off makes an extra person listed once, which raises the estimate; a wrong merge removes
an overlap or adds one. One linkage (the latest run, cut at its threshold) hides that.

Each draw (`draw_labels`) re-builds the persons from the latest victims run:

1. every scored pair of the run (`link_pair`, match probability at least `floor`; by default every
   pair the run kept, down to its review floor of 0.01) is a link with its match probability,
   independently of the others: a pair at 0.97 is linked in 97% of draws, one at 0.3 in 30%;
2. analyst decisions hold in every draw: 'same' always links, 'different' pairs are kept apart
   exactly as linkage does it (`harmtrace.link.clusters`: strongest links first, a link that would
   join them dropped);
3. persons are the connected components of the drawn links.

Drawing pairs independently ignores that a pair's probability depends on the others (A=B and B=C
make A=C likely): chains of weak links can merge more than the model would. Pairs below the run's
threshold drawn in (merges) and pairs above it drawn out (splits) both happen, so the draws move the
estimate both ways; `floor` restricts the draws to stronger pairs (floor = the run's threshold: only
splits). Records imported after the run stay out, as in the estimate itself.

Each draw's persons go through the same window and the same method (`estimation.fit`) as the
estimate; only the total is re-estimated. The report gives the observed persons and the estimate
across draws (quantiles), and the envelope of the draws' intervals.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Final

import numpy as np
import numpy.typing as npt

from harmtrace.analyse.mse.captures import CaptureTable
from harmtrace.analyse.mse.histories import VictimRecords, in_window, person_histories
from harmtrace.analyse.mse.result import Estimate
from harmtrace.errors import HarmtraceError, QueryError
from harmtrace.link.clusters import FORCED, connected_components, split_different
from harmtrace.link.decisions import KIND, active_decisions
from harmtrace.progress import Progress, counted, silent
from harmtrace.store import Store

if TYPE_CHECKING:
    from harmtrace.analyse.mse.estimation import EstimateOptions

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
QUANTILES: Final = (0.0, 0.025, 0.5, 0.975, 1.0)


class RunPairs:
    """The latest victims run's scored pairs and the active decisions, as record indices."""

    def __init__(self, store: Store, records: VictimRecords, floor: float) -> None:
        pairs = store.con.execute(
            "SELECT id_l, id_r, match_probability FROM link_pair WHERE run_id = ? AND kind = ? "
            "AND match_probability >= ?",
            [records.run_id, KIND, floor],
        ).fetchnumpy()
        ids = records.victim_ids
        left, right = np.asarray(pairs["id_l"], dtype=np.int64), np.asarray(pairs["id_r"], dtype=np.int64)
        known = np.isin(left, ids) & np.isin(right, ids)
        self.u = np.searchsorted(ids, left[known])
        self.v = np.searchsorted(ids, right[known])
        self.p = np.asarray(pairs["match_probability"], dtype=np.float64)[known]
        decisions = active_decisions(store)
        same = [(d.id_a, d.id_b) for d in decisions if d.verdict == "same"]
        apart = [(d.id_a, d.id_b) for d in decisions if d.verdict == "different"]
        self.same_u, self.same_v = _indices(ids, same)
        self.apart = _indices(ids, apart)

    def __len__(self) -> int:
        return int(self.p.size)


def _indices(ids: IntArray, pairs: list[tuple[int, int]]) -> tuple[IntArray, IntArray]:
    """Pairs of victim ids as record indices; pairs naming a record no longer stored are dropped."""
    array = np.array(pairs, dtype=np.int64).reshape(-1, 2)
    array = array[np.isin(array, ids).all(axis=1)]
    return np.searchsorted(ids, array[:, 0]).astype(np.int64), np.searchsorted(ids, array[:, 1]).astype(
        np.int64
    )


def draw_labels(pairs: RunPairs, records: VictimRecords, rng: np.random.Generator) -> IntArray:
    """One draw of every record's person (module docstring); -1 for records the run did not link."""
    kept = rng.random(len(pairs)) < pairs.p
    u = np.concatenate([pairs.u[kept], pairs.same_u])
    v = np.concatenate([pairs.v[kept], pairs.same_v])
    w = np.concatenate([pairs.p[kept], np.full(pairs.same_u.size, FORCED)])
    labels = connected_components(records.victim_ids.size, u, v)
    labels, _ = split_different(labels, u, v, w, pairs.apart)
    return np.where(records.person >= 0, labels, -1)


def linkage_draws(
    store: Store,
    records: VictimRecords,
    lists: tuple[int, ...],
    options: EstimateOptions,
    estimate: dict[str, Any],
    refit: Callable[[CaptureTable], Estimate],
    progress: Progress = silent,
) -> dict[str, Any]:
    """Re-estimate the total with `refit` over `options.linkage_draws` draws of the linkage; a
    JSON-ready summary. `estimate` is the total as estimated from the run's own persons; `progress`
    is told the draws done.
    """
    if records.run_id is None:
        raise QueryError("No linkage run to draw from: run harmtrace link victims first.")
    pairs = RunPairs(store, records, options.linkage_floor)
    rng = np.random.default_rng([options.seed, 7])
    observed, estimates, lows, highs, failed = [], [], [], [], 0
    for _ in counted(progress, "linkage draws", range(options.linkage_draws)):
        persons = person_histories(records, draw_labels(pairs, records, rng), lists)
        persons = persons.subset(in_window(persons, options.date_from, options.date_to))
        try:
            result = refit(CaptureTable.from_histories(persons.listed, lists=persons.lists))
        except HarmtraceError:
            failed += 1
            continue
        observed.append(len(persons))
        estimates.append(result.estimate)
        lows.append(result.interval[0])
        highs.append(result.interval[1])
    return _summary(options, len(pairs), observed, estimates, lows, highs, failed, estimate)


def _summary(
    options: EstimateOptions,
    n_pairs: int,
    observed: list[int],
    estimates: list[float],
    lows: list[float],
    highs: list[float],
    failed: int,
    estimate: dict[str, Any],
) -> dict[str, Any]:
    def quantiles(values: list[float] | list[int]) -> dict[str, float] | None:
        if not values:
            return None
        found = np.quantile(np.asarray(values, dtype=np.float64), QUANTILES)
        return {f"q{q * 100:g}": float(x) for q, x in zip(QUANTILES, found, strict=True)}

    return {
        "draws": options.linkage_draws,
        "draws_failed": failed,
        "pairs_drawn_from": n_pairs,
        "floor": options.linkage_floor,
        "observed": quantiles(observed),
        "estimate": quantiles(estimates),
        "envelope": [float(min(lows)), float(max(highs))] if lows else None,
        "estimate_without_draws": estimate["estimate"],
        "method": (
            "each scored pair of the run linked with its match probability, decisions kept, persons "
            "re-clustered by connected components, the total re-estimated"
        ),
    }
