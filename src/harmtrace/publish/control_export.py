"""Control areas out of the store: one GeoJSON feature per area (WGS84 lon/lat), proxies labelled.

Properties: ``area_id``, ``actor``, ``valid_from`` and ``valid_to`` (days held, both inclusive),
``source``, ``proxy`` and ``label`` (`harmtrace.analyse.control.PROXY_LABEL` for presence derived from
events), ``batch_id`` or ``derivation_id`` (where the area came from). Which of them a file holds is the
publication policy's (`harmtrace.publish.policy`, entity "control_area") for the export's `Audience`.

A presence area is drawn as discs around the actor's own events, so its outline gives their points:
below the role that sees points exactly, every outline is snapped to the audience's grid
(`coarsen_geometry`), as incident points are.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any, Final

import shapely

from harmtrace.analyse.control import PROXY_LABEL
from harmtrace.errors import InputError
from harmtrace.files import write_json
from harmtrace.publish.export_policy import (
    PUBLIC,
    PolicySummary,
    columns_of,
    log_export,
    policed_sql,
    summary,
)
from harmtrace.publish.policy import COARSENED, METRES_PER_DEGREE, Audience
from harmtrace.results import Export
from harmtrace.store import Store
from harmtrace.store.sql import lit

ENTITY: Final = "control_area"  # its columns' classes in `harmtrace.publish.policy.FIELDS`
FORMATS: Final = ("geojson",)


class ControlExport(PolicySummary):
    path: str
    format: str
    rows: int
    proxies: int


def export_sql() -> str:
    """Every control area with every column (before the policy), the geometry as WKB, by area id."""
    return (
        "SELECT area_id, actor, valid_from, valid_to, source, proxy, batch_id, derivation_id, "
        f"CASE WHEN proxy THEN {lit(PROXY_LABEL)} ELSE 'control area' END AS label, "
        "geometry_wkb AS geometry FROM control_area ORDER BY area_id"
    )


def export_control(
    store: Store, path: Path | str, fmt: str = "geojson", audience: Audience = PUBLIC
) -> Export:
    """Write every control area to `path` as a GeoJSON FeatureCollection, atomically, as `audience`
    may see it (the public by default: outlines on its grid, no batch or derivation ids)."""
    if fmt not in FORMATS:
        raise InputError(f"Format {fmt!r} is not one of {', '.join(FORMATS)}.")
    path = Path(path)
    inner = export_sql()
    columns = columns_of(store, inner)
    audited = log_export(store, ENTITY, columns, audience, path)
    coarse = audience.treatment(ENTITY, "geometry") == COARSENED
    features = [_feature(r, audience.grid_m if coarse else None) for r in store.rows(
        policed_sql(ENTITY, inner, columns, audience)
    )]  # fmt: skip
    write_json({"type": "FeatureCollection", "features": features}, path)
    done: ControlExport = {
        "path": str(path),
        "format": fmt,
        "rows": len(features),
        "proxies": int(store.scalar("SELECT count_if(proxy) FROM control_area") or 0),
        **summary(ENTITY, columns, audience, audited),
    }
    return Export(data=done, path=path, format=fmt, rows=len(features))


def _feature(row: dict[str, Any], grid_m: float | None) -> dict[str, Any]:
    shape = shapely.from_wkb(bytes(row.pop("geometry")))
    if grid_m is not None:
        shape = coarsen_geometry(shape, grid_m)
    geometry = None if shape.is_empty else json.loads(shapely.to_geojson(shape))
    props = {k: (v.isoformat() if isinstance(v, date) else v) for k, v in row.items()}
    return {"type": "Feature", "properties": props, "geometry": geometry}


def coarsen_geometry(shape: shapely.Geometry, grid_m: float) -> shapely.Geometry:
    """`shape` (lon/lat) with every vertex snapped to the `grid_m` grid of `policy.coarsen_point`
    (square in degrees of latitude): an area narrower than a cell may vanish (empty).

    >>> step = 5000 / METRES_PER_DEGREE
    >>> snapped = coarsen_geometry(shapely.Point(37.1343, 36.2021).buffer(0.1), 5000).exterior.coords
    >>> all(abs(v / step - round(v / step)) < 1e-9 for point in snapped for v in point)
    True
    """
    return shapely.set_precision(shape, grid_size=grid_m / METRES_PER_DEGREE)
