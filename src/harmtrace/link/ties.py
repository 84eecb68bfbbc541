"""Victim records tied to the reports of the events they died in (`victim_report`), by evidence.

An incident's minimum killed is never below the number of distinct persons tied to it
(`harmtrace.assess.items`); this module writes the ties, each with its method:

- ``media``: the victim record and the report cite the same video or link (`harmtrace.link.tie_media`);
- ``date_place``: the victim died on the day and in the place of exactly one incident whose means fit
  the cause of death (`harmtrace.link.tie_places`);
- ``declared``: the victim list itself names the report (a column of the list carrying the report's
  own id in its source, e.g. an Airwars-style list naming its incident code), read from the raw
  documents kept at import.

A tie is written only when the evidence points to one incident (a report no link run has seen is an
incident of its own). When it points to several, or only to incidents whose means contradict the
cause, nothing is written and the victim record is listed for review with its candidates. A victim
record already tied by another method (an analyst, an importer) is left to it, and a record tied by
media is not tied again by date and place. Each run replaces the ties of the methods it runs, in one
transaction; other methods' rows are never touched.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass, field, replace
from typing import TYPE_CHECKING, Any, Final

import pyarrow as pa

from harmtrace.choices import TIE_METHODS as AUTOMATIC
from harmtrace.errors import InputError
from harmtrace.link.tie_media import csv_cells, document_media
from harmtrace.link.tie_places import candidates_sql, cause_kinds, compatible, register_places
from harmtrace.store.relations import relation_sql

if TYPE_CHECKING:
    from harmtrace.store import Store

METHODS: Final = ("media", "date_place", "declared")
# the victim's media are in several incidents of one day and one place text: most likely one event
# that incident linkage kept apart; which of them holds the person would be a guess
SPLIT_EVENT: Final = "several incidents of one day and place: merge them (harmtrace review incidents)"


@dataclass(frozen=True)
class Review:
    """A victim record the evidence does not tie to one incident: why, and the incidents it points to."""

    victim_id: int
    record_id: str | None
    method: str
    reason: str
    incident_ids: list[str]
    report_ids: list[int]
    died_on: str | None = None  # the record's date of death (ISO) and place of death, as listed
    place: str | None = None


@dataclass
class TieRun:
    """What a run wrote: ties and tied victim records per method, and what it left for review."""

    ties: dict[str, int] = field(default_factory=dict)
    victims: dict[str, int] = field(default_factory=dict)
    incidents: dict[str, int] = field(default_factory=dict)
    review: list[Review] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "review_count": len(self.review)}


Tie = tuple[int, int, str]  # (victim_id, report_id, method)


@dataclass(frozen=True)
class Declared:
    """A victim list's column that names, for each victim, the report's own id (`record_id`) in `source`."""

    column: str
    source: str


def tie_victims(
    store: Store, methods: tuple[str, ...] = AUTOMATIC, declared: Declared | None = None
) -> TieRun:
    """Tie victim records to reports by `methods` (and by `declared`, when given); replace those ties.

    Returns the counts written and the records left for review. Nothing is written unless every
    method ran through: the old ties stay as they were when any step fails.
    """
    unknown = sorted(set(methods) - set(AUTOMATIC))
    run_methods = tuple(m for m in AUTOMATIC if m in methods) + (("declared",) if declared else ())
    if unknown or not run_methods:
        raise InputError(
            f"Methods {unknown or 'none'} cannot be run: choose among {', '.join(AUTOMATIC)} "
            "(and give a declared column for 'declared')."
        )
    run = TieRun()
    settled = _tied_otherwise(store, run_methods)
    ties: list[Tie] = []
    if declared is not None:
        ties += _declared_ties(store, declared, settled, run)
    if "media" in run_methods:
        ties += _media_ties(store, settled | {t[0] for t in ties}, run)
    if "date_place" in run_methods:
        ties += _date_place_ties(store, settled | {t[0] for t in ties}, run)
    _write(store, ties, run_methods)
    _count(store, run_methods, run)
    return run


def _tied_otherwise(store: Store, methods: tuple[str, ...]) -> set[int]:
    """Victim records tied by a method this run does not replace (an analyst's, an importer's)."""
    marks = ", ".join("?" for _ in methods)
    sql = f"SELECT DISTINCT victim_id FROM victim_report WHERE method NOT IN ({marks})"
    return {r["victim_id"] for r in store.rows(sql, list(methods))}


def _register(store: Store, name: str, table: pa.Table) -> None:
    store.con.register("ht_tie_arrow", table)
    store.con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM ht_tie_arrow")
    store.con.unregister("ht_tie_arrow")


def _media_table(store: Store, table: str, key: str) -> pa.Table:
    pairs = list(document_media(store, table, key))
    return pa.table({"id": pa.array([p[0] for p in pairs], pa.int64()), "media": [p[1] for p in pairs]})


def _media_ties(store: Store, settled: set[int], run: TieRun) -> list[Tie]:
    """Ties of victim records to the reports citing the same media, when those are of one incident."""
    _register(store, "ht_tie_victim_media", _media_table(store, "victim_record", "victim_id"))
    _register(store, "ht_tie_report_media", _media_table(store, "report", "report_id"))
    rows = store.rows(
        f"""SELECT DISTINCT v.id AS victim_id, r.id AS report_id, m.incident_id,
               rr.source_id || ':' || coalesce(rr.record_id, 'report:' || rr.report_id) AS record,
               rr.date_start || ' ' || coalesce(lower(rr.place_text), '') AS day_place
        FROM ht_tie_victim_media v JOIN ht_tie_report_media r USING (media)
        JOIN ({relation_sql("incident_membership")}) m ON m.report_id = r.id
        JOIN report rr ON rr.report_id = r.id
        ORDER BY victim_id, report_id"""
    )
    by_victim: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        if row["victim_id"] not in settled:
            by_victim[row["victim_id"]].append(row)
    ties: list[Tie] = []
    for victim_id, found in by_victim.items():
        chosen = _one_event(found)
        if chosen is not None:
            ties += [(victim_id, r, "media") for r in chosen]
        else:
            incidents = sorted({f["incident_id"] for f in found})
            reports = [f["report_id"] for f in found]
            reason = "several incidents" if len({f["day_place"] for f in found}) > 1 else SPLIT_EVENT
            run.review.append(Review(victim_id, None, "media", reason, incidents, reports))
    return ties


def _one_event(found: list[dict[str, Any]]) -> list[int] | None:
    """The reports to tie when the found reports are of one event, else None.

    One event: one incident, or incidents that hold the same record of one source (a record in two
    export files is one report twice; linkage outside its window has not joined the copies). Of such
    copies, the incident of the lowest report id is taken, so the person counts in one incident only.
    """
    incidents = {f["incident_id"] for f in found}
    if len(incidents) > 1:
        records_of = defaultdict(set)
        for f in found:
            records_of[f["incident_id"]].add(f["record"])
        shared = set.intersection(*records_of.values())
        if not shared:
            return None
    first = min(found, key=lambda f: f["report_id"])["incident_id"]
    return [f["report_id"] for f in found if f["incident_id"] == first]


def _date_place_ties(store: Store, settled: set[int], run: TieRun) -> list[Tie]:
    """Ties of victim records to the one incident of their day and place whose means fit their cause."""
    register_places(store)
    by_victim: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in store.rows(candidates_sql() + " ORDER BY victim_id, incident_id"):
        if row["victim_id"] not in settled:
            by_victim[row["victim_id"]].append(row)
    ties: list[Tie] = []
    for victim_id, found in by_victim.items():
        if cause_kinds(found[0]["cause"]) == frozenset():
            continue  # died in custody, for want of care...: no event of the day to tie to
        fits = [f for f in found if compatible(f["cause"], f["means"])]
        if len(fits) == 1:
            ties.append((victim_id, fits[0]["report_id"], "date_place"))
            continue
        reason = "several incidents" if fits else "means contradict the cause"
        shown = fits or found
        incidents, reports = [f["incident_id"] for f in shown], [f["report_id"] for f in shown]
        run.review.append(Review(victim_id, None, "date_place", reason, incidents, reports))
    return ties


def _declared_ties(store: Store, declared: Declared, settled: set[int], run: TieRun) -> list[Tie]:
    """Ties of victim records to the report their list names (column `declared.column`)."""
    named = _declared_values(store, declared.column)
    if not store.scalar("SELECT count(*) FROM source WHERE name = ?", [declared.source]):
        sources = [r["name"] for r in store.rows("SELECT name FROM source ORDER BY name")]
        raise InputError(
            f"No source is named {declared.source!r}: the declared reports must be imported first. "
            f"Sources in the store: {', '.join(sources) or 'none'}."
        )
    victim_ids = pa.array([n[0] for n in named], pa.int64())
    _register(
        store, "ht_tie_declared", pa.table({"victim_id": victim_ids, "record_id": [n[1] for n in named]})
    )
    rows = store.rows(
        """SELECT d.victim_id, d.record_id, min(r.report_id) AS report_id
        FROM ht_tie_declared d LEFT JOIN (SELECT r.* FROM report r JOIN source s USING (source_id)
            WHERE s.name = ?) r ON r.record_id = d.record_id
        GROUP BY ALL ORDER BY d.victim_id""",
        [declared.source],
    )
    ties: list[Tie] = []
    for row in rows:
        if row["victim_id"] in settled:
            continue
        if row["report_id"] is None:
            reason = f"declared report {row['record_id']} not in {declared.source}"
            run.review.append(Review(row["victim_id"], None, "declared", reason, [], []))
        else:
            ties.append((row["victim_id"], row["report_id"], "declared"))
    return ties


def _declared_values(store: Store, column: str) -> list[tuple[int, str]]:
    """(victim_id, the report's record id) from `column` of the victims' raw documents."""
    batches = store.rows(
        "SELECT batch_id, header FROM batch WHERE list_contains(header, ?) "
        "AND batch_id IN (SELECT batch_id FROM victim_record)",
        [column],
    )
    if not batches:
        raise InputError(
            f"No imported victim list has a column {column!r}: name the column of the victim list that "
            "holds each victim's report id, as written in the list's header (see: harmtrace batches)."
        )
    values: list[tuple[int, str]] = []
    for batch in batches:
        index = list(batch["header"]).index(column)
        rows = store.rows(
            "SELECT v.victim_id, d.raw FROM victim_record v JOIN document d USING (batch_id, row_number) "
            "WHERE v.batch_id = ? ORDER BY v.victim_id",
            [batch["batch_id"]],
        )
        for row in rows:
            cell = _cell(row["raw"], index)
            if cell:
                values.append((row["victim_id"], cell))
    return values


def _cell(raw: bytes, index: int) -> str | None:
    cells = csv_cells(raw.decode("utf-8", errors="replace"))
    return cells[index].strip() or None if cells is not None and index < len(cells) else None


def _write(store: Store, ties: list[Tie], methods: tuple[str, ...]) -> None:
    """Replace the ties of `methods` with `ties`, in one transaction."""
    table = pa.table({
        "victim_id": pa.array([t[0] for t in ties], pa.int64()),
        "report_id": pa.array([t[1] for t in ties], pa.int64()),
        "method": pa.array([t[2] for t in ties], pa.string()),
    })  # fmt: skip
    marks = ", ".join("?" for _ in methods)
    with store.transaction() as con:
        con.execute(f"DELETE FROM victim_report WHERE method IN ({marks})", list(methods))
        con.register("ht_tie_rows", table)
        con.execute("INSERT INTO victim_report SELECT DISTINCT victim_id, report_id, method FROM ht_tie_rows")
        con.unregister("ht_tie_rows")


def _count(store: Store, methods: tuple[str, ...], run: TieRun) -> None:
    """Ties, victim records and incidents per method run, as written; review entries get record ids."""
    marks = ", ".join("?" for _ in methods)
    counts = store.rows(
        f"""SELECT method, count(*) AS ties, count(DISTINCT victim_id) AS victims,
               count(DISTINCT m.incident_id) AS incidents
        FROM victim_report JOIN ({relation_sql("incident_membership")}) m USING (report_id)
        WHERE method IN ({marks}) GROUP BY method""",
        list(methods),
    )
    by_method = {c["method"]: c for c in counts}
    for method in methods:
        c = by_method.get(method, {})
        run.ties[method], run.victims[method] = c.get("ties", 0), c.get("victims", 0)
        run.incidents[method] = c.get("incidents", 0)
    _name_records(store, run)


def _name_records(store: Store, run: TieRun) -> None:
    """Fill in the victims' own record ids, dates and places of death (never names) in the review list."""
    ids = sorted({r.victim_id for r in run.review})
    if not ids:
        return
    found = store.rows(
        "SELECT victim_id, record_id, strftime(date_start, '%Y-%m-%d') AS died_on, "
        "coalesce(place_of_death, place_of_death_ar) AS place "
        "FROM victim_record WHERE list_contains(?, victim_id)",
        [ids],
    )
    listed = {r["victim_id"]: r for r in found}
    run.review = [
        replace(r, record_id=v["record_id"], died_on=v["died_on"], place=v["place"])
        for r in run.review
        if (v := listed.get(r.victim_id)) is not None
    ]
