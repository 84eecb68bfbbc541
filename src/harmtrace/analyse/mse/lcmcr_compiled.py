"""The LCMCR Gibbs sampler compiled with numba: steps 1-6 of `harmtrace.analyse.mse.lcmcr`, every
iteration of every chain inside compiled code.

Same model, priors and conditional distributions as the numpy sweep `lcmcr.gibbs_step`; only the
random stream differs. Numba keeps its own random state (a Mersenne Twister per thread), which
`run_chains` seeds at the start of every chain from the seeds it is given: same seeds, same draws.
Multinomials are drawn as sequential binomials (by inversion when the mean is small, else Hörmann's
BTRS), the negative binomial as a Poisson-Gamma mixture, a Beta by Cheng's BB, or by inversion when a
parameter is exactly 1 (an empty class; nobody of a class on a list).

Importing this module imports numba: `lcmcr` imports it only when a chain runs. The functions are
compiled on first use and cached on disk (``cache=True``; where: `lcmcr.compiled_sampler`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, TypeVar, cast

import numpy as np
import numpy.typing as npt
from numba import njit, prange

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]
Scratch = tuple[Ints, Floats, Floats, Ints, Ints]
F = TypeVar("F", bound=Callable[..., Any])

TINY = 1e-300  # floor for probabilities, as lcmcr.TINY
A_ALPHA = 0.25  # alpha ~ Gamma(A_ALPHA, rate B_ALPHA), as lcmcr
B_ALPHA = 0.25
MAX_STICK = 1 - 1e-12  # a stick fraction of exactly 1 would zero every later class forever
DBL_MAX = 1.7976931348623157e308
LOG_MAX = 709.782712893384  # log(DBL_MAX)
BTRS_FROM = 10.0  # a binomial whose smaller mean n * min(p, 1 - p) is at least this: by rejection
STIRLING_TAIL = np.array([0.0810614667953272, 0.0413406959554092, 0.0276779256849983, 0.0207906721037650,
                          0.0166446911898211, 0.0138761288230707, 0.0118967099458917, 0.0104112652619720,
                          0.00925546218271273, 0.00833056343336287])  # fmt: skip
MAX_MEAN = 1e15  # cap on the Poisson mean of the unobserved count (int64-safe; N is no estimate there)
UNDERFLOW = 1e-280  # a pattern's weights summing to less are recomputed in logs


def compiled(function: F) -> F:
    """numba's ``njit(cache=True)``, typed for mypy."""
    return cast(F, njit(cache=True)(function))


def compiled_in_parallel(function: F) -> F:
    """numba's ``njit(cache=True, parallel=True)``: its ``prange`` loops run on every core."""
    return cast(F, njit(cache=True, parallel=True)(function))


