"""A file combining several lists: the source of each row read from its own column (`fields: source:`).

Statisticians exchange victim records of several lists in one file, a `list` column per row; estimation
(MSE) needs each record under its own list. Invented records, no names.
"""

from __future__ import annotations

import csv
from pathlib import Path

from harmtrace.ingest import get_format, import_file
from harmtrace.store import Store

HEADER = ["list", "list_id", "sex", "date_of_death", "governorate"]
ROWS = [
    ["VDC", "v1", "M", "2013-03-14", "Idlib"],
    ["VDC", "v2", "F", "2013-03-14", "Idlib"],
    ["SNHR", "s1", "M", "2013-03-14", "Idlib"],
    ["snhr ", "s2", "F", "2013-03-15", "Hama"],  # another spelling of the same list
    ["SOHR", "v1", "M", "2013-03-14", "Idlib"],  # the same id in another list: another record
    ["", "x1", "M", "2013-03-16", "Hama"],  # no list: cannot be placed among the lists
    ["CSR", "c1", "M", "2013-03-16", "Hama"],  # a list the mapping does not know
]
MAPPING = """\
kind: victims
source: {name: Combined lists}
fields:
  source:
    column: list
    values: {VDC: VDC, SNHR: SNHR, SOHR: SOHR}
  record_id: list_id
  sex: {column: sex, values: {M: male, F: female}}
  date: date_of_death
  province: governorate
"""


def _files(tmp_path: Path, rows: list[list[str]] = ROWS) -> tuple[Path, Path]:
    data, mapping = tmp_path / "lists.csv", tmp_path / "lists.yaml"
    with data.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([HEADER, *rows])
    mapping.write_text(MAPPING, encoding="utf-8")
    return data, mapping


def _by_source(store: Store) -> dict[str, list[str]]:
    rows = store.rows(
        "SELECT s.name, list(v.record_id ORDER BY v.record_id) AS ids FROM victim_record v "
        "JOIN source s USING (source_id) GROUP BY s.name"
    )
    return {r["name"]: r["ids"] for r in rows}


def test_each_row_is_a_record_of_its_own_list(store: Store, tmp_path: Path) -> None:
    data, mapping = _files(tmp_path)
    result = import_file(store, get_format("victims", mapping), data)
    assert (result.rows_read, result.rows_accepted, result.rows_quarantined) == (7, 5, 2)
    assert _by_source(store) == {"VDC": ["v1", "v2"], "SNHR": ["s1", "s2"], "SOHR": ["v1"]}
    reasons = {r["row_number"]: r["reasons"] for r in store.rows("SELECT * FROM quarantine")}
    assert reasons[6][0].startswith('value_missing: column "list" is empty')
    assert reasons[7][0].startswith("value_unmapped: column \"list\" value 'CSR'")
    # the batch keeps the file's default source; the records theirs
    assert store.scalar("SELECT s.name FROM batch JOIN source s USING (source_id)") == "Combined lists"


def test_a_corrected_combined_file_matches_records_within_each_list(store: Store, tmp_path: Path) -> None:
    data, mapping = _files(tmp_path)
    import_file(store, get_format("victims", mapping), data)
    fixed = [list(r) for r in ROWS]
    fixed[5][0], fixed[6][0] = "SOHR", "SNHR"  # the two lists filled in
    fixed[4][2] = "F"  # SOHR's v1 corrected; VDC's v1 untouched
    data2 = tmp_path / "lists2.csv"
    with data2.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([HEADER, *fixed])
    again = import_file(store, get_format("victims", mapping), data2, withdraw_missing=True)
    assert (again.rows_new, again.rows_unchanged, again.rows_changed, again.rows_withdrawn) == (2, 4, 1, 0)
    assert _by_source(store) == {"VDC": ["v1", "v2"], "SNHR": ["c1", "s1", "s2"], "SOHR": ["v1", "x1"]}
    versions = store.rows(
        "SELECT s.name, v.record_id, v.sex, v.version FROM victim_record v JOIN source s USING (source_id) "
        "WHERE v.record_id = 'v1' ORDER BY s.name"
    )
    assert [(r["name"], r["sex"], r["version"]) for r in versions] == [
        ("SOHR", "female", 2),
        ("VDC", "male", 1),
    ]


def test_the_shipped_example_mapping_reads_a_combined_file(store: Store, tmp_path: Path) -> None:
    example = Path(__file__).resolve().parents[2] / "examples" / "mappings" / "combined_lists.yaml"
    data = tmp_path / "combined.csv"
    with data.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(
            [["list", "list_id", "name", "sex", "date_of_death", "governorate"],
             ["Violations Documentation Center", "1", "Invented Name A", "M", "2013-03-14", "Idlib"],
             ["SNHR", "1", "Invented Name A", "M", "2013-03-14", "Idlib"]]
        )  # fmt: skip
    result = import_file(store, get_format("victims", example), data)
    assert (result.rows_accepted, result.rows_quarantined) == (2, 0)
    assert _by_source(store) == {"VDC": ["1"], "SNHR": ["1"]}
