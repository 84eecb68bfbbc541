"""Log-linear models against published results (Rcapture's own paper-reproduction tests) and statsmodels."""

import json

import numpy as np
import pytest
import statsmodels.api as sm

from harmtrace.analyse.mse import CaptureTable, fit_loglinear
from harmtrace.analyse.mse.loglinear import design, model_name, parse_model
from harmtrace.errors import QueryError
from harmtrace.simulate.captures import simulate_captures


def histpos(counts: list[int]) -> CaptureTable:
    """A table from counts in Rcapture's `histpos.t(t)` row order: patterns from all-ones down, read as
    binary numbers with list 1 the leftmost digit (111, 110, 101, 100, 011, 010, 001 for t = 3)."""
    k = int(np.log2(len(counts) + 1))
    return CaptureTable.from_counts(
        {format(v, f"0{k}b"): c for v, c in zip(range(2**k - 1, 0, -1), counts, strict=True)}
    )


# Darroch, Fienberg, Glonek and Junker (1993), R3 data, as reanalysed by Rivest (2011) and checked in
# Rcapture's inst/tests/testPapersResults.R ("Rcapture reproduces Rivest (2011) results for the R3 data").
DARROCH_R3 = [72, 155, 7, 71, 13, 53, 43]
# Bruno et al. (1994) diabetes data, 4 lists; same Rcapture test file (Rivest 2011).
BRUNO_DIABETES = [58, 157, 18, 104, 46, 650, 12, 709, 14, 20, 7, 74, 8, 182, 10]
# Cormack, Chang and Smith (2000), Tables 3a (4 lists) and 3b (3 lists); same Rcapture test file.
CORMACK_3A = [72, 5, 29, 53, 24, 3, 12, 14, 0, 0, 0, 1, 0, 0, 2]
CORMACK_3B = [72, 5, 29, 54, 24, 3, 14]


def one(table: CaptureTable, model: str) -> tuple[float, float, float, int, tuple[float, float]]:
    r = fit_loglinear(table, models=[model])
    c = r.candidates[0]
    assert c.interval is not None and r.model == model
    return c.estimate, c.stderr, c.deviance, c.df, c.interval


def test_rivest_2011_darroch_r3() -> None:
    """Rcapture testPapersResults.R: saturated (c1+c2+c3)^2 gives abundance 1240, stderr 451;
    ~.+c1:c2+c2:c3 gives 850, stderr 186, deviance 3.8 on 1 df."""
    est, se, _, df, _ = one(histpos(DARROCH_R3), "[12,13,23]")
    assert (round(est), round(se), df) == (1240, 451, 0)
    est, se, dev, df, _ = one(histpos(DARROCH_R3), "[12,23]")
    assert (round(est), round(se), round(dev, 1), df) == (850, 186, 3.8, 1)


def test_rivest_2011_bruno_diabetes() -> None:
    """Rcapture testPapersResults.R: Bruno et al.'s model (c1+c2+c3+c4)^2 - c1:c4 gives 2771, stderr 145,
    deviance 7.62 on 5 df; Rivest's ~.+c1:c3+c2:c4+c3:c4 gives 2472, stderr 53, deviance 21.97 on 7 df."""
    est, se, dev, df, _ = one(histpos(BRUNO_DIABETES), "[12,13,23,24,34]")
    assert (round(est), round(se), round(dev, 2), df) == (2771, 145, 7.62, 5)
    est, se, dev, df, _ = one(histpos(BRUNO_DIABETES), "[13,24,34]")
    assert (round(est), round(se), round(dev, 2), df) == (2472, 53, 21.97, 7)


def test_cormack_chang_smith_2000_profile_intervals() -> None:
    """Rcapture testPapersResults.R, Table 3b: Mt gives 209, deviance 75.1 on 3 df, profile interval
    203-217; ~.+c2:c3 deviance 1.2 on 2 df, lower bound 210; ~.+c1:c3+c2:c3 gives 233, lower bound 204."""
    est, _, dev, df, (lo, hi) = one(histpos(CORMACK_3B), "[1,2,3]")
    assert (round(est), round(dev, 1), df, round(lo), round(hi)) == (209, 75.1, 3, 203, 217)
    _, _, dev, df, (lo, _) = one(histpos(CORMACK_3B), "[1,23]")
    assert (round(dev, 1), df, round(lo)) == (1.2, 2, 210)
    est, _, _, df, (lo, _) = one(histpos(CORMACK_3B), "[13,23]")
    assert (round(est), df, round(lo)) == (233, 1, 204)