@compiled_in_parallel
def run_chains(
    x: Ints, observed: Ints, state: tuple[Floats, Floats, Floats, Ints, Ints], seeds: Ints,
    skip: int, keep: int, thin: int, out: Ints,
) -> None:  # fmt: skip
    """Advance every chain ``skip + keep`` iterations; after every ``thin``-th of the last ``keep``,
    store N = observed + n0 in ``out[c]`` (``keep // thin`` columns). The state is updated in place, so
    a later call continues the chains. Chains run in parallel, one per core at a time: a chain runs
    whole on one thread, which it seeds first, so its draws do not depend on the scheduling.

    x: (2^K, K) 0/1 patterns in index order; observed: (2^K,) counts; state: lam (C, K, K*), pi (C, K*),
    alpha (C,), n0 (C,) and z0 (C, K*), the classes of the unobserved, one row per chain; seeds: (C,)
    each chain's random seed for this call.
    """
    lam, pi, alpha, n0, z0 = state
    n = observed.sum()
    for c in prange(lam.shape[0]):
        np.random.seed(seeds[c])
        work = scratch(x.shape[0], lam.shape[1], lam.shape[2])
        a, m = alpha[c], n0[c]
        for i in range(skip + keep):
            a, m = sweep(x, observed, n, lam[c], pi[c], a, m, z0[c], work)
            j = i - skip
            if j >= 0 and (j + 1) % thin == 0:
                out[c, j // thin] = n + m
        alpha[c], n0[c] = a, m


@compiled
def scratch(patterns: int, lists: int, classes: int) -> Scratch:
    """One chain's work arrays: counts and log-weights by pattern and class, a weight per class, people
    per class, and per list and class."""
    return (
        np.zeros((patterns, classes), dtype=np.int64),
        np.empty((patterns, classes)),
        np.empty(classes),
        np.empty(classes, dtype=np.int64),
        np.empty((lists, classes), dtype=np.int64),
    )


@compiled
def sweep(
    x: Ints, observed: Ints, n: int, lam: Floats, pi: Floats, alpha: float, n0: int, z0: Ints, work: Scratch
) -> tuple[float, int]:
    """One iteration (steps 1-6 of the `lcmcr` module docstring); returns the new (alpha, n0)."""
    counts, logit, prob, per_class, on_list = work
    allocate_observed(x, observed, lam, pi, counts, logit, prob)
    tally(x, counts, z0, per_class, on_list)
    draw_lambda(lam, per_class, on_list)
    alpha = draw_sticks(pi, alpha, per_class)
    n0, total = draw_unobserved(n, x[0], lam, pi, logit[0], prob)
    multinomial(n0, prob, total, z0)
    return alpha, n0


@compiled
def allocate_observed(
    x: Ints, observed: Ints, lam: Floats, pi: Floats, counts: Ints, logit: Floats, prob: Floats
) -> None:
    """Step 1: each observed pattern's people split among the classes by p(class | pattern), which is
    proportional to pi_k prod_j lambda[j, k] or 1 - lambda[j, k] (each floored at TINY, as the
    reference's logs are); a pattern whose products all underflow is done in logs instead."""
    classes = lam.shape[1]
    for p in range(1, x.shape[0]):
        if observed[p] == 0:
            counts[p, :] = 0
            continue
        total = 0.0
        for k in range(classes):
            w = pi[k]
            for j in range(x.shape[1]):
                w *= max(lam[j, k], TINY) if x[p, j] else max(1.0 - lam[j, k], TINY)
            prob[k] = w
            total += w
        if not total > UNDERFLOW:
            log_weights(x[p], lam, pi, logit[p])
            total = exp_shifted(logit[p], prob)[0]
        multinomial(observed[p], prob, total, counts[p])


@compiled
def log_weights(pattern: Ints, lam: Floats, pi: Floats, out: Floats) -> None:
    """out[k] = log(pi_k prod_j lambda[j, k] or 1 - lambda[j, k]) for one pattern, floored at TINY."""
    for k in range(lam.shape[1]):
        out[k] = math.log(max(pi[k], TINY))
        for j in range(lam.shape[0]):
            out[k] += math.log(max(lam[j, k] if pattern[j] else 1.0 - lam[j, k], TINY))


@compiled
def exp_shifted(log_w: Floats, out: Floats) -> tuple[float, float]:
    """out = exp(log_w - max(log_w)), which cannot all underflow; returns (sum(out), max(log_w))."""
    top = log_w.max()
    total = 0.0
    for k in range(log_w.shape[0]):
        out[k] = math.exp(log_w[k] - top)
        total += out[k]
    return total, top


@compiled
def multinomial(n: int, weight: Floats, total: float, out: Ints) -> None:
    """out ~ Multinomial(n, weight / total) as sequential binomials (total = sum(weight))."""
    remaining, mass = n, total
    last = weight.shape[0] - 1
    for k in range(last):
        drawn = 0
        if remaining == 0 or weight[k] <= 0.0:
            drawn = 0
        elif weight[k] >= mass:
            drawn = remaining
        else:
            drawn = binomial(remaining, weight[k] / mass)
        out[k] = drawn
        remaining -= drawn
        mass -= weight[k]
    out[last] = remaining


@compiled
def binomial(n: int, p: float) -> int:
    """Binomial(n, p), 0 < p < 1, for the smaller of p and 1 - p: by inversion from 0 (numpy's BINV, the
    far tail rejected as there) when its mean is under 10, else by transformed rejection (`btrs`)."""
    flipped = p > 0.5
    small = 1.0 - p if flipped else p
    mean = n * small
    x = btrs(n, small) if mean >= BTRS_FROM else inversion(n, small, mean)
    return n - x if flipped else x


@compiled
def inversion(n: int, p: float, mean: float) -> int:
    """Binomial(n, p) by sequential search from 0, p <= 1/2 and n p < 10 (P(X = 0) cannot underflow)."""
    ratio = p / (1.0 - p)
    start = (1.0 - p) ** n
    bound = min(n, mean + 10.0 * math.sqrt(mean * (1.0 - p) + 1.0))
    while True:
        u, x, px = np.random.random(), 0, start
        while u > px and x <= bound:
            u -= px
            x += 1
            px *= (n - x + 1) * ratio / x
        if x <= bound:
            return x


@compiled
def btrs(n: int, p: float) -> int:
    """Binomial(n, p), p <= 1/2, n p >= 10: Hörmann's (1993) transformed rejection with squeeze, BTRS
    (as TensorFlow's and PyTorch's), about two uniforms a draw; numba's BTPE is 3-5 times as slow."""
    spread = math.sqrt(n * p * (1.0 - p))
    b = 1.15 + 2.53 * spread
    a = -0.0873 + 0.0248 * b + 0.01 * p
    c = n * p + 0.5
    v_r = 0.92 - 4.2 / b
    r = p / (1.0 - p)
    alpha = (2.83 + 5.1 / b) * spread
    m = math.floor((n + 1) * p)
    while True:
        u = np.random.random() - 0.5
        v = np.random.random()
        us = 0.5 - abs(u)
        k = math.floor((2.0 * a / us + b) * u + c)
        if us >= 0.07 and v <= v_r:
            return int(k)
        if k < 0 or k > n:
            continue
        log_v = math.log(v * alpha / (a / (us * us) + b))
        tails = stirling_tail(m) + stirling_tail(n - m) - stirling_tail(k) - stirling_tail(n - k)
        bound = ((m + 0.5) * math.log((m + 1) / (r * (n - m + 1)))
                 + (n + 1) * math.log((n - m + 1) / (n - k + 1))
                 + (k + 0.5) * math.log(r * (n - k + 1) / (k + 1)) + tails)  # fmt: skip
        if log_v <= bound:
            return int(k)


@compiled
def stirling_tail(k: float) -> float:
    """log(k!) minus its Stirling approximation (k + 1/2) log(k + 1) - (k + 1) + log(2 pi)/2."""
    if k < 10:
        return float(STIRLING_TAIL[int(k)])
    square = (k + 1.0) * (k + 1.0)
    return (1.0 / 12 - (1.0 / 360 - 1.0 / 1260 / square) / square) / (k + 1.0)


@compiled
def tally(x: Ints, counts: Ints, z0: Ints, per_class: Ints, on_list: Ints) -> None:
    """People per class (the unobserved included), and per list and class."""
    lists, classes = on_list.shape
    for k in range(classes):
        counts[0, k] = z0[k]
        per_class[k] = z0[k]
        for j in range(lists):
            on_list[j, k] = 0
    for p in range(1, x.shape[0]):
        for k in range(classes):
            per_class[k] += counts[p, k]
            for j in range(lists):
                on_list[j, k] += x[p, j] * counts[p, k]


@compiled
def draw_lambda(lam: Floats, per_class: Ints, on_list: Ints) -> None:
    """Step 2: lambda[j, k] ~ Beta(1 + on list j in class k, 1 + in class k but not on it)."""
    for j in range(lam.shape[0]):
        for k in range(lam.shape[1]):
            lam[j, k] = beta(1.0 + on_list[j, k], 1.0 + per_class[k] - on_list[j, k])


@compiled
def beta(a: float, b: float) -> float:
    """Beta(a, b); by inversion when a or b is 1 (Beta(1, b) = 1 - U^(1/b), Beta(a, 1) = U^(1/a)), by
    Cheng's BB when both exceed 1."""
    if a == 1.0:
        return -math.expm1(math.log(1.0 - np.random.random()) / b)
    if b == 1.0:
        return math.exp(math.log(1.0 - np.random.random()) / a)
    if a < 1.0 or b < 1.0:  # a stick's alpha + nobody after: numba's (two gammas)
        return float(np.random.beta(a, b))
    return cheng_bb(a, b)


@compiled
def cheng_bb(a0: float, b0: float) -> float:
    """Beta(a0, b0) for a0, b0 > 1: Cheng's (1978) algorithm BB, as R's rbeta (one draw of two
    uniforms, rarely more; numba's draws two gammas, about three times as slow)."""
    a, b = min(a0, b0), max(a0, b0)
    total = a + b
    scale = math.sqrt((total - 2.0) / (2.0 * a * b - total))
    shift = a + 1.0 / scale
    while True:
        u1, u2 = 1.0 - np.random.random(), np.random.random()
        v = scale * math.log(u1 / (1.0 - u1))
        w = a * math.exp(v) if v <= LOG_MAX else DBL_MAX
        z = u1 * u1 * u2
        r = shift * v - 1.3862944
        s = a + r - w
        if s + 2.609438 >= 5.0 * z:
            break
        t = math.log(z)
        if s > t or r + total * math.log(total / (b + w)) >= t:
            break
    return w / (b + w) if a == a0 else b / (b + w)


@compiled
def draw_sticks(pi: Floats, alpha: float, per_class: Ints) -> float:
    """Steps 3-4: stick fractions V_k ~ Beta(1 + n_k, alpha + n_{>k}), the weights pi; returns alpha."""
    classes = pi.shape[0]
    after = per_class.sum()
    remaining, log_rest = 1.0, 0.0
    for k in range(classes - 1):
        after -= per_class[k]
        v = min(beta(1.0 + per_class[k], alpha + after), MAX_STICK)
        pi[k] = v * remaining
        remaining *= 1.0 - v
        log_rest += math.log1p(-v)
    pi[classes - 1] = remaining
    return float(np.random.gamma(A_ALPHA + classes - 1, 1.0 / (B_ALPHA - log_rest)))


@compiled
def draw_unobserved(
    n: int, nowhere: Ints, lam: Floats, pi: Floats, log_w: Floats, weight: Floats
) -> tuple[int, float]:
    """Step 5: n0 ~ NegativeBinomial(n, 1 - pi0) (Poisson-Gamma), pi0 = sum_k pi_k prod_j (1 - lambda);
    returns n0 and the sum of ``weight``, proportional to p(class | on no list). ``nowhere`` is the
    pattern on no list (zeros), ``log_w`` scratch."""
    log_weights(nowhere, lam, pi, log_w)
    total, top = exp_shifted(log_w, weight)
    q = min(max(1.0 - total * math.exp(top), TINY), 1.0)
    mean = min(np.random.gamma(n, (1.0 - q) / q), MAX_MEAN)
    return int(np.random.poisson(mean)), total
