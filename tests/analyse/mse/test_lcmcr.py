"""LCMCR: the Gibbs sampler against an exact posterior, known truths, the numpy reference sampler, and
its own reproducibility; the doubling of chains until they converge."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from numba import njit
from scipy import special, stats

from harmtrace.analyse.mse import CaptureTable, LcmcrResult, fit_lcmcr, fit_loglinear
from harmtrace.analyse.mse import lcmcr_compiled as compiled
from harmtrace.analyse.mse.lcmcr import effective_size, numba_cache_dir, split_r_hat
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


@pytest.mark.parametrize("engine", ["compiled", "numpy"])
def test_one_class_sampler_matches_the_exact_posterior(engine: str) -> None:
    """With max_classes=1 the model is Bayesian M_t, whose posterior of N is known in closed form: the
    sampler's quantiles must agree within Monte Carlo error (data augmentation and the N step checked)."""
    table = CaptureTable.from_counts(CORMACK_3B)
    grid, cdf = exact_independence_posterior(table, 400)
    exact = [grid[np.searchsorted(cdf, q)] for q in (0.025, 0.5, 0.975)]
    r = fit_lcmcr(
        table, max_classes=1, iterations=20_000, burn_in=500, thin=5, chains=2, seed=8, engine=engine
    )
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


@pytest.mark.parametrize("engine", ["compiled", "numpy"])
def test_same_seed_same_draws(engine: str) -> None:
    """The seed fixes every draw, the compiled sampler's (numba's own random state) included, through
    every doubling round."""
    table = CaptureTable.from_counts(CORMACK_3B)
    a, b, c = (fit_lcmcr(table, iterations=200, burn_in=50, thin=2, chains=2, seed=seed, engine=engine)
               for seed in (5, 5, 6))  # fmt: skip
    np.testing.assert_array_equal(a.draws, b.draws)
    assert a.draws.shape == (2, 100) and not np.array_equal(a.draws, c.draws)
    assert (a.draws >= table.observed).all()
    assert a.diagnostics.converged and a.diagnostics.rounds > 1  # 200 iterations are too few: doubled


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
    assert not r.diagnostics.converged and r.diagnostics.rounds == 1  # nothing to compare: no doubling


def test_bad_settings_are_listed_together() -> None:
    with pytest.raises(QueryError, match=r"max_classes = 0.*thin = 0"):
        fit_lcmcr(CaptureTable.from_counts(CORMACK_3B), max_classes=0, thin=0)
    with pytest.raises(
        QueryError, match=r"engine = 'fortran' is not one of compiled, numpy; max_seconds = -1"
    ):
        fit_lcmcr(CaptureTable.from_counts(CORMACK_3B), engine="fortran", max_seconds=-1)
    with pytest.raises(QueryError, match=r"max_seconds = nan must be 0 \(no doubling\) or more"):
        fit_lcmcr(CaptureTable.from_counts(CORMACK_3B), max_seconds=float("nan"))


# ---------------------------------------------------------------------------------------------------
# The compiled sampler against the numpy reference: same posterior of N within Monte Carlo error


def agreement_tables() -> dict[str, CaptureTable]:
    """Three small tables: Cormack's 3 lists, the module docstring's, and 4 heterogeneous lists."""
    h, _ = simulate_captures(1500, lists=4, heterogeneity=[(0.3, 0.5), (0.7, 0.1)], seed=11)
    doc = {"110": 30, "101": 30, "011": 30, "100": 60, "010": 60, "001": 60, "111": 15}
    return {"cormack": CaptureTable.from_counts(CORMACK_3B), "docstring": CaptureTable.from_counts(doc),
            "heterogeneous": CaptureTable.from_histories(h)}  # fmt: skip


QUANTILES = (0.025, 0.5, 0.975)


def quantile_error(r: LcmcrResult, q: float, spread: float = 0.02) -> float:
    """Monte Carlo standard error of the q-quantile of N: sqrt(q (1 - q) / ESS) / density, the density
    read from the quantiles ``spread`` either side."""
    below, above = max(q - spread, 0.005), min(q + spread, 0.995)
    inverse_density = float(np.diff(np.quantile(r.draws, [below, above]))[0]) / (above - below)
    return float(np.sqrt(q * (1 - q) / r.diagnostics.effective_sample_size) * inverse_density)


@pytest.mark.parametrize("name", ["cormack", "docstring", "heterogeneous"])
def test_compiled_sampler_agrees_with_the_numpy_reference(name: str) -> None:
    """Median and 2.5%/97.5% quantiles of N from the compiled sampler (three seeds) lie within 4 Monte
    Carlo standard errors (from each run's effective sample size, the two runs' combined, plus 1 for N
    being whole) of the numpy reference's."""
    table = agreement_tables()[name]
    reference = fit_lcmcr(table, iterations=6000, burn_in=1000, thin=5, chains=4, seed=1, engine="numpy",
                          max_seconds=0)  # fmt: skip
    assert reference.diagnostics.converged
    for seed in (1, 2, 3):
        r = fit_lcmcr(table, iterations=60_000, burn_in=1000, thin=50, chains=4, seed=seed, max_seconds=0)
        for q in QUANTILES:
            tolerance = 4 * np.hypot(quantile_error(reference, q), quantile_error(r, q)) + 1
            gap = abs(np.quantile(r.draws, q) - np.quantile(reference.draws, q))
            assert gap < tolerance, (name, seed, q, gap, tolerance)


