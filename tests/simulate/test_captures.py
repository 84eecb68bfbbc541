"""Simulated capture histories: known size, dependence and heterogeneity."""

import numpy as np
import pytest

from harmtrace.analyse.mse import CaptureTable
from harmtrace.errors import QueryError
from harmtrace.simulate.captures import simulate_captures


def test_truth_accounts_for_everyone_and_seed_repeats() -> None:
    h, truth = simulate_captures(5000, lists=4, capture_probs=[0.2, 0.3, 0.4, 0.5], seed=11)
    assert h.shape == (truth["observed"], 4) and h.any(axis=1).all()
    assert truth["observed"] + truth["unobserved"] == truth["population"] == 5000
    # independent lists: P(on at least one) = 1 - 0.8 * 0.7 * 0.6 * 0.5 = 0.832
    assert abs(truth["observed"] / 5000 - 0.832) < 0.02
    again, _ = simulate_captures(5000, lists=4, capture_probs=[0.2, 0.3, 0.4, 0.5], seed=11)
    np.testing.assert_array_equal(h, again)


def test_dependence_moves_the_overlap_by_its_odds_ratio() -> None:
    n = 200_000
    for ratio in (4.0, 0.25):
        h, _ = simulate_captures(n, lists=3, capture_probs=0.3, dependence={(0, 1): ratio}, seed=5)
        both = CaptureTable.from_histories(h).pairwise_overlaps()[("1", "2")]
        on_a = int(h[:, 0].sum())
        p_b_given_a = both / on_a
        odds = p_b_given_a / (1 - p_b_given_a)
        assert odds == pytest.approx(ratio * 0.3 / 0.7, rel=0.05)


def test_heterogeneity_classes_have_their_weights() -> None:
    _, truth = simulate_captures(
        10_000, lists=3, heterogeneity=[(0.25, 0.6), (0.75, [0.05, 0.1, 0.1])], seed=2
    )
    assert abs(truth["class_sizes"][0] / 10_000 - 0.25) < 0.02
    assert truth["classes"][1]["capture_probs"] == [0.05, 0.1, 0.1]


@pytest.mark.parametrize(
    "kwargs",
    [{"lists": 1}, {"capture_probs": 1.0}, {"dependence": {(1, 0): 2.0}}, {"dependence": {(0, 1): 0.0}},
     {"heterogeneity": [(0.0, 0.5)]}],
)  # fmt: skip
def test_bad_settings_are_refused(kwargs: dict[str, object]) -> None:
    with pytest.raises(QueryError):
        simulate_captures(100, **kwargs)  # type: ignore[arg-type]
