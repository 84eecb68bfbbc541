"""One incident as the API gives it: its served row (grade in force, computed grade and reasons, ranges),
its reports, their documents and sources, what places it among the others (`harmtrace.assess.detail.
context`), decisions and history, each part through the policy."""

from __future__ import annotations

from typing import Any

from harmtrace.assess.decisions import grade_history
from harmtrace.assess.detail import context, resolve
from harmtrace.errors import QueryError
from harmtrace.publish.policy import FIELDS, Audience, apply
from harmtrace.server import served
from harmtrace.server.errors import ApiError
from harmtrace.store import Store
from harmtrace.store.relations import relation_sql
from harmtrace.store.sql import ids_sql

Audited = dict[str, tuple[list[Any], list[str]]]


def incident_detail(store: Store, incident_id: str, audience: Audience) -> tuple[dict[str, Any], Audited]:
    """The incident as `audience` may see it, and the audited fields it was shown (entity -> ids, fields)."""
    try:
        current, members, run_id = resolve(store, incident_id, served.MEMBERS)
    except QueryError as exc:
        raise ApiError(404, str(exc), "incident_id") from exc
    shown = ", ".join(FIELDS["incident"])
    row = store.rows(f"SELECT {shown} FROM {served.TABLE} WHERE incident_id = ?", [current])
    reports = _reports(store, members, audience)
    report_ids = [r["report_id"] for r in reports]
    found = context(store, current, run_id, report_ids)
    documents = _documents(store, reports, audience)
    audited: Audited = {}
    parts = {
        "incident": apply("incident", row[0], audience) if row else {"incident_id": current},
        "asked": incident_id,
        "reports": _each("report", reports, audience, audited, "report_id"),
        "documents": _each("document", documents, audience, audited, "report_id"),
        "sources": sorted({r["source"] for r in reports}),
        "attribution": _each("attribution", found["attribution"], audience, audited),
        "links": _each("link", found["links"], audience, audited),
        "citations": _each("citation", found["citations"], audience, audited, "report_id"),
        "declared": _each("declared", found["declared"], audience, audited),
        "part_of": found.get("part_of"),
        "parts": found.get("parts", []),
        "decisions": _each(
            "decision", _decisions(store, current, report_ids), audience, audited, "decision_id"
        ),
        "history": _each("history", _history(store, current), audience, audited),
    }
    return parts, audited


def _each(entity: str, rows: list[dict[str, Any]], audience: Audience, audited: Audited,
          key: str | None = None) -> list[dict[str, Any]]:  # fmt: skip
    read = audience.audited(entity, rows[0]) if rows else []
    if read:
        audited[entity] = ([r.get(key) for r in rows] if key else [], read)
    return [apply(entity, r, audience) for r in rows]


FREE_TEXT = ("place_text", "place_text_ar", "description", "description_ar")


def _reports(store: Store, report_ids: list[int], audience: Audience) -> list[dict[str, Any]]:
    """The reports, with their free text only when `audience` may read it (it is not even fetched)."""
    ids = ids_sql(report_ids)
    text = "".join(f", r.{c}" for c in audience.shown("report", FREE_TEXT))
    return store.rows(
        "SELECT r.report_id, s.name AS source, r.record_id, r.batch_id, r.row_number, r.version, "
        "r.date_start, r.date_end, p.latitude, p.longitude, p.radius_m, "
        "coalesce(p.precision, r.location_precision) AS location_precision, r.perpetrators, r.means, "
        "r.site_kinds, lower(trim(r.source_grade)) AS source_grade, c.original_id AS repeats, "
        f"c.reason AS repeat_reason{text} FROM report r JOIN source s USING (source_id) "
        f"LEFT JOIN (SELECT * FROM ({relation_sql('report_points')}) WHERE report_id IN ({ids})) p "
        "USING (report_id) "
        f"LEFT JOIN (SELECT * FROM report_copy WHERE report_id IN ({ids})) c USING (report_id) "
        f"WHERE r.report_id IN ({ids}) ORDER BY r.report_id"
    )


def _documents(store: Store, reports: list[dict[str, Any]], audience: Audience) -> list[dict[str, Any]]:
    """The documents the reports were read from (by batch and row, literal: see `ids_sql`), their raw bytes
    only when `audience` may read them."""
    if not reports:
        return []
    places = " OR ".join(f"(d.batch_id = {int(r['batch_id'])} AND d.row_number = {int(r['row_number'])})"
                         for r in reports)  # fmt: skip
    raw = ", d.raw" if audience.shown("document", ["raw"]) else ""
    found = store.rows(f"SELECT d.batch_id, d.row_number, d.sha256{raw} FROM document d WHERE {places}")
    by_place = {(d["batch_id"], d["row_number"]): d for d in found}
    rows = [{"report_id": r["report_id"], **by_place[(r["batch_id"], r["row_number"])]}
            for r in reports if (r["batch_id"], r["row_number"]) in by_place]  # fmt: skip
    for row in rows:
        if "raw" in row:
            row["raw"] = bytes(row["raw"]).decode("utf-8", errors="replace")
    return rows


def _decisions(store: Store, current: str, report_ids: list[int]) -> list[dict[str, Any]]:
    grades = [{"kind": "grade", **g} for g in grade_history(store, current)]
    links = store.rows(
        "SELECT decision_id, kind, verdict, id_a, id_b, reason, author, decided_at, superseded_by "
        "FROM decision WHERE kind = 'incidents' AND (list_contains(?, id_a) OR list_contains(?, id_b)) "
        "ORDER BY decision_id",
        [report_ids, report_ids],
    )
    return grades + links


def _history(store: Store, current: str) -> list[dict[str, Any]]:
    return store.rows(
        "SELECT e.run_id, e.event, e.entity_id, e.other_ids, e.records, l.finished_at FROM link_event e "
        "LEFT JOIN link_run l USING (run_id) WHERE e.kind = 'incidents' AND (e.entity_id = ? OR "
        "list_contains(e.other_ids, ?)) ORDER BY e.run_id, e.event",
        [current, current],
    )
