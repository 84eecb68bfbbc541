"""The import pipeline on UCDP-format files: accounting, evidence, quarantine reasons, re-import."""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path

import pytest

from harmtrace.errors import InputError
from harmtrace.ingest import get_format, import_file
from harmtrace.store import Store
from tests.conftest import UCDP_CSV, run_cli
from tests.ingest.ucdp_rows import ucdp_rows, write_csv

UCDP = get_format("ucdp-ged")


def _reasons(store: Store, batch_id: int) -> dict[int, list[str]]:
    rows = store.rows("SELECT row_number, reasons FROM quarantine WHERE batch_id = ?", [batch_id])
    return {r["row_number"]: r["reasons"] for r in rows}


def test_bundled_ucdp_file_is_fully_accounted_for(store: Store) -> None:
    with UCDP_CSV.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    result = import_file(store, UCDP, UCDP_CSV)
    assert result.rows_read == len(rows) == 16566
    assert result.rows_accepted + result.rows_quarantined == result.rows_read
    assert result.rows_quarantined == 0
    best = store.scalar("SELECT sum(count_best) FROM harm WHERE category = 'all' AND harm = 'killed'")
    assert best == sum(int(r["best"]) for r in rows) == 112337
    civilians = store.scalar("SELECT sum(count_best) FROM harm WHERE category = 'civilians'")
    assert civilians == sum(int(r["deaths_civilians"]) for r in rows)
    widened = sum(1 for r in rows if not int(r["low"]) <= int(r["best"]) <= int(r["high"]))
    assert result.flags["count_widened"][0] == widened == result.rows_flagged == 101
    # the real release has no faulty field: nothing is set aside
    assert (result.rows_accepted, result.rows_with_field_issues, result.field_issues) == (16566, 0, {})
    assert store.scalar("SELECT count(*) FROM field_issue") == 0


def test_documents_keep_the_raw_row_bytes_and_their_hash(store: Store, tmp_path: Path) -> None:
    header, rows = ucdp_rows(3)
    path = write_csv(tmp_path / "three.csv", header, rows)
    import_file(store, UCDP, path)
    lines = path.read_bytes().split(b"\n")[1:4]
    docs = store.rows("SELECT row_number, sha256, raw FROM document ORDER BY row_number")
    assert [bytes(d["raw"]) for d in docs] == lines
    assert [d["sha256"] for d in docs] == [hashlib.sha256(line).hexdigest() for line in lines]


def test_reimport_adds_nothing_and_says_so(db_path: Path, tmp_path: Path) -> None:
    header, rows = ucdp_rows(5)
    path = write_csv(tmp_path / "five.csv", header, rows)
    first = run_cli(db_path, "ingest", "ucdp-ged", str(path))
    assert first.exit_code == 0, first.output
    again = run_cli(db_path, "ingest", "ucdp-ged", str(path))
    assert again.exit_code == 0, again.output
    assert "already imported as batch 1" in again.output and "nothing added" in again.output
    listing = run_cli(db_path, "batches", "--json")
    assert '"rows_read": 5' in listing.output and listing.output.count('"batch_id"') == 1


def test_bad_rows_are_quarantined_with_every_reason(store: Store, tmp_path: Path) -> None:
    """A row that cannot be a report (no usable date) is quarantined with every reason; a bad field
    of an otherwise good row is set aside, the row accepted."""
    header, rows = ucdp_rows(8)
    rows[0]["date_start"] = "2016-02-30"
    rows[1]["date_start"], rows[1]["date_end"] = "2016-05-02", "2016-05-01"
    rows[2]["latitude"], rows[2]["longitude"] = "40.5", "36.2"  # Deir ez-Zor, typed the wrong way round
    rows[3]["best"], rows[3]["deaths_a"] = "many", "-2"
    rows[4]["latitude"], rows[4]["date_end"] = "48.85", "2090-01-01"
    rows[5]["date_start"] = rows[5]["date_end"] = "1970-01-01"
    result = import_file(store, UCDP, write_csv(tmp_path / "bad.csv", header, rows))
    assert (result.rows_read, result.rows_accepted, result.rows_quarantined) == (8, 5, 3)
    reasons = _reasons(store, result.batch_id)
    codes = {row: sorted({r.split(":")[0] for r in rs}) for row, rs in reasons.items()}
    assert codes == {1: ["date_invalid"], 2: ["date_order"], 5: ["coordinates_outside", "date_future"]}
    assert "'2016-02-30'" in " ".join(reasons[1])
    issues = store.rows("SELECT row_number, field, reason FROM field_issue ORDER BY ALL")
    assert [(i["row_number"], i["field"], i["reason"].split(":")[0]) for i in issues] == [
        (3, "coordinates", "coordinates_outside"),
        (4, "killed_all", "count_invalid"),
        (4, "killed_combatants", "count_negative"),
    ]
    assert "look swapped" in issues[0]["reason"] and result.rows_with_field_issues == 2
    accepted = store.rows("SELECT row_number, latitude, location_precision FROM report WHERE row_number = 3")
    assert (accepted[0]["latitude"], accepted[0]["location_precision"]) == (None, "unknown")
    sides = store.rows("SELECT count_best FROM harm_side JOIN report USING (report_id) WHERE row_number = 4")
    assert all(s["count_best"] is None or s["count_best"] >= 0 for s in sides)


def test_epoch_placeholder_date_is_flagged_and_not_trusted(store: Store, tmp_path: Path) -> None:
    header, rows = ucdp_rows(2)
    rows[1]["date_start"] = rows[1]["date_end"] = "1970-01-01"
    result = import_file(store, UCDP, write_csv(tmp_path / "epoch.csv", header, rows))
    assert result.rows_accepted == 2 and result.flags["date_placeholder"] == (1, [2])
    row = store.rows("SELECT date_start, date_end, date_precision, flags FROM report WHERE row_number = 2")[0]
    assert (row["date_start"], row["date_end"], row["date_precision"]) == (None, None, "unknown")
    assert row["flags"][0].startswith("date_placeholder:")


