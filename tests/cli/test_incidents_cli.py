"""`harmtrace assess ...` and `harmtrace incidents ...` as a user runs them."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from tests.conftest import TEST_DATA, run_cli
from tests.conftest import run_ok as ok

FIXTURE = TEST_DATA / "ucdp_ged_windows.csv"


@pytest.fixture
def db(db_path: Path) -> Path:
    ok(db_path, "ingest", "ucdp-ged", str(FIXTURE))
    return db_path


def test_declared_strikes_import_reports_counts_and_quarantine(db: Path, shared_data: Path) -> None:
    folder = shared_data / "guardian_centcom_strikes"
    args = ("assess", "declared-strikes", str(folder / "dashboard-airstrikes.tsv"),
            "--places", str(folder / "syria-locations.tsv"), "--belligerent", "US-led coalition")  # fmt: skip
    out = ok(db, *args)
    assert "read 2,540 = accepted 732 + quarantined 1,808; 1,663 strikes declared" in out
    assert "quarantined 1,808 x place_unknown" in out
    assert "harmtrace quarantine --batch 2" in out
    again = json.loads(ok(db, *args, "--json"))
    assert again["already_imported"] is True and again["rows_accepted"] == 732


def test_assess_then_show_grade_and_stats(db: Path) -> None:
    out = ok(db, "assess", "incidents")
    assert out.startswith(
        "Assessed 8 incidents: confirmed 0, fair 0, weak 7, contested 0, discounted 0. "
        "No civilian harm alleged (not graded): 1."
    )
    shown = ok(db, "incidents", "show", "report:4")
    assert "Incident report:4: grade weak" in shown and "weak: a single independent source" in shown
    graded = ok(db, "incidents", "grade", "report:4", "fair", "--reason", "two NGOs", "--author", "tester")
    assert graded.strip() == "Decision 1: report:4 graded fair."
    data = json.loads(ok(db, "incidents", "show", "report:4", "--json"))
    assert (data["grade"], data["grade_computed"], data["grade_analyst"]["author"]) == (
        "fair",
        "weak",
        "tester",
    )
    figures = json.loads(ok(db, "stats", "casualties", "--grade", "fair", "--ids", "--json"))
    assert [r["incident_id"] for r in figures["total"]["ids"]["max"]] == ["report:4"]


def test_grade_refuses_an_unknown_incident(db: Path) -> None:
    result = run_cli(db, "incidents", "grade", "inc-404", "fair", "--reason", "x")
    assert result.exit_code == 1
    assert "No incident 'inc-404' in the store" in result.output


def test_public_export_leaves_out_free_text_and_coarsens_points(db: Path, tmp_path: Path) -> None:
    ok(db, "assess", "incidents")
    out = tmp_path / "incidents.csv"
    printed = ok(db, "incidents", "export", "--format", "csv", str(out))
    assert printed.splitlines() == [
        f"Wrote 8 rows (one per report) to {out} (csv).",
        "Public export: free text left out (grade_analyst_reason, place_text, place_text_ar, description, "
        "description_ar); points coarsened to a 5 km grid.",
    ]
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert [r["record_id"] for r in rows] == [str(n) for n in range(1001, 1009)]
    assert "description" not in rows[0] and rows[0]["incident_id"] == "report:1"
    assert rows[0]["grade"] == rows[0]["grade_computed"] == "weak"


def test_export_with_free_text_warns_as_reports_export_does(db: Path, tmp_path: Path) -> None:
    warning = (
        "It holds grade_analyst_reason, place_text, place_text_ar, description, description_ar (personal "
        "data or free text that may name people): keep it private. This export was written to the store's "
        "audit log."
    )
    incidents = ok(db, "incidents", "export", "--format", "csv", str(tmp_path / "incidents.csv"), "--role",
                   "admin")  # fmt: skip
    assert incidents.splitlines()[-2:] == ["Admin export: nothing left out.", warning]
    reports = ok(
        db, "reports", "export", "--format", "csv", str(tmp_path / "reports.csv"), "--role", "viewer"
    )
    assert "Viewer export: nothing left out." in reports.splitlines()
    assert warning.replace("grade_analyst_reason, ", "") in reports.splitlines()


@pytest.mark.parametrize(
    ("switch", "said"),
    [
        ("--no-free-text", "--no-free-text is replaced by --role: free text is shown from --role viewer on"),
        ("--with-names", "--with-names is replaced by --role: names are shown from --role analyst on"),
    ],
)
def test_the_switches_role_replaced_are_refused_saying_so(
    db: Path, tmp_path: Path, switch: str, said: str
) -> None:
    out = tmp_path / "incidents.csv"
    result = run_cli(db, "incidents", "export", "--format", "csv", str(out), switch)
    assert result.exit_code == 1 and not out.exists()
    assert result.output == f"Error: {said} (see docs/server.md).\n"
