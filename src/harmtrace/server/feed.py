"""The change and deletions feeds partners mirror the data by (ACLED's practice): when each served
incident was first seen, last changed and, once no longer served, deleted and by what replaced.

`refresh` compares every served incident (`harmtrace.server.served`) with the store's `feed_state`
by a hash of the incident as the public sees it (its public fields, the coarsened point, small counts
suppressed), so a change no public reader could see does not mark the incident changed:

- an incident not in `feed_state` is new: first seen and updated now;
- an incident whose hash differs was updated now; one deleted before and served again comes back
  (updated now, its deletion cleared);
- an incident in `feed_state` no longer served is deleted now, replaced by the incident it was merged
  into (`incident.retired_into`, followed to the end of its chain) or, for a report that stood alone
  (``report:<id>``), by the incident it joined.

All of it is set-based SQL: a refresh of 500,000 incidents takes seconds. Times are UTC.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict

from harmtrace.publish.policy import COARSENED, FIELDS, HIDDEN, SUPPRESSED, Audience, Role, apply
from harmtrace.server import served
from harmtrace.server.accounts import Principal
from harmtrace.server.auth import audience_of, require
from harmtrace.server.errors import ERROR_RESPONSES, ApiError
from harmtrace.server.incidents import FEED_FIELDS, LIST_FIELDS
from harmtrace.server.listing import chosen_fields, decode_cursor, keyset_page
from harmtrace.server.schemas import Incident
from harmtrace.store import Store
from harmtrace.store.relations import MAX_HOPS
from harmtrace.store.sql import lit

COORDINATES = ("latitude", "longitude", "radius_m")
MAX_LIMIT = 1000
router = APIRouter(tags=["feeds"], responses=ERROR_RESPONSES)


def now() -> datetime:
    """The feeds' clock: UTC, without a zone (as the store keeps times)."""
    return datetime.now(UTC).replace(tzinfo=None)


def refresh(store: Store, public: Audience, ids: Sequence[str] | None = None) -> dict[str, int]:
    """Bring `feed_state` up to date with the served incidents (only `ids`, when given: no deletions
    are looked for then); the numbers of new, updated and deleted incidents. Run it in a transaction."""
    at = now()
    # the ids written into the statements: the served table's index and feed_state's key find them
    listed = f"IN ({', '.join(map(lit, ids)) or 'NULL'})" if ids is not None else "IS NOT NULL"
    store.con.execute(
        f"CREATE OR REPLACE TEMP TABLE feed_now AS SELECT incident_id, {content_hash_sql(store, public)} "
        f"AS content_sha256 FROM {served.TABLE} WHERE incident_id {listed}"
    )
    counts = {
        "new": _count(store, NEW_SQL.format(listed=listed), [at, at]),
        "updated": _count(store, CHANGED_SQL.format(listed=listed), [at]),
    }
    counts["deleted"] = 0 if ids is not None else _delete_gone(store, at)
    store.con.execute("DROP TABLE feed_now")
    return counts


# {listed}: what feed_state's incident_id is (IS NOT NULL: any; or IN the ids refreshed)
NEW_SQL = """INSERT INTO feed_state SELECT incident_id, content_sha256, ?, ?, NULL, NULL
    FROM feed_now ANTI JOIN (SELECT incident_id FROM feed_state WHERE incident_id {listed})
    USING (incident_id)"""
# changed as the public sees it, or served again after a deletion
CHANGED_SQL = """UPDATE feed_state f
    SET content_sha256 = n.content_sha256, updated_at = ?, deleted_at = NULL, replaced_by = NULL
    FROM feed_now n WHERE f.incident_id = n.incident_id AND f.incident_id {listed}
    AND (f.content_sha256 <> n.content_sha256 OR f.deleted_at IS NOT NULL)"""


def _count(store: Store, sql: str, params: list[object]) -> int:
    found = store.con.execute(sql, params).fetchone()
    return int(found[0]) if found else 0


