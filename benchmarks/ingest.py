"""Ingest and casualty-figure speed at scale, next to DuckDB's own bare CSV read of the same file.

    python benchmarks/ingest.py [--rows 1000000] [--keep DIR] [--profile]

1. Generates N UCDP GED rows from the bundled file (data/ucdp_ged_syria_2016-01_2019-11.csv), in DuckDB
   (set-wise, no Python loop per row): fresh ids; dates shifted by -30..+30 days (start and end
   together, year recomputed); coordinates moved by up to +-0.01 degree; 0-2 deaths added to
   civilians, low, best and high alike, so every row stays valid. Written to a temporary folder.
   A second release of the file has one event changed (best and high + 1).
2. Measures, each step in its own subprocess so that its peak memory is its own:
   - baseline: DuckDB's `read_csv` of the file into a table of an on-disk database (types detected);
   - ingest: `harmtrace.ingest.import_file` (every row kept verbatim, hashed, validated, normalised);
   - re-ingest: the second release into the same store (every row matched to its record by id:
     N - 1 unchanged, 1 changed, its earlier version kept);
   - locate: governorates for every report (`harmtrace.locate.locate_admin`, bundled OCHA admin 1);
   - figures: median latency of several `stats casualties` figures (the library call, ids off).
3. Prints one table: step, rows, seconds, rows/s, peak MB (the process's VmHWM: interpreter and
   libraries included, see "start MB"), and time as a multiple of the baseline.

`--profile` runs the ingest step under cProfile and prints the 25 most expensive calls (cumulative).
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

import duckdb

ROOT = Path(__file__).resolve().parents[1]
BUNDLED = ROOT / "data" / "ucdp_ged_syria_2016-01_2019-11.csv"
ADMIN1 = ROOT / "data" / "syr_admin1.geojson"
FIGURE_RUNS = 9

# Representative figures: (label, CasualtyQuery keyword arguments)
FIGURES: list[tuple[str, dict[str, Any]]] = [
    ("all time, total", {}),
    ("305 days by perpetrator", {"date_from": date(2016, 1, 1), "days": 305, "by": "perpetrator"}),
    ("305 days, one side, civilians", {"date_from": date(2016, 1, 1), "days": 305,
                                       "perpetrator": "Government of Syria", "category": "civilians"}),
    ("305 days, one side, everyone", {"date_from": date(2016, 1, 1), "days": 305,
                                      "perpetrator": "Government of Syria"}),
    ("all time by month", {"by": "month"}),
    ("2017 by governorate", {"date_from": date(2017, 1, 1), "date_to": date(2017, 12, 31), "by": "adm1"}),
]  # fmt: skip


def generate(rows: int, out: Path) -> float:
    """Write `rows` jittered copies of the bundled UCDP rows to `out`; return the seconds it took."""
    started = time.perf_counter()
    con = duckdb.connect()
    columns = [
        d[0]
        for d in con.execute(f"DESCRIBE SELECT * FROM read_csv('{BUNDLED}', all_varchar=true)").fetchall()
    ]
    base = int(con.execute(f"SELECT count(*) FROM read_csv('{BUNDLED}', all_varchar=true)").fetchall()[0][0])
    copies = -(-rows // base)
    con.execute("SELECT setseed(0.2016)").fetchall()
    # random draws are materialised once per row, so a shift applies to start and end alike
    con.execute(
        f"CREATE TABLE src AS SELECT *, (floor(random() * 61) - 30)::INTEGER AS shift_days, "
        "floor(random() * 3)::INTEGER AS extra, (random() - 0.5) * 0.02 AS dx, (random() - 0.5) * 0.02 AS dy "
        f"FROM read_csv('{BUNDLED}', all_varchar=true), range({copies}) LIMIT {rows}"
    )
    changed = _jittered()
    select = ", ".join(f"{changed.get(c, q(c))} AS {q(c)}" for c in columns)
    con.execute(f"COPY (SELECT {select} FROM src) TO '{out}' (HEADER, DELIMITER ',')")
    changed = "CASE WHEN id = '10000001' THEN ({c}::INTEGER + 1)::VARCHAR ELSE {c} END AS {c}"
    con.execute(
        f"COPY (SELECT * REPLACE ({changed.format(c='best')}, {changed.format(c='high')}) "
        f"FROM read_csv('{out}', all_varchar=true)) TO '{release2(out)}' (HEADER, DELIMITER ',')"
    )
    con.close()
    return time.perf_counter() - started


def release2(path: Path) -> Path:
    """The generated file's second release: one event changed."""
    return path.with_name(path.stem + "_release2.csv")


