"""Were sites of a kind struck more often than chance? Observed strikes near sites against a null model.

Statistic: the number of strikes whose point lies within R metres of a site of the kind that was
operating on a possible day of the strike (its date interval overlaps the site's period).

Null model: each strike is moved to a uniformly random point of the administrative area it fell in
(the finest level loaded with `harmtrace locate admin`), keeping its date; the statistic is computed
again, `simulations` times (seeded: the same seed gives the same answer).

- expected = the mean of the simulated statistics; ratio = observed / expected;
- the ratio's 95% interval divides the observed count by the 97.5% and 2.5% quantiles of the
  simulated statistics (how far chance alone moves the denominator);
- p-value (one-sided, chance produces at least as many): (1 + #simulations >= observed) / (1 + N);
  the interval is unbounded above (null) when the 2.5% quantile is 0.

Only strikes at least as precise as `max_precision_m` (default: R) take part: a strike known to within
25 km cannot be said to be within 500 m of anything. The precision-aware counts (certainly / possibly
within R, see `harmtrace.analyse.sites`) are reported beside the statistic. `ASSUMPTIONS` is printed
with every result.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Final

import numpy as np
import shapely
from scipy.spatial import cKDTree

from harmtrace.analyse.geometry import geometries_to_metres
from harmtrace.analyse.incident_points import IncidentPoints, IncidentQuery, load_incidents
from harmtrace.analyse.sites import SiteSet, load_sites, match_sites
from harmtrace.errors import QueryError, param
from harmtrace.store import Store

NEIGHBOURS: Final = 8
ASSUMPTIONS: Final = (
    "Under the null, a strike is equally likely anywhere in its administrative area: population, roads "
    "and built-up land are ignored. Sites and strikes both cluster in towns, so the null expects too "
    "few strikes near sites and the ratio is biased upward: a ratio near 1-2 is not evidence of "
    "targeting; use the finest admin level (sub-districts) to reduce this bias.",
    "Each strike keeps its date, so sites' periods of operation apply as observed.",
    "Strikes are treated as independent: a repeated or unlinked duplicate strike counts again.",
    "The site list is taken as complete and correctly placed; missing sites lower the observed count.",
    "Sources place many strikes at a town's centre point (UCDP where_prec 1 is 'exact' for a town): a "
    "site near a town centre then collects every such strike. Look at the strikes behind the count "
    "(harmtrace sites report) before reading the ratio.",
)


@dataclass(frozen=True)
class TargetingQuery:
    kind: str
    radius_m: float = 500.0
    simulations: int = 499
    seed: int = 1
    max_precision_m: float | None = None
    level: int | None = None

    def __post_init__(self) -> None:
        if self.radius_m <= 0 or self.simulations < 19:
            raise QueryError(
                f"{param('radius_m')} must be positive and {param('simulations')} at least 19 "
                "(for a 5% p-value)."
            )

    @property
    def cap_m(self) -> float:
        return self.radius_m if self.max_precision_m is None else self.max_precision_m


def targeting(store: Store, tq: TargetingQuery, query: IncidentQuery) -> dict[str, Any]:
    """Observed vs expected strikes within R of the kind's sites (module doc), JSON-ready."""
    sites, pts = load_sites(store, tq.kind), load_incidents(store, query)
    level, _codes, polys = _admin_polygons(store, tq.level)
    usable = pts.located & pts.dated & (pts.radius_m <= tq.cap_m)
    area = np.full(len(pts.ids), -1)
    area[usable] = _area_of(polys, pts.x[usable], pts.y[usable])
    used = usable & (area >= 0)
    if not used.any():
        raise QueryError(
            "No strike is precise enough, dated and inside an admin area: check the filters, "
            f"{param('max_precision_m')} and harmtrace locate admin."
        )
    tree = cKDTree(np.column_stack([sites.x, sites.y]))
    hits = _near_operating(tree, sites, pts.x[used], pts.y[used], pts.start[used], pts.end[used], tq.radius_m)
    null = _simulate(tq, tree, sites, polys, area[used], pts.start[used], pts.end[used])
    return _result(tq, query, pts, used, usable, int(hits.sum()), null, sites, level) | {
        "precision_aware": _precision_aware(pts, used, sites, tq.radius_m),
    }


def _admin_polygons(store: Store, level: int | None) -> tuple[int, list[str], np.ndarray]:
    found = store.scalar("SELECT max(level) FROM admin_area") if level is None else level
    rows = store.rows("SELECT pcode, geometry_wkb FROM admin_area WHERE level = ? ORDER BY pcode", [found])
    if not rows:
        raise QueryError(
            "No administrative areas loaded: harmtrace locate admin syr_admin3.geojson --level 3"
        )
    polys = geometries_to_metres(shapely.from_wkb([bytes(r["geometry_wkb"]) for r in rows]))
    shapely.prepare(polys)
    return int(found), [r["pcode"] for r in rows], polys