def test_ragged_rows_are_quarantined_not_dropped(store: Store, tmp_path: Path) -> None:
    header, rows = ucdp_rows(4)
    path = write_csv(tmp_path / "ragged.csv", header, rows)
    lines = path.read_bytes().split(b"\n")
    lines[2] = lines[2] + b",extra"
    lines[3] = b",".join(lines[3].split(b",")[:10])
    path.write_bytes(b"\n".join(lines))
    result = import_file(store, UCDP, path)
    assert (result.rows_read, result.rows_accepted, result.rows_quarantined) == (4, 2, 2)
    assert set(_reasons(store, result.batch_id)) == {2, 3}
    reasons = _reasons(store, result.batch_id)
    # DuckDB's own reject messages: the fast path handled them, with no row-by-row fallback
    assert reasons[2] == ["csv_parse: too many columns at line 3 (header has 41)"]
    assert reasons[3] == ["csv_parse: missing columns at line 4 (header has 41)"]
    raw = store.scalar("SELECT raw FROM document WHERE row_number = 2")
    assert bytes(raw).endswith(b",extra")


def test_unbalanced_quote_falls_back_to_row_by_row_parsing(store: Store, tmp_path: Path) -> None:
    header, rows = ucdp_rows(3)
    rows[1]["where_coordinates"] = 'the 5" gun position'
    path = write_csv(tmp_path / "quote.csv", header, rows)
    text = path.read_bytes().replace(b'"the 5"" gun position"', b'the 5" gun position')
    path.write_bytes(text)
    result = import_file(store, UCDP, path)
    assert (result.rows_read, result.rows_accepted) == (3, 3)
    assert store.scalar("SELECT place_text FROM report WHERE row_number = 2") == 'the 5" gun position'
    assert store.scalar("SELECT count(*) FROM document") == 3


def test_missing_columns_are_all_named_with_hints(store: Store, tmp_path: Path) -> None:
    header, rows = ucdp_rows(2)
    renamed = {"best": "bestt", "latitude": "lat"}
    header = [renamed.get(h, h) for h in header]
    rows = [{renamed.get(k, k): v for k, v in r.items()} for r in rows]
    path = write_csv(tmp_path / "cols.csv", header, rows)
    with pytest.raises(
        InputError, match=r'missing 2 required column\(s\): "latitude".*"best" \(did you mean "bestt"\?\)'
    ):
        import_file(store, UCDP, path)
    assert store.scalar("SELECT count(*) FROM batch") == 0


def test_header_only_file_is_refused(store: Store, tmp_path: Path) -> None:
    header, _ = ucdp_rows(1)
    path = write_csv(tmp_path / "header.csv", header, [])
    with pytest.raises(InputError, match="no rows"):
        import_file(store, UCDP, path)


def test_windows_1256_file_is_converted_and_raw_bytes_kept(store: Store, tmp_path: Path) -> None:
    header, rows = ucdp_rows(2)
    rows[0]["where_coordinates"] = "معرة النعمان"
    path = write_csv(tmp_path / "cp1256.csv", header, rows, encoding="cp1256")
    result = import_file(store, UCDP, path)
    assert result.rows_accepted == 2
    assert store.scalar("SELECT place_text FROM report WHERE row_number = 1") == "معرة النعمان"
    assert store.scalar("SELECT encoding FROM batch") == "cp1256"
    raw = bytes(store.scalar("SELECT raw FROM document WHERE row_number = 1"))
    assert "معرة النعمان".encode("cp1256") in raw


def test_identical_rows_are_two_documents_with_one_hash_and_one_record(store: Store, tmp_path: Path) -> None:
    header, rows = ucdp_rows(1)
    result = import_file(store, UCDP, write_csv(tmp_path / "dup.csv", header, rows * 2))
    assert (result.rows_accepted, result.rows_new, result.rows_unchanged) == (2, 1, 1)
    assert store.scalar("SELECT count(DISTINCT sha256) FROM document") == 1
    # one event id twice with the same content is one event (see tests/ingest/test_versions.py)
    assert store.scalar("SELECT count(*) FROM report") == 1


def test_quarantine_command_lists_reasons_and_raw_rows(db_path: Path, tmp_path: Path) -> None:
    header, rows = ucdp_rows(2)
    rows[1]["date_start"] = "not a date"
    path = write_csv(tmp_path / "q.csv", header, rows)
    result = run_cli(db_path, "ingest", "ucdp-ged", str(path))
    assert "quarantined 1 x date_invalid (rows 2)" in result.output
    assert "harmtrace quarantine --batch 1" in result.output
    listing = run_cli(db_path, "quarantine", "--batch", "1", "--raw", "--json")
    assert listing.exit_code == 0, listing.output
    assert "'not a date' is not a date" in listing.output and '"row_number": 2' in listing.output


def test_quarantined_raw_rows_are_shown_in_their_file_encoding(db_path: Path, tmp_path: Path) -> None:
    header, rows = ucdp_rows(2)
    rows[1]["where_coordinates"], rows[1]["date_start"] = "دوما", "bad"
    path = write_csv(tmp_path / "cp1256.csv", header, rows, encoding="cp1256")
    assert run_cli(db_path, "ingest", "ucdp-ged", str(path)).exit_code == 0
    listing = run_cli(db_path, "quarantine", "--raw", "--json")
    assert "دوما" in listing.output
