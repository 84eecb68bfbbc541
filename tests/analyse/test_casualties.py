"""Casualty figures: interval and attribution rules checked against hand-computed numbers.

The UCDP fixture (tests/data/ucdp_ged_windows.csv) has eight invented events around March 2016:

    id    dates                  attributed to               low best high  civilians
    1001  03-10                  Government of Syria alone     2    3    5      3
    1002  02-25 .. 03-05         Government of Syria alone     4    5    6      5
    1003  03-28 .. 04-03         IS alone                      1    1    2      1
    1004  03-15                  Gov. of Syria + insurgents   10   12   20      2
    1005  05-01                  Government of Syria alone     7    7    7      7
    1006  03-20                  IS alone                      3    4    4      4
    1007  02-01 .. 04-30         Government of Syria alone    30   40   50     40
    1008  04-10                  IS + SDF                      6    6    8      0

Other tests insert reports directly with SQL for what UCDP lacks: grades, means, children, injured,
unknown dates and missing bounds.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harmtrace.analyse.casualties import CasualtyFigures, CasualtyQuery, casualties
from harmtrace.errors import QueryError
from harmtrace.ingest import get_format, import_file
from harmtrace.store import Store, open_store
from tests.conftest import TEST_DATA, UCDP_CSV

FIXTURE = TEST_DATA / "ucdp_ged_windows.csv"
MARCH = {"date_from": date(2016, 3, 1), "date_to": date(2016, 3, 31)}


def _import(store: Store, path: Path) -> None:
    import_file(store, get_format("ucdp-ged"), path)


@pytest.fixture
def ucdp(store: Store) -> Store:
    _import(store, FIXTURE)
    return store


def figure(store: Store, **kwargs: Any) -> dict[str, Any]:
    """The total of a query, as (items_min, items_max, min, max, best, items_best) and the rest."""
    return dict(casualties(store, CasualtyQuery(**kwargs))["total"])


def bounds(fig: dict[str, Any]) -> tuple[int, int, int, int, int | None]:
    return fig["items_min"], fig["items_max"], fig["count_min"], fig["count_max"], fig["count_best"]


# --- interval and attribution rules on UCDP rows -------------------------------------------------


def test_march_everyone_killed(ucdp: Store) -> None:
    # inside: 1001, 1004, 1006 (low 2+10+3); touching: also 1002, 1003, 1007 (high 5+6+2+20+4+50);
    # best prorated: 1002 has 5 of its 10 days in March, 1003 4 of 7, 1007 31 of 90
    best = 3 + 5 * 5 / 10 + 1 * 4 / 7 + 12 + 4 + 40 * 31 / 90
    assert bounds(figure(ucdp, **MARCH)) == (3, 6, 15, 87, round(best)) == (3, 6, 15, 87, 36)


def test_march_civilians(ucdp: Store) -> None:
    best = 3 + 5 * 5 / 10 + 1 * 4 / 7 + 2 + 4 + 40 * 31 / 90
    assert bounds(figure(ucdp, category="civilians", **MARCH)) == (3, 6, 3 + 2 + 4, 55, round(best))


def test_straddling_the_start_or_end_counts_in_the_maximum_only(ucdp: Store) -> None:
    result = casualties(ucdp, CasualtyQuery(with_ids=True, **MARCH))
    ids = result["total"]["ids"]
    assert ids is not None
    record = {ref["report_id"]: ref["record_id"] for ref in ids["max"]}
    assert sorted(record.values()) == ["1001", "1002", "1003", "1004", "1006", "1007"]
    assert sorted(record[ref["report_id"]] for ref in ids["min"]) == ["1001", "1004", "1006"]
    assert len(ids["best"]) == 6


def test_sole_attribution_for_the_minimum_shared_for_the_maximum(ucdp: Store) -> None:
    # min: 1001 alone (1004 is shared); max: 1001, 1002, 1004, 1007, less the 5 Government soldiers
    # UCDP says died in 1004 (deaths_a). 1004's 2 civilians could have been killed by either side, so
    # the government's best cannot be given
    gov = figure(ucdp, perpetrator="Government of Syria", **MARCH)
    assert bounds(gov) == (1, 4, 2, 5 + 6 + (20 - 5) + 50, None)
    assert gov["items_best_shared"] == 1
    assert gov["best_missing"] == (
        "1 item names other perpetrators too and their sources do not say which side caused these deaths"
    )
    assert bounds(figure(ucdp, perpetrator="IS", **MARCH)) == (1, 2, 3, 6, round(1 * 4 / 7 + 4))
    assert bounds(figure(ucdp, perpetrator="Syrian insurgents", **MARCH)) == (0, 1, 0, 20 - 5, None)


def test_a_side_is_not_credited_with_its_own_dead(ucdp: Store) -> None:
    # 1008 (IS vs SDF, 04-10): 3 IS and 3 SDF fighters killed, nobody else (best 6, high 8); each side
    # killed the other's 3, and the high figure less its own 3 dead is its maximum
    april = {"date_from": date(2016, 4, 10), "date_to": date(2016, 4, 10)}
    assert bounds(figure(ucdp, perpetrator="SDF", **april)) == (0, 1, 0, 8 - 3, 3)
    assert bounds(figure(ucdp, perpetrator="IS", **april)) == (0, 1, 0, 8 - 3, 3)
    assert bounds(figure(ucdp, perpetrator="SDF", category="combatants", **april)) == (0, 1, 0, 3, 3)
    # the total counts every death, whoever caused it (and 1007's 40 over 90 days touch the day too)
    assert bounds(figure(ucdp, **april)) == (1, 2, 6, 8 + 50, round(6 + 40 / 90))


def test_perpetrator_matches_case_insensitively(ucdp: Store) -> None:
    assert figure(ucdp, perpetrator="government OF syria", **MARCH) == figure(
        ucdp, perpetrator="Government of Syria", **MARCH
    )


def test_days_counts_from_the_first_day_inclusive(ucdp: Store) -> None:
    assert CasualtyQuery(date_from=date(2015, 9, 30), days=305).window["to"] == date(2016, 7, 30)
    assert figure(ucdp, date_from=date(2016, 3, 1), days=31) == figure(ucdp, **MARCH)
    # 2016-03-01 .. 03-10: 1001 inside (ends on the last day); 1002 and 1007 touch
    ten = round(3 + 5 * 5 / 10 + 40 * 10 / 90)
    assert bounds(figure(ucdp, date_from=date(2016, 3, 1), days=10)) == (1, 3, 2, 61, ten)
    # one day: 1002 (02-25..03-05) and 1007 (Feb-Apr) touch 2016-03-01 and lie inside nothing that short
    one = round(5 * 1 / 10 + 40 * 1 / 90)
    assert bounds(figure(ucdp, date_from=date(2016, 3, 1), days=1)) == (0, 2, 0, 56, one) == (0, 2, 0, 56, 1)


def test_unbounded_window_counts_everything_in_both_bounds(ucdp: Store) -> None:
    assert bounds(figure(ucdp)) == (8, 8, 2 + 4 + 1 + 10 + 7 + 3 + 30 + 6, 102, 78)
    # from 2016-04-01 on: 1003, 1007 straddle the start; 1005, 1008 lie inside
    best = 1 * 3 / 7 + 40 * 30 / 90 + 7 + 6
    assert bounds(figure(ucdp, date_from=date(2016, 4, 1))) == (2, 4, 13, 67, round(best))


def test_by_month_applies_the_rules_to_each_sub_window(ucdp: Store) -> None:
    result = casualties(
        ucdp, CasualtyQuery(date_from=date(2016, 2, 1), date_to=date(2016, 4, 30), by="month")
    )
    months = {g["group"]: bounds(dict(g)) for g in result["groups"] or []}
    assert months == {
        "2016-02": (0, 2, 0, 56, round(5 * 5 / 10 + 40 * 29 / 90)),  # 1002 and 1007 run on into March
        "2016-03": (3, 6, 15, 87, 36),
        "2016-04": (1, 3, 6, 60, round(1 * 3 / 7 + 40 * 30 / 90 + 6)),  # 1008 inside; 1003, 1007 straddle
    }
    # the prorated monthly bests add up to the window's (before rounding): nothing counted twice
    assert sum(g["count_best"] or 0 for g in result["groups"] or []) == 15 + 36 + 20
    assert bounds(dict(result["total"])) == (7, 7, 56, 95, 71)


def test_month_groups_are_clipped_to_the_window(ucdp: Store) -> None:
    result = casualties(
        ucdp, CasualtyQuery(date_from=date(2016, 3, 20), date_to=date(2016, 4, 5), by="month")
    )
    windows = {
        g["group"]: (g["window"]["from"], g["window"]["to"], g["window"]["days"])
        for g in result["groups"] or []
    }
    assert windows == {
        "2016-03": (date(2016, 3, 20), date(2016, 3, 31), 12),
        "2016-04": (date(2016, 4, 1), date(2016, 4, 5), 5),
    }
    march = next(g for g in result["groups"] or [] if g["group"] == "2016-03")
    # 1006 inside; 1003 (4 of its 7 days) and 1007 (12 of its 90) straddle
    assert bounds(dict(march)) == (1, 3, 3, 56, round(4 + 1 * 4 / 7 + 40 * 12 / 90))


def test_empty_months_are_listed_with_no_count(ucdp: Store) -> None:
    result = casualties(
        ucdp, CasualtyQuery(date_from=date(2016, 1, 1), date_to=date(2016, 1, 31), by="month")
    )
    assert [bounds(dict(g)) for g in result["groups"] or []] == [(0, 0, None, None, None)]
    assert bounds(dict(result["total"])) == (0, 0, None, None, None)
    assert any("no count (unknown, not zero)" in n for n in result["notes"])


def test_by_year_without_a_window_spans_the_data(ucdp: Store) -> None:
    result = casualties(ucdp, CasualtyQuery(by="year"))
    assert [(g["group"], bounds(dict(g))) for g in result["groups"] or []] == [("2016", (8, 8, 63, 102, 78))]
    assert (result["groups"] or [])[0]["window"]["from"] == date(2016, 2, 1)


def test_by_perpetrator_gives_each_its_attribution_figure(ucdp: Store) -> None:
    result = casualties(ucdp, CasualtyQuery(by="perpetrator", **MARCH))
    groups = {g["group"]: bounds(dict(g)) for g in result["groups"] or []}
    assert groups == {
        "Government of Syria": (1, 4, 2, 76, None),
        "IS": (1, 2, 3, 6, 5),
        "Syrian insurgents": (0, 1, 0, 15, None),
    }
    assert (result["groups"] or [])[0]["group"] == "Government of Syria"  # largest maximum first


def test_by_perpetrator_with_a_perpetrator_is_refused() -> None:
    with pytest.raises(
        QueryError,
        match=r"^Cannot compute this figure:\n  - by perpetrator .*: drop perpetrator \(or by\)\.$",
    ):
        CasualtyQuery(by="perpetrator", perpetrator="IS")


def test_unknown_perpetrator_fails_with_the_stored_spellings(ucdp: Store) -> None:
    with pytest.raises(QueryError) as err:
        casualties(ucdp, CasualtyQuery(perpetrator="Government of Syra"))
    assert "'Government of Syria'" in str(err.value)
    assert "(perpetrator)" in str(err.value) and "use one of these with perpetrator." in str(err.value)


def test_known_perpetrator_outside_the_window_gives_no_count(ucdp: Store) -> None:
    assert bounds(figure(ucdp, perpetrator="SDF", **MARCH)) == (0, 0, None, None, None)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"date_from": date(2016, 1, 1), "date_to": date(2016, 2, 1), "days": 3}, "give one of them"),
        ({"days": 3}, "give date_from too"),
        ({"date_from": date(2016, 1, 1), "days": 0}, "at least 1"),
        ({"date_from": date(127, 2, 19), "days": 103_093_264}, "ends after the last day a date can have"),
        ({"date_from": date(2016, 2, 1), "date_to": date(2016, 1, 1)}, "before it starts"),
        ({"category": "babies"}, "- category 'babies' is not one of"),
        ({"harm": "wounded"}, "- harm 'wounded' is not one of"),
        ({"by": "week"}, "- by 'week' is not one of"),
    ],
)
def test_contradictory_queries_are_refused(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(QueryError, match=message):
        CasualtyQuery(**kwargs)


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(QueryError) as err:
        CasualtyQuery(days=0, category="babies")
    assert (
        "give date_from too" in str(err.value)
        and "at least 1" in str(err.value)
        and "babies" in str(err.value)
    )


def test_output_says_reports_are_not_deduplicated(ucdp: Store) -> None:
    result = casualties(ucdp, CasualtyQuery())
    assert result["deduplicated"] is False
    assert any("not yet deduplicated" in note for note in result["notes"])


# --- grades, means, categories, unknown dates: reports inserted directly ----------------------------

# (record_id, start, end, perpetrators, means, grade, {(category, harm): (min, max, best)})
MONITOR_ROWS: list[tuple[str, date | None, date | None, list[str], list[str], str | None, dict[Any, Any]]] = [
    ("r1", date(2016, 3, 5), date(2016, 3, 5), ["Russian Military"], ["airstrike"], "confirmed",
     {("civilians", "killed"): (4, 6, 5), ("children", "killed"): (1, 2, None)}),
    ("r2", None, None, ["Russian Military"], ["airstrike"], "fair", {("civilians", "killed"): (2, 3, None)}),
    ("r3", date(2016, 3, 10), date(2016, 3, 12), ["Russian Military", "Government of Syria"],
     ["airstrike", "barrel bomb"], None,
     {("civilians", "killed"): (10, 15, 12), ("children", "killed"): (3, 4, 3)}),
    ("r4", date(2016, 3, 20), date(2016, 3, 20), ["russian military"], ["Shelling"], "weak",
     {("civilians", "killed"): (1, 1, 1), ("civilians", "injured"): (5, 8, None)}),
    ("r5", None, date(2016, 3, 15), ["Russian Military"], [], "confirmed",
     {("civilians", "killed"): (None, 7, None)}),
    ("r6", date(2016, 4, 1), date(2016, 4, 1), [], [], None, {("all", "killed"): (3, 3, 3)}),
]  # fmt: skip


def insert_reports(store: Store, rows: Sequence[tuple[Any, ...]], source: str = "Test monitor") -> None:
    """Reports and harm rows as an importer would write them, numbered after those already stored."""
    con = store.con
    source_id = store.scalar("SELECT coalesce(max(source_id), 0) + 1 FROM source")
    con.execute("INSERT INTO source (source_id, name) VALUES (?, ?)", [source_id, source])
    first = store.scalar("SELECT coalesce(max(report_id), 0) + 1 FROM report")
    for n, (record_id, start, end, perpetrators, means, grade, harms, *sides) in enumerate(rows):
        con.execute(
            "INSERT INTO report (report_id, batch_id, row_number, source_id, record_id, date_start, "
            "date_end, date_precision, location_precision, perpetrators, means, site_kinds, source_grade, "
            "flags) "
            "VALUES (?, 99, ?, ?, ?, ?, ?, 'day', 'unknown', ?, ?, [], ?, [])",
            [first + n, n + 1, source_id, record_id, start, end, perpetrators, means, grade],
        )
        for (category, harm), (lo, hi, best) in harms.items():
            con.execute(
                "INSERT INTO harm VALUES (?, ?, ?, ?, ?, ?)", [first + n, category, harm, lo, hi, best]
            )
        for side, dead in (sides[0] if sides else {}).items():  # the dead of a side, as UCDP deaths_a
            con.execute(
                "INSERT INTO harm_side VALUES (?, ?, 'killed', ?, ?, ?)", [first + n, side, *[dead] * 3]
            )


@pytest.fixture
def monitor(store: Store) -> Store:
    insert_reports(store, MONITOR_ROWS)
    return store


RUSSIA = {"perpetrator": "Russian Military", "category": "civilians", **MARCH}


def test_unknown_dates_touch_every_window_and_lie_inside_none(monitor: Store) -> None:
    fig = figure(monitor, **RUSSIA)
    # min: r1 and r4 (sole, inside); r3 shared; r2 and r5 undated on a side. max: all five. No best:
    # r3 is shared with the government and gives no side's dead; r2 and r5 add nothing to a best
    assert bounds(fig) == (2, 5, 4 + 1, 6 + 3 + 15 + 1 + 7, None)
    assert (fig["items_best"], fig["items_best_shared"], fig["items_best_range_only"]) == (2, 1, 0)
    assert fig["items_date_unknown"] == 2


def test_an_unknown_start_lies_inside_a_window_unbounded_before(monitor: Store) -> None:
    # r5 (start unknown, ends 03-15) is inside "up to 2016-03-31"; r2 (no end) is not
    fig = figure(monitor, perpetrator="Russian Military", category="civilians", date_to=date(2016, 3, 31))
    assert bounds(fig)[:3] == (3, 5, 4 + 1 + 0)
    assert fig["items_min_missing"] == 1  # r5 gives no minimum: it adds 0


def test_all_time_counts_undated_items_in_the_minimum(monitor: Store) -> None:
    fig = figure(monitor, perpetrator="Russian Military", category="civilians")
    assert bounds(fig)[:4] == (4, 5, 4 + 2 + 1 + 0, 32)


def test_items_without_the_category_are_counted_not_hidden(monitor: Store) -> None:
    result = casualties(monitor, CasualtyQuery(perpetrator="Russian Military", category="children", **MARCH))
    fig = result["total"]
    assert bounds(dict(fig)) == (1, 2, 1, 6, None)
    assert fig["items_without_category"] == 3  # r2, r4, r5 give no children figure
    assert fig["items_best"] == 0
    assert any("3 items touching the window give no figure for children killed" in n for n in result["notes"])
    # r1 gives children 1-2 without a best; r3 is shared with the government
    assert fig["best_missing"] == (
        "1 item gives a range (min-max) without a best estimate; 1 item names other perpetrators too and "
        "their sources do not say which side caused these deaths"
    )
    assert any(n.startswith("No best estimate: 1 item gives a range") for n in result["notes"])


def test_harm_injured(monitor: Store) -> None:
    fig = figure(monitor, category="civilians", harm="injured", **MARCH)
    assert bounds(fig) == (1, 1, 5, 8, None)
    assert fig["items_without_category"] == 4  # r1, r2, r3, r5 give no injured


def test_grade_filter_leaves_out_ungraded_reports(monitor: Store) -> None:
    result = casualties(monitor, CasualtyQuery(grades=("Confirmed", "fair"), **RUSSIA))
    assert bounds(dict(result["total"])) == (1, 3, 4, 6 + 3 + 7, 5)  # r1, r2, r5; r3 has no grade
    assert any("incidents without a grade are left out" in n for n in result["notes"])


def test_unknown_grade_is_refused(monitor: Store) -> None:
    with pytest.raises(QueryError, match="Known grades: confirmed"):
        casualties(monitor, CasualtyQuery(grades=("certain",)))


def test_means_matches_any_element_case_insensitively(monitor: Store) -> None:
    assert bounds(figure(monitor, means="AIRSTRIKE", **RUSSIA)) == (1, 3, 4, 24, None)
    assert bounds(figure(monitor, means="shelling", **RUSSIA)) == (1, 1, 1, 1, 1)
    with pytest.raises(QueryError, match="'barrel bomb'"):
        casualties(monitor, CasualtyQuery(means="barrel bombs"))


def test_a_missing_maximum_uses_the_best_or_minimum_and_says_so(monitor: Store) -> None:
    insert_reports(monitor, [("r7", date(2016, 3, 25), date(2016, 3, 25), ["Test Party"], [], None,
                              {("civilians", "killed"): (2, None, None)})], source="Other")  # fmt: skip
    result = casualties(monitor, CasualtyQuery(perpetrator="test party", category="civilians", **MARCH))
    assert bounds(dict(result["total"])) == (1, 1, 2, 2, None)
    assert result["total"]["items_max_missing"] == 1
    assert any("give no maximum" in n for n in result["notes"])
    assert result["total"]["best_missing"] == "1 item gives a range (min-max) without a best estimate"


def test_by_perpetrator_has_a_group_for_unattributed_reports(monitor: Store) -> None:
    result = casualties(monitor, CasualtyQuery(by="perpetrator", category="civilians"))
    groups = {g["group"]: (g["key"], bounds(dict(g))) for g in result["groups"] or []}
    # r1-r5 (r4 spelt "russian military") form one group; r6 names no perpetrator and no civilians
    assert groups == {
        "Russian Military": ("russian military", (4, 5, 4 + 2 + 1 + 0, 32, None)),
        "Government of Syria": ("government of syria", (0, 1, 0, 15, None)),
        "(no perpetrator named)": (None, (0, 0, None, None, None)),
    }
    unattributed = (result["groups"] or [])[-1]
    assert unattributed["items_without_category"] == 1


def test_by_adm1_uses_placed_governorates_and_shows_the_rest(monitor: Store) -> None:
    con = monitor.con
    for pcode, name in (("SY01", "Damascus"), ("SY02", "Aleppo")):
        con.execute("INSERT INTO admin_area VALUES (?, 1, ?, NULL, NULL, ''::BLOB, 'test')", [pcode, name])
    # r1 in Damascus, r3 in Aleppo, r4 not placed (NULL), r2 and r5 never located
    ids = {r["record_id"]: r["report_id"] for r in monitor.rows("SELECT record_id, report_id FROM report")}
    for record, pcode in (("r1", "SY01"), ("r3", "SY02"), ("r4", None)):
        con.execute(
            "INSERT INTO report_admin (report_id, level, pcode) VALUES (?, 1, ?)", [ids[record], pcode]
        )
    result = casualties(monitor, CasualtyQuery(by="adm1", category="civilians", **MARCH))
    groups = {g["group"]: (g["key"], bounds(dict(g))) for g in result["groups"] or []}
    assert groups == {
        "Aleppo": ("SY02", (1, 1, 10, 15, 12)),
        "(not located)": (None, (1, 3, 1, 3 + 1 + 7, 1)),
        "Damascus": ("SY01", (1, 1, 4, 6, 5)),
    }
    assert [g["group"] for g in result["groups"] or []][-1] == "(not located)"
    assert bounds(dict(result["total"])) == (3, 5, 15, 32, 18)


def test_by_adm1_before_anything_is_located_says_so(ucdp: Store) -> None:
    result = casualties(ucdp, CasualtyQuery(by="adm1", **MARCH))
    assert [(g["group"], bounds(dict(g))) for g in result["groups"] or []] == [
        ("(not located)", (3, 6, 15, 87, 36))
    ]
    assert any("report_admin is empty" in n for n in result["notes"])


def test_ids_trace_each_bound_to_its_document(monitor: Store) -> None:
    result = casualties(monitor, CasualtyQuery(with_ids=True, **RUSSIA))
    ids = result["total"]["ids"]
    assert ids is not None
    refs = {bound: sorted(ref["record_id"] or "" for ref in refs) for bound, refs in ids.items()}
    # best: r3's is not the perpetrator's alone; r2 and r5 cannot be spread over the window
    assert refs == {"min": ["r1", "r4"], "max": ["r1", "r2", "r3", "r4", "r5"], "best": ["r1", "r4"]}
    r3 = next(ref for ref in ids["max"] if ref["record_id"] == "r3")
    assert r3 == {
        "incident_id": f"report:{r3['report_id']}",  # no link run: the report stands alone
        "part_of": None,
        "report_id": r3["report_id"],
        "source": "Test monitor",
        "record_id": "r3",
        "batch_id": 99,
        "row_number": 3,
    }


@pytest.mark.parametrize("by", ["month", "year", "perpetrator", "adm1"])
def test_group_ids_are_those_of_the_group(ucdp: Store, by: str) -> None:
    window = {"date_from": date(2016, 2, 15), "date_to": date(2016, 4, 5)}
    result = casualties(ucdp, CasualtyQuery(by=by, with_ids=True, **window))
    assert result["groups"]
    for group in result["groups"]:
        assert group["ids"] is not None
        assert len(group["ids"]["min"]) == group["items_min"]
        assert len(group["ids"]["max"]) == group["items_max"]
        assert len(group["ids"]["best"]) == group["items_best"]


# --- properties: the bounds hold for any reports and any window --------------------------------------

BASE = date(2016, 1, 1)
NAMES = ["A", "B", "C"]


@st.composite
def reports(draw: st.DrawFn) -> tuple[Any, ...]:
    start = draw(st.one_of(st.none(), st.integers(0, 90)))
    length = draw(st.integers(0, 40))
    end_known = draw(st.booleans()) if start is None else draw(st.integers(0, 9)) > 0
    end = (start or 0) + length if end_known else None
    lo = draw(st.one_of(st.none(), st.integers(0, 50)))
    hi = draw(st.one_of(st.none(), st.integers(lo or 0, 100)))
    best = draw(st.one_of(st.none(), st.integers(lo or 0, hi if hi is not None else 100)))
    if lo is None and hi is None and best is None:
        lo = 1
    perps = draw(st.lists(st.sampled_from(NAMES), max_size=3, unique=True))
    has_row = draw(st.integers(0, 9)) > 0
    harms = {("civilians", "killed"): (lo, hi, best)} if has_row else {}
    day = lambda n: None if n is None else BASE + timedelta(days=n)  # noqa: E731
    return ("x", day(start), day(end), perps, [], None, harms)


windows = st.tuples(st.one_of(st.none(), st.integers(0, 100)), st.one_of(st.none(), st.integers(0, 60)))


def _window(drawn: tuple[int | None, int | None]) -> tuple[date | None, date | None]:
    """(start offset, length) as a window: no start and a length = a window open before BASE + length."""
    start = None if drawn[0] is None else BASE + timedelta(days=drawn[0])
    if drawn[1] is None:
        return start, None
    return start, (start or BASE) + timedelta(days=drawn[1])


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    with open_store(tmp_path_factory.mktemp("prop") / "store.duckdb", create=True) as s:
        yield s


def _share(start: date | None, end: date | None, lo_day: date | None, hi_day: date | None) -> float:
    """The documented proration: the share of the item's days inside the window; an interval unknown
    on a side counts whole when it lies inside the window, else not at all."""
    inside = (lo_day is None or (start is not None and start >= lo_day)) and (
        hi_day is None or (end is not None and end <= hi_day)
    )
    if start is None or end is None:
        return 1.0 if inside else 0.0
    first, last = max(start, lo_day or start), min(end, hi_day or end)
    return max(0, (last - first).days + 1) / ((end - start).days + 1)


def _item_best(lo: int | None, hi: int | None, best: int | None) -> int | None:
    if (hi if hi is not None else best if best is not None else lo) == 0:
        return 0
    if best is not None:
        return min(max(best, lo if lo is not None else best), hi if hi is not None else best)
    return lo if lo is not None and lo == hi else None


def _reference(
    rows: Sequence[tuple[Any, ...]], lo_day: date | None, hi_day: date | None, p: str | None
) -> tuple[int | None, ...]:
    """The documented rules, in plain Python, as an oracle for the SQL."""
    items_min = items_max = count_min = count_max = 0
    best_sum, supported = 0.0, True
    for _, start, end, perps, _, _, harms in rows:
        if not harms or (p and p not in perps):
            continue
        lo, hi, best = harms["civilians", "killed"]
        touches = (start is None or hi_day is None or start <= hi_day) and (
            end is None or lo_day is None or end >= lo_day
        )
        inside = (lo_day is None or (start is not None and start >= lo_day)) and (
            hi_day is None or (end is not None and end <= hi_day)
        )
        if touches:
            items_max += 1
            count_max += hi if hi is not None else (best if best is not None else lo)
            if inside and (not p or len(perps) == 1):
                items_min += 1
                count_min += lo or 0
            f, b = _share(start, end, lo_day, hi_day), _item_best(lo, hi, best)
            if f > 0 and (b is None or (p and len(perps) > 1 and b > 0)):
                supported = False
            best_sum += f * (b or 0)
    if not items_max:
        return 0, 0, None, None, None
    return items_min, items_max, count_min, count_max, round(best_sum) if supported else None


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(reports(), max_size=12), window=windows, perpetrator=st.sampled_from([None, *NAMES]))
def test_bounds_hold_for_any_reports_and_window(
    scratch: Store,
    rows: list[tuple[Any, ...]],
    window: tuple[int | None, int | None],
    perpetrator: str | None,
) -> None:
    scratch.con.execute("DELETE FROM report; DELETE FROM harm; DELETE FROM source")
    insert_reports(scratch, rows)
    start, end = _window(window)
    query = CasualtyQuery(perpetrator, start, end, category="civilians", with_ids=True)
    if not rows or (perpetrator and not any(perpetrator in r[3] for r in rows)):
        with pytest.raises(QueryError):
            casualties(scratch, query)
        return
    result: CasualtyFigures = casualties(scratch, query)
    fig = result["total"]
    assert bounds(dict(fig)) == _reference(rows, start, end, perpetrator)
    assert fig["ids"] is not None
    min_ids = {r["report_id"] for r in fig["ids"]["min"]}
    max_ids = {r["report_id"] for r in fig["ids"]["max"]}
    best_ids = {r["report_id"] for r in fig["ids"]["best"]}
    assert min_ids <= max_ids and best_ids <= max_ids
    if fig["count_max"] is not None:
        assert fig["count_min"] is not None and fig["count_min"] <= fig["count_max"]
    if fig["count_best"] is not None:
        # a best, when given, lies between the bounds
        assert fig["count_min"] is not None and fig["count_max"] is not None
        assert fig["count_min"] <= fig["count_best"] <= fig["count_max"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    rows=st.lists(reports(), max_size=12),
    window=windows,
    unit=st.sampled_from(["month", "year"]),
    perpetrator=st.sampled_from([None, *NAMES]),
)
def test_period_groups_apply_the_rules_to_each_sub_window(
    scratch: Store,
    rows: list[tuple[Any, ...]],
    window: tuple[int | None, int | None],
    unit: str,
    perpetrator: str | None,
) -> None:
    scratch.con.execute("DELETE FROM report; DELETE FROM harm; DELETE FROM source")
    insert_reports(scratch, rows)
    start, end = _window(window)
    if not rows or (perpetrator and not any(perpetrator in r[3] for r in rows)):
        return
    result = casualties(scratch, CasualtyQuery(perpetrator, start, end, category="civilians", by=unit))
    for group in result["groups"] or []:
        sub = group["window"]  # window and period; an open side ends at the dated reports
        assert bounds(dict(group)) == _reference(rows, sub["from"], sub["to"], perpetrator), group["group"]


@st.composite
def battles(draw: st.DrawFn) -> tuple[Any, ...]:
    """A report of everyone killed, naming 0-3 perpetrators, with the dead of some of them given."""
    row = list(draw(reports()))
    perps = row[3]
    if row[6]:
        row[6] = {("all", "killed"): row[6]["civilians", "killed"]}
    sides = {p: draw(st.integers(0, 30)) for p in perps if draw(st.booleans())}
    return (*row, sides)


def _side_reference(
    rows: Sequence[tuple[Any, ...]], lo_day: date | None, hi_day: date | None, p: str
) -> tuple[int | None, ...]:
    """The documented side rules in plain Python: a side's own dead out of its maximum and best; a
    shared item's best only when two sides are named and all its dead are assigned to them."""
    items_max = count_max = 0
    best_sum, supported = 0.0, True
    for _, start, end, perps, _, _, harms, sides in rows:
        if not harms or p not in perps:
            continue
        lo, hi, best = harms["all", "killed"]
        touches = (start is None or hi_day is None or start <= hi_day) and (
            end is None or lo_day is None or end >= lo_day
        )
        if not touches:
            continue
        high = hi if hi is not None else (best if best is not None else lo)
        shared = len(perps) > 1
        own = sides.get(p, 0) if shared else 0
        items_max += 1
        count_max += high - min(own, high)
        f, b = _share(start, end, lo_day, hi_day), _item_best(lo, hi, best)
        assigned = sum(sides.values())
        if f > 0 and (b is None or (shared and b > 0 and not (len(perps) == 2 and assigned >= b))):
            supported = False
        best_sum += f * ((b - min(own, b)) if b is not None else 0)
    if not items_max:
        return 0, None, None
    return items_max, count_max, round(best_sum) if supported else None


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(battles(), min_size=1, max_size=12), window=windows, perpetrator=st.sampled_from(NAMES))
def test_side_figures_hold_for_any_reports_and_window(
    scratch: Store, rows: list[tuple[Any, ...]], window: tuple[int | None, int | None], perpetrator: str
) -> None:
    scratch.con.execute("DELETE FROM report; DELETE FROM harm; DELETE FROM harm_side; DELETE FROM source")
    insert_reports(scratch, rows)
    start, end = _window(window)
    if not any(perpetrator in r[3] for r in rows):
        return
    by_side = casualties(scratch, CasualtyQuery(date_from=start, date_to=end, by="perpetrator"))
    group = next((g for g in by_side["groups"] or [] if g["key"] == perpetrator.lower()), None)
    asked = casualties(scratch, CasualtyQuery(perpetrator, start, end))["total"]
    expected = _side_reference(rows, start, end, perpetrator)
    assert (asked["items_max"], asked["count_max"], asked["count_best"]) == expected
    if group is None:  # no report naming P touches the window
        assert expected == (0, None, None)
    else:
        assert (group["items_max"], group["count_max"], group["count_best"]) == expected
    if asked["count_best"] is not None:
        assert asked["count_min"] is not None and asked["count_max"] is not None
        assert asked["count_min"] <= asked["count_best"] <= asked["count_max"]


