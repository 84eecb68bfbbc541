"""Placing reports in administrative areas: the precision rule, boundaries, tolerance, re-runs, real data."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import shapely
from hypothesis import given
from hypothesis import strategies as st

from harmtrace.errors import InputError
from harmtrace.ingest import get_format, import_file
from harmtrace.locate import locate_admin, precisions_placed, read_admin_file
from harmtrace.locate.admin import assign_points, place_reports
from harmtrace.locate.crosswalk import adm1_agreement, normalise_name
from harmtrace.store import Store
from tests.conftest import BUNDLED, UCDP_CSV, run_cli
from tests.ingest.ucdp_rows import ucdp_rows, write_csv

ADMIN1 = BUNDLED / "syr_admin1.geojson"
# Invented areas: two 1-degree squares side by side, sharing the meridian 37 E.
WEST = [(36.0, 34.0), (37.0, 34.0), (37.0, 35.0), (36.0, 35.0), (36.0, 34.0)]
EAST = [(37.0, 34.0), (38.0, 34.0), (38.0, 35.0), (37.0, 35.0), (37.0, 34.0)]
# (lon, lat, UCDP where_prec) of each test row, and where it should land at level 1
POINTS = [
    (36.5, 34.5, "1"),  # inside West
    (37.0, 34.5, "2"),  # on the shared boundary: the lowest pcode (West) wins
    (38.0045, 34.5, "1"),  # 0.5 km east of East: nearest within the 1 km tolerance
    (38.05, 34.5, "1"),  # 5.6 km east of East: not placed
    (36.5, 34.5, "6"),  # country precision: not placed
    (37.5, 34.5, "4"),  # governorate precision: placed at level 1, not at level 2
]


def _geojson(path: Path, level: int, areas: list[tuple[str, str, list[tuple[float, float]]]]) -> Path:
    features = []
    for pcode, name, ring in areas:
        props: dict[str, Any] = {f"adm{level}_pcode": pcode, f"adm{level}_name": name,
                                 f"adm{level}_name1": "منطقة", f"adm{level - 1}_pcode": "XX"}  # fmt: skip
        geometry = {"type": "Polygon", "coordinates": [[list(p) for p in ring]]}
        features.append({"type": "Feature", "properties": props, "geometry": geometry})
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    return path


def _squares(tmp_path: Path, level: int = 1) -> Path:
    suffix = "00" * (level - 1)
    areas = [(f"XX01{suffix}", "West", WEST), (f"XX02{suffix}", "East", EAST)]
    return _geojson(tmp_path / f"squares{level}.geojson", level, areas)


def _import_points(store: Store, tmp_path: Path) -> None:
    header, rows = ucdp_rows(len(POINTS))
    for row, (lon, lat, prec) in zip(rows, POINTS, strict=True):
        row.update(longitude=str(lon), latitude=str(lat), where_prec=prec)
    import_file(store, get_format("ucdp-ged"), write_csv(tmp_path / "points.csv", header, rows))


def _placed(store: Store, level: int) -> list[str | None]:
    rows = store.rows(
        "SELECT ra.pcode FROM report_admin ra JOIN report r USING (report_id) WHERE ra.level = ? "
        "ORDER BY r.row_number",
        [level],
    )
    return [r["pcode"] for r in rows]


def test_precision_rule_boundary_and_tolerance(store: Store, tmp_path: Path) -> None:
    _import_points(store, tmp_path)
    result = locate_admin(store, _squares(tmp_path))
    assert _placed(store, 1) == ["XX01", "XX01", "XX02", None, None, "XX02"]
    assert result.placed == 4 and result.reports == 6
    assert result.placed_by_tolerance == 1
    assert result.max_tolerance_km == pytest.approx(0.0045 * 111.32, abs=0.01)
    reasons = {(n["reason"], n["detail"]): n["reports"] for n in result.not_placed}
    assert reasons == {
        ("outside_areas", "farther than 1 km from every level-1 area"): 1,
        ("precision_too_coarse", "location precision country is coarser than governorate"): 1,
    }


def test_zero_tolerance_leaves_points_outside_unplaced(store: Store, tmp_path: Path) -> None:
    _import_points(store, tmp_path)
    locate_admin(store, _squares(tmp_path), tolerance_km=0)
    assert _placed(store, 1) == ["XX01", "XX01", None, None, None, "XX02"]


def test_rerun_replaces_the_level_without_duplicates(store: Store, tmp_path: Path) -> None:
    _import_points(store, tmp_path)
    squares = _squares(tmp_path)
    first = locate_admin(store, squares).as_dict()
    second = locate_admin(store, squares).as_dict()
    assert first == second
    assert store.scalar("SELECT count(*) FROM report_admin") == len(POINTS)
    assert store.scalar("SELECT count(*) FROM admin_area") == 2


def test_levels_are_kept_apart_and_parents_stored(store: Store, tmp_path: Path) -> None:
    _import_points(store, tmp_path)
    locate_admin(store, _squares(tmp_path, 1))
    locate_admin(store, _squares(tmp_path, 2))
    # governorate precision is too coarse for a district; level 1 is untouched by the level-2 run
    assert _placed(store, 2) == ["XX0100", "XX0100", "XX0200", None, None, None]
    assert _placed(store, 1) == ["XX01", "XX01", "XX02", None, None, "XX02"]
    parents = store.rows("SELECT DISTINCT level, parent_pcode FROM admin_area ORDER BY level")
    assert parents == [{"level": 1, "parent_pcode": "XX"}, {"level": 2, "parent_pcode": "XX"}]


def test_a_failed_run_leaves_the_previous_placement(store: Store, tmp_path: Path) -> None:
    _import_points(store, tmp_path)
    locate_admin(store, _squares(tmp_path))
    with pytest.raises(InputError, match="must be 0 or more"):
        locate_admin(store, _squares(tmp_path), tolerance_km=-1)
    assert _placed(store, 1) == ["XX01", "XX01", "XX02", None, None, "XX02"]


def test_precisions_placed_follow_the_model_order() -> None:
    assert precisions_placed(1)[-1] == "governorate"
    assert "governorate" not in precisions_placed(2) and "district" in precisions_placed(2)
    assert "district" not in precisions_placed(3) and "within_25km" in precisions_placed(3)
    assert not {"region", "country", "unknown"} & set(precisions_placed(1))


def test_assign_points_is_vectorised_and_prefers_the_lowest_index() -> None:
    areas = shapely.polygons([WEST, EAST])
    lon, lat = np.array([36.5, 37.0, 37.5, 40.0, 38.005]), np.full(5, 34.5)
    index, distance = assign_points(lon, lat, areas, tolerance_km=1.0)
    assert index.tolist() == [0, 0, 1, -1, 1]
    assert distance[:4].tolist() == [0.0, 0.0, 0.0, 0.0]
    assert distance[4] == pytest.approx(0.005 * 111.32)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json", "is not UTF-8 GeoJSON"),
        ('{"type": "FeatureCollection", "features": []}', "has no features"),
        (
            '{"type": "FeatureCollection", "features": [{"properties": {"name": "x"}, "geometry": null}]}',
            "no adm1_pcode",
        ),
        (
            '{"features": [{"properties": {"adm1_pcode": "X"}, "geometry": null}]}',
            "no adm1_pcode or adm1_name",
        ),
    ],
)
def test_bad_boundary_files_say_what_is_wrong(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.geojson"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError, match=message):
        read_admin_file(path)


def test_duplicate_pcodes_are_refused(tmp_path: Path) -> None:
    path = _geojson(tmp_path / "dup.geojson", 1, [("XX01", "West", WEST), ("XX01", "East", EAST)])
    with pytest.raises(InputError, match="XX01"):
        read_admin_file(path)


def test_a_file_loaded_at_the_wrong_level_is_refused(store: Store, tmp_path: Path) -> None:
    _import_points(store, tmp_path)
    locate_admin(store, _squares(tmp_path, 1))
    same_codes = _geojson(tmp_path / "adm2.geojson", 2, [("XX01", "West", WEST)])
    with pytest.raises(InputError, match=r"already used at another level: XX01 \(level 1\)"):
        locate_admin(store, same_codes)
    assert _placed(store, 1) == ["XX01", "XX01", "XX02", None, None, "XX02"]


def test_placing_without_areas_says_how_to_load_them(store: Store) -> None:
    with pytest.raises(InputError, match="harmtrace locate admin FILE --level 2"):
        place_reports(store.con, 2)


def test_cli_prints_json_and_text(db_path: Path, tmp_path: Path) -> None:
    with_points = run_cli(db_path, "ingest", "ucdp-ged", str(UCDP_CSV))
    assert with_points.exit_code == 0, with_points.output
    result = run_cli(db_path, "locate", "admin", str(ADMIN1), "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["level"] == 1 and data["areas_loaded"] == 14
    assert data["placed"] + sum(n["reports"] for n in data["not_placed"]) == data["reports"] == 16566
    text = run_cli(db_path, "locate", "admin", str(ADMIN1))
    assert "Rural Damascus" in text.output and "precision_too_coarse" in text.output
    missing = run_cli(db_path, "locate", "admin", str(tmp_path / "nope.geojson"))
    assert missing.exit_code == 1 and "File not found" in missing.output


def test_bundled_ucdp_agrees_with_its_own_governorates(store: Store) -> None:
    """Real data: UCDP's adm_1 and the OCHA polygon agree for almost every report."""
    import_file(store, get_format("ucdp-ged"), UCDP_CSV)
    result = locate_admin(store, ADMIN1, source_names=False)
    coarse = store.scalar("SELECT count(*) FROM report WHERE location_precision IN ('region', 'country')")
    assert result.reports - result.placed == coarse + 3  # 3 points 1.3-2.3 km outside Syria's border
    agreement = adm1_agreement(store)
    assert agreement["unmatched_names"] == 0
    assert agreement["agreement_rate"] > 0.99
    assert agreement["compared"] == agreement["agree"] + agreement["disagree"]


