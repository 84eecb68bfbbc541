"""Incident linkage on real sources: UCDP GED Syria 2017 against Airwars' Syria incidents of 2017.

    python benchmarks/real_incidents.py [--data ../shared/data] [--keep DIR] [--sim-incidents 1500]

The truth is real: every UCDP event of 2017 that cites an Airwars incident, with that incident
(``airwars_syria_2017/ucdp_airwars_pairs_2017.csv``: 907 pairs, many-to-many). The citations are
stripped from UCDP's source fields before import (`harmtrace.ingest.strip_citations`), so no model
sees them. Labels are the true pairs whose earlier report is dated January-June; every figure is
scored on the pairs whose earlier report is dated July-December (nothing trained on is scored).

Rows of the table, all run in this process on the same store:

- this model: `link_incidents` with the January-June labels (`--labels`), priors per pair of
  sources, each report assigned to at most one UCDP event (`harmtrace.link.assignment`), containment
  (a UCDP event holding several of the monitor's incidents), default threshold;
- labels, threshold 0.5, no assignment: the same, but UCDP events linked by the threshold like any
  other pair (`--no-assignment`: the model of the previous release with labels);
- unsupervised: this model without labels (what a user without any labelled pair gets);
- previous model: no labels, one prior for all pairs, no assignment (the incident model before real
  sources);
- rule baseline: same day or a day apart, within 5 km or the same place name, compatible perpetrators
  (the same, overlapping, allied, named in the other's text, or a fighting pair against a striker);
- ceiling: the most true pairs any linkage can find without putting two reports of one source in one
  incident and without containment (a maximum matching of the truth), precision 1 by construction;
- simulator: pairwise F1 of this model on simulated reports (`harmtrace simulate reports`), same run;
- simulator with event data: the same simulation with a curated source coding town-day aggregates
  (`--event-data`): recall, precision and wrong merges of its pairs with the other sources from 2018
  (without labels, and with the truth pairs of 2016-2017 as labels), and the pairwise F1 of all.

Columns: recall, precision (links to a report the truth does not name count against it), wrong-merge
share (links contradicting the truth), links, seconds. Definitions: `harmtrace.link.pair_truth`.
Real data stays in --data: the store and files are written to a temporary folder, removed after.
"""

from __future__ import annotations

import argparse
import csv
import shutil
import tempfile
import time
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import maximum_bipartite_matching

from harmtrace.ingest import get_format, import_file
from harmtrace.ingest.strip_citations import strip_publisher
from harmtrace.link.evaluate import evaluate_incidents
from harmtrace.link.incident_features import INCIDENT_FEATURE_TABLE, build_incident_features
from harmtrace.link.incident_model import INCIDENTS_SPEC
from harmtrace.link.incidents import link_incidents
from harmtrace.link.labels import read_label_rows, resolve_labels
from harmtrace.link.pair_truth import PairEvaluation, evaluate_incident_pairs, evaluate_links
from harmtrace.simulate.reports import EventData, ReportsConfig, import_reports, simulate_reports
from harmtrace.store import Store, open_store

ROOT = Path(__file__).resolve().parents[1]
MAPPING = ROOT / "examples" / "mappings" / "airwars_incidents.yaml"
UCDP, AIRWARS = "ucdp-ged", "Airwars"
RAQQA_CITY = "Ar Raqqah town"  # UCDP's point for the city: a day's toll there holds several strikes
TRAIN_TO, SCORE_FROM = date(2017, 6, 30), date(2017, 7, 1)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument(
        "--keep", type=Path, help="Keep the work folder here (default: a removed temp folder)."
    )
    parser.add_argument("--sim-incidents", type=int, default=1500)
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="ht-real-incidents-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        rows = run(args.data, work, args.sim_incidents)
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    print_table(rows)


def run(data: Path, work: Path, sim_incidents: int) -> list[dict[str, Any]]:
    truth, labels = truth_files(data, work)
    rows: list[dict[str, Any]] = []
    with open_store(work / "real.duckdb", create=True) as store:
        prepare_store(store, data, work)
        for name, kwargs in (
            ("this model (Jan-Jun labels)", {"labels": labels}),
            (
                "labels, threshold 0.5, no assignment",
                {"labels": labels, "threshold": 0.5, "assign": False},
            ),
            ("unsupervised", {}),
            (
                "previous model (one prior, no labels, no assignment)",
                {"spec": replace(INCIDENTS_SPEC, prior_by_source_pair=False), "assign": False},
            ),
        ):
            started = time.perf_counter()
            link_incidents(store, **kwargs)
            seconds = time.perf_counter() - started
            rows.append(row(name, evaluate_incident_pairs(store, truth, date_from=SCORE_FROM), seconds))
            for part in ("raqqa_city", "elsewhere"):
                split = evaluate_incident_pairs(store, work / f"truth_{part}.csv", date_from=SCORE_FROM)
                rows.append(row(f"  {part.replace('_', ' ')}", split, 0.0))
        started = time.perf_counter()
        baseline = rule_links(store)
        rows.append(
            row(
                "rule baseline",
                evaluate_links(store, truth, baseline, date_from=SCORE_FROM),
                time.perf_counter() - started,
            )
        )
        rows.append(
            row(
                "ceiling (no two of one source)",
                evaluate_links(store, truth, ceiling_links(store, truth), date_from=SCORE_FROM),
                0.0,
            )
        )
    rows.append(simulated(work, sim_incidents))
    rows += simulated_event_data(work, sim_incidents)
    return rows


