"""ACLED export CSV: accounting, date intervals by time precision, attribution, harm, CLI."""

from __future__ import annotations

import calendar
import csv
import json
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from harmtrace.errors import InputError
from harmtrace.ingest import get_format, import_file
from harmtrace.ingest.acled import COLUMNS
from harmtrace.store import Store
from tests.conftest import TEST_DATA, run_cli

ACLED = get_format("acled")
SAMPLE = TEST_DATA / "acled_syria_sample.csv"
# the fixture's deliberately bad rows (1-based data rows) and the reason codes each must get: rows that
# cannot be a report are quarantined, the others accepted with the faulty field set aside
QUARANTINED = {
    11: {"date_invalid", "date_missing"},  # 2017-02-30
    14: {"precision_invalid"},  # time_precision 4: the date interval cannot be set
    15: {"id_missing"},
}
SET_ASIDE = {
    12: {("coordinates", "coordinates_outside")},  # a point in Iraq
    13: {("killed_all", "count_negative")},  # fatalities -3
    # fatalities "several", in an event targeting civilians: their count is the same number
    16: {("killed_all", "count_invalid"), ("killed_civilians", "count_invalid")},
}
BAD_ROWS = QUARANTINED | SET_ASIDE


def _sample_rows() -> list[dict[str, str]]:
    with SAMPLE.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _day(text: str) -> date:
    for pattern in ("%Y-%m-%d", "%d %B %Y"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            pass
    raise AssertionError(f"fixture date {text!r} fits no format the test knows")


def _expected_interval(row: dict[str, str]) -> tuple[date, date, str]:
    """ACLED's codebook, read independently of the importer: day, week around it, or its month."""
    day, precision = _day(row["event_date"]), row["time_precision"]
    if precision == "2":
        return day - timedelta(days=3), day + timedelta(days=3), "week"
    if precision == "3":
        last = calendar.monthrange(day.year, day.month)[1]
        return day.replace(day=1), day.replace(day=last), "month"
    return day, day, "day"


def _reports(store: Store) -> dict[str, dict[str, object]]:
    return {r["record_id"]: r for r in store.rows("SELECT * FROM report")}


def test_fixture_header_is_the_codebook_column_list() -> None:
    with SAMPLE.open(newline="", encoding="utf-8") as fh:
        assert tuple(next(csv.reader(fh))) == COLUMNS


def test_every_row_is_accepted_or_quarantined_with_the_expected_reasons(store: Store) -> None:
    rows = _sample_rows()
    result = import_file(store, ACLED, SAMPLE)
    assert result.rows_read == len(rows) == store.scalar("SELECT count(*) FROM document")
    assert result.rows_quarantined == len(QUARANTINED)
    assert result.rows_accepted == len(rows) - len(QUARANTINED) == store.scalar("SELECT count(*) FROM report")
    quarantined = store.rows("SELECT row_number, reasons FROM quarantine")
    codes = {q["row_number"]: {r.split(":")[0] for r in q["reasons"]} for q in quarantined}
    assert codes == QUARANTINED
    issues = store.rows("SELECT row_number, field, reason FROM field_issue")
    aside: dict[int, set[tuple[str, str]]] = {}
    for i in issues:
        aside.setdefault(i["row_number"], set()).add((i["field"], i["reason"].split(":")[0]))
    assert aside == SET_ASIDE and result.rows_with_field_issues == len(SET_ASIDE)


def test_a_set_aside_field_is_unknown_and_the_rest_of_the_row_kept(store: Store) -> None:
    import_file(store, ACLED, SAMPLE)
    rows = store.rows(
        "SELECT row_number, latitude, location_precision, place_text, "
        "(SELECT count(*) FROM harm h WHERE h.report_id = r.report_id) AS harm_rows FROM report r "
        "WHERE row_number IN (12, 13, 16) ORDER BY row_number"
    )
    assert (rows[0]["latitude"], rows[0]["location_precision"]) == (None, "unknown")
    assert rows[0]["place_text"] is not None and rows[0]["harm_rows"] > 0
    assert [r["harm_rows"] for r in rows[1:]] == [0, 0]


def test_date_interval_widens_with_time_precision(store: Store) -> None:
    import_file(store, ACLED, SAMPLE)
    reports = _reports(store)
    good = [r for i, r in enumerate(_sample_rows(), start=1) if i not in BAD_ROWS]
    assert {r["time_precision"] for r in good} == {"1", "2", "3"}
    assert any(not r["event_date"][:4].isdigit() for r in good), "both date formats are covered"
    for row in good:
        got = reports[row["event_id_cnty"]]
        assert (got["date_start"], got["date_end"], got["date_precision"]) == _expected_interval(row)


def test_location_precision_follows_geo_precision(store: Store) -> None:
    import_file(store, ACLED, SAMPLE)
    words = {"1": "town", "2": "within_25km", "3": "region"}
    reports = _reports(store)
    for i, row in enumerate(_sample_rows(), start=1):
        if row["event_id_cnty"] in reports and i not in SET_ASIDE:
            assert reports[row["event_id_cnty"]]["location_precision"] == words[row["geo_precision"]]


def test_attribution_one_sided_shared_and_never_the_civilians(store: Store) -> None:
    import_file(store, ACLED, SAMPLE)
    perpetrators = {k: r["perpetrators"] for k, r in _reports(store).items()}
    assert perpetrators["SYR90001"] == ["Military Forces of Russia (2000-)"]  # actor2 is civilians (inter 7)
    assert perpetrators["SYR90002"] == ["Military Forces of Syria (2000-)", "Jaish al Fateh"]  # shared
    assert perpetrators["SYR90004"] == ["Islamic State (Syria)"]  # violence against civilians: actor1
    assert perpetrators["SYR90006"] == []  # protesters harm no one in ACLED's coding
    assert perpetrators["SYR90009"] == ["Military Forces of Syria (2000-)"]  # 2024 text inter labels


def test_means_come_from_the_sub_event_type(store: Store) -> None:
    import_file(store, ACLED, SAMPLE)
    means = {k: r["means"] for k, r in _reports(store).items()}
    assert means["SYR90001"] == ["airstrike"]
    assert means["SYR90002"] == ["shelling"]
    assert means["SYR90010"] == ["suicide bomb"]
    assert means["SYR90006"] == []


def test_fatalities_are_everyone_killed_and_civilians_when_targeted(store: Store) -> None:
    result = import_file(store, ACLED, SAMPLE)
    good = [r for i, r in enumerate(_sample_rows(), start=1) if i not in BAD_ROWS or i == 12]
    killed = store.rows(
        "SELECT category, sum(count_min) lo, sum(count_max) hi, sum(count_best) best, count(*) n "
        "FROM harm WHERE harm = 'killed' GROUP BY category"
    )
    by_category = {k["category"]: k for k in killed}
    total = sum(int(r["fatalities"]) for r in good)
    assert (by_category["all"]["lo"], by_category["all"]["hi"], by_category["all"]["best"]) == (total,) * 3
    targeted = [r for r in good if r["civilian_targeting"]]
    assert by_category["civilians"]["n"] == len(targeted)
    assert by_category["civilians"]["best"] == sum(int(r["fatalities"]) for r in targeted)
    assert result.flags == {"year_mismatch": (1, [9])}


def test_an_export_from_before_2023_imports_without_civilian_targeting(store: Store, tmp_path: Path) -> None:
    dropped = ("disorder_type", "civilian_targeting", "tags")
    old = tmp_path / "acled_2019.csv"
    with old.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, [c for c in COLUMNS if c not in dropped], extrasaction="ignore")
        writer.writeheader()
        writer.writerows(_sample_rows()[:5])
    result = import_file(store, ACLED, old)
    assert (result.rows_read, result.rows_accepted) == (5, 5)
    assert store.scalar("SELECT count(*) FROM harm WHERE category = 'civilians'") == 0


