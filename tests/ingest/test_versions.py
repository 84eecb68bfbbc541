"""Re-imports: a row is its source's record (source, record id), so a corrected file adds new and fixed
rows, records changed ones as a new version, leaves the rest alone, and withdraws what the source did."""

from __future__ import annotations

import csv
import io
import json
import random
from pathlib import Path
from typing import Any

import pytest

from harmtrace.ingest import get_format, import_file
from harmtrace.ingest.history import WITHHELD, histories
from harmtrace.store import Store, open_store
from tests.conftest import TEST_DATA, UCDP_CSV, run_cli
from tests.ingest.ucdp_rows import ucdp_rows, write_csv

UCDP = get_format("ucdp-ged")
ACLED_SAMPLE = TEST_DATA / "acled_syria_sample.csv"
DELETIONS = TEST_DATA / "acled_deletions_sample.csv"
VICTIMS = TEST_DATA / "victims_versions.csv"
VICTIMS_MAPPING = TEST_DATA / "victims_versions.yaml"


def _ok(db: Path, *args: str) -> str:
    result = run_cli(db, *args)
    assert result.exit_code == 0, result.output
    return result.output


def _json(db: Path, *args: str) -> Any:
    return json.loads(_ok(db, *args, "--json"))


def _counts(result: dict[str, Any]) -> tuple[int | None, ...]:
    keys = ("rows_read", "rows_accepted", "rows_new", "rows_unchanged", "rows_changed", "rows_quarantined")
    return (*(result[k] for k in keys), result["rows_withdrawn"])


def _totals(db: Path, *args: str) -> dict[str, Any]:
    total: dict[str, Any] = _json(db, "stats", "casualties", *args)["total"]
    return total


def _corrected_files(tmp_path: Path) -> tuple[Path, Path]:
    """12 UCDP events with 2 bad rows; then the same file with both fixed, one event's best raised
    and one new event."""
    header, rows = ucdp_rows(13)
    rows, extra = rows[:12], rows[12]
    good = [dict(r) for r in rows]
    bad = [dict(r) for r in rows]
    bad[2]["date_start"] = "2016-13-01"
    bad[6]["latitude"] = "48.85"  # outside Syria: the coordinates are set aside, the row accepted
    fixed = [dict(r) for r in good] + [extra]
    fixed[4]["best"] = fixed[4]["high"] = str(int(fixed[4]["high"]) + 2)
    return write_csv(tmp_path / "v1.csv", header, bad), write_csv(tmp_path / "v2.csv", header, fixed)


def test_a_corrected_file_adds_the_fixed_and_new_rows_and_one_version(db_path: Path, tmp_path: Path) -> None:
    v1, v2 = _corrected_files(tmp_path)
    first = _json(db_path, "ingest", "ucdp-ged", str(v1), "--source", "UCDP")
    second = _json(db_path, "ingest", "ucdp-ged", str(v2), "--source", "UCDP")
    # each event counted once, with the latest figures: as if the corrected file were the only one
    fresh = tmp_path / "fresh.duckdb"
    _ok(fresh, "ingest", "ucdp-ged", str(v2), "--source", "UCDP")
    assert _totals(db_path) == _totals(fresh)
    assert _totals(db_path)["items_max"] == 13
    assert _counts(first) == (12, 11, 11, 0, 0, 1, 0)
    # new: the row whose date is fixed and the new event; changed: the one with its coordinates back
    # and the one with a higher best
    assert _counts(second) == (13, 13, 2, 9, 2, 0, 0)
    with open_store(db_path) as store:
        assert store.scalar("SELECT count(*) FROM report") == 13
        assert (
            store.rows("SELECT kind, version, ended_batch, ended_how FROM record_version")
            == [{"kind": "report", "version": 1, "ended_batch": 2, "ended_how": "changed"}] * 2
        )
        assert store.scalar("SELECT count(*) FROM batch_match WHERE batch_id = 2") == 11


