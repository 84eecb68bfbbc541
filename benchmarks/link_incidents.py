"""Incident linkage at scale: about N simulated reports from five sources, linked into incidents.

    python benchmarks/link_incidents.py [--reports 1000000] [--seed 1] [--keep DIR] [--runs tenth,all]

1. Simulates incidents and their reports (`harmtrace.simulate.reports`, the default five sources:
   Arabic and Latin script, dates to the day, week or month, points from exact to the governorate,
   copies and within-source duplicates, a third of incidents on the day and in the town of another)
   so that the sources hold about --reports reports, writes and imports them (timed, not linked).
2. Links the store twice, each in its own subprocess on its own copy, so that each peak memory is
   its own: first a tenth of the reports (those of the first tenth of the days: the baseline), then
   all of them. Each run is the whole `link_incidents`: features, training, scoring, pairs written,
   clusters, incident ids.
   With ``--runs tenth,all,unsampled`` a third run links all of them training EM on every pair of
   its blocks instead of a sample (`LinkageSpec.training_pairs`): what the sampling costs in quality.
   ``labelled`` links all of them with the truth of the first tenth of the days as labels (`--labels`:
   the model is trained on them and its pairs predicted for the labelled pairs of sources and the
   others; compare its "predict" step with the unlabelled run's).
3. Scores each run of all the reports against the truth (`evaluate_incidents`; not timed).
4. Prints one table: run, reports linked, pairs kept, incidents, seconds, reports/s, peak MB (the
   subprocess's VmHWM, interpreter included, taken before the evaluation), pairwise F1, precision,
   recall, blocking recall, and the time as a multiple of the baseline's; then seconds per step.
"""

from __future__ import annotations

import shutil
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from linkage_runs import bench_parser, peak_mb, print_table, simulate_and_import, step_or_run, step_row

PERIOD_START, PERIOD_END = date(2016, 1, 1), date(2019, 12, 31)


def prepare(reports: int, seed: int, work: Path) -> dict[str, Any]:
    """Simulate about `reports` reports, write them and import them into work/reports.duckdb."""
    from harmtrace.simulate.reports import DEFAULT_SOURCES, ReportsConfig, import_reports, simulate_reports

    per_incident = sum(s.coverage * (1 + s.duplicate_rate) for s in DEFAULT_SOURCES)
    config = ReportsConfig(incidents=round(reports / per_incident), seed=seed)
    done = simulate_and_import(
        lambda: simulate_reports(config), work / "sim", work / "reports.duckdb", import_reports
    )
    return {"incidents": config.incidents, "reports": done["rows"], "simulate_s": done["simulate_s"],
            "import_s": done["import_s"]}  # fmt: skip


def step_link(name: str, work: Path) -> dict[str, Any]:
    """Link a copy of the store (all of it, or the baseline's tenth), then evaluate it.

    "unsampled" links all of it with EM on every training pair (`LinkageSpec.training_pairs` None):
    the quality and time that sampling trades.
    """
    from dataclasses import replace

    from harmtrace.link.evaluate import evaluate_incidents
    from harmtrace.link.incident_model import INCIDENTS_SPEC
    from harmtrace.link.incidents import link_incidents
    from harmtrace.store import open_store

    db = work / f"{name}.duckdb"
    shutil.copy(work / "reports.duckdb", db)
    days = (PERIOD_END - PERIOD_START).days
    date_to = PERIOD_START + timedelta(days=days // 10) if name == "tenth" else None
    with open_store(db, create=True) as store:
        started = time.perf_counter()
        spec = replace(INCIDENTS_SPEC, training_pairs=None) if name == "unsampled" else INCIDENTS_SPEC
        labels = _first_tenth_truth(work) if name == "labelled" else None
        run = link_incidents(store, date_to=date_to, spec=spec, labels=labels)
        seconds = time.perf_counter() - started
        peak = peak_mb()
        evaluation = evaluate_incidents(store, work / "sim" / "truth.csv") if name != "tenth" else None
    db.unlink()
    counts = (run.linked_reports, run.pairs_scored, run.incidents)
    return step_row(name, counts, seconds, peak, run.seconds, evaluation)


def _first_tenth_truth(work: Path) -> Path:
    """The truth rows (source, record_id, incident_id: a cluster file of labels) of the incidents of the
    first tenth of the days."""
    import pyarrow.compute as pc
    from pyarrow import csv

    cutoff = PERIOD_START + timedelta(days=(PERIOD_END - PERIOD_START).days // 10)
    incidents = csv.read_csv(work / "sim" / "incidents.csv")
    early = incidents.filter(pc.less(pc.cast(incidents.column("date"), "date32"), cutoff))
    truth = csv.read_csv(work / "sim" / "truth.csv").select(["source", "record_id", "incident_id"])
    labels = truth.filter(pc.is_in(truth.column("incident_id"), early.column("incident_id")))
    path = work / "labels_first_tenth.csv"
    csv.write_csv(labels, path)
    return path


def print_summary(prepared: dict[str, Any], rows: list[dict[str, Any]]) -> None:
    print(
        f"{prepared['reports']:,} reports of {prepared['incidents']:,} incidents from 5 sources: simulated "
        f"and written in {prepared['simulate_s']:.1f} s, imported in {prepared['import_s']:.1f} s"
    )
    print_table(rows, ("run", "reports", "incidents"))


def main() -> None:
    parser = bench_parser(__doc__, "the files and the store")
    parser.add_argument("--reports", type=int, default=1_000_000, help="reports to simulate (1,000,000)")
    parser.add_argument(
        "--runs",
        default="tenth,all",
        help="links to run, in order (tenth,all; add unsampled: all, EM on every training pair; "
        "labelled: all, with the first tenth's truth as labels)",
    )
    args = parser.parse_args()
    steps = args.runs.split(",")
    step_or_run(
        args, __file__, step_link, lambda work: prepare(args.reports, args.seed, work), steps, print_summary
    )


if __name__ == "__main__":
    main()
