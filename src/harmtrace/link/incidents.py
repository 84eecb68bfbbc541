"""`link_incidents`: the reports in the store linked into incidents, within and across sources, in one run.

A run does for reports what `harmtrace.link.victims` does for victim records, with the same tables
told apart by kind 'incidents':

1. builds the features of every report in the window (`harmtrace.link.incident_features`);
2. trains the incident model (`harmtrace.link.incident_model`) on them: unsupervised, then with the
   labelled pairs of `labels`, the analysts' decisions (`harmtrace.link.labels`) and the pairs one
   report of which cites the other (`harmtrace.link.citations`), one prior per pair of sources
   (`harmtrace.link.runs`);
3. scores the candidate pairs of its blocking rules and keeps those with a match probability of at
   least REVIEW_FLOOR in `link_pair`, each with its per-comparison detail JSON (`harmtrace.link.runs`);
4. adds a link for every pair of reports one of which cites the other (a UCDP event citing an Airwars
   incident's code: `harmtrace.link.citations`), method 'cited', probability 1.0, unless asked to
   ignore citations (to measure the model alone);
5. assigns each report of another source to at most one event of curated event data (UCDP GED,
   ACLED), by its share of the odds among its rivals and by how the reports' tolls add up to the
   event's (`harmtrace.link.assignment`): those pairs link at any probability (method 'assigned'),
   the other curated pairs never (method 'outmatched');
6. finds the reports that are parts of a curated source's event (two or more reports of one source
   assigned to it, or that it cites: `harmtrace.link.containment`), to keep each apart from its whole;
7. clusters the pairs at `threshold` (and the assigned ones), respecting analyst decisions of kind
   'incidents' (`harmtrace.link.clusters`) and keeping apart two reports of one source that only
   other reports chain together, or two records of curated event data (each event coded once)
   (`same_source_apart`), and gives the clusters stable incident ids "I0000042"
   (`harmtrace.link.identity`), with `link_event` history;
8. records the analysts' containment decisions ('part-of': a strike of a day's toll) and the parts
   step 6 found (method 'model', or 'cited' when the whole cites the part) as `incident_part` rows
   between the new incidents (`harmtrace.link.parts`): a part and its whole were kept apart in step 7,
   and figures count the two once.

`date_from` / `date_to` limit the run to reports whose date interval meets the window; every other
report is an incident of its own in this run (each report belongs to exactly one incident). All
writes happen in one transaction: a failed run leaves the previous incidents whole.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from harmtrace.choices import INCIDENT_THRESHOLD as DEFAULT_THRESHOLD
from harmtrace.errors import QueryError, param
from harmtrace.link.assignment import Assignment, assign_reports, assigned_apart, default_gate
from harmtrace.link.citations import CitedPairs, cited_pairs, write_cited_links
from harmtrace.link.clusters import LINKED, Clustering, cluster_records
from harmtrace.link.containment import detect_parts
from harmtrace.link.decisions import Decision, active_decisions
from harmtrace.link.engine import Backend
from harmtrace.link.identity import IdentityChanges, assign_ids
from harmtrace.link.incident_features import (
    INCIDENT_FEATURE_TABLE,
    SIGNATURE_SIZE,
    build_incident_features,
    curated_formats,
    incident_features_arrow,
)
from harmtrace.link.incident_model import INCIDENTS_SPEC, incident_comparisons
from harmtrace.link.kinds import INCIDENTS
from harmtrace.link.labels import all_labels
from harmtrace.link.parts import PartPair, PartsRecorded, decision_parts, record_parts
from harmtrace.link.runs import finish_run, score_features, write_run
from harmtrace.link.spec import LinkageSpec
from harmtrace.progress import Clock, Progress, silent
from harmtrace.store import Store


@dataclass(frozen=True)
class IncidentRun:
    """What a run did: reports, pairs kept and linked, incidents, identity changes, seconds per step."""

    run_id: int
    threshold: float
    reports: int
    linked_reports: int
    pairs_scored: int
    pairs_linked: int
    incidents: int
    multi_report_incidents: int
    cross_source_incidents: int
    identities: IdentityChanges
    parts: PartsRecorded  # the analysts' containment decisions recorded between the new incidents
    # report pairs linked because one cites the other; citations naming no stored report, or only
    # reports outside the window (none when citations were ignored: `citations_used` False)
    citations_used: bool = True
    citations_linked: int = 0
    citations_unmatched: int = 0
    citations_outside_window: int = 0
    # labelled pairs that trained the model (file, decisions, citations), and the file's pairs naming a
    # report the store lacks
    labels_used: int = 0
    labels_unresolved: int = 0
    # reports assigned to a curated event, and curated pairs another event outmatched
    # (`harmtrace.link.assignment`; None when the run used the threshold alone)
    assignment: Assignment | None = None
    seconds: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def link_incidents(
    store: Store,
    *,
    threshold: float = DEFAULT_THRESHOLD,
    date_from: date | None = None,
    date_to: date | None = None,
    backend: Backend | None = None,
    spec: LinkageSpec | None = None,
    labels: Path | None = None,
    use_citations: bool = True,
    assign: bool = True,
    share_floor: float | None = None,
    progress: Progress = silent,
) -> IncidentRun:
    """Link the reports in the store (those in the window) into incidents (module docstring).

    `threshold` is the match probability (0-1) at which two reports are one incident; `backend` is
    where Splink runs (default: a private in-memory DuckDB); `labels` a file of labelled pairs
    (`harmtrace.link.labels`) that, with the analysts' decisions and the pairs one report of which
    cites the other, trains the model's m probabilities; `use_citations` False links by the model
    alone (citations neither link nor train); `assign` False links reports to events of curated event
    data by `threshold` like any other pair, not by assignment (`harmtrace.link.assignment`), whose
    share floor and gate are `default_gate`'s for the labelled pairs that trained the model unless
    `share_floor` is given. `progress` is told each step as it starts.
    """
    if share_floor is not None and not 0.0 < share_floor <= 1.0:
        raise QueryError(f"{param('share_floor')} is a share above 0 and at most 1 (got {share_floor}).")
    if not 0.0 < threshold <= 1.0:
        raise QueryError(
            f"{param('threshold')} is a match probability above 0 and at most 1 (got {threshold})."
        )
    spec = spec or INCIDENTS_SPEC
    started = datetime.now(UTC).replace(tzinfo=None)
    clock = Clock(progress)
    with clock("features"):
        linked = build_incident_features(store, where=window_sql(date_from, date_to))
        table = incident_features_arrow(store)
        store.con.execute(f"DROP TABLE IF EXISTS {INCIDENT_FEATURE_TABLE}")
    if linked < 2:
        raise QueryError(
            f"{linked} report(s) to link{_window_text(date_from, date_to)}: import reports first "
            f"(harmtrace ingest ...) or widen {param('date_from')} / {param('date_to')}."
        )
    cited = cited_pairs(store, window_sql(date_from, date_to)) if use_citations else None
    known = all_labels(store, labels)
    training = _with_cited(known.pairs, cited)
    model, scored = score_features(
        table, spec, incident_comparisons(SIGNATURE_SIZE), backend, clock, training
    )
    with store.transaction():
        with clock("write pairs"):
            run_id = write_run(store, model, scored, started, linked, threshold, INCIDENTS.kind)
            cited_links = write_cited_links(store, run_id, INCIDENTS.kind, cited) if cited else 0
        decisions = active_decisions(store, INCIDENTS)
        with clock("assignment"):
            gate = default_gate(training.num_rows, threshold, share_floor)
            assigned = assign_reports(store, run_id, threshold, decisions, gate) if assign else None
        with clock("incidents"):
            identities, parts = _incidents(store, run_id, threshold, decisions)
        finish_run(store, run_id, identities.persons)
    run = _summary(store, run_id, threshold, linked, scored.num_rows, (identities, parts), clock.seconds)
    labelled = replace(
        run, labels_used=training.num_rows, labels_unresolved=known.unresolved, assignment=assigned
    )
    return _with_citations(labelled, cited, cited_links)


def _incidents(
    store: Store, run_id: int, threshold: float, decisions: list[Decision]
) -> tuple[IdentityChanges, PartsRecorded]:
    """Cluster run `run_id` into incidents with their ids, parts kept apart from their wholes and
    recorded (module docstring, steps 6-8)."""
    found = _undecided(detect_parts(store, run_id, threshold, curated_formats()), decisions)
    wholes = (
        np.asarray([f[0] for f in found], dtype=np.int64),
        np.asarray([f[1] for f in found], dtype=np.int64),
    )
    clustering = _clusters(store, run_id, threshold, wholes)
    identities = assign_ids(
        store, run_id, clustering.representative_of(), clustering.probability_of(), INCIDENTS
    )
    parts = record_parts(store, run_id, [*decision_parts(decisions), *found])
    return identities, parts


def _with_cited(labels: pa.Table, cited: CitedPairs | None) -> pa.Table:
    """The labelled pairs and the cited ones: a source citing another's record says they match."""
    if cited is None or not cited.table.num_rows:
        return labels
    pairs = pa.table(
        {"unique_id_l": cited.citing, "unique_id_r": cited.cited, "relation": ["same"] * cited.table.num_rows}
    )
    return pa.concat_tables([labels, pairs.cast(labels.schema)])