@njit
def beta_draws(a: float, b: float, n: int, seed: int) -> np.ndarray:
    np.random.seed(seed)
    return np.array([compiled.beta(a, b) for _ in range(n)])


@njit
def binomial_draws(trials: int, p: float, n: int, seed: int) -> np.ndarray:
    np.random.seed(seed)
    return np.array([compiled.binomial(trials, p) for _ in range(n)])


@pytest.mark.parametrize("a, b", [(1.0, 1.0), (1.0, 40.0), (25.0, 1.0), (1.5, 1.2), (3.0, 900.0), (0.4, 6.0)])
def test_compiled_beta_draws_follow_the_beta_distribution(a: float, b: float) -> None:
    """The sampler's own Beta draws (inversion, Cheng's BB, numba's): Kolmogorov-Smirnov, seeded."""
    assert stats.kstest(beta_draws(a, b, 20_000, 1), stats.beta(a, b).cdf).pvalue > 0.001


@pytest.mark.parametrize("trials, p", [(600, 0.002), (600, 0.04), (40, 0.6), (7, 0.97), (5000, 0.3)])
def test_compiled_binomial_draws_follow_the_binomial_distribution(trials: int, p: float) -> None:
    """The sampler's own inversion (and numba's BTPE beyond a mean of 30): chi-square on the cells the
    exact pmf expects 5 or more draws in, the rest pooled."""
    draws = binomial_draws(trials, p, 20_000, 2)
    values = np.arange(trials + 1)
    expected = stats.binom(trials, p).pmf(values) * len(draws)
    observed = np.bincount(draws, minlength=trials + 1)
    big = expected >= 5
    cells_seen = np.append(observed[big], observed[~big].sum())
    cells_expected = np.append(expected[big], expected[~big].sum())
    assert stats.chisquare(cells_seen, cells_expected * len(draws) / cells_expected.sum()).pvalue > 0.001


# ---------------------------------------------------------------------------------------------------
# Doubling until converged, within a time limit


def hard_table() -> CaptureTable:
    """4 lists, strong heterogeneity and a dependent pair: N mixes slowly."""
    h, _ = simulate_captures(10_000, lists=4, heterogeneity=[(0.1, 0.7), (0.3, 0.3), (0.6, 0.05)],
                             dependence={(1, 2): 4.0}, seed=5)  # fmt: skip
    return CaptureTable.from_histories(h)


def test_chains_double_until_they_converge_and_stop_there() -> None:
    """The first round alone (max_seconds=0, same seed: the same draws) has not converged; with time the
    chains double, thinning doubling with them, and stop at the first round that converged."""
    table = hard_table()
    first = fit_lcmcr(table, iterations=2000, burn_in=2000, thin=10, seed=4, max_seconds=0)
    r = fit_lcmcr(table, iterations=2000, burn_in=2000, thin=10, seed=4, max_seconds=600)
    assert not first.diagnostics.converged and first.diagnostics.time_limited
    d = r.diagnostics
    assert d.converged and not d.time_limited and d.r_hat < 1.05 and d.effective_sample_size >= 100
    assert d.rounds >= 2 and (d.iterations, d.thin) == (2000 * 2 ** (d.rounds - 1), 10 * 2 ** (d.rounds - 1))
    assert r.draws.shape == first.draws.shape == (4, 200)
    assert not any("disagree" in w or "time limit" in w for w in r.warnings)


def test_a_tiny_time_limit_reports_not_converged() -> None:
    r = fit_lcmcr(hard_table(), iterations=500, burn_in=500, thin=5, seed=1, max_seconds=1e-6)
    d = r.diagnostics
    assert not d.converged and d.time_limited and d.rounds == 1 and d.iterations == 500
    assert any("time limit stopped sampling (max_seconds 1e-06; 500 iterations" in w for w in r.warnings)
    assert r.as_dict()["diagnostics"]["time_limited"] is True


def test_numba_is_imported_only_when_a_chain_runs() -> None:
    """The CLI and the estimators import without numba (start-up time); it comes with the first chain."""
    code = (
        "import sys, harmtrace.cli, harmtrace.analyse.mse.estimation\n"
        "assert 'numba' not in sys.modules\n"
        "from harmtrace.analyse.mse import CaptureTable, fit_lcmcr\n"
        "table = CaptureTable.from_counts({'110': 3, '011': 4, '111': 2, '100': 5})\n"
        "fit_lcmcr(table, iterations=10, thin=1, burn_in=0, max_seconds=0)\n"
        "assert 'numba' in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_numba_cache_goes_to_the_user_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Where __pycache__ beside the module is not writable: $XDG_CACHE_HOME/harmtrace/numba, made."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert numba_cache_dir() == tmp_path / "harmtrace" / "numba" and numba_cache_dir().is_dir()


@pytest.mark.scale
def test_long_chains_converge_on_a_large_heterogeneous_population() -> None:
    """LCMCR's documented settings (K* = 10, 10,000 burn-in) with thinning 50, 4 chains, on 100,000
    people. N mixes slowly (about 1 effective draw per 1,000 iterations here), hence the long run."""
    h, truth = simulate_captures(100_000, lists=5, heterogeneity=[(0.2, 0.45), (0.8, 0.1)], seed=9)
    r = fit_lcmcr(CaptureTable.from_histories(h), iterations=50_000, thin=50, seed=2)
    assert r.interval[0] < truth["population"] < r.interval[1]
    assert r.diagnostics.r_hat < 1.05
