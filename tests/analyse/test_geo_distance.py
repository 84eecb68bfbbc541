"""Distance ranges and control statuses: against pyproj.Geod, and on hand-made layers with known answers."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import Geod

from harmtrace.analyse.control import ActorAreas, merge_spans
from harmtrace.analyse.distance import build_timeline, distance_ranges, status_at, statuses
from harmtrace.analyse.geometry import UNKNOWN_DAY, day_of, geometries_to_metres, to_metres

GEOD = Geod(ellps="WGS84")
# the stated tolerance: UTM 37N distances within 0.15% (+1 m) of the geodesic ones inside Syria
REL_TOL, ABS_TOL_M = 0.0015, 1.0

lon_s = st.floats(35.7, 42.3)
lat_s = st.floats(32.4, 37.3)


@settings(max_examples=200, deadline=None)
@given(lon_s, lat_s, lon_s, lat_s)
def test_projected_distance_matches_geodesic(lon1: float, lat1: float, lon2: float, lat2: float) -> None:
    x, y = to_metres(np.array([lon1, lon2]), np.array([lat1, lat2]))
    planar = float(np.hypot(x[1] - x[0], y[1] - y[0]))
    _, _, geodesic = GEOD.inv(lon1, lat1, lon2, lat2)
    assert planar == pytest.approx(geodesic, rel=REL_TOL, abs=ABS_TOL_M)


def _layer(polygons_lonlat: list[shapely.Polygon], spans: list[tuple[str, str]], cover: tuple[str, str],
           proxy: bool = False) -> ActorAreas:  # fmt: skip
    starts = np.array([day_of(a) for a, _ in spans], dtype=np.int64)
    ends = np.array([day_of(b) for _, b in spans], dtype=np.int64)
    geoms = geometries_to_metres(np.array(polygons_lonlat, dtype=object))
    coverage = merge_spans([(day_of(cover[0]), day_of(cover[1]))])
    return ActorAreas("X", proxy, starts, ends, geoms, coverage)


def _incidents(
    points: list[tuple[float, float]], radius_m: list[float], dates: list[tuple[str, str]]
) -> tuple:
    x, y = to_metres(np.array([p[0] for p in points]), np.array([p[1] for p in points]))
    start = np.array([day_of(a) if a else UNKNOWN_DAY for a, _ in dates], dtype=np.int64)
    end = np.array([day_of(b) if b else UNKNOWN_DAY for _, b in dates], dtype=np.int64)
    return x, y, np.array(radius_m, dtype=float), start, end


SQUARE = shapely.box(38.0, 35.0, 38.5, 35.4)  # about 45 km by 45 km, east of Hama


def test_distance_to_a_corner_matches_geodesic_and_precision_widens_it() -> None:
    # a point south-west of the square: its nearest point is the corner (38.0, 35.0)
    layer = _layer([SQUARE], [("2016-01-01", "2016-12-31")], ("2016-01-01", "2016-12-31"))
    x, y, r, s, e = _incidents(
        [(37.8, 34.85), (37.8, 34.85)], [0.0, 5000.0], [("2016-03-01", "2016-03-01")] * 2
    )
    rng = distance_ranges(build_timeline(layer), x, y, r, s, e)
    _, _, geodesic = GEOD.inv(37.8, 34.85, 38.0, 35.0)
    assert rng.near[0] == pytest.approx(geodesic, rel=REL_TOL, abs=ABS_TOL_M)
    assert rng.far[0] == pytest.approx(rng.near[0])
    assert rng.near[1] == pytest.approx(rng.near[0] - 5000.0)
    assert rng.far[1] == pytest.approx(rng.near[0] + 5000.0)


def test_inside_depth_gives_the_farthest_bound() -> None:
    layer = _layer([SQUARE], [("2016-01-01", "2016-12-31")], ("2016-01-01", "2016-12-31"))
    # 38.25, 35.2 is the centre: over 20 km from every edge
    x, y, r, s, e = _incidents([(38.25, 35.2)] * 2, [1000.0, 30000.0], [("2016-05-01", "2016-05-02")] * 2)
    rng = distance_ranges(build_timeline(layer), x, y, r, s, e)
    depth = float(
        shapely.distance(shapely.boundary(geometries_to_metres(SQUARE)), shapely.points(x[0], y[0]))
    )
    assert rng.near.tolist() == [0.0, 0.0]
    assert rng.far[0] == 0.0  # the whole 1 km disc is inside
    assert rng.far[1] == pytest.approx(30000.0 - depth)
    assert statuses(rng, x, r, s, e).tolist() == ["held", "possibly"]


def test_date_interval_spanning_two_snapshots_takes_both() -> None:
    east = shapely.box(40.0, 35.0, 40.5, 35.4)
    layer = _layer(
        [SQUARE, east],
        [("2016-01-01", "2016-01-31"), ("2016-02-01", "2016-02-29")],
        ("2016-01-01", "2016-02-29"),
    )
    x, y, r, s, e = _incidents(
        [(38.25, 35.2)] * 3, [0.0] * 3,
        [("2016-01-20", "2016-01-25"), ("2016-01-25", "2016-02-05"), ("2016-02-10", "2016-02-10")],
    )  # fmt: skip
    rng = distance_ranges(build_timeline(layer), x, y, r, s, e)
    to_east = float(shapely.distance(geometries_to_metres(east), shapely.points(x[0], y[0])))
    assert rng.near.tolist() == pytest.approx([0.0, 0.0, to_east])
    assert rng.far.tolist() == pytest.approx([0.0, to_east, to_east])
    assert statuses(rng, x, r, s, e).tolist() == ["held", "possibly", "not_held"]


def test_gaps_no_data_and_unknowns() -> None:
    # areas only in January, but the layer describes January to March: February and March held nothing
    layer = _layer([SQUARE], [("2016-01-01", "2016-01-31")], ("2016-01-01", "2016-03-31"))
    x, y, r, s, e = _incidents(
        [(38.25, 35.2), (38.25, 35.2), (38.25, 35.2), (38.25, 35.2), (38.25, 35.2)],
        [0.0, 0.0, 0.0, float("nan"), 0.0],
        [("2016-01-30", "2016-02-02"), ("2016-03-30", "2016-04-02"), ("2016-05-01", "2016-05-01"),
         ("2016-01-05", "2016-01-05"), (None, "2016-01-05")],
    )  # fmt: skip
    rng = distance_ranges(build_timeline(layer), x, y, r, s, e)
    assert rng.near[0] == 0.0 and np.isinf(rng.far[0])  # held in January, nothing in February
    assert np.isinf(rng.near[1]) and np.isnan(rng.far[1])  # partly outside the described days
    assert statuses(rng, x, r, s, e).tolist() == [
        "possibly", "no_data", "no_data", "unknown_precision", "date_unknown",
    ]  # fmt: skip


def test_overlapping_areas_are_one_union() -> None:
    # two halves that together make the square: the centre line is no boundary
    west, east = shapely.box(38.0, 35.0, 38.25, 35.4), shapely.box(38.25, 35.0, 38.5, 35.4)
    layer = _layer([west, east], [("2016-01-01", "2016-12-31")] * 2, ("2016-01-01", "2016-12-31"))
    x, y, r, s, e = _incidents([(38.25, 35.2)], [5000.0], [("2016-06-01", "2016-06-01")])
    rng = distance_ranges(build_timeline(layer), x, y, r, s, e)
    assert rng.far[0] == 0.0


def test_status_without_distances_agrees_with_the_ranges() -> None:
    rng = np.random.default_rng(3)
    parts = [
        shapely.box(38.0, 35.0, 38.3, 35.4),
        shapely.box(38.2, 35.3, 38.6, 35.6),
        shapely.box(39.0, 35.0, 39.2, 35.2),
    ]
    spans = [("2016-01-01", "2016-01-31"), ("2016-01-15", "2016-02-29"), ("2016-02-01", "2016-03-31")]
    layer = _layer(parts, spans, ("2016-01-01", "2016-04-30"))
    n = 3000
    x, y = to_metres(rng.uniform(37.7, 39.5, n), rng.uniform(34.8, 35.8, n))
    r = rng.choice([50.0, 2000.0, 25000.0, np.nan], n, p=[0.4, 0.3, 0.25, 0.05])
    start = day_of("2016-01-01") + rng.integers(0, 130, n)
    end = start + rng.choice([0, 3, 20], n)
    tl = build_timeline(layer)
    expected = statuses(distance_ranges(tl, x, y, r, start, end), x, r, start, end)
    assert (status_at(tl, x, y, r, start, end) == expected).all()
    assert {"held", "possibly", "not_held", "no_data", "unknown_precision"} <= set(expected)
