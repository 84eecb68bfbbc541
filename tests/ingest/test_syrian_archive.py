"""Syrian Archive video records: three real export layouts, DMS coordinates, Arabic text, bad rows."""

from __future__ import annotations

import calendar
import csv
import re
from datetime import date
from pathlib import Path

import pytest

from harmtrace.errors import InputError
from harmtrace.ingest import PlausibleArea, get_format, import_file
from harmtrace.ingest.coordinates import parse_coordinate
from harmtrace.store import Store
from tests.conftest import BUNDLED, run_cli

ARCHIVE = get_format("syrian-archive")
WHITESPACE = " \t\r\n"
MISSING = {"", "na", "n/a", "none", "null", "nan"}
# Syria's own extent (tighter than the plausible area the importer checks against)
SYRIA_LAT, SYRIA_LON = (32.3, 37.4), (35.6, 42.4)
COLLECTION = ("Syrian Archive collection", "reference_code", "recording_date", "location_latitude",
              "location_longitude")  # fmt: skip
# file -> (start of its layout's description, columns of reference code, date, latitude, longitude)
FILES = {
    "seankross_violations.csv": (
        "Syrian Archive violations", "Reference_Code", "Recording_Date", "Latitude", "Longitude",
    ),
    "seankross_syrian_archive_raw.csv": (
        "Syrian Archive site", "reference_code", "recording_date", "latitude", "longitude",
    ),
    "lylla318_chemical_weapons.csv": COLLECTION,
    "lylla318_cluster_munitions.csv": COLLECTION,
    "lylla318_russian_attacks.csv": COLLECTION,
}  # fmt: skip
MONTHS = {calendar.month_abbr[i].lower(): i for i in range(1, 13)}  # "jan": 1 ... (C locale)

WITH_DMS = ("seankross_syrian_archive_raw.csv", "lylla318_russian_attacks.csv")
COLLECTIONS = (
    "lylla318_chemical_weapons.csv",
    "lylla318_cluster_munitions.csv",
    "lylla318_russian_attacks.csv",
)


def _real_file(request: pytest.FixtureRequest) -> Path:
    """The CC BY-SA seankross files are bundled in the repo; the others are read from the shared data."""
    name: str = request.param
    if (BUNDLED / name).exists():
        return BUNDLED / name
    shared: Path = request.getfixturevalue("shared_data")
    return shared / "syrian_archive" / name


@pytest.fixture(params=sorted(FILES))
def export(request: pytest.FixtureRequest) -> Path:
    return _real_file(request)


@pytest.fixture(params=WITH_DMS)
def export_with_dms(request: pytest.FixtureRequest) -> Path:
    return _real_file(request)


@pytest.fixture(params=COLLECTIONS)
def collection(request: pytest.FixtureRequest) -> Path:
    return _real_file(request)


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _present(text: str) -> str | None:
    cleaned = text.strip(WHITESPACE)
    return None if cleaned.lower() in MISSING else cleaned


def _recording_day(text: str) -> date | None:
    """The date as a reader would take it: ISO, or Django's "March 17, 2017, 8:59 p.m." / "Sept. 6, ..."."""
    cleaned = _present(text)
    if cleaned is None:
        return None
    try:
        return date.fromisoformat(cleaned[:10])
    except ValueError:
        pass
    found = re.match(r"([A-Za-z]+)\.? (\d+), (\d{4})", cleaned)
    if not found or found[1][:3].lower() not in MONTHS:
        return None
    return date(int(found[3]), MONTHS[found[1][:3].lower()], int(found[2]))


def _degrees(text: str, axis: str) -> float | None:
    cleaned = _present(text)
    if cleaned is None:
        return None
    try:
        return float(cleaned)
    except ValueError:
        return parse_coordinate(cleaned, "lat" if axis == "lat" else "lon")


def _expected_bad(row: dict[str, str], id_col: str, date_col: str, lat_col: str, lon_col: str) -> bool:
    """Should this row be quarantined? Worked out in Python, apart from the importer's SQL."""
    lat, lon = _degrees(row[lat_col], "lat"), _degrees(row[lon_col], "lon")
    unparsed = any(_present(row[c]) is not None and v is None for c, v in ((lat_col, lat), (lon_col, lon)))
    area = PlausibleArea()
    outside = (
        lat is not None
        and lon is not None
        and not (area.lat_min <= lat <= area.lat_max and area.lon_min <= lon <= area.lon_max)
    )
    partial = (lat is None) != (lon is None)
    return (
        _present(row[id_col]) is None
        or _recording_day(row[date_col]) is None
        or unparsed
        or outside
        or partial
    )


