"""Control at incidents: who held each incident's location on its date, and `stats distance`.

`distance_share` answers "what share of P's incidents fell at least D km from X's areas" as a range:

- minimum: incidents *certainly* at least D km away (nearest possible distance >= D);
- maximum: incidents *possibly* at least D km away (farthest possible distance >= D, which includes
  days on which X held no area at all);

both over the incidents whose distance range is complete. Left out, with their ids: incidents without
a point, with unknown location precision, with an unknown date, or with a day outside X's control data
(`harmtrace.analyse.distance` defines the ranges). Linked incidents count once; reports not linked
into incidents count as their own incidents, so before `harmtrace link incidents` one event told by two
sources counts twice.
"""

from __future__ import annotations

from typing import Any, Final

import numpy as np

from harmtrace.analyse.control import PROXY_LABEL, ActorAreas, load_actor_areas
from harmtrace.analyse.distance import (
    Ranges,
    build_timeline,
    distance_ranges,
    status_at,
    status_text,
    statuses,
)
from harmtrace.analyse.geometry import CRS, UNKNOWN_DAY, date_of
from harmtrace.analyse.incident_points import IncidentPoints, IncidentQuery, load_incidents
from harmtrace.errors import QueryError, param
from harmtrace.locate.precision import radii
from harmtrace.store import Store

DEFINITIONS: Final = {
    "min": "Incidents certainly at least D km from the actor's areas: even the nearest possible place "
    "and day of the incident (its precision radius, its date interval) is that far.",
    "max": "Incidents possibly at least D km away: the farthest possible place and day is that far "
    "(or the actor held no area on one of its possible days).",
}


def choose_layer(store: Store, actor: str, proxy: bool | None) -> ActorAreas:
    """The actor's imported layer, else its proxy; `proxy` True/False asks for one of them."""
    layers = load_actor_areas(store, actor)
    wanted = [la for la in layers if proxy is None or la.proxy == proxy]
    if not wanted:
        kind = "derived (proxy)" if proxy else "imported"
        raise QueryError(f"{actor!r} has no {kind} control areas; drop {param('proxy')} to use what exists.")
    return sorted(wanted, key=lambda la: la.proxy)[0]


def actor_ranges(layer: ActorAreas, pts: IncidentPoints) -> Ranges:
    return distance_ranges(build_timeline(layer), pts.x, pts.y, pts.radius_m, pts.start, pts.end)


def layer_statuses(layer: ActorAreas, pts: IncidentPoints) -> np.ndarray:
    return status_at(build_timeline(layer), pts.x, pts.y, pts.radius_m, pts.start, pts.end)


def distance_share(
    store: Store, query: IncidentQuery, actor: str, km: float, proxy: bool | None = None
) -> dict[str, Any]:
    """The share of the selected incidents at least `km` from `actor`'s areas, as a range (module doc)."""
    if km < 0:
        raise QueryError(f"{param('km')} must be 0 or more, got {km}.")
    layer = choose_layer(store, actor, proxy)
    pts = load_incidents(store, query)
    rng = actor_ranges(layer, pts)
    status = statuses(rng, pts.x, pts.radius_m, pts.start, pts.end)
    counted = rng.covered
    certain, possible = counted & (rng.near >= km * 1000), counted & (rng.far >= km * 1000)
    n = int(counted.sum())
    excluded = {"partly_outside_window": pts.excluded["partly_outside_window"]}
    for word in ("no_point", "unknown_precision", "date_unknown", "no_data"):
        excluded[_EXCLUDED[word]] = [str(i) for i in pts.ids[~counted & (status == word)]]
    excluded["no_control_data_for_the_date"] += [str(i) for i in pts.ids[~counted & (status == "possibly")]]
    return {
        "filters": query.as_dict() | {"actor": layer.actor, "proxy": layer.proxy, "km": km},
        "window": query.window,
        "actor_label": layer.label,
        "incidents": n,
        "certain": int(certain.sum()),
        "possible": int(possible.sum()),
        "share_min": round(float(certain.sum()) / n, 4) if n else None,
        "share_max": round(float(possible.sum()) / n, 4) if n else None,
        "ids": {"min": [str(i) for i in pts.ids[certain]], "max": [str(i) for i in pts.ids[possible]]},
        "excluded": {k: {"incidents": len(v), "ids": v} for k, v in excluded.items()},
        "definitions": DEFINITIONS,
        "notes": notes(layer, query),
    }