def test_the_summary_says_new_unchanged_changed_quarantined_and_withdrawn(
    db_path: Path, tmp_path: Path
) -> None:
    v1, v2 = _corrected_files(tmp_path)
    _ok(db_path, "ingest", "ucdp-ged", str(v1), "--source", "UCDP")
    out = _ok(db_path, "ingest", "ucdp-ged", str(v2), "--source", "UCDP")
    assert "read 13 = accepted 13 (new 2, unchanged 9, changed 2) + quarantined 0; withdrawn 0" in out
    assert "harmtrace reports history --source UCDP --record-id ID" in out
    listing = _ok(db_path, "batches")
    header, _, _, second = listing.splitlines()[:4]
    assert header.split()[4:11] == [
        "rows_read", "rows_accepted", "rows_new", "rows_unchanged", "rows_changed", "rows_quarantined",
        "rows_withdrawn",
    ]  # fmt: skip
    assert second.split()[4:11] == ["13", "13", "2", "9", "2", "0", "0"]


def test_history_shows_both_versions_and_what_changed(db_path: Path, tmp_path: Path) -> None:
    v1, v2 = _corrected_files(tmp_path)
    _ok(db_path, "ingest", "ucdp-ged", str(v1), "--source", "UCDP")
    _ok(db_path, "ingest", "ucdp-ged", str(v2), "--source", "UCDP")
    record_id = ucdp_rows(5)[1][4]["id"]
    [found] = _json(db_path, "reports", "history", "--source", "UCDP", "--record-id", record_id)
    assert found["status"] == "current" and [v["version"] for v in found["versions"]] == [1, 2]
    old, new = found["versions"]
    assert (old["batch_id"], old["ended_batch"], old["ended_how"]) == (1, 2, "changed")
    assert (new["batch_id"], new["row_number"], new["ended_how"]) == (2, 5, None)
    changed = {c["field"]: (c["old"], c["new"]) for c in new["changes"]}
    assert set(changed) == {"killed_all_max", "killed_all_best"}
    assert changed["killed_all_best"][1] == changed["killed_all_best"][0] + 2
    text = _ok(db_path, "reports", "history", str(found["record_key"]))
    assert "2 version(s), current: version 2" in text and "changed in batch 2" in text
    assert f"killed_all_best: {changed['killed_all_best'][0]} -> {changed['killed_all_best'][1]}" in text


def test_history_of_an_unknown_record_says_how_to_find_one(db_path: Path, tmp_path: Path) -> None:
    v1, _ = _corrected_files(tmp_path)
    _ok(db_path, "ingest", "ucdp-ged", str(v1))
    result = run_cli(db_path, "reports", "history", "--source", "UCDP", "--record-id", "nope")
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "has no report with record id 'nope'" in result.output and "harmtrace batches" in result.output
    result = run_cli(db_path, "reports", "history")
    assert result.exit_code == 1 and "--source NAME and --record-id ID" in result.output


def _ucdp_modified(tmp_path: Path) -> tuple[Path, dict[str, int]]:
    """The bundled UCDP file with 10 events' best raised, 5 events removed and 3 new ones, written
    anew by the csv module (its quoting differs from the file's: content, not bytes, is compared)."""
    with UCDP_CSV.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        header, rows = list(reader.fieldnames or []), list(reader)
    picks = random.Random(2016).sample(range(len(rows)), 15)
    for i in picks[:10]:
        rows[i]["best"] = str(int(rows[i]["best"]) + 1)
        rows[i]["high"] = str(max(int(rows[i]["high"]), int(rows[i]["best"])))
    new = [dict(rows[i], id=f"9{n:08d}") for n, i in enumerate(picks[:3])]
    kept = [r for i, r in enumerate(rows) if i not in set(picks[10:])] + new
    out = io.StringIO()
    writer = csv.DictWriter(out, header, lineterminator="\r\n", quoting=csv.QUOTE_ALL)
    writer.writeheader()
    writer.writerows(kept)
    path = tmp_path / "ged_modified.csv"
    path.write_text(out.getvalue(), encoding="utf-8")
    return path, {"rows": len(kept), "unchanged": len(rows) - 15}


FIGURES = (
    (),
    ("--by", "year"),
    ("--category", "civilians", "--by", "perpetrator"),
    ("--from", "2017-01-01", "--days", "90", "--by", "adm1"),
)