def _clusters(
    store: Store, run_id: int, threshold: float, wholes: tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]
) -> Clustering:
    """The run's clusters at `threshold`, with each part kept apart from its whole (`wholes`) and every
    pair `same_source_apart` and `assigned_apart` find in the clusters of the links alone kept apart:
    any cluster of the final clustering lies inside one of those, so no such pair is left to find."""
    linked = cluster_records(store, run_id, threshold, INCIDENTS)
    apart = same_source_apart(store, run_id, threshold, linked)
    elsewhere = assigned_apart(store, run_id, linked)
    both = (
        np.concatenate([apart[0], elsewhere[0], wholes[0]]),
        np.concatenate([apart[1], elsewhere[1], wholes[1]]),
    )
    return cluster_records(store, run_id, threshold, INCIDENTS, apart=both)


def _undecided(found: list[PartPair], decisions: list[Decision]) -> list[PartPair]:
    """The detected parts whose pair no analyst decided on (a decision, of any verdict, stands)."""
    decided = {(d.id_a, d.id_b) for d in decisions}
    return [f for f in found if (min(f[0], f[1]), max(f[0], f[1])) not in decided]


def _with_citations(run: IncidentRun, cited: CitedPairs | None, links: int) -> IncidentRun:
    if cited is None:
        return replace(run, citations_used=False)
    return replace(
        run,
        citations_linked=links,
        citations_unmatched=cited.unmatched,
        citations_outside_window=cited.outside,
    )


