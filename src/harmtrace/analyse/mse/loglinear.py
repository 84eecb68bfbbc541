"""Log-linear models for K lists (Fienberg 1972; Cormack 1989; Rcapture's closedpCI.t and closedpMS.t).

The 2^K - 1 observed cell counts are Poisson with log mean

    log mu(x) = b0 + sum_k b_k x_k + sum_{(a, b) in model} g_ab x_a x_b

for pattern x in {0, 1}^K. The unobserved cell (x = 0) has mean exp(b0): the estimate of the total is
N = n + exp(b0), n the people observed. A pairwise term g_ab lets lists a and b depend on each other
(positively when a person on a is likelier to be on b); a model without it assumes they are
independent given the other lists. No model can include the K-way interaction: it is not identified.

Models are named as Rcapture names them: "[1,2,3]" independence, "[12,3]" lists 1 and 2 dependent,
"[12,13,23]" every pair (lists numbered from 1 in table order). With K <= 5 lists every combination of
pairwise terms is fitted (2^(K(K-1)/2) models: 1,024 for 5 lists); with more, a stepwise search
(forward from independence, then backward) by the criterion.

Intervals:
- ``profile``: Cormack (1992) / Rcapture `closedpCI.t`: N values whose multinomial profile
  log-likelihood is within chi2_1(level)/2 of its maximum. The lower bound is n when the likelihood at
  n is already inside. Rcapture approximates the factorial term by Stirling's formula and scans integer
  N; here it is exact (log-gamma) and the bounds are solved for, so they agree to rounding.
- ``bootstrap``: parametric bootstrap of the chosen model (multinomial draws of the fitted N over the
  2^K cells, refitted): percentile interval. It does not redo model selection, so it shares the
  profile interval's blindness to model uncertainty.

The fits use iteratively reweighted least squares in numpy (the tests check them against statsmodels'
Poisson GLM); AIC = -2 logL + 2p and BIC = -2 logL + log(n) p with the Poisson log-likelihood and p
parameters, as Rcapture reports them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import chain, combinations
from typing import Any, Final, Literal

import numpy as np
import numpy.typing as npt
from scipy import optimize, special, stats

from harmtrace.analyse.mse.captures import CaptureTable, pattern_matrix
from harmtrace.analyse.mse.result import Estimate
from harmtrace.errors import QueryError

Criterion = Literal["aic", "bic"]
IntervalMethod = Literal["profile", "bootstrap"]
Pair = tuple[int, int]
Floats = npt.NDArray[np.float64]

EXHAUSTIVE_MAX_LISTS: Final = 5
UNBOUNDED_RATIO: Final = 1e4  # an upper bound beyond 10,000 times the observed count is reported as inf
DIVERGED_RATIO: Final = 1e7  # an estimate beyond this multiple of n is a fit running to the boundary


@dataclass(frozen=True)
class Candidate:
    """One fitted log-linear model: its fit, its estimate, and (for the best few) its interval."""

    name: str
    pairs: tuple[Pair, ...]
    df: int
    deviance: float
    aic: float
    bic: float
    estimate: float
    stderr: float
    interval: tuple[float, float] | None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "model": self.name,
            "df": self.df,
            "deviance": self.deviance,
            "aic": self.aic,
            "bic": self.bic,
            "estimate": self.estimate,
            "stderr": self.stderr,
            "interval": None if self.interval is None else list(self.interval),
        }


@dataclass(frozen=True)
class LoglinearResult(Estimate):
    """The chosen model's estimate and interval, with every candidate ranked by the criterion."""

    model: str
    criterion: str
    interval_method: str
    stderr: float
    candidates: tuple[Candidate, ...]

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready, candidates in rank order."""
        return super().as_dict() | {
            "model": self.model,
            "criterion": self.criterion,
            "interval_method": self.interval_method,
            "stderr": self.stderr,
            "candidates": [c.as_dict() for c in self.candidates],
        }


@dataclass(frozen=True)
class PoissonFit:
    """A converged Poisson log-linear fit on the observed cells."""

    beta: Floats
    mu: Floats
    deviance: float
    loglik: float
    cov_b0: float


def fit_loglinear(
    table: CaptureTable,
    criterion: Criterion = "aic",
    models: Iterable[str | Sequence[Pair]] | None = None,
    interval: IntervalMethod = "profile",
    level: float = 0.95,
    *,
    intervals_for: int = 5,
    bootstrap_samples: int = 999,
    seed: int | None = None,
) -> LoglinearResult:
    """Fit log-linear models to a capture table and estimate the total from the best by ``criterion``.

    ``models``: restrict to these (Rcapture names like "[12,3]", or sequences of 0-based list index
    pairs); default every pairwise model (stepwise beyond 5 lists). Intervals are computed for the
    ``intervals_for`` best candidates (at least the chosen one); the others have ``interval`` None.

    >>> t = CaptureTable.from_counts({"111": 72, "110": 155, "101": 7, "100": 71, "011": 13,
    ...                               "010": 53, "001": 43})
    >>> r = fit_loglinear(t, models=["[12,23]"])
    >>> round(r.estimate), round(r.stderr), r.model
    (850, 186, '[12,23]')
    """
    check_options(table, criterion, interval, level)
    specs = None if models is None else [parse_model(m, table.k) for m in models]
    fitted, dropped = fit_candidates(table, specs, criterion)
    if not fitted:
        raise QueryError(
            "log-linear: no model could be fitted (more parameters than cells, or every fit diverged on "
            "empty cells): ask for simpler models; see docs/estimation.md."
        )
    fitted.sort(key=lambda c: c.aic if criterion == "aic" else c.bic)
    rng = np.random.default_rng(seed)
    ranked = tuple(
        with_interval(table, c, interval, level, bootstrap_samples, rng) if i < max(intervals_for, 1) else c
        for i, c in enumerate(fitted)
    )
    best = ranked[0]
    assert best.interval is not None
    return LoglinearResult(
        method="loglinear",
        lists=table.lists,
        observed=table.observed,
        estimate=best.estimate,
        interval=best.interval,
        level=level,
        warnings=tuple(loglinear_warnings(table, best, dropped)),
        model=best.name,
        criterion=criterion,
        interval_method=interval,
        stderr=best.stderr,
        candidates=ranked,
    )


def check_options(table: CaptureTable, criterion: str, interval: str, level: float) -> None:
    """Reject impossible options before fitting anything."""
    if criterion not in ("aic", "bic"):
        raise QueryError(f"log-linear: criterion {criterion!r} unknown; use 'aic' or 'bic'.")
    if interval not in ("profile", "bootstrap"):
        raise QueryError(f"log-linear: interval {interval!r} unknown; use 'profile' or 'bootstrap'.")
    if not 0 < level < 1:
        raise QueryError(f"log-linear: level {level} must lie strictly between 0 and 1 (e.g. 0.95).")
    if table.observed == 0:
        raise QueryError("log-linear: the capture table is empty; nobody is on any list.")


def all_pairs(k: int) -> list[Pair]:
    """Every pair of lists (a < b), in Rcapture's order: 12, 13, ..., 23, ..."""
    return list(combinations(range(k), 2))


