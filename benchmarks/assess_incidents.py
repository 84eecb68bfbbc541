"""Assessment and incident-counted figures at scale, next to the same figures counted per report.

    python benchmarks/assess_incidents.py [--rows 1000000] [--keep DIR]

1. Generates and imports N UCDP GED rows as `benchmarks/ingest.py` does (its `generate`), then clusters
   them in pairs (reports 2k and 2k+1 form one incident, N/2 incidents) by writing incident and
   incident_member directly, as a link run would. The generated pairs are near-copies of one UCDP
   event (same headline up to the jitter), so every pair goes through text comparison.
2. Measures in this process: the baseline figure of the unlinked store (each report its own incident,
   the plan without joins), the same figures over the linked store, and `assess_incidents` (copies,
   declared-strike matching, attribution, grades) with its peak memory.
3. Prints one table: step, items, seconds, peak MB (VmHWM of this process), and time vs the baseline.
"""

from __future__ import annotations

import argparse
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


def run(rows: int, work: Path) -> list[dict[str, Any]]:
    from harmtrace.assess.run import assess_incidents
    from harmtrace.ingest import get_format, import_file
    from harmtrace.store import open_store

    csv_path = work / f"ged_{rows}.csv"
    generate(rows, csv_path)
    results = []
    with open_store(work / "assess.duckdb") as store:
        import_file(store, get_format("ucdp-ged"), csv_path)
        for label, kwargs in FIGURES:
            seconds, items = figure_seconds(store, kwargs)
            results.append({"step": f"per report: {label}", "items": items, "seconds": seconds})
        store.con.execute(
            "INSERT INTO incident SELECT DISTINCT 'inc-' || (report_id // 2), 1, NULL, NULL FROM report"
        )
        store.con.execute(
            "INSERT INTO incident_member SELECT 'inc-' || (report_id // 2), report_id, 1, 0.99 FROM report"
        )
        for label, kwargs in FIGURES:
            seconds, items = figure_seconds(store, kwargs)
            results.append({"step": f"per incident: {label}", "items": items, "seconds": seconds})
        started = time.perf_counter()
        summary = assess_incidents(store)
        note = f"{summary['reports_copying']:,} reports copying; grades {summary['grades']}"
        seconds = time.perf_counter() - started
        results.append(
            {"step": "assess incidents", "items": summary["incidents"], "seconds": seconds, "note": note}
        )
    return results


def print_table(results: list[dict[str, Any]]) -> None:
    base = {r["step"].split(": ", 1)[-1]: r["seconds"] for r in results if r["step"].startswith("per report")}
    print(f"{'step':44} {'items':>10} {'seconds':>9} {'vs per report':>14}")
    print("-" * 80)
    for r in results:
        label = r["step"].split(": ", 1)[-1]
        ratio = f"{r['seconds'] / base[label]:.2f}x" if label in base else ""
        print(f"{r['step']:44} {r['items']:>10,} {r['seconds']:>9.2f} {ratio:>14}")
    print(f"  peak MB of the process (VmHWM): {memory_mb()[1]:,.0f}")
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
