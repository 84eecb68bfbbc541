"""Who held an incident's location on its date, and how far it was from an actor's areas, as ranges.

An incident happened on one day of its date interval T = [start, end] at one point of its disc D (its
point, radius = its precision radius). For an actor X, A_t is the union of X's areas valid on day t.

Distance range to X's areas, in metres:

- nearest possible = max(0, min over t in T of d(p, A_t) - r): the closest any possible place and day
  could be (0 when the disc touches an area on some day);
- farthest possible = max over t in T of: d(p, A_t) + r when p is outside A_t; max(0, r - h) when p is
  inside A_t at depth h (distance to A_t's boundary). This is exact for a convex A_t and an upper bound
  otherwise (never too small); it is infinite when X held no area on some day of T.

The range is complete only when every day of T lies in X's coverage (the days its layer describes,
see `harmtrace.analyse.control`); otherwise the incident has "no control data for the date".

Status of X at an incident (`STATUS_TEXT`):

- ``held``: every day of T is covered and on every day the whole disc lies in X's areas ("held by X
  throughout"; for a proxy layer "X present throughout (proxy)");
- ``possibly``: on some covered day the disc touches one of X's areas;
- ``not_held``: every day covered and the disc touches none of X's areas on any day;
- ``no_data``: some day of T is outside X's coverage and the covered days show nothing;
- ``no_point``, ``unknown_precision``, ``date_unknown``: the incident cannot be placed in space or time.

The computation cuts X's timeline at every day an area or the coverage starts or ends: between two cuts
the set of valid areas is constant. Each incident is paired with the pieces its T overlaps; for each
piece, one prepared point-in-polygon test and one nearest-boundary query (STRtree over boundary
segments) give d and h for all its incidents at once (shapely 2, vectorised).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np
import shapely

from harmtrace.analyse.control import ActorAreas

STATUS_TEXT: Final = {
    "held": "held by {actor} throughout",
    "possibly": "possibly held by {actor}",
    "not_held": "not held by {actor}",
    "no_data": "no control data for {actor} on the date",
    "no_point": "no point",
    "unknown_precision": "unknown location precision",
    "date_unknown": "date unknown",
}
PROXY_STATUS_TEXT: Final = {
    "held": "{actor} present throughout (proxy)",
    "possibly": "{actor} possibly present (proxy)",
    "not_held": "{actor} not present (proxy)",
}
SEGMENT_VERTICES: Final = 16


@dataclass
class Timeline:
    """An actor's layer cut into pieces [starts[j], ends[j]] (day numbers, inside its coverage) with
    the union of the areas valid throughout each piece (None: the actor held nothing)."""

    layer: ActorAreas
    starts: np.ndarray
    ends: np.ndarray
    unions: list[Any]
    _trees: dict[int, shapely.STRtree] = field(default_factory=dict)

    def tree(self, j: int) -> shapely.STRtree:
        """An STRtree over the boundary segments of piece j's union (built once)."""
        if j not in self._trees:
            self._trees[j] = shapely.STRtree(boundary_segments(self.unions[j]))
        return self._trees[j]

    def boundary_distance(self, j: int, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Distance in metres from each point to the boundary of piece j's union."""
        (found, _), dist = self.tree(j).query_nearest(
            shapely.points(x, y), return_distance=True, all_matches=False
        )
        out = np.full(len(x), np.inf)
        out[found] = dist
        return out


def build_timeline(layer: ActorAreas) -> Timeline:
    """Cut the layer at every start and end (of areas and of coverage); keep the covered pieces."""
    cuts = np.unique(
        np.concatenate([layer.starts, layer.ends + 1, layer.coverage[:, 0], layer.coverage[:, 1] + 1])
    )
    starts, ends = cuts[:-1], cuts[1:] - 1
    keep = within_spans(layer.coverage, starts, ends)
    starts, ends = starts[keep], ends[keep]
    unions = []
    for a, b in zip(starts.tolist(), ends.tolist(), strict=True):
        valid = (layer.starts <= a) & (layer.ends >= b)
        union = shapely.union_all(layer.geoms[valid]) if valid.any() else None
        if union is not None:
            shapely.prepare(union)
        unions.append(union)
    return Timeline(layer, starts, ends, unions)


def within_spans(spans: np.ndarray, start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """Does each [start, end] lie inside one of the sorted disjoint `spans` ((k, 2) day intervals)?

    >>> within_spans(np.array([[1, 9], [12, 20]]), np.array([2, 8, 12]), np.array([9, 12, 12])).tolist()
    [True, False, True]
    """
    if not len(spans):
        return np.zeros(len(start), dtype=bool)
    k = np.minimum(np.searchsorted(spans[:, 1], start, "left"), len(spans) - 1)
    return np.asarray((spans[k, 0] <= start) & (start <= spans[k, 1]) & (end <= spans[k, 1]))


def boundary_segments(geom: Any) -> np.ndarray:
    """The boundary of a (multi)polygon as short linestrings of at most SEGMENT_VERTICES vertices, so
    an STRtree over them finds the nearest boundary point quickly."""
    pieces = []
    for ring in shapely.get_parts(shapely.boundary(geom)):
        coords = shapely.get_coordinates(ring)
        for i in range(0, len(coords) - 1, SEGMENT_VERTICES - 1):
            pieces.append(coords[i : i + SEGMENT_VERTICES])
    return np.array([shapely.linestrings(p) for p in pieces], dtype=object)


@dataclass
class Ranges:
    """Per incident: nearest and farthest possible distance in metres (NaN where not computed, inf
    where the actor held no area), whether all (covered) or some (touched) of its days are covered."""

    near: np.ndarray
    far: np.ndarray
    covered: np.ndarray
    touched: np.ndarray


def _pairs(tl: Timeline, ok: np.ndarray, start: np.ndarray, end: np.ndarray) -> tuple[np.ndarray, ...]:
    """Every (incident, piece) pair whose days overlap: incident and piece indices, and per incident its
    first pair and number of pairs (pairs are grouped by incident, in order)."""
    lo = np.searchsorted(tl.ends, start, "left")
    count = np.where(ok, np.maximum(np.searchsorted(tl.starts, end, "right") - lo, 0), 0)
    inc = np.repeat(np.arange(len(start)), count)
    first = np.cumsum(count) - count
    piece = np.repeat(lo, count) + np.arange(len(inc)) - np.repeat(first, count)
    return inc, piece, first, count


def _placeable(x: np.ndarray, r: np.ndarray, start: np.ndarray, end: np.ndarray) -> np.ndarray:
    unknown = np.iinfo(np.int64).min
    return np.asarray(~np.isnan(x) & ~np.isnan(r) & (start > unknown) & (end > unknown))


def distance_ranges(
    tl: Timeline, x: np.ndarray, y: np.ndarray, r: np.ndarray, start: np.ndarray, end: np.ndarray
) -> Ranges:
    """The distance range of each incident (points in metres, r in metres, days) to the layer's areas."""
    ok = _placeable(x, r, start, end)
    inc, piece, first, count = _pairs(tl, ok, start, end)
    near_pair, far_pair = _pair_distances(tl, piece, x[inc], y[inc], r[inc])
    near, far = np.full(len(x), np.nan), np.full(len(x), np.nan)
    has = count > 0
    if has.any():
        near[has] = np.maximum(0.0, np.minimum.reduceat(near_pair, first[has]) - r[has])
        far[has] = np.maximum.reduceat(far_pair, first[has])
    covered = ok & within_spans(tl.layer.coverage, start, end)
    return Ranges(near, np.where(covered, far, np.nan), covered, has)


def status_at(
    tl: Timeline, x: np.ndarray, y: np.ndarray, r: np.ndarray, start: np.ndarray, end: np.ndarray
) -> np.ndarray:
    """The actor's status at each incident, as `statuses` gives it, without computing distances.

    For each (incident, piece): the point-in-polygon test, and whether the area's boundary lies within
    r of the point (an STRtree `dwithin` query, bounded by each incident's own radius, much cheaper
    than a nearest search). A disc exactly touching the boundary from inside counts as "possibly".
    """
    ok = _placeable(x, r, start, end)
    inc, piece, first, count = _pairs(tl, ok, start, end)
    touches, fully_in = np.zeros(len(inc), dtype=bool), np.zeros(len(inc), dtype=bool)
    order = np.argsort(piece, kind="stable")
    pieces, begins = np.unique(piece[order], return_index=True)
    for j, idx in zip(pieces.tolist(), np.split(order, begins[1:]), strict=True):
        if tl.unions[j] is None:
            continue
        px, py = x[inc[idx]], y[inc[idx]]
        inside = shapely.contains_xy(tl.unions[j], px, py)
        edge = np.zeros(len(idx), dtype=bool)
        found, _ = tl.tree(j).query(shapely.points(px, py), predicate="dwithin", distance=r[inc[idx]])
        edge[found] = True
        touches[idx], fully_in[idx] = inside | edge, inside & ~edge
    has = count > 0
    near, far = np.full(len(x), np.nan), np.full(len(x), np.nan)
    if has.any():
        near[has] = np.where(np.logical_or.reduceat(touches, first[has]), 0.0, np.inf)
        far[has] = np.where(np.logical_and.reduceat(fully_in, first[has]), 0.0, np.inf)
    covered = ok & within_spans(tl.layer.coverage, start, end)
    return statuses(Ranges(near, np.where(covered, far, np.nan), covered, has), x, r, start, end)


def _pair_distances(
    tl: Timeline, piece: np.ndarray, x: np.ndarray, y: np.ndarray, r: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """d(p, A_j) and the farthest bound for every (incident, piece) pair, piece by piece."""
    near, far = np.full(len(piece), np.inf), np.full(len(piece), np.inf)
    order = np.argsort(piece, kind="stable")
    pieces, begins = np.unique(piece[order], return_index=True)
    for j, idx in zip(pieces.tolist(), np.split(order, begins[1:]), strict=True):
        union = tl.unions[j]
        if union is None:
            continue  # the actor held nothing then: infinitely far
        inside = shapely.contains_xy(union, x[idx], y[idx])
        to_edge = tl.boundary_distance(j, x[idx], y[idx])
        near[idx] = np.where(inside, 0.0, to_edge)
        far[idx] = np.where(inside, np.maximum(0.0, r[idx] - to_edge), to_edge + r[idx])
    return near, far


def statuses(rng: Ranges, x: np.ndarray, r: np.ndarray, start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """The status word of the actor at each incident (see the module doc)."""
    unknown = np.iinfo(np.int64).min
    out = np.full(len(x), "no_data", dtype=object)
    out[rng.covered & (rng.near > 0)] = "not_held"
    out[rng.touched & (rng.near == 0)] = "possibly"
    out[rng.covered & (rng.near == 0) & (rng.far == 0)] = "held"
    out[(start == unknown) | (end == unknown)] = "date_unknown"
    out[np.isnan(r)] = "unknown_precision"
    out[np.isnan(x)] = "no_point"
    return out


def status_text(status: str, layer: ActorAreas) -> str:
    """The status in words, e.g. "held by IS throughout" or "IS possibly present (proxy)"."""
    texts = PROXY_STATUS_TEXT if layer.proxy else {}
    return texts.get(status, STATUS_TEXT[status]).format(actor=layer.actor)
