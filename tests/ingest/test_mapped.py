"""Mapped imports (`incidents`, `victims`): CSV and XLSX, encodings, and every row accounted for."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import time
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from harmtrace.errors import InputError, MappingError
from harmtrace.ingest import get_format, import_file
from harmtrace.ingest.mapped import _prepare, _select
from harmtrace.ingest.mapping import FieldSpec, KeyLines, Mapping, MappingFile, normalise_key
from harmtrace.ingest.spreadsheet import canonical_json
from harmtrace.store import Store
from tests.conftest import ROOT, TEST_DATA, run_cli

EXAMPLES = ROOT / "examples" / "mappings"
INCIDENTS_MAPPING = EXAMPLES / "airwars_style_incidents.yaml"
VDC_MAPPING = EXAMPLES / "vdc_victims.yaml"
SHEET_CSV = TEST_DATA / "incidents_sheet.csv"
REPORT_COLUMNS = (
    "record_id, date_start, date_end, date_precision, place_text, place_text_ar, latitude, longitude, "
    "location_precision, adm1_source, perpetrators, means, site_kinds, source_grade, number_of_sources, "
    "description, description_ar, flags"
)

# Invented people, for the victim fixtures: no real name.
VICTIMS_HEADER = ["id", "الاسم", "sex", "age", "status", "died", "place"]
VICTIMS = [
    ["V1", "سمير عادل الحلبي", "ذكر", "34", "Civilian", "2013-04-02", "كفرنبل"],
    ["V2", "ليلى منصور", "أنثى", "7-9", "Civilian", "2013-04", "معرة النعمان"],
    ["V3", "Unidentified", "ذكر", "", "Non-Civilian", "0000-00-00", "أريحا"],
    ["V4", "نور الهدى قاسم", "أنثى", "12", "Civilian", "1970-01-01", "سراقب"],
    ["V5", "فادي يوسف", "ذكر", "40-30", "Soldier?", "2013-05-01", "حلب"],
]
VICTIMS_MAPPING = """\
kind: victims
source: {name: Invented list}
fields:
  record_id: {column: id, required: true}
  name: {column: الاسم, null_values: [Unidentified]}
  sex:
    column: sex
    values: {ذكر: male, أنثى: female}
  age: {column: age, range_separator: "-"}
  status:
    column: status
    values: {Civilian: civilian, Non-Civilian: combatant}
  date: {column: died, formats: ["%Y-%m-%d", "%Y-%m"], null_values: ["0000-00-00"]}
  place_of_death_ar: place
