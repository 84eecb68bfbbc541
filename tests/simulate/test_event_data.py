"""The simulated curated event data (UCDP GED's CSV): off by default without changing anything, coded as
documented, imported as UCDP GED, its truth pairs consistent, and linked to the other sources' reports."""

from __future__ import annotations

import csv
import hashlib
from collections import Counter
from pathlib import Path

import numpy as np

from harmtrace.ingest.ucdp_ged import COLUMNS
from harmtrace.link.evaluate import evaluate_incidents
from harmtrace.link.incidents import link_incidents
from harmtrace.link.pair_truth import evaluate_incident_pairs
from harmtrace.simulate.event_data import code_events
from harmtrace.simulate.report_columns import EVENT_DATA_SOURCE
from harmtrace.simulate.reports import (
    EventData,
    ReportsConfig,
    WrittenReports,
    import_reports,
    simulate_incidents,
    simulate_reports,
)
from harmtrace.store import Store
from tests.conftest import run_cli


def _rows(path: Path | None) -> list[dict[str, str]]:
    assert path is not None
    return list(csv.DictReader(path.open(encoding="utf-8")))


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _with_events(folder: Path, incidents: int, seed: int, **event_data: float) -> WrittenReports:
    config = ReportsConfig(incidents=incidents, seed=seed, event_data=EventData(**event_data))
    return simulate_reports(config).write(folder)


def test_event_data_changes_none_of_the_other_files(tmp_path: Path) -> None:
    off = simulate_reports(ReportsConfig(incidents=200, seed=3)).write(tmp_path / "off")
    on = _with_events(tmp_path / "on", 200, 3)
    assert off.event_data is None and off.truth_pairs is None
    assert sorted(p.name for p in off.folder.iterdir()) == sorted([*(p.name for p in off.reports.values()),
                                                                   "truth.csv", "incidents.csv"])  # fmt: skip
    for name, path in off.reports.items():
        assert _digest(path) == _digest(on.reports[name]), name
    assert _digest(off.incidents) == _digest(on.incidents)
    assert on.truth.read_bytes().startswith(off.truth.read_bytes()), "the event data's rows come after"
    assert on.event_data is not None and on.truth_pairs is not None


def test_events_are_coded_at_the_configured_shares() -> None:
    config = ReportsConfig(incidents=3000, seed=4)
    incidents = simulate_incidents(config, np.random.default_rng([4, 1]))
    events = code_events(incidents, EventData(), np.random.default_rng(0))
    covered = [i for e in events for i in e.incidents]
    assert len(covered) == len({i.incident_id for i in covered}), "an incident is in one event"
    assert abs(len(covered) / len(incidents) - 0.6) < 0.04
    groups = Counter((i.day, i.town) for i in covered)
    crowded = sum(1 for n in groups.values() if n > 1)
    aggregates = [e for e in events if len(e.incidents) > 1]
    assert crowded > 150 and abs(len(aggregates) / crowded - 0.5) < 0.1, (len(aggregates), crowded)
    assert all(len({(i.day, i.town) for i in e.incidents}) == 1 for e in aggregates)
    assert all(e.truth_id.startswith("AGG") for e in aggregates)
    none = code_events(incidents, EventData(aggregate_share=0.0), np.random.default_rng(0))
    assert all(len(e.incidents) == 1 for e in none)


def test_events_file_has_ucdp_columns_and_documented_codes(tmp_path: Path) -> None:
    written = _with_events(tmp_path, 1500, 2)
    assert written.event_data is not None
    with written.event_data.open(encoding="utf-8") as fh:
        assert tuple(next(csv.reader(fh))) == COLUMNS
    rows = _rows(written.event_data)
    assert len({r["id"] for r in rows}) == len(rows) and all(r["id"].isdigit() for r in rows)
    nearby = sum(r["where_prec"] == "2" for r in rows) / len(rows)
    assert {r["where_prec"] for r in rows} == {"1", "2"} and 0.14 < nearby < 0.26
    assert {r["type_of_violence"] for r in rows} == {"1", "2", "3"}
    deaths = [
        {k: int(r[k]) for k in ("deaths_civilians", "deaths_unknown", "low", "best", "high")} for r in rows
    ]
    assert all(d["best"] == d["deaths_civilians"] + d["deaths_unknown"] for d in deaths)
    assert all(d["low"] <= d["best"] <= d["high"] for d in deaths)
    assert any(d["deaths_civilians"] == 0 and d["deaths_unknown"] > 0 for d in deaths)
    assert not any("(" in r["source_article"] for r in rows), "no code a citation could be read from"


