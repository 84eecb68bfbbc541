"""`/api/v1/audit` and `/api/v1/accounts`: the audit log and the team's accounts, for the admin role
only. No answer ever holds a password hash or a token; reading either list is itself audited."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Final

from fastapi import APIRouter, Depends, Query, Request

from harmtrace.publish.policy import Role, apply
from harmtrace.server import audit
from harmtrace.server.accounts import Principal
from harmtrace.server.auth import audience_of, require
from harmtrace.server.errors import ERROR_RESPONSES
from harmtrace.server.listing import decode_cursor, keyset_page
from harmtrace.server.schemas_reads import AccountList, AuditPage

router = APIRouter(tags=["admin"], responses=ERROR_RESPONSES)
MAX_LIMIT: Final = 1000
ACCOUNT_COLUMNS: Final = ("name", "role", "created_at", "disabled_at", "has_password")
Admin = Annotated[Principal, Depends(require(Role.ADMIN))]


@router.get("/audit", response_model=AuditPage, response_model_exclude_unset=True)
def audit_log(
    request: Request,
    who: Admin,
    actor: Annotated[str | None, Query(description="Only this account's entries")] = None,
    action: Annotated[str | None, Query(description="Only this action (read, sign-in, ...)")] = None,
    since: Annotated[datetime | None, Query(description="Only entries logged at or after this time")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 100,
    cursor: Annotated[str | None, Query(description="next_cursor of the page before")] = None,
) -> dict[str, Any]:
    """The audit log, newest first: who did or read what, when, and which records."""
    audience = audience_of(request, who)
    before = int(decode_cursor(cursor, 1)[0] or 0) if cursor else None
    if since is not None and since.tzinfo is not None:  # the log keeps UTC without a zone
        since = since.astimezone(UTC).replace(tzinfo=None)
    holder = request.app.state.holder
    with holder.reading() as store:
        rows = store.rows(
            f"SELECT entry_id, {audit.COLUMNS} FROM audit_log WHERE (?::BIGINT IS NULL OR entry_id < ?) "
            "AND (?::VARCHAR IS NULL OR actor = ?) AND (?::VARCHAR IS NULL OR action = ?) "
            f"AND (?::TIMESTAMP IS NULL OR logged_at >= ?) ORDER BY entry_id DESC LIMIT {limit + 1}",
            [before, before, actor, actor, action, action, since, since],
        )
    rows, next_cursor = keyset_page(rows, limit, lambda r: [r["entry_id"]])
    for row in rows:
        row["logged_at"] = row["logged_at"].replace(tzinfo=UTC)
    if rows:
        audit.read(holder, who, "audit", [r["entry_id"] for r in rows], audience.audited("audit", rows[0]))
    return {
        "data": [apply("audit", r, audience) for r in rows],
        "limit": limit,
        "next_cursor": next_cursor,
    }


@router.get("/accounts", response_model=AccountList, response_model_exclude_unset=True)
def account_list(request: Request, who: Admin) -> dict[str, Any]:
    """The team's accounts: name, role, when made and disabled, whether it has a password."""
    audience = audience_of(request, who)
    holder = request.app.state.holder
    with holder.reading() as store:
        rows = store.rows(
            "SELECT name, role, created_at, disabled_at, password_hash IS NOT NULL AS has_password "
            "FROM account ORDER BY name"
        )
    if rows:
        audit.read(
            holder, who, "account", [r["name"] for r in rows], audience.audited("account", ACCOUNT_COLUMNS)
        )
    return {"data": [apply("account", r, audience) for r in rows]}