"""


def _csv(path: Path, header: list[str], rows: list[list[str]], encoding: str = "utf-8") -> Path:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows([header, *rows])
    path.write_bytes(out.getvalue().encode(encoding))
    return path


def _victims_import(store: Store, tmp_path: Path, data: Path) -> Any:
    mapping = tmp_path / "victims.yaml"
    mapping.write_text(VICTIMS_MAPPING, encoding="utf-8")
    return import_file(store, get_format("victims", mapping), data)


def _reasons(store: Store, batch_id: int) -> dict[int, list[str]]:
    rows = store.rows("SELECT row_number, reasons FROM quarantine WHERE batch_id = ?", [batch_id])
    return {r["row_number"]: sorted({m.split(":")[0] for m in r["reasons"]}) for r in rows}


def _issues(store: Store, batch_id: int) -> dict[int, list[tuple[str, str]]]:
    """Row -> (field, code) of each field set aside."""
    rows = store.rows("SELECT row_number, field, reason FROM field_issue WHERE batch_id = ?", [batch_id])
    found: dict[int, set[tuple[str, str]]] = {}
    for r in rows:
        found.setdefault(r["row_number"], set()).add((r["field"], r["reason"].split(":")[0]))
    return {row: sorted(issues) for row, issues in found.items()}


# --- the incident sheet ----------------------------------------------------------------------------------


def test_incident_sheet_rows_are_accepted_or_quarantined_with_reasons(store: Store) -> None:
    result = import_file(store, get_format("incidents", INCIDENTS_MAPPING), SHEET_CSV)
    assert (result.rows_read, result.rows_accepted, result.rows_quarantined) == (12, 11, 1)
    # only a row that cannot be a report (no date) is quarantined, with every reason found
    assert _reasons(store, result.batch_id) == {11: ["count_invalid", "date_invalid", "date_missing"]}
    # the other bad rows are kept, the faulty field set aside
    assert _issues(store, result.batch_id) == {
        6: [("killed_civilians", "count_order")],
        8: [("coordinates", "coordinates_outside")],
        9: [("coordinates", "coordinates_outside")],
        10: [("source_grade", "value_unmapped")],
    }
    assert "look swapped" in store.scalar("SELECT reason FROM field_issue WHERE row_number = 9")
    assert {k: v[1] for k, v in result.flags.items()} == {
        "date_placeholder": [7],
        "value_as_unknown": [12],
        "value_default": [5],
    }
    assert store.scalar("SELECT name FROM source") == "Example monitor"


def test_incident_sheet_fields_are_normalised(store: Store) -> None:
    import_file(store, get_format("incidents", INCIDENTS_MAPPING), SHEET_CSV)
    rows = {r["record_id"]: r for r in store.rows(f"SELECT {REPORT_COLUMNS} FROM report")}
    one, two, three, four = rows["INV-001"], rows["INV-002"], rows["INV-003"], rows["INV-004"]
    assert (str(two["date_start"]), str(two["date_end"]), two["date_precision"]) == (
        "2016-10-01",
        "2016-10-03",
        "range",
    )
    assert (str(four["date_start"]), str(four["date_end"]), four["date_precision"]) == (
        "2016-10-01",
        "2016-10-31",
        "month",
    )
    assert (str(three["date_start"]), three["date_precision"]) == ("2016-10-04", "day")
    assert (one["place_text"], one["place_text_ar"], one["location_precision"]) == (
        "Kafr Nabl",
        "كفرنبل",
        "village",
    )
    assert three["location_precision"] == "within_100m" and two["location_precision"] == "neighbourhood"
    assert two["perpetrators"] == ["Russia", "US-led coalition"] and two["source_grade"] == "contested"
    assert two["site_kinds"] == ["market", "bakery"] and rows["INV-005"]["means"] == ["shelling"]
    assert rows["INV-012"]["perpetrators"] == [] and rows["INV-012"]["place_text"] is None
    assert (str(rows["INV-012"]["date_start"]), rows["INV-007"]["date_start"]) == ("2016-11-03", None)
    assert one["description_ar"] == "حادثة تجريبية مختلقة: غارة قرب طريق السوق."


def test_incident_sheet_harm_ranges(store: Store) -> None:
    import_file(store, get_format("incidents", INCIDENTS_MAPPING), SHEET_CSV)
    harm = store.rows(
        "SELECT category, harm, count_min, count_max FROM harm JOIN report USING (report_id) "
        "WHERE record_id = 'INV-001' ORDER BY harm, category"
    )
    assert [(h["category"], h["harm"], h["count_min"], h["count_max"]) for h in harm] == [
        ("civilians", "injured", 4, 6),
        ("children", "killed", 1, 2),
        ("civilians", "killed", 3, 5),
        ("men", "killed", 1, 2),
        ("women", "killed", 1, 1),
    ]
    injured = store.scalar(
        "SELECT list(count_min || '-' || count_max ORDER BY record_id) FROM harm "
        "JOIN report USING (report_id) WHERE harm = 'injured'"
    )
    assert injured == ["4-6", "10-10", "12-20"]


def _xlsx_from_csv(path: Path, with_cover_sheet: bool) -> Path:
    """The fixture as a spreadsheet a monitor would keep: dates and numbers typed, a blank row."""
    with SHEET_CSV.open(encoding="utf-8", newline="") as fh:
        header, *rows = list(csv.reader(fh))
    book = Workbook()
    sheet = book.active
    if with_cover_sheet:
        sheet.title = "About"
        sheet.append(["Invented incidents for harmtrace tests"])
        sheet = book.create_sheet("Incidents")
    sheet.append(header)
    sheet.append([])
    for row in rows:
        sheet.append([_typed(v) for v in row])
    book.save(path)
    return path


def _typed(text: str) -> Any:
    for parse in (lambda t: datetime.strptime(t, "%Y-%m-%d"), int, float):
        try:
            return parse(text)
        except ValueError:
            continue
    return text or None


def test_xlsx_sheet_imports_like_the_csv(store: Store, tmp_path: Path) -> None:
    mapping = tmp_path / "sheet.yaml"
    mapping.write_text(INCIDENTS_MAPPING.read_text(encoding="utf-8") + "sheet: Incidents\n", encoding="utf-8")
    xlsx = _xlsx_from_csv(tmp_path / "incidents.xlsx", with_cover_sheet=True)
    from_csv = import_file(store, get_format("incidents", INCIDENTS_MAPPING), SHEET_CSV)
    # another source: under the same one the sheet's rows would be the CSV's records, unchanged
    from_xlsx = import_file(store, get_format("incidents", mapping), xlsx, source="the sheet as XLSX")
    assert (from_xlsx.rows_read, from_xlsx.rows_accepted, from_xlsx.rows_quarantined) == (12, 11, 1)
    assert from_xlsx.reasons.keys() == from_csv.reasons.keys()
    assert from_xlsx.field_issues.keys() == from_csv.field_issues.keys()
    by_batch = [
        store.rows(f"SELECT row_number, {REPORT_COLUMNS} FROM report WHERE batch_id = ? ORDER BY 1", [b])
        for b in (from_csv.batch_id, from_xlsx.batch_id)
    ]
    assert by_batch[0] == by_batch[1]
    assert store.scalar("SELECT encoding FROM batch WHERE batch_id = ?", [from_xlsx.batch_id]) == "binary"


def test_xlsx_rows_are_kept_as_canonical_json(store: Store, tmp_path: Path) -> None:
    xlsx = _xlsx_from_csv(tmp_path / "incidents.xlsx", with_cover_sheet=False)
    result = import_file(store, get_format("incidents", INCIDENTS_MAPPING), xlsx)
    doc = store.rows(
        "SELECT sha256, raw FROM document WHERE batch_id = ? AND row_number = 1", [result.batch_id]
    )[0]
    raw = bytes(doc["raw"])
    assert json.loads(raw)[:6] == ["INV-001", "2016-10-01T00:00:00", "Idlib", "Kafr Nabl", "كفرنبل", 35.614]
    assert raw == canonical_json(tuple(json.loads(raw))) and doc["sha256"] == hashlib.sha256(raw).hexdigest()


def test_xlsx_missing_sheet_is_named(store: Store, tmp_path: Path) -> None:
    mapping = tmp_path / "sheet.yaml"
    mapping.write_text(INCIDENTS_MAPPING.read_text(encoding="utf-8") + "sheet: Strikes\n", encoding="utf-8")
    xlsx = _xlsx_from_csv(tmp_path / "incidents.xlsx", with_cover_sheet=True)
    with pytest.raises(InputError, match=r"no sheet 'Strikes'; its sheets are: About, Incidents"):
        import_file(store, get_format("incidents", mapping), xlsx)


def test_xlsx_value_beyond_the_header_is_quarantined(store: Store, tmp_path: Path) -> None:
    book = Workbook()
    book.active.append(["id", "الاسم", "status"])
    book.active.append(["V1", "سمير عادل", "Civilian"])
    book.active.append(["V2", "ليلى منصور", "Civilian", "stray note"])
    path = tmp_path / "victims.xlsx"
    book.save(path)
    mapping = tmp_path / "m.yaml"
    mapping.write_text("kind: victims\nfields:\n  record_id: id\n  name: الاسم\n", encoding="utf-8")
    result = import_file(store, get_format("victims", mapping), path)
    assert (result.rows_read, result.rows_accepted, result.rows_quarantined) == (2, 1, 1)
    assert list(result.reasons) == ["xlsx_shape"]
    assert (
        json.loads(bytes(store.scalar("SELECT raw FROM document WHERE row_number = 2")))[-1] == "stray note"
    )


def test_not_a_workbook_is_refused_clearly(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "sheet.xlsx"
    path.write_bytes(b"Code,Date\nINV-1,2016-10-01\n")
    with pytest.raises(InputError, match="is not a readable XLSX workbook"):
        import_file(store, get_format("incidents", INCIDENTS_MAPPING), path)


# --- mapping problems at import time -----------------------------------------------------------------------


def test_a_mapping_that_does_not_fit_the_file_reports_everything_and_writes_nothing(
    store: Store, tmp_path: Path
) -> None:
    text = INCIDENTS_MAPPING.read_text(encoding="utf-8")
    text = text.replace("latitude: Latitude", "latitude: Lat").replace("column: Grade", "column: Grading")
    text = text.replace("Province: governorate", "Province: governerate")
    mapping = tmp_path / "bad.yaml"
    mapping.write_text(text, encoding="utf-8")
    fmt = get_format("incidents", mapping)
    with pytest.raises(MappingError) as caught:
        import_file(store, fmt, SHEET_CSV)
    problems = caught.value.problems
    assert len(problems) == 3, problems
    assert "'governerate' is not a location_precision word (did you mean 'governorate'?" in problems[0]
    assert "column 'Lat' is not in the file (did you mean 'Latitude'?)" in problems[1]
    assert "column 'Grading' is not in the file" in problems[2] and "Geolocation accuracy" in problems[2]
    assert str(mapping) in str(caught.value) and "line " in problems[0]
    assert store.scalar("SELECT count(*) FROM batch") == store.scalar("SELECT count(*) FROM document") == 0


def test_reimport_is_recognised_but_a_changed_mapping_is_a_new_batch(store: Store, tmp_path: Path) -> None:
    first = import_file(store, get_format("incidents", INCIDENTS_MAPPING), SHEET_CSV)
    again = import_file(store, get_format("incidents", INCIDENTS_MAPPING), SHEET_CSV)
    assert again.already_imported and again.batch_id == first.batch_id
    changed = tmp_path / "changed.yaml"
    changed.write_text(
        INCIDENTS_MAPPING.read_text(encoding="utf-8").replace("Exact: exact", "Exact: within_100m")
    )
    third = import_file(store, get_format("incidents", changed), SHEET_CSV)
    assert not third.already_imported and third.batch_id == first.batch_id + 1
    texts = store.rows("SELECT mapping_text FROM batch ORDER BY batch_id")
    assert texts[0]["mapping_text"] == INCIDENTS_MAPPING.read_text(encoding="utf-8")


# --- victims, encodings ------------------------------------------------------------------------------------


def test_victim_list_fields_and_reasons(store: Store, tmp_path: Path) -> None:
    result = _victims_import(store, tmp_path, _csv(tmp_path / "victims.csv", VICTIMS_HEADER, VICTIMS))
    assert (result.rows_read, result.rows_accepted, result.rows_quarantined) == (5, 5, 0)
    assert _issues(store, result.batch_id) == {5: [("age", "age_order"), ("status", "value_unmapped")]}
    rows = {r["record_id"]: r for r in store.rows("SELECT * FROM victim_record")}
    assert (rows["V1"]["sex"], rows["V1"]["age_min"], rows["V1"]["age_max"]) == ("male", 34, 34)
    assert (rows["V2"]["age_min"], rows["V2"]["age_max"], rows["V2"]["date_precision"]) == (7, 9, "month")
    assert (str(rows["V2"]["date_start"]), str(rows["V2"]["date_end"])) == ("2013-04-01", "2013-04-30")
    assert (rows["V3"]["name"], rows["V3"]["status"], rows["V3"]["date_start"]) == (None, "combatant", None)
    assert (
        rows["V3"]["flags"][0].startswith("value_as_unknown:") and rows["V3"]["date_precision"] == "unknown"
    )
    assert rows["V4"]["flags"][0].startswith("date_placeholder:")
    assert store.scalar("SELECT name FROM source") == "Invented list"


def test_windows_1256_arabic_arrives_as_utf8_and_the_raw_bytes_are_kept(store: Store, tmp_path: Path) -> None:
    path = _csv(tmp_path / "victims_cp1256.csv", VICTIMS_HEADER, VICTIMS, encoding="cp1256")
    with pytest.raises(UnicodeDecodeError):
        path.read_bytes().decode("utf-8")  # really Windows-1256 bytes, not UTF-8
    result = _victims_import(store, tmp_path, path)
    assert result.rows_accepted == 5
    assert store.scalar("SELECT encoding FROM batch") == "cp1256"
    names = store.rows("SELECT record_id, name, place_of_death_ar FROM victim_record ORDER BY row_number")
    assert [(r["name"], r["place_of_death_ar"]) for r in names[:2]] == [
        ("سمير عادل الحلبي", "كفرنبل"),
        ("ليلى منصور", "معرة النعمان"),
    ]
    raw = [bytes(r["raw"]) for r in store.rows("SELECT raw FROM document ORDER BY row_number")]
    assert raw == path.read_bytes().split(b"\r\n")[1:6]
    assert raw[0] == ",".join(VICTIMS[0]).encode("cp1256")
    # the store holds UTF-8 text: DuckDB itself reads the Arabic back
    assert store.scalar("SELECT octet_length(encode(name)) FROM victim_record WHERE record_id = 'V2'") == len(
        "ليلى منصور".encode()
    )


def test_utf8_with_bom_has_a_clean_first_column(store: Store, tmp_path: Path) -> None:
    path = _csv(tmp_path / "victims_bom.csv", VICTIMS_HEADER, VICTIMS, encoding="utf-8-sig")
    result = _victims_import(store, tmp_path, path)
    assert result.rows_accepted == 5 and store.scalar("SELECT encoding FROM batch") == "utf-8-sig"
    assert store.scalar("SELECT header[1] FROM batch") == "id"


def test_an_undecodable_file_is_refused_with_the_fix(store: Store, tmp_path: Path) -> None:
    """Excel's "Unicode text" export is UTF-16: neither UTF-8 nor Windows-1256."""
    path = _csv(tmp_path / "victims_utf16.csv", VICTIMS_HEADER, VICTIMS, encoding="utf-16")
    with pytest.raises(InputError, match=r"is not UTF-8 \(byte 0xff at line 1\).*Save it as UTF-8"):
        _victims_import(store, tmp_path, path)
    assert store.scalar("SELECT count(*) FROM batch") == 0