_EXCLUDED: Final = {
    "no_point": "no_point",
    "unknown_precision": "unknown_precision",
    "date_unknown": "date_unknown",
    "no_data": "no_control_data_for_the_date",
}


def notes(layer: ActorAreas, query: IncidentQuery) -> list[str]:
    """Caveats every distance figure carries."""
    used = {k: v for k, v in radii(query.radii).items() if v is not None}
    out = [
        f"Distances in {CRS} (UTM 37N) metres: within 0.1% of geodesic distances inside Syria.",
        "Precision radii used (m): " + ", ".join(f"{k} {v:g}" for k, v in used.items()) + ".",
        "Reports not linked into incidents count as their own incidents (one event told twice counts twice "
        "until harmtrace link incidents has run).",
    ]
    if layer.proxy:
        out.insert(0, f"{layer.actor}'s areas are a PROXY: {PROXY_LABEL}.")
    return out


def incident_control(
    store: Store, query: IncidentQuery, actor: str | None = None, limit: int | None = None
) -> dict[str, Any]:
    """For each selected incident: every actor's status there and, with `actor`, the distance range."""
    layers = load_actor_areas(store)
    if not layers:
        raise QueryError("No control areas in the store: harmtrace control import --help")
    pts = load_incidents(store, query)
    words = {la.label: layer_statuses(la, pts) for la in layers}
    target = actor_ranges(choose_layer(store, actor, None), pts) if actor else None
    shown = range(len(pts.ids) if limit is None else min(limit, len(pts.ids)))
    rows = [_incident_row(i, pts, layers, words, target) for i in shown]
    return {
        "filters": query.as_dict() | {"actor": actor},
        "window": query.window,
        "incidents": len(pts.ids),
        "shown": len(rows),
        "rows": rows,
        "layers": [{"actor": la.actor, "proxy": la.proxy} for la in layers],
        "status_words": sorted({str(w) for v in words.values() for w in v}),
        "notes": _layer_notes(layers, query),
    }


def _layer_notes(layers: list[ActorAreas], query: IncidentQuery) -> list[str]:
    """One proxy warning per proxy layer, then the notes every distance figure carries."""
    proxies = [f"{la.actor}'s areas are a PROXY: {PROXY_LABEL}." for la in layers if la.proxy]
    return proxies + notes(layers[0], query)[-3:]


def _incident_row(
    i: int, pts: IncidentPoints, layers: list[ActorAreas], words: dict[str, np.ndarray], target: Ranges | None
) -> dict[str, Any]:
    said = [
        status_text(str(words[la.label][i]), la)
        for la in layers
        if words[la.label][i] in ("held", "possibly")
    ]
    if not said:
        said = sorted({status_text(str(words[la.label][i]), la) for la in layers})
    row: dict[str, Any] = {
        "incident_id": str(pts.ids[i]),
        "date_start": None if pts.start[i] == UNKNOWN_DAY else date_of(int(pts.start[i])),
        "date_end": None if pts.end[i] == UNKNOWN_DAY else date_of(int(pts.end[i])),
        "radius_m": None if np.isnan(pts.radius_m[i]) else float(pts.radius_m[i]),
        "held": "; ".join(said),
        "status": {la.label: str(words[la.label][i]) for la in layers},
    }
    if target is not None:
        row["distance_km_min"] = _km(target.near[i])
        row["distance_km_max"] = _km(target.far[i])
    return row


def _km(metres: float) -> float | str | None:
    if np.isnan(metres):
        return None
    return "inf" if np.isinf(metres) else round(float(metres) / 1000, 3)
