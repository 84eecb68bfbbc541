"""Doubt at the smallest unit: a faulty field is set aside (unknown, with its reason), the rest of its row
kept; only a row that cannot be a report or record at all is quarantined."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from openpyxl import Workbook

from harmtrace.ingest import get_format, import_file
from harmtrace.ingest.records import field_issues_by_report
from harmtrace.store import Store
from tests.conftest import run_cli

HEADER = ["Code", "Date", "Location", "Latitude", "Longitude", "Civilians killed", "Men killed"]
# Invented incidents at real places; no people named.
ROWS = [
    ["INV-1", "2016-10-01", "Kafr Nabl", "35.614", "36.561", "5", "2-1"],  # men killed upside down
    ["INV-2", "2016-10-02", "Douma", "33.571", "4239.0", "3", "1"],  # an impossible longitude
    ["INV-3", "2016-10-03", "Ariha", "35.811", "36.609", "2.5", "1e9"],  # not whole; scientific notation
    ["INV-4", "2016-10-04", "Saraqib", "35.864", "36.806", "4", "2\u20131"],  # an en dash, not the separator
    ["INV-5", "2016-10-05", "Idlib", "", "", "1,204", "3.0"],  # thousands and a whole 3.0: fine
    ["INV-6", "2016-10-06", "Idlib", "", "", "2000000", ""],  # more than one report can count
    ["INV-7", "", "Idlib", "", "", "3", "2-1"],  # no date: not a report, quarantined with every reason
]
MAPPING = """\
kind: incidents
source: {name: Invented monitor}
fields:
  record_id: {column: Code, required: true}
  date: Date
  place_text: Location
  latitude: Latitude
  longitude: Longitude
  killed_civilians: {column: Civilians killed, range_separator: "-"}
  killed_men: {column: Men killed, range_separator: "-"}