def _delete_gone(store: Store, at: datetime) -> int:
    """Mark deleted the incidents of `feed_state` no longer served, with what replaced each."""
    return _count(
        store,
        f"""UPDATE feed_state f SET deleted_at = ?, replaced_by = g.replaced_by
        FROM ({_replacements_sql()}) g WHERE f.incident_id = g.incident_id""",
        [at],
    )


def _replacements_sql() -> str:
    """(incident_id, replaced_by) of every incident the feed lists as served that is served no more."""
    return f"""
    WITH RECURSIVE gone AS (
        SELECT f.incident_id FROM feed_state f ANTI JOIN feed_now n USING (incident_id)
        WHERE f.deleted_at IS NULL
    ),
    chain(incident_id, current_id, hops) AS (
        SELECT incident_id, incident_id, 0 FROM gone
        UNION ALL
        SELECT c.incident_id, i.retired_into, c.hops + 1 FROM chain c
        JOIN incident i ON i.incident_id = c.current_id
        WHERE i.retired_into IS NOT NULL AND c.hops < {MAX_HOPS}
    ),
    last AS (SELECT incident_id, arg_max(current_id, hops) AS current_id FROM chain GROUP BY incident_id)
    SELECT l.incident_id, CASE WHEN l.current_id LIKE 'report:%' THEN m.incident_id
                               WHEN l.current_id <> l.incident_id THEN l.current_id END AS replaced_by
    FROM last l LEFT JOIN incident_member m
      ON l.current_id LIKE 'report:%' AND m.report_id = TRY_CAST(l.current_id[8:] AS BIGINT)"""


def content_hash_sql(store: Store, public: Audience) -> str:
    """SQL of the hash of a served row's public content: the fields the public sees, as it sees them."""
    columns = [r["column_name"] for r in store.rows(
        "SELECT column_name FROM duckdb_columns() WHERE database_name = ? AND table_name = ? "
        "ORDER BY column_index", [served.SERVED, served.TABLE.split(".")[1]]
    )]  # fmt: skip
    parts = []
    for column in columns:
        if column not in FIELDS["incident"] or column in FEED_FIELDS:  # the feed's own times
            continue
        how = public.treatment("incident", column)
        if how == HIDDEN:
            continue
        expr = column
        if how == COARSENED and column in COORDINATES:
            expr = f"public_{column}"
        elif how == SUPPRESSED:
            k = public.min_cell
            expr = (
                f"CASE WHEN {column} > 0 AND {column} < {k} THEN '< {k}' ELSE CAST({column} AS VARCHAR) END"
            )
        parts.append(f"{column} := {expr}")
    return f"sha256(CAST(struct_pack({', '.join(parts)}) AS VARCHAR))"


def utc(moment: datetime | None, where: str) -> datetime | None:
    """`moment` in UTC without a zone, as the store keeps times (a time without a zone is UTC)."""
    if moment is None or moment.tzinfo is None:
        return moment
    try:
        return moment.astimezone(UTC).replace(tzinfo=None)
    except (OverflowError, ValueError):
        raise ApiError(
            400, f"{where} is out of range: give a time such as 2024-05-01T00:00:00Z.", where
        ) from None


def _zoned(moment: datetime | None) -> datetime | None:
    return None if moment is None else moment.replace(tzinfo=UTC)


class UpdatesPage(BaseModel):
    """Incidents changed after `since`, in the order they changed: `next_cursor` for the next page
    (null: the last); take the last `updated_at` as the next `since`."""

    data: list[Incident]
    limit: int
    next_cursor: str | None
    withheld: list[str]


class Deletion(BaseModel):
    model_config = ConfigDict(extra="forbid")

    incident_id: str | None = None
    deleted_at: datetime | None = None
    replaced_by: str | None = None


class DeletionsPage(BaseModel):
    """Incidents no longer served, deleted after `since`: `replaced_by` is the incident that holds
    their reports now, when they were merged into one (null: none)."""

    data: list[Deletion]
    limit: int
    next_cursor: str | None


Since = Annotated[datetime | None, Query(description="Only after this time (ISO 8601; UTC without a zone)")]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]
Cursor = Annotated[str | None, Query(description="next_cursor of the page before")]


