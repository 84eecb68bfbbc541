"""LCMCR: the Gibbs sampler against an exact posterior, known truths, and its own reproducibility."""

import json

import numpy as np
import pytest
from scipy import special

from harmtrace.analyse.mse import CaptureTable, fit_lcmcr, fit_loglinear
from harmtrace.analyse.mse.lcmcr import effective_size, split_r_hat
from harmtrace.errors import QueryError
from harmtrace.simulate.captures import simulate_captures

# Cormack, Chang and Smith (2000) Table 3b, in Rcapture's histpos.t(3) order (see test_loglinear.py)
CORMACK_3B = {"111": 72, "110": 5, "101": 29, "100": 54, "011": 24, "010": 3, "001": 14}


def exact_independence_posterior(table: CaptureTable, upto: int) -> tuple[np.ndarray, np.ndarray]:
    """Posterior of N for independent lists, lambda_j ~ Beta(1, 1), p(N) proportional to 1/N: LCMCR with
    one latent class. p(N | data) is proportional to (1/N) N!/(N-n)! prod_j B(n_j + 1, N - n_j + 1)."""
    n = table.observed
    big_n = np.arange(n, upto, dtype=np.float64)
    log_post = special.gammaln(big_n) - special.gammaln(big_n - n + 1)
    for n_j in table.list_totals().values():
        log_post += special.gammaln(n_j + 1) + special.gammaln(big_n - n_j + 1) - special.gammaln(big_n + 2)
    post = np.exp(log_post - log_post.max())
    return big_n, np.cumsum(post) / post.sum()


def test_one_class_sampler_matches_the_exact_posterior() -> None:
    """With max_classes=1 the model is Bayesian M_t, whose posterior of N is known in closed form: the
    sampler's quantiles must agree within Monte Carlo error (data augmentation and the N step checked)."""
    table = CaptureTable.from_counts(CORMACK_3B)
    grid, cdf = exact_independence_posterior(table, 400)
    exact = [grid[np.searchsorted(cdf, q)] for q in (0.025, 0.5, 0.975)]
    r = fit_lcmcr(table, max_classes=1, iterations=20_000, burn_in=500, thin=5, chains=2, seed=8)
    sampled = np.quantile(r.draws, [0.025, 0.5, 0.975])
    assert sampled == pytest.approx(exact, abs=1.5)  # quantiles of ~8,000 draws spanning about 15
    assert r.estimate == pytest.approx(exact[1], abs=1)


def test_latent_classes_recover_a_heterogeneous_population() -> None:
    """Two classes (easy and hard to list) make every pair of lists positively dependent: independence
    underestimates badly, LCMCR's interval covers the truth (seeded: one fixed population)."""
    h, truth = simulate_captures(6000, lists=5, heterogeneity=[(0.3, 0.5), (0.7, 0.08)], seed=21)
    table = CaptureTable.from_histories(h)
    lcmcr = fit_lcmcr(table, iterations=3000, burn_in=1500, thin=5, chains=2, seed=3)
    independence = fit_loglinear(table, models=["[1,2,3,4,5]"])
    assert independence.interval[1] < truth["population"]
    assert lcmcr.interval[0] < truth["population"] < lcmcr.interval[1]


def test_same_seed_same_draws() -> None:
    table = CaptureTable.from_counts(CORMACK_3B)
    a = fit_lcmcr(table, iterations=200, burn_in=50, thin=2, chains=2, seed=5)
    b = fit_lcmcr(table, iterations=200, burn_in=50, thin=2, chains=2, seed=5)
    c = fit_lcmcr(table, iterations=200, burn_in=50, thin=2, chains=2, seed=6)
    np.testing.assert_array_equal(a.draws, b.draws)
    assert a.draws.shape == (2, 100) and not np.array_equal(a.draws, c.draws)
    assert (a.draws >= table.observed).all()


def test_result_reports_diagnostics_and_serialises() -> None:
    r = fit_lcmcr(
        CaptureTable.from_counts(CORMACK_3B), iterations=2000, burn_in=1000, thin=2, chains=3, seed=1
    )
    d = json.loads(json.dumps(r.as_dict()))
    assert d["method"] == "lcmcr" and d["observed"] == 201 and len(d["diagnostics"]["chains"]) == 3
    assert d["interval"][0] <= d["estimate"] <= d["interval"][1]
    assert r.diagnostics.r_hat < 1.1 and r.diagnostics.effective_sample_size > 100
    assert r.unobserved == r.estimate - 201


def test_diagnostics_on_known_chains() -> None:
    rng = np.random.default_rng(0)
    independent = rng.normal(size=(4, 1000))
    assert split_r_hat(independent) == pytest.approx(1.0, abs=0.01)
    assert effective_size(independent) == pytest.approx(4000, rel=0.15)
    shifted = independent + np.array([[0], [0], [0], [5]])
    assert split_r_hat(shifted) > 1.5
    ar = np.zeros((1, 20_000))  # AR(1) with phi = 0.9: ESS = n (1 - phi) / (1 + phi)
    for i in range(1, ar.shape[1]):
        ar[0, i] = 0.9 * ar[0, i - 1] + rng.normal()
    assert effective_size(ar) == pytest.approx(20_000 * 0.1 / 1.9, rel=0.3)


def test_one_chain_warns_that_convergence_is_unchecked() -> None:
    r = fit_lcmcr(CaptureTable.from_counts(CORMACK_3B), iterations=100, burn_in=10, thin=1, chains=1, seed=1)
    assert any("one chain" in w for w in r.warnings)


def test_bad_settings_are_listed_together() -> None:
    with pytest.raises(QueryError, match=r"max_classes = 0.*thin = 0"):
        fit_lcmcr(CaptureTable.from_counts(CORMACK_3B), max_classes=0, thin=0)


@pytest.mark.scale
def test_long_chains_converge_on_a_large_heterogeneous_population() -> None:
    """LCMCR's documented settings (K* = 10, 10,000 burn-in) with thinning 50, 4 chains, on 100,000
    people. N mixes slowly (about 1 effective draw per 1,000 iterations here), hence the long run."""
    h, truth = simulate_captures(100_000, lists=5, heterogeneity=[(0.2, 0.45), (0.8, 0.1)], seed=9)
    r = fit_lcmcr(CaptureTable.from_histories(h), iterations=50_000, thin=50, seed=2)
    assert r.interval[0] < truth["population"] < r.interval[1]
    assert r.diagnostics.r_hat < 1.05
