"""What the incident model reads from real sources' conventions: canonical actors and their allies,
actors named in a description, a report's own date in its text, and copies of one record (task H5)."""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path

from harmtrace.ingest import get_format, import_file
from harmtrace.link.incident_features import build_incident_features
from harmtrace.link.incidents import link_incidents
from harmtrace.simulate.report_columns import REPORT_COLUMNS
from harmtrace.simulate.reports import mapping_path
from harmtrace.store import Store

ALEPPO = {"place": "Aleppo", "latitude": "36.2", "longitude": "37.16", "location_precision": "town"}


def _import(store: Store, path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(REPORT_COLUMNS)
        for row in rows:
            cells = {"date": "2016-02-04", "date_precision": "day", **ALEPPO, **row}
            writer.writerow([cells.get(c, "") for c in REPORT_COLUMNS])
    import_file(store, get_format("incidents", mapping_path()), path, source="t")


def test_perpetrators_are_canonical_actors_with_their_side(store: Store, tmp_path: Path) -> None:
    _import(
        store,
        tmp_path / "reports.csv",
        [
            {"record_id": "ucdp-like", "perpetrators": "Government of Syria (Syria);Syrian insurgents"},
            {"record_id": "named", "perpetrators": "Russian Military"},
            {"record_id": "in text", "description": "Russian warplanes struck the market"},
            {"record_id": "in arabic", "description": "غارات للطيران الروسي على السوق"},
            {"record_id": "regime", "description": "The regime's helicopters dropped barrel bombs"},
            {"record_id": "unknown", "description": "Two killed in the market"},
            {"record_id": "is", "perpetrators": "ISIS"},
        ],
    )
    build_incident_features(store)
    got = {r["record_id"]: (r["perpetrators"], r["perp_sides"]) for r in store.rows(
        "SELECT record_id, perpetrators, perp_sides FROM ht_incident_features")}  # fmt: skip
    assert got["ucdp-like"] == (["Armed opposition", "Government of Syria"], ["pro-government"])
    assert got["named"] == got["in text"] == got["in arabic"] == (["Russia"], ["pro-government"])
    assert got["regime"] == (["Government of Syria"], ["pro-government"])
    assert got["unknown"] == (None, None)
    assert got["is"] == (["Islamic State"], None)


def test_a_reports_own_date_is_no_rare_word(store: Store, tmp_path: Path) -> None:
    """ "Syria Daily Report 04/02/2016" names its own date: the date comparison weighs it already. The
    same numbers in a report of another day are still words of its text."""
    _import(
        store,
        tmp_path / "reports.csv",
        [
            {"record_id": "own", "description": "Syria Daily Report 04/02/2016"},
            {"record_id": "other", "date": "2016-02-05", "description": "Report of 04/02/2016 strikes"},
            {"record_id": "filler", "date": "2016-03-01", "description": "Shelling on the old city"},
        ],
    )
    build_incident_features(store)
    has_four = {r["record_id"]: r["four"] for r in store.rows(
        "SELECT record_id, list_contains(coalesce(desc_keys, []), hash('4')) AS four "
        "FROM ht_incident_features")}  # fmt: skip
    assert has_four == {"own": False, "other": True, "filler": False}


def test_a_copy_counts_once_in_its_town_and_day(store: Store, tmp_path: Path) -> None:
    """One video exported twice is one record of that town and day (the import already keeps one
    report of a record id given twice with the same content); a report placed only to its governorate
    has no town."""
    _import(
        store,
        tmp_path / "reports.csv",
        [
            {"record_id": "v1", "description": "Air strike on the old city"},
            {"record_id": "v1", "description": "Air strike on the old city"},
            {"record_id": "v2", "description": "Shelling near the citadel"},
            {"record_id": "g", "location_precision": "governorate", "description": "Strikes in the province"},
        ],
    )
    build_incident_features(store)
    got = sorted((r["record_id"], r["n"]) for r in store.rows(
        "SELECT record_id, town_day_records AS n FROM ht_incident_features"))  # fmt: skip
    assert got == [("g", None), ("v1", 2), ("v2", 2)]


def test_ucdp_and_a_russian_strike_video_compare_as_allies(store: Store, shared_data: Path) -> None:
    """Real data, February 2016: UCDP lists both sides of a state-based event ("Government of Syria",
    "Syrian insurgents"); the Syrian Archive's Russian-attacks videos name Russia. Such pairs are
    allies (or, where UCDP's text names Russia, "named in the other's text"), never "different"."""
    ucdp = shared_data / "ucdp_ged_syria" / "ucdp_ged_syria_2016-01_2019-11.csv"
    import_file(store, get_format("ucdp-ged"), ucdp, source="UCDP")
    videos = shared_data / "syrian_archive" / "lylla318_russian_attacks.csv"
    import_file(store, get_format("syrian-archive"), videos, source="Syrian Archive")
    link_incidents(store, date_from=date(2016, 2, 1), date_to=date(2016, 2, 29))
    rows = store.rows(
        "SELECT p.detail FROM link_pair p JOIN report a ON a.report_id = p.id_l "
        "JOIN report b ON b.report_id = p.id_r WHERE a.source_id <> b.source_id "
        "AND list_sort(a.perpetrators || b.perpetrators) = "
        "['Government of Syria', 'Russia', 'Syrian insurgents']"
    )
    levels = {json.loads(r["detail"])["perpetrators"]["level"] for r in rows}
    assert rows and "allies" in levels and levels <= {"allies", "named in the other's text"}, levels
