"""Bayesian latent-class capture-recapture (LCMCR; Manrique-Vallier 2016, Biometrics 72:1246-1254).

People fall into latent classes; within a class, lists record a person independently, list j with
probability lambda[j, k] in class k. Classes are a Dirichlet process mixture truncated at
``max_classes`` (stick-breaking weights pi, concentration alpha). Heterogeneity (some people are
likelier to be on every list) and dependence between lists (which a mixture of independent classes
induces) are absorbed, so long as the unobserved people resemble the observed ones in class make-up.

Priors, as in the LCMCR R package: lambda[j, k] ~ Beta(1, 1); stick fractions V_k ~ Beta(1, alpha);
alpha ~ Gamma(0.25, rate 0.25); p(N) proportional to 1/N.

The Gibbs sampler works on pattern counts, not people: the 2^K - 1 observed patterns and the
unobserved pattern each split their count among the classes by one multinomial draw, so an iteration
costs O(2^K * classes) whatever the number of people. One iteration:

1. class counts of each observed pattern ~ Multinomial(count, p(class | pattern));
2. lambda[j, k] ~ Beta(1 + recorded by j in k, 1 + not recorded by j in k), unobserved people included;
3. V_k ~ Beta(1 + n_k, alpha + sum_{h>k} n_h), pi from the sticks;
4. alpha ~ Gamma(0.25 + K* - 1, rate 0.25 - sum log(1 - V_k));
5. n0 = N - n ~ NegativeBinomial(n, 1 - pi0), pi0 = sum_k pi_k prod_j (1 - lambda[j, k]), the chance
   of being on no list (1/N prior: Manrique-Vallier 2016, section 3);
6. class counts of the n0 unobserved ~ Multinomial(n0, p(class | on no list)).

Steps 5-6 draw (n0, its classes) jointly, the unobserved people's classes integrated out in step 5.

**Engines.** ``engine="compiled"`` (the default) runs every iteration in compiled code, the chains in
parallel (`lcmcr_compiled`, numba: about 10 µs of CPU an iteration for 4 lists and K* = 10; compiled
once, then loaded from a disk cache); ``engine="numpy"`` is the reference, one numpy sweep
(`gibbs_step`) per iteration, about 7 times slower. Same model, same priors, same posterior; the random
streams differ, so the draws do.

**Until converged.** After ``burn_in + iterations`` iterations per chain the run checks split R-hat
and the effective sample size of N; while R-hat >= 1.05 or the effective sample size < 100, every
chain runs as many iterations again as it has kept so far (the post-burn-in length doubles; burn-in
stays discarded), and every other kept draw is dropped (the thinning doubles), so each chain keeps
``iterations // thin`` draws whatever the length. It stops converged, or before a round that would end
past ``max_seconds`` of sampling (not converged: the diagnostics and the warnings say so).
``max_seconds=0`` runs ``burn_in + iterations`` and no more. A seed gives the same draws whenever the
run stops on convergence; a run cut by the time limit depends on the machine's speed.

>>> from harmtrace.analyse.mse.captures import CaptureTable
>>> t = CaptureTable.from_counts({"110": 30, "101": 30, "011": 30, "100": 60, "010": 60, "001": 60,
...                               "111": 15})
>>> r = fit_lcmcr(t, iterations=1000, burn_in=500, chains=2, seed=1)
>>> 300 < r.estimate < 450 and r.interval[0] < r.estimate < r.interval[1]
True
>>> r.diagnostics.converged, r.draws.shape
(True, (2, 100))
"""

from __future__ import annotations

import functools
import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Final, Protocol, cast

import numpy as np
import numpy.typing as npt

from harmtrace.analyse.mse.captures import CaptureTable, pattern_matrix
from harmtrace.analyse.mse.result import Estimate
from harmtrace.errors import QueryError

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]

A_ALPHA: Final = 0.25
B_ALPHA: Final = 0.25
TINY: Final = 1e-300  # floor for probabilities before a log: a class may shrink to nothing
ENGINES: Final = ("compiled", "numpy")
R_HAT_BELOW: Final = 1.05  # converged: split R-hat under this ...
MIN_ESS: Final = 100  # ... and at least this many effective draws
MAX_SECONDS: Final = 60.0


