"""The engine's trained model: serialisable, its m floors, the calibrated prior."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from harmtrace.errors import QueryError
from harmtrace.link.engine import TrainedModel, calibrated_prior, floor_m, shift_weights
from harmtrace.link.spec import BlockingRule, LinkageSpec
from harmtrace.link.victim_model import ARABIC, PLAIN


@pytest.mark.parametrize("spec", [ARABIC, PLAIN], ids=["arabic", "plain"])
def test_a_specification_survives_json(spec: LinkageSpec) -> None:
    assert LinkageSpec.from_dict(json.loads(json.dumps(spec.to_dict()))) == spec
    model = TrainedModel(spec, {"probability_two_random_records_match": 0.001, "comparisons": []})
    assert TrainedModel.from_json(model.to_json()) == model


def test_a_model_of_another_format_is_refused() -> None:
    with pytest.raises(QueryError, match="format"):
        TrainedModel.from_json(json.dumps({"format": 99, "spec": {}, "splink": {}}))


def test_blocking_rules_are_equalities_on_l_and_r_with_an_optional_condition() -> None:
    assert BlockingRule(("a", "b")).sql() == "l.a = r.a AND l.b = r.b"
    rule = BlockingRule(("a",), "l.d IS NULL OR r.d IS NULL")
    assert rule.sql() == "l.a = r.a AND (l.d IS NULL OR r.d IS NULL)"


def _model(levels: list[float | None], name: str = "status") -> dict[str, object]:
    return {
        "comparisons": [
            {"output_column_name": name, "comparison_levels": [{"m_probability": m} for m in levels]},
        ]
    }


def test_m_floors_lift_small_probabilities_and_keep_the_sum() -> None:
    floored = floor_m(_model([None, 0.999, 1e-40, 0.001]), {"status": 0.03})
    ms = [lv["m_probability"] for lv in floored["comparisons"][0]["comparison_levels"]]  # type: ignore[index]
    assert ms[0] is None
    assert ms[2] == 0.03 and ms[3] == 0.03
    assert sum(ms[1:]) == pytest.approx(1.0)


def test_a_level_em_never_saw_among_matches_gets_the_floor() -> None:
    pairs = [(0.9, 0.01), (None, 0.02), (0.1, 0.97), (None, None)]
    levels_in = [{"m_probability": m, "u_probability": u} for m, u in pairs]
    model = {"comparisons": [{"output_column_name": "family", "comparison_levels": levels_in}]}
    levels = floor_m(model, {"family": 0.001})["comparisons"][0]["comparison_levels"]
    assert levels[1]["m_probability"] == 0.001
    assert levels[3]["m_probability"] is None  # never seen at all: its weight never counts
    assert sum(lv["m_probability"] for lv in levels[:3]) == pytest.approx(1.0)


def test_m_floors_leave_other_comparisons_and_fixed_levels_alone() -> None:
    model = _model([0.9, 1e-9], name="given")
    assert floor_m(model, {"status": 0.03}) == model
    fixed = {"comparisons": [{"output_column_name": "status", "comparison_levels": [
        {"m_probability": 1e-18, "fix_m_probability": True}, {"m_probability": 1.0}]}]}  # fmt: skip
    assert floor_m(fixed, {"status": 0.03}) == fixed


def test_the_calibrated_prior_is_the_share_of_expected_matches() -> None:
    # 100 pairs certain to match, 1,000 certain not to, among 1,000,000 pairs: the prior is 1e-4
    weights = np.array([40.0] * 100 + [-40.0] * 1000)
    assert calibrated_prior(weights, 1e-6, 1e6) == pytest.approx(1e-4, rel=1e-3)


def test_the_calibrated_prior_is_a_fixed_point_of_the_em_update() -> None:
    rng = np.random.default_rng(1)
    weights = rng.normal(0.0, 8.0, 5000)
    prior, total = 1e-4, 5e7
    calibrated = calibrated_prior(weights, prior, total)
    shifted = shift_weights(weights, prior, calibrated)
    expected = float((1 / (1 + np.exp2(-shifted))).sum())
    assert expected / total == pytest.approx(calibrated, rel=1e-5)


def test_shifting_weights_between_priors_adds_the_log_odds_difference() -> None:
    shifted = shift_weights(np.array([0.0, 3.0]), 0.5, 0.2)
    assert shifted.tolist() == pytest.approx([math.log2(0.25), 3 + math.log2(0.25)])


def test_no_pairs_keep_the_prior() -> None:
    assert calibrated_prior(np.array([]), 0.01, 100.0) == 0.01
