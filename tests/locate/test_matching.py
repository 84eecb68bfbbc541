"""Locating reports from place text: tiers, scripts, stated governorate, finer places, ambiguity, codes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from harmtrace.errors import InputError
from harmtrace.ingest import get_format, import_file
from harmtrace.locate.gazetteer import import_places
from harmtrace.locate.matching import haversine_km, load_gazetteer, locate_places, match_place
from harmtrace.locate.place_keys import place_key, place_skeleton, script_of
from harmtrace.locate.precision import radii as radius_table
from harmtrace.store import Store
from harmtrace.store.relations import relation_sql
from tests.conftest import BUNDLED
from tests.locate.places_fixtures import admin1_geojson, geonames_file, reports_file


@pytest.fixture
def located(store: Store, tmp_path: Path) -> Store:
    import_file(store, get_format("syrian-archive"), reports_file(tmp_path / "reports.csv"))
    import_places(store, admin1_geojson(tmp_path / "admin1.geojson"), "ocha")
    import_places(store, geonames_file(tmp_path / "places.txt"), "geonames")
    return store


def _by_record(store: Store) -> dict[str, dict[str, Any]]:
    rows = store.rows(
        "SELECT r.record_id, l.precision, l.method, l.score, l.in_stated_adm, l.latitude, l.longitude, "
        "ra.pcode AS adm1, ra.method AS adm1_method FROM report r "
        "LEFT JOIN report_location l USING (report_id) "
        "LEFT JOIN report_admin ra ON ra.report_id = r.report_id AND ra.level = 1 ORDER BY r.record_id"
    )
    return {r["record_id"]: r for r in rows}


def test_locate_places_by_tier_script_governorate_and_precision(located: Store) -> None:
    result = locate_places(located)
    got = _by_record(located)
    summary = {k: (v["precision"], v["method"], v["adm1"]) for k, v in got.items()}
    assert summary == {
        "T_1": ("village", "gazetteer: exact name", "XX01"),
        "T_2": ("village", "gazetteer: exact name", "XX01"),  # Arabic script meets the Arabic name
        "T_3": ("village", "gazetteer: same consonant skeleton", "XX01"),
        "T_4": (None, None, None),  # ambiguous: not guessed
        "T_5": ("village", "gazetteer: exact name", "XX02"),  # the East one, as the report says
        "T_6": ("city", "gazetteer: exact name", "XX02"),  # the city, not the district of its name
        "T_7": ("governorate", "gazetteer: exact name", "XX02"),  # place unknown: its governorate
        "T_8": (None, None, None),
        "T_9": (None, None, "XX02"),  # own coordinates: no gazetteer row, placed by its point
    }
    assert (got["T_5"]["latitude"], got["T_5"]["longitude"]) == (34.8, 37.8)
    assert got["T_3"]["score"] == pytest.approx(90.0)  # rapidfuzz ratio of "kfar tasta" and "kafr tasta"
    assert result.reports == 8 and result.located == 6
    assert [a["place_text"] for a in result.ambiguous] == ["Tall Nimr"]
    assert {c["adm1_pcode"] for c in result.ambiguous[0]["candidates"]} == {"XX01", "XX02"}
    assert [u["place_text"] for u in result.unmatched] == ["NOWHERE : Zzqx"]


def test_report_points_carry_gazetteer_locations_with_radius(located: Store) -> None:
    locate_places(located)
    points = located.rows(
        f"SELECT r.record_id, p.* FROM ({relation_sql('report_points')}) p JOIN report r USING (report_id)"
    )
    by_record = {p["record_id"]: p for p in points}
    assert by_record["T_6"]["radius_m"] == 10_000.0 and by_record["T_6"]["method"] == "gazetteer: exact name"
    assert by_record["T_9"]["method"] == "source coordinates"
    assert "T_4" not in by_record and "T_8" not in by_record


def test_rerun_replaces_locations_and_threshold_matters(located: Store) -> None:
    locate_places(located)
    locate_places(located)
    assert located.scalar("SELECT count(*) FROM report_location") == 6
    assert located.scalar("SELECT count(*) FROM report_admin WHERE level = 1") == 9
    g = load_gazetteer(located.con)
    fuzzy = match_place(g, "WEST : Kafr Tesfa", None, None, None, threshold=85)
    assert fuzzy.status == "located" and fuzzy.place is not None
    assert fuzzy.place.method == "fuzzy name" and 85 <= fuzzy.place.score < 100
    strict = match_place(g, "WEST : Kafr Tesfa", None, None, None, threshold=99)
    assert strict.status == "located" and strict.place is not None and strict.place.precision == "governorate"


def test_ambiguity_distance_and_stated_district(located: Store) -> None:
    g = load_gazetteer(located.con)
    far = match_place(g, "Tall Nimr", None, None, None)
    assert far.status == "ambiguous" and len(far.candidates) == 2
    # the two villages are ~170 km apart: a large enough ambiguity distance makes them one place
    apart = haversine_km(36.2, 34.2, 37.8, 34.8)
    assert 150 < apart < 190
    assert match_place(g, "Tall Nimr", None, None, None, ambiguity_km=apart + 1).status == "located"
    stated = match_place(g, "Tall Nimr", None, "West", None)
    assert stated.status == "located" and stated.place is not None and stated.place.adm[0] == "XX01"


def test_loose_match_outside_the_stated_governorate_is_refused(located: Store) -> None:
    g = load_gazetteer(located.con)
    # Kfar Tasta (skeleton match) lies in West; a report saying East must not land there
    assert match_place(g, "EAST : Kfar Tasta", None, None, None).place.precision == "governorate"  # type: ignore[union-attr]
    exact = match_place(g, "EAST : Kafr Testa", None, None, None)
    assert exact.status == "located" and exact.in_stated == "outside"


def test_locating_needs_a_gazetteer(store: Store) -> None:
    with pytest.raises(InputError, match="harmtrace places import"):
        locate_places(store)
    with pytest.raises(InputError, match="threshold"):
        locate_places(store, threshold=0)


@pytest.mark.parametrize(
    ("latin", "arabic"),
    [("Deir ez-Zor", "دير الزور"), ("Khan Sheikhoun", "خان شيخون"), ("Duma", "دوما"), ("Al-Bab", "الباب"),
     ("Idlib", "إدلب"), ("Jisr al-Shughur", "جسر الشغور"), ("Latamneh", "اللطامنة")],
)  # fmt: skip
def test_keys_of_both_scripts_meet(latin: str, arabic: str) -> None:
    """Real Syrian place names: the key or, at least, the consonant skeleton is shared across scripts."""
    assert script_of(arabic) == "ar" and script_of(latin) == "latin"
    k_latin, k_arabic = place_key(latin), place_key(arabic)
    assert k_latin == k_arabic or place_skeleton(k_latin) == place_skeleton(k_arabic)


def test_kind_words_and_detached_articles_do_not_count() -> None:
    assert place_key("Dayr az Zawr") == place_key("Deir ez-Zor Governorate") == "dir zur"
    assert place_key("مدينة دوما") == place_key("Duma city") == "duma"
    assert place_key("Rif Dimashq") != place_key("Dimashq")  # "rif" (countryside) names another area


@given(st.text(alphabet="ابتثجحخدذرزسشصضطظعغفقكلمنهويةءأإآ لا", max_size=30))
def test_arabic_keys_are_latin(text: str) -> None:
    key = place_key(text)
    assert key == key.strip() and all(c.isascii() for c in key)
    assert place_skeleton(key) == place_skeleton(key).replace(" ", "")


def test_real_archive_text_matches_agree_with_the_archive_coordinates(
    store: Store, shared_data: Path
) -> None:
    """Real data: Syrian Archive records that have both place text and coordinates, located from the text
    alone, land within their precision radius of the record's own point (the 2015 gazetteer comes from
    the same archive, so this is an upper bound of what other sources will see)."""
    import_file(store, get_format("syrian-archive"), BUNDLED / "seankross_violations.csv")
    ocha = shared_data / "ocha_cod_ab_syria"
    for name in ("syr_admin1", "syr_admin2", "syr_admin3", "syr_adminpoints", "syr_admincapitals",
                 "syr_neighborhoods"):  # fmt: skip
        import_places(store, ocha / f"{name}.geojson", "ocha")
    gazetteer = shared_data / "syrian_archive" / "syrian_archive_locations_gazetteer_2015.csv"
    import_places(store, gazetteer, "syrian-archive")
    g = load_gazetteer(store.con)
    table = radius_table()
    rows = store.rows(
        "SELECT place_text, place_text_ar, adm1_source, adm2_source, location_precision, latitude, longitude "
        "FROM report WHERE latitude IS NOT NULL AND place_text IS NOT NULL"
    )
    within: dict[str, list[bool]] = {}
    for r in rows:
        m = match_place(g, r["place_text"], r["place_text_ar"], r["adm1_source"], r["adm2_source"],
                        precision=r["location_precision"])  # fmt: skip
        if m.place is not None:
            km = haversine_km(m.place.longitude, m.place.latitude, r["longitude"], r["latitude"])
            within.setdefault(m.place.precision, []).append(km * 1000 <= (table[m.place.precision] or 0))
    located = sum(len(v) for v in within.values())
    assert len(rows) == 1892 and located >= 1880
    assert sum(map(sum, within.values())) / located > 0.85
    assert sum(within["village"]) / len(within["village"]) > 0.9
