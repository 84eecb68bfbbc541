"""`harmtrace stats casualties` as a user runs it: tables, JSON with stable keys, ids, and clear errors.

Figures are those of tests/data/ucdp_ged_windows.csv, worked out in tests/analyse/test_casualties.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import TEST_DATA, run_cli

FIXTURE = TEST_DATA / "ucdp_ged_windows.csv"
MARCH = ("--from", "2016-03-01", "--to", "2016-03-31")


@pytest.fixture
def db(db_path: Path) -> Path:
    result = run_cli(db_path, "ingest", "ucdp-ged", str(FIXTURE))
    assert result.exit_code == 0, result.output
    return db_path


def stats(db: Path, *args: str) -> str:
    result = run_cli(db, "stats", "casualties", *args)
    assert result.exit_code == 0, result.output
    return result.output


def test_table_shows_the_range_the_filters_and_the_caveat(db: Path) -> None:
    out = stats(db, *MARCH, "--perpetrator", "government of syria")
    lines = out.splitlines()
    assert (
        lines[0] == "Casualties: all killed (everyone, as each source counts them), 2016-03-01 to 2016-03-31 "
        "(both days inclusive, 31 days)"
    )
    assert lines[1] == "Filters: perpetrator government of syria"
    assert lines[2] == (
        "Sources: ucdp-ged (6 reports). Period of the reports giving all killed: 2016-03-01 to 2016-03-31."
    )
    header = next(line for line in lines if line.startswith("group"))
    total = next(line for line in lines if line.startswith("total"))
    assert header.split()[:7] == ["group", "items", "min", "items", "max", "min", "best"]
    # 1004 is shared with the insurgents and UCDP does not say who killed its civilians: no best
    assert total.split() == ["total", "1", "4", "2", "no", "best", "76", "3", "0"]
    assert "No best estimate: 1 item names other perpetrators too" in out
    assert "Reports are not yet deduplicated across sources" in out


def test_days_counts_from_from_inclusive(db: Path) -> None:
    as_days = json.loads(stats(db, "--from", "2016-03-01", "--days", "31", "--json"))
    as_to = json.loads(stats(db, *MARCH, "--json"))
    assert as_days["window"] == {"from": "2016-03-01", "to": "2016-03-31", "days": 31}
    assert as_days["total"] == as_to["total"]


def test_json_keys_are_stable(db: Path) -> None:
    data = json.loads(stats(db, *MARCH, "--category", "civilians", "--by", "month", "--json"))
    assert set(data) == {
        "filters", "window", "scope", "deduplicated", "definitions", "total", "groups", "notes",
    }  # fmt: skip
    assert set(data["scope"]) == {
        "sources", "data_from", "data_to", "reports_undated", "filters", "coverage", "text",
    }  # fmt: skip
    assert data["scope"]["sources"] == [
        {"source": "ucdp-ged", "reports": 6, "reports_with_category": 6, "reports_count_set_aside": 0,
         "reports_field_set_aside": 0}
    ]  # fmt: skip
    assert set(data["filters"]) == {
        "perpetrator",
        "from",
        "to",
        "days",
        "grades",
        "means",
        "category",
        "harm",
        "by",
        "unprorated",
    }
    figure = {
        "items_min", "items_max", "items_best", "count_min", "count_max", "count_best",
        "count_best_unprorated", "best_missing", "items_without_category", "items_min_missing",
        "items_max_missing", "items_date_unknown", "items_best_range_only", "items_best_shared",
        "items_prorated", "ids",
    }  # fmt: skip
    assert set(data["total"]) == figure
    assert [set(g) for g in data["groups"]] == [figure | {"group", "key", "window"}]
    march = data["groups"][0]
    assert (march["key"], march["count_min"], march["count_max"], march["count_best"]) == (
        "2016-03",
        9,
        55,
        26,  # prorated: 1002, 1003 and 1007 count for their days in March only
    )
    assert march["count_best_unprorated"] is None  # only when asked: --unprorated
    assert data["deduplicated"] is False
    assert data["total"]["ids"] is None


def test_by_perpetrator_table_lists_each_perpetrator(db: Path) -> None:
    out = stats(db, *MARCH, "--by", "perpetrator")
    rows = {line.split("  ")[0].strip(): line.split()[-8:] for line in out.splitlines() if "  " in line}
    assert rows["Government of Syria"] == ["1", "4", "2", "no", "best", "76", "3", "0"]
    assert rows["IS"][-7:] == ["1", "2", "3", "5", "6", "2", "0"]
    assert rows["Syrian insurgents"] == ["0", "1", "0", "no", "best", "15", "0", "0"]
    assert "counts in the maximum of each" in out


def test_unprorated_is_shown_beside_the_best_only_when_asked(db: Path) -> None:
    data = json.loads(stats(db, *MARCH, "--unprorated", "--json"))
    # 1002, 1003 and 1007 run beyond March: whole, their bests give the old sum 3+5+1+12+4+40
    assert (data["total"]["count_best"], data["total"]["count_best_unprorated"]) == (36, 65)
    out = stats(db, *MARCH, "--unprorated")
    header = next(line for line in out.splitlines() if line.startswith("group"))
    assert "best unprorated" in header


def test_a_window_no_report_touches_reads_no_count(db: Path) -> None:
    out = stats(db, "--from", "2016-01-01", "--to", "2016-01-31", "--category", "children")
    total = next(line for line in out.splitlines() if line.startswith("total"))
    assert total.split()[3:9] == ["no", "count", "no", "count", "no", "count"]
    data = json.loads(stats(db, "--from", "2016-01-01", "--to", "2016-01-31", "--json"))
    assert (data["total"]["count_min"], data["total"]["count_best"], data["total"]["count_max"]) == (
        None,
    ) * 3


def test_ids_trace_every_report_to_its_document(db: Path) -> None:
    data = json.loads(stats(db, *MARCH, "--perpetrator", "IS", "--ids", "--json"))
    ids = data["total"]["ids"]
    assert [r["record_id"] for r in ids["min"]] == ["1006"]
    assert [r["record_id"] for r in ids["max"]] == ["1003", "1006"]
    assert ids["max"][0] == {
        "incident_id": "report:3",
        "part_of": None,
        "report_id": 3,
        "source": "ucdp-ged",
        "record_id": "1003",
        "batch_id": 1,
        "row_number": 3,
    }
    out = stats(db, *MARCH, "--perpetrator", "IS", "--ids")
    rows = [line.split() for line in out.split("Reports behind the figures:")[1].splitlines()[3:]]
    assert rows == [
        ["total", "report:3", "3", "ucdp-ged", "1003", "1", "3", "max,", "best"],
        ["total", "report:6", "6", "ucdp-ged", "1006", "1", "6", "min,", "max,", "best"],
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--from", "2016-03-01", "--to", "2016-03-31", "--days", "3"), "give one of them"),
        (("--days", "3"), "give --from too"),
        (("--from", "2016-03-01", "--days", "0"), "--days must be at least 1 (got 0)"),
        (("--from", "2016-03-01", "--days", "3000000"), "--days 3000000 from 2016-03-01 ends after"),
        (("--perpetrator", "government of syra"), "Closest known names: 'Government of Syria'"),
        (("--by", "perpetrator", "--perpetrator", "IS"), "drop --perpetrator"),
        (("--grade", "sure"), "Known grades: confirmed, contested, discounted, fair, not_alleged, weak"),
    ],
)
def test_impossible_queries_say_what_to_do(db: Path, args: tuple[str, ...], message: str) -> None:
    result = run_cli(db, "stats", "casualties", *args)
    assert result.exit_code == 1, result.output
    assert message in result.output


def test_unknown_category_is_a_usage_error(db: Path) -> None:
    result = run_cli(db, "stats", "casualties", "--category", "babies")
    assert result.exit_code == 2
    assert "'babies' is not one of" in result.output


def test_missing_store_is_reported_not_created(tmp_path: Path) -> None:
    result = run_cli(tmp_path / "none.duckdb", "stats", "casualties")
    assert result.exit_code == 1
    assert "No store at" in result.output
    assert not (tmp_path / "none.duckdb").exists()


@pytest.mark.parametrize("command", [("stats", "casualties"), ("stats", "persons")])
def test_an_impossible_day_is_refused_with_the_form_expected(db: Path, command: tuple[str, ...]) -> None:
    result = run_cli(db, *command, "--from", "2016-02-30")
    assert result.exit_code == 2
    assert "'2016-02-30' is not a day written YYYY-MM-DD" in result.output