# --- real data: the bundled UCDP GED Syria file --------------------------------------------------------


@pytest.fixture(scope="module")
def ucdp_real(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Store, list[dict[str, str]]]]:
    if not UCDP_CSV.is_file():
        pytest.skip(f"bundled UCDP file not found at {UCDP_CSV}")
    with UCDP_CSV.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    with open_store(tmp_path_factory.mktemp("ucdp") / "store.duckdb", create=True) as s:
        _import(s, UCDP_CSV)
        yield s, rows


def test_ucdp_all_time_totals_match_the_file(ucdp_real: tuple[Store, list[dict[str, str]]]) -> None:
    store, rows = ucdp_real
    everyone = figure(store)
    assert everyone["count_best"] == sum(int(r["best"]) for r in rows) == 112337
    assert everyone["count_min"] == sum(min(int(r["low"]), int(r["best"]), int(r["high"])) for r in rows)
    assert everyone["count_max"] == sum(max(int(r["low"]), int(r["best"]), int(r["high"])) for r in rows)
    assert everyone["items_min"] == everyone["items_max"] == len(rows)
    civilians = figure(store, category="civilians")
    assert civilians["count_best"] == sum(int(r["deaths_civilians"]) for r in rows) == 26653
    assert civilians["count_min"] == civilians["count_max"] == 26653


