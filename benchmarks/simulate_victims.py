"""Speed of the victim-list simulator: about N records over K lists, generated and written.

    python benchmarks/simulate_victims.py [--records 1000000] [--sources 3] [--seed 1] [--keep DIR]

1. Chooses the number of people so that the default lists hold about --records records (people x the
   sum of the lists' coverages x (1 + duplicate rate)).
2. Measures, in this process: building the name and place tables (once per process), simulating the
   people and every list (`simulate_victims`), and writing the CSV files, mappings, truth.csv and
   people.csv (`Simulation.write`).
3. Prints one table: step, records, seconds, records/s, and the process's peak memory (VmHWM, MB)
   after the step, interpreter and libraries included.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from harmtrace.simulate import default_config, simulate_victims
from harmtrace.simulate.spellings import lexicon


def peak_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--sources", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", type=Path, help="Write the files here (default: a temporary folder).")
    args = parser.parse_args()
    template = default_config(people=1, sources=args.sources)
    per_person = sum(s.coverage * (1 + s.duplicate_rate) for s in template.sources)
    config = default_config(people=round(args.records / per_person), sources=args.sources, seed=args.seed)
    rows = []

    started = time.perf_counter()
    lexicon()
    rows.append(("name and place tables", 0, time.perf_counter() - started, peak_mb()))

    started = time.perf_counter()
    sim = simulate_victims(config)
    records = sim.truth.num_rows
    rows.append((f"simulate {config.people:,} people, {args.sources} lists", records,
                 time.perf_counter() - started, peak_mb()))  # fmt: skip

    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        written = sim.write(args.keep or Path(tmp))
        rows.append((f"write CSV + truth to {written.folder.name}/", records, time.perf_counter() - started,
                     peak_mb()))  # fmt: skip
    total = sum(r[2] for r in rows)
    rows.append(("total", records, total, peak_mb()))
    print(f"{'step':<42} {'records':>10} {'seconds':>8} {'records/s':>11} {'peak MB':>8}")
    for step, n, seconds, peak in rows:
        rate = f"{n / seconds:,.0f}" if n else "-"
        print(f"{step:<42} {n:>10,} {seconds:>8.2f} {rate:>11} {peak:>8,.0f}")


if __name__ == "__main__":
    main()