def _area_of(polys: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Index of the polygon containing each point (the lowest on shared boundaries), -1 for none."""
    (point, poly) = shapely.STRtree(polys).query(shapely.points(x, y), predicate="intersects")
    out = np.full(len(x), -1)
    order = np.lexsort((-poly, point))  # per point, the lowest polygon index is written last and wins
    out[point[order]] = poly[order]
    return out


def _near_operating(
    tree: cKDTree,
    sites: SiteSet,
    x: np.ndarray,
    y: np.ndarray,
    start: np.ndarray,
    end: np.ndarray,
    radius_m: float,
) -> np.ndarray:
    """Is each point within radius_m of a site operating on a possible day (the 8 nearest checked)?"""
    k = min(NEIGHBOURS, len(sites.ids))
    dist, idx = tree.query(np.column_stack([x, y]), k=k, distance_upper_bound=radius_m)
    dist, idx = dist.reshape(len(x), k), idx.reshape(len(x), k)
    near = np.isfinite(dist)
    safe = np.where(near, idx, 0)
    operating = (end[:, None] >= sites.open_from[safe]) & (start[:, None] <= sites.open_to[safe])
    return np.asarray((near & operating).any(axis=1))


def _simulate(
    tq: TargetingQuery,
    tree: cKDTree,
    sites: SiteSet,
    polys: np.ndarray,
    area: np.ndarray,
    start: np.ndarray,
    end: np.ndarray,
) -> np.ndarray:
    """The statistic under the null, once per simulation (area by area, all simulations at once)."""
    rng = np.random.default_rng(tq.seed)
    counts = np.zeros(tq.simulations, dtype=np.int64)
    for a in np.unique(area).tolist():
        idx = np.flatnonzero(area == a)
        x, y = sample_in_polygon(polys[a], tq.simulations * len(idx), rng)
        hit = _near_operating(
            tree,
            sites,
            x,
            y,
            np.tile(start[idx], tq.simulations),
            np.tile(end[idx], tq.simulations),
            tq.radius_m,
        )
        counts += hit.reshape(tq.simulations, len(idx)).sum(axis=1)
    return counts


def sample_in_polygon(poly: Any, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """`n` points uniformly distributed in a (prepared) polygon, by rejection from its bounding box."""
    minx, miny, maxx, maxy = shapely.bounds(poly)
    share = max(shapely.area(poly) / max((maxx - minx) * (maxy - miny), 1e-9), 0.01)
    xs, ys, have = [], [], 0
    while have < n:
        m = int((n - have) / share * 1.2) + 16
        x, y = rng.uniform(minx, maxx, m), rng.uniform(miny, maxy, m)
        ok = shapely.contains_xy(poly, x, y)
        xs.append(x[ok])
        ys.append(y[ok])
        have += int(ok.sum())
    return np.concatenate(xs)[:n], np.concatenate(ys)[:n]


def _precision_aware(
    pts: IncidentPoints, used: np.ndarray, sites: SiteSet, radius_m: float
) -> dict[str, int]:
    sub = IncidentPoints(
        pts.ids[used], pts.x[used], pts.y[used], pts.radius_m[used], pts.start[used], pts.end[used], []
    )
    m = match_sites(sub, sites, radius_m, float(sub.radius_m.max()))
    return {
        "certainly_within": len(np.unique(m.incident[m.certain])),
        "possibly_within": len(np.unique(m.incident)),
    }


def _result(
    tq: TargetingQuery,
    query: IncidentQuery,
    pts: IncidentPoints,
    used: np.ndarray,
    usable: np.ndarray,
    observed: int,
    null: np.ndarray,
    sites: SiteSet,
    level: int,
) -> dict[str, Any]:
    expected = float(null.mean())
    lo, hi = np.quantile(null, [0.025, 0.975])
    located = pts.located & pts.dated
    return {
        "filters": query.as_dict() | asdict(tq) | {"max_precision_m": tq.cap_m, "admin_level": level},
        "window": query.window,
        "sites": len(sites.ids),
        "strikes": int(used.sum()),
        "observed": observed,
        "expected": round(expected, 3),
        "ratio": round(observed / expected, 3) if expected else None,
        "ratio_interval_95": [
            round(observed / hi, 3) if hi else None,
            round(observed / lo, 3) if lo else None,
        ],
        "p_value": round(float((1 + (null >= observed).sum()) / (1 + len(null))), 5),
        "null_quantiles": {"2.5%": float(lo), "50%": float(np.median(null)), "97.5%": float(hi)},
        "excluded": {
            "not_located_or_dated": int((~located).sum()),
            "less_precise_than_max_precision": int((located & ~usable).sum()),
            "outside_admin_areas": int((usable & ~used).sum()),
            "partly_outside_window": len(pts.excluded["partly_outside_window"]),
        },
        "assumptions": list(ASSUMPTIONS),
    }
