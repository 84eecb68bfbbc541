"""`/api/v1/incidents`: the incident list (filters, keyset paging, field selection) and one incident
with its reports, documents, sources, grade and reasons, decisions and history, each through the
publication policy for the role asking."""

from __future__ import annotations

from datetime import UTC, date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request

from harmtrace.actors import actor_key
from harmtrace.model import GRADES, NOT_ALLEGED
from harmtrace.publish.policy import FIELDS, Audience, Role, apply
from harmtrace.server import audit, served
from harmtrace.server.accounts import Principal
from harmtrace.server.auth import audience_of, require
from harmtrace.server.cache import cache_of
from harmtrace.server.errors import ERROR_RESPONSES, ApiError
from harmtrace.server.listing import chosen_fields, csv_values, decode_cursor, keyset_page
from harmtrace.server.schemas import IncidentDetail, IncidentPage
from harmtrace.store import Store
from harmtrace.store.sql import lit

router = APIRouter(tags=["incidents"], responses=ERROR_RESPONSES)
AFTER = "seq > ?"  # the incidents after a cursor
BY_ID_UP_TO = 1001  # a filtered page up to this long is found first, then read by id (`incident_rows`)
GRADE_FILTER = "list_contains(?, grade)"  # the grade filter: the only one a write (a grade decision) moves
LIST_FIELDS = tuple(FIELDS["incident"])
FEED_FIELDS = ("updated_at", "first_seen")  # from the change feed's state (`harmtrace.server.feed`)
MAX_LIMIT = 1000


