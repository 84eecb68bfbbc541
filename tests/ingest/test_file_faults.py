"""Faults real files have: a quote left open, an enormous cell, a bare carriage return in a quoted cell,
a compressed file, a legacy .xls workbook, an encoding that is not UTF-8. The faulty row is quarantined
with its line, the rest imported; compressed and legacy files are read as the file inside."""

from __future__ import annotations

import gzip
import zipfile
from pathlib import Path

import pytest
import xlwt

from harmtrace.errors import InputError
from harmtrace.ingest import get_format, import_file
from harmtrace.store import Store, open_store
from tests.conftest import run_cli
from tests.ingest.ucdp_rows import ucdp_rows, write_csv

UCDP = get_format("ucdp-ged")


def _ucdp(tmp_path: Path, n: int = 6) -> tuple[Path, list[bytes]]:
    header, rows = ucdp_rows(n)
    path = write_csv(tmp_path / "ged.csv", header, rows)
    return path, path.read_bytes().split(b"\n")


def _quarantine(store: Store, batch_id: int) -> dict[int, list[str]]:
    rows = store.rows("SELECT row_number, reasons FROM quarantine WHERE batch_id = ?", [batch_id])
    return {r["row_number"]: r["reasons"] for r in rows}


def _with_cell(line: bytes, column: int, value: bytes) -> bytes:
    cells = line.split(b",")
    cells[column] = value
    return b",".join(cells)


def test_a_quote_left_open_costs_its_row_only(store: Store, tmp_path: Path) -> None:
    path, lines = _ucdp(tmp_path)
    lines[2] = lines[2].replace(b",", b',"', 1)  # row 2 (line 3) opens a quote it never closes
    path.write_bytes(b"\n".join(lines))
    result = import_file(store, UCDP, path)
    assert (result.rows_read, result.rows_accepted, result.rows_quarantined) == (6, 5, 1)
    (reason,) = _quarantine(store, result.batch_id)[2]
    assert reason.startswith("csv_parse:") and "quote is not closed" in reason and "line 3" in reason
    raw = store.scalar("SELECT raw FROM document WHERE batch_id = ? AND row_number = 2", [result.batch_id])
    assert raw == lines[2]  # the row's own bytes are kept, not the rest of the file


def test_a_cell_over_two_megabytes_is_quarantined_with_its_line(store: Store, tmp_path: Path) -> None:
    path, lines = _ucdp(tmp_path)
    lines[4] = _with_cell(lines[4], 5, b"x" * 3_000_000)
    path.write_bytes(b"\n".join(lines))
    result = import_file(store, UCDP, path)
    assert (result.rows_accepted, result.rows_quarantined) == (5, 1)
    (reason,) = _quarantine(store, result.batch_id)[4]
    assert "over 2 MB" in reason and "line 5" in reason


def test_a_bare_carriage_return_inside_a_quoted_cell_is_text(store: Store, tmp_path: Path) -> None:
    path, lines = _ucdp(tmp_path)
    header = lines[0].split(b",")
    lines[3] = _with_cell(lines[3], header.index(b"source_headline"), b'"first\rsecond"')
    path.write_bytes(b"\n".join(lines))
    result = import_file(store, UCDP, path)
    assert (result.rows_accepted, result.rows_quarantined) == (6, 0)


def test_gzip_and_a_one_file_zip_are_read_as_the_file_inside(store: Store, tmp_path: Path) -> None:
    path, _ = _ucdp(tmp_path)
    packed = tmp_path / "ged.csv.gz"
    packed.write_bytes(gzip.compress(path.read_bytes()))
    first = import_file(store, UCDP, packed)
    assert (first.rows_read, first.rows_accepted, first.compressed) == (6, 6, "gzip")
    archive = tmp_path / "ged.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.write(path, "ged_syria.csv")
    second = import_file(store, UCDP, archive)
    assert (second.rows_read, second.rows_unchanged, second.compressed) == (6, 6, "zip member ged_syria.csv")
    raws = store.rows("SELECT DISTINCT raw FROM document WHERE row_number = 1")
    assert len(raws) == 1  # the same row, whichever packing it came in


def test_a_zip_of_several_files_is_refused_naming_them(store: Store, tmp_path: Path) -> None:
    path, _ = _ucdp(tmp_path)
    archive = tmp_path / "two.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.write(path, "a.csv")
        z.write(path, "b.csv")
    with pytest.raises(InputError, match=r"holding 2 files \(a.csv, b.csv\).*Extract"):
        import_file(store, UCDP, archive)


def test_a_legacy_xls_workbook_is_read(store: Store, tmp_path: Path) -> None:
    header, rows = ucdp_rows(3)
    book = xlwt.Workbook()
    sheet = book.add_sheet("ged")
    for c, name in enumerate(header):
        sheet.write(0, c, name)
        for r, row in enumerate(rows, start=1):
            sheet.write(r, c, row[name])
    path = tmp_path / "ged.xls"
    book.save(str(path))
    result = import_file(store, UCDP, path)
    assert (result.rows_read, result.rows_accepted, result.rows_quarantined) == (3, 3, 0)
    assert store.scalar("SELECT count(*) FROM report WHERE record_id = ?", [rows[0]["id"]]) == 1


def test_the_encoding_is_printed_when_it_is_not_utf8(db_path: Path, tmp_path: Path) -> None:
    header, rows = ucdp_rows(3)
    rows[0]["where_coordinates"] = "حلب الشرقية"
    path = write_csv(tmp_path / "ged_1256.csv", header, rows, encoding="cp1256")
    out = run_cli(db_path, "ingest", "ucdp-ged", str(path)).output
    assert "read in the encoding cp1256 (Arabic (Windows-1256)), not UTF-8" in out
    plain = write_csv(tmp_path / "ged_utf8.csv", header, rows[1:])
    assert "encoding" not in run_cli(db_path, "ingest", "ucdp-ged", str(plain)).output


def test_an_import_out_of_memory_says_what_to_set_and_writes_nothing(
    db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path, _ = _ucdp(tmp_path, 200)
    monkeypatch.setenv("HARMTRACE_IMPORT_MEMORY", "2MB")  # far below what 200 rows need
    done = run_cli(db_path, "ingest", "ucdp-ged", str(path))
    assert done.exit_code == 1 and "Traceback" not in done.output
    assert "$HARMTRACE_IMPORT_MEMORY, now 2MB" in done.output and "Nothing was imported" in done.output
    with open_store(db_path, read_only=True) as store:  # the raw rows written before the failure are gone
        tables = ("batch", "document", "unfinished_batch", "source", "report")
        left = [store.scalar(f"SELECT count(*) FROM {t}") for t in tables]
        assert left == [0, 0, 0, 0, 0]
    monkeypatch.delenv("HARMTRACE_IMPORT_MEMORY")
    again = run_cli(db_path, "ingest", "ucdp-ged", str(path))
    assert again.exit_code == 0 and "read 200 = accepted 200" in again.output