def test_each_export_is_recognised_by_its_header(export: Path) -> None:
    with export.open(newline="", encoding="utf-8") as fh:
        header = next(csv.reader(fh))
    assert ARCHIVE.layout_for(header, str(export)).description.startswith(FILES[export.name][0])


def test_every_row_of_a_real_export_is_accounted_for(store: Store, export: Path) -> None:
    rows = _rows(export)
    _, id_col, date_col, lat_col, lon_col = FILES[export.name]
    result = import_file(store, ARCHIVE, export)
    assert result.rows_read == len(rows) == store.scalar("SELECT count(*) FROM document")
    assert result.rows_read == result.rows_accepted + result.rows_quarantined
    bad = {i for i, r in enumerate(rows, start=1) if _expected_bad(r, id_col, date_col, lat_col, lon_col)}
    assert set(store.rows("SELECT list(row_number) r FROM quarantine")[0]["r"] or []) == bad
    reports = store.rows("SELECT row_number, record_id, date_start, date_end, latitude FROM report")
    assert len(reports) == result.rows_accepted
    for report in reports:
        row = rows[report["row_number"] - 1]
        assert report["record_id"] == row[id_col].strip()
        assert report["date_start"] == report["date_end"] == _recording_day(row[date_col])
    located = sum(1 for r in rows if _present(r[lat_col]) and _present(r[lon_col]))
    assert sum(1 for r in reports if r["latitude"] is not None) == located


def test_dms_coordinates_of_real_exports_fall_inside_syria(store: Store, export_with_dms: Path) -> None:
    _, _, _, lat_col, lon_col = FILES[export_with_dms.name]
    dms = [i for i, r in enumerate(_rows(export_with_dms), start=1) if "°" in r[lat_col] + r[lon_col]]
    import_file(store, ARCHIVE, export_with_dms)
    points = store.rows("SELECT latitude, longitude FROM report WHERE list_contains(?, row_number)", [dms])
    assert len(points) == len(dms) > 100
    for p in points:
        assert SYRIA_LAT[0] < p["latitude"] < SYRIA_LAT[1] and SYRIA_LON[0] < p["longitude"] < SYRIA_LON[1], p


def test_arabic_descriptions_survive_byte_for_byte(store: Store, collection: Path) -> None:
    rows = _rows(collection)
    import_file(store, ARCHIVE, collection)
    stored = store.rows(
        "SELECT row_number, description_ar, raw FROM report JOIN document USING (batch_id, row_number)"
    )
    assert len(stored) == len(rows)
    for s in stored:
        original = rows[s["row_number"] - 1]["description_ar"]
        assert s["description_ar"].encode("utf-8") == original.strip(WHITESPACE).encode("utf-8")
        assert original.encode("utf-8") in bytes(s["raw"]).replace(b'""', b'"')


def test_one_video_gets_the_same_date_in_every_export(store: Store, shared_data: Path) -> None:
    folder = shared_data / "syrian_archive"
    for name in (
        "lylla318_russian_attacks.csv",
        "seankross_violations.csv",
        "seankross_syrian_archive_raw.csv",
    ):
        # each export its own source: under one source a later export's rows are versions of the first's
        import_file(store, ARCHIVE, folder / name, source=name)
    differing = store.scalar(
        "SELECT count(*) FROM (SELECT record_id FROM report GROUP BY record_id "
        "HAVING count(*) > 1 AND count(DISTINCT date_start) > 1)"
    )
    shared = store.scalar(
        "SELECT count(*) FROM (SELECT record_id FROM report GROUP BY 1 HAVING count(*) = 3)"
    )
    assert shared > 1000 and differing == 0


def _collection_file(tmp_path: Path, rows: list[dict[str, str]]) -> Path:
    """A small invented export in the collection layout (no real events, no names)."""
    columns = ["youtube_id", "description_en", "acquired_from", "description_ar", "recording_date",
               "location_latitude", "location_longitude", "weapons", "location", "reference_code",
               "type_of_violation"]  # fmt: skip
    base = {c: "" for c in columns} | {
        "description_en": "Destruction in a residential area after an attack",
        "description_ar": "دمار في حي سكني جراء القصف",
        "recording_date": "2016-09-11 15:33:00+00:00",
        "location": "IDLIB : Binnish",
        "type_of_violation": "Unlawful attacks",
    }
    path = tmp_path / "collection.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, columns)
        writer.writeheader()
        writer.writerows(base | {"reference_code": f" XX_{i:03d}"} | r for i, r in enumerate(rows, start=1))
    return path