_SCRATCH = duckdb.connect()


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("aAbBzِحلب -_\t\u00a0İÉéß")), max_size=12))
def test_a_cell_matches_its_value_key_whatever_its_case_and_spacing(key: str) -> None:
    """Keys are normalised in Python, cells in SQL: a cell differing only in ASCII case and spacing hits."""
    cell = "  " + "".join(c.swapcase() if c.isascii() else c for c in key).replace(" ", " \u00a0 ") + "\t"
    mapping = Mapping(kind="victims", fields={"cause": FieldSpec(column="c", values={key: "hit"})})
    fmt_select = _select(MappingFile(Path("m.yaml"), "", mapping, KeyLines()), ["c"])
    con = _SCRATCH.cursor()
    con.execute("CREATE OR REPLACE TEMP TABLE staged AS SELECT 1 AS row_number, ?::VARCHAR AS c", [cell])
    _prepare(MappingFile(Path("m.yaml"), "", mapping, KeyLines()), [], con, "staged")
    value = con.execute(f"SELECT {fmt_select.fields['cause']} FROM staged").fetchall()[0][0]
    assert value == ("hit" if normalise_key(key) else None)


# --- the CLI -----------------------------------------------------------------------------------------------


def test_cli_imports_a_mapped_sheet(db_path: Path) -> None:
    result = run_cli(db_path, "ingest", "incidents", str(SHEET_CSV), "--mapping", str(INCIDENTS_MAPPING))
    assert result.exit_code == 0, result.output
    assert "read 12 = accepted 11 (new 11, unchanged 0, changed 0) + quarantined 1" in result.output
    assert "accepted with a field set aside: 1 x value_unmapped (rows 10)" in result.output
    listing = run_cli(db_path, "batches", "--json")
    assert json.loads(listing.output)[0]["source"] == "Example monitor"