"""
SET_ASIDE = [
    (1, "killed_men", "count_order"),
    (2, "coordinates", "coordinates_outside"),
    (3, "killed_civilians", "count_invalid"),
    (3, "killed_men", "count_invalid"),
    (4, "killed_men", "count_invalid"),
    (6, "killed_civilians", "count_implausible"),
]


def _sheet(tmp_path: Path) -> tuple[Path, Path]:
    data, mapping = tmp_path / "sheet.csv", tmp_path / "sheet.yaml"
    with data.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([HEADER, *ROWS])
    mapping.write_text(MAPPING, encoding="utf-8")
    return data, mapping


def _import(store: Store, tmp_path: Path) -> int:
    data, mapping = _sheet(tmp_path)
    result = import_file(store, get_format("incidents", mapping), data)
    assert (result.rows_read, result.rows_accepted, result.rows_quarantined) == (7, 6, 1)
    assert result.rows_with_field_issues == 5
    assert store.scalar("SELECT rows_with_field_issues FROM batch") == 5
    return result.batch_id


def _harm(store: Store, record_id: str) -> dict[str, tuple[int, int]]:
    rows = store.rows(
        "SELECT category, count_min, count_max FROM harm JOIN report USING (report_id) "
        "WHERE record_id = ? AND harm = 'killed'",
        [record_id],
    )
    return {r["category"]: (r["count_min"], r["count_max"]) for r in rows}


def test_a_bad_secondary_count_keeps_the_civilian_toll(store: Store, tmp_path: Path) -> None:
    _import(store, tmp_path)
    assert _harm(store, "INV-1") == {"civilians": (5, 5)}
    assert _harm(store, "INV-4") == {"civilians": (4, 4)}
    reason = store.scalar("SELECT reason FROM field_issue WHERE row_number = 1")
    assert reason == "count_order: men killed min 2 > max 1"


def test_every_faulty_field_is_in_field_issue_with_its_unit(store: Store, tmp_path: Path) -> None:
    _import(store, tmp_path)
    issues = store.rows("SELECT row_number, field, reason FROM field_issue ORDER BY row_number, field")
    assert [(i["row_number"], i["field"], i["reason"].split(":")[0]) for i in issues] == SET_ASIDE
    reasons = {(i["row_number"], i["field"]): i["reason"] for i in issues}
    assert "'2.5' is not a whole number" in reasons[(3, "killed_civilians")]
    assert "scientific notation" in reasons[(3, "killed_men")]
    assert "is above 1,000,000" in reasons[(6, "killed_civilians")]


def test_an_impossible_longitude_keeps_the_report_without_coordinates(store: Store, tmp_path: Path) -> None:
    _import(store, tmp_path)
    row = store.rows("SELECT * FROM report WHERE record_id = 'INV-2'")[0]
    assert (row["latitude"], row["longitude"], row["location_precision"]) == (None, None, "unknown")
    assert row["place_text"] == "Douma"  # the gazetteer can still place it
    assert _harm(store, "INV-2") == {"civilians": (3, 3), "men": (1, 1)}


def test_whole_numbers_are_read_strictly(store: Store, tmp_path: Path) -> None:
    _import(store, tmp_path)
    assert _harm(store, "INV-3") == {}  # 2.5 is not rounded to 3, nor 1e9 taken as a billion
    assert _harm(store, "INV-5") == {"civilians": (1204, 1204), "men": (3, 3)}
    assert _harm(store, "INV-6") == {}


def test_a_row_that_cannot_be_a_report_lists_its_field_problems_too(store: Store, tmp_path: Path) -> None:
    _import(store, tmp_path)
    reasons = store.scalar("SELECT reasons FROM quarantine WHERE row_number = 7")
    assert sorted(r.split(":")[0] for r in reasons) == ["count_order", "date_missing"]
    assert store.scalar("SELECT count(*) FROM field_issue WHERE row_number = 7") == 0


def test_field_issues_by_report(store: Store, tmp_path: Path) -> None:
    _import(store, tmp_path)
    ids = {r["record_id"]: r["report_id"] for r in store.rows("SELECT record_id, report_id FROM report")}
    found = field_issues_by_report(store)
    assert sorted(found) == sorted(ids[f"INV-{n}"] for n in (1, 2, 3, 4, 6))
    assert [i["field"] for i in found[ids["INV-3"]]] == ["killed_civilians", "killed_men"]
    assert field_issues_by_report(store, [ids["INV-5"], ids["INV-1"]]) == {
        ids["INV-1"]: [{"field": "killed_men", "reason": "count_order: men killed min 2 > max 1"}]
    }


def test_cli_import_quarantine_and_incident_show_say_what_was_set_aside(
    db_path: Path, tmp_path: Path
) -> None:
    data, mapping = _sheet(tmp_path)
    imported = run_cli(db_path, "ingest", "incidents", str(data), "--mapping", str(mapping))
    assert imported.exit_code == 0, imported.output
    assert "read 7 = accepted 6 (new 6, unchanged 0, changed 0) + quarantined 1" in imported.output
    assert "accepted with a field set aside: 2 x count_invalid (rows 3, 4)" in imported.output
    assert "See them with: harmtrace quarantine --batch 1" in imported.output
    listing = json.loads(run_cli(db_path, "quarantine", "--json").output)
    assert [(e["row_number"], e["field"]) for e in listing] == [(r, f) for r, f, _ in SET_ASIDE[:5]] + [
        (6, "killed_civilians"),
        (7, "row"),
    ]
    assert set(listing[0]) == {"batch_id", "row_number", "field", "reasons", "sha256"}
    text = run_cli(db_path, "quarantine", "--batch", "1", "--raw").output
    assert "killed_men" in text and "INV-1,2016-10-01" in text
    report_id = json.loads(run_cli(db_path, "incidents", "show", "report:1", "--json").output)
    assert report_id["fields_set_aside"] == [
        {"report_id": 1, "field": "killed_men", "reason": "count_order: men killed min 2 > max 1"}
    ]
    shown = run_cli(db_path, "incidents", "show", "report:1").output
    assert "Fields set aside at import" in shown and "report 1: killed_men: count_order" in shown


def test_a_victims_impossible_date_is_set_aside(store: Store, tmp_path: Path) -> None:
    data, mapping = tmp_path / "victims.csv", tmp_path / "victims.yaml"
    data.write_text("id,died,age\nV1,2090-01-01,34\nV2,2013-04-02,40-30\n", encoding="utf-8")
    mapping.write_text(
        "kind: victims\nfields:\n  record_id: id\n  date: died\n  age: {column: age, range_separator: '-'}\n",
        encoding="utf-8",
    )
    result = import_file(store, get_format("victims", mapping), data)
    assert (result.rows_accepted, result.rows_quarantined) == (2, 0)
    rows = store.rows(
        "SELECT date_start, date_precision, age_min, age_max FROM victim_record ORDER BY row_number"
    )
    assert (rows[0]["date_start"], rows[0]["date_precision"], rows[0]["age_min"]) == (None, "unknown", 34)
    assert (rows[1]["age_min"], rows[1]["age_max"], str(rows[1]["date_start"])) == (None, None, "2013-04-02")
    assert {k: v[1] for k, v in result.field_issues.items()} == {"date_future": [1], "age_order": [2]}


def _formula_sheet(path: Path) -> Path:
    """A sheet as a program writes it: formula cells without a saved value (openpyxl never computes)."""
    book = Workbook()
    sheet = book.active
    sheet.append(["Code", "Date", "Civilians killed", "Men killed", "Women killed", "Total check"])
    sheet.append([])  # a blank row: not a row, but the cells below keep their sheet addresses
    sheet.append(["INV-1", "2016-10-01", 3, 1, 2, 6])
    sheet.append(["INV-2", "2016-10-02", "=D4+E4", 1, 2, "=SUM(C4:E4)"])
    book.save(path)
    return path


def test_an_uncached_formula_is_set_aside_not_read_as_empty(store: Store, tmp_path: Path) -> None:
    mapping = tmp_path / "sheet.yaml"
    mapping.write_text(
        "kind: incidents\nfields:\n  record_id: Code\n  date: Date\n"
        "  killed_civilians: {column: Civilians killed}\n  killed_men: {column: Men killed}\n",
        encoding="utf-8",
    )
    result = import_file(store, get_format("incidents", mapping), _formula_sheet(tmp_path / "sheet.xlsx"))
    assert (result.rows_read, result.rows_accepted, result.rows_quarantined) == (2, 2, 0)
    issue = store.rows("SELECT row_number, field, reason FROM field_issue")
    assert issue == [
        {
            "row_number": 2,
            "field": "killed_civilians",
            "reason": "formula_uncached: cell C4 holds the formula =D4+E4 but no saved value: open and save "
            "the file in a spreadsheet program (or export it as CSV) and import it again",
        }
    ]
    # the column no field reads gets a row flag saying the same
    flags = store.scalar("SELECT flags FROM report WHERE row_number = 2")
    assert flags == [
        "formula_uncached: cell F4 holds the formula =SUM(C4:E4) but no saved value: open and save the file "
        "in a spreadsheet program (or export it as CSV) and import it again"
    ]
    assert _harm(store, "INV-2") == {"men": (1, 1)}
    assert store.scalar("SELECT flags FROM report WHERE row_number = 1") == []


def test_figures_count_the_kept_toll_and_say_what_was_set_aside(store: Store, tmp_path: Path) -> None:
    """The issue's case: a typo in men killed no longer drops the incident's civilians from the figure."""
    from harmtrace.analyse.casualties import CasualtyQuery, casualties

    _import(store, tmp_path)
    civilians = casualties(store, CasualtyQuery(category="civilians"))
    # INV-1 5, INV-2 3, INV-4 4, INV-5 1,204; INV-3 (2.5) and INV-6 (2,000,000) set aside
    assert (civilians["total"]["count_min"], civilians["total"]["count_max"]) == (5 + 3 + 4 + 1204,) * 2
    assert any(n.startswith("2 reports touching the window had their civilians killed count set aside")
               for n in civilians["notes"])  # fmt: skip
    men = casualties(store, CasualtyQuery(category="men"))
    # only INV-2 (1) and INV-5 (3.0) give men killed; INV-1, INV-3 and INV-4 had theirs set aside
    assert (men["total"]["count_min"], men["total"]["count_max"]) == (4, 4)
    assert men["scope"]["sources"][0]["reports_count_set_aside"] == 3
    assert any("another field set aside" in n for n in men["notes"])  # INV-2's coordinates, INV-6's count