def test_cormack_chang_smith_2000_four_lists() -> None:
    """Table 3a: Mt gives 215, deviance 87.1 on 10 df; ~.+c1:c2+c1:c3+c3:c4 gives 218, deviance 2.6 on
    7 df; all pairs, whose abundance Rcapture reports as over a million, is left out with a warning."""
    est, _, dev, df, _ = one(histpos(CORMACK_3A), "[1,2,3,4]")
    assert (round(est), round(dev, 1), df) == (215, 87.1, 10)
    est, _, dev, df, _ = one(histpos(CORMACK_3A), "[12,13,34]")
    assert (round(est), round(dev, 1), df) == (218, 2.6, 7)
    r = fit_loglinear(histpos(CORMACK_3A), models=["[12,13,14,23,24,34]", "[1,2,3,4]"])
    assert [c.name for c in r.candidates] == ["[1,2,3,4]"]
    assert any("[12,13,14,23,24,34]" in w for w in r.warnings)


def test_fit_agrees_with_statsmodels_poisson_glm() -> None:
    t = histpos(BRUNO_DIABETES)
    pairs = parse_model("[13,24,34]", 4)
    glm = sm.GLM(t.observed_counts(), design(4, pairs), family=sm.families.Poisson()).fit()
    c = fit_loglinear(t, models=[pairs]).candidates[0]
    assert c.deviance == pytest.approx(glm.deviance, rel=1e-8)
    assert c.estimate == pytest.approx(t.observed + np.exp(glm.params[0]), rel=1e-8)
    assert c.aic == pytest.approx(glm.aic, rel=1e-8)  # statsmodels' AIC is -2 llf + 2 p too


def test_selection_ranks_every_pairwise_model_by_criterion() -> None:
    t = histpos(CORMACK_3B)
    for criterion in ("aic", "bic"):
        r = fit_loglinear(t, criterion=criterion)  # type: ignore[arg-type]
        scores = [getattr(c, criterion) for c in r.candidates]
        assert len(r.candidates) == 8 and scores == sorted(scores)
        assert r.model == r.candidates[0].name and r.estimate == r.candidates[0].estimate
        assert all(c.interval is not None for c in r.candidates[:5])
        assert all(c.interval is None for c in r.candidates[5:])
    assert fit_loglinear(t, criterion="aic").model == "[1,23]"  # lowest AIC: 1.2 deviance on 2 df
    json.dumps(fit_loglinear(t).as_dict())


def test_model_names_follow_rcapture() -> None:
    assert model_name([], 3) == "[1,2,3]"
    assert model_name([(1, 2)], 3) == "[1,23]"
    assert model_name([(0, 2), (0, 1)], 4) == "[12,13,4]"
    assert parse_model("[12,3]", 3) == ((0, 1),)
    with pytest.raises(QueryError, match="outside"):
        parse_model("[15]", 3)


def test_stepwise_beyond_five_lists_finds_the_dependent_pair() -> None:
    h, truth = simulate_captures(20_000, lists=6, capture_probs=0.25, dependence={(1, 4): 6.0}, seed=3)
    r = fit_loglinear(CaptureTable.from_histories(h), criterion="bic")
    assert "25" in r.model.strip("[]").split(",")
    assert r.interval[0] < truth["population"] < r.interval[1]
    assert len(r.candidates) < 2**15  # a search, not every model


def test_bootstrap_interval_is_seeded_and_near_the_profile() -> None:
    t = histpos(DARROCH_R3)
    a = fit_loglinear(t, models=["[12,23]"], interval="bootstrap", bootstrap_samples=300, seed=4)
    b = fit_loglinear(t, models=["[12,23]"], interval="bootstrap", bootstrap_samples=300, seed=4)
    profile = fit_loglinear(t, models=["[12,23]"])
    assert a.interval == b.interval and a.interval_method == "bootstrap"
    assert a.interval[0] < a.estimate < a.interval[1]
    assert a.interval[0] == pytest.approx(profile.interval[0], rel=0.15)


def test_saturated_and_weak_overlap_warn() -> None:
    r = fit_loglinear(histpos(DARROCH_R3), models=["[12,13,23]"])
    assert any("saturated" in w for w in r.warnings)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"criterion": "cic"}, "criterion"), ({"interval": "wald"}, "interval"), ({"level": 95}, "level")],
)
def test_bad_options_are_refused(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(QueryError, match=message):
        fit_loglinear(histpos(DARROCH_R3), **kwargs)  # type: ignore[arg-type]


def test_two_lists_give_lincoln_petersen() -> None:
    """With 2 lists only independence is identified: N = n1 n2 / m (Lincoln-Petersen)."""
    r = fit_loglinear(CaptureTable.from_counts({"10": 60, "01": 40, "11": 20}))
    assert r.model == "[1,2]" and [c.name for c in r.candidates] == ["[1,2]"]
    assert r.estimate == pytest.approx(80 * 60 / 20)