def model_name(pairs: Iterable[Pair], k: int) -> str:
    """Rcapture's name: terms in list order, 1-based: "[12,13]", "[1,23]", "[1,2,3]"."""
    chosen = sorted(pairs)
    alone = sorted(set(range(k)) - set(chain.from_iterable(chosen)))
    terms = sorted([(a,) for a in alone] + [(a, b) for a, b in chosen])
    return "[" + ",".join("".join(str(i + 1) for i in term) for term in terms) + "]"


def parse_model(model: str | Sequence[Pair], k: int) -> tuple[Pair, ...]:
    """Pairs of a model given by Rcapture name ("[12,3]") or as index pairs; checked against K."""
    if isinstance(model, str):
        terms = re.findall(r"\d+", model)
        if k > 9 or not model.strip().startswith("[") or any(len(t) > 2 for t in terms):
            raise QueryError(
                f"log-linear: model {model!r} not understood; write pairwise terms like '[12,3]'."
            )
        pairs = [(int(t[0]) - 1, int(t[1]) - 1) for t in terms if len(t) == 2]
    else:
        pairs = [(int(a), int(b)) for a, b in model]
    clean = tuple(sorted({(min(a, b), max(a, b)) for a, b in pairs}))
    if any(a == b or a < 0 or b >= k for a, b in clean):
        raise QueryError(f"log-linear: model {model!r} names lists outside 1..{k} or a list with itself.")
    return clean


def design(k: int, pairs: Sequence[Pair], with_unobserved: bool = False) -> Floats:
    """Model matrix: intercept, K main effects, one column per pair; rows are patterns 1..2^K-1
    (pattern 0, all zeros but the intercept, first when ``with_unobserved``)."""
    x = pattern_matrix(k).astype(np.float64)
    cols = [np.ones(len(x)), *x.T, *(x[:, a] * x[:, b] for a, b in pairs)]
    full = np.column_stack(cols)
    return full if with_unobserved else full[1:]


