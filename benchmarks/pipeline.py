"""The main job end to end: `run_pipeline` on the bundled data, step by step, against a baseline.

    python benchmarks/pipeline.py [--keep DIR]

Runs in this process, in order:
1. baseline: DuckDB reading the same three CSV files into typed tables (`read_csv`), nothing kept
   beyond that: no raw rows, no checks, no records;
2. `harmtrace.run_pipeline` (the sequence `harmtrace demo` runs): import the three files (every row
   kept verbatim and hashed), place the reports in governorates, link them into incidents (Splink,
   trained on every report), assess the incidents and write the HTML report.

Prints one table: step, seconds, seconds against the baseline, peak resident MB so far (VmHWM), and
the counts each step produced, so a change that alters what the pipeline computes shows here too.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ingest import memory_mb

import harmtrace as ht

DATA = Path(__file__).resolve().parents[1] / "data"
FILES = [
    ht.SourceFile("ucdp-ged", DATA / "ucdp_ged_syria_2016-01_2019-11.csv", "UCDP"),
    ht.SourceFile("syrian-archive", DATA / "seankross_violations.csv", "Syrian Archive"),
    ht.SourceFile("syrian-archive", DATA / "seankross_syrian_archive_raw.csv", "Syrian Archive"),
]


def baseline(work: Path) -> float:
    """Seconds for DuckDB to read the files into tables of a fresh database."""
    started = time.perf_counter()
    con = duckdb.connect(str(work / "baseline.duckdb"))
    for n, f in enumerate(FILES):
        con.execute(f"CREATE TABLE t{n} AS SELECT * FROM read_csv('{f.path}')")
    con.close()
    return time.perf_counter() - started


def pipeline(work: Path) -> tuple[ht.PipelineRun, float]:
    started = time.perf_counter()
    with ht.open_store(work / "pipeline.duckdb", create=True) as store:
        run = ht.run_pipeline(
            store, FILES, boundaries=DATA / "syr_admin1.geojson", level=1, report=work / "report.html"
        )
    return run, time.perf_counter() - started


def rows(run: ht.PipelineRun, base: float, total: float) -> list[dict[str, Any]]:
    counts = {
        "import": f"{sum(r.rows_read for r in run.imports):,} rows read, "
        f"{sum(r.rows_quarantined for r in run.imports):,} quarantined",
        "place": f"{run.placement.placed:,} placed" if run.placement else "",
        "link": f"{run.linkage.incidents:,} incidents" if run.linkage else "",
        "assess": f"grades {dict(run.assessment.grades)}" if run.assessment else "",
        "report": "report.html written" if run.report else "",
    }
    out = [{"step": "baseline: DuckDB read_csv", "seconds": base, "counts": ""}]
    out += [{"step": s, "seconds": t, "counts": counts.get(s, "")} for s, t in run.seconds.items()]
    out.append({"step": "pipeline, total", "seconds": total, "counts": ""})
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--keep", type=Path, help="work in this folder and keep the stores and report")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="ht-pipeline-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        base = baseline(work)
        run, total = pipeline(work)
        peak = memory_mb()[1]
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    print(f"{'step':28} {'seconds':>8} {'vs baseline':>12}  counts")
    print("-" * 100)
    for r in rows(run, base, total):
        print(f"{r['step']:28} {r['seconds']:8.2f} {r['seconds'] / base:11.1f}x  {r['counts']}")
    print(f"peak resident memory of the process: {peak:,.0f} MB")


if __name__ == "__main__":
    main()