@router.get("/incidents", response_model=IncidentPage, response_model_exclude_unset=True)
def list_incidents(
    request: Request,
    who: Annotated[Principal, Depends(require(Role.PUBLIC))],
    date_from: Annotated[
        date | None, Query(alias="from", description="Incidents ending on or after this day")
    ] = None,
    date_to: Annotated[
        date | None, Query(alias="to", description="Incidents starting on or before this day")
    ] = None,
    perpetrator: Annotated[
        str | None, Query(description="An actor or any of its names (Russian warplanes = Russia)")
    ] = None,
    grade: Annotated[
        str | None, Query(description=f"Grades, comma-separated: {', '.join((*GRADES, NOT_ALLEGED))}")
    ] = None,
    governorate: Annotated[str | None, Query(description="A governorate's name or P-code (SY02)")] = None,
    means: Annotated[
        str | None, Query(description="A means listed by a report (airstrike, shelling, ...)")
    ] = None,
    site_kind: Annotated[str | None, Query(description="A kind of site hit (hospital, school, ...)")] = None,
    bbox: Annotated[
        str | None, Query(description="min_lon,min_lat,max_lon,max_lat (the points the role sees)")
    ] = None,
    fields: Annotated[str | None, Query(description="Fields of each incident, comma-separated")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 100,
    cursor: Annotated[str | None, Query(description="next_cursor of the page before")] = None,
) -> dict[str, Any]:
    """Incidents matching the filters, by date then id, one page at a time (`next_cursor`), as the role sees
    them: the public gets points coarsened to the server's grid and its bounding box reads those points.
    """
    audience = audience_of(request, who)
    chosen = chosen_fields("incident", fields, LIST_FIELDS)
    where, params = incident_filters(
        audience, date_from, date_to, perpetrator, grade, governorate, means, site_kind, bbox
    )
    total_where, total_params = list(where), list(params)
    if cursor:
        after, after_params = incident_after(cursor)
        where.append(after)
        params += after_params
    holder = request.app.state.holder
    with holder.reading() as store:
        rows = incident_rows(store, audience, chosen, where, params, limit + 1)
        total = _total(request, store, total_where, total_params)
    rows, next_cursor = keyset_page(rows, limit, lambda r: [r.pop("_seq")])
    page = [apply("incident", r, audience) for r in rows]
    return {
        "data": page,
        "total": total,
        "limit": limit,
        "next_cursor": next_cursor,
        "withheld": audience.withheld("incident", chosen),
    }


def _where(conditions: list[str]) -> str:
    return "WHERE " + " AND ".join(f"({c})" for c in conditions) if conditions else ""


def _total(request: Request, store: Store, where: list[str], params: list[Any]) -> int:
    """How many served incidents match, counted once per filter (every page asks) and, when it filters by
    grade, once per grades' generation: a grade decision changes no other column of the served table."""
    graded = GRADE_FILTER in where
    key = (
        "incident count",
        tuple(where),
        repr(params),
        request.app.state.holder.grades_generation if graded else None,
    )
    sql = f"SELECT count(*) FROM {served.TABLE} {_where(where)}"
    return int(cache_of(request.app).get(key, lambda: {"total": store.scalar(sql, params)})["total"])


def incident_after(cursor: str) -> tuple[str, list[Any]]:
    """The condition (and its parameters) of the incidents after `cursor`, in the lists' order."""
    last = decode_cursor(cursor, 1)[0]
    if not isinstance(last, int):
        raise ApiError(400, "The cursor is not one this API gave: pass next_cursor from the page before, "
                       "or leave it out for the first page.", "cursor")  # fmt: skip
    return AFTER, [last]


def incident_rows(store: Store, audience: Audience, chosen: list[str], where: list[str], params: list[Any],
                  limit: int) -> list[dict[str, Any]]:  # fmt: skip
    """Served incidents matching `where`, in the lists' order, with the point `audience` sees (and _seq,
    their place in that order). No sort: the table is in that order (`served.build`). A filter that
    matches few rows would make DuckDB read every column of the table to find them: the rows are found
    first, then read by id (the served table's index), 33 ms -> 10 ms for a rare grade at 1M reports."""
    public = audience.treatment("incident", "latitude") != "shown"
    columns = [f"public_{c} AS {c}" if public and c in ("latitude", "longitude", "radius_m") else c
               for c in chosen]  # fmt: skip
    select = f"SELECT {', '.join(columns)}, seq AS _seq FROM {served.TABLE}"
    if limit > BY_ID_UP_TO or all(condition == AFTER for condition in where):  # read in one go
        rows = store.rows(f"{select} {_where(where)} LIMIT {int(limit)}", params)
    else:  # filtered: find the rows reading the filters' columns only, then read those rows by id
        found = store.rows(
            f"SELECT incident_id FROM {served.TABLE} {_where(where)} LIMIT {int(limit)}", params
        )
        if not found:
            return []
        listed = ", ".join(lit(r["incident_id"]) for r in found)
        rows = store.rows(f"{select} WHERE incident_id IN ({listed}) ORDER BY seq")
    for row in rows:  # the store keeps UTC without a zone
        row.update({c: row[c] and row[c].replace(tzinfo=UTC) for c in FEED_FIELDS if c in row})
    return rows


def incident_filters(audience: Audience, date_from: date | None, date_to: date | None,
                     perpetrator: str | None, grade: str | None, governorate: str | None, means: str | None,
                     site_kind: str | None, bbox: str | None) -> tuple[list[str], list[Any]]:  # fmt: skip
    """The conditions (and parameters) on the served incidents of the incident lists' filters."""
    where: list[str] = []
    params: list[Any] = []
    if date_from and date_to and date_from > date_to:
        raise ApiError(400, f"from ({date_from}) is after to ({date_to}).", "from")
    if date_from:
        where.append("coalesce(date_end, date_start) >= ?")
        params.append(date_from)
    if date_to:
        where.append("date_start <= ?")
        params.append(date_to)
    if perpetrator:
        where.append("list_contains(key_actors, ?) OR list_contains(key_perpetrators, ?) OR "
                     "list_contains(actors, (SELECT any_value(actor) FROM assessment_actor "
                     "WHERE alias_key = ?))")  # fmt: skip
        params += [perpetrator.strip().lower(), perpetrator.strip().lower(), actor_key(perpetrator)]
    grades = csv_values(grade, "grade")
    unknown = [g for g in grades if g.lower() not in (*GRADES, NOT_ALLEGED)]
    if unknown:
        raise ApiError(
            400, f"Grade {unknown[0]!r} is not one of {', '.join((*GRADES, NOT_ALLEGED))}.", "grade"
        )
    if grades:
        where.append(GRADE_FILTER)
        params.append([g.lower() for g in grades])
    for column, value in (("key_places", governorate), ("key_means", means), ("key_site_kinds", site_kind)):
        if value:
            where.append(f"list_contains({column}, ?)")
            params.append(value.strip().lower())
    if bbox:
        where_box, box = _bbox(bbox, audience)
        where.append(where_box)
        params += box
    return where, params


def _bbox(text: str, audience: Audience) -> tuple[str, list[float]]:
    try:
        box = [float(v) for v in text.split(",")]
    except ValueError:
        box = []
    if len(box) != 4 or not (-180 <= box[0] <= box[2] <= 180 and -90 <= box[1] <= box[3] <= 90):
        raise ApiError(
            400, "bbox is min_lon,min_lat,max_lon,max_lat in degrees, e.g. 36.9,36.1,37.3,36.3.", "bbox"
        )
    prefix = "" if audience.treatment("incident", "latitude") == "shown" else "public_"
    return (f"{prefix}longitude BETWEEN ? AND ? AND {prefix}latitude BETWEEN ? AND ?",
            [box[0], box[2], box[1], box[3]])  # fmt: skip


@router.get("/incidents/{incident_id}", response_model=IncidentDetail, response_model_exclude_unset=True)
def one_incident(
    request: Request, incident_id: str, who: Annotated[Principal, Depends(require(Role.PUBLIC))]
) -> dict[str, Any]:
    """One incident (any id it went by) with its reports, documents, sources, grade and reasons,
    attribution, links, citations, declared strikes nearby, decisions and history, as the role sees them.
    """
    from harmtrace.server.detail import incident_detail

    audience = audience_of(request, who)
    holder = request.app.state.holder
    with holder.reading() as store:
        found, audited = incident_detail(store, incident_id, audience)
    entries = [audit.entry(who, "read", entity, ids, fields) for entity, (ids, fields) in audited.items()]
    if entries:  # one commit for the incident's parts
        audit.reads_of(holder).record(entries)
    return found
