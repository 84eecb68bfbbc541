"""Invented reports, incidents and victim records written straight into a store, as importers and a
link run would write them (assessment is tested given a clustering)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from harmtrace.store import Store


@dataclass
class R:
    """One invented report; `harm` maps (category, harm) to (min, max, best)."""

    source: str
    day: date | None = date(2015, 10, 5)
    perpetrators: Sequence[str] = ()
    description: str | None = None
    latitude: float | None = 35.95
    longitude: float | None = 39.01
    precision: str = "town"
    grade: str | None = None
    harm: dict[tuple[str, str], tuple[int | None, int | None, int | None]] = field(default_factory=dict)
    record_id: str | None = None
    day_end: date | None = None
    # the dead of each named side, as UCDP's deaths_a / deaths_b (harm_side, killed)
    sides: dict[str, int] = field(default_factory=dict)


def source_id(store: Store, name: str) -> int:
    found = store.scalar("SELECT source_id FROM source WHERE name = ?", [name])
    if found is not None:
        return int(found)
    new = int(store.scalar("SELECT coalesce(max(source_id), 0) + 1 FROM source"))
    store.con.execute("INSERT INTO source (source_id, name) VALUES (?, ?)", [new, name])
    return new


def add_reports(store: Store, reports: Sequence[R]) -> list[int]:
    """Insert `reports`; returns their report ids, in order."""
    first = int(store.scalar("SELECT coalesce(max(report_id), 0) + 1 FROM report"))
    ids = []
    for n, r in enumerate(reports):
        rid = first + n
        store.con.execute(
            "INSERT INTO report (report_id, batch_id, row_number, source_id, record_id, date_start, "
            "date_end, date_precision, latitude, longitude, location_precision, perpetrators, means, "
            "site_kinds, source_grade, description, flags) VALUES (?, 99, ?, ?, ?, ?, ?, 'day', ?, ?, ?, ?, "
            "['airstrike'], [], ?, ?, [])",
            [rid, rid, source_id(store, r.source), r.record_id or f"{r.source}-{rid}", r.day,
             r.day_end or r.day, r.latitude, r.longitude, r.precision, list(r.perpetrators), r.grade,
             r.description],
        )  # fmt: skip
        for (category, harm), (lo, hi, best) in r.harm.items():
            store.con.execute(
                "INSERT INTO harm VALUES (?, ?, ?, ?, ?, ?)", [rid, category, harm, lo, hi, best]
            )
        for side, dead in r.sides.items():
            store.con.execute(
                "INSERT INTO harm_side VALUES (?, ?, 'killed', ?, ?, ?)", [rid, side, dead, dead, dead]
            )
        ids.append(rid)
    return ids


def link(store: Store, incident_id: str, report_ids: Sequence[int], run_id: int = 1) -> None:
    """Make `report_ids` one incident, as a link run would."""
    store.con.execute("INSERT INTO incident VALUES (?, ?, NULL, NULL)", [incident_id, run_id])
    for rid in report_ids:
        store.con.execute("INSERT INTO incident_member VALUES (?, ?, ?, 0.99)", [incident_id, rid, run_id])


def add_victims(
    store: Store, report_id: int, statuses: Sequence[str], person_ids: Sequence[str | None] = ()
) -> None:
    """Victim records (no names: none are needed) tied to `report_id`, optionally clustered into persons."""
    first = int(store.scalar("SELECT coalesce(max(victim_id), 0) + 1 FROM victim_record"))
    for n, status in enumerate(statuses):
        vid = first + n
        store.con.execute(
            "INSERT INTO victim_record (victim_id, batch_id, row_number, source_id, status, date_precision, "
            "perpetrators, flags) VALUES (?, 98, ?, 1, ?, 'day', [], [])",
            [vid, vid, status],
        )
        store.con.execute("INSERT INTO victim_report VALUES (?, ?, 'test')", [vid, report_id])
        person = person_ids[n] if n < len(person_ids) else None
        if person is not None:
            store.con.execute("INSERT INTO person_member VALUES (?, ?, 1, 1.0)", [person, vid])


def one(store: Store, sql: str, params: Sequence[Any] | None = None) -> dict[str, Any]:
    rows = store.rows(sql, params)
    assert len(rows) == 1, rows
    return rows[0]