@dataclass(frozen=True)
class Diagnostics:
    """Convergence of the N draws: split R-hat across chains (Gelman et al. 2013, section 11.4; want
    < 1.01-1.05), effective sample size of all chains together (Geyer's initial monotone sequence),
    and each chain's median and 2.5%/97.5% quantiles (a trace summary: chains should agree).

    How the run went: ``converged`` (2+ chains, R-hat < 1.05 and 100+ effective draws), the post-burn-in
    ``iterations`` each chain ran and the ``thin`` they were kept at, the sampling ``rounds`` (the first,
    then one per doubling), the ``seconds`` spent sampling, and whether ``max_seconds`` stopped it
    (``time_limited``)."""

    r_hat: float
    effective_sample_size: float
    chains: tuple[dict[str, float], ...]
    converged: bool = False
    iterations: int = 0
    thin: int = 1
    rounds: int = 1
    seconds: float = 0.0
    time_limited: bool = False

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {"r_hat": self.r_hat, "effective_sample_size": self.effective_sample_size,
                "chains": list(self.chains), "converged": self.converged, "iterations": self.iterations,
                "thin": self.thin, "rounds": self.rounds, "seconds": self.seconds,
                "time_limited": self.time_limited}  # fmt: skip


@dataclass(frozen=True)
class LcmcrResult(Estimate):
    """Posterior median of N with an equal-tailed credible interval; the kept draws, by chain."""

    draws: Ints
    diagnostics: Diagnostics
    settings: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready (draws summarised, not listed)."""
        return super().as_dict() | {
            "posterior_mean": float(self.draws.mean()),
            "diagnostics": self.diagnostics.as_dict(),
            "settings": self.settings,
        }


@dataclass
class State:
    """The sampler's current values (mutated in place, one iteration at a time)."""

    lam: Floats  # (lists, classes): P(on list j | class k)
    pi: Floats  # (classes,): class weights
    alpha: float
    n0: int  # people on no list
    counts: Ints  # (2^K, classes): people of each pattern (row 0 unobserved) in each class


class Chains(Protocol):
    """Chains that continue where they stopped."""

    def advance(self, skip: int, keep: int, thin: int) -> Ints:
        """Run every chain ``skip + keep`` iterations; N after every ``thin``-th of the last ``keep``:
        (chains, keep // thin)."""
        ...


def fit_lcmcr(
    table: CaptureTable,
    max_classes: int = 10,
    iterations: int = 10_000,
    burn_in: int = 10_000,
    thin: int = 10,
    chains: int = 4,
    seed: int | None = None,
    level: float = 0.95,
    engine: str = "compiled",
    max_seconds: float = MAX_SECONDS,
) -> LcmcrResult:
    """Run ``chains`` independent chains of ``burn_in + iterations`` Gibbs iterations each, keeping
    every ``thin``-th draw after burn-in, then double the chains' length until they converge or
    ``max_seconds`` of sampling would pass (module docstring); estimate = posterior median of N over
    all kept draws.

    Defaults follow LCMCR's documented use (K*=10, 10,000 burn-in); the diagnostics say how long the
    chains ran and whether that was enough. ``engine``: "compiled" or the numpy reference "numpy".
    """
    check_options(table, max_classes, iterations, burn_in, thin, chains, level, engine, max_seconds)
    rngs = [np.random.default_rng(c) for c in np.random.SeedSequence(seed).spawn(chains)]
    runner = start_chains(table, max_classes, rngs, engine)
    draws, diagnostics = sample(runner, burn_in, iterations, thin, max_seconds)
    tail = (1 - level) / 2
    lo, med, hi = np.quantile(draws, [tail, 0.5, 1 - tail])
    return LcmcrResult(
        method="lcmcr",
        lists=table.lists,
        observed=table.observed,
        estimate=float(med),
        interval=(float(lo), float(hi)),
        level=level,
        warnings=tuple(lcmcr_warnings(diagnostics, chains, table.k, max_seconds)),
        draws=draws,
        diagnostics=diagnostics,
        settings={"max_classes": max_classes, "iterations": iterations, "burn_in": burn_in, "thin": thin,
                  "chains": chains, "seed": seed, "a_alpha": A_ALPHA, "b_alpha": B_ALPHA, "engine": engine,
                  "max_seconds": max_seconds},
    )  # fmt: skip


def check_options(
    table: CaptureTable, max_classes: int, iterations: int, burn_in: int, thin: int, chains: int,
    level: float, engine: str = "compiled", max_seconds: float = MAX_SECONDS,
) -> None:  # fmt: skip
    """Reject impossible settings before sampling, all at once."""
    problems = [
        f"{name} = {value} must be at least {least}"
        for name, value, least in [("max_classes", max_classes, 1), ("iterations", iterations, 1),
                                   ("burn_in", burn_in, 0), ("thin", thin, 1), ("chains", chains, 1)]
        if value < least
    ]  # fmt: skip
    if iterations < thin:
        problems.append(f"iterations = {iterations} keeps no draw with thin = {thin}")
    if not 0 < level < 1:
        problems.append(f"level = {level} must lie strictly between 0 and 1")
    if engine not in ENGINES:
        problems.append(f"engine = {engine!r} is not one of {', '.join(ENGINES)}")
    if not max_seconds >= 0:  # NaN too
        problems.append(f"max_seconds = {max_seconds} must be 0 (no doubling) or more")
    if table.observed == 0:
        problems.append("the capture table is empty")
    if problems:
        raise QueryError("lcmcr: " + "; ".join(problems) + ".")


