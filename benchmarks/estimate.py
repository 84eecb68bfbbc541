"""LCMCR and log-linear speed and memory on 5 lists and 200,000 persons, next to a per-person sampler.

    python benchmarks/estimate.py [--persons 200000] [--lists 5] [--iterations 5000] [--seed S]

1. Simulates --persons people (two latent classes, easy and hard to list, and one dependent pair of
   lists: `harmtrace.simulate.captures`), keeps those on at least one list, and builds the capture
   table (`CaptureTable.from_histories`).
2. Times, each in this process:
   - loglinear: `fit_loglinear` with every pairwise model (1,024 for 5 lists), AIC, profile intervals
     for the best five;
   - lcmcr: one chain of `fit_lcmcr` (K* = 10) for --iterations iterations after 1,000 of burn-in;
   - baseline: the same Gibbs sampler written per person (a latent class drawn for each of the n + n0
     people every iteration, vectorised numpy: what a direct reading of the paper gives), for a few
     iterations, scaled to 1,000.
3. Prints one table: step, persons, seconds, seconds per 1,000 iterations, peak MB (tracemalloc: the
   step's own numpy and Python allocations, measured in a second, shorter run so that tracing does not
   slow the timed one), and time per iteration as a multiple of the per-person baseline's.
"""

from __future__ import annotations

import argparse
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from harmtrace.analyse.mse import CaptureTable, fit_lcmcr, fit_loglinear
from harmtrace.simulate.captures import simulate_captures

BURN_IN = 1000
BASELINE_ITERATIONS = 20


def per_person_sampler(histories: np.ndarray, iterations: int, classes: int, seed: int) -> np.ndarray:
    """LCMCR's Gibbs sampler with one latent class per person (the non-aggregated baseline).

    Same model and steps as `harmtrace.analyse.mse.lcmcr`; the unobserved people are rows of zeros
    appended to the data and resized when N changes. Returns the N draws.
    """
    rng = np.random.default_rng(seed)
    n, k = histories.shape
    x_obs = histories.astype(np.float64)
    lam, pi, alpha, n0 = rng.beta(1, 1, size=(k, classes)), np.full(classes, 1 / classes), 1.0, n
    draws = np.empty(iterations, dtype=np.int64)
    for it in range(iterations):
        x = np.vstack([x_obs, np.zeros((n0, k))])
        log_p = x @ np.log(lam) + (1 - x) @ np.log1p(-lam) + np.log(np.maximum(pi, 1e-300))
        p = np.exp(log_p - log_p.max(axis=1, keepdims=True))
        cdf = np.cumsum(p, axis=1)
        z = (cdf < rng.random(len(x))[:, None] * cdf[:, -1:]).sum(axis=1)  # inverse-CDF draw per person
        per_class = np.bincount(z, minlength=classes)
        on_list = np.stack([np.bincount(z, weights=x[:, j], minlength=classes) for j in range(k)])
        lam = np.clip(rng.beta(1 + on_list, 1 + per_class - on_list), 1e-12, 1 - 1e-12)
        after = np.concatenate([np.cumsum(per_class[::-1])[::-1][1:], [0]])
        v = np.minimum(rng.beta(1 + per_class[:-1], alpha + after[:-1]), 1 - 1e-12)
        pi = np.concatenate([v, [1.0]]) * np.concatenate([[1.0], np.cumprod(1 - v)])
        alpha = rng.gamma(0.25 + classes - 1, 1 / (0.25 - np.log1p(-v).sum()))
        p0 = float(np.sum(pi * np.prod(1 - lam, axis=0)))
        n0 = int(rng.negative_binomial(n, 1 - p0))
        draws[it] = n + n0
    return draws


def measure(timed: Callable[[], Any], traced: Callable[[], Any]) -> tuple[float, float, Any]:
    """Seconds of `timed`, tracemalloc peak MB of `traced`, and `timed`'s result."""
    started = time.perf_counter()
    result = timed()
    seconds = time.perf_counter() - started
    tracemalloc.start()
    traced()
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return seconds, peak, result


def vm_hwm_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--persons", type=int, default=200_000)
    parser.add_argument("--lists", type=int, default=5)
    parser.add_argument("--iterations", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rows: list[tuple[str, int, float, float | None, float, int | None]] = []

    started = time.perf_counter()
    histories, truth = simulate_captures(
        args.persons, lists=args.lists, heterogeneity=[(0.3, 0.5), (0.7, 0.12)], dependence={(0, 1): 3.0},
        seed=args.seed,
    )  # fmt: skip
    simulate_s = time.perf_counter() - started
    n = len(histories)
    seconds, peak, table = measure(lambda: CaptureTable.from_histories(histories),
                                   lambda: CaptureTable.from_histories(histories))  # fmt: skip
    rows.append(("capture table", n, seconds, None, peak, None))

    seconds, peak, loglinear = measure(lambda: fit_loglinear(table), lambda: fit_loglinear(table))
    rows.append(("loglinear (1,024 models)", n, seconds, None, peak, None))

    total = BURN_IN + args.iterations
    seconds, peak, lcmcr = measure(
        lambda: fit_lcmcr(
            table, iterations=args.iterations, burn_in=BURN_IN, thin=1, chains=1, seed=args.seed
        ),
        lambda: fit_lcmcr(table, iterations=100, burn_in=0, thin=1, chains=1, seed=args.seed),
    )
    rows.append(("lcmcr (pattern counts)", n, seconds, seconds / total * 1000, peak, total))

    seconds, peak, base = measure(
        lambda: per_person_sampler(histories, BASELINE_ITERATIONS, 10, args.seed),
        lambda: per_person_sampler(histories, 2, 10, args.seed),
    )
    rows.append(("baseline: per-person sampler", n, seconds, seconds / BASELINE_ITERATIONS * 1000, peak,
                 BASELINE_ITERATIONS))  # fmt: skip
    print_table(rows, args, truth, simulate_s)
    print(
        f"\nloglinear: model {loglinear.model}, N = {loglinear.estimate:,.0f} "
        f"({loglinear.interval[0]:,.0f} - {loglinear.interval[1]:,.0f})"
    )
    print(f"lcmcr: N = {lcmcr.estimate:,.0f} ({lcmcr.interval[0]:,.0f} - {lcmcr.interval[1]:,.0f}), "
          f"ESS {lcmcr.diagnostics.effective_sample_size:,.0f} of {args.iterations:,} draws; "
          f"baseline's last draws: {base[-3:].tolist()}")  # fmt: skip
    print(f"process peak memory (VmHWM, interpreter and libraries included): {vm_hwm_mb():,.0f} MB")


def print_table(rows: list[Any], args: argparse.Namespace, truth: dict[str, Any], simulate_s: float) -> None:
    print(f"{args.lists} lists, {truth['population']:,} people of whom {truth['observed']:,} listed "
          f"(simulated in {simulate_s:.2f} s, seed {args.seed})\n")  # fmt: skip
    base_per_k = rows[-1][3]
    header = (f"{'step':30} {'persons':>9} {'iterations':>10} {'seconds':>9} {'s/1k iter':>10} "
              f"{'peak MB':>8} {'vs baseline':>12}")  # fmt: skip
    print(header)
    print("-" * len(header))
    for step, n, seconds, per_k, peak, iters in rows:
        ratio = f"{per_k / base_per_k:.4f}x" if per_k is not None else ""
        print(f"{step:30} {n:>9,} {iters or '':>10} {seconds:>9.2f} "
              f"{'' if per_k is None else f'{per_k:.2f}':>10} {peak:>8.2f} {ratio:>12}")  # fmt: skip


if __name__ == "__main__":
    main()