def _jittered() -> dict[str, str]:
    lat = "round(latitude::DOUBLE + dy, 6)"
    lon = "round(longitude::DOUBLE + dx, 6)"
    start = "(date_start::DATE + shift_days)"
    plus = "(({c})::INTEGER + extra)::VARCHAR"
    return {
        "id": "(10000000 + row_number() OVER ())::VARCHAR",
        "year": f"year({start})::VARCHAR",
        "date_start": f"{start}::VARCHAR",
        "date_end": "(date_end::DATE + shift_days)::VARCHAR",
        "latitude": f"{lat}::VARCHAR",
        "longitude": f"{lon}::VARCHAR",
        "geom_wkt": f"'POINT (' || {lon} || ' ' || {lat} || ')'",
        **{c: plus.format(c=c) for c in ("deaths_civilians", "low", "best", "high")},
    }


def q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


# ---- steps, each run in a fresh subprocess -------------------------------------------------------


def step_baseline(csv_path: Path, work: Path) -> list[dict[str, Any]]:
    """DuckDB on its own: the file into a table of an on-disk database, and a parse-only count."""
    con = duckdb.connect(str(work / "baseline.duckdb"))
    con.execute("SET enable_progress_bar = false")
    started = time.perf_counter()
    con.execute(f"CREATE OR REPLACE TABLE ged AS SELECT * FROM read_csv('{csv_path}')")
    seconds = time.perf_counter() - started
    rows = int(con.execute("SELECT count(*) FROM ged").fetchall()[0][0])
    started = time.perf_counter()
    con.execute(f"SELECT count(*) FROM read_csv('{csv_path}')").fetchall()
    count_seconds = time.perf_counter() - started
    con.close()
    return [
        {"step": "DuckDB read_csv into a table (baseline)", "rows": rows, "seconds": seconds},
        {"step": "DuckDB read_csv, count(*) only", "rows": rows, "seconds": count_seconds,
         "note": "parses every row but materialises no column"},
    ]  # fmt: skip


def step_ingest(csv_path: Path, work: Path, profile: bool = False) -> list[dict[str, Any]]:
    from harmtrace.ingest import get_format, import_file
    from harmtrace.store import open_store

    with open_store(work / "bench.duckdb", create=True) as store:
        profiler = cProfile.Profile() if profile else None
        started = time.perf_counter()
        if profiler:
            profiler.enable()
        result = import_file(store, get_format("ucdp-ged"), csv_path)
        seconds = time.perf_counter() - started
        if profiler:
            profiler.disable()
            pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative").print_stats(25)
    if result.already_imported or result.rows_read != result.rows_accepted + result.rows_quarantined:
        raise SystemExit(f"ingest did not account for every row: {result.as_dict()}")
    note = f"accepted {result.rows_accepted:,}, quarantined {result.rows_quarantined:,}"
    return [{"step": "harmtrace ingest ucdp-ged", "rows": result.rows_read, "seconds": seconds, "note": note}]


def step_reingest(csv_path: Path, work: Path) -> list[dict[str, Any]]:
    from harmtrace.ingest import get_format, import_file
    from harmtrace.store import open_store

    with open_store(work / "bench.duckdb") as store:
        started = time.perf_counter()
        result = import_file(store, get_format("ucdp-ged"), release2(csv_path))
        seconds = time.perf_counter() - started
    if (result.rows_new, result.rows_changed) != (0, 1):
        raise SystemExit(f"the second release did not match the first: {result.as_dict()}")
    note = f"new {result.rows_new:,}, unchanged {result.rows_unchanged:,}, changed {result.rows_changed:,}"
    return [{"step": "harmtrace ingest, release 2 (1 changed)", "rows": result.rows_read, "seconds": seconds,
             "note": note}]  # fmt: skip


def step_locate(work: Path) -> list[dict[str, Any]]:
    from harmtrace.locate import locate_admin
    from harmtrace.store import open_store

    with open_store(work / "bench.duckdb", create=True) as store:
        started = time.perf_counter()
        placement = locate_admin(store, ADMIN1, level=1)
        seconds = time.perf_counter() - started
    return [{"step": "harmtrace locate admin (level 1)", "rows": placement.reports, "seconds": seconds,
             "note": f"placed {placement.placed:,}"}]  # fmt: skip


