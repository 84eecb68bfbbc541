"""Capture histories from the store: each person once, its lists, and its year, governorate and sex.

The six invented persons of `tests.analyse.test_persons.linked_people` (ten records, three lists):

    person  lists  interval of the person        year            governorate (records)       sex
    A       a b c  2013-03-10                    2013            Rif Dimashq, ريف دمشق        male
    B       a b    2013-03-30 .. 04-02 (span)    2013            Aleppo, Halab                unknown
    C       a      unknown                       unknown         -                           male
    D       b c    2013-02-15                    2013            Homs, Hama: a tie -> Homs    female
    E       c      2013-03-05 .. 03-20           2013            place of death ريف دمشق     unknown
    F       a      2012-12-31 .. 2013-01-01      2012 (middle)   Atlantis (unknown name)     male
"""

from __future__ import annotations

from datetime import date

import numpy as np

from harmtrace.analyse.mse.histories import (
    PersonHistories,
    Stratum,
    governorate_key,
    in_window,
    person_histories,
    read_records,
    store_histories,
    stratify,
)
from harmtrace.link.features import governorate_lookup
from harmtrace.store import Store
from tests.analyse.test_persons import linked_people
from tests.link.victim_rows import add_records, add_sources


def rows(persons: PersonHistories) -> list[tuple[str, str, str, str]]:
    """(lists as 0/1 text, year, governorate, sex) of each person, sorted."""
    years = stratify(persons, ("year",))
    places = stratify(persons, ("adm1",))
    sexes = stratify(persons, ("sex",))

    def label(strata: list[Stratum], i: int) -> str:
        return next(s.label for s in strata if i in s.rows)

    found = []
    for i in range(len(persons)):
        pattern = "".join(str(int(x)) for x in persons.listed[i])
        found.append((pattern, label(years, i), label(places, i), label(sexes, i)))
    return sorted(found)


def test_one_row_per_person_with_its_lists_and_strata(store: Store) -> None:
    linked_people(store)
    persons = store_histories(read_records(store), (0, 1, 2))
    assert persons.lists == ("list_a", "list_b", "list_c")
    assert rows(persons) == [
        ("001", "2013", "Rural Damascus", "(sex unknown)"),  # E: its place of death names the governorate
        ("011", "2013", "Homs", "female"),  # D: Homs and Hama tie, the first P-code wins
        ("100", "(date unknown)", "(governorate unknown)", "male"),  # C
        ("100", "2012", "Atlantis", "male"),  # F: an unknown name is its own stratum, as written
        ("110", "2013", "Aleppo", "(sex unknown)"),  # B: dates disagree, the span is in 2013
        ("111", "2013", "Rural Damascus", "male"),  # A
    ]
    assert persons.spans_years == 1, "F's interval runs from 2012 into 2013"
    assert int(persons.adm1_disputed.sum()) == 1, "D's records name Homs and Hama"


def test_chosen_lists_keep_only_persons_on_them(store: Store) -> None:
    linked_people(store)
    records = read_records(store)
    only_b = store_histories(records, (1,))
    assert len(only_b) == 3 and only_b.listed.all(), "A, B and D are on list_b"
    a_and_c = store_histories(records, (0, 2))
    assert len(a_and_c) == 6
    assert sorted("".join(str(int(x)) for x in row) for row in a_and_c.listed) == [
        "01",
        "01",
        "10",
        "10",
        "10",
        "11",
    ]


def test_window_holds_persons_whose_middle_day_is_inside(store: Store) -> None:
    linked_people(store)
    persons = store_histories(read_records(store), (0, 1, 2))
    march = persons.subset(in_window(persons, date(2013, 3, 1), date(2013, 3, 31)))
    assert sorted("".join(str(int(x)) for x in row) for row in march.listed) == ["001", "110", "111"]
    assert in_window(persons, None, None).all()


def test_records_imported_after_the_link_are_left_out(store: Store) -> None:
    linked_people(store)
    add_records(store, [{"victim_id": 11, "source_id": 1}])
    records = read_records(store)
    assert records.unlinked == 1
    assert len(store_histories(records, (0, 1, 2))) == 6


def test_other_labels_make_other_persons(store: Store) -> None:
    """Linkage draws rebuild persons from new labels: every record alone gives ten single-list persons."""
    linked_people(store)
    records = read_records(store)
    alone = person_histories(records, np.arange(records.victim_ids.size, dtype=np.int64), (0, 1, 2))
    assert len(alone) == 10
    assert (alone.listed.sum(axis=1) == 1).all()
    assert alone.listed.sum(axis=0).tolist() == [4, 3, 3]


def test_place_of_death_comes_before_the_province(store: Store) -> None:
    add_sources(store, "list_a")
    add_records(store, [{"victim_id": 1, "place_of_death": "Homs: Talbisa", "province": "Idleb"}])
    lookup = governorate_lookup(store)
    assert governorate_key("Homs: Talbisa", lookup, keep_unknown=False) == "SY04"
    assert governorate_key("حلب", lookup, keep_unknown=False) == "SY02"
    assert governorate_key("Talbisa", lookup, keep_unknown=False) is None, "a town is no governorate"
    assert governorate_key("Atlantis", lookup, keep_unknown=True) == "?atlantis"
    records = read_records(store)
    assert records.adm1_keys[records.adm1[0]] == "SY04"


def test_strata_can_be_crossed(store: Store) -> None:
    linked_people(store)
    persons = store_histories(read_records(store), (0, 1, 2))
    crossed = stratify(persons, ("year", "sex"))
    assert [s.label for s in crossed] == [
        "2012, male",
        "2013, female",
        "2013, male",
        "2013, (sex unknown)",
        "(date unknown), male",
    ]
    assert sum(s.rows.size for s in crossed) == 6
    assert [s.label for s in stratify(persons, ())] == ["all"]
