"""Containment: an incident that is part of another (a strike of a city's daily toll, a day of a campaign).

Two reports can be of different incidents and still not be independent: UCDP GED often codes a
city's toll for a day as one event, while a monitor lists each strike of that day. The UCDP event is
the *whole*, each strike a *part*. Figures must count a part and its whole once
(`harmtrace.assess.wholes`), so the link is kept: one `incident_part` row (run_id, part_id, whole_id,
method, probability) per part, in terms of the incident ids of one link run, as `incident_member`.

- method: 'decision' (an analyst's `part-of` decision, `harmtrace.link.decisions`), 'model' (the
  linkage model) or 'cited' (a source says so); probability: how sure (1.0 for a decision).
- Readers take the rows of the run `incident_member` holds (the current clustering); rows of earlier
  runs stay as their history, as `link_pair` rows do.
- One level, kept simple: a part has exactly one whole, and a whole is never itself a part. A chain
  (a strike, part of a day, part of a campaign) is refused, not flattened: flattened to the top
  whole, the strike's deaths would be counted again inside the day's. The pair that would make a
  second whole or a chain is not recorded, and `record_parts` says which and why.

`record_parts` is how every method writes: `link_incidents` calls it with the analysts' decisions
right after ids are assigned; the model (or an importer of cited parts) calls it with its own pairs
for the same run afterwards. Pairs are taken decisions first, then most probable first, so a decision
is never refused in favour of a model's guess.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any, Final

import pyarrow as pa

from harmtrace.errors import QueryError
from harmtrace.link.decisions import Decision
from harmtrace.store import Store

METHODS: Final = ("decision", "model", "cited")
# the run whose clustering incident_member holds: the only one whose incident ids are current
CURRENT_RUN_SQL: Final = "(SELECT max(run_id) FROM incident_member)"

PartPair = tuple[int, int, str, float | None]  # (part report id, whole report id, method, probability)


@dataclass(frozen=True)
class Refused:
    """A pair not recorded: its reports, method and why (a second whole, or a chain)."""

    part_report: int
    whole_report: int
    method: str
    reason: str


@dataclass(frozen=True)
class PartsRecorded:
    """What `record_parts` did with the pairs it was given (every pair is in exactly one count)."""

    run_id: int
    recorded: int = 0
    already: int = 0  # the same containment was recorded before (or by an earlier pair)
    one_incident: int = 0  # both reports ended in one incident: nothing to record
    not_in_run: int = 0  # a report the run did not cluster (no longer stored, or imported since)
    refused: list[Refused] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def current_parts_sql() -> str:
    """(part_id, whole_id, method, probability): the containment of the current incidents."""
    return (
        f"SELECT part_id, whole_id, method, probability FROM incident_part WHERE run_id = {CURRENT_RUN_SQL}"
    )


def has_parts(store: Store) -> bool:
    """Whether some current incident is part of another (cheap when no containment was ever recorded)."""
    if not store.scalar("SELECT count(*) > 0 FROM (SELECT 1 FROM incident_part LIMIT 1)"):
        return False
    return bool(store.scalar(f"SELECT count(*) > 0 FROM ({current_parts_sql()})"))


def decision_parts(decisions: Iterable[Decision]) -> list[PartPair]:
    """The (part, whole, 'decision', 1.0) pairs of the containment decisions among `decisions`."""
    found = [(d.decision_id, d.part_and_whole) for d in decisions]
    return [(pw[0], pw[1], "decision", 1.0) for _, pw in sorted(found) if pw is not None]


def record_parts(store: Store, run_id: int, pairs: Iterable[PartPair]) -> PartsRecorded:
    """Record that each pair's part report's incident is part of its whole report's, in run `run_id`.

    `run_id` must be the current clustering (the run `incident_member` holds). Pairs whose reports
    ended in one incident are skipped; a pair that would give an incident a second whole, or make a
    chain, is refused (module docstring). Rows already recorded for the run are kept and respected.
    Raises QueryError for an unknown method or probability, or a run that is not the current one.
    """
    pairs = _checked(list(pairs))
    _require_current(store, run_id)
    incident = _incidents_of(store, {r for p in pairs for r in p[:2]})
    wholes = _recorded(store, run_id)
    containing = set(wholes.values())
    counts = {"already": 0, "one_incident": 0, "not_in_run": 0}
    new: list[tuple[str, str, str, float | None]] = []
    refused: list[Refused] = []
    for part, whole, method, probability in sorted(pairs, key=_priority):
        if part not in incident or whole not in incident:
            counts["not_in_run"] += 1
            continue
        p, w = incident[part], incident[whole]
        outcome, reason = _place(wholes, containing, p, w)
        if outcome == "record":
            wholes[p] = w
            containing.add(w)
            new.append((p, w, method, probability))
        elif outcome == "refused":
            refused.append(Refused(part, whole, method, reason))
        else:
            counts[outcome] += 1
    _write(store, run_id, new)
    return PartsRecorded(
        run_id, len(new), counts["already"], counts["one_incident"], counts["not_in_run"], refused
    )


def _checked(pairs: list[PartPair]) -> list[PartPair]:
    methods = sorted({p[2] for p in pairs} - set(METHODS))
    if methods:
        raise QueryError(f"Containment method {methods[0]!r} is not one of {', '.join(METHODS)}.")
    odd = [p for p in pairs if p[3] is not None and not 0.0 <= p[3] <= 1.0]
    if odd:
        raise QueryError(f"A containment probability is between 0 and 1 (got {odd[0][3]} for {odd[0][:2]}).")
    return pairs


def _priority(pair: PartPair) -> tuple[bool, float, int, int]:
    """Decisions first, then the most probable, then by report ids (reproducible)."""
    part, whole, method, probability = pair
    return method != "decision", -(probability if probability is not None else 0.0), part, whole


def _require_current(store: Store, run_id: int) -> None:
    current = store.scalar(f"SELECT {CURRENT_RUN_SQL}")
    if current != run_id:
        now = f"run {current}" if current is not None else "no run yet (harmtrace link incidents)"
        raise QueryError(
            f"Parts are recorded in terms of the current incidents, and link run {run_id} is not their "
            f"clustering: the current one is {now}."
        )


def _incidents_of(store: Store, report_ids: set[int]) -> dict[int, str]:
    """report id -> its incident id in the current clustering, for the reports named."""
    if not report_ids:
        return {}
    found = store.con.execute(
        "SELECT report_id, incident_id FROM incident_member WHERE list_contains(?, report_id)",
        [sorted(report_ids)],
    ).fetchall()
    return {int(r): str(i) for r, i in found}


def _recorded(store: Store, run_id: int) -> dict[str, str]:
    """part incident -> whole incident, as recorded for the run so far."""
    rows = store.con.execute("SELECT part_id, whole_id FROM incident_part WHERE run_id = ?", [run_id])
    return {str(p): str(w) for p, w in rows.fetchall()}


def _place(wholes: dict[str, str], containing: set[str], part: str, whole: str) -> tuple[str, str]:
    """What becomes of the containment `part` in `whole`: ('record', ''), ('one_incident', ''),
    ('already', '') or ('refused', why), given the parts recorded so far (`wholes`: part -> whole;
    `containing`: the wholes)."""
    if part == whole:
        return "one_incident", ""
    if wholes.get(part) == whole:
        return "already", ""
    if part in wholes:
        return "refused", f"{part} is already part of {wholes[part]} (a part has one whole)"
    if part in containing:
        return "refused", f"{part} has parts of its own: a whole is never itself a part (one level)"
    if whole in wholes:
        return "refused", f"{whole} is itself part of {wholes[whole]}: a whole is never itself a part"
    return "record", ""


def _write(store: Store, run_id: int, rows: list[tuple[str, str, str, float | None]]) -> None:
    if not rows:
        return
    table = pa.table(
        {
            "part_id": pa.array([r[0] for r in rows], pa.string()),
            "whole_id": pa.array([r[1] for r in rows], pa.string()),
            "method": pa.array([r[2] for r in rows], pa.string()),
            "probability": pa.array([r[3] for r in rows], pa.float64()),
        }
    )
    store.con.register("ht_new_parts", table)
    try:
        with store.transaction() as con:
            con.execute("INSERT INTO incident_part SELECT ?, * FROM ht_new_parts", [run_id])
    finally:
        store.con.unregister("ht_new_parts")


def parts_of(store: Store, incident_id: str) -> dict[str, Any]:
    """The containment of one current incident: ``part_of`` (the whole it is part of, with method and
    probability, or None) and ``parts`` (its parts, by id)."""
    rows = store.rows(
        f"SELECT * FROM ({current_parts_sql()}) WHERE part_id = ? OR whole_id = ? ORDER BY part_id",
        [incident_id, incident_id],
    )
    wholes = [_link(r, "whole_id") for r in rows if r["part_id"] == incident_id]
    return {
        "part_of": wholes[0] if wholes else None,
        "parts": [_link(r, "part_id") for r in rows if r["whole_id"] == incident_id],
    }


def _link(row: dict[str, Any], other: str) -> dict[str, Any]:
    return {"incident_id": row[other], "method": row["method"], "probability": row["probability"]}
