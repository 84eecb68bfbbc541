"""Person counts: each person once, dates from its records, ranges for windows and filters.

`linked_people` builds six invented persons from ten records of three lists and links them
(records 1-2-3, 4-5 and 7-8 are one person each):

    person  records (list)         dates of death                          interval of the person
    A       1 a, 2 b, 3 c          03-10; March (month); 03-10             2013-03-10 (intersection)
    B       4 a, 5 b               03-30; 04-02                            03-30 .. 04-02 (disputed: span)
    C       6 a                    unknown                                 unknown
    D       7 b, 8 c               2013-02-15; unknown                     2013-02-15
    E       9 c                    03-05 .. 03-20                          03-05 .. 03-20
    F       10 a                   2012-12-31 .. 2013-01-01                the same

    person  status              sex          age               governorate
    A       civilian, civilian  male         30                Rif Dimashq, ريف دمشق, -
    B       civilian, combatant -            -                 Aleppo, Halab
    C       civilian            male         10                -
    D       -                   female       12, child         Homs, Hama (disagree)
    E       -                   -            -                 ريف دمشق
    F       combatant           male         adult             Atlantis (not a governorate)
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from harmtrace.analyse.persons import PersonQuery, person_counts
from harmtrace.errors import QueryError
from harmtrace.link.clusters import cluster_records
from harmtrace.link.identity import assign_persons
from harmtrace.store import Store
from tests.link.victim_rows import add_records, add_run, add_sources, day

MARCH = {"date_from": date(2013, 3, 1), "date_to": date(2013, 3, 31)}


def _dated(start: str | None, end: str | None = None, precision: str = "day") -> dict[str, Any]:
    if start is None:
        return {}
    return {"date_start": day(start), "date_end": day(end or start), "date_precision": precision}


def linked_people(store: Store) -> None:
    add_sources(store, "list_a", "list_b", "list_c")
    civilian, combatant = {"status": "civilian"}, {"status": "combatant"}
    male, female = {"sex": "male"}, {"sex": "female"}
    age = {1: (30, 30), 6: (10, 10), 7: (12, 12)}
    rows = [
        {"victim_id": 1, "source_id": 1, **civilian, **male, "province": "Rif Dimashq",
         **_dated("2013-03-10")},
        {"victim_id": 2, "source_id": 2, **civilian, **male, "province": "ريف دمشق",
         **_dated("2013-03-01", "2013-03-31", "month")},
        {"victim_id": 3, "source_id": 3, **_dated("2013-03-10")},
        {"victim_id": 4, "source_id": 1, **civilian, "province": "Aleppo", **_dated("2013-03-30")},
        {"victim_id": 5, "source_id": 2, **combatant, "province": "Halab", **_dated("2013-04-02")},
        {"victim_id": 6, "source_id": 1, **civilian, **male},
        {"victim_id": 7, "source_id": 2, **female, "province": "Homs", **_dated("2013-02-15")},
        {"victim_id": 8, "source_id": 3, **female, "age_group": "child", "province": "Hama"},
        {"victim_id": 9, "source_id": 3, "place_of_death": "ريف دمشق",
         **_dated("2013-03-05", "2013-03-20", "range")},
        {"victim_id": 10, "source_id": 1, **combatant, **male, "age_group": "adult", "province": "Atlantis",
         **_dated("2012-12-31", "2013-01-01", "range")},
    ]  # fmt: skip
    for row in rows:
        if row["victim_id"] in age:
            row["age_min"], row["age_max"] = age[row["victim_id"]]
    add_records(store, rows)
    run = add_run(store, [(1, 2, 0.95), (2, 3, 0.95), (4, 5, 0.95), (7, 8, 0.95), (3, 9, 0.2)])
    result = cluster_records(store, run, 0.9)
    assign_persons(store, run, result.representative_of(), result.probability_of())


@pytest.fixture
def people(store: Store) -> Store:
    linked_people(store)
    return store


def total(store: Store, **kwargs: Any) -> dict[str, Any]:
    return dict(person_counts(store, PersonQuery(**kwargs))["total"])


def bounds(figure: dict[str, Any]) -> tuple[int, int]:
    return figure["persons_min"], figure["persons_max"]


def test_a_person_listed_by_three_sources_counts_once(people: Store) -> None:
    march = total(people, **MARCH)
    assert bounds(march) == (2, 4), "min: A and E inside March; max: also B (spans April) and C (undated)"
    assert (march["records_min"], march["records_max"]) == (4, 7)
    assert (march["sources_min"], march["sources_max"]) == (3, 3)
    assert march["listed_by"] == {"1": 2, "2": 1, "3": 1}
    assert (march["persons_date_unknown"], march["persons_dates_disputed"]) == (1, 1)


def test_all_dates_count_every_person_in_both_bounds(people: Store) -> None:
    everyone = total(people)
    assert bounds(everyone) == (6, 6)
    assert everyone["records_max"] == 10


def test_the_intersection_of_agreeing_records_is_the_persons_date(people: Store) -> None:
    # A's month-only record and two exact records agree on 2013-03-10: inside a one-day window
    assert bounds(total(people, date_from=date(2013, 3, 10), days=1)) == (1, 3)
    # D's undated record constrains nothing: D lies inside February
    assert bounds(total(people, date_from=date(2013, 2, 1), date_to=date(2013, 2, 28))) == (1, 2)


def test_records_that_disagree_widen_the_person_to_their_span(people: Store) -> None:
    # B: 03-30 and 04-02 disagree, so B spans both and lies inside neither March nor April alone
    april = total(people, date_from=date(2013, 4, 1), date_to=date(2013, 4, 30))
    assert bounds(april) == (0, 2)
    assert bounds(total(people, date_from=date(2013, 3, 30), date_to=date(2013, 4, 2))) == (1, 2)


def test_status_is_a_range_when_lists_disagree(people: Store) -> None:
    # civilian: A certain; B disputed, C undated, E unknown status: only in the maximum
    assert bounds(total(people, **MARCH, status="civilian")) == (1, 4)
    # combatant: B (one list says so) and E (no list says) may be; A and C are called civilians
    assert bounds(total(people, **MARCH, status="combatant")) == (0, 2)


def test_children_and_sex(people: Store) -> None:
    assert bounds(total(people, child=True)) == (2, 4), "C (10), D (12, child); B and E give no age; F adult"
    assert bounds(total(people, sex="female")) == (1, 3), "D; B and E give no sex"
    assert bounds(total(people, sex="female", child=True)) == (1, 3)


def test_by_month_cuts_the_window_into_periods(people: Store) -> None:
    found = person_counts(
        people, PersonQuery(date_from=date(2013, 2, 1), date_to=date(2013, 4, 30), by="month")
    )
    rows = [
        (g["key"], g["persons_min"], g["persons_max"], g["window"]["days"]) for g in found["groups"] or []
    ]
    assert rows == [("2013-02", 1, 2, 28), ("2013-03", 2, 4, 31), ("2013-04", 0, 2, 30)]


def test_by_year_with_an_open_window_ends_at_the_dated_persons(people: Store) -> None:
    found = person_counts(people, PersonQuery(by="year"))
    rows = [(g["key"], g["persons_min"], g["persons_max"]) for g in found["groups"] or []]
    # F spans the new year; C is undated: both in the maximum of each year and the minimum of none
    assert rows == [("2012", 0, 2), ("2013", 4, 6)]
    assert found["groups"][0]["window"]["from"] == date(2012, 12, 31)


def test_by_province_matches_spellings_and_scripts(people: Store) -> None:
    found = person_counts(people, PersonQuery(by="province"))
    rows = {(g["group"], g["key"]): (g["persons_min"], g["persons_max"]) for g in found["groups"] or []}
    assert rows == {
        ("Rural Damascus", "SY03"): (2, 2),
        ("Aleppo", "SY02"): (1, 1),
        ("Homs", "SY04"): (0, 1),
        ("Hama", "SY05"): (0, 1),
        ("Atlantis", "?atlantis"): (1, 1),
        ("(province unknown)", ""): (1, 1),
    }
    assert [g["key"] for g in found["groups"] or []][-1] == "", "the unknown province comes last"


def test_by_source_counts_the_persons_each_list_records(people: Store) -> None:
    found = person_counts(people, PersonQuery(by="source"))
    rows = [(g["group"], g["persons_max"], g["records_max"]) for g in found["groups"] or []]
    assert rows == [("list_a", 4, 7), ("list_b", 3, 7), ("list_c", 3, 6)]


def test_records_linked_after_the_last_run_are_left_out_with_a_note(people: Store) -> None:
    add_records(people, [{"victim_id": 11, "source_id": 1, **_dated("2013-03-11")}])
    found = person_counts(people, PersonQuery(**MARCH))
    assert bounds(dict(found["total"])) == (2, 4)
    assert found["run_id"] == 1 and found["deduplicated"] is True
    assert any(n.startswith("1 victim records were imported after that run") for n in found["notes"])


def test_an_unlinked_store_gives_no_count_and_says_what_to_run(store: Store) -> None:
    with pytest.raises(QueryError, match="holds no victim records, so there are no persons to count"):
        person_counts(store, PersonQuery())
    add_sources(store, "list_a")
    add_records(store, [{"victim_id": 1}])
    # before: "min 0, max 0" with a note; no count is not zero
    with pytest.raises(QueryError, match=r"1 victim records are not linked into persons yet.*link victims"):
        person_counts(store, PersonQuery())


def test_impossible_queries_list_every_problem() -> None:
    with pytest.raises(QueryError) as caught:
        PersonQuery(date_to=date(2013, 1, 1), days=0, status="soldier", by="week")
    message = str(caught.value)
    for expected in (
        "- date_to and days",
        "give date_from too",
        "at least 1",
        "- status 'soldier'",
        "- by 'week'",
    ):
        assert expected in message


def test_source_ids_beyond_a_64_bit_mask_count_the_same(people: Store) -> None:
    before = [person_counts(people, PersonQuery(**MARCH, by=by)) for by in (None, "source", "month")]
    people.con.execute("UPDATE victim_record SET source_id = source_id + 100")
    sources = people.rows("SELECT source_id, name FROM source")
    people.con.execute("DELETE FROM source")
    for row in sources:
        people.con.execute(
            "INSERT INTO source (source_id, name) VALUES (?, ?)", [row["source_id"] + 100, row["name"]]
        )
    after = [person_counts(people, PersonQuery(**MARCH, by=by)) for by in (None, "source", "month")]
    assert [f["total"] for f in after] == [f["total"] for f in before]
    for old, new in zip(before[1:], after[1:], strict=True):
        strip = [{k: v for k, v in g.items() if k != "key"} for g in old["groups"] or []]
        assert strip == [{k: v for k, v in g.items() if k != "key"} for g in new["groups"] or []]
