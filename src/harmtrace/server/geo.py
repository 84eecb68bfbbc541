"""`/api/v1/geo`: the store's layers as GeoJSON (`application/geo+json`, RFC 7946) for a map.

- `incidents`: the served incidents with the incident list's filters, each at the point the role
  sees (the public's coarsened to the policy's grid), its properties through the policy;
- `control-areas`: areas of control (or of presence derived from events), optionally of one actor
  on one day;
- `sites`: protected sites (hospitals, schools, ...), their points coarsened for the public.

Each layer is paged: `next_cursor` (a foreign member of the FeatureCollection) gives the next page.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Final

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse

from harmtrace.publish.policy import COARSENED, FIELDS, Audience, Role, apply
from harmtrace.server.accounts import Principal
from harmtrace.server.auth import audience_of, require
from harmtrace.server.errors import ERROR_RESPONSES
from harmtrace.server.incidents import LIST_FIELDS, incident_after, incident_filters, incident_rows
from harmtrace.server.listing import chosen_fields, decode_cursor, keyset_page
from harmtrace.server.schemas_reads import FeatureCollection
from harmtrace.store import Store

MAX_FEATURES: Final = 50_000
POINT: Final = ("latitude", "longitude")
SITE_FIELDS: Final = tuple(FIELDS["site"])
# the control_area columns served (the export's `label` is made by the export, not stored)
AREA_FIELDS: Final = (
    "area_id",
    "actor",
    "valid_from",
    "valid_to",
    "source",
    "proxy",
    "batch_id",
    "derivation_id",
)


class GeoJSONResponse(JSONResponse):
    media_type = "application/geo+json"


# errors are JSON (the one error shape), not GeoJSON: documented as such beside the routes' GeoJSON
GEO_ERRORS: Final[dict[int | str, dict[str, Any]]] = {
    status: {
        "description": spec["description"],
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorResponse"}}},
    }
    for status, spec in ERROR_RESPONSES.items()
}
router = APIRouter(prefix="/geo", tags=["geo"], responses=GEO_ERRORS)
Limit = Annotated[int, Query(ge=1, le=MAX_FEATURES, description="Features in one page")]
Cursor = Annotated[str | None, Query(description="next_cursor of the page before")]


@router.get("/incidents", response_model=FeatureCollection, response_class=GeoJSONResponse)
def incident_layer(
    request: Request,
    who: Annotated[Principal, Depends(require(Role.PUBLIC))],
    date_from: Annotated[date | None, Query(alias="from", description="Incidents ending on or after")] = None,
    date_to: Annotated[date | None, Query(alias="to", description="Incidents starting on or before")] = None,
    perpetrator: Annotated[str | None, Query(description="An actor or any of its names")] = None,
    grade: Annotated[str | None, Query(description="Grades, comma-separated")] = None,
    governorate: Annotated[str | None, Query(description="A governorate's name or P-code")] = None,
    means: Annotated[str | None, Query(description="A means listed by a report")] = None,
    site_kind: Annotated[str | None, Query(description="A kind of site hit")] = None,
    bbox: Annotated[str | None, Query(description="min_lon,min_lat,max_lon,max_lat")] = None,
    fields: Annotated[
        str | None, Query(description="Properties of each incident, comma-separated (a map needs few)")
    ] = None,
    limit: Limit = 5000,
    cursor: Cursor = None,
) -> dict[str, Any]:
    """The incidents `/incidents` lists for the same filters, each a Point (null: not located)."""
    audience = audience_of(request, who)
    chosen = chosen_fields("incident", fields, LIST_FIELDS)
    read = list(dict.fromkeys(["incident_id", *chosen, *POINT, "radius_m"]))  # its id, point and radius
    where, params = incident_filters(
        audience, date_from, date_to, perpetrator, grade, governorate, means, site_kind, bbox
    )
    if cursor:
        after, after_params = incident_after(cursor)
        where.append(after)
        params += after_params
    with request.app.state.holder.reading() as store:
        rows = incident_rows(store, audience, read, where, params, limit + 1)
    rows, next_cursor = keyset_page(rows, limit, lambda r: [r.pop("_seq")])
    features = [_point_feature(r["incident_id"], apply("incident", r, audience), chosen) for r in rows]
    return _collection(features, next_cursor, audience.withheld("incident", chosen))


@router.get("/control-areas", response_model=FeatureCollection, response_class=GeoJSONResponse)
def control_area_layer(
    request: Request,
    who: Annotated[Principal, Depends(require(Role.PUBLIC))],
    actor: Annotated[str | None, Query(description="Only this actor's areas (any case)")] = None,
    day: Annotated[date | None, Query(description="Only areas valid on this day")] = None,
    limit: Limit = 5000,
    cursor: Cursor = None,
) -> dict[str, Any]:
    """Areas an actor controlled (or was present in: `proxy` true) over a period, as polygons."""
    audience = audience_of(request, who)
    after = _after_id(cursor)
    with request.app.state.holder.reading() as store:
        rows = store.rows(
            f"SELECT {', '.join(AREA_FIELDS)}, geometry_wkb FROM control_area WHERE area_id > ? "
            "AND (?::VARCHAR IS NULL OR lower(actor) = lower(?)) "
            "AND (?::DATE IS NULL OR ? BETWEEN valid_from AND valid_to) "
            f"ORDER BY area_id LIMIT {limit + 1}",
            [after, actor, actor, day, day],
        )
    rows, next_cursor = keyset_page(rows, limit, lambda r: [r["area_id"]])
    features = [_area_feature(r, audience) for r in rows]
    return _collection(features, next_cursor, audience.withheld("control_area", FIELDS["control_area"]))


@router.get("/sites", response_model=FeatureCollection, response_class=GeoJSONResponse)
def site_layer(
    request: Request,
    who: Annotated[Principal, Depends(require(Role.PUBLIC))],
    kind: Annotated[str | None, Query(description="Only sites of this kind (hospital, school, ...)")] = None,
    limit: Limit = 5000,
    cursor: Cursor = None,
) -> dict[str, Any]:
    """Protected sites as Points, each at the point the role sees (coarsened for the public)."""
    audience = audience_of(request, who)
    after = _after_id(cursor)
    with request.app.state.holder.reading() as store:
        rows = _sites(store, kind, after, limit + 1)
    rows, next_cursor = keyset_page(rows, limit, lambda r: [r["site_id"]])
    features = [_point_feature(r["site_id"], apply("site", r, audience)) for r in rows]
    return _collection(features, next_cursor, audience.withheld("site", SITE_FIELDS))


def _sites(store: Store, kind: str | None, after: int, limit: int) -> list[dict[str, Any]]:
    return store.rows(
        f"SELECT {', '.join(SITE_FIELDS)} FROM site WHERE site_id > ? "
        f"AND (?::VARCHAR IS NULL OR lower(kind) = lower(?)) ORDER BY site_id LIMIT {int(limit)}",
        [after, kind, kind],
    )


def _after_id(cursor: str | None) -> int:
    return int(decode_cursor(cursor, 1)[0] or 0) if cursor else -(2**62)


def _point_feature(feature_id: Any, shown: dict[str, Any], chosen: list[str] | None = None) -> dict[str, Any]:
    """A Point at `shown`'s latitude and longitude (as the policy left them), the rest (of `chosen`, when
    given) its properties."""
    lat, lon = shown.get("latitude"), shown.get("longitude")
    geometry = None if lat is None or lon is None else {"type": "Point", "coordinates": [lon, lat]}
    properties = {k: v for k, v in shown.items() if k not in POINT and (chosen is None or k in chosen)}
    return {"type": "Feature", "id": feature_id, "geometry": geometry, "properties": properties}


def _area_feature(row: dict[str, Any], audience: Audience) -> dict[str, Any]:
    from shapely import wkb
    from shapely.geometry import mapping

    from harmtrace.publish.control_export import coarsen_geometry

    wkb_bytes = bytes(row.pop("geometry_wkb"))
    shown = apply("control_area", row | {"geometry": None}, audience)
    shape = wkb.loads(wkb_bytes)
    if audience.treatment("control_area", "geometry") == COARSENED:
        # a presence area is drawn as discs around an actor's events: its exact outline gives their points
        shape = coarsen_geometry(shape, audience.grid_m)
    geometry = mapping(shape) if "geometry" in shown and not shape.is_empty else None
    properties = {k: v for k, v in shown.items() if k != "geometry"}
    return {"type": "Feature", "id": row["area_id"], "geometry": geometry, "properties": properties}


def _collection(
    features: list[dict[str, Any]], next_cursor: str | None, withheld: list[str]
) -> dict[str, Any]:
    return {
        "type": "FeatureCollection",
        "features": features,
        "next_cursor": next_cursor,
        "withheld": withheld,
    }