def test_a_new_release_of_the_real_ucdp_file_gives_the_figures_of_the_release_alone(
    db_path: Path, tmp_path: Path
) -> None:
    modified, expect = _ucdp_modified(tmp_path)
    _ok(db_path, "ingest", "ucdp-ged", str(UCDP_CSV), "--source", "UCDP")
    again = _json(db_path, "ingest", "ucdp-ged", str(modified), "--source", "UCDP", "--withdraw-missing")
    n = expect["rows"]
    assert _counts(again) == (n, n, 3, expect["unchanged"], 10, 0, 5)
    assert again["records_absent"] == 5
    fresh = tmp_path / "fresh.duckdb"
    _ok(fresh, "ingest", "ucdp-ged", str(modified), "--source", "UCDP")
    for args in FIGURES:
        figures = [_json(db, "stats", "casualties", *args) for db in (db_path, fresh)]
        assert figures[0] == figures[1], args
    with open_store(db_path) as a, open_store(fresh) as b:
        live = "SELECT record_id, content_sha256 FROM report ORDER BY record_id"
        assert a.rows(live) == b.rows(live)
        side = "SELECT r.record_id, s.* EXCLUDE (report_id) FROM harm_side s JOIN report r USING (report_id)"
        assert sorted(map(str, a.rows(side))) == sorted(map(str, b.rows(side)))
        assert a.rows("SELECT ended_how, count(*) AS n FROM record_version GROUP BY 1 ORDER BY 1") == [
            {"ended_how": "changed", "n": 10},
            {"ended_how": "withdrawn", "n": 5},
        ]


def test_without_withdraw_missing_absent_records_are_counted_not_withdrawn(
    db_path: Path, tmp_path: Path
) -> None:
    header, rows = ucdp_rows(6)
    _ok(db_path, "ingest", "ucdp-ged", str(write_csv(tmp_path / "all.csv", header, rows)))
    part = write_csv(tmp_path / "part.csv", header, rows[:2])
    out = _ok(db_path, "ingest", "ucdp-ged", str(part))
    assert "read 2 = accepted 2 (new 0, unchanged 2, changed 0) + quarantined 0; withdrawn 0" in out
    assert "4 current records of source ucdp-ged are not in this file: none withdrawn" in out
    assert "--withdraw-missing" in out
    # the hint works on the same file: it is imported again to withdraw, not refused as already imported
    again = _json(db_path, "ingest", "ucdp-ged", str(part), "--withdraw-missing")
    assert (again["already_imported"], again["rows_withdrawn"], again["rows_unchanged"]) == (False, 4, 2)
    assert _totals(db_path)["items_max"] == 2
    assert _json(db_path, "ingest", "ucdp-ged", str(part))["already_imported"] is True


def test_a_record_named_by_a_quarantined_row_is_not_withdrawn(store: Store, tmp_path: Path) -> None:
    header, rows = ucdp_rows(4)
    import_file(store, UCDP, write_csv(tmp_path / "a.csv", header, rows))
    rows[1]["date_end"] = "not a date"  # the row is faulty, the event is not gone
    result = import_file(store, UCDP, write_csv(tmp_path / "b.csv", header, rows[:3]), withdraw_missing=True)
    assert (result.rows_quarantined, result.rows_withdrawn, result.records_absent) == (1, 1, 1)
    assert store.scalar("SELECT count(*) FROM report") == 3


def test_withdrawal_is_refused_when_a_quarantined_row_has_no_readable_id(
    db_path: Path, tmp_path: Path
) -> None:
    header, rows = ucdp_rows(5)
    _ok(db_path, "ingest", "ucdp-ged", str(write_csv(tmp_path / "a.csv", header, rows)))
    path = write_csv(tmp_path / "b.csv", header, rows[:4])
    lines = path.read_bytes().split(b"\n")
    lines[2] = lines[2] + b",extra"  # row 2 cannot be split: which record it is cannot be told
    path.write_bytes(b"\n".join(lines))
    result = run_cli(db_path, "ingest", "ucdp-ged", str(path), "--withdraw-missing")
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert f"would withdraw 2 records of this source, but 1 rows of {path} (rows 2)" in result.output
    assert "quarantined without a readable record id" in result.output
    with open_store(db_path) as store:
        assert (store.scalar("SELECT count(*) FROM batch"), store.scalar("SELECT count(*) FROM report")) == (
            1,
            5,
        )
    plain = _json(db_path, "ingest", "ucdp-ged", str(path))  # without the option: nothing withdrawn
    assert (plain["rows_quarantined"], plain["records_absent"], plain["rows_withdrawn"]) == (1, 2, 0)


