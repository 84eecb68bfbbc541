"""One incident as an analyst reads it: reports, grades with reasons, attribution, declared strikes nearby,
the links that joined its reports (method 'model' or 'cited'), the citations its reports make, and the
incident it is part of or its parts (`harmtrace.link.parts`)."""

from __future__ import annotations

from typing import Any

from harmtrace.assess.decisions import current_incident_id
from harmtrace.errors import QueryError
from harmtrace.ingest.records import field_issues_by_report
from harmtrace.link.parts import parts_of
from harmtrace.store import Store
from harmtrace.store.relations import relation_sql
from harmtrace.store.sql import ids_sql


def incident_detail(store: Store, incident_id: str) -> dict[str, Any]:
    """Everything known about `incident_id` (followed to the id it goes by today)."""
    current, members, run_id = resolve(store, incident_id)
    assessed = store.rows("SELECT * FROM incident_assessment WHERE incident_id = ?", [current])
    decided = store.rows(f"SELECT * FROM ({relation_sql('decided_grades')}) WHERE incident_id = ?", [current])
    computed = assessed[0]["grade"] if assessed else None
    analyst = decided[0] if decided else None
    reports = _reports(store, members)
    report_ids = [r["report_id"] for r in reports]
    set_aside = field_issues_by_report(store, report_ids)
    source_grade = next((r["source_grade"] for r in reports if r["source_grade"]), None)
    return {
        "incident_id": current,
        "asked": incident_id,
        "grade": (analyst or {}).get("grade") or computed or source_grade,
        "grade_computed": computed,
        "grade_analyst": analyst,
        "grade_reasons": assessed[0]["grade_reasons"] if assessed else [],
        "reports": reports,
        # fields of its reports set aside at import as faulty (unknown in the store), with the reason
        "fields_set_aside": [
            {"report_id": report_id, **issue} for report_id, issues in set_aside.items() for issue in issues
        ],
        **context(store, current, run_id, report_ids),
    }


def resolve(
    store: Store, incident_id: str, members_table: str = "incident_member"
) -> tuple[str, list[int], int | None]:
    """The id `incident_id` goes by today, its report ids and the link run that made it (None for a lone
    report). `members_table` is incident_member or a copy of it (the server keeps one it can search by id).
    Raises QueryError when there is no such incident."""
    # an id with members is current (a link run replaces every membership): no need to follow it
    members, run_id = _members(store, incident_id, members_table)
    if members and run_id is not None:
        return incident_id, members, run_id
    current = current_incident_id(store, incident_id)
    if current is None:
        raise QueryError(
            f"No incident {incident_id!r} in the store. A report that stands alone is 'report:<report_id>'; "
            "list incidents with: harmtrace incidents export --format csv FILE"
        )
    if current != incident_id or run_id is None:
        members, run_id = _members(store, current, members_table)
    return current, members, run_id


def context(store: Store, current: str, run_id: int | None, report_ids: list[int]) -> dict[str, Any]:
    """What places the incident `current` (of link run `run_id`, made of `report_ids`) among the others:
    the whole it is part of or its parts, attribution, the links that joined its reports, the citations
    they make, and the declared strikes nearby."""
    return {
        # part_of: the whole it is part of ({incident_id, method, probability}) or None; parts: its parts
        **parts_of(store, current),
        "attribution": store.rows(
            "SELECT perpetrator, status, report_ids FROM incident_attribution WHERE incident_id = ? "
            "ORDER BY perpetrator",
            [current],
        ),
        "links": _links(store, run_id, report_ids),
        "citations": store.rows(
            "SELECT report_id, cited_source, cited_code, cited_date, text FROM report_citation "
            f"WHERE report_id IN ({ids_sql(report_ids)}) ORDER BY ALL"
        ),
        "declared": store.rows(
            "SELECT s.belligerent, s.place_text AS place, s.date_start AS day, s.strikes, d.days_apart, "
            "d.distance_min_km, d.distance_max_km, d.tolerance_days, d.tolerance_km FROM incident_declared d "
            "JOIN declared_strike s USING (strike_id) WHERE d.incident_id = ? ORDER BY d.days_apart, "
            "d.distance_min_km",
            [current],
        ),
    }


def _members(store: Store, incident_id: str, table: str) -> tuple[list[int], int | None]:
    """The report ids of a current incident and the link run that made it (None for a lone report)."""
    if incident_id.startswith("report:"):
        return [int(incident_id.removeprefix("report:"))], None
    rows = store.rows(f"SELECT report_id, run_id FROM {table} WHERE incident_id = ?", [incident_id])
    return [r["report_id"] for r in rows], max((r["run_id"] for r in rows), default=None)


def _reports(store: Store, report_ids: list[int]) -> list[dict[str, Any]]:
    ids = ids_sql(report_ids)
    return store.rows(
        "SELECT r.report_id, s.name AS source, r.record_id, r.date_start, r.date_end, "
        "lower(trim(r.source_grade)) AS source_grade, array_to_string(r.perpetrators, '; ') AS perpetrators, "
        "c.original_id AS repeats, c.reason AS repeat_reason FROM report r JOIN source s USING (source_id) "
        f"LEFT JOIN (SELECT * FROM report_copy WHERE report_id IN ({ids})) c USING (report_id) "
        f"WHERE r.report_id IN ({ids}) ORDER BY r.report_id"
    )


def _links(store: Store, run_id: int | None, report_ids: list[int]) -> list[dict[str, Any]]:
    """The pairs of the incident's reports that its link run (`run_id`; None: a lone report, no pairs)
    linked (at its threshold, or cited), with how: method 'model' (the model's probability) or 'cited'
    (one report cites the other)."""
    if run_id is None:
        return []
    ids = ids_sql(report_ids)
    return store.rows(
        "SELECT p.id_l, p.id_r, p.method, round(p.match_probability, 3) AS probability FROM link_pair p "
        "JOIN link_run l USING (run_id, kind) WHERE p.kind = 'incidents' AND p.run_id = ? "
        f"AND p.match_probability >= l.threshold AND p.id_l IN ({ids}) AND p.id_r IN ({ids}) ORDER BY ALL",
        [run_id],
    )