def _ucdp_perpetrators(row: dict[str, str]) -> list[str]:
    sides = [row["side_a"].strip(), row["side_b"].strip()]
    return [sides[0]] if row["type_of_violence"].strip() == "3" else [s for s in sides if s]


def test_ucdp_first_305_days_by_perpetrator_match_the_file(
    ucdp_real: tuple[Store, list[dict[str, str]]],
) -> None:
    store, rows = ucdp_real
    start, end = date(2015, 9, 30), date(2016, 7, 30)
    result = casualties(
        store, CasualtyQuery(date_from=start, days=305, category="civilians", by="perpetrator")
    )
    for group in result["groups"] or []:
        expected = [0, 0]
        for row in rows:
            first, last = date.fromisoformat(row["date_start"]), date.fromisoformat(row["date_end"])
            perps = _ucdp_perpetrators(row)
            if group["group"] in perps and first <= end and last >= start:
                expected[1] += int(row["deaths_civilians"])
                if perps == [group["group"]] and first >= start and last <= end:
                    expected[0] += int(row["deaths_civilians"])
        assert [group["count_min"], group["count_max"]] == expected, group["group"]
    assert result["groups"] and result["total"]["items_max"] == sum(
        1
        for r in rows
        if date.fromisoformat(r["date_start"]) <= end and date.fromisoformat(r["date_end"]) >= start
    )