def test_one_record_id_twice_in_a_file(store: Store, tmp_path: Path) -> None:
    header, rows = ucdp_rows(3)
    other = dict(rows[0], best=str(int(rows[0]["best"]) + 5), high=str(int(rows[0]["high"]) + 5))
    path = write_csv(tmp_path / "twice.csv", header, [rows[0], rows[1], rows[0], other, rows[2]])
    result = import_file(store, UCDP, path)
    assert (result.rows_read, result.rows_new, result.rows_unchanged, result.rows_quarantined) == (5, 3, 1, 1)
    [reason] = store.scalar("SELECT reasons FROM quarantine WHERE row_number = 4")
    assert reason == (
        f"record_id_repeated: record {rows[0]['id']} is also row 1 of this file, with other content; "
        "row 1 was imported"
    )
    assert store.scalar("SELECT count(*) FROM report") == 3


def test_records_stored_before_versions_get_their_digest_and_match(store: Store, tmp_path: Path) -> None:
    header, rows = ucdp_rows(5)
    import_file(store, UCDP, write_csv(tmp_path / "a.csv", header, rows))
    digests = store.rows("SELECT report_id, content_sha256 FROM report ORDER BY 1")
    store.con.execute("UPDATE report SET content_sha256 = NULL")  # as a store upgraded from schema 8
    result = import_file(store, UCDP, write_csv(tmp_path / "b.csv", header, rows[::-1]))
    assert (result.rows_new, result.rows_unchanged, result.rows_changed) == (0, 5, 0)
    assert store.rows("SELECT report_id, content_sha256 FROM report ORDER BY 1") == digests


def test_stored_digests_of_another_recipe_are_recomputed_not_taken_for_changes(
    store: Store, tmp_path: Path
) -> None:
    header, rows = ucdp_rows(30)
    import_file(store, UCDP, write_csv(tmp_path / "a.csv", header, rows))
    digests = store.rows("SELECT report_id, content_sha256 FROM report ORDER BY 1")
    # as if a DuckDB upgrade wrote JSON otherwise: every stored digest differs from a new one
    store.con.execute("UPDATE report SET content_sha256 = sha256(content_sha256)")
    result = import_file(store, UCDP, write_csv(tmp_path / "b.csv", header, rows[::-1]))
    assert (result.rows_new, result.rows_unchanged, result.rows_changed) == (0, 30, 0)
    assert store.rows("SELECT report_id, content_sha256 FROM report ORDER BY 1") == digests


def test_a_moved_report_loses_its_placements_and_the_summary_says_to_place_again(
    db_path: Path, tmp_path: Path
) -> None:
    header, rows = ucdp_rows(4)
    _ok(db_path, "ingest", "ucdp-ged", str(write_csv(tmp_path / "a.csv", header, rows)))
    _ok(db_path, "locate", "admin", str(UCDP_CSV.parent / "syr_admin1.geojson"))
    rows[0]["latitude"] = str(float(rows[0]["latitude"]) + 0.5)
    rows[1]["source_headline"] = "another headline"  # changed, but not its place
    out = _json(db_path, "ingest", "ucdp-ged", str(write_csv(tmp_path / "b.csv", header, rows)))
    assert (out["rows_changed"], out["places_changed"]) == (2, 1)
    with open_store(db_path) as store:
        placed = store.rows("SELECT r.row_number, count(a.level) AS n FROM report r "
                            "LEFT JOIN report_admin a USING (report_id) GROUP BY 1 ORDER BY 1")  # fmt: skip
        assert [p["n"] for p in placed] == [0, 1, 1, 1]


def test_the_place_hint_names_the_locate_commands(db_path: Path, tmp_path: Path) -> None:
    header, rows = ucdp_rows(2)
    _ok(db_path, "ingest", "ucdp-ged", str(write_csv(tmp_path / "a.csv", header, rows)))
    rows[0]["where_coordinates"] = "another place"
    out = _ok(db_path, "ingest", "ucdp-ged", str(write_csv(tmp_path / "b.csv", header, rows)))
    assert "1 changed reports have another place" in out and "harmtrace locate admin" in out


