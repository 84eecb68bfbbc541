"""LCMCR and log-linear speed and memory on 5 lists and 200,000 persons, next to a per-person sampler;
LCMCR's compiled sampler against its numpy reference, per iteration and per effective draw.

    python benchmarks/estimate.py [--persons 200000] [--lists 5] [--iterations 5000] [--seed S]
                                  [--small-persons 8000]

1. Simulates --persons people (two latent classes, easy and hard to list, and one dependent pair of
   lists: `harmtrace.simulate.captures`), keeps those on at least one list, and builds the capture
   table (`CaptureTable.from_histories`).
2. Times, each in this process:
   - loglinear: `fit_loglinear` with every pairwise model (1,024 for 5 lists), AIC, profile intervals
     for the best five;
   - lcmcr: one chain of `fit_lcmcr` (K* = 10) for --iterations iterations after 1,000 of burn-in,
     compiled and numpy engines;
   - baseline: the same Gibbs sampler written per person (a latent class drawn for each of the n + n0
     people every iteration, vectorised numpy: what a direct reading of the paper gives), for a few
     iterations, scaled to 1,000.
3. Prints one table: step, persons, seconds, seconds per 1,000 iterations, peak MB (tracemalloc: the
   step's own numpy and Python allocations, measured in a second, shorter run so that tracing does not
   slow the timed one), and time per iteration as a multiple of the per-person baseline's.
4. LCMCR engines, on a 4-list table of --small-persons people (about 4,400 listed) and on the 5-list
   table, each engine in this process on the same table: 4 chains of fixed length (``max_seconds=0``;
   10,000 + 100,000 iterations thinned by 20 for the compiled engine, 1,000 + 5,000 for numpy): µs per
   iteration (CPU time over all chains' iterations, burn-in included; the compiled chains run in
   parallel, so elapsed time is shown too), the effective sample size of N and ESS per second; then
   the default run (doubling until converged, within 60 s) of the compiled engine: rounds, iterations
   per chain, seconds, R-hat, ESS. Before any of it, the compiled sampler's first call: in a
   fresh process with an empty NUMBA_CACHE_DIR (numba's import and compilation) and in this process
   (numba's import and the disk cache, if present).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from harmtrace.analyse.mse import CaptureTable, LcmcrResult, fit_lcmcr, fit_loglinear
from harmtrace.analyse.mse.lcmcr import compile_seconds
from harmtrace.simulate.captures import simulate_captures

BURN_IN = 1000
BASELINE_ITERATIONS = 20
HETEROGENEITY = [(0.3, 0.5), (0.7, 0.12)]
CHAINS = 4
ENGINE_RUNS = {"compiled": (10_000, 100_000, 20), "numpy": (1000, 5000, 1)}  # burn-in, iterations, thin


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
    parser.add_argument("--small-persons", type=int, default=8000)
    args = parser.parse_args()
    compile_fresh, compile_here = fresh_compile_seconds(), compile_seconds()
    table = large_table_steps(args)
    print(f"\nLCMCR compiled sampler, first call: {compile_fresh:.2f} s in a fresh process, empty cache "
          f"(numba import + compilation); {compile_here:.2f} s here (import + disk cache)")  # fmt: skip
    small, _ = simulate_captures(
        args.small_persons, lists=4, heterogeneity=HETEROGENEITY, dependence={(0, 1): 3.0}, seed=args.seed
    )
    tables = {f"4 lists, {len(small):,} listed": CaptureTable.from_histories(small),
              f"{args.lists} lists, {table.observed:,} listed": table}  # fmt: skip
    print_engines([engine_row(name, t, e, args.seed) for name, t in tables.items() for e in ENGINE_RUNS])
    print_defaults([(name, fit_lcmcr(t, seed=args.seed)) for name, t in tables.items()])


def large_table_steps(args: argparse.Namespace) -> CaptureTable:
    """Steps 1-3 of the module docstring; the capture table."""
    rows: list[tuple[str, int, float, float | None, float, int | None]] = []
    started = time.perf_counter()
    histories, truth = simulate_captures(
        args.persons, lists=args.lists, heterogeneity=HETEROGENEITY, dependence={(0, 1): 3.0}, seed=args.seed
    )
    simulate_s = time.perf_counter() - started
    n = len(histories)
    seconds, peak, table = measure(lambda: CaptureTable.from_histories(histories),
                                   lambda: CaptureTable.from_histories(histories))  # fmt: skip
    rows.append(("capture table", n, seconds, None, peak, None))
    seconds, peak, loglinear = measure(lambda: fit_loglinear(table), lambda: fit_loglinear(table))
    rows.append(("loglinear (1,024 models)", n, seconds, None, peak, None))
    total = BURN_IN + args.iterations
    fits = {}
    for engine in ENGINE_RUNS:
        timed = partial(fit_lcmcr, table, iterations=args.iterations, burn_in=BURN_IN, thin=1, chains=1,
                        seed=args.seed, engine=engine, max_seconds=0)  # fmt: skip
        traced = partial(fit_lcmcr, table, iterations=100, burn_in=0, thin=1, chains=1, engine=engine)
        seconds, peak, fits[engine] = measure(timed, traced)
        rows.append((f"lcmcr ({engine})", n, seconds, seconds / total * 1000, peak, total))
    seconds, peak, base = measure(
        lambda: per_person_sampler(histories, BASELINE_ITERATIONS, 10, args.seed),
        lambda: per_person_sampler(histories, 2, 10, args.seed),
    )
    rows.append(("baseline: per-person sampler", n, seconds, seconds / BASELINE_ITERATIONS * 1000, peak,
                 BASELINE_ITERATIONS))  # fmt: skip
    print_table(rows, args, truth, simulate_s)
    lcmcr = fits["compiled"]
    print(f"\nloglinear: model {loglinear.model}, N = {loglinear.estimate:,.0f} "
          f"({loglinear.interval[0]:,.0f} - {loglinear.interval[1]:,.0f})")  # fmt: skip
    print(f"lcmcr (compiled, one chain): N = {lcmcr.estimate:,.0f} ({lcmcr.interval[0]:,.0f} - "
          f"{lcmcr.interval[1]:,.0f}), ESS {lcmcr.diagnostics.effective_sample_size:,.0f} of "
          f"{args.iterations:,} draws; baseline's last draws: {base[-3:].tolist()}")  # fmt: skip
    print(f"process peak memory (VmHWM, interpreter and libraries included): {vm_hwm_mb():,.0f} MB")
    return table


def fresh_compile_seconds() -> float:
    """The compiled sampler's first call in a new process whose numba cache is empty."""
    code = "from harmtrace.analyse.mse.lcmcr import compile_seconds; print(compile_seconds())"
    with tempfile.TemporaryDirectory() as cache:
        env = os.environ | {"NUMBA_CACHE_DIR": cache}
        done = subprocess.run(
            [sys.executable, "-c", code], env=env, check=True, capture_output=True, text=True
        )
    return float(done.stdout.split()[-1])


