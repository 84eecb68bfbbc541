"""Declared strikes: the Guardian's CENTCOM log imported with documents and quarantine; matching
alleged incidents to declared strikes within precision-dependent tolerances."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from harmtrace.assess.declared import import_declared
from harmtrace.assess.nearby import matches_sql, record_matches
from harmtrace.errors import InputError
from harmtrace.store import Store
from tests.assess.reports import R, add_reports, link

COALITION = "US-led coalition"


@pytest.fixture
def guardian(shared_data: Path) -> Path:
    return shared_data / "guardian_centcom_strikes"


def test_guardian_log_every_row_a_document_accepted_or_quarantined(store: Store, guardian: Path) -> None:
    result = import_declared(
        store, guardian / "dashboard-airstrikes.tsv", guardian / "syria-locations.tsv", COALITION
    )
    # SOURCE.txt: 732 of the 2,540 rows are Syrian places; the rest (Iraq) are not in the places file
    assert (result.rows_read, result.rows_accepted, result.rows_quarantined) == (2540, 732, 1808)
    assert store.scalar("SELECT count(*) FROM document WHERE batch_id = ?", [result.batch_id]) == 2540
    assert store.scalar("SELECT count(*) FROM declared_strike") == 732
    assert list(result.reasons) == ["place_unknown"] and result.details["strikes_declared"] == 1663
    reasons = store.scalar(
        "SELECT reasons FROM quarantine WHERE batch_id = ? AND row_number = 4", [result.batch_id]
    )
    assert reasons == [
        "place_unknown: 'Bayji' is in neither the places file nor the gazetteer; add it to the places file "
        "(name, lat, lng) if it is in the area studied"
    ]
    first = store.rows("SELECT * FROM declared_strike ORDER BY strike_id LIMIT 1")[0]
    assert (first["date_start"], first["place_text"], first["strikes"], first["belligerent"]) == (
        date(2015, 6, 1),
        "Al Hasakah",
        4,
        COALITION,
    )
    assert (first["latitude"], first["longitude"], first["placed_by"]) == (
        36.511304,
        40.743107,
        "places file",
    )
    batch = store.rows("SELECT * FROM batch WHERE batch_id = ?", [result.batch_id])[0]
    assert batch["format"] == "declared-strikes" and "belligerent: US-led coalition" in batch["mapping_text"]


def test_reimport_is_recognised_and_adds_nothing(store: Store, guardian: Path) -> None:
    args = (guardian / "ir-airstrikes.tsv", guardian / "syria-locations.tsv", COALITION)
    first = import_declared(store, *args)
    again = import_declared(store, *args)
    assert again.already_imported and again.batch_id == first.batch_id
    assert again.rows_accepted == first.rows_accepted == 642
    assert store.scalar("SELECT count(*) FROM declared_strike") == 642


def test_a_place_missing_from_the_places_file_is_placed_by_the_gazetteer(
    store: Store, guardian: Path
) -> None:
    store.con.execute(
        "INSERT INTO place (place_id, source_file, source_format, source_ref, kind, name_en, latitude, "
        "longitude, precision) VALUES (1, 'test', 'test', '1', 'town', 'Bayji', 34.93, 43.49, 'town')"
    )
    result = import_declared(
        store, guardian / "dashboard-airstrikes.tsv", guardian / "syria-locations.tsv", COALITION
    )
    bayji = store.scalar(
        "SELECT count(*) FROM declared_strike WHERE place_text = 'Bayji' AND placed_by = 'gazetteer'"
    )
    assert bayji > 0
    assert result.rows_accepted == 732 + bayji


def test_bad_rows_are_quarantined_with_every_reason(store: Store, tmp_path: Path) -> None:
    log = tmp_path / "log.csv"
    log.write_text("date,place,strikes\n2015-10-05,Raqqa,3\n2015-13-01,Raqqa,x\n2015-10-06,Nowhere,0\n")
    places = tmp_path / "places.csv"
    places.write_text("name,lat,lng\nRaqqa,35.95,39.01\n")
    result = import_declared(store, log, places, COALITION)
    assert (result.rows_accepted, result.rows_quarantined) == (1, 2)
    rows = {r["row_number"]: r["reasons"] for r in store.rows("SELECT * FROM quarantine")}
    assert [r.split(":")[0] for r in rows[2]] == ["date_invalid", "strikes_invalid"]
    assert [r.split(":")[0] for r in rows[3]] == ["strikes_invalid", "place_unknown"]


def test_a_log_without_the_needed_columns_is_refused_whole(store: Store, tmp_path: Path) -> None:
    log = tmp_path / "log.csv"
    log.write_text("day,town\n2015-10-05,Raqqa\n")
    with pytest.raises(InputError, match="lacks column\\(s\\) date, place, strikes"):
        import_declared(store, log, None, COALITION)
    assert store.scalar("SELECT count(*) FROM batch") == 0


# --- matching -------------------------------------------------------------------------------------


def _strike(store: Store, tmp_path: Path) -> None:
    log = tmp_path / "log.tsv"
    log.write_text("date\tplace\tstrikes\n2015-10-05\tAr Raqqah\t4\n")
    places = tmp_path / "places.tsv"
    places.write_text("name\tlat\tlng\nAr Raqqah\t35.959411\t38.998105\n")
    import_declared(store, log, places, COALITION)


def test_incidents_near_a_declared_strike_in_date_and_distance(store: Store, tmp_path: Path) -> None:
    _strike(store, tmp_path)
    ids = add_reports(store, [
        R("A", day=date(2015, 10, 6), latitude=35.96, longitude=39.02),  # a day later, 2 km: near
        R("B", day=date(2015, 10, 8), latitude=35.96, longitude=39.02),  # 3 days later: not
        R("C", day=date(2015, 10, 5), latitude=36.50, longitude=40.70),  # 160 km away: not
        R("D", day=date(2015, 10, 1), day_end=date(2015, 10, 31)),  # dated to a month: too vague
        R("E", day=date(2015, 10, 5), latitude=36.30, longitude=39.02, precision="city"),  # 38 km, widened
        R("F", day=date(2015, 10, 5), precision="governorate"),  # too coarse to say near
    ])  # fmt: skip
    assert record_matches(store) == 2
    found = {r["incident_id"]: r for r in store.rows(matches_sql())}
    assert set(found) == {f"report:{ids[0]}", f"report:{ids[4]}"}
    near = found[f"report:{ids[0]}"]
    assert (near["days_apart"], near["tolerance_days"]) == (1, 3)
    # town (5 km) + the log's place (within 25 km): the distance is a range widened by both radii
    assert near["distance_min_km"] == 0 and 30 < near["distance_max_km"] < 32
    assert near["tolerance_km"] == 35.0
    widened = found[f"report:{ids[4]}"]
    assert 0 < widened["distance_min_km"] < 5 and 70 < widened["distance_max_km"] < 75


def test_a_linked_incident_is_matched_at_its_best_point_and_interval(store: Store, tmp_path: Path) -> None:
    _strike(store, tmp_path)
    ids = add_reports(store, [
        R("A", day=date(2015, 10, 4), day_end=date(2015, 10, 6), precision="governorate"),
        R("B", day=date(2015, 10, 5), latitude=35.96, longitude=39.02, precision="village"),
    ])  # fmt: skip
    link(store, "inc-1", ids)
    assert record_matches(store) == 1
    assert store.scalar("SELECT incident_id FROM incident_declared") == "inc-1"