# ---- ACLED deletions ---------------------------------------------------------------------------------


def test_acled_deletions_withdraw_the_listed_events(db_path: Path) -> None:
    _ok(db_path, "ingest", "acled", str(ACLED_SAMPLE))
    before = _totals(db_path)
    with open_store(db_path) as store:
        gone = store.rows(
            "SELECT report_id, record_id FROM report WHERE record_id IN ('SYR90003', 'SYR90008')"
        )
        store.con.execute(
            "INSERT INTO incident_member SELECT 'inc-' || report_id, report_id, 1, 1.0 FROM report; "
            "INSERT INTO victim_report SELECT 1, report_id, 'test' FROM report"
        )
    result = _json(db_path, "ingest", "acled-deletions", str(DELETIONS))
    assert _counts(result) == (6, 4, None, None, None, 2, 2)
    assert result["ids_not_found"] == {"rows": 1, "first": ["SYR99999"]}
    assert result["source"] == "acled"
    after = _totals(db_path)
    assert after["items_max"] == before["items_max"] - 2
    with open_store(db_path) as store:
        ids = [g["report_id"] for g in gone]
        for table in ("report", "harm", "incident_member", "victim_report"):
            assert store.scalar(f"SELECT count(*) FROM {table} WHERE report_id IN (?, ?)", ids) == 0, table
        # the others keep theirs (13 accepted: 3 of them with a faulty field set aside)
        assert store.scalar("SELECT count(*) FROM incident_member") == 11
        withdrawn = store.rows("SELECT record_key, ended_how, ended_batch FROM record_version ORDER BY 1")
        assert withdrawn == [
            {"record_key": i, "ended_how": "withdrawn", "ended_batch": 2} for i in sorted(ids)
        ]
        matched = store.rows("SELECT row_number, outcome FROM batch_match WHERE batch_id = 2 ORDER BY 1")
        assert matched == [
            {"row_number": 1, "outcome": "withdrawn"},
            {"row_number": 2, "outcome": "withdrawn"},
        ]
        reasons = {
            r["row_number"]: r["reasons"][0].split(":")[0] for r in store.rows("SELECT * FROM quarantine")
        }
    assert {k: v for k, v in reasons.items() if k in (4, 5)} == {4: "id_missing", 5: "timestamp_invalid"}


def test_the_deletions_summary_lists_ids_of_no_record(db_path: Path) -> None:
    _ok(db_path, "ingest", "acled", str(ACLED_SAMPLE))
    out = _ok(db_path, "ingest", "acled-deletions", str(DELETIONS))
    assert "read 6 = accepted 4 + quarantined 2; withdrawn 2" in out
    assert "1 rows name no current record of source acled, nothing to withdraw: SYR99999" in out
    [history] = _json(db_path, "reports", "history", "--source", "acled", "--record-id", "SYR90008")
    assert history["status"] == "withdrawn" and history["versions"][-1]["ended_how"] == "withdrawn"


def test_withdraw_missing_is_refused_for_a_deletions_feed(db_path: Path) -> None:
    result = run_cli(db_path, "ingest", "acled-deletions", str(DELETIONS), "--withdraw-missing")
    assert result.exit_code == 1 and "does not apply to acled-deletions" in result.output


# ---- victim records ----------------------------------------------------------------------------------


