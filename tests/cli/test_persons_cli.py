"""`harmtrace persons export` and `harmtrace stats persons` as a user runs them.

The persons are those of tests/analyse/test_persons.py (`linked_people`): six invented persons
from ten records of three lists.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from harmtrace.store import open_store
from tests.analyse.test_persons import linked_people
from tests.conftest import run_cli
from tests.link.victim_rows import add_records


@pytest.fixture
def db(db_path: Path) -> Path:
    with open_store(db_path, create=True) as store:
        linked_people(store)
        store.con.execute("UPDATE victim_record SET name = 'Invented Name ' || victim_id")
    return db_path


def test_export_csv_has_one_row_per_record_and_no_names(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "persons.csv"
    result = run_cli(db, "persons", "export", "--format", "csv", str(out))
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[:3] == [
        f"Wrote 10 victim records (6 persons) to {out} (csv).",
        "Columns: record_id, source, person_id, match_probability",
        "Public export: names left out (name, name_ar).",
    ]
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert list(rows[0]) == ["record_id", "source", "person_id", "match_probability"]
    assert [(r["source"], r["record_id"], r["person_id"], r["match_probability"]) for r in rows[:4]] == [
        ("list_a", "R1", "P0000001", "0.95"),
        ("list_a", "R10", "P0000006", "1.0"),
        ("list_a", "R4", "P0000002", "0.95"),
        ("list_a", "R6", "P0000003", "1.0"),
    ]
    assert "Invented" not in out.read_text(encoding="utf-8")


def test_export_parquet_with_names(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "persons.parquet"
    result = run_cli(db, "persons", "export", "--format", "parquet", str(out), "--role", "analyst", "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert (summary["rows"], summary["persons"], summary["unlinked"]) == (10, 6, 0)
    assert (summary["role"], summary["withheld"], summary["audited"]) == ("analyst", [], ["name", "name_ar"])
    table = pq.read_table(out)
    assert table.column_names == ["record_id", "source", "person_id", "match_probability", "name", "name_ar"]
    assert table.column("name").to_pylist()[0] == "Invented Name 1"


def test_export_counts_records_not_linked_yet(db: Path, tmp_path: Path) -> None:
    with open_store(db, create=True) as store:
        add_records(store, [{"victim_id": 11}])
    out = tmp_path / "persons.csv"
    result = run_cli(db, "persons", "export", "--format", "csv", str(out))
    assert "1 records imported since the latest link have no person yet." in result.output
    rows = {r["record_id"]: r for r in csv.DictReader(out.open(encoding="utf-8"))}
    assert (rows["R11"]["person_id"], rows["R11"]["match_probability"]) == ("", "")


def test_export_before_linking_and_to_a_missing_folder_are_errors(
    db_path: Path, db: Path, tmp_path: Path
) -> None:
    missing = run_cli(db, "persons", "export", "--format", "csv", str(tmp_path / "no" / "x.csv"))
    assert missing.exit_code == 1 and "does not exist" in missing.output
    empty = tmp_path / "empty.duckdb"
    with open_store(empty, create=True):
        pass
    unlinked = run_cli(empty, "persons", "export", "--format", "csv", str(tmp_path / "x.csv"))
    assert unlinked.exit_code == 1 and "No persons yet" in unlinked.output


def test_stats_persons_table(db: Path) -> None:
    result = run_cli(db, "stats", "persons", "--from", "2013-03-01", "--days", "31", "--status", "civilian")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "Persons killed: civilian, 2013-03-01 to 2013-03-31 (both days inclusive, 31 days)"
    header = next(line for line in lines if line.startswith("group"))
    assert header.split() == ["group", "min", "max", "records", "min", "records", "max", "sources", "in",
                              "2+", "sources", "dates", "disputed"]  # fmt: skip
    total = next(line for line in lines if line.startswith("total"))
    assert total.split() == ["total", "1", "4", "3", "7", "3", "2", "1"]
    assert any("each person counts once" in line for line in lines)


def test_stats_persons_json_keys_are_stable(db: Path) -> None:
    result = run_cli(db, "stats", "persons", "--by", "source", "--json")
    data = json.loads(result.output)
    assert set(data) == {
        "filters",
        "window",
        "scope",
        "deduplicated",
        "run_id",
        "definitions",
        "total",
        "groups",
        "notes",
    }
    assert set(data["scope"]) == {
        "sources", "data_from", "data_to", "records_undated", "filters", "coverage", "text",
    }  # fmt: skip
    records = sum(s["records"] for s in data["scope"]["sources"])
    with open_store(db, read_only=True) as store:
        assert records == store.scalar("SELECT count(*) FROM victim_record")
    assert data["scope"]["text"].startswith("Sources: ")
    figure = {
        "persons_min", "persons_max", "records_min", "records_max", "sources_min", "sources_max",
        "listed_by", "persons_date_unknown", "persons_dates_disputed",
    }  # fmt: skip
    assert set(data["total"]) == figure
    assert {frozenset(g) for g in data["groups"]} == {frozenset(figure | {"group", "key", "window"})}
    assert [g["group"] for g in data["groups"]] == ["list_a", "list_b", "list_c"]


def test_stats_persons_refuses_contradictions(db: Path) -> None:
    result = run_cli(db, "stats", "persons", "--to", "2013-01-01", "--days", "3")
    assert result.exit_code == 1
    assert "--to and --days both set the end of the window" in result.output