def sample(
    chains: Chains, burn_in: int, iterations: int, thin: int, max_seconds: float
) -> tuple[Ints, Diagnostics]:
    """The first round, then doubling rounds until converged or out of time (module docstring)."""
    started = time.perf_counter()
    draws = chains.advance(burn_in, iterations, thin)
    diagnostics, rounds, limited = diagnose(draws), 1, False
    while not is_converged(diagnostics) and can_check(draws):
        spent = time.perf_counter() - started
        if spent * (burn_in + 2 * iterations) / (burn_in + iterations) > max_seconds:
            limited = True
            break
        draws = np.concatenate([draws, chains.advance(0, iterations, thin)], axis=1)[:, 1::2]
        iterations, thin, rounds = 2 * iterations, 2 * thin, rounds + 1
        diagnostics = diagnose(draws)
    converged = can_check(draws) and is_converged(diagnostics)
    return draws, replace(
        diagnostics, converged=converged, iterations=iterations, thin=thin, rounds=rounds,
        seconds=time.perf_counter() - started, time_limited=limited,
    )  # fmt: skip


def is_converged(diagnostics: Diagnostics) -> bool:
    """Split R-hat under 1.05 and 100 or more effective draws."""
    return diagnostics.r_hat < R_HAT_BELOW and diagnostics.effective_sample_size >= MIN_ESS


def can_check(draws: Ints) -> bool:
    """Two chains or more with 4 or more kept draws each: R-hat can tell, so doubling can help."""
    return bool(draws.shape[0] >= 2 and draws.shape[1] >= 4)


def start_chains(
    table: CaptureTable, max_classes: int, rngs: list[np.random.Generator], engine: str
) -> Chains:
    """Chains at their initial states (`initial_state`), run by the chosen engine."""
    if engine == "numpy":
        return NumpyChains.start(table, max_classes, rngs)
    return CompiledChains.start(table, max_classes, rngs, compiled_sampler())