def test_truth_pairs_name_stored_reports_and_aggregates_only_as_wholes(tmp_path: Path) -> None:
    written = _with_events(tmp_path, 600, 1)
    truth = {(t["source"], t["record_id"]): t["incident_id"] for t in _rows(written.truth)}
    events = {k[1]: v for k, v in truth.items() if k[0] == EVENT_DATA_SOURCE}
    pairs = _rows(written.truth_pairs)
    assert pairs and {p["relation"] for p in pairs} == {"same", "part-of"}
    for p in pairs:
        assert p["source_b"] == EVENT_DATA_SOURCE and p["source_a"] != EVENT_DATA_SOURCE
        part, event = truth[(p["source_a"], p["record_id_a"])], events[p["record_id_b"]]
        assert (p["relation"] == "part-of") == event.startswith("AGG")
        assert p["relation"] == "part-of" or part == event
    incidents = {i["incident_id"] for i in _rows(written.incidents)}
    assert all(v in incidents or v.startswith("AGG") for v in events.values())


def test_events_import_as_ucdp_ged_without_quarantine(store: Store, tmp_path: Path) -> None:
    written = _with_events(tmp_path, 150, 6)
    results = import_reports(store, written)
    assert all(r.rows_quarantined == 0 for r in results), [r.as_dict() for r in results]
    stored = store.rows(
        "SELECT r.location_precision, r.perpetrators, b.format FROM report r JOIN batch b USING (batch_id) "
        "JOIN source s ON s.source_id = r.source_id WHERE s.name = ?",
        [EVENT_DATA_SOURCE],
    )
    assert len(stored) == len(_rows(written.event_data))
    assert {r["format"] for r in stored} == {"ucdp-ged"}
    assert {r["location_precision"] for r in stored} == {"town", "within_25km"}
    assert all(r["perpetrators"] for r in stored)
    assert store.scalar("SELECT count(*) FROM field_issue") == 0


def test_linkage_assigns_each_report_to_one_event(store: Store, tmp_path: Path) -> None:
    written = _with_events(tmp_path, 600, 7)
    import_reports(store, written)
    link_incidents(store)
    two_events = store.scalar(
        "SELECT count(*) FROM (SELECT m.incident_id FROM incident_member m JOIN report r USING (report_id) "
        "JOIN batch b USING (batch_id) WHERE b.format = 'ucdp-ged' GROUP BY 1 HAVING count(*) > 1)"
    )
    assert two_events == 0, "curated events are never joined"
    assert store.scalar("SELECT count(*) FROM incident_part") >= 1  # measured 22
    scores = evaluate_incident_pairs(store, written.truth_pairs or tmp_path).by_source_pair
    found, true, links = (sum(getattr(s, k) for s in scores) for k in ("found", "true_pairs", "links"))
    correct = sum(s.correct for s in scores)
    # measured without labels: recall 0.273 (187 of 684), precision 0.75 (187 of 249)
    assert found / true >= 0.18 and correct / links >= 0.6, scores
    truth = evaluate_incidents(store, written.truth)
    assert truth.truth_not_stored == 0 and truth.stored_not_in_truth == 0


def test_command_writes_and_imports_event_data(tmp_path: Path) -> None:
    out = tmp_path / "out"
    args = ("simulate", "reports", str(out), "--incidents", "60", "--seed", "1", "--event-data", "--import")
    result = run_cli(tmp_path / "sim.duckdb", *args)
    assert result.exit_code == 0, result.output
    assert (out / "events_event_data.csv").is_file() and (out / "truth_pairs.csv").is_file()
    assert "events_event_data.csv (ucdp-ged, source event_data)" in result.output