def _same_bounds(group: dict[str, Any], alone: dict[str, Any]) -> None:
    keys = (
        "items_min", "items_max", "items_best", "count_min", "count_max", "count_best", "best_missing",
        "items_best_range_only", "items_best_shared", "items_prorated",
    )  # fmt: skip
    assert {k: group[k] for k in keys} == {k: alone[k] for k in keys}, group["group"]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    rows=st.lists(reports(), min_size=1, max_size=10),
    window=windows,
    by=st.sampled_from(["month", "year", "perpetrator"]),
)
def test_each_group_is_the_figure_of_its_own_query(
    scratch: Store, rows: list[tuple[Any, ...]], window: tuple[int | None, int | None], by: str
) -> None:
    """A month's figure is the figure of that sub-window; a perpetrator's, the figure asked for P."""
    scratch.con.execute("DELETE FROM report; DELETE FROM harm; DELETE FROM source")
    insert_reports(scratch, rows)
    start, end = _window(window)
    result = casualties(scratch, CasualtyQuery(date_from=start, date_to=end, category="civilians", by=by))
    assert result["total"]["count_best"] is None or result["total"]["count_min"] is not None
    for group in result["groups"] or []:
        if by in ("month", "year"):
            sub = CasualtyQuery(
                date_from=group["window"]["from"], date_to=group["window"]["to"], category="civilians"
            )
        elif group["key"] is None:
            continue  # the unattributed group has no --perpetrator of its own
        else:
            sub = CasualtyQuery(group["group"], start, end, category="civilians")
        _same_bounds(dict(group), dict(casualties(scratch, sub)["total"]))


def test_docstring_examples_run() -> None:
    import doctest

    from harmtrace.analyse import casualties as module

    result = doctest.testmod(module)
    assert result.attempted and not result.failed


def test_the_own_dead_note_is_said_only_where_a_side_s_dead_are_known(ucdp: Store, tmp_path: Path) -> None:
    note = "A side's maximum and best leave out the dead its sources give for that side itself"
    assert any(n.startswith(note) for n in casualties(ucdp, CasualtyQuery("IS", **MARCH))["notes"])
    assert not any(n.startswith(note) for n in casualties(ucdp, CasualtyQuery(**MARCH))["notes"])
    with open_store(tmp_path / "monitor.duckdb", create=True) as other:
        insert_reports(other, MONITOR_ROWS)  # a monitor's sheet: no side's dead
        found = casualties(other, CasualtyQuery("Russian Military", **MARCH))
        assert not any(n.startswith(note) for n in found["notes"])
