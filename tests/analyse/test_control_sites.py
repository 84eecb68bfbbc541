"""Control areas, presence proxies, sites and targeting on real data (UCDP GED Syria, OCHA boundaries)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
import shapely

from harmtrace.analyse.control import ControlImport, Derivation, derive_presence, import_control
from harmtrace.analyse.distance import statuses
from harmtrace.analyse.incident_control import actor_ranges, choose_layer, distance_share
from harmtrace.analyse.incident_points import IncidentQuery, load_incidents
from harmtrace.analyse.sites import SiteQuery, import_sites, sites_report
from harmtrace.analyse.targeting import TargetingQuery, sample_in_polygon, targeting
from harmtrace.errors import QueryError
from harmtrace.ingest import get_format, import_file
from harmtrace.locate import locate_admin
from harmtrace.store import Store
from tests.conftest import TEST_DATA, UCDP_CSV


@pytest.fixture
def ucdp(store: Store) -> Store:
    import_file(store, get_format("ucdp-ged", None), UCDP_CSV, "UCDP")
    return store


def test_presence_proxy_contains_the_actors_own_events(ucdp: Store) -> None:
    result = derive_presence(ucdp, Derivation("IS", "UCDP", window_days=30, step_days=10, reach_km=2))
    assert result["proxy"] and result["areas"] > 50 and result["events_used"] > 4000
    layer = choose_layer(ucdp, "is", None)
    assert layer.proxy and layer.label == "IS (proxy)"
    pts = load_incidents(ucdp, IncidentQuery("IS"))
    rng = actor_ranges(layer, pts)
    used = pts.located & (pts.radius_m <= 25_000) & (pts.end - pts.start + 1 <= 30) & rng.covered
    # every event the proxy was built from lies inside the presence area of its own dates
    assert used.sum() == result["events_used"]
    assert (rng.near[used] == 0).all()
    words = statuses(rng, pts.x, pts.radius_m, pts.start, pts.end)
    assert set(words[used]) <= {"held", "possibly"}


def test_derive_again_replaces_and_says_when_nothing_matches(ucdp: Store) -> None:
    derive_presence(ucdp, Derivation("IS", "UCDP"))
    second = derive_presence(ucdp, Derivation("IS", "UCDP", step_days=30))
    assert ucdp.scalar("SELECT count(*) FROM control_area") == second["areas"]
    with pytest.raises(QueryError, match="No usable events of 'Nobody'"):
        derive_presence(ucdp, Derivation("Nobody"))


def test_control_import_quarantines_bad_features_and_knows_a_second_import(
    store: Store, tmp_path: Path
) -> None:
    features = [
        {"type": "Feature", "properties": {"holder": "SDF", "start": "2017-01-01", "end": "2017-06-30"},
         "geometry": json.loads(shapely.to_geojson(shapely.box(38.5, 35.8, 39.5, 36.6)))},
        {"type": "Feature", "properties": {"holder": "SDF", "start": "2017-07-01", "end": "2017-03-01"},
         "geometry": json.loads(shapely.to_geojson(shapely.box(38.5, 35.8, 39.5, 36.6)))},
        {"type": "Feature", "properties": {"holder": None, "start": "2017-01-01", "end": "2017-06-30"},
         "geometry": {"type": "Point", "coordinates": [38.0, 35.0]}},
    ]  # fmt: skip
    path = tmp_path / "sdf.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    options = ControlImport(actor_field="holder", from_field="start", to_field="end", source="test map")
    result = import_control(store, path, options)
    assert (result.rows_read, result.rows_accepted, result.rows_quarantined) == (3, 1, 2)
    quarantined = dict(store.con.execute(
        "SELECT row_number, reasons FROM quarantine WHERE batch_id = ?", [result.batch_id]
    ).fetchall())  # fmt: skip
    assert quarantined[2] == ["date_order: valid_to 2017-03-01 is before valid_from 2017-07-01"]
    assert any(r.startswith("actor_missing") for r in quarantined[3])
    assert any(r.startswith("geometry_type") for r in quarantined[3])
    assert (result.reasons["date_order"], result.reasons["actor_missing"]) == ((1, [2]), (1, [3]))
    assert import_control(store, path, options).already_imported


def test_control_import_reads_a_geopackage(store: Store, tmp_path: Path) -> None:
    import pyogrio

    path = tmp_path / "areas.gpkg"
    table = pa.table(
        {
            "holder": ["HTS", "HTS"],
            "geometry": shapely.to_wkb(
                [shapely.box(36.4, 35.7, 36.9, 36.2), shapely.box(36.5, 35.2, 36.8, 35.5)]
            ),
        }
    )
    pyogrio.write_arrow(table, path, geometry_name="geometry", geometry_type="Polygon", crs="EPSG:4326")
    result = import_control(store, path, ControlImport(None, date(2018, 1, 1), date(2018, 12, 31),
                                                       actor_field="holder"))  # fmt: skip
    assert (result.rows_accepted, result.breakdowns["areas_by_actor"]) == (2, {"HTS": 2})
    cover = store.rows("SELECT actor, valid_from, valid_to FROM control_coverage")
    assert cover == [{"actor": "HTS", "valid_from": date(2018, 1, 1), "valid_to": date(2018, 12, 31)}]


def test_distance_share_on_real_data(ucdp: Store, shared_data: Path) -> None:
    admin1 = shared_data / "ocha_cod_ab_syria" / "syr_admin1.geojson"
    import_control(ucdp, admin1, ControlImport("Government of Syria", date(2016, 1, 1), date(2019, 12, 31)))
    derive_presence(ucdp, Derivation("IS", "UCDP"))
    query = IncidentQuery("Government of Syria", date_from=date(2016, 1, 1), date_to=date(2016, 12, 31))
    wide, narrow = distance_share(ucdp, query, "IS", 0), distance_share(ucdp, query, "IS", 10)
    assert wide["certain"] == wide["possible"] == wide["incidents"]  # every incident is >= 0 km away
    assert 0 < narrow["certain"] <= narrow["possible"] <= narrow["incidents"]
    assert narrow["share_min"] == pytest.approx(narrow["certain"] / narrow["incidents"], abs=1e-4)
    assert set(narrow["ids"]["min"]) <= set(narrow["ids"]["max"])
    assert "PROXY" in narrow["notes"][0]
    # the whole country is the government's in this layer: nothing is 10 km from it inside Syria
    gov = distance_share(ucdp, query, "Government of Syria", 10)
    assert gov["certain"] == 0
    with pytest.raises(QueryError, match="no incident has been graded"):
        distance_share(ucdp, IncidentQuery("IS", grades=("fair",)), "IS", 10)


def test_sites_report_finds_strikes_repeats_and_double_taps(ucdp: Store) -> None:
    result = import_sites(ucdp, TEST_DATA / "sites_fixture.csv", "Hospital")
    assert (result.rows_accepted, result.rows_quarantined, result.what) == (4, 3, "hospital sites")
    # UCDP's "exact place" is a town's point (5 km): a site report over UCDP needs a radius beyond that
    query = SiteQuery("hospital", 6000.0, max_precision_m=5000.0)
    report = sites_report(ucdp, query, IncidentQuery(date_to=date(2016, 12, 31)))
    by_name = {s["name_en"]: s for s in report["per_site"]}
    assert set(by_name) == {
        "Fixture Hospital North",
        "Fixture Hospital South",
    }  # desert: none; closed: closed
    north = by_name["Fixture Hospital North"]
    assert north["repeat"] and north["strikes_possible"] >= north["strikes_certain"] > 10
    assert 0 < north["double_taps_certain"] <= north["double_taps_possible"] < north["strikes_possible"]
    assert all(s["date_start"] <= "2016-12-31" for s in north["strikes"])


def test_sample_in_polygon_is_inside_and_uniform(shared_data: Path) -> None:
    poly = shapely.from_geojson(
        json.dumps(
            json.loads((shared_data / "ocha_cod_ab_syria" / "syr_admin1.geojson").read_text())["features"][0][
                "geometry"
            ]
        )
    )
    shapely.prepare(poly)
    x, y = sample_in_polygon(poly, 20_000, np.random.default_rng(0))
    assert shapely.contains_xy(poly, x, y).all()
    centroid = shapely.centroid(poly)
    assert np.mean(x) == pytest.approx(centroid.x, abs=0.02) and np.mean(y) == pytest.approx(
        centroid.y, abs=0.02
    )


def test_targeting_is_reproducible_and_states_assumptions(ucdp: Store, shared_data: Path) -> None:
    locate_admin(ucdp, shared_data / "ocha_cod_ab_syria" / "syr_admin3.geojson", 3)
    import_sites(ucdp, TEST_DATA / "sites_fixture.csv", "hospital")
    tq = TargetingQuery("hospital", 6000.0, simulations=49, seed=5)  # UCDP town points: 5 km
    query = IncidentQuery(date_from=date(2016, 1, 1), date_to=date(2016, 6, 30))
    first, again = targeting(ucdp, tq, query), targeting(ucdp, tq, query)
    assert first == again
    assert first["observed"] > first["expected"] and first["p_value"] == pytest.approx(1 / 50)
    assert first["filters"]["admin_level"] == 3 and len(first["assumptions"]) >= 4
    assert first["precision_aware"]["certainly_within"] <= first["precision_aware"]["possibly_within"]
