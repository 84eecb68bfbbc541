"""Figures over parts and wholes: a city's daily toll (the whole, as UCDP codes it) and the strikes of
that day a monitor lists (its parts) count once. Every number is worked by hand in docs/figures.md,
"Parts and wholes"."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import pytest

from harmtrace.analyse.casualties import CasualtyQuery, casualties
from harmtrace.assess.items import plan_for
from harmtrace.assess.run import assess_incidents
from harmtrace.link.parts import record_parts
from harmtrace.store import Store
from tests.assess.reports import R, add_reports, link

ALL, CIV = ("all", "killed"), ("civilians", "killed")
DAY = date(2016, 3, 7)
MARCH = {"date_from": date(2016, 3, 1), "date_to": date(2016, 3, 31)}


def incidents(store: Store, reports: Sequence[R]) -> list[int]:
    """Each report its own incident I0000001, I0000002 ... of link run 1, as a link run would leave them."""
    ids = add_reports(store, reports)
    store.con.execute(
        "INSERT INTO link_run (run_id, kind, started_at, harmtrace_version) "
        "VALUES (1, 'incidents', now(), 'test')"
    )
    for n, rid in enumerate(ids, 1):
        link(store, f"I{n:07d}", [rid])
    return ids


def parts(store: Store, whole: int, part_ids: Sequence[int]) -> None:
    done = record_parts(store, 1, [(p, whole, "decision", 1.0) for p in part_ids])
    assert done.recorded == len(part_ids)


def bounds(store: Store, **kwargs: Any) -> tuple[int, int, int | None, int | None, int | None]:
    """(items_min, items_max, min, max, best) of the total."""
    f = casualties(store, CasualtyQuery(**kwargs))["total"]
    return f["items_min"], f["items_max"], f["count_min"], f["count_max"], f["count_best"]


@pytest.fixture
def toll(store: Store) -> Store:
    """UCDP's toll for the city that day, 10-12 killed (best 11), and a monitor's three strikes of that
    day, 3-4, 5-6 and 2 killed (ranges without a best, as Airwars gives them)."""
    ids = incidents(store, [
        R("UCDP", day=DAY, perpetrators=["Russia"], harm={ALL: (10, 12, 11)}, grade="fair"),
        R("Airwars", day=DAY, perpetrators=["Russia"], harm={ALL: (3, 4, None)}, grade="weak"),
        R("Airwars", day=DAY, perpetrators=["Russia"], harm={ALL: (5, 6, None)}, grade="weak"),
        R("Airwars", day=DAY, perpetrators=["Russia"], harm={ALL: (2, 2, None)}, grade="weak"),
    ])  # fmt: skip
    parts(store, ids[0], ids[1:])
    return store


def test_a_daily_toll_and_its_strikes_count_once(toll: Store) -> None:
    # min = max(10, 3 + 5 + 2) = 10; max = max(12, 4 + 6 + 2) = 12; best: two strikes give no best, so
    # the parts have none and the toll's 11 stands
    assert bounds(toll) == (1, 1, 10, 12, 11)
    assert bounds(toll, **MARCH) == (1, 1, 10, 12, 11)
    toll.con.execute("DELETE FROM incident_part")
    # counted side by side, the same deaths twice: 10 + 3 + 5 + 2 = 20 to 12 + 4 + 6 + 2 = 24, no best
    assert bounds(toll) == (4, 4, 20, 24, None)


def test_the_ids_behind_a_group_name_its_incidents(toll: Store) -> None:
    ids = casualties(toll, CasualtyQuery(with_ids=True))["total"]["ids"]
    assert ids is not None
    rows = [(ref["incident_id"], ref["part_of"], ref["source"]) for ref in ids["min"]]
    assert rows == [
        ("I0000001", None, "UCDP"),
        ("I0000002", "I0000001", "Airwars"),
        ("I0000003", "I0000001", "Airwars"),
        ("I0000004", "I0000001", "Airwars"),
    ]
    assert ids["max"] == ids["min"] == ids["best"]


def test_parts_adding_up_above_the_whole_raise_it(store: Store) -> None:
    ids = incidents(store, [
        R("UCDP", day=DAY, harm={ALL: (5, 5, 5)}),
        R("Airwars", day=DAY, harm={ALL: (3, 3, None)}),
        R("Airwars", day=DAY, harm={ALL: (4, 4, None)}),
    ])  # fmt: skip
    parts(store, ids[0], ids[1:])
    # min = max(5, 3 + 4) = 7, max = max(5, 7) = 7; best = max(5, 3 + 4): a strike's one count is its best
    assert bounds(store) == (1, 1, 7, 7, 7)


def test_a_part_without_a_count_adds_nothing_known(store: Store) -> None:
    ids = incidents(store, [
        R("UCDP", day=DAY, harm={ALL: (10, 12, 11)}),
        R("Airwars", day=DAY, harm={ALL: (3, 4, None)}),
        R("Airwars", day=DAY, harm={CIV: (1, 1, 1)}),  # no figure for everyone killed
    ])  # fmt: skip
    parts(store, ids[0], ids[1:])
    # min = max(10, 3 + 0) = 10; the parts' maximum is unknown, so the toll's 12 stands; best 11
    assert bounds(store) == (1, 1, 10, 12, 11)
    # civilians: the toll gives none, and one strike none either: the minimum is the other's 1; the
    # maximum and the best are unknown (the figure falls back to the minimum for its maximum and says so)
    civilians = casualties(store, CasualtyQuery(category="civilians"))["total"]
    assert (civilians["count_min"], civilians["count_max"], civilians["count_best"]) == (1, 1, None)
    assert (civilians["items_max_missing"], civilians["items_best_range_only"]) == (1, 1)
    assert bounds(store, category="children")[3] is None, "no member gives children: no count, not 0"


def test_the_maximum_never_drops_below_the_minimum(store: Store) -> None:
    ids = incidents(store, [
        R("UCDP", day=DAY, harm={ALL: (10, 12, 11)}),
        R("Airwars", day=DAY, harm={ALL: (3, 4, None)}),
        R("Airwars", day=DAY, harm={ALL: (9, None, None)}),  # "at least 9 killed"
    ])  # fmt: skip
    parts(store, ids[0], ids[1:])
    # min = max(10, 3 + 9) = 12; the parts' maximum is unknown and the toll's 12 is not below 12;
    # best: the toll's 11, raised to the minimum
    assert bounds(store) == (1, 1, 12, 12, 12)


def test_a_group_spans_its_days_and_is_prorated_as_one(store: Store) -> None:
    # a four-day campaign (20 killed) and its days (6, 6, 5, 5)
    days = [date(2016, 3, 30), date(2016, 3, 31), date(2016, 4, 1), date(2016, 4, 2)]
    ids = incidents(store, [
        R("UCDP", day=days[0], day_end=days[-1], harm={ALL: (20, 20, 20)}),
        *(R("Airwars", day=d, harm={ALL: (n, n, n)}) for d, n in zip(days, (6, 6, 5, 5), strict=True)),
    ])  # fmt: skip
    parts(store, ids[0], ids[1:])
    assert bounds(store) == (1, 1, 22, 22, 22)
    # the group runs 03-30 .. 04-02: in March it touches (maximum) but does not lie inside (minimum);
    # its best is spread over its four days, two in March: 22 x 2/4 = 11
    assert bounds(store, **MARCH) == (0, 1, 0, 22, 11)
    months = casualties(store, CasualtyQuery(by="month"))["groups"] or []
    assert [(g["key"], g["count_min"], g["count_max"], g["count_best"]) for g in months] == [
        ("2016-03", 0, 22, 11),
        ("2016-04", 0, 22, 11),
    ]


def test_filters_keep_or_drop_a_group_whole(store: Store) -> None:
    ids = incidents(store, [
        R("UCDP", day=DAY, perpetrators=["Government of Syria"], harm={ALL: (10, 12, 11)}, grade="fair"),
        R("Airwars", day=DAY, perpetrators=["Russia"], harm={ALL: (3, 4, 4)}, grade="weak"),
        R("Airwars", day=DAY, perpetrators=["Russia"], harm={ALL: (5, 6, 5)}, grade="weak"),
    ])  # fmt: skip
    store.con.execute("UPDATE report SET means = ['shelling'] WHERE report_id = ?", [ids[2]])
    assert bounds(store, perpetrator="Russia") == (2, 2, 8, 10, 9)
    parts(store, ids[0], ids[1:])
    # one item naming both: Russia's maximum is the group's; its minimum needs Russia alone; no best, as
    # the sources do not say which of the two killed whom
    assert bounds(store, perpetrator="Russia") == (0, 1, 0, 12, None)
    assert bounds(store, perpetrator="Government of Syria") == (0, 1, 0, 12, None)
    assert bounds(store) == (1, 1, 10, 12, 11)
    # the grade is the whole's: the group is kept or dropped with it, its parts never counted alone
    assert bounds(store, grades=("fair",)) == (1, 1, 10, 12, 11)
    assert bounds(store, grades=("weak",)) == (0, 0, None, None, None)
    # a means any member names keeps the group
    assert bounds(store, means="shelling") == (1, 1, 10, 12, 11)
    groups = casualties(store, CasualtyQuery(by="perpetrator"))["groups"] or []
    assert [(g["group"], g["items_max"], g["count_max"]) for g in groups] == [
        ("Government of Syria", 1, 12),
        ("Russia", 1, 12),
    ]


def test_stored_rows_give_the_same_groups(toll: Store) -> None:
    before = [bounds(toll), bounds(toll, **MARCH), bounds(toll, by="month", perpetrator="Russia")]
    assess_incidents(toll)
    plan = plan_for(toll)
    assert plan.stored and plan.parts
    after = [bounds(toll), bounds(toll, **MARCH), bounds(toll, by="month", perpetrator="Russia")]
    assert after == before == [(1, 1, 10, 12, 11)] * 3


def test_a_store_without_parts_takes_the_plain_path(store: Store) -> None:
    incidents(
        store, [R("UCDP", day=DAY, harm={ALL: (10, 12, 11)}), R("Airwars", day=DAY, harm={ALL: (3, 4, 4)})]
    )
    assert not plan_for(store).parts
    assert bounds(store) == (2, 2, 13, 16, 15)
