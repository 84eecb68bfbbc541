"""`/api/v1/sources`, `/batches` and `/quarantine`: where the store's records came from, each import
of a file (a batch) with what it read, accepted and set aside, and the rows and fields set aside.

File names and mappings are internal (the team's roles see them, the public does not); a quarantined
row as received may hold anything, so its raw text is for the analyst role and above, and every read of
it is audited.
"""

from __future__ import annotations

from typing import Annotated, Any, Final

from fastapi import APIRouter, Depends, Query, Request

from harmtrace.publish.policy import FIELDS, HIDDEN, Role, apply
from harmtrace.server import audit
from harmtrace.server.accounts import Principal
from harmtrace.server.auth import audience_of, require
from harmtrace.server.errors import ERROR_RESPONSES, ApiError
from harmtrace.server.listing import decode_cursor, keyset_page
from harmtrace.server.schemas_reads import Batch, BatchPage, QuarantinePage, SourceList
from harmtrace.store import Store

router = APIRouter(tags=["sources"], responses=ERROR_RESPONSES)
MAX_LIMIT: Final = 1000
# a batch's columns in the lists (its mapping's text only in one batch)
BATCH_LIST: Final = tuple(f for f in FIELDS["batch"] if f != "mapping_text")
QUARANTINE: Final = ("batch_id", "row_number", "field", "reasons", "sha256", "raw")


@router.get("/sources", response_model=SourceList, response_model_exclude_unset=True)
def list_sources(
    request: Request, who: Annotated[Principal, Depends(require(Role.PUBLIC))]
) -> dict[str, Any]:
    """Every source with how many batches, reports and victim records the store holds from it."""
    audience = audience_of(request, who)
    with request.app.state.holder.reading() as store:
        rows = store.rows(
            "SELECT s.source_id, s.name, s.created_at, "
            "(SELECT count(*) FROM batch b WHERE b.source_id = s.source_id) AS batches, "
            "(SELECT count(*) FROM report r WHERE r.source_id = s.source_id) AS reports, "
            "(SELECT count(*) FROM victim_record v WHERE v.source_id = s.source_id) AS victim_records "
            "FROM source s ORDER BY s.source_id"
        )
    fields = list(FIELDS["source"])
    return {
        "data": [apply("source", r, audience) for r in rows],
        "withheld": audience.withheld("source", fields),
    }


@router.get("/batches", response_model=BatchPage, response_model_exclude_unset=True)
def list_batches(
    request: Request,
    who: Annotated[Principal, Depends(require(Role.PUBLIC))],
    source: Annotated[str | None, Query(description="Only the batches of this source (its name)")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 100,
    cursor: Annotated[str | None, Query(description="next_cursor of the page before")] = None,
) -> dict[str, Any]:
    """The imports, oldest first: what each read, accepted, quarantined and flagged."""
    audience = audience_of(request, who)
    after = int(decode_cursor(cursor, 1)[0] or 0) if cursor else -1
    with request.app.state.holder.reading() as store:
        rows = _batches(store, BATCH_LIST, "b.batch_id > ? AND (? IS NULL OR s.name = ?)",
                        [after, source, source], limit + 1)  # fmt: skip
    rows, next_cursor = keyset_page(rows, limit, lambda r: [r["batch_id"]])
    return {
        "data": [apply("batch", r, audience) for r in rows],
        "limit": limit,
        "next_cursor": next_cursor,
        "withheld": audience.withheld("batch", BATCH_LIST),
    }


@router.get("/batches/{batch_id}", response_model=Batch, response_model_exclude_unset=True)
def one_batch(
    request: Request, batch_id: int, who: Annotated[Principal, Depends(require(Role.PUBLIC))]
) -> dict[str, Any]:
    """One import, with the mapping it was read with (internal: the team's roles only)."""
    audience = audience_of(request, who)
    with request.app.state.holder.reading() as store:
        rows = _batches(store, tuple(FIELDS["batch"]), "b.batch_id = ?", [batch_id], 1)
    if not rows:
        raise ApiError(404, f"No batch {batch_id}: list them with GET /api/v1/batches.", "batch_id")
    return apply("batch", rows[0], audience)


def _batches(store: Store, columns: tuple[str, ...], where: str, params: list[Any],
             limit: int) -> list[dict[str, Any]]:  # fmt: skip
    selected = ", ".join("s.name AS source" if c == "source" else f"b.{c}" for c in columns)
    return store.rows(f"SELECT {selected} FROM batch b JOIN source s USING (source_id) WHERE {where} "
                      f"ORDER BY b.batch_id LIMIT {int(limit)}", params)  # fmt: skip


@router.get("/quarantine", response_model=QuarantinePage, response_model_exclude_unset=True)
def list_quarantine(
    request: Request,
    who: Annotated[Principal, Depends(require(Role.VIEWER))],
    batch_id: Annotated[int | None, Query(description="Only the rows of this batch")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 100,
    cursor: Annotated[str | None, Query(description="next_cursor of the page before")] = None,
) -> dict[str, Any]:
    """Rows set aside on import (field "row") and fields of accepted rows set aside, in file order; the
    rows as received (raw) for the analyst role and above (audited)."""
    audience = audience_of(request, who)
    with_raw = audience.treatment("quarantine", "raw") != HIDDEN
    last = decode_cursor(cursor, 4) if cursor else None
    holder = request.app.state.holder
    with holder.reading() as store:
        rows = _quarantined(store, batch_id, last, with_raw, limit + 1)
    rows, next_cursor = keyset_page(rows, limit, lambda r: r.pop("_key"))
    read = audience.audited("quarantine", rows[0]) if rows else []
    audit.read(holder, who, "quarantine", [f"{r['batch_id']}:{r['row_number']}" for r in rows], read)
    return {
        "data": [apply("quarantine", r, audience) for r in rows],
        "limit": limit,
        "next_cursor": next_cursor,
        "withheld": audience.withheld("quarantine", QUARANTINE),
    }


def _quarantined(store: Store, batch_id: int | None, last: list[Any] | None, with_raw: bool,
                 limit: int) -> list[dict[str, Any]]:  # fmt: skip
    after = "" if last is None else "AND (i.batch_id, i.row_number, i.kind, i.field) > (?, ?, ?, ?)"
    rows = store.rows(
        f"SELECT i.batch_id, i.row_number, i.field, i.reasons, d.sha256{', d.raw' if with_raw else ''}, "
        "b.encoding, i.kind AS _kind FROM ("
        "SELECT batch_id, row_number, 'row' AS field, reasons, 0 AS kind FROM quarantine UNION ALL "
        "SELECT batch_id, row_number, field, list(reason ORDER BY rowid), 1 FROM field_issue GROUP BY ALL"
        ") i JOIN document d USING (batch_id, row_number) JOIN batch b USING (batch_id) "
        f"WHERE (? IS NULL OR i.batch_id = ?) {after} "
        f"ORDER BY i.batch_id, i.row_number, i.kind, i.field LIMIT {int(limit)}",
        [batch_id, batch_id, *(last or [])],
    )
    for row in rows:
        encoding = row.pop("encoding")
        row["_key"] = [row["batch_id"], row["row_number"], row.pop("_kind"), row["field"]]
        if with_raw:  # the source's own bytes, decoded as the file was read
            row["raw"] = bytes(row["raw"]).decode("utf-8" if encoding == "binary" else encoding, "replace")
    return rows
