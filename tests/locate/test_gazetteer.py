"""Importing gazetteers: OCHA layers in any GDAL format, GeoNames, Syrian Archive; re-imports; real data."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyogrio
import pytest
import shapely

from harmtrace.errors import InputError
from harmtrace.ingest import get_format, import_file
from harmtrace.locate.crosswalk import adm1_agreement
from harmtrace.locate.gazetteer import import_places
from harmtrace.locate.matching import locate_places
from harmtrace.locate.place_files import read_place_file
from harmtrace.store import Store
from tests.conftest import UCDP_CSV
from tests.locate.places_fixtures import GEONAMES, admin1_geojson, geonames_file, reports_file

OCHA_COUNTS = {
    "syr_admin1.geojson": 14,
    "syr_admin2.geojson": 62,
    "syr_admin3.geojson": 272,
    "syr_adminpoints.geojson": 349,
    "syr_admincapitals.geojson": 266,
    "syr_neighborhoods.geojson": 414,
}


def test_admin_boundaries_fill_places_and_admin_areas(store: Store, tmp_path: Path) -> None:
    summary = import_places(store, admin1_geojson(tmp_path / "a1.geojson"), "ocha")
    assert (summary.details["places"], summary.details["admin_areas"], summary.what) == (
        2,
        2,
        "admin1 boundaries",
    )
    places = store.rows("SELECT pcode, kind, precision, adm1_pcode, name_ar FROM place ORDER BY pcode")
    assert [tuple(p.values()) for p in places] == [
        ("XX01", "governorate", "governorate", "XX01", "الغربية"),
        ("XX02", "governorate", "governorate", "XX02", "الشرقية"),
    ]
    assert store.scalar("SELECT count(*) FROM admin_area WHERE level = 1") == 2
    scripts = store.rows("SELECT script, count(*) AS n FROM place_name GROUP BY ALL ORDER BY script")
    assert scripts == [{"script": "ar", "n": 2}, {"script": "latin", "n": 2}]


def test_reimport_keeps_ids_and_removed_places_take_their_locations(store: Store, tmp_path: Path) -> None:
    import_file(store, get_format("syrian-archive"), reports_file(tmp_path / "reports.csv"))
    import_places(store, admin1_geojson(tmp_path / "a1.geojson"), "ocha")
    path = geonames_file(tmp_path / "places.txt")
    import_places(store, path, "geonames")
    ids = store.rows("SELECT source_ref, place_id FROM place ORDER BY source_ref")
    locate_places(store)
    names = store.scalar("SELECT count(*) FROM place_name")
    # the same file again is the same batch: nothing is added or replaced
    again = import_places(store, path, "geonames")
    assert again.already_imported and store.scalar("SELECT count(*) FROM batch") == 3
    assert store.rows("SELECT source_ref, place_id FROM place ORDER BY source_ref") == ids
    assert store.scalar("SELECT count(*) FROM place_name") == names
    # Kafr Testa moves 0.1 degree north and Madinat Kabira (the city) is gone from the file
    rows = [r if r[0] != "1001" else (*r[:3], 34.6, *r[4:]) for r in GEONAMES if r[0] != "1004"]
    changed = import_places(store, geonames_file(path, rows), "geonames")
    assert {k: changed.details[k] for k in ("new", "kept", "removed")} == {"new": 0, "kept": 5, "removed": 1}
    assert store.rows("SELECT source_ref, place_id FROM place ORDER BY source_ref") == [
        i for i in ids if i["source_ref"] != "1004"
    ]
    moved = store.rows("SELECT DISTINCT l.latitude FROM report_location l JOIN place p USING (place_id) "
                       "WHERE p.source_ref = '1001'")  # fmt: skip
    assert moved == [{"latitude": 34.6}]
    assert store.scalar("SELECT count(*) FROM report_location l LEFT JOIN place p USING (place_id) "
                        "WHERE p.place_id IS NULL") == 0  # fmt: skip
    # the first file once more: another file of its name came since, so it replaces that one's places
    back = import_places(store, geonames_file(path), "geonames")
    assert not back.already_imported and (back.details["new"], back.details["kept"]) == (1, 5)


def test_geonames_precision_from_class_code_and_population(tmp_path: Path) -> None:
    found = read_place_file(geonames_file(tmp_path / "g.txt"), "geonames")
    precision = {(p.source_ref, p.precision) for p in found.places}
    assert precision == {("1001", "village"), ("1002", "village"), ("1003", "village"), ("1004", "city"),
                         ("1005", "district"), ("1006", "within_100m")}  # fmt: skip
    arabic = {p.source_ref: p.name_ar for p in found.places}
    assert arabic["1001"] == "كفر تستا" and arabic["1003"] is None


def test_geopackage_and_shapefile_read_like_geojson(tmp_path: Path) -> None:
    source = read_place_file(admin1_geojson(tmp_path / "a1.geojson"), "ocha")
    table = pa.table(
        {"adm1_pcode": ["XX01", "XX02"], "adm1_name": ["West", "East"], "adm1_name1": ["الغربية", "الشرقية"],
         "geometry": shapely.to_wkb([a.geometry for a in source.areas])}
    )  # fmt: skip
    for name, driver in (("a1.gpkg", "GPKG"), ("a1.shp", "ESRI Shapefile")):
        out = tmp_path / name
        pyogrio.write_arrow(
            table, out, driver=driver, geometry_name="geometry", geometry_type="Polygon", crs="EPSG:4326"
        )
        read = read_place_file(out, "ocha")
        assert [(a.pcode, a.name_ar) for a in read.areas] == [(a.pcode, a.name_ar) for a in source.areas]
        assert all(a.geometry.equals(b.geometry) for a, b in zip(read.areas, source.areas, strict=True))


@pytest.mark.parametrize(
    ("content", "fmt", "message"),
    [("a\tb\n", "geonames", "not 19"), ("x,y\n1,2\n", "syrian-archive", "neither the Syrian Archive"),
     ('{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"name": "x"}, '
      '"geometry": {"type": "Point", "coordinates": [36, 34]}}]}', "ocha", "not an OCHA COD-AB layer")],
)  # fmt: skip
def test_wrong_files_say_what_is_expected(tmp_path: Path, content: str, fmt: str, message: str) -> None:
    path = tmp_path / ("bad.geojson" if fmt == "ocha" else "bad.txt")
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError, match=message):
        read_place_file(path, fmt)
    with pytest.raises(InputError, match="File not found"):
        read_place_file(tmp_path / "nope.csv", fmt)


def test_rows_without_a_point_are_quarantined_not_dropped(tmp_path: Path) -> None:
    path = tmp_path / "places.csv"
    path.write_text("City,Neighborhood,Latitude,Longitude\nWest,Kafr Testa,34.5,36.5\nWest,Nowhere,NA,NA\n")
    found = read_place_file(path, "syrian-archive")
    assert [p.names for p in found.places] == [["Kafr Testa"]]
    reason = "coordinates_invalid: latitude 'NA', longitude 'NA' is no point in degrees"
    assert found.rejected == {2: [reason]}


def test_real_ocha_layers_import_with_their_counts(store: Store, shared_data: Path) -> None:
    ocha = shared_data / "ocha_cod_ab_syria"
    for name, count in OCHA_COUNTS.items():
        summary = import_places(store, ocha / name, "ocha")
        assert summary.details["places"] == summary.rows_read == count, name
    levels = store.rows("SELECT level, count(*) AS n FROM admin_area GROUP BY level ORDER BY level")
    assert [(r["level"], r["n"]) for r in levels] == [(1, 14), (2, 62), (3, 272)]
    assert store.scalar("SELECT count(*) FROM place") == sum(OCHA_COUNTS.values())
    # every neighbourhood and sub-district has names in both scripts and its three P-codes
    missing = store.scalar(
        "SELECT count(*) FROM place WHERE precision IN ('neighbourhood', 'subdistrict') "
        "AND (name_ar IS NULL OR adm1_pcode IS NULL OR adm2_pcode IS NULL OR adm3_pcode IS NULL)"
    )
    assert missing == 0
    assert import_places(store, ocha / "syr_admin3.geojson", "ocha").already_imported


def test_real_syrian_archive_gazetteers(store: Store, shared_data: Path) -> None:
    import_places(store, shared_data / "ocha_cod_ab_syria" / "syr_admin1.geojson", "ocha")
    archive = shared_data / "syrian_archive"
    big = import_places(store, archive / "syrian_archive_locations_gazetteer_2015.csv", "syrian-archive")
    small = import_places(store, archive / "seankross_syrian_places.csv", "syrian-archive")
    assert (big.details["places"], small.details["places"]) == (1647, 164)
    assert big.breakdowns["coded"]["adm1"] == 1647  # every entry falls in (or within 1 km of) a governorate
    assert big.breakdowns["by_precision"]["governorate"] == 24


def test_real_ucdp_every_event_naming_a_governorate_gets_one(store: Store, shared_data: Path) -> None:
    """Issue 5: UCDP events get a governorate from the OCHA polygons, or from their adm_1 when too coarse."""
    import_file(store, get_format("ucdp-ged"), UCDP_CSV)
    import_places(store, shared_data / "ocha_cod_ab_syria" / "syr_admin1.geojson", "ocha")
    counts = store.rows(
        "SELECT ra.method, count(*) AS n FROM report_admin ra JOIN report r USING (report_id) "
        "WHERE ra.level = 1 GROUP BY ALL ORDER BY ra.method NULLS LAST"
    )
    by_method = {c["method"]: c["n"] for c in counts}
    assert by_method == {"nearest area": 47, "point in area": 15700, "source name": 482, None: 337}
    without = store.rows(
        "SELECT r.location_precision, r.adm1_source IS NULL AS no_adm1, count(*) AS n FROM report r "
        "JOIN report_admin ra ON ra.report_id = r.report_id AND ra.level = 1 WHERE ra.pcode IS NULL "
        "GROUP BY ALL ORDER BY ALL"
    )
    # the 337 without: 254 'Syria' (country) and 83 regions spanning governorates; none names one
    assert without == [{"location_precision": "country", "no_adm1": True, "n": 254},
                       {"location_precision": "region", "no_adm1": True, "n": 83}]  # fmt: skip
    agreement = adm1_agreement(store)
    assert (agreement["compared"], agreement["agree"]) == (15745, 15640)
    assert agreement["unmatched_names"] == 0