@dataclass
class NumpyChains:
    """The reference: one `gibbs_step` per iteration, each chain with its own numpy Generator."""

    x: Floats
    observed: Ints
    states: list[State]
    rngs: list[np.random.Generator]

    @classmethod
    def start(cls, table: CaptureTable, max_classes: int, rngs: list[np.random.Generator]) -> NumpyChains:
        """Chains at their initial states."""
        states = [initial_state(table, max_classes, rng) for rng in rngs]
        return cls(pattern_matrix(table.k).astype(np.float64), table.counts.copy(), states, rngs)

    def advance(self, skip: int, keep: int, thin: int) -> Ints:
        """See `Chains.advance`."""
        out = np.empty((len(self.states), keep // thin), dtype=np.int64)
        n = int(self.observed.sum())
        for c, (state, rng) in enumerate(zip(self.states, self.rngs, strict=True)):
            for i in range(skip + keep):
                gibbs_step(state, self.x, self.observed, rng)
                j = i - skip
                if j >= 0 and (j + 1) % thin == 0:
                    out[c, j // thin] = n + state.n0
        return out


@dataclass
class CompiledChains:
    """The compiled sampler (`lcmcr_compiled.run_chains`) on stacked states. Each call seeds numba's
    random state from each chain's numpy Generator, so the draws follow from the seed."""

    x: Ints
    observed: Ints
    state: tuple[Floats, Floats, Floats, Ints, Ints]
    rngs: list[np.random.Generator]
    kernel: Callable[..., None]

    @classmethod
    def start(
        cls,
        table: CaptureTable,
        max_classes: int,
        rngs: list[np.random.Generator],
        kernel: Callable[..., None],
    ) -> CompiledChains:
        """Chains at their initial states (the same as the reference's)."""
        state = stack_states([initial_state(table, max_classes, rng) for rng in rngs])
        return cls(pattern_matrix(table.k).astype(np.int64), table.counts.copy(), state, rngs, kernel)

    def advance(self, skip: int, keep: int, thin: int) -> Ints:
        """See `Chains.advance`."""
        out = np.empty((len(self.rngs), keep // thin), dtype=np.int64)
        seeds = np.array([rng.integers(2**32) for rng in self.rngs], dtype=np.int64)
        self.kernel(self.x, self.observed, self.state, seeds, skip, keep, thin, out)
        return out


def stack_states(states: list[State]) -> tuple[Floats, Floats, Floats, Ints, Ints]:
    """Per-chain states as the arrays `lcmcr_compiled.run_chains` takes: lam, pi, alpha, n0 and the
    unobserved people's classes, one row per chain."""
    return (np.stack([s.lam for s in states]), np.stack([s.pi for s in states]),
            np.array([s.alpha for s in states]), np.array([s.n0 for s in states], dtype=np.int64),
            np.stack([s.counts[0] for s in states]))  # fmt: skip


@functools.cache
def compiled_sampler() -> Callable[..., None]:
    """`lcmcr_compiled.run_chains`, compiled (or loaded from the disk cache) by one tiny run. Imports
    numba on first use only, so commands that never sample do not pay for it (`compile_seconds` times
    it). The compiled code is cached in ``__pycache__`` beside the module or, where that cannot be
    written and NUMBA_CACHE_DIR is unset, in a user cache directory (`numba_cache_dir`)."""
    if "NUMBA_CACHE_DIR" not in os.environ and not writable(Path(__file__).with_name("__pycache__")):
        os.environ["NUMBA_CACHE_DIR"] = str(numba_cache_dir())
    from harmtrace.analyse.mse.lcmcr_compiled import run_chains

    table = CaptureTable.from_counts({"10": 1, "01": 1, "11": 1})
    CompiledChains.start(table, 1, [np.random.default_rng(0)], run_chains).advance(0, 1, 1)
    return cast(Callable[..., None], run_chains)


def compile_seconds() -> float:
    """Seconds the first compiled run of this process waited for numba (import, compilation or the disk
    cache); 0 once done."""
    if compiled_sampler.cache_info().currsize:
        return 0.0
    started = time.perf_counter()
    compiled_sampler()
    return time.perf_counter() - started


def writable(folder: Path) -> bool:
    """Whether files can be written in ``folder``, or it can be made."""
    if folder.exists():
        return os.access(folder, os.W_OK | os.X_OK)
    return os.access(folder.parent, os.W_OK | os.X_OK)


def numba_cache_dir() -> Path:
    """$XDG_CACHE_HOME/harmtrace/numba (~/.cache by default), else one in the temporary directory."""
    home = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "harmtrace" / "numba"
    temporary = Path(tempfile.gettempdir()) / f"harmtrace-numba-{os.getuid()}"
    for folder in (home, temporary):
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError:
            continue
        if writable(folder):
            return folder
    return temporary


def initial_state(table: CaptureTable, max_classes: int, rng: np.random.Generator) -> State:
    """Start from the prior for lambda and pi, alpha = 1, and as many unobserved as observed."""
    lam = rng.beta(1.0, 1.0, size=(table.k, max_classes))
    pi = np.full(max_classes, 1.0 / max_classes)
    counts = np.zeros((2**table.k, max_classes), dtype=np.int64)
    state = State(lam=lam, pi=pi, alpha=1.0, n0=table.observed, counts=counts)
    state.counts[0] = rng.multinomial(state.n0, pi)
    return state


def gibbs_step(state: State, x: Floats, observed: Ints, rng: np.random.Generator) -> None:
    """One full sweep (steps 1-6 of the module docstring)."""
    log_lam, log_not = np.log(np.maximum(state.lam, TINY)), np.log(np.maximum(1 - state.lam, TINY))
    log_p = x @ log_lam + (1 - x) @ log_not + np.log(np.maximum(state.pi, TINY))  # (2^K, classes)
    post = np.exp(log_p - log_p.max(axis=1, keepdims=True))
    post /= post.sum(axis=1, keepdims=True)
    state.counts[1:] = rng.multinomial(observed[1:], post[1:])
    per_class = state.counts.sum(axis=0)
    on_list = x.T @ state.counts  # (lists, classes)
    state.lam = rng.beta(1.0 + on_list, 1.0 + per_class - on_list)
    update_sticks(state, per_class, rng)
    log_not = np.log(np.maximum(1 - state.lam, TINY))
    p0 = float(np.sum(state.pi * np.exp(log_not.sum(axis=0))))
    n = int(observed.sum())
    state.n0 = int(rng.negative_binomial(n, min(max(1.0 - p0, TINY), 1.0)))
    state.counts[0] = rng.multinomial(state.n0, class_given_unobserved(state, log_not))


def update_sticks(state: State, per_class: Ints, rng: np.random.Generator) -> None:
    """Stick fractions, class weights and the concentration alpha (truncated stick-breaking)."""
    after = np.concatenate([np.cumsum(per_class[::-1])[::-1][1:], [0]])  # people in later classes
    v = rng.beta(1.0 + per_class[:-1], state.alpha + after[:-1])
    v = np.minimum(v, 1 - 1e-12)  # a fraction of exactly 1 would zero every later class forever
    remaining = np.concatenate([[1.0], np.cumprod(1 - v)])
    state.pi = np.concatenate([v, [1.0]]) * remaining
    rate = B_ALPHA - np.log1p(-v).sum()
    state.alpha = float(rng.gamma(A_ALPHA + len(v), 1.0 / rate))


def class_given_unobserved(state: State, log_not: Floats) -> Floats:
    """P(class | on no list), from the current pi and lambda."""
    log_w = np.log(np.maximum(state.pi, TINY)) + log_not.sum(axis=0)
    w: Floats = np.exp(log_w - log_w.max())
    share: Floats = w / w.sum()
    return share


def diagnose(draws: Ints) -> Diagnostics:
    """Split R-hat, effective sample size and per-chain quantiles of the N draws (chains, draws)."""
    chains = tuple(
        {"median": float(np.median(c)), "q025": float(np.quantile(c, 0.025)),
         "q975": float(np.quantile(c, 0.975)), "mean": float(c.mean())}
        for c in draws
    )  # fmt: skip
    return Diagnostics(r_hat=split_r_hat(draws), effective_sample_size=effective_size(draws), chains=chains)


def split_r_hat(draws: Ints) -> float:
    """Potential scale reduction of chains cut in halves (1 = converged; nan with < 4 draws a chain)."""
    half = draws.shape[1] // 2
    if half < 2:
        return float("nan")
    parts = np.concatenate([draws[:, :half], draws[:, half : 2 * half]]).astype(np.float64)
    within = parts.var(axis=1, ddof=1).mean()
    between = half * parts.mean(axis=1).var(ddof=1)
    if within == 0:
        return 1.0 if between == 0 else float("inf")
    pooled = (half - 1) / half * within + between / half
    return float(np.sqrt(pooled / within))


def effective_size(draws: Ints) -> float:
    """Effective sample size over chains (Gelman et al. 2013, eq. 11.8; Geyer's monotone sequence)."""
    m, n = draws.shape
    x = draws.astype(np.float64) - draws.mean(axis=1, keepdims=True)
    within = x.var(axis=1, ddof=1).mean() if n > 1 else 0.0
    if n < 4 or within == 0:
        return float(m * n)
    spectrum = np.fft.rfft(x, n=2 * n, axis=1)
    acov = np.fft.irfft(spectrum * np.conj(spectrum), axis=1)[:, :n].mean(axis=0) / n
    between = n * draws.mean(axis=1).var(ddof=1) if m > 1 else 0.0
    var_plus = (n - 1) / n * within + between / n
    rho = 1 - (within - acov) / var_plus
    pair_sums = rho[: n - n % 2].reshape(-1, 2).sum(axis=1)
    positive = np.flatnonzero(pair_sums <= 0)
    pair_sums = pair_sums[: positive[0] if len(positive) else len(pair_sums)]
    tau = -1 + 2 * np.minimum.accumulate(pair_sums).sum()
    return float(m * n / max(tau, 1.0 / np.log10(max(m * n, 10))))


def lcmcr_warnings(
    diagnostics: Diagnostics, chains: int, lists: int, max_seconds: float = MAX_SECONDS
) -> list[str]:
    """Plain caveats about identification and convergence."""
    notes = []
    if lists < 3:
        notes.append(
            "2 lists: latent classes are not identified and the estimate rests on the priors; use 3+ lists."
        )
    ran = f"{diagnostics.iterations:,} iterations per chain after burn-in"
    if chains < 2:
        notes.append("one chain only: R-hat cannot check convergence; run 2 or more chains.")
    elif not diagnostics.r_hat < R_HAT_BELOW:
        notes.append(f"chains disagree (R-hat {diagnostics.r_hat:.3f} >= 1.05) after {ran}: run longer.")
    if diagnostics.effective_sample_size < MIN_ESS:
        notes.append(
            f"few effective draws ({diagnostics.effective_sample_size:.0f} < 100): the interval is rough."
        )
    if diagnostics.time_limited:
        notes.append(
            f"not converged when the time limit stopped sampling (max_seconds {max_seconds:g}; {ran}, "
            f"{diagnostics.seconds:.0f} s): allow more time (--max-seconds) or read the interval as rough."
        )
    return notes