def engine_row(name: str, table: CaptureTable, engine: str, seed: int) -> dict[str, Any]:
    """4 chains of fixed length by one engine: speed per iteration and per effective draw."""
    burn_in, iterations, thin = ENGINE_RUNS[engine]
    started, cpu = time.perf_counter(), time.process_time()
    r = fit_lcmcr(table, iterations=iterations, burn_in=burn_in, thin=thin, chains=CHAINS, seed=seed,
                  engine=engine, max_seconds=0)  # fmt: skip
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    ess, total = r.diagnostics.effective_sample_size, CHAINS * (burn_in + iterations)
    return {"table": name, "engine": engine, "run": f"{CHAINS} x {burn_in + iterations:,}",
            "seconds": seconds, "us": cpu / total * 1e6, "wall us": seconds / total * 1e6, "ess": ess,
            "ess/s": ess / seconds, "r_hat": r.diagnostics.r_hat, "n": r.estimate}  # fmt: skip


def print_engines(rows: list[dict[str, Any]]) -> None:
    import numba  # imported by the first compiled run; here for its thread count

    print("\nLCMCR engines, K* = 10, 4 chains of fixed length (max_seconds=0), same table, same process "
          f"(compiled chains run in parallel on {numba.get_num_threads()} threads; us/iter: CPU time per "
          "iteration of one chain, wall: elapsed time / iterations of all chains):\n")  # fmt: skip
    header = (f"{'table':24} {'engine':9} {'chains x iter':>13} {'seconds':>8} {'us/iter':>8} {'wall':>6} "
              f"{'ESS':>6} {'ESS/s':>7} {'R-hat':>6} {'N':>9}")  # fmt: skip
    print(header)
    print("-" * len(header))
    for r in rows:
        print(f"{r['table']:24} {r['engine']:9} {r['run']:>13} {r['seconds']:>8.2f} {r['us']:>8.1f} "
              f"{r['wall us']:>6.1f} {r['ess']:>6,.0f} {r['ess/s']:>7.1f} {r['r_hat']:>6.3f} "
              f"{r['n']:>9,.0f}")  # fmt: skip
    for name in dict.fromkeys(r["table"] for r in rows):
        fast, slow = (next(r for r in rows if r["table"] == name and r["engine"] == e) for e in ENGINE_RUNS)
        print(f"{name}: compiled {slow['us'] / fast['us']:.0f}x faster per iteration, "
              f"{fast['ess/s'] / slow['ess/s']:.0f}x the effective draws per second")  # fmt: skip


def print_defaults(results: list[tuple[str, LcmcrResult]]) -> None:
    print("\nDefault run (compiled, 4 chains of 10,000 burn-in + 10,000, thin 10, doubled until R-hat < 1.05 "
          "and ESS >= 100, within 60 s):\n")  # fmt: skip
    header = (f"{'table':24} {'converged':>9} {'rounds':>6} {'iter/chain':>10} {'thin':>5} {'seconds':>7} "
              f"{'R-hat':>6} {'ESS':>5} {'N':>8} {'95% interval':>18}")  # fmt: skip
    print(header)
    print("-" * len(header))
    for name, r in results:
        d = r.diagnostics
        interval = f"{r.interval[0]:,.0f} - {r.interval[1]:,.0f}"
        print(f"{name:24} {d.converged!s:>9} {d.rounds:>6} {d.iterations:>10,} {d.thin:>5} "
              f"{d.seconds:>7.1f} {d.r_hat:>6.3f} {d.effective_sample_size:>5,.0f} {r.estimate:>8,.0f} "
              f"{interval:>18}")  # fmt: skip


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