def test_known_bad_rows_are_quarantined_with_their_reasons(store: Store, tmp_path: Path) -> None:
    path = _collection_file(
        tmp_path,
        [
            {"location_latitude": "35°57'29\"N", "location_longitude": "36°42'43\"E"},  # fine
            {"location_latitude": "north of the town", "location_longitude": "36.7"},
            {"recording_date": "sometime in 2016"},
            {"reference_code": "None"},
            {"location_latitude": "48°51'N", "location_longitude": "2°21'E"},  # Paris
            {"location_latitude": "36.0372269E", "location_longitude": "35.7874449N"},  # letters swapped
            {"location_latitude": "35.95", "location_longitude": "NA"},
        ],
    )
    result = import_file(store, ARCHIVE, path)
    assert (result.rows_read, result.rows_accepted, result.rows_quarantined) == (7, 5, 2)
    quarantined = store.rows("SELECT row_number, reasons FROM quarantine ORDER BY row_number")
    codes = {q["row_number"]: sorted({r.split(":")[0] for r in q["reasons"]}) for q in quarantined}
    assert codes == {3: ["date_invalid", "date_missing"], 4: ["id_missing"]}
    # bad coordinates are set aside: the record is kept, placed by its place text if at all
    issues = store.rows(
        "SELECT DISTINCT row_number, field, split_part(reason, ':', 1) AS code FROM field_issue"
    )
    assert sorted((i["row_number"], i["field"], i["code"]) for i in issues) == [
        (2, "coordinates", "coordinates_invalid"),
        (5, "coordinates", "coordinates_outside"),
        (6, "coordinates", "coordinates_invalid"),
        (7, "coordinates", "coordinates_partial"),
    ]
    unplaced = store.scalar("SELECT count(*) FROM report WHERE latitude IS NULL AND longitude IS NULL")
    assert unplaced == 4
    point = store.rows("SELECT latitude, longitude FROM report WHERE row_number = 1")[0]
    assert point == {
        "latitude": pytest.approx(35 + 57 / 60 + 29 / 3600),
        "longitude": pytest.approx(36 + 42 / 60 + 43 / 3600),
    }


def test_perpetrators_means_and_sites_only_where_the_record_says_so(store: Store, tmp_path: Path) -> None:
    protected = "Specifically protected persons and objects"
    path = _collection_file(
        tmp_path,
        [
            {
                "description_en": "Regime helicopters dropped barrel bombs on a school",
                "type_of_violation": protected,
            },
            {"description_en": "Remnants of a Russian-made rocket found in a field"},
            {"description_en": "Destruction in the market", "description_ar": "قصف الطيران الروسي على السوق"},
            {"description_en": "Wounded treated in a hospital", "weapons": "[<Weapon: Chemical Weapons>]"},
            {"type_of_violation": "Alleged civilian casualties from Russian attacks"},
        ],
    )
    import_file(store, ARCHIVE, path)
    got = store.rows("SELECT perpetrators, means, site_kinds FROM report ORDER BY row_number")
    assert got == [
        {"perpetrators": ["Government of Syria"], "means": ["barrel bomb"], "site_kinds": ["school"]},
        {"perpetrators": [], "means": [], "site_kinds": []},
        {"perpetrators": ["Russia"], "means": [], "site_kinds": []},
        {"perpetrators": [], "means": ["chemical"], "site_kinds": []},  # hospital, but not what was hit
        {"perpetrators": ["Russia"], "means": [], "site_kinds": []},
    ]
    assert store.scalar("SELECT count(*) FROM harm") == 0


def test_a_header_of_no_layout_is_refused_naming_the_layouts(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "other.csv"
    path.write_text("Description,Place,Date\nSomething,Somewhere,2016-01-01\n", encoding="utf-8")
    with pytest.raises(InputError) as refused:
        import_file(store, ARCHIVE, path)
    message = str(refused.value)
    assert str(path) in message and "collection" in message and "violations" in message and "site" in message
    assert store.scalar("SELECT count(*) FROM batch") == 0


def test_cli_import_and_reimport_of_the_bundled_violations_table(db_path: Path) -> None:
    path = BUNDLED / "seankross_violations.csv"
    rows = len(_rows(path))
    first = run_cli(db_path, "ingest", "syrian-archive", str(path), "--source", "Syrian Archive")
    assert first.exit_code == 0, first.output
    assert (
        f"read {rows:,} = accepted {rows:,} (new {rows:,}, unchanged 0, changed 0) + quarantined 0"
        in first.output
    )
    again = run_cli(db_path, "ingest", "syrian-archive", str(path), "--source", "Syrian Archive")
    assert again.exit_code == 0, again.output
    assert "already imported as batch 1" in again.output and "nothing added" in again.output
    batches = run_cli(db_path, "batches", "--json")
    assert batches.output.count('"batch_id"') == 1 and f'"rows_accepted": {rows}' in batches.output