@router.get("/updates", response_model=UpdatesPage, response_model_exclude_unset=True)
def updates(
    request: Request,
    who: Annotated[Principal, Depends(require(Role.PUBLIC))],
    since: Since = None,
    fields: Annotated[str | None, Query(description="Fields of each incident, comma-separated")] = None,
    limit: Limit = 100,
    cursor: Cursor = None,
) -> dict[str, Any]:
    """The change feed: incidents first seen or changed (as the public sees them) after `since`,
    ordered by (updated_at, incident_id); every incident when `since` is left out."""
    audience = audience_of(request, who)
    chosen = chosen_fields("incident", fields, LIST_FIELDS)
    public = audience.treatment("incident", "latitude") != "shown"
    columns = [f"s.public_{c} AS {c}" if public and c in COORDINATES else f"s.{c}" if c not in
               FEED_FIELDS else f"f.{c}" for c in chosen]  # fmt: skip
    where, params = _window("f.updated_at", "f.incident_id", utc(since, "since"), cursor)
    with request.app.state.holder.reading() as store:
        rows = store.rows(
            f"SELECT {', '.join(columns)}, f.updated_at AS _at, f.incident_id AS _id FROM feed_state f "
            f"JOIN {served.TABLE} s USING (incident_id) WHERE f.deleted_at IS NULL {where} "
            f"ORDER BY f.updated_at, f.incident_id LIMIT {int(limit) + 1}",
            params,
        )
    page, next_cursor = _paged(rows, limit)
    for row in page:
        row.update({k: _zoned(row[k]) for k in FEED_FIELDS if k in row})
    data = [apply("incident", r, audience) for r in page]
    withheld = audience.withheld("incident", chosen)
    return {"data": data, "limit": limit, "next_cursor": next_cursor, "withheld": withheld}


@router.get("/deletions", response_model=DeletionsPage, response_model_exclude_unset=True)
def deletions(
    request: Request,
    who: Annotated[Principal, Depends(require(Role.PUBLIC))],
    since: Since = None,
    limit: Limit = 100,
    cursor: Cursor = None,
) -> dict[str, Any]:
    """The deletions feed: incidents no longer served, deleted after `since`, in the order they went."""
    audience = audience_of(request, who)
    where, params = _window("deleted_at", "incident_id", utc(since, "since"), cursor)
    with request.app.state.holder.reading() as store:
        rows = store.rows(
            "SELECT incident_id, deleted_at, replaced_by, deleted_at AS _at, incident_id AS _id "
            f"FROM feed_state WHERE deleted_at IS NOT NULL {where} ORDER BY deleted_at, incident_id "
            f"LIMIT {int(limit) + 1}",
            params,
        )
    page, next_cursor = _paged(rows, limit)
    data = [apply("deletion", r | {"deleted_at": _zoned(r["deleted_at"])}, audience) for r in page]
    return {"data": data, "limit": limit, "next_cursor": next_cursor}


def _window(at: str, key: str, since: datetime | None, cursor: str | None) -> tuple[str, list[Any]]:
    """SQL conditions (each after AND) for rows after `since` and after the cursor's row."""
    where, params = "", list[Any]()
    if since is not None:
        where += f" AND {at} > ?"
        params.append(since)
    if cursor:
        last_at, last_key = decode_cursor(cursor, 2)
        try:
            last = datetime.fromisoformat(str(last_at))
        except ValueError:
            raise ApiError(400, "The cursor is not one this API gave: pass next_cursor from the page "
                           "before, or leave it out for the first page.", "cursor") from None  # fmt: skip
        where += f" AND ({at} > ? OR ({at} = ? AND {key} > ?))"
        params += [last, last, str(last_key)]
    return where, params


def _paged(rows: list[dict[str, Any]], limit: int) -> tuple[list[dict[str, Any]], str | None]:
    """The page's rows (without their keys) and the cursor after the last when more follow."""
    return keyset_page(rows, limit, lambda r: [r.pop("_at").isoformat(), r.pop("_id")])