def same_source_apart(
    store: Store, run_id: int, threshold: float, clustering: Clustering
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Pairs of reports of one source that a clustering chains into one incident without linking them
    directly (their own pair below `threshold`, or never scored), and no analyst called the same.

    A source seldom reports one strike twice (an update links directly: same words, same facts), so
    two of its reports joined only through others' are most often two strikes of one day in one town
    that a third report resembles both: clustering keeps them apart (`cluster_records`, ``apart``).
    A source imported from curated event data (`harmtrace.ingest.DEDUPLICATED_FORMATS`: UCDP GED,
    ACLED) codes each event once, so two of its records with different ids are kept apart even when
    their own pair clears the threshold (two dyads fighting in one town on one day are two events).
    """
    members = pa.table({"report_id": clustering.victim_ids, "rep": clustering.representatives})
    store.con.register("ht_clustered_reports", members)
    try:
        found = store.con.execute(
            "WITH m AS (SELECT c.report_id, c.rep, r.source_id, r.record_id, "
            f"list_contains({curated_formats()}, f.format) AS curated FROM ht_clustered_reports c "
            "JOIN report r USING (report_id) JOIN batch f USING (batch_id)), "
            "shared AS (SELECT rep, source_id FROM m GROUP BY ALL HAVING count(*) > 1) "
            "SELECT a.report_id AS id_a, b.report_id AS id_b FROM m a JOIN shared USING (rep, source_id) "
            "JOIN m b ON b.rep = a.rep AND b.source_id = a.source_id AND b.report_id > a.report_id "
            "WHERE (a.curated AND b.curated AND a.record_id IS DISTINCT FROM b.record_id "
            "OR NOT EXISTS (SELECT 1 FROM link_pair p WHERE p.run_id = ? AND p.kind = ? "
            "AND p.id_l = a.report_id AND p.id_r = b.report_id AND p.match_probability >= ?)) "
            "AND NOT EXISTS (SELECT 1 FROM decision d WHERE d.kind = ? AND d.superseded_by IS NULL "
            "AND d.verdict = 'same' AND d.id_a = a.report_id AND d.id_b = b.report_id)",
            [run_id, INCIDENTS.kind, threshold, INCIDENTS.kind],
        ).fetchnumpy()
    finally:
        store.con.unregister("ht_clustered_reports")
    return np.asarray(found["id_a"], dtype=np.int64), np.asarray(found["id_b"], dtype=np.int64)


def window_sql(
    date_from: date | None, date_to: date | None, starts: str = "r.date_start", ends: str = "r.date_end"
) -> str:
    """SQL condition: the date interval [`starts`, `ends`] (by default report ``r``'s) meets
    [date_from, date_to] (either open)."""
    if date_from and date_to and date_to < date_from:
        raise QueryError(f"{param('date_to')} {date_to} is before {param('date_from')} {date_from}.")
    parts = ["true"]
    if date_from is not None:
        parts.append(f"{ends} >= DATE '{date_from.isoformat()}'")
    if date_to is not None:
        parts.append(f"{starts} <= DATE '{date_to.isoformat()}'")
    return " AND ".join(parts)


def _window_text(date_from: date | None, date_to: date | None) -> str:
    if date_from is None and date_to is None:
        return ""
    return f" between {date_from or 'the start'} and {date_to or 'the end'}"


def _summary(
    store: Store,
    run_id: int,
    threshold: float,
    linked: int,
    pairs: int,
    outcome: tuple[IdentityChanges, PartsRecorded],
    seconds: dict[str, float],
) -> IncidentRun:
    identities, parts = outcome
    row = store.rows(
        "SELECT count(*) FILTER (WHERE n > 1) AS multi, count(*) FILTER (WHERE sources > 1) AS cross "
        "FROM (SELECT m.incident_id, count(*) AS n, count(DISTINCT r.source_id) AS sources "
        "FROM incident_member m JOIN report r USING (report_id) WHERE m.run_id = ? GROUP BY ALL)",
        [run_id],
    )[0]
    pairs_linked = store.scalar(
        f"SELECT count(*) FROM link_pair WHERE run_id = ? AND kind = ? AND {LINKED}",
        [run_id, INCIDENTS.kind, threshold],
    )
    return IncidentRun(
        run_id=run_id,
        threshold=threshold,
        reports=identities.records,
        linked_reports=linked,
        pairs_scored=pairs,
        pairs_linked=int(pairs_linked),
        incidents=identities.persons,
        multi_report_incidents=int(row["multi"]),
        cross_source_incidents=int(row["cross"]),
        identities=identities,
        parts=parts,
        seconds={k: round(v, 2) for k, v in seconds.items()},
    )
