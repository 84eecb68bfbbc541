"""Linkage features of victim records: name keys in either script, places, ages and dates as intervals.

Everyone here is invented.
"""

from __future__ import annotations

from typing import Any

import pytest

from harmtrace.link.features import (
    FEATURE_TABLE,
    build_features,
    features_arrow,
    governorate_lookup,
    skeleton,
)
from harmtrace.store import Store
from tests.link.victim_rows import add_records, add_sources, day

RECORDS: list[dict[str, Any]] = [
    {"victim_id": 1, "name": "Mohamad Abdulrahman al-Hariri", "sex": "male", "age_group": "adult",
     "date_start": day("2013-05-01"), "date_end": day("2013-05-01"),
     "place_of_death": "Damascus Suburbs: Douma"},
    {"victim_id": 2, "source_id": 2, "name_ar": "محمد عبد الرحمن الحريري", "age_min": 30, "age_max": 39,
     "date_start": day("2013-05-01"), "date_end": day("2013-05-31"), "province": "ريف دمشق"},
    {"victim_id": 3, "name": "Sara Khalid Yusuf al-Homsi", "given_name": "Sara", "family_name": "Homsi",
     "province": "Halab", "cause": " Airstrike "},
    {"victim_id": 4, "name": "Unidentified", "province": "Atlantis"},
    {"victim_id": 5, "name": "Ahmad", "status": "civilian", "place_of_death": "Aleppo"},
    {"victim_id": 6, "name": "Al-Najjar 12"},
    {"victim_id": 7, "name_ar": "مجهول ٣"},
]  # fmt: skip


@pytest.fixture
def features(store: Store) -> dict[int, dict[str, Any]]:
    add_sources(store, "list_a", "list_b")
    add_records(store, RECORDS)
    assert build_features(store) == len(RECORDS)
    return {r["unique_id"]: r for r in store.rows(f"SELECT * FROM {FEATURE_TABLE}")}


def test_one_name_in_arabic_and_latin_script_gets_the_same_keys(features: dict[int, dict[str, Any]]) -> None:
    latin, arabic = features[1], features[2]
    for part in ("given", "father", "family"):
        assert latin[f"{part}_key"] == arabic[f"{part}_key"], part
        assert latin[f"{part}_skel"] == arabic[f"{part}_skel"], part
    assert (latin["name_script"], arabic["name_script"]) == ("latin", "arabic")
    assert latin["full_key"] == "muhamad abdrahman hariri"
    assert latin["source_dataset"] == "list_a" and arabic["source_dataset"] == "list_b"


def test_part_columns_win_over_parsing_the_full_name(features: dict[int, dict[str, Any]]) -> None:
    sara = features[3]
    assert (sara["given_key"], sara["father_key"], sara["family_key"]) == ("sara", None, "humsi")


def test_an_unidentified_record_has_no_name_keys(features: dict[int, dict[str, Any]]) -> None:
    assert all(features[4][f"{p}_key"] is None for p in ("given", "father", "grandfather", "family"))
    assert features[5]["given_key"] == "ahmad" and features[5]["family_key"] is None


def test_places_are_keyed_below_the_governorate_and_governorates_coded(
    features: dict[int, dict[str, Any]],
) -> None:
    assert (features[1]["place_key"], features[1]["adm1"]) == ("duma", "SY03")  # "Province: Area"
    assert (features[2]["place_key"], features[2]["adm1"]) == (None, "SY03")  # Arabic province
    assert features[3]["adm1"] == "SY02"  # Halab is Aleppo
    assert features[4]["adm1"] == "?atlantis"  # unknown: kept as its key, never guessed
    assert (features[5]["place_key"], features[5]["adm1"]) == (None, "SY02")  # a governorate as place


def test_ages_and_dates_are_intervals(features: dict[int, dict[str, Any]]) -> None:
    assert (features[1]["age_lo"], features[1]["age_hi"]) == (18, 120)
    assert (features[2]["age_lo"], features[2]["age_hi"]) == (30, 39)
    assert features[2]["day_end"] - features[2]["day_start"] == 30
    assert features[1]["day_start"] == features[2]["day_start"]
    assert features[1]["death_month"] == "2013-05" and features[1]["death_year"] == 2013
    assert features[4]["day_start"] is None


def test_the_counter_of_a_numbered_name_is_kept(features: dict[int, dict[str, Any]]) -> None:
    assert (features[6]["name_number"], features[7]["name_number"], features[1]["name_number"]) == (
        12,
        3,
        None,
    )
    assert features[6]["family_key"] == "najar" and features[7]["given_key"] is None


def test_status_and_cause_are_normalised(features: dict[int, dict[str, Any]]) -> None:
    assert features[3]["cause"] == "airstrike"
    assert features[3]["status"] is None and features[5]["status"] == "civilian"


def test_the_plain_columns_keep_names_as_written(features: dict[int, dict[str, Any]]) -> None:
    assert features[1]["plain_given"] == "mohamad" and features[1]["plain_family"] == "al-hariri"
    assert features[2]["plain_given"] == "محمد"
    assert features[3]["plain_given"] == "sara" and features[3]["plain_father"] is None


def test_the_arrow_table_is_ordered_by_record(store: Store, features: dict[int, dict[str, Any]]) -> None:
    table = features_arrow(store, ["given_key", "adm1"])
    assert table.column_names == ["unique_id", "given_key", "adm1"]
    assert table.column("unique_id").to_pylist() == sorted(features)


@pytest.mark.parametrize(
    ("key", "expected"),
    [("kurdi", "krd"), ("kardi", "krd"), ("dawud", "dd"), ("dud", "dd"), ("ahmat", "hmd"), ("ahmad", "hmd"),
     ("kamal", "kml"), ("jamal", "kml"), ("alakhras", "khrs"), ("la khalaf", "khlf"), ("abdrahman", "bdrhmn"),
     ("a", None), (None, None), ("", None)],
)  # fmt: skip
def test_skeletons_fold_the_letters_transliterations_swap(key: str | None, expected: str | None) -> None:
    assert skeleton(key) == expected


def test_the_governorate_lookup_reads_arabic_and_variant_spellings(store: Store) -> None:
    lookup = governorate_lookup(store)
    assert lookup["حلب"] == "SY02" and lookup["dimashq"] == "SY01"
    assert lookup["damascus suburbs"] == "SY03"
