"""Assessment and incident-counted figures at scale, next to the same figures counted per report.

    python benchmarks/assess_incidents.py [--rows 1000000] [--keep DIR]

1. Generates and imports N UCDP GED rows as `benchmarks/ingest.py` does (its `generate`), then clusters
   them in pairs (reports 2k and 2k+1 form one incident, N/2 incidents) by writing incident and
   incident_member directly, as a link run would. The generated pairs are near-copies of one UCDP
   event (same headline up to the jitter), so every pair goes through text comparison.
2. Measures in this process: the baseline figure of the unlinked store (each report its own incident,
   the plan without joins); the same figures over the linked store aggregated at query time (no
   assessment yet); `assess incidents` (copies, declared-strike matching, attribution, grades and the
   stored per-incident rows) with its own peak memory; then the figures again, read from the stored rows.
3. Prints one table: step, items, median seconds of 3 runs, time vs the per-report baseline, and peak
   MB (VmHWM, reset before the step where the kernel allows it; else the process's peak so far).
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ingest import generate, memory_mb

FIGURES: list[tuple[str, dict[str, Any]]] = [
    ("all time, total", {}),
    ("305 days by perpetrator", {"date_from": date(2016, 1, 1), "days": 305, "by": "perpetrator"}),
    ("all time by month", {"by": "month"}),
    (
        "305 days, civilians, Government of Syria",
        {
            "date_from": date(2016, 1, 1),
            "days": 305,
            "perpetrator": "Government of Syria",
            "category": "civilians",
        },
    ),
]
RUNS = 3


def figure_seconds(store: Any, kwargs: dict[str, Any]) -> tuple[float, int]:
    from harmtrace.analyse.casualties import CasualtyQuery, casualties

    query = CasualtyQuery(**kwargs)
    casualties(store, query)  # warm-up
    times, items = [], 0
    for _ in range(RUNS):
        started = time.perf_counter()
        items = casualties(store, query)["total"]["items_max"]
        times.append(time.perf_counter() - started)
    return statistics.median(times), items


def reset_peak() -> None:
    """Reset VmHWM to the current RSS (Linux 4.0+), so the next peak is the next step's own."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def figures(store: Any, kind: str) -> list[dict[str, Any]]:
    results = []
    for label, kwargs in FIGURES:
        reset_peak()
        seconds, items = figure_seconds(store, kwargs)
        results.append(
            {"step": f"{kind}: {label}", "items": items, "seconds": seconds, "peak": memory_mb()[1]}
        )
    return results


def run(rows: int, work: Path) -> list[dict[str, Any]]:
    from harmtrace.assess.run import assess_incidents
    from harmtrace.ingest import get_format, import_file
    from harmtrace.store import open_store

    csv_path = work / f"ged_{rows}.csv"
    generate(rows, csv_path)
    with open_store(work / "assess.duckdb", create=True) as store:
        import_file(store, get_format("ucdp-ged"), csv_path)
        results = figures(store, "per report")
        store.con.execute(
            "INSERT INTO incident SELECT DISTINCT 'inc-' || (report_id // 2), 1, NULL, NULL FROM report"
        )
        store.con.execute(
            "INSERT INTO incident_member SELECT 'inc-' || (report_id // 2), report_id, 1, 0.99 FROM report"
        )
        results += figures(store, "per incident, query time")
        reset_peak()
        started = time.perf_counter()
        summary = assess_incidents(store).as_dict()
        seconds = time.perf_counter() - started
        note = f"{summary['reports_copying']:,} reports copying; grades {summary['grades']}"
        results.append({"step": "assess incidents", "items": summary["incidents"], "seconds": seconds,
                        "peak": memory_mb()[1], "note": note})  # fmt: skip
        results += figures(store, "per incident, stored")
    return results


def print_table(results: list[dict[str, Any]]) -> None:
    base = {r["step"].split(": ", 1)[-1]: r["seconds"] for r in results if r["step"].startswith("per report")}
    print(f"{'step':52} {'items':>10} {'seconds':>9} {'vs per report':>14} {'peak MB':>8}")
    print("-" * 97)
    for r in results:
        label = r["step"].split(": ", 1)[-1]
        ratio = f"{r['seconds'] / base[label]:.2f}x" if label in base else ""
        print(f"{r['step']:52} {r['items']:>10,} {r['seconds']:>9.2f} {ratio:>14} {r['peak']:>8,.0f}")
    for r in results:
        if "note" in r:
            print(f"  {r['step']}: {r['note']}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--keep", type=Path, help="work in this folder and keep the file and store")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        print_table(run(args.rows, args.keep or Path(tmp)))


if __name__ == "__main__":
    main()
