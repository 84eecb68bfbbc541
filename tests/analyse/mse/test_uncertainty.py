"""Linkage draws: pairs linked with their probability, analyst decisions held in every draw.

Six invented records of two lists (no names needed): 1-2 linked at 1.0, 3-4 at 0.5, 5-6 never
scored. Decisions: 1 and 2 are different people (whatever the model says), 5 and 6 the same.
"""

from __future__ import annotations

import numpy as np
import pytest

from harmtrace.analyse.mse.estimation import EstimateOptions, estimate_store
from harmtrace.analyse.mse.histories import read_records
from harmtrace.analyse.mse.uncertainty import RunPairs, draw_labels
from harmtrace.link.clusters import cluster_records
from harmtrace.link.decisions import record_decision
from harmtrace.link.identity import assign_persons
from harmtrace.store import Store
from tests.link.victim_rows import add_records, add_run, add_sources


def linked(store: Store, decide: bool) -> None:
    add_sources(store, "list_a", "list_b")
    add_records(store, [{"victim_id": i, "source_id": 1 + (i + 1) % 2} for i in range(1, 7)])
    if decide:
        record_decision(store, "different", 1, 2, "different fathers", author="test")
        record_decision(store, "same", 5, 6, "same family book", author="test")
    run = add_run(store, [(1, 2, 1.0), (3, 4, 0.5)])
    clusters = cluster_records(store, run, 0.9)
    assign_persons(store, run, clusters.representative_of(), clusters.probability_of())


def together(labels: np.ndarray, a: int, b: int) -> bool:
    return bool(labels[a - 1] == labels[b - 1])


def test_pairs_are_linked_with_their_probability(store: Store) -> None:
    linked(store, decide=False)
    records = read_records(store)
    pairs = RunPairs(store, records, floor=0.0)
    rng = np.random.default_rng(1)
    draws = [draw_labels(pairs, records, rng) for _ in range(400)]
    assert all(together(d, 1, 2) for d in draws), "a pair at 1.0 is linked in every draw"
    share = np.mean([together(d, 3, 4) for d in draws])
    assert 0.42 < share < 0.58, f"a pair at 0.5 is linked in about half the draws, got {share}"
    assert not any(together(d, 5, 6) for d in draws), "a pair never scored is never linked"
    assert len(RunPairs(store, records, floor=0.9)) == 1, "the floor keeps only the stronger pairs"


def test_decisions_hold_in_every_draw(store: Store) -> None:
    linked(store, decide=True)
    records = read_records(store)
    pairs = RunPairs(store, records, floor=0.0)
    rng = np.random.default_rng(2)
    for _ in range(50):
        labels = draw_labels(pairs, records, rng)
        assert not together(labels, 1, 2), "'different' beats a link at 1.0"
        assert together(labels, 5, 6), "'same' links a pair the model never scored"


def test_estimate_reports_the_spread_of_the_draws(store: Store) -> None:
    """Two lists of 200 invented persons, 120 on both; half the links at 0.6, half at 1.0."""
    add_sources(store, "list_a", "list_b")
    rows, pairs = [], []
    for person in range(200):
        a, b = 2 * person + 1, 2 * person + 2
        on_a, on_b = person < 160, person >= 40
        rows += [
            {"victim_id": a, "source_id": 1 if on_a else 2},
            {"victim_id": b, "source_id": 2 if on_b else 1},
        ]
        if on_a and on_b:
            pairs.append((a, b, 0.6 if person % 2 else 1.0))
        else:  # listed once: its two records are one record twice in one list, linked for sure
            pairs.append((a, b, 1.0))
    add_records(store, rows)
    run = add_run(store, pairs)
    clusters = cluster_records(store, run, 0.5)
    assign_persons(store, run, clusters.representative_of(), clusters.probability_of())
    result = estimate_store(store, EstimateOptions(linkage_draws=8, seed=3))
    draws = result["linkage"]
    assert result["total"]["observed"] == 200
    assert result["total"]["estimate"] == pytest.approx(160 * 160 / 120)
    assert draws["draws"] == 8 and draws["draws_failed"] == 0
    # unlinked 0.6 pairs split a person into one on each list: fewer overlaps, more persons, higher N
    assert 200 < draws["observed"]["q50"] < 260
    assert draws["estimate"]["q50"] > result["total"]["estimate"]
    assert (
        draws["estimate"]["q0"]
        <= draws["estimate"]["q2.5"]
        <= draws["estimate"]["q97.5"]
        <= draws["estimate"]["q100"]
    )
