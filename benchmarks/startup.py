"""How fast the `harmtrace` command answers, next to a bare `import duckdb, click`.

    python benchmarks/startup.py [--runs 7]

1. Imports the bundled UCDP GED file (data/ucdp_ged_syria_2016-01_2019-11.csv) into a store in a
   temporary folder, for the commands that read one.
2. Runs each command N times, every time in a fresh process (the `harmtrace` script installed beside
   this interpreter, as a user types it), the commands in turn so that a busy machine slows all alike:
   - baseline: `python -c "import duckdb, click"`, what any harmtrace command must load;
   - help and version: `harmtrace --help`, `--version`, the help of two commands over heavy libraries;
   - the floor of a command that reads a store: the baseline plus DuckDB opening the store and counting
     its batches;
   - a light command: `harmtrace batches` on the small store;
   - a figure: `harmtrace stats casualties` on it, which loads its library when it runs.
3. Prints one table: command, median wall seconds, the child's peak resident memory in MB (its
   ru_maxrss, from os.wait4; the largest of the runs), and the median as a multiple of the baseline's.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUNDLED = ROOT / "data" / "ucdp_ged_syria_2016-01_2019-11.csv"


def commands(harmtrace: str, db: Path) -> list[tuple[str, list[str]]]:
    """(label, argv) of every command measured; the baseline first."""
    on_store = ["--db", str(db)]
    return [
        ('python -c "import duckdb, click" (baseline)', [sys.executable, "-c", "import duckdb, click"]),
        ("harmtrace --help", [harmtrace, "--help"]),
        ("harmtrace --version", [harmtrace, "--version"]),
        ("harmtrace stats casualties --help", [harmtrace, "stats", "casualties", "--help"]),
        ("harmtrace link victims --help", [harmtrace, "link", "victims", "--help"]),
        # what any command reading the store pays before harmtrace does anything: DuckDB opening it
        (
            "python: import duckdb, click; open the store",
            [sys.executable, "-c", _OPEN_STORE.format(db=str(db))],
        ),
        ("harmtrace batches (small store)", [harmtrace, "batches", *on_store]),
        ("harmtrace stats casualties (small store)", [harmtrace, "stats", "casualties", *on_store]),
    ]


_OPEN_STORE = "; ".join(
    [
        "import duckdb, click",
        "duckdb.connect({db!r}, read_only=True).execute('SELECT count(*) FROM batch').fetchall()",
    ]
)


def run_once(argv: list[str]) -> tuple[float, float]:
    """Wall seconds and peak resident MB of one run of `argv` in a fresh process."""
    started = time.perf_counter()
    child = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} exited with {child.returncode}")
    return seconds, usage.ru_maxrss / 1024  # ru_maxrss is in KB on Linux


def measure(runs: int, cases: list[tuple[str, list[str]]]) -> list[tuple[str, float, float]]:
    """(label, median seconds, peak MB) per command, the commands run in turn `runs` times."""
    times: dict[str, list[float]] = {label: [] for label, _ in cases}
    peaks: dict[str, float] = dict.fromkeys(times, 0.0)
    for _ in range(runs):
        for label, argv in cases:
            seconds, peak_mb = run_once(argv)
            times[label].append(seconds)
            peaks[label] = max(peaks[label], peak_mb)
    return [(label, statistics.median(times[label]), peaks[label]) for label, _ in cases]


def print_table(results: list[tuple[str, float, float]], runs: int) -> None:
    baseline = results[0][1]
    header = f"{'command':<44} {'median s':>9} {'peak MB':>8} {'vs base':>8}"
    print(header)
    print("-" * len(header))
    for label, seconds, peak_mb in results:
        print(f"{label:<44} {seconds:>9.3f} {peak_mb:>8,.0f} {seconds / baseline:>7.2f}x")
    print(f"  median of {runs} runs, each in a fresh process; peak MB: the largest of the runs")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=7, help="runs of each command (default 7)")
    args = parser.parse_args()
    harmtrace = shutil.which("harmtrace", path=str(Path(sys.executable).parent))
    if harmtrace is None:
        raise SystemExit(f"no harmtrace script beside {sys.executable}: install the project (uv sync)")
    with tempfile.TemporaryDirectory(prefix="harmtrace-bench-") as tmp:
        db = Path(tmp) / "small.duckdb"
        subprocess.run([harmtrace, "ingest", "ucdp-ged", str(BUNDLED), "--db", str(db)],
                       check=True, capture_output=True)  # fmt: skip
        print_table(measure(args.runs, commands(harmtrace, db)), args.runs)


if __name__ == "__main__":
    main()
