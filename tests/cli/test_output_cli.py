"""What a user copies from the output works when pasted back: ids without separators, the README's
incident ids in the form the store gives them, and --db before or after the command."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from harmtrace.cli import main
from harmtrace.display import table
from harmtrace.link.identity import person_id
from tests.cli.test_help import COMMANDS
from tests.conftest import ROOT, TEST_DATA, run_cli, run_ok
from tests.ingest.ucdp_rows import ucdp_rows, write_csv

# the ids `incidents show` takes: "I" and a number of person_id's width, or a report standing alone
INCIDENT_ID = re.compile(rf"I\d{{{len(person_id(0, 'I')) - 1}}}|report:\d+")


def invoke(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_tables_print_ids_plainly_and_counts_with_separators() -> None:
    rows = [{"decision_id": 16840, "id_a": 12001, "row_number": 2048, "batch": 1204, "records": 16840}]
    body = table(rows).splitlines()[2].split()
    assert body == ["16840", "12001", "2048", "1204", "16,840"]


def test_a_quarantined_row_past_a_thousand_is_named_as_it_pastes(tmp_path: Path) -> None:
    header, rows = ucdp_rows(1100)
    rows[1049]["date_start"] = "someday"
    db = tmp_path / "store.duckdb"
    run_ok(db, "ingest", "ucdp-ged", str(write_csv(tmp_path / "ged.csv", header, rows)))
    quarantined = run_ok(db, "quarantine").splitlines()[2].split()
    assert quarantined[:3] == ["1", "1050", "row"]
    batch = run_ok(db, "batches").splitlines()[2].split()
    assert batch[4:6] == ["1,100", "1,099"]  # rows read and accepted: counts keep their separators


def test_an_id_written_with_separators_is_refused_saying_how_to_write_it(tmp_path: Path) -> None:
    db = tmp_path / "store.duckdb"
    run_ok(db, "ingest", "ucdp-ged", str(TEST_DATA / "ucdp_ged_windows.csv"))
    for args in (["reports", "history", "1,004"], ["quarantine", "--batch", "1,004"]):
        result = run_cli(db, *args)
        assert result.exit_code == 2 and "Write ids without separators, e.g. 1004." in result.output


def _documented_incident_ids() -> Iterator[tuple[str, str]]:
    """(where, id) of every `incidents show|grade ID` in the README, the docs and the commands' help."""
    pattern = re.compile(r"harmtrace incidents (?:show|grade) (\S+)")
    for path in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for found in pattern.findall(path.read_text(encoding="utf-8")):
            yield path.name, found
    for name, command in COMMANDS:
        for found in pattern.findall(command.epilog or ""):
            yield name, found


def test_documented_incident_ids_have_the_form_of_real_ones() -> None:
    documented = list(_documented_incident_ids())
    assert len(documented) >= 4
    wrong = [(where, found) for where, found in documented if not INCIDENT_ID.fullmatch(found)]
    assert [w for w in wrong if w[1] != "INCIDENT_ID"] == []  # the placeholder of a synopsis may stay


@pytest.fixture
def two_stores(tmp_path: Path) -> tuple[Path, Path]:
    first, second = tmp_path / "first.duckdb", tmp_path / "second.duckdb"
    run_ok(first, "ingest", "ucdp-ged", str(TEST_DATA / "ucdp_ged_windows.csv"))
    run_ok(second, "ingest", "acled", str(TEST_DATA / "acled_syria_sample.csv"))
    return first, second


def test_db_before_or_after_the_command(two_stores: tuple[Path, Path]) -> None:
    first, _ = two_stores
    before = invoke("--db", str(first), "stats", "casualties")
    after = invoke("stats", "casualties", "--db", str(first))
    assert before.exit_code == after.exit_code == 0, before.output + after.output
    assert before.output == after.output and "ucdp-ged (8 reports" in before.output
    both = invoke("--db", str(first), "stats", "casualties", "--db", str(first))
    assert both.output == before.output


def test_two_different_stores_are_refused(two_stores: tuple[Path, Path]) -> None:
    first, second = two_stores
    result = invoke("--db", str(first), "batches", "--db", str(second))
    assert result.exit_code == 2
    assert f"--db names two stores: {first} before the command, {second} after it." in result.output
