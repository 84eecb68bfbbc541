"""The incident report simulator: reproducible files, a truth that covers every report, noise as
documented, and reports that import through the shipped mapping."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

from harmtrace.simulate.reports import ReportsConfig, import_reports, simulate_reports
from harmtrace.store import Store
from tests.conftest import run_cli


def test_one_seed_writes_the_same_files(tmp_path: Path) -> None:
    config = ReportsConfig(incidents=200, seed=3)
    first = simulate_reports(config).write(tmp_path / "a")
    second = simulate_reports(config).write(tmp_path / "b")
    for name, path in first.reports.items():
        assert path.read_bytes() == second.reports[name].read_bytes()
    assert first.truth.read_bytes() == second.truth.read_bytes()
    other = simulate_reports(ReportsConfig(incidents=200, seed=4)).write(tmp_path / "c")
    assert other.truth.read_bytes() != first.truth.read_bytes()


def test_truth_names_every_report_and_copies_are_of_the_same_incident(tmp_path: Path) -> None:
    written = simulate_reports(ReportsConfig(incidents=600, seed=1)).write(tmp_path)
    truth = list(csv.DictReader(written.truth.open(encoding="utf-8")))
    incident_of = {f"{t['source']}:{t['record_id']}": t["incident_id"] for t in truth}
    reports = {name: list(csv.DictReader(p.open(encoding="utf-8"))) for name, p in written.reports.items()}
    assert sum(len(rows) for rows in reports.values()) == len(truth) == len(incident_of)
    copies = [t for t in truth if t["copied_from"]]
    duplicates = [t for t in truth if t["duplicate_of"]]
    assert copies and duplicates
    for t in copies:
        assert incident_of[t["copied_from"]] == t["incident_id"]
        assert not t["copied_from"].startswith(t["source"] + ":"), "a copy is of another source"
    for t in duplicates:
        assert t["duplicate_of"].startswith(t["source"] + ":")
        assert incident_of[t["duplicate_of"]] == t["incident_id"]


def test_reports_carry_the_documented_noise(tmp_path: Path) -> None:
    sim = simulate_reports(ReportsConfig(incidents=1500, seed=2))
    rows = [row for table in sim.reports.values() for row in table.to_pylist()]
    assert {r["date_precision"] for r in rows} == {"day", "week", "month"}
    assert {"exact", "neighbourhood", "town", "governorate"} <= {r["location_precision"] for r in rows}
    assert any(r["place_ar"] for r in rows) and any(r["place"] for r in rows), "both scripts"
    assert any(r["latitude"] is None for r in rows), "some reports give only a place name"
    assert any("-" in (r["civilians_killed"] or "") for r in rows), "some give a range"
    spellings = Counter(r["place"] for r in rows if r["place"])
    assert len(spellings) > 100, "towns written in many Latin spellings"


def test_many_incidents_share_a_day_and_a_town() -> None:
    sim = simulate_reports(ReportsConfig(incidents=1000, seed=5, same_day_share=0.35))
    waves = Counter((i.day, i.town) for i in sim.incidents)
    crowded = sum(n for n in waves.values() if n > 1)
    assert crowded >= 300, f"only {crowded} incidents share a day and a town with another"


def test_reports_import_through_the_shipped_mapping(store: Store, tmp_path: Path) -> None:
    written = simulate_reports(ReportsConfig(incidents=150, seed=6)).write(tmp_path)
    results = import_reports(store, written)
    assert all(r.rows_quarantined == 0 for r in results), [r.as_dict() for r in results]
    expected = sum(1 for p in written.reports.values() for _ in p.open(encoding="utf-8")) - len(results)
    assert store.scalar("SELECT count(*) FROM report") == expected
    precisions = {r["date_precision"] for r in store.rows("SELECT DISTINCT date_precision FROM report")}
    assert precisions == {"day", "week", "month"}
    assert store.scalar("SELECT count(*) FROM report WHERE place_text_ar IS NOT NULL") > 0


def test_command_writes_and_imports(tmp_path: Path) -> None:
    db = tmp_path / "sim.duckdb"
    result = run_cli(db, "simulate", "reports", str(tmp_path / "out"), "--incidents", "80", "--seed", "1",
                     "--import")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out" / "truth.csv").is_file()
    assert "reports_monitor.csv" in result.output