def truth_files(data: Path, work: Path) -> tuple[Path, Path]:
    """The pair truth (all of 2017) and the labels (pairs whose earlier report is in January-June);
    beside the truth, its pairs in Raqqa city (UCDP's "Ar Raqqah town") and elsewhere."""
    ucdp = _read(data / "ucdp_ged_syria" / "ucdp_ged_syria_2016-01_2019-11.csv")
    events = {r["id"]: r["date_start"] for r in ucdp}
    city = {r["id"] for r in ucdp if r["where_coordinates"].startswith(RAQQA_CITY)}
    incidents = {
        r["airwars_id"]: r["incident_date"]
        for r in _read(data / "airwars_syria_2017" / "airwars_syria_incidents_2017.csv")
    }
    pairs = list(
        csv.DictReader((data / "airwars_syria_2017" / "ucdp_airwars_pairs_2017.csv").open(encoding="utf-8"))
    )
    truth, labels = work / "truth_pairs.csv", work / "labels_jan_jun.csv"
    header = ["source_a", "record_id_a", "source_b", "record_id_b"]
    with (
        truth.open("w", newline="") as t,
        labels.open("w", newline="") as lab,
        (work / "truth_raqqa_city.csv").open("w", newline="") as c,
        (work / "truth_elsewhere.csv").open("w", newline="") as e,
    ):
        all_rows, train_rows, in_city, elsewhere = (
            csv.writer(t),
            csv.writer(lab),
            csv.writer(c),
            csv.writer(e),
        )
        for writer in (all_rows, train_rows, in_city, elsewhere):
            writer.writerow(header)
        for p in pairs:
            line = [UCDP, p["ucdp_id"], AIRWARS, p["airwars_id"]]
            all_rows.writerow(line)
            (in_city if p["ucdp_id"] in city else elsewhere).writerow(line)
            first = min(events[p["ucdp_id"]], incidents[p["airwars_id"]] or events[p["ucdp_id"]])
            if date.fromisoformat(first) <= TRAIN_TO:
                train_rows.writerow(line)
    return truth, labels


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def prepare_store(store: Store, data: Path, work: Path) -> None:
    """UCDP GED Syria 2017 without Airwars' citations, and the Airwars 2017 sheet."""
    stripped = work / "ucdp_2017_without_airwars.csv"
    strip_publisher(
        data / "ucdp_ged_syria" / "ucdp_ged_syria_2016-01_2019-11.csv", stripped, "Airwars", year=2017
    )
    import_file(store, get_format("ucdp-ged"), stripped)
    import_file(
        store,
        get_format("incidents", MAPPING),
        data / "airwars_syria_2017" / "airwars_syria_incidents_2017.csv",
    )


def rule_links(store: Store) -> pa.Table:
    """Pairs of reports of different sources a day apart at most, within 5 km or of one place name,
    with compatible perpetrators (module docstring), on the linkage features."""
    build_incident_features(store)
    km = (
        "2 * 6371.0 * asin(sqrt(power(sin(radians(r.latitude - l.latitude) / 2), 2) "
        "+ cos(radians(l.latitude)) * cos(radians(r.latitude)) "
        "* power(sin(radians(r.longitude - l.longitude) / 2), 2)))"
    )
    compatible = (
        "(l.perpetrators IS NULL OR r.perpetrators IS NULL OR l.dyad OR r.dyad "
        "OR list_has_any(l.perpetrators, r.perpetrators) OR list_has_any(l.perp_sides, r.perp_sides) "
        "OR list_has_any(l.perpetrators, coalesce(r.named_actors, [])) "
        "OR list_has_any(coalesce(l.named_actors, []), r.perpetrators))"
    )
    features = INCIDENT_FEATURE_TABLE
    links = store.con.sql(
        f"SELECT l.unique_id AS x, r.unique_id AS y FROM {features} l JOIN {features} r "
        "ON l.unique_id < r.unique_id AND l.source_dataset <> r.source_dataset "
        "AND abs(l.day_start - r.day_start) <= 1 "
        f"WHERE (({km}) <= 5 OR l.place_key = r.place_key) AND {compatible}"
    ).to_arrow_table()
    store.con.execute(f"DROP TABLE IF EXISTS {INCIDENT_FEATURE_TABLE}")
    return links


