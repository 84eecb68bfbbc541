"""Only commands that import data create a store: any other command given a missing or wrong --db
fails saying so, creates nothing, and shows no traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from harmtrace.store import open_store
from tests.conftest import TEST_DATA, run_cli

READERS = [
    ["batches"],
    ["quarantine"],
    ["link", "incidents"],
    ["link", "victims"],
    ["stats", "casualties"],
    ["assess", "incidents"],
    ["incidents", "show", "report:1"],
    ["decisions", "victims"],
    ["places", "list"],
    ["control", "list"],
    ["locate", "places"],
    ["reports", "export", "--format", "csv", "out.csv"],
]


@pytest.mark.parametrize("args", READERS, ids=" ".join)
def test_a_missing_store_is_an_error_not_a_new_store(tmp_path: Path, args: list[str]) -> None:
    missing = tmp_path / "missing.duckdb"
    result = run_cli(missing, *args)
    assert result.exit_code == 1, result.output
    assert f"No store at {missing}" in result.output and "harmtrace ingest" in result.output
    assert "check --db / $HARMTRACE_DB" in result.output and "Traceback" not in result.output
    assert not missing.exists()


def test_the_stores_in_the_folder_are_named(tmp_path: Path) -> None:
    with open_store(tmp_path / "monitor.duckdb", create=True):
        pass
    result = run_cli(tmp_path / "monitr.duckdb", "batches")
    assert result.exit_code == 1 and f"Stores in {tmp_path}: monitor.duckdb" in result.output
    assert not (tmp_path / "monitr.duckdb").exists()


def test_a_file_that_is_not_a_store_is_refused_by_every_command(tmp_path: Path) -> None:
    sheet = tmp_path / "sheet.csv"
    sheet.write_bytes((TEST_DATA / "acled_syria_sample.csv").read_bytes())
    for args in (["batches"], ["ingest", "acled", str(TEST_DATA / "acled_syria_sample.csv")]):
        result = run_cli(sheet, *args)
        assert result.exit_code == 1 and "is not a harmtrace store" in result.output, result.output
    assert sheet.read_bytes() == (TEST_DATA / "acled_syria_sample.csv").read_bytes()


def test_an_import_creates_the_store(tmp_path: Path) -> None:
    db = tmp_path / "new.duckdb"
    result = run_cli(db, "ingest", "acled", str(TEST_DATA / "acled_syria_sample.csv"))
    assert result.exit_code == 0, result.output
    assert db.exists() and run_cli(db, "batches").exit_code == 0