def test_cli_source_option_overrides_the_mapping(db_path: Path) -> None:
    args = [
        "ingest",
        "incidents",
        str(SHEET_CSV),
        "--mapping",
        str(INCIDENTS_MAPPING),
        "--source",
        "Monitor B",
    ]
    assert run_cli(db_path, *args).exit_code == 0
    assert json.loads(run_cli(db_path, "batches", "--json").output)[0]["source"] == "Monitor B"


def test_cli_without_a_mapping_says_what_to_do(db_path: Path) -> None:
    result = run_cli(db_path, "ingest", "victims", str(SHEET_CSV))
    assert result.exit_code == 1
    assert "add --mapping MAPPING.yaml" in result.output and "docs/mapping.md" in result.output


def test_cli_lists_every_mapping_problem(db_path: Path, tmp_path: Path) -> None:
    mapping = tmp_path / "bad.yaml"
    mapping.write_text("kind: incidents\nfields:\n  date: Day\n  lattitude: Lat\n", encoding="utf-8")
    result = run_cli(db_path, "ingest", "incidents", str(SHEET_CSV), "--mapping", str(mapping))
    assert result.exit_code == 1
    assert f"3 problem(s) in mapping {mapping}" in result.output
    assert "line 4 (fields.lattitude): unknown field" in result.output
    assert "line 3 (fields.date.column): column 'Day' is not in the file" in result.output


