"""What the linkage benchmarks share: a link in a fresh subprocess, its peak memory, the results table.

`benchmarks/link_victims.py` and `benchmarks/link_incidents.py` each link a store more than once, each
run in its own interpreter (`run_step`: the script again with ``--step NAME --work DIR``) so that each
run's peak memory (`peak_mb`, the process's VmHWM) is its own, and print one table (`print_table`).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

# column, width (the first column is the run's name); "x" is the time as a multiple of the first run's
COLUMNS = (
    ("records", 10),
    ("pairs", 10),
    ("clusters", 10),
    ("seconds", 8),
    ("records/s", 10),
    ("peak MB", 8),
    ("F1", 6),
    ("P", 6),
    ("R", 6),
    ("blocking", 8),
    ("x", 6),
)


def simulate_and_import(
    simulate: Callable[[], Any], folder: Path, db: Path, importer: Callable[[Any, Any], list[Any]]
) -> dict[str, Any]:
    """Run `simulate()` (a simulation with `.write(folder)`), write it to `folder` and import it into a
    new store `db` with `importer(store, written)`: rows accepted, seconds of each step."""
    from harmtrace.store import open_store

    started = time.perf_counter()
    written = simulate().write(folder)
    simulated = time.perf_counter() - started
    started = time.perf_counter()
    with open_store(db, create=True) as store:
        results = importer(store, written)
    return {
        "rows": sum(r.rows_accepted for r in results),
        "simulate_s": simulated,
        "import_s": time.perf_counter() - started,
    }


def peak_mb() -> float:
    """This process's peak resident memory (VmHWM) in MB; NaN where /proc has none."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def run_step(script: str, name: str, work: Path) -> dict[str, Any]:
    """`script --step name --work work` in a fresh interpreter; its last stdout line is the JSON result.

    A failed step's stderr (its traceback) is shown, not lost, and ends the benchmark.
    """
    cmd = [sys.executable, script, "--step", name, "--work", str(work)]
    done = subprocess.run(cmd, capture_output=True, text=True)
    sys.stderr.write(done.stderr[-4000:])
    if done.returncode != 0:
        raise SystemExit(
            f"step {name!r} failed with exit status {done.returncode} (--keep DIR keeps its files)"
        )
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def step_row(
    run: str,
    counts: tuple[int, int, int],
    seconds: float,
    peak: float,
    steps: dict[str, float],
    evaluation: Any,
) -> dict[str, Any]:
    """A step's result for `print_table`: `counts` are (records linked, pairs scored, clusters);
    `evaluation` a `harmtrace.link.evaluate` result, or None when the run is not scored."""
    pairwise = evaluation.pairwise if evaluation is not None else None
    return {
        "run": run,
        "records": counts[0],
        "pairs": counts[1],
        "clusters": counts[2],
        "seconds": seconds,
        "peak_mb": peak,
        "steps": steps,
        "f1": pairwise.f1 if pairwise else None,
        "precision": pairwise.precision if pairwise else None,
        "recall": pairwise.recall if pairwise else None,
        "blocking_recall": evaluation.blocking_recall if evaluation is not None else None,
    }


def run_all(
    script: str,
    keep: Path | None,
    prepare: Callable[[Path], dict[str, Any]],
    steps: list[str],
    summary: Callable[[dict[str, Any], list[dict[str, Any]]], None],
) -> None:
    """Prepare the store in `keep` (else a temporary folder), run each step in its own process, and
    print `summary` of the preparation and the steps' rows."""
    with tempfile.TemporaryDirectory(prefix="harmtrace-bench-") as tmp:
        work = keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        prepared = prepare(work)
        summary(prepared, [run_step(script, name, work) for name in steps])


def bench_parser(description: str | None, keep: str) -> argparse.ArgumentParser:
    """The arguments every linkage benchmark takes: --seed, --keep DIR (`keep` says what stays), and
    the hidden --step / --work with which `run_step` calls the script back for one step."""
    parser = argparse.ArgumentParser(
        description=description, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", type=Path, help=f"work in this folder and keep {keep}")
    parser.add_argument("--step", help=argparse.SUPPRESS)
    parser.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    return parser


def step_or_run(
    args: argparse.Namespace,
    script: str,
    step: Callable[[str, Path], dict[str, Any]],
    prepare: Callable[[Path], dict[str, Any]],
    steps: list[str],
    summary: Callable[[dict[str, Any], list[dict[str, Any]]], None],
) -> None:
    """Called back with --step: run that step and print its row as JSON; else `run_all`."""
    if args.step:
        print(json.dumps(step(args.step, args.work)))
    else:
        run_all(script, args.keep, prepare, steps, summary)


def print_table(rows: list[dict[str, Any]], words: tuple[str, str, str]) -> None:
    """One line per run, then its seconds per step. `words` names the first column, the records and
    the clusters ("link", "records", "persons"). Each row has: run, records, pairs, clusters, seconds,
    peak_mb, steps, and f1, precision, recall, blocking_recall (None when not evaluated)."""
    first, records, clusters = words
    names = [
        {"records": records, "records/s": f"{records}/s", "clusters": clusters}.get(n, n) for n, _ in COLUMNS
    ]
    width = max(6, *(len(r["run"]) for r in rows))
    header = f"{first:<{width}} " + " ".join(f"{n:>{w}}" for n, (_, w) in zip(names, COLUMNS, strict=True))
    print(header)
    print("-" * len(header))
    base = rows[0]["seconds"]
    for r in rows:
        cells = (
            f"{r['records']:>10,}", f"{r['pairs']:>10,}", f"{r['clusters']:>10,}", f"{r['seconds']:>8.1f}",
            f"{r['records'] / r['seconds']:>10,.0f}", f"{r['peak_mb']:>8,.0f}", ratio(r["f1"], 6),
            ratio(r["precision"], 6), ratio(r["recall"], 6), ratio(r["blocking_recall"], 8),
            f"{r['seconds'] / base:>5.2f}x",
        )  # fmt: skip
        print(f"{r['run']:<{width}} " + " ".join(cells))
    for r in rows:
        print(f"  {r['run']} steps (s): " + ", ".join(f"{k} {v:.1f}" for k, v in r["steps"].items()))


def ratio(value: float | None, width: int) -> str:
    return f"{'-':>{width}}" if value is None else f"{value:>{width}.3f}"
