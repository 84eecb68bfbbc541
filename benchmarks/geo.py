"""Speed and memory of control, distance and site proximity at scale, next to a naive GeoPandas baseline.

    python benchmarks/geo.py [--incidents 1000000] [--polygons 1000] [--sites 10000] [--seed 1]

Synthetic data over Syria (the bundled OCHA governorates' outline):

- control: monthly snapshots from 2016-01, each a Voronoi partition of Syria into 20 polygons (seeds
  drifting month to month) shared by 4 actors; --polygons in all (1,000 = 50 months x 20), each valid
  for its month;
- incidents: uniform in Syria's bounding box, start day uniform over the snapshots' months, date
  intervals of 1 day (70%), 2-7 days (20%) or up to a month (10%), precision radius 50 m to 25 km;
- sites: uniform in the bounding box, radius 50 m, 20% closed at a random day.

harmtrace (the full computation, in memory, on the same arrays): project; for every actor, the status
at every incident over its whole date interval and precision disc (held throughout / possibly / not
held / no data) and the distance range [nearest, farthest] to that actor's areas; the sites certainly
or possibly within 500 m of every incident precise to 2 km, with periods of operation.

Baseline (GeoPandas, same process, the usual recipe): project the points; per snapshot, the points
whose start day falls in it: `sjoin` (within) against the snapshot's polygons, and `sjoin_nearest` to
actor 0's polygons; then `sjoin_nearest(max_distance=500)` from the points to the sites. It ignores
precision, date intervals and periods.

Prints one table: step, rows, seconds, rows per second, and the step's peak memory above the memory
held before it (sampled every 5 ms from /proc/self/status), then the ratio harmtrace / baseline.
"""

from __future__ import annotations

import argparse
import json
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import shapely

from harmtrace.analyse.control import ActorAreas, merge_spans
from harmtrace.analyse.distance import build_timeline, distance_ranges, status_at
from harmtrace.analyse.geometry import CRS, day_of, geometries_to_metres, to_metres
from harmtrace.analyse.incident_points import IncidentPoints
from harmtrace.analyse.sites import SiteSet, match_sites

ROOT = Path(__file__).resolve().parents[1]
ACTORS = 4
PER_SNAPSHOT = 20
FIRST_DAY = day_of("2016-01-01")
RADII = np.array([50.0, 100.0, 1000.0, 2000.0, 5000.0, 25000.0])
RADIUS_WEIGHTS = np.array([0.35, 0.1, 0.15, 0.15, 0.15, 0.1])


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


class PeakSampler:
    """The highest RSS seen while a step runs, minus the RSS before it (MB)."""

    def __enter__(self) -> PeakSampler:
        self.base, self.peak, self._stop = rss_mb(), rss_mb(), threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self) -> None:
        while not self._stop.wait(0.005):
            self.peak = max(self.peak, rss_mb())

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, rss_mb())

    @property
    def extra(self) -> float:
        return self.peak - self.base


Rows = list[tuple[str, str, int, float, float]]


def timed(rows: Rows, who: str, step: str, count: int, work: Callable[[], Any]) -> Any:
    with PeakSampler() as mem:
        started = time.perf_counter()
        result = work()
        seconds = time.perf_counter() - started
    rows.append((who, step, count, seconds, mem.extra))
    return result


def syria() -> Any:
    data = json.loads((ROOT / "data" / "syr_admin1.geojson").read_text(encoding="utf-8"))
    return shapely.union_all([shapely.from_geojson(json.dumps(f["geometry"])) for f in data["features"]])