def _victims_v2(tmp_path: Path) -> Path:
    """The victim list re-exported: columns reordered and quoted, V-2's name and date corrected, V-4
    gone, V-5 new, and a third person like the two without an id."""
    with VICTIMS.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    rows[1].update(name="Invented Name Bee", date_of_death="2013-03-02")
    rows = rows[:3] + rows[4:] + [dict(rows[4])]
    rows.append(dict(rows[0], uid="V-5", name="Invented Name E", place_of_death="Daraa"))
    header = ["cause", "uid", "status", "name", "sex", "place_of_death", "date_of_death"]
    out = io.StringIO()
    writer = csv.DictWriter(out, header, quoting=csv.QUOTE_ALL, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path = tmp_path / "victims_v2.csv"
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


def test_a_victim_list_imported_again_adds_only_new_people(db_path: Path, tmp_path: Path) -> None:
    mapping = ("--mapping", str(VICTIMS_MAPPING))
    first = _json(db_path, "ingest", "victims", str(VICTIMS), *mapping)
    assert _counts(first) == (6, 6, 6, 0, 0, 0, 0)
    v2 = _victims_v2(tmp_path)
    second = _json(db_path, "ingest", "victims", str(v2), *mapping)
    assert _counts(second) == (7, 7, 2, 4, 1, 0, 0) and second["records_absent"] == 1
    third = _json(db_path, "ingest", "victims", str(v2), *mapping, "--withdraw-missing")
    assert _counts(third) == (7, 7, 0, 7, 0, 0, 1)
    with open_store(db_path) as store:
        assert store.scalar("SELECT count(*) FROM victim_record") == 7
        anonymous = store.scalar("SELECT count(*) FROM victim_record WHERE record_id IS NULL")
        assert anonymous == 3  # three people alike in every field stay three
        assert store.scalar("SELECT max(version) FROM victim_record WHERE record_id = 'V-2'") == 2


def test_victim_history_withholds_names(db_path: Path, tmp_path: Path) -> None:
    mapping = ("--mapping", str(VICTIMS_MAPPING))
    _ok(db_path, "ingest", "victims", str(VICTIMS), *mapping)
    _ok(db_path, "ingest", "victims", str(_victims_v2(tmp_path)), *mapping)
    args = ("persons", "history", "--source", "Test victim list", "--record-id", "V-2")
    text, data = _ok(db_path, *args), _ok(db_path, *args, "--json")
    for out in (text, data):
        assert "Invented Name" not in out
    assert f"name: '{WITHHELD}' -> '{WITHHELD}'" in text
    assert "date_start: '2013-03-01' -> '2013-03-02'" in text
    with open_store(db_path) as store:
        [named] = histories(store, "victim", source="Test victim list", record_id="V-2", with_personal=True)
    change = next(c for c in named["versions"][1]["changes"] if c["field"] == "name")
    assert (change["old"], change["new"]) == ("Invented Name B", "Invented Name Bee")


@pytest.mark.parametrize("kind", ["report", "victim"])
def test_history_needs_one_way_of_naming_the_record(store: Store, kind: str) -> None:
    from harmtrace.errors import QueryError

    for key, source, record_id in (
        (1, "UCDP", "1"),
        (1, "UCDP", None),
        (None, "UCDP", None),
        (None, None, "1"),
    ):
        with pytest.raises(QueryError, match="not both"):
            histories(store, kind, key, source, record_id)
    with pytest.raises(QueryError, match=f"No {kind} 7, current or earlier"):
        histories(store, kind, 7)


def test_json_keys_are_stable_and_old_batches_show_no_counts(db_path: Path, tmp_path: Path) -> None:
    v1, _ = _corrected_files(tmp_path)
    first = _json(db_path, "ingest", "ucdp-ged", str(v1))
    assert set(first) == {
        "batch_id", "file", "format", "source", "kind", "already_imported", "rows_read", "rows_accepted",
        "rows_quarantined", "rows_flagged", "rows_with_field_issues", "field_issues", "rows_new",
        "rows_unchanged", "rows_changed", "rows_withdrawn",
        "records_absent", "withdraw_missing", "places_changed", "ids_not_found", "quarantine_reasons",
        "flags", "encoding", "compressed", "what", "details", "breakdowns",
    }  # fmt: skip
    assert set(_json(db_path, "ingest", "ucdp-ged", str(v1))) == set(first)  # already imported: same keys
    with open_store(db_path) as store:  # as a batch imported before versions existed
        store.con.execute("UPDATE batch SET rows_new = NULL, rows_unchanged = NULL, rows_changed = NULL, "
                          "rows_withdrawn = NULL")  # fmt: skip
    listing = _ok(db_path, "batches").splitlines()
    assert listing[2].split()[4:11] == ["12", "11", "-", "-", "-", "1", "-"]
    again = _ok(db_path, "ingest", "ucdp-ged", str(v1))
    assert again.splitlines()[1] == "read 12 = accepted 11 + quarantined 1"