def poisson_irls(x: Floats, y: Floats, beta: Floats | None = None, max_iter: int = 100) -> Floats | None:
    """Poisson GLM (log link) coefficients by Newton-Raphson with step halving; None when it diverges."""
    if beta is None:
        beta = np.linalg.lstsq(x, np.log(y + 0.5), rcond=None)[0]
    llf = poisson_loglik(y, np.exp(x @ beta))
    for _ in range(max_iter):
        mu = np.exp(np.minimum(x @ beta, 700.0))
        step = np.linalg.lstsq(x.T @ (x * mu[:, None]), x.T @ (y - mu), rcond=None)[0]
        for _ in range(30):  # halve until the likelihood does not fall: Newton can overshoot near zeros
            new = beta + step
            new_llf = poisson_loglik(y, np.exp(np.minimum(x @ new, 700.0)))
            if new_llf >= llf - 1e-12:
                break
            step = step / 2
        converged = abs(new_llf - llf) < 1e-10 * (1 + abs(llf)) and np.abs(step).max() < 1e-7
        beta, llf = new, new_llf
        if not np.isfinite(beta).all():
            return None
        if converged:
            return beta
    return beta if np.abs(step).max() < 1e-4 else None


def poisson_loglik(y: Floats, mu: Floats) -> float:
    """Poisson log-likelihood sum(y log mu - mu - log y!)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(y > 0, y * np.log(mu), 0.0) - mu - special.gammaln(y + 1)
    return float(terms.sum())


def deviance(y: Floats, mu: Floats) -> float:
    """Poisson deviance 2 sum(y log(y/mu) - (y - mu))."""
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(y > 0, y * np.log(y / mu), 0.0)
    return float(2 * (ratio - (y - mu)).sum())


def fit_poisson(table: CaptureTable, pairs: Sequence[Pair]) -> PoissonFit | None:
    """Fit one model to the observed cells; None when the fit diverges (a zero cell it cannot explain)."""
    x = design(table.k, pairs)
    y = table.observed_counts().astype(np.float64)
    beta = poisson_irls(x, y)
    if beta is None or beta[0] > np.log(DIVERGED_RATIO * table.observed):
        return None
    mu = np.exp(x @ beta)
    cov = np.linalg.pinv(x.T @ (x * mu[:, None]))
    return PoissonFit(beta, mu, deviance(y, mu), poisson_loglik(y, mu), float(cov[0, 0]))


def candidate(table: CaptureTable, pairs: Sequence[Pair]) -> Candidate | None:
    """Fit one model and summarise it (Rcapture's SE: sqrt(mu0 + mu0^2 var(b0)))."""
    fit = fit_poisson(table, pairs)
    if fit is None:
        return None
    n_cells, p = 2**table.k - 1, 1 + table.k + len(pairs)
    mu0 = float(np.exp(fit.beta[0]))
    return Candidate(
        name=model_name(pairs, table.k),
        pairs=tuple(pairs),
        df=n_cells - p,
        deviance=fit.deviance,
        aic=-2 * fit.loglik + 2 * p,
        bic=-2 * fit.loglik + np.log(table.observed) * p,
        estimate=table.observed + mu0,
        stderr=float(np.sqrt(mu0 + mu0**2 * fit.cov_b0)),
        interval=None,
    )


def fit_candidates(
    table: CaptureTable, specs: list[tuple[Pair, ...]] | None, criterion: Criterion
) -> tuple[list[Candidate], list[str]]:
    """Every requested model, all pairwise models (K <= 5), or the models a stepwise search visits;
    and the names of those whose fit diverged (zero cells leave their estimate unbounded)."""
    if specs is None and table.k > EXHAUSTIVE_MAX_LISTS:
        return stepwise(table, criterion), []
    if specs is None:
        pairs = all_pairs(table.k)
        specs = [tuple(c) for r in range(len(pairs) + 1) for c in combinations(pairs, r)]
    cells = 2**table.k - 1
    specs = [s for s in specs if 1 + table.k + len(s) <= cells]  # more parameters than cells: not identified
    fits = [(s, candidate(table, s)) for s in specs]
    return [c for _, c in fits if c is not None], [model_name(s, table.k) for s, c in fits if c is None]


def stepwise(table: CaptureTable, criterion: Criterion) -> list[Candidate]:
    """Forward from independence adding the best pair while the criterion falls, then backward."""

    def score(c: Candidate) -> float:
        return c.aic if criterion == "aic" else c.bic

    seen: dict[tuple[Pair, ...], Candidate | None] = {}

    def fit(pairs: tuple[Pair, ...]) -> Candidate | None:
        if pairs not in seen:
            seen[pairs] = candidate(table, pairs)
        return seen[pairs]

    current = fit(())
    if current is None:
        return []
    improved = True
    while improved:
        improved = False
        moves = [tuple(sorted({*current.pairs, p})) for p in all_pairs(table.k) if p not in current.pairs]
        moves += [tuple(q for q in current.pairs if q != p) for p in current.pairs]
        fits = [c for c in map(fit, moves) if c is not None]
        best = min(fits, key=score, default=None)
        if best is not None and score(best) < score(current) - 1e-9:
            current, improved = best, True
    return [c for c in seen.values() if c is not None]


def with_interval(
    table: CaptureTable,
    cand: Candidate,
    method: IntervalMethod,
    level: float,
    samples: int,
    rng: np.random.Generator,
) -> Candidate:
    """The candidate with its interval filled in."""
    if method == "profile":
        bounds = profile_interval(table, cand.pairs, level)
    else:
        bounds = bootstrap_interval(table, cand, level, samples, rng)
    return Candidate(**{**cand.__dict__, "interval": bounds})


def profile_loglik(
    table: CaptureTable, pairs: Sequence[Pair], n0: float, start: Floats | None
) -> tuple[float, Floats]:
    """Multinomial log-likelihood of N = n + n0, maximised over the model's parameters (Cormack 1992).

    The Poisson fit of the full table (unobserved cell set to n0) gives the multinomial MLE of the cell
    probabilities for that N; constants that do not depend on N are dropped.
    """
    x = design(table.k, pairs, with_unobserved=True)
    y = np.concatenate([[n0], table.observed_counts().astype(np.float64)])
    beta = poisson_irls(x, y, start)
    if beta is None:
        return -np.inf, np.zeros(x.shape[1])
    big_n = float(y.sum())
    p = np.exp(x @ beta) / big_n
    with np.errstate(divide="ignore", invalid="ignore"):
        kernel = float(np.where(y > 0, y * np.log(p), 0.0).sum())
    return float(special.gammaln(big_n + 1) - special.gammaln(n0 + 1)) + kernel, beta


def profile_interval(table: CaptureTable, pairs: Sequence[Pair], level: float) -> tuple[float, float]:
    """Profile-likelihood interval for N: where the profile falls chi2_1(level)/2 below its maximum."""
    n = table.observed
    first = fit_poisson(table, pairs)
    start = None if first is None else first.beta
    mu0 = float(np.exp(start[0])) if start is not None else float(n)

    def loglik(n0: float) -> float:
        return profile_loglik(table, pairs, n0, start)[0]

    def negative(t: float) -> float:  # searched on log(1 + n0): the profile is flat far out
        return -loglik(float(np.expm1(t)))

    top = optimize.minimize_scalar(negative, bounds=(0.0, float(np.log1p(2 * mu0 + 10))), method="bounded",
                                   options={"xatol": 1e-9})  # fmt: skip
    n0_hat, threshold = float(np.expm1(top.x)), float(-top.fun - stats.chi2.ppf(level, 1) / 2)

    def gap(n0: float) -> float:
        return loglik(n0) - threshold

    low = 0.0 if gap(0.0) >= 0 else float(optimize.brentq(gap, 0.0, n0_hat, xtol=1e-6))
    high, cap = max(2 * n0_hat, 1.0), UNBOUNDED_RATIO * n
    while gap(high) > 0 and high < cap:
        high *= 2
    upper = np.inf if gap(high) > 0 else float(optimize.brentq(gap, n0_hat, high, xtol=1e-6))
    return n + low, n + upper


def bootstrap_interval(
    table: CaptureTable, cand: Candidate, level: float, samples: int, rng: np.random.Generator
) -> tuple[float, float]:
    """Percentile interval of N from multinomial draws of the fitted model, refitted (model fixed)."""
    fit = fit_poisson(table, cand.pairs)
    assert fit is not None
    big_n = round(cand.estimate)
    probs = np.concatenate([[cand.estimate - table.observed], fit.mu]) / cand.estimate
    draws = rng.multinomial(big_n, probs, size=samples)
    x = design(table.k, cand.pairs)
    estimates = []
    for cells in draws:
        beta = poisson_irls(x, cells[1:].astype(np.float64), fit.beta.copy())
        if beta is not None:
            estimates.append(cells[1:].sum() + np.exp(min(beta[0], np.log(DIVERGED_RATIO * big_n))))
    tail = (1 - level) / 2
    lo, hi = np.quantile(estimates, [tail, 1 - tail])
    return float(lo), float(hi)


def loglinear_warnings(table: CaptureTable, best: Candidate, dropped: list[str]) -> list[str]:
    """Plain caveats about the chosen model and the models left out."""
    notes = []
    if best.interval is not None and not np.isfinite(best.interval[1]):
        notes.append(f"model {best.name}: the data do not bound the total from above (interval open).")
    if best.estimate > 10 * table.observed:
        notes.append(
            f"model {best.name}: the estimate is over 10 times the people observed; lists overlap too little."
        )
    if best.df == 0:
        notes.append(f"model {best.name} is saturated (0 degrees of freedom): its fit cannot be checked.")
    if dropped:
        shown = ", ".join(dropped[:5]) + (f" and {len(dropped) - 5} more" if len(dropped) > 5 else "")
        notes.append(
            f"{len(dropped)} model(s) left out: empty cells leave their estimate unbounded ({shown})."
        )
    return notes