def test_a_file_without_acled_columns_is_refused_naming_them(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "not_acled.csv"
    path.write_text("event_id,event_date,fatalities\nX1,2016-01-01,3\n", encoding="utf-8")
    with pytest.raises(InputError, match='"event_id_cnty" \\(did you mean "event_id"\\?\\)'):
        import_file(store, ACLED, path)
    assert store.scalar("SELECT count(*) FROM batch") == 0


def test_cli_imports_reports_and_reimport_adds_nothing(db_path: Path) -> None:
    rows = _sample_rows()
    first = run_cli(db_path, "ingest", "acled", str(SAMPLE), "--json")
    assert first.exit_code == 0, first.output
    summary = json.loads(first.output)
    assert (summary["rows_read"], summary["rows_quarantined"]) == (len(rows), len(QUARANTINED))
    assert summary["field_issues"]["coordinates_outside"] == {"rows": 1, "first_rows": [12]}
    assert summary["rows_with_field_issues"] == len(SET_ASIDE)
    again = run_cli(db_path, "ingest", "acled", str(SAMPLE))
    assert again.exit_code == 0, again.output
    assert "already imported as batch 1" in again.output
    listed = json.loads(run_cli(db_path, "quarantine", "--batch", "1", "--json").output)
    assert [(q["row_number"], q["field"]) for q in listed] == [
        (11, "row"), (12, "coordinates"), (13, "killed_all"), (14, "row"), (15, "row"), (16, "killed_all"),
        (16, "killed_civilians"),
    ]  # fmt: skip
    batches = json.loads(run_cli(db_path, "batches", "--json").output)
    assert [(b["format"], b["rows_read"]) for b in batches] == [("acled", len(rows))]
