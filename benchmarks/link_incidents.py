"""Incident linkage at scale: about N simulated reports from five sources, linked into incidents.

    python benchmarks/link_incidents.py [--reports 1000000] [--seed 1] [--keep DIR]

1. Simulates incidents and their reports (`harmtrace.simulate.reports`, the default five sources:
   Arabic and Latin script, dates to the day, week or month, points from exact to the governorate,
   copies and within-source duplicates, a third of incidents on the day and in the town of another)
   so that the sources hold about --reports reports, writes and imports them (timed, not linked).
2. Links the store twice, each in its own subprocess on its own copy, so that each peak memory is
   its own: first a tenth of the reports (those of the first tenth of the days: the baseline), then
   all of them. Each run is the whole `link_incidents`: features, training, scoring, pairs written,
   clusters, incident ids.
3. Scores each run against the truth (`evaluate_incidents`; not timed).
4. Prints one table: run, reports linked, pairs kept, incidents, seconds, reports/s, peak MB (the
   subprocess's VmHWM, interpreter included, taken before the evaluation), pairwise F1, precision,
   recall, blocking recall, and the time as a multiple of the baseline's; then seconds per step.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

PERIOD_START, PERIOD_END = date(2016, 1, 1), date(2019, 12, 31)


def peak_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def prepare(reports: int, seed: int, work: Path) -> dict[str, Any]:
    """Simulate about `reports` reports, write them and import them into work/reports.duckdb."""
    from harmtrace.simulate.reports import DEFAULT_SOURCES, ReportsConfig, import_reports, simulate_reports
    from harmtrace.store import open_store

    per_incident = sum(s.coverage * (1 + s.duplicate_rate) for s in DEFAULT_SOURCES)
    config = ReportsConfig(incidents=round(reports / per_incident), seed=seed)
    started = time.perf_counter()
    written = simulate_reports(config).write(work / "sim")
    simulated = time.perf_counter() - started
    started = time.perf_counter()
    with open_store(work / "reports.duckdb") as store:
        results = import_reports(store, written)
    return {
        "incidents": config.incidents,
        "reports": sum(r.rows_accepted for r in results),
        "simulate_s": simulated,
        "import_s": time.perf_counter() - started,
    }


def step_link(name: str, work: Path) -> dict[str, Any]:
    """Link a copy of the store (all of it, or the baseline's tenth), then evaluate it."""
    from harmtrace.link.evaluate import evaluate_incidents
    from harmtrace.link.incidents import link_incidents
    from harmtrace.store import open_store

    db = work / f"{name}.duckdb"
    shutil.copy(work / "reports.duckdb", db)
    days = (PERIOD_END - PERIOD_START).days
    date_to = PERIOD_START + timedelta(days=days // 10) if name == "tenth" else None
    with open_store(db) as store:
        started = time.perf_counter()
        run = link_incidents(store, date_to=date_to)
        seconds = time.perf_counter() - started
        peak = peak_mb()
        evaluation = evaluate_incidents(store, work / "sim" / "truth.csv") if name == "all" else None
    db.unlink()
    return {
        "run": name,
        "reports": run.linked_reports,
        "pairs": run.pairs_scored,
        "incidents": run.incidents,
        "seconds": seconds,
        "peak_mb": peak,
        "steps": run.seconds,
        "f1": evaluation.pairwise.f1 if evaluation else None,
        "precision": evaluation.pairwise.precision if evaluation else None,
        "recall": evaluation.pairwise.recall if evaluation else None,
        "blocking_recall": evaluation.blocking_recall if evaluation else None,
    }


def run_step(name: str, work: Path) -> dict[str, Any]:
    """One linkage in a fresh interpreter; its last stdout line is the JSON result."""
    cmd = [sys.executable, __file__, "--step", name, "--work", str(work)]
    done = subprocess.run(cmd, capture_output=True, text=True)
    sys.stderr.write(done.stderr[-2000:])  # a failed step's traceback is shown, not lost
    if done.returncode != 0:
        raise SystemExit(
            f"step {name!r} failed with exit status {done.returncode} (--keep DIR keeps its files)"
        )
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def print_table(prepared: dict[str, Any], rows: list[dict[str, Any]]) -> None:
    print(
        f"{prepared['reports']:,} reports of {prepared['incidents']:,} incidents from 5 sources: simulated "
        f"and written in {prepared['simulate_s']:.1f} s, imported in {prepared['import_s']:.1f} s"
    )
    names = (
        "reports",
        "pairs",
        "incidents",
        "seconds",
        "reports/s",
        "peak MB",
        "F1",
        "P",
        "R",
        "blocking",
        "x",
    )
    widths = (10, 10, 10, 8, 10, 8, 6, 6, 6, 8, 6)
    header = f"{'run':<6} " + " ".join(f"{n:>{w}}" for n, w in zip(names, widths, strict=True))
    print(header)
    print("-" * len(header))
    base = rows[0]["seconds"]
    for r in rows:
        cells = (
            f"{r['reports']:>10,}", f"{r['pairs']:>10,}", f"{r['incidents']:>10,}", f"{r['seconds']:>8.1f}",
            f"{r['reports'] / r['seconds']:>10,.0f}", f"{r['peak_mb']:>8,.0f}", _ratio(r["f1"], 6),
            _ratio(r["precision"], 6), _ratio(r["recall"], 6), _ratio(r["blocking_recall"], 8),
            f"{r['seconds'] / base:>5.2f}x",
        )  # fmt: skip
        print(f"{r['run']:<6} " + " ".join(cells))
    for r in rows:
        print(f"  {r['run']} steps (s): " + ", ".join(f"{k} {v:.1f}" for k, v in r["steps"].items()))


def _ratio(value: float | None, width: int) -> str:
    return f"{'-':>{width}}" if value is None else f"{value:>{width}.3f}"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--reports", type=int, default=1_000_000, help="reports to simulate (1,000,000)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", type=Path, help="work in this folder and keep the files and the store")
    parser.add_argument("--step", help=argparse.SUPPRESS)
    parser.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.step:
        print(json.dumps(step_link(args.step, args.work)))
        return
    with tempfile.TemporaryDirectory(prefix="harmtrace-bench-") as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        prepared = prepare(args.reports, args.seed, work)
        print_table(prepared, [run_step(name, work) for name in ("tenth", "all")])


if __name__ == "__main__":
    main()