def ceiling_links(store: Store, truth: Path) -> pa.Table:
    """A maximum matching of the true pairs: the most a one-to-one linkage can find."""
    pairs = [
        {"x": x, "y": y}
        for x, y in zip(*[resolve_labels(store, read_label_rows(truth)).pairs.column(c).to_pylist()
                          for c in ("unique_id_l", "unique_id_r")], strict=True)
    ]  # fmt: skip
    left = sorted({p["x"] for p in pairs})
    right = sorted({p["y"] for p in pairs})
    li, ri = {v: i for i, v in enumerate(left)}, {v: i for i, v in enumerate(right)}
    graph = csr_matrix(
        (np.ones(len(pairs)), ([li[p["x"]] for p in pairs], [ri[p["y"]] for p in pairs])),
        shape=(len(left), len(right)),
    )
    match = maximum_bipartite_matching(graph, perm_type="column")
    chosen = [(left[i], right[j]) for i, j in enumerate(match) if j >= 0]
    return pa.table({"x": [c[0] for c in chosen], "y": [c[1] for c in chosen]})


def simulated(work: Path, incidents: int) -> dict[str, Any]:
    started = time.perf_counter()
    written = simulate_reports(ReportsConfig(incidents=incidents, seed=1)).write(work / "sim")
    with open_store(work / "sim.duckdb", create=True) as store:
        import_reports(store, written)
        link_incidents(store)
        result = evaluate_incidents(store, written.truth)
    seconds = time.perf_counter() - started
    p = result.pairwise
    return {
        "run": f"simulator ({incidents:,} incidents): pairwise F1 {_three(p.f1)}",
        "recall": p.recall,
        "precision": p.precision,
        "wrong merges": None,
        "links": p.predicted,
        "seconds": seconds,
    }


def simulated_event_data(work: Path, incidents: int) -> list[dict[str, Any]]:
    """The simulator with curated event data (town-day aggregates, `EventData`): its pairs with every
    other source, labels of 2016-2017, scored from 2018 (summed over the pairs of sources), and the
    pairwise F1 of all reports against truth.csv, without labels and with them."""
    config = ReportsConfig(incidents=incidents, seed=1, event_data=EventData())
    written = simulate_reports(config).write(work / "sim_events")
    assert written.truth_pairs is not None
    labels = work / "sim_event_labels.csv"
    _first_half_pairs(written.truth_pairs, written.event_data, labels)
    rows = []
    with open_store(work / "sim_events.duckdb", create=True) as store:
        import_reports(store, written)
        for name, given in (("no labels", None), ("labels 2016-17", labels)):
            started = time.perf_counter()
            link_incidents(store, labels=given)
            seconds = time.perf_counter() - started
            pairs = evaluate_incident_pairs(store, written.truth_pairs, date_from=date(2018, 1, 1))
            f1 = evaluate_incidents(store, written.truth).pairwise.f1
            rows.append(
                _summed(f"simulator with event data, {name}: pairwise F1 {_three(f1)}", pairs, seconds)
            )
    return rows


def _three(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def _first_half_pairs(truth_pairs: Path, events: Path | None, out: Path) -> None:
    """The truth pairs whose event is dated before 2018 (the simulated period is 2016-2019)."""
    assert events is not None
    dated = {r["id"]: r["date_start"] for r in _read(events)}
    rows = _read(truth_pairs)
    with out.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, list(rows[0]))
        writer.writeheader()
        for r in rows:
            event = r["record_id_a"] if r["source_a"] == "event_data" else r["record_id_b"]
            if dated[event] < "2018-01-01":
                writer.writerow(r)


def _summed(name: str, result: PairEvaluation, seconds: float) -> dict[str, Any]:
    true, found = (sum(getattr(s, k) for s in result.by_source_pair) for k in ("true_pairs", "found"))
    links, correct = (sum(getattr(s, k) for s in result.by_source_pair) for k in ("links", "correct"))
    wrong = sum(s.wrong_merges for s in result.by_source_pair)
    return {
        "run": name,
        "recall": round(found / true, 4) if true else None,
        "precision": round(correct / links, 4) if links else None,
        "wrong merges": round(wrong / links, 4) if links else None,
        "links": links,
        "true pairs": true,
        "seconds": seconds,
    }


def row(name: str, result: PairEvaluation, seconds: float) -> dict[str, Any]:
    scores = next(s for s in result.by_source_pair if {s.source_a, s.source_b} == {UCDP, AIRWARS})
    return {
        "run": name,
        "recall": scores.recall,
        "precision": scores.precision,
        "wrong merges": scores.wrong_merge_share,
        "links": scores.links,
        "true pairs": scores.true_pairs,
        "seconds": seconds,
    }


def print_table(rows: list[dict[str, Any]]) -> None:
    print("UCDP GED Syria 2017 (Airwars citations stripped) x Airwars Syria 2017")
    print(f"labels: true pairs to {TRAIN_TO}; scored: true pairs from {SCORE_FROM} (earlier report's date)")
    head = ("recall", "precision", "wrong", "links", "true", "seconds")
    width = max(len(r["run"]) for r in rows)
    print(f"{'run':{width}} " + " ".join(f"{h:>9}" for h in head))
    for r in rows:
        cells = [_cell(r.get(k)) for k in ("recall", "precision", "wrong merges")]
        cells += [str(r.get("links") or ""), str(r.get("true pairs") or ""), f"{r['seconds']:.1f}"]
        print(f"{r['run']:{width}} " + " ".join(f"{c:>9}" for c in cells))


def _cell(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


if __name__ == "__main__":
    main()