# --- real data ------------------------------------------------------------------------------------------


def test_vdc_victim_list_imports_with_every_row_accounted_for(
    store: Store, shared_data: Path, tmp_path: Path
) -> None:
    source = shared_data / "vdc_victims_romansul" / "vdc_victims_sample_33k.csv"
    with source.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    statuses = Counter(r["status"] for r in rows)
    groups = Counter(r["sex_agegroup"] for r in rows if r["status"])
    started = time.perf_counter()
    result = import_file(store, get_format("victims", VDC_MAPPING), source)
    seconds = time.perf_counter() - started
    assert result.rows_read == len(rows) == 33353
    assert result.rows_accepted + result.rows_quarantined == result.rows_read
    # pages scraped without their table have no status: quarantined, not accepted as empty records
    assert result.rows_quarantined == statuses[""] and list(result.reasons) == ["value_missing"]
    by_status = store.rows("SELECT status, count(*) AS n FROM victim_record GROUP BY status")
    counted = {r["status"]: r["n"] for r in by_status}
    assert counted == {"civilian": statuses["Civilian"], "combatant": statuses["Non-Civilian"]}
    children = store.scalar("SELECT count(*) FROM victim_record WHERE age_group = 'child'")
    women = store.scalar("SELECT count(*) FROM victim_record WHERE sex = 'female'")
    assert children == groups["Child - Male"] + groups["Child - Female"]
    assert women == groups["Adult - Female"] + groups["Child - Female"]
    unidentified = sum(1 for r in rows if r["status"] and r["name_en"].strip().lower() == "unidentified")
    assert store.scalar("SELECT count(*) FROM victim_record WHERE name IS NULL") == unidentified + sum(
        1 for r in rows if r["status"] and not r["name_en"].strip()
    )
    ids = store.scalar("SELECT list(record_id ORDER BY row_number) FROM victim_record")
    assert ids == [r["vdc_uid"] for r in rows if r["status"]]
    print(f"VDC: {result.as_dict()} in {seconds:.2f} s")  # figures only, no names


def test_constants_fill_every_row(store: Store, tmp_path: Path) -> None:
    mapping = tmp_path / "constants.yaml"
    mapping.write_text(
        "kind: victims\nfields:\n  record_id: id\n  date: {column: died, formats: ['%Y-%m-%d', '%Y-%m']}\n"
        "  date_precision: {constant: week}\n  province: {constant: Idlib}\n"
        "  perpetrators: {constant: Syrian government}\n  age_min: {constant: '0'}\n",
        encoding="utf-8",
    )
    path = _csv(tmp_path / "victims.csv", VICTIMS_HEADER, VICTIMS[:2])
    result = import_file(store, get_format("victims", mapping), path)
    assert result.rows_accepted == 2
    rows = store.rows("SELECT date_precision, province, perpetrators, age_min FROM victim_record")
    assert {(r["date_precision"], r["province"], tuple(r["perpetrators"]), r["age_min"]) for r in rows} == {
        ("week", "Idlib", ("Syrian government",), 0)
    }
