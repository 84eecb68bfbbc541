"""Victim records, linkage runs and scored pairs written straight into a store, for unit tests.

Everyone here is invented. Records get victim ids 1..n unless given; pairs are (id_l, id_r,
probability) and get a match weight of log2(p / (1 - p)) as Splink would.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from harmtrace.store import Store

DEFAULTS: dict[str, Any] = {
    "batch_id": 1,
    "row_number": 0,
    "source_id": 1,
    "record_id": None,
    "name": None,
    "name_ar": None,
    "given_name": None,
    "father_name": None,
    "grandfather_name": None,
    "family_name": None,
    "mother_name": None,
    "sex": None,
    "age_min": None,
    "age_max": None,
    "age_group": None,
    "status": "unknown",
    "date_start": None,
    "date_end": None,
    "date_precision": "unknown",
    "place_of_death": None,
    "place_of_death_ar": None,
    "province": None,
    "cause": None,
    "perpetrators": [],
    "flags": [],
}


def add_sources(store: Store, *names: str) -> None:
    for i, name in enumerate(names, start=1):
        store.con.execute("INSERT INTO source (source_id, name) VALUES (?, ?)", [i, name])


def add_records(store: Store, records: Iterable[dict[str, Any]]) -> None:
    """Insert victim records; each dict needs `victim_id` and overrides any of DEFAULTS."""
    columns = ["victim_id", *DEFAULTS]
    rows = []
    for rec in records:
        row = DEFAULTS | {"row_number": rec["victim_id"], "record_id": f"R{rec['victim_id']}"} | rec
        rows.append([row[c] for c in columns])
    marks = ", ".join("?" * len(columns))
    store.con.executemany(f"INSERT INTO victim_record ({', '.join(columns)}) VALUES ({marks})", rows)


def add_plain_records(store: Store, ids: Iterable[int], source_id: int = 1) -> None:
    add_records(store, ({"victim_id": i, "source_id": source_id} for i in ids))


def add_run(
    store: Store, pairs: Sequence[tuple[int, int, float]], details: Sequence[dict[str, Any] | None] = ()
) -> int:
    """A finished victims run with these scored pairs; returns its run id."""
    run_id = int(store.scalar("SELECT coalesce(max(run_id), 0) + 1 FROM link_run"))
    store.con.execute(
        "INSERT INTO link_run (run_id, kind, started_at, finished_at, records, pairs_scored, threshold, "
        "harmtrace_version) VALUES (?, 'victims', TIMESTAMP '2024-01-01', TIMESTAMP '2024-01-01', "
        "(SELECT count(*) FROM victim_record), ?, 0.9, 'test')",
        [run_id, len(pairs)],
    )
    rows = []
    for i, (a, b, p) in enumerate(pairs):
        detail = details[i] if i < len(details) else None
        rows.append([run_id, min(a, b), max(a, b), weight(p), p, json.dumps(detail) if detail else None])
    if rows:
        store.con.executemany(
            "INSERT INTO link_pair (run_id, kind, id_l, id_r, match_weight, match_probability, detail) "
            "VALUES (?, 'victims', ?, ?, ?, ?, ?)",
            rows,
        )
    return run_id


def weight(p: float) -> float:
    p = min(max(p, 1e-12), 1 - 1e-12)
    return math.log2(p / (1 - p))


def day(text: str) -> date:
    return date.fromisoformat(text)