def test_admin3_nests_in_admin2(store: Store, shared_data: Path) -> None:
    """Real data: the sub-district a report falls in belongs to the district it falls in."""
    import_file(store, get_format("ucdp-ged"), UCDP_CSV)
    ocha = shared_data / "ocha_cod_ab_syria"
    locate_admin(store, ocha / "syr_admin2.geojson")
    result = locate_admin(store, ocha / "syr_admin3.geojson")
    assert result.areas_loaded == 272
    nested = store.rows(
        "SELECT count(*) AS n, count(*) FILTER (WHERE a3.parent_pcode = r2.pcode) AS nested "
        "FROM report_admin r3 JOIN report_admin r2 ON r2.report_id = r3.report_id AND r2.level = 2 "
        "JOIN admin_area a3 ON a3.pcode = r3.pcode WHERE r3.level = 3"
    )[0]
    assert nested["n"] == result.placed and nested["nested"] == nested["n"]


@pytest.mark.parametrize(
    ("source", "ocha"),
    [("Rif Dimashq Governorate", "Rural Damascus"), ("Hamah Governorate", "Hama"),
     ("Al Hasakah Governorate", "Al-Hasakeh"), ("Daraa Governorate", "Dar'a"),
     ("Deir ez Zor Governorate", "Deir-ez-Zor"), ("Latakia Governorate", "Lattakia")],
)  # fmt: skip
def test_crosswalk_matches_ucdp_spellings(store: Store, source: str, ocha: str) -> None:
    locate_admin(store, ADMIN1)
    from harmtrace.locate.crosswalk import adm1_lookup

    lookup = adm1_lookup(store)
    assert lookup[normalise_name(source)] == lookup[normalise_name(ocha)]


@given(st.text(max_size=40))
def test_normalise_name_is_idempotent(name: str) -> None:
    once = normalise_name(name)
    assert normalise_name(once) == once