def step_figures(work: Path) -> list[dict[str, Any]]:
    from harmtrace.analyse.casualties import CasualtyQuery, casualties
    from harmtrace.store import open_store

    out = []
    with open_store(work / "bench.duckdb", read_only=True) as store:
        for label, kwargs in FIGURES:
            query = CasualtyQuery(**kwargs)
            casualties(store, query)  # warm-up: first touch of the file's blocks
            times = []
            for _ in range(FIGURE_RUNS):
                started = time.perf_counter()
                figure = casualties(store, query)
                times.append(time.perf_counter() - started)
            out.append({"step": f"figure: {label}", "rows": figure["total"]["items_max"],
                        "seconds": statistics.median(times)})  # fmt: skip
    return out


def memory_mb() -> tuple[float, float]:
    """(current, peak) resident memory of this process in MB, from /proc/self/status."""
    fields = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            fields[key] = int(value.split()[0]) / 1024
    return fields["VmRSS"], fields["VmHWM"]


def run_step(step: str, csv_path: Path, work: Path, profile: bool) -> list[dict[str, Any]]:
    """Run one step in a fresh interpreter; its last stdout line is the JSON result."""
    cmd = [sys.executable, __file__, "--step", step, "--csv", str(csv_path), "--work", str(work)]
    done = subprocess.run(cmd + (["--profile"] if profile else []), capture_output=True, text=True)
    sys.stderr.write(done.stderr)
    if done.returncode:
        raise SystemExit(f"step {step} failed (exit {done.returncode}): its output is above")
    return list(json.loads(done.stdout.strip().splitlines()[-1]))


def child(step: str, csv_path: Path, work: Path, profile: bool) -> None:
    start_mb = memory_mb()[0]
    if step == "baseline":
        results = step_baseline(csv_path, work)
    elif step == "ingest":
        results = step_ingest(csv_path, work, profile)
    elif step == "reingest":
        results = step_reingest(csv_path, work)
    elif step == "locate":
        results = step_locate(work)
    else:
        results = step_figures(work)
    peak = memory_mb()[1]
    print(json.dumps([r | {"peak_mb": peak, "start_mb": start_mb} for r in results]))


def print_table(results: list[dict[str, Any]]) -> None:
    baseline = results[0]["seconds"]
    names = ("rows", "seconds", "rows/s", "peak MB", "start MB", "vs base")
    header = f"{'step':<42} " + " ".join(
        f"{n:>{w}}" for n, w in zip(names, (11, 9, 11, 8, 8, 8), strict=True)
    )
    print(header)
    print("-" * len(header))
    for r in results:
        per_s = f"{r['rows'] / r['seconds']:,.0f}" if not r["step"].startswith("figure") else ""
        ms = f"{r['seconds'] * 1000:.1f} ms" if r["step"].startswith("figure") else f"{r['seconds']:.2f}"
        print(f"{r['step']:<42} {r['rows']:>11,} {ms:>9} {per_s:>11} {r['peak_mb']:>8,.0f} "
              f"{r['start_mb']:>8,.0f} {r['seconds'] / baseline:>7.2f}x")  # fmt: skip
    print(f"  figures: median of {FIGURE_RUNS} runs after one warm-up; rows = items of the maximum")
    for r in results:
        if r.get("note"):
            print(f"  {r['step']}: {r['note']}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows to generate (default 1,000,000)")
    parser.add_argument("--keep", type=Path, help="work in this folder and keep the file and stores")
    parser.add_argument("--profile", action="store_true", help="profile the ingest step (cProfile)")
    parser.add_argument("--step", help=argparse.SUPPRESS)
    parser.add_argument("--csv", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.step:
        child(args.step, args.csv, args.work, args.profile)
        return
    with tempfile.TemporaryDirectory(prefix="harmtrace-bench-") as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        csv_path = work / f"ged_{args.rows}.csv"
        seconds = generate(args.rows, csv_path)
        size_mb = csv_path.stat().st_size / 1e6
        print(
            f"generated {args.rows:,} rows ({size_mb:,.0f} MB) in {seconds:.1f} s: {csv_path}",
            file=sys.stderr,
        )
        results = []
        for step in ("baseline", "ingest", "reingest", "locate", "figures"):
            results += run_step(step, csv_path, work, args.profile and step == "ingest")
        print_table(results)


if __name__ == "__main__":
    main()
