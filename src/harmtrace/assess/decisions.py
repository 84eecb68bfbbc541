"""An analyst's grade for an incident: recorded with reason, author and time, audited, never lost.

A decision names the incident id the analyst saw. Incident ids change only by retirement: a later link run
that merges an incident into another records ``incident.retired_into``, and a report that stood alone
(``report:<id>``) may join an incident. The store's `decided_grades` relation (`harmtrace.store.relations`)
follows both to the incident that holds the decision today, so a decision survives every re-run. A new
decision on the same (current) incident supersedes the earlier ones (``superseded_by``); superseded
decisions stay in the table as the audit trail.
When two graded incidents merge, the latest decision of the two holds.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from harmtrace.errors import InputError, param
from harmtrace.model import GRADES
from harmtrace.store import Store
from harmtrace.store.relations import MAX_HOPS, decided_members_sql


def current_incident_id(store: Store, incident_id: str) -> str | None:
    """The id `incident_id` goes by today (itself, the incident it was retired into, or the incident a
    lone report joined); None when no report or incident has that id."""
    current = incident_id
    for _ in range(MAX_HOPS):
        into = store.scalar("SELECT retired_into FROM incident WHERE incident_id = ?", [current])
        if into is None:
            break
        current = str(into)
    if current.startswith("report:"):
        report_id = _report_number(current)
        if report_id is None or not store.scalar(
            "SELECT count(*) FROM report WHERE report_id = ?", [report_id]
        ):
            return None
        joined = store.scalar("SELECT incident_id FROM incident_member WHERE report_id = ?", [report_id])
        return current if joined is None else str(joined)
    known = store.scalar("SELECT count(*) FROM incident_member WHERE incident_id = ?", [current])
    return current if known else None


def _report_number(incident_id: str) -> int | None:
    try:
        return int(incident_id.removeprefix("report:"))
    except ValueError:
        return None


def decide_grade(
    store: Store, incident_id: str, grade: str, reason: str, author: str, current: str | None = None
) -> dict[str, Any]:
    """Record an analyst's `grade` for `incident_id`, superseding earlier decisions on that incident.
    `current`: the id `incident_id` goes by today, when the caller has looked it up already."""
    grade = grade.strip().lower()
    if grade not in GRADES:
        raise InputError(f"grade {grade!r} is not one of {', '.join(GRADES)}. Use one of these.")
    if not reason.strip():
        raise InputError(f"a grade decision needs a reason ({param('reason')}): say what the evidence is.")
    current = current or current_incident_id(store, incident_id)
    if current is None:
        raise InputError(
            f"No incident {incident_id!r} in the store. Incident ids are listed by "
            "`harmtrace incidents export`; a report that stands alone is 'report:<report_id>'."
        )
    with store.transaction() as con:
        new_id = int(store.scalar("SELECT coalesce(max(decision_id), 0) + 1 FROM grade_decision"))
        standing = [r["decision_id"] for r in store.rows(
            f"SELECT decision_id FROM ({decided_members_sql()}) WHERE incident_id = ?", [current]
        )]  # fmt: skip
        con.execute(
            "INSERT INTO grade_decision VALUES (?, ?, ?, ?, ?, ?, NULL)",
            [new_id, current, grade, reason.strip(), author, datetime.now()],
        )
        if standing:
            con.execute(
                "UPDATE grade_decision SET superseded_by = ? WHERE list_contains(?, decision_id)",
                [new_id, standing],
            )
    return {"decision_id": new_id, "incident_id": current, "asked": incident_id, "grade": grade,
            "superseded": standing}  # fmt: skip


def grade_history(store: Store, incident_id: str) -> list[dict[str, Any]]:
    """Every decision (standing or superseded) recorded under `incident_id`, oldest first."""
    return store.rows(
        "SELECT decision_id, incident_id, grade, reason, author, decided_at, superseded_by "
        "FROM grade_decision WHERE incident_id = ? ORDER BY decision_id",
        [incident_id],
    )
