"""`/api/v1/decisions` and `/api/v1/incidents/{id}/grade`: analysts' decisions through the API.

An analyst (or a higher role) decides that two victim records are the same person or different people,
that two reports are of the same incident, different ones or one part of the other
(`harmtrace.link.decisions`), or grades an incident (`harmtrace.assess.decisions`), under the account's
name as author. Each decision is written in one transaction with its audit entry, under the server's
write lock, so two analysts deciding the same pair at once leave one active decision, the later one
superseding the earlier (or, with ``"supersede": false``, the later is refused: 409). A decision that
contradicts the active ones is refused (409) naming them. A grade is in force at once: the incident
list shows it and the change feed lists the incident as updated.

`GET /decisions` lists the decisions of one kind, the superseded ones too (the audit trail), through
the publication policy (their authors are the team's: viewers and higher see them).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field, StrictInt

from harmtrace.analyse.casualty_sql import NO_CIVILIAN_CLAIM
from harmtrace.assess.decisions import decide_grade
from harmtrace.assess.detail import resolve
from harmtrace.errors import HarmtraceError, QueryError
from harmtrace.link.decisions import AlreadyDecided, Decision, DecisionConflict, RecordRef, record_decision
from harmtrace.link.kinds import INCIDENTS, VICTIMS, EntityKind
from harmtrace.publish.policy import Audience, Role, apply
from harmtrace.server import audit, feed, served
from harmtrace.server.accounts import Principal
from harmtrace.server.auth import audience_of, require
from harmtrace.server.errors import ERROR_RESPONSES, ApiError
from harmtrace.server.holder import Change, StoreHolder
from harmtrace.server.listing import decode_cursor, keyset_page
from harmtrace.server.schemas import Moment
from harmtrace.store import Store

CONFLICT = "conflict: the decision contradicts active ones, or the pair was decided meanwhile"
router = APIRouter(
    tags=["decisions"], responses=ERROR_RESPONSES | {409: ERROR_RESPONSES[400] | {"description": CONFLICT}}
)
MAX_LIMIT = 1000
GRADES_SQL = """SELECT decision_id, 'grades' AS kind, incident_id, grade, decided_at, superseded_by, author,
    reason FROM grade_decision"""
BIGGEST_ID = 2**63 - 1
Ref = Annotated[StrictInt, Field(ge=0, le=BIGGEST_ID)] | Annotated[str, Field(min_length=1, max_length=500)]
REF_ABOUT = "A record: its id (victim id, or report id for incidents) or SOURCE:RECORD_ID"


class _Pair(BaseModel):
    model_config = ConfigDict(extra="forbid")

    a: Ref = Field(description=REF_ABOUT)
    b: Ref = Field(description=REF_ABOUT)
    reason: str = Field(
        min_length=1, max_length=10_000, description="Why: what the records share or where they differ"
    )
    supersede: bool = Field(
        True,
        description="Supersede an active decision on the pair (false: refuse with 409 when the pair was "
        "decided meanwhile, by another analyst)",
    )


class VictimPair(_Pair):
    """Two victim records: the same person, or different people."""

    verdict: Literal["same", "different"]


class ReportPair(_Pair):
    """Two reports: of the same incident, different ones, or one part of the other ('part-of': a is
    part of b; 'contains': b is part of a)."""

    verdict: Literal["same", "different", "part-of", "contains"]


class GradeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    grade: str = Field(description="confirmed, fair, weak, contested or discounted")
    reason: str = Field(min_length=1, max_length=10_000, description="Why: the evidence the grade rests on")


class DecisionOut(BaseModel):
    """One decision as the role asking may see it (hidden fields left out)."""

    model_config = ConfigDict(extra="forbid")

    decision_id: int | None = None
    kind: str | None = None
    verdict: str | None = None
    id_a: int | None = None
    id_b: int | None = None
    incident_id: str | None = None
    grade: str | None = None
    decided_at: Moment | None = None
    superseded_by: int | None = None
    author: str | None = None
    reason: str | None = None


class Decided(BaseModel):
    """The decision recorded, and the earlier one on the same pair it superseded (null: none)."""

    decision: DecisionOut
    superseded: DecisionOut | None


class Graded(BaseModel):
    """The grade decision recorded: `incident_id` is the incident it holds for today (`asked` may be an
    id since merged into it); `superseded` the decisions on that incident it replaced."""

    decision: DecisionOut
    asked: str
    superseded: list[int]


class DecisionPage(BaseModel):
    data: list[DecisionOut]
    limit: int
    next_cursor: str | None
    withheld: list[str]


@router.post("/decisions/victims", response_model=Decided, status_code=201, response_model_exclude_unset=True)
def decide_victims(
    request: Request, body: VictimPair, who: Annotated[Principal, Depends(require(Role.ANALYST))]
) -> dict[str, Any]:
    """Two victim records are the same person, or different people (linkage respects it from its next run)."""
    return _decide(request, who, body.verdict, body, VICTIMS)


@router.post(
    "/decisions/incidents", response_model=Decided, status_code=201, response_model_exclude_unset=True
)
def decide_incidents(
    request: Request, body: ReportPair, who: Annotated[Principal, Depends(require(Role.ANALYST))]
) -> dict[str, Any]:
    """Two reports are of the same incident, different ones, or one is part of the other (linkage
    respects it from its next run)."""
    return _decide(request, who, body.verdict, body, INCIDENTS)


def _decide(request: Request, who: Principal, verdict: str, body: _Pair, kind: EntityKind) -> dict[str, Any]:
    holder: StoreHolder = request.app.state.holder
    try:
        # a same / different / part-of decision is applied by the next link run: no figure changes now
        with holder.writing() as store:
            decision, earlier = record_decision(store, verdict, _ref(body.a, "a"), _ref(body.b, "b"),
                                                body.reason, author=who.name, kind=kind,
                                                supersede=body.supersede)  # fmt: skip
            detail = f"{kind.kind}: {decision.id_a} {decision.verdict} {decision.id_b}" + (
                f"; supersedes {earlier.decision_id}" if earlier else ""
            )
            audit.write(store, who, "decide", "decision", [decision.decision_id], [], detail)
    except (DecisionConflict, AlreadyDecided) as exc:
        raise ApiError(409, _api_worded(exc)) from None
    audience = audience_of(request, who)
    return {
        "decision": _shown(decision, audience),
        "superseded": _shown(earlier, audience) if earlier else None,
    }


def _ref(ref: int | str, where: str) -> RecordRef:
    """A record reference as the library takes it; ids too large for the store refused here."""
    text = str(ref).strip()
    if text.isdigit() and int(text) > BIGGEST_ID:
        raise ApiError(400, f"{where}: {text} is not a record id (too large).", where)
    return ref


def _api_worded(exc: HarmtraceError) -> str:
    message = exc.worded(lambda name: name)
    if isinstance(exc, AlreadyDecided):
        message += '\nThrough the API: send the decision again without "supersede": false.'
    return message


def _shown(decision: Decision, audience: Audience) -> dict[str, Any]:
    row = decision.as_dict()
    row["decided_at"] = decision.decided_at.replace(tzinfo=UTC)  # stamped in UTC, without a zone
    return apply("decision", row, audience)


@router.post("/incidents/{incident_id}/grade", response_model=Graded, status_code=201,
             response_model_exclude_unset=True)  # fmt: skip
def grade_incident(
    request: Request,
    incident_id: str,
    body: GradeIn,
    who: Annotated[Principal, Depends(require(Role.ANALYST))],
) -> dict[str, Any]:
    """Grade an incident: it overrides the computed grade, at once and across later link runs."""
    holder: StoreHolder = request.app.state.holder
    with holder.exclusive():  # the decision, the served row and the feed entry: no write in between
        with holder.reading() as store:
            current, changes = grade_change(store, incident_id)
        with holder.writing() as store:
            done = decide_grade(store, incident_id, body.grade, body.reason, who.name, current)
            audit.write(store, who, "decide", "incident", [done["incident_id"]], [],
                        f"grade {done['grade']} (grade decision {done['decision_id']})")  # fmt: skip
        current = done["incident_id"]
        # the served table is another database: a transaction of its own, after which cached answers
        # (figures from the store, totals from the served table) are out of date: its commit says so
        with holder.writing(changes) as store:
            served.regrade(store, current)
        with holder.writing() as store:
            feed.refresh(store, request.app.state.config.audience(Role.PUBLIC), [current])
        with holder.writing() as store:
            served.feed_times(store, [current])
    with holder.reading() as store:
        row = store.rows(f"{GRADES_SQL} WHERE decision_id = ?", [done["decision_id"]])[0]
    shown = apply("decision", row, audience_of(request, who))
    return {"decision": shown, "asked": done["asked"], "superseded": done["superseded"]}


def grade_change(store: Store, incident_id: str) -> tuple[str | None, Change]:
    """The id `incident_id` goes by today (None: no such incident) and what grading it changes: its grade
    in force, and the civilian figures too when one of its items was computed with the grade they leave
    out (`NO_CIVILIAN_CLAIM`, 'not alleged'; an analyst's grade is never that one, so grading makes it a
    civilian-harm claim). An item an analyst graded before counts too: the
    civilian figures are then computed again for nothing, never kept wrongly."""
    try:
        current = resolve(store, incident_id, served.MEMBERS)[0]
    except QueryError:
        return None, Change.NOTHING  # `decide_grade` says there is no such incident
    claims = store.scalar(
        "SELECT count(*) FROM incident_item WHERE incident_id = ? AND grade = ?", [current, NO_CIVILIAN_CLAIM]
    )
    return current, Change.GRADES | (Change.CIVILIAN if claims else Change.NOTHING)


@router.get("/decisions", response_model=DecisionPage, response_model_exclude_unset=True)
def list_decisions(
    request: Request,
    who: Annotated[Principal, Depends(require(Role.VIEWER))],
    kind: Annotated[Literal["victims", "incidents", "grades"], Query(description="Which decisions")],
    since: Annotated[datetime | None, Query(description="Decided after this time (UTC)")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 100,
    cursor: Annotated[str | None, Query(description="next_cursor of the page before")] = None,
) -> dict[str, Any]:
    """Decisions of one kind, oldest first, superseded ones too (`superseded_by`): who decided what,
    when and why."""
    audience = audience_of(request, who)
    after = decode_cursor(cursor, 1)[0] if cursor else None
    if after is not None and not isinstance(after, int):
        raise ApiError(400, "The cursor is not one this API gave: pass next_cursor from the page before.",
                       "cursor")  # fmt: skip
    holder: StoreHolder = request.app.state.holder
    with holder.reading() as store:
        rows = _decision_rows(store, kind, feed.utc(since, "since"), after, limit + 1)
    rows, next_cursor = keyset_page(rows, limit, lambda r: [r["decision_id"]])
    fields = list(rows[0]) if rows else list(DecisionOut.model_fields)
    audited = audience.audited("decision", fields) if rows else []
    audit.read(holder, who, "decision", [r["decision_id"] for r in rows], audited)
    return {
        "data": [apply("decision", r, audience) for r in rows],
        "limit": limit,
        "next_cursor": next_cursor,
        "withheld": audience.withheld("decision", fields),
    }


def _decision_rows(
    store: Store, kind: str, since: datetime | None, after: int | None, limit: int
) -> list[dict[str, Any]]:
    # a pair decision is stamped in UTC, a grade decision in the server's local time (harmtrace.link.
    # decisions, harmtrace.assess.decisions), both without a zone: each compared and answered in its own
    local = kind == "grades"
    if since is not None and local:
        since = since.replace(tzinfo=UTC).astimezone().replace(tzinfo=None)
    if kind == "grades":
        sql = f"{GRADES_SQL} WHERE true"
        params: list[Any] = []
    else:
        sql = ("SELECT decision_id, kind, verdict, id_a, id_b, decided_at, superseded_by, author, reason "
               "FROM decision WHERE kind = ?")  # fmt: skip
        params = [kind]
    if since is not None:
        sql += " AND decided_at > ?"
        params.append(since)
    if after is not None:
        sql += " AND decision_id > ?"
        params.append(after)
    rows = store.rows(f"{sql} ORDER BY decision_id LIMIT {int(limit)}", params)
    for row in rows:
        stamped = row["decided_at"]
        row["decided_at"] = stamped.astimezone() if local else stamped.replace(tzinfo=UTC)
    return rows