def control_snapshots(country: Any, polygons: int, rng: np.random.Generator) -> dict[str, Any]:
    """Monthly Voronoi partitions of the country: lon/lat polygons, actor, first and last day."""
    months = polygons // PER_SNAPSHOT
    minx, miny, maxx, maxy = country.bounds
    shapely.prepare(country)
    seeds = np.empty((0, 2))
    while len(seeds) < PER_SNAPSHOT:  # seeds inside the country, so that every cell keeps some of it
        more = np.column_stack([rng.uniform(minx, maxx, 64), rng.uniform(miny, maxy, 64)])
        seeds = np.vstack([seeds, more[shapely.contains_xy(country, more[:, 0], more[:, 1])]])[:PER_SNAPSHOT]
    geoms, actors, starts, ends = [], [], [], []
    for m in range(months):
        moved = seeds + rng.normal(0, 0.05, seeds.shape)  # front lines move a little each month
        stay = shapely.contains_xy(country, moved[:, 0], moved[:, 1])
        seeds = np.where(stay[:, None], moved, seeds)
        cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(seeds), extend_to=country))
        tree_seed, tree_cell = shapely.STRtree(cells).query(shapely.points(seeds), predicate="within")
        owner = np.empty(len(cells), dtype=int)
        owner[tree_cell] = tree_seed % ACTORS
        cells = shapely.intersection(cells, country)
        first = day_of(f"{2016 + m // 12}-{m % 12 + 1:02d}-01")
        last = day_of(f"{2016 + (m + 1) // 12}-{(m + 1) % 12 + 1:02d}-01") - 1
        geoms += list(cells)
        actors += owner.tolist()
        starts += [first] * len(cells)
        ends += [last] * len(cells)
    return {"geoms": np.array(geoms, dtype=object), "actor": np.array(actors), "start": np.array(starts),
            "end": np.array(ends)}  # fmt: skip


