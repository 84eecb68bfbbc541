"""Do log-linear and LCMCR intervals cover the truth as often as they claim? Repeated simulations.

    python benchmarks/estimate_coverage.py [--reps 100] [--people 2000] [--seed S] [--lcmcr-iterations 4000]
                                          [--scenarios independent,dependence,heterogeneity]

For each scenario, --reps populations of known size are drawn (`harmtrace.simulate.captures`, seeds
seed, seed+1, ...), and each is estimated by
- loglinear: every pairwise model, chosen by AIC, 95% profile-likelihood interval (`fit_loglinear`);
- lcmcr: K* = 10, 2 chains of --lcmcr-iterations after as many burn-in iterations, thin 2, 95%
  equal-tailed credible interval (`fit_lcmcr`; fixed length, ``max_seconds=0``: no doubling).

Scenarios (capture probabilities per list; all start from --people people):
- independent: 4 lists, 0.3 each, no dependence: every method's assumptions hold;
- dependence: 4 lists, 0.3 each; lists 1-2 positively dependent (odds ratio 4), lists 3-4 negatively
  (0.5): what pairwise log-linear terms are for;
- heterogeneity: 5 lists, two latent classes (30% listed with probability 0.5 by each list, 70% with 0.1):
  what latent classes are for.

Prints one table: scenario, method, coverage (share of intervals holding the true size; its binomial
standard error beside it), nominal level, median estimate / truth, median interval width / truth,
fits that failed, seconds. Coverage is reported, never asserted in a test.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from harmtrace.analyse.mse import CaptureTable, Estimate, fit_lcmcr, fit_loglinear
from harmtrace.errors import HarmtraceError
from harmtrace.simulate.captures import simulate_captures

LEVEL = 0.95
SCENARIOS: dict[str, dict[str, Any]] = {
    "independent": {"lists": 4, "capture_probs": 0.3},
    "dependence": {"lists": 4, "capture_probs": 0.3, "dependence": {(0, 1): 4.0, (2, 3): 0.5}},
    "heterogeneity": {"lists": 5, "heterogeneity": [(0.3, 0.5), (0.7, 0.1)]},
}


@dataclass
class Tally:
    covered: int = 0
    failed: int = 0
    ratios: list[float] | None = None
    widths: list[float] | None = None
    seconds: float = 0.0

    def add(self, result: Estimate | None, truth: int) -> None:
        self.ratios, self.widths = self.ratios or [], self.widths or []
        if result is None:
            self.failed += 1
            return
        lo, hi = result.interval
        self.covered += lo <= truth <= hi
        self.ratios.append(result.estimate / truth)
        self.widths.append((hi - lo) / truth)


def run(
    reps: int, people: int, seed: int, iterations: int, scenarios: list[str]
) -> dict[tuple[str, str], Tally]:
    methods: dict[str, Callable[[CaptureTable, int], Estimate]] = {
        "loglinear": lambda t, s: fit_loglinear(t, criterion="aic", level=LEVEL),
        "lcmcr": lambda t, s: fit_lcmcr(t, iterations=iterations, burn_in=iterations, thin=2, chains=2,
                                        seed=s, level=LEVEL, max_seconds=0),
    }  # fmt: skip
    tallies = {(sc, m): Tally() for sc in scenarios for m in methods}
    for scenario in scenarios:
        settings = SCENARIOS[scenario]
        for rep in range(reps):
            histories, truth = simulate_captures(people, seed=seed + rep, **settings)
            table = CaptureTable.from_histories(histories)
            for method, fit in methods.items():
                tally = tallies[(scenario, method)]
                started = time.perf_counter()
                try:
                    tally.add(fit(table, seed + rep), truth["population"])
                except HarmtraceError:
                    tally.add(None, truth["population"])
                tally.seconds += time.perf_counter() - started
    return tallies


def print_table(tallies: dict[tuple[str, str], Tally], reps: int) -> None:
    header = (f"{'scenario':14} {'method':10} {'coverage':>14} {'nominal':>8} {'est/truth':>10} "
              f"{'width/truth':>12} {'failed':>7} {'seconds':>8}")  # fmt: skip
    print(header)
    print("-" * len(header))
    for (scenario, method), t in tallies.items():
        fitted = reps - t.failed
        cov = t.covered / max(fitted, 1)
        se = np.sqrt(cov * (1 - cov) / max(fitted, 1))
        print(f"{scenario:14} {method:10} {f'{cov:.3f} ± {se:.3f}':>14} {LEVEL:>8.2f} "
              f"{np.median(t.ratios or [np.nan]):>10.3f} {np.median(t.widths or [np.nan]):>12.3f} "
              f"{t.failed:>7} {t.seconds:>8.1f}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--reps", type=int, default=100)
    parser.add_argument("--people", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1000)
    parser.add_argument("--lcmcr-iterations", type=int, default=4000)
    parser.add_argument(
        "--scenarios", default=",".join(SCENARIOS), help="comma-separated subset of the scenarios"
    )
    args = parser.parse_args()
    last = args.seed + args.reps - 1
    print(f"{args.reps} populations of {args.people:,} people per scenario, seeds {args.seed}..{last}\n")
    scenarios = args.scenarios.split(",")
    its = f"{args.lcmcr_iterations:,}"
    print(f"lcmcr: 2 chains of {its} iterations after {its} of burn-in, thin 2")
    print_table(run(args.reps, args.people, args.seed, args.lcmcr_iterations, scenarios), args.reps)


if __name__ == "__main__":
    main()