def incidents(n: int, country: Any, last_day: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    minx, miny, maxx, maxy = country.bounds
    start = rng.integers(FIRST_DAY, last_day + 1, n)
    kind = rng.random(n)
    length = np.where(kind < 0.7, 0, np.where(kind < 0.9, rng.integers(1, 7, n), rng.integers(7, 31, n)))
    radius = rng.choice(RADII, n, p=RADIUS_WEIGHTS)
    return {"lon": rng.uniform(minx, maxx, n), "lat": rng.uniform(miny, maxy, n), "start": start,
            "end": np.minimum(start + length, last_day), "radius_m": radius}  # fmt: skip


def sites(n: int, country: Any, last_day: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    minx, miny, maxx, maxy = country.bounds
    closed = rng.random(n) < 0.2
    open_to = np.where(closed, rng.integers(FIRST_DAY, last_day + 1, n), np.iinfo(np.int64).max)
    return {"lon": rng.uniform(minx, maxx, n), "lat": rng.uniform(miny, maxy, n),
            "open_to": open_to.astype(np.int64)}  # fmt: skip


def harmtrace_run(
    rows: Rows, ctl: dict[str, Any], inc: dict[str, np.ndarray], st: dict[str, np.ndarray]
) -> Any:
    n = len(inc["lon"])
    x, y = timed(
        rows, "harmtrace", "project points and polygons", n, lambda: to_metres(inc["lon"], inc["lat"])
    )
    geoms_m = geometries_to_metres(ctl["geoms"])
    pts = IncidentPoints(np.arange(n), x, y, inc["radius_m"], inc["start"], inc["end"], [])
    cover = merge_spans([(int(ctl["start"].min()), int(ctl["end"].max()))])
    layers = [ActorAreas(f"actor {a}", False, ctl["start"][ctl["actor"] == a], ctl["end"][ctl["actor"] == a],
                         geoms_m[ctl["actor"] == a], cover) for a in range(ACTORS)]  # fmt: skip

    def controller_and_distance() -> Any:
        words = [status_at(build_timeline(la), x, y, pts.radius_m, pts.start, pts.end) for la in layers]
        return words, distance_ranges(build_timeline(layers[0]), x, y, pts.radius_m, pts.start, pts.end)

    step = f"status of {ACTORS} actors + distance range to 1"
    result = timed(rows, "harmtrace", step, n, controller_and_distance)
    sx, sy = to_metres(st["lon"], st["lat"])
    site_set = SiteSet(np.arange(len(sx)), sx, sy, np.full(len(sx), 50.0),
                       np.full(len(sx), np.iinfo(np.int64).min), st["open_to"], [])  # fmt: skip
    matches = timed(rows, "harmtrace", "sites within 500 m (certain/possible)", n,
                    lambda: match_sites(pts, site_set, 500.0, 2000.0))  # fmt: skip
    return result, matches


def baseline_run(
    rows: Rows, ctl: dict[str, Any], inc: dict[str, np.ndarray], st: dict[str, np.ndarray]
) -> Any:
    import geopandas as gpd

    n = len(inc["lon"])
    lonlat = gpd.points_from_xy(inc["lon"], inc["lat"])
    points = timed(rows, "baseline", "project points (to_crs)", n, lambda: gpd.GeoDataFrame(
        {"start": inc["start"]}, geometry=lonlat, crs="EPSG:4326").to_crs(CRS))  # fmt: skip
    polys = gpd.GeoDataFrame({"actor": ctl["actor"], "start": ctl["start"], "end": ctl["end"]},
                             geometry=list(ctl["geoms"]), crs="EPSG:4326").to_crs(CRS)  # fmt: skip

    def per_date() -> int:
        found = 0
        for first, last in sorted(set(zip(ctl["start"].tolist(), ctl["end"].tolist(), strict=True))):
            here = points[(points["start"] >= first) & (points["start"] <= last)]
            snap = polys[(polys["start"] == first)]
            joined = gpd.sjoin(here, snap, predicate="within", how="left")
            nearest = gpd.sjoin_nearest(here, snap[snap["actor"] == 0], distance_col="distance_m")
            found += len(joined) + len(nearest)
        return found

    timed(rows, "baseline", "per-date sjoin + sjoin_nearest", n, per_date)
    site_frame = gpd.GeoDataFrame(geometry=gpd.points_from_xy(st["lon"], st["lat"]), crs="EPSG:4326").to_crs(
        CRS
    )
    timed(rows, "baseline", "sjoin_nearest to sites (500 m)", n,
          lambda: gpd.sjoin_nearest(points, site_frame, max_distance=500.0, distance_col="d"))  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--incidents", type=int, default=1_000_000)
    parser.add_argument("--polygons", type=int, default=1_000)
    parser.add_argument("--sites", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    country = syria()
    ctl = control_snapshots(country, args.polygons, rng)
    last = int(ctl["end"].max())
    inc, st = incidents(args.incidents, country, last, rng), sites(args.sites, country, last, rng)
    rows: Rows = []
    (result, matches) = harmtrace_run(rows, ctl, inc, st)
    baseline_run(rows, ctl, inc, st)
    report(rows, args, len(ctl["geoms"]), result, matches)


def report(rows: Rows, args: argparse.Namespace, polygons: int, result: Any, matches: Any) -> None:
    print(f"{args.incidents:,} incidents, {polygons:,} control polygons ({ACTORS} actors, monthly), "
          f"{args.sites:,} sites, seed {args.seed}")  # fmt: skip
    print(f"{'who':<10} {'step':<44} {'rows':>10} {'seconds':>8} {'rows/s':>11} {'peak +MB':>9}")
    for who, step, count, seconds, extra in rows:
        print(f"{who:<10} {step:<44} {count:>10,} {seconds:>8.2f} {count / seconds:>11,.0f} {extra:>9.0f}")
    ours = sum(r[3] for r in rows if r[0] == "harmtrace")
    base = sum(r[3] for r in rows if r[0] == "baseline")
    print(f"{'total':<10} {'harmtrace':<44} {'':>10} {ours:>8.2f}")
    print(f"{'total':<10} {'baseline':<44} {'':>10} {base:>8.2f}")
    print(f"ratio harmtrace / baseline: {ours / base:.2f}x (aim: at most 2x)")
    words, ranges = result
    kinds = ("held", "possibly", "not_held", "no_data")
    held: dict[str, Any] = {w: int((words[0] == w).sum()) for w in kinds}
    held["median nearest km"] = round(float(np.nanmedian(ranges.near)) / 1000, 1)
    print(
        f"actor 0 status counts: {held}; "
        f"site pairs: {len(matches.site):,} ({int(matches.certain.sum()):,} certain)"
    )


if __name__ == "__main__":
    main()
