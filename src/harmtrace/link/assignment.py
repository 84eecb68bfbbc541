"""Reports assigned to the events of curated event data: one event per report, the tolls adding up.

Curated event data (UCDP GED, ACLED: `harmtrace.ingest.DEDUPLICATED_FORMATS`) codes each event once,
and any other report (a monitor's incident, a video, a post) tells of one strike, so it is the same as,
or a part of, at most one curated event. A pairwise threshold ignores that: on a city's busy day every
event there looks alike to a report of it (same day, same town point), so either all pass or none do,
and on a quiet day the one candidate event stays below the threshold although nothing competes. On
the real 2017 pairs (UCDP GED against Airwars, docs/linkage.md) a true pair's pairwise probability
says less than its standing among its rivals.

So for the pairs of a run between a curated event and a report of another source:

1. each pair's *share* is its odds against the odds of every rival: the report's other candidate
   events, and the event's candidates among the other strikes of the report's source,
   share = odds / (1 + sum of rivals' odds + odds). A strike is a group of reports the run links at
   its threshold (ten videos of one strike are one rival, at the odds of the likeliest);
2. the pairs with a share of at least the floor / 2**8 are the candidates; a candidate's gain is
   log2(share / floor), so one at the floor (SHARE_FLOOR unless asked) gains nothing. Shares are
   measured to hold only for a model trained on labels: unless LABELS_FOR_FLOOR labelled pairs or more
   trained it, or a floor is asked for, only the pairs that clear the run's threshold take part (as
   candidates and as rivals), and the assignment only chooses among the pairs the threshold would
   link (`Gate`, `default_gate`);
3. each connected group of candidates is solved as an integer programme (`scipy.optimize.milp`,
   HiGHS): every report goes to at most one event; an event with reports pays COUNT_PENALTY for each
   share of its own toll by which the reports' civilians killed miss it (the sum of their minima
   above its maximum, or the sum of their maxima below its minimum; a report without a count is no
   bound), and the sum of their minima never passes its maximum by more than EXCESS_BOUND times
   that maximum (at least 2: a city's busy day does not pile every strike onto the one event the
   source coded); the chosen pairs maximise total gain minus penalties. A group with no count to
   weigh, or one the solver does not finish in SOLVER_SECONDS, takes each report's best event above
   the floor.

A report linked to an event by citation, or whose pair with a curated event an analyst decided
(same, part-of, contains), is not assigned; a pair an analyst called different is no candidate.
The chosen pairs are marked method 'assigned' in `link_pair` (their probability is the model's, the
detail gains the share and the number of rival events); the other curated pairs, method
'outmatched': clustering links the first at any probability and never the second
(`harmtrace.link.clusters`). An event holding two or more assigned reports of one source is their
whole (`harmtrace.link.containment`).

SHARE_FLOOR, COUNT_PENALTY and EXCESS_BOUND were chosen on the pairs of January-June 2017 and scored
on July-December (`benchmarks/real_incidents.py`, docs/linkage.md); the gate without labels after a
hand check of the demo's links (UCDP against a video archive: docs/linkage_handcheck_demo.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from harmtrace.choices import LABELS_FOR_FLOOR, SHARE_FLOOR
from harmtrace.link.clusters import Clustering, FloatArray, IntArray
from harmtrace.link.decisions import Decision
from harmtrace.link.incident_features import civilians_killed_sql, curated_formats
from harmtrace.link.kinds import INCIDENTS
from harmtrace.store import Store

if TYPE_CHECKING:
    import scipy.sparse as sp

COUNT_PENALTY: Final = 2.0
SOLVER_SECONDS: Final = 10.0
# far below any gain that differs; the cost of a pair to a later event, over a group's events (HiGHS
# solves each group to optimality, `_solve`: its default relative gap, 0.01%, is 0.1 bits over a city)
TIE_BITS: Final = 1e-3
EXCESS_BOUND: Final = 1.0  # an event's reports sum at most this many times its maximum (at least 2) above it
CANDIDATE_BITS: Final = 8  # candidates reach this many bits below the floor (a count may call them in)


@dataclass(frozen=True)
class Candidates:
    """The candidate pairs of one run, aligned arrays: event, report, share, gain, and the tolls."""

    event: IntArray
    report: IntArray
    share: FloatArray
    gain: FloatArray
    rivals: IntArray
    report_lo: FloatArray
    report_hi: FloatArray
    event_lo: FloatArray
    event_hi: FloatArray

    def subset(self, rows: IntArray) -> Candidates:
        return Candidates(*(getattr(self, f)[rows] for f in self.__dataclass_fields__))


@dataclass(frozen=True)
class Gate:
    """Which pairs may be assigned: a share of at least `floor` (the gain is log2(share / floor)) and
    a match probability of at least `min_probability`."""

    floor: float = SHARE_FLOOR
    min_probability: float = 0.0


def default_gate(labelled_pairs: int, threshold: float, floor: float | None = None) -> Gate:
    """The gate of a run whose model `labelled_pairs` labelled pairs trained (module docstring): the
    share floor alone when asked for one or trained on enough labels, else the threshold too."""
    if floor is not None:
        return Gate(floor)
    return Gate() if labelled_pairs >= LABELS_FOR_FLOOR else Gate(SHARE_FLOOR, threshold)


@dataclass(frozen=True)
class Assignment:
    """What `assign_reports` did: its gate, pairs assigned, curated pairs outmatched, groups solved."""

    gate: Gate
    assigned: int
    outmatched: int
    groups_solved: int
    groups_greedy: int


def assign_reports(
    store: Store, run_id: int, threshold: float, decisions: list[Decision], gate: Gate
) -> Assignment:
    """Assign the reports of run `run_id` to curated events and mark the pairs (module docstring);
    `threshold` is the run's, which groups reports into strikes."""
    pairs = _curated_pairs(store, run_id)
    if not pairs.num_rows:
        return Assignment(gate, 0, 0, 0, 0)
    gated = pc.greater_equal(pairs.column("p"), gate.min_probability).to_numpy(zero_copy_only=False)
    open_pairs = pairs.filter(pa.array(~_settled(pairs, decisions) & gated))
    candidates = _candidates(open_pairs, _strikes(store, run_id, threshold, open_pairs), gate)
    chosen, solved, greedy = choose(candidates)
    _mark(store, run_id, pairs, candidates.subset(chosen))
    scored = pc.sum(pc.equal(pairs.column("method"), "model")).as_py() or 0
    return Assignment(gate, int(chosen.size), int(scored) - int(chosen.size), solved, greedy)


def assigned_apart(store: Store, run_id: int, clustering: Clustering) -> tuple[IntArray, IntArray]:
    """Pairs (report, curated report) to keep apart: a report assigned to one curated event (or citing
    or cited by one) that `clustering` chains to another curated event through other reports (two
    videos of one strike assigned to two events of a day)."""
    members = pa.table({"report_id": clustering.victim_ids, "rep": clustering.representatives})
    store.con.register("ht_clustered_reports", members)
    try:
        found = store.con.execute(
            _APART_SQL.format(curated=curated_formats()), [run_id, INCIDENTS.kind]
        ).fetchnumpy()
    finally:
        store.con.unregister("ht_clustered_reports")
    return np.asarray(found["id_a"], dtype=np.int64), np.asarray(found["id_b"], dtype=np.int64)


def _curated_pairs(store: Store, run_id: int) -> pa.Table:
    """The run's pairs between a curated event and a report of another source, with both tolls."""
    return store.con.sql(
        _PAIRS_SQL.format(curated=curated_formats(), killed=civilians_killed_sql()),
        params=[run_id, INCIDENTS.kind],
    ).to_arrow_table()


def _settled(pairs: pa.Table, decisions: list[Decision]) -> npt.NDArray[np.bool_]:
    """Per pair: whether it is out of the assignment: its report cites or is cited by a curated event,
    or an analyst decided it with one (same, part-of, contains), or the pair was called different."""
    event = pairs.column("event").to_numpy().astype(np.int64)
    report = pairs.column("report").to_numpy().astype(np.int64)
    cited = pairs.column("method").to_numpy(zero_copy_only=False) == "cited"
    events = set(event.tolist())
    different = [_pair_key(d.id_a, d.id_b) for d in decisions if d.verdict == "different"]
    decided = [
        d.id_b if d.id_a in events else d.id_a
        for d in decisions
        if d.verdict != "different" and (d.id_a in events) != (d.id_b in events)
    ]
    fixed = np.concatenate([report[cited], np.asarray(decided, dtype=np.int64)])
    key = _pair_key(np.minimum(event, report), np.maximum(event, report))
    return np.isin(report, fixed) | np.isin(key, np.asarray(different, dtype=np.int64))


def _pair_key(low: Any, high: Any) -> Any:
    """One integer per unordered pair of report ids (`low` < `high`; ids below 2**31)."""
    return low * 2**31 + high


def _strikes(store: Store, run_id: int, threshold: float, pairs: pa.Table) -> IntArray:
    """Per pair, the strike of its report: the connected group of the pairs' reports that the run
    links to each other at `threshold` (copies of one strike are no rivals of each other)."""
    reports = np.unique(pairs.column("report").to_numpy().astype(np.int64))
    store.con.register("ht_assign_reports", pa.table({"report_id": reports}))
    try:
        linked = store.con.execute(_STRIKE_SQL, [run_id, INCIDENTS.kind, threshold]).fetchnumpy()
    finally:
        store.con.unregister("ht_assign_reports")
    u = np.searchsorted(reports, np.asarray(linked["id_l"], dtype=np.int64))
    v = np.searchsorted(reports, np.asarray(linked["id_r"], dtype=np.int64))
    labels = _components(u, v, reports.size)
    at = np.searchsorted(reports, pairs.column("report").to_numpy().astype(np.int64))
    return np.asarray(labels[at], dtype=np.int64)


def _candidates(open_pairs: pa.Table, strike: IntArray, gate: Gate) -> Candidates:
    """The open pairs' shares (module docstring, step 1) and the candidates among them (step 2)."""
    p = np.clip(open_pairs.column("p").to_numpy(), 0.0, 1.0 - 1e-12)
    odds = p / (1.0 - p)
    event = open_pairs.column("event").to_numpy().astype(np.int64)
    report = open_pairs.column("report").to_numpy().astype(np.int64)
    source = open_pairs.column("report_source").to_numpy().astype(np.int64)
    by_report = _group_sum(report, odds)
    share = odds / (1.0 + by_report + _other_strikes(event, source, strike, odds))
    floor = gate.floor
    keep = np.flatnonzero(share >= floor / 2.0**CANDIDATE_BITS)
    rivals = _group_count(report[keep]) - 1
    return Candidates(
        event[keep], report[keep], share[keep], np.log2(share[keep] / floor), rivals,
        *(_toll(open_pairs, c)[keep] for c in ("report_lo", "report_hi", "event_lo", "event_hi")),
    )  # fmt: skip


def _other_strikes(event: IntArray, source: IntArray, strike: IntArray, odds: FloatArray) -> FloatArray:
    """Per pair: the summed odds of its event to the other strikes of its report's source, each strike
    at its likeliest report's odds."""
    keys = np.stack([event, source, strike], axis=1)
    groups, inverse = np.unique(keys, axis=0, return_inverse=True)
    inverse = inverse.ravel()
    best = np.zeros(groups.shape[0])
    np.maximum.at(best, inverse, odds)
    _, per_source = np.unique(groups[:, :2], axis=0, return_inverse=True)
    total = np.bincount(per_source.ravel(), weights=best)
    return np.asarray(total[per_source.ravel()][inverse] - best[inverse], dtype=np.float64)


def _group_sum(keys: IntArray, values: FloatArray) -> FloatArray:
    _, inverse = np.unique(keys, return_inverse=True)
    return np.asarray(np.bincount(inverse, weights=values)[inverse], dtype=np.float64)


def _group_count(keys: IntArray) -> IntArray:
    _, inverse, counts = np.unique(keys, return_inverse=True, return_counts=True)
    return counts[inverse].astype(np.int64)


def _toll(pairs: pa.Table, column: str) -> FloatArray:
    """A toll column as floats, NaN where unknown."""
    values = pc.cast(pairs.column(column), pa.float64()).to_numpy(zero_copy_only=False)
    return np.asarray(values, dtype=np.float64)


def choose(c: Candidates) -> tuple[IntArray, int, int]:
    """Indices of the chosen candidates, and how many groups the solver and the fallback settled."""
    if not c.event.size:
        return np.zeros(0, dtype=np.int64), 0, 0
    groups = _groups(c.event, c.report)
    order = np.argsort(groups, kind="stable")
    bounds = np.flatnonzero(np.diff(groups[order])) + 1
    chosen: list[IntArray] = []
    solved = greedy = 0
    for rows in np.split(order, bounds):
        picked = _solve(c.subset(rows)) if _weighable(c, rows) else None
        solved, greedy = (solved + 1, greedy) if picked is not None else (solved, greedy + 1)
        chosen.append(rows[picked] if picked is not None else rows[_best_each(c.subset(rows))])
    return np.sort(np.concatenate(chosen)), solved, greedy


def _groups(event: IntArray, report: IntArray) -> IntArray:
    """The connected group of each candidate pair (events and reports joined by pairs)."""
    nodes, index = np.unique(np.concatenate([event, report]), return_inverse=True)
    u, v = index[: event.size], index[event.size :]
    return _components(u, v, nodes.size)[u]


def _components(u: IntArray, v: IntArray, size: int) -> IntArray:
    """The connected component of each of `size` nodes joined by the edges (u, v)."""
    # scipy is imported where used: scipy.sparse, csgraph and optimize take half a second to import,
    # which every command would pay
    import scipy.sparse as sp
    from scipy.sparse.csgraph import connected_components

    graph = sp.coo_matrix((np.ones(u.size), (u, v)), shape=(size, size))
    return np.asarray(connected_components(graph, directed=False)[1], dtype=np.int64)


def _weighable(c: Candidates, rows: IntArray) -> bool:
    """Whether a group has rivals and a count on both sides to weigh."""
    return bool(
        rows.size > 1 and np.isfinite(c.event_hi[rows]).any() and np.isfinite(c.report_lo[rows]).any()
    )


def _best_each(c: Candidates) -> IntArray:
    """Each report's best event, where its gain is positive (ties: the lower event id)."""
    order = np.lexsort((c.event, -c.gain, c.report))
    first = order[np.r_[True, c.report[order][1:] != c.report[order][:-1]]]
    return np.sort(first[c.gain[first] > 0])


def _solve(c: Candidates) -> IntArray | None:
    """The chosen rows of one group by the integer programme (module docstring, step 3), or None when
    the solver does not finish."""
    from scipy.optimize import Bounds, LinearConstraint, milp  # imported where used (`_components`)

    n, events = c.event.size, np.unique(c.event)
    m = events.size
    e = np.searchsorted(events, c.event)
    r = np.unique(c.report, return_inverse=True)[1]
    lo, hi = np.nan_to_num(c.report_lo, nan=0.0), np.nan_to_num(c.report_hi, nan=np.inf)
    hi = np.where(np.isfinite(hi), np.maximum(hi, lo), 1e9)
    ev_lo = np.nan_to_num(_per_event(c.event_lo, e, m), nan=0.0)
    ev_hi = _per_event(c.event_hi, e, m)
    ev_hi = np.where(np.isfinite(ev_hi), np.maximum(ev_hi, ev_lo), 1e9)
    scale = COUNT_PENALTY / np.maximum(1.0, np.where(ev_hi < 1e9, ev_hi, 1.0))
    # variables: x (n pairs), y (m events used), d (m toll misses); a pair to a later event costs a
    # trifle more, so that a report's tie between two events goes to the lower event id (as
    # `_best_each`); two reports swapped between two identical events remain an exact tie, settled by
    # the solver the same way for the same input (and giving the same figures either way)
    tie = TIE_BITS * e / max(m, 1)
    cost = np.concatenate([-c.gain + tie, np.zeros(m), np.where(ev_hi < 1e9, scale, 0.0)])
    rows = _constraints(n, m, e, r, (lo, hi, ev_lo, ev_hi))
    upper = np.r_[np.ones(int(r.max()) + 1), np.zeros(rows.shape[0] - int(r.max()) - 1)]
    result = milp(
        cost,
        constraints=LinearConstraint(rows, -np.inf, upper),
        integrality=np.concatenate([np.ones(n + m), np.zeros(m)]),
        bounds=Bounds(np.zeros(n + 2 * m), np.concatenate([np.ones(n + m), np.full(m, np.inf)])),
        options={"time_limit": SOLVER_SECONDS, "mip_rel_gap": 0.0},
    )
    if result.x is None or result.status not in (0, 1):
        return None
    return np.flatnonzero(result.x[:n] > 0.5).astype(np.int64)


def _per_event(values: FloatArray, e: IntArray, m: int) -> FloatArray:
    out = np.full(m, np.nan)
    out[e] = values
    return out


def _constraints(
    n: int, m: int, e: IntArray, r: IntArray, tolls: tuple[FloatArray, FloatArray, FloatArray, FloatArray]
) -> sp.csr_matrix:
    """The programme's rows over (x, y, d): the first block (one per report) at most 1, the others at
    most 0."""
    import scipy.sparse as sp  # imported where used (`_components`)

    lo, hi, ev_lo, ev_hi = tolls
    width, pair, event = n + 2 * m, np.arange(n), np.arange(m)

    def toll_rows(x_coef: FloatArray, y_coef: FloatArray) -> sp.coo_matrix:
        # sum x_coef x + y_coef y - d <= 0, one row per event
        values = np.r_[x_coef, y_coef, -np.ones(m)]
        rows, cols = np.r_[e, event, event], np.r_[pair, n + event, n + m + event]
        return sp.coo_matrix((values, (rows, cols)), shape=(m, width))

    one_event = sp.coo_matrix((np.ones(n), (r, pair)), shape=(int(r.max()) + 1, width))  # sum x <= 1
    used = sp.coo_matrix(  # x - y <= 0: a pair only with its event used
        (np.r_[np.ones(n), -np.ones(n)], (np.r_[pair, pair], np.r_[pair, n + e])), shape=(n, width)
    )
    too_many, too_few = toll_rows(lo, -ev_hi), toll_rows(-hi, ev_lo)
    # sum lo x - cap y <= 0: the reports' minima never pass the event's maximum by more than the cap
    cap = np.where(ev_hi < 1e9, ev_hi + EXCESS_BOUND * np.maximum(2.0, ev_hi), 1e9)
    bounded = sp.coo_matrix((np.r_[lo, -cap], (np.r_[e, event], np.r_[pair, n + event])), shape=(m, width))
    return sp.vstack([one_event, used, too_many, too_few, bounded]).tocsr()


def _mark(store: Store, run_id: int, pairs: pa.Table, chosen: Candidates) -> None:
    """Mark the chosen pairs 'assigned' (with share and rivals in the detail), the other model pairs
    of `pairs` 'outmatched'."""
    event, report = pairs.column("event").to_numpy(), pairs.column("report").to_numpy()
    curated = pa.table({"id_l": np.minimum(event, report), "id_r": np.maximum(event, report)})
    table = pa.table(
        {
            "id_l": np.minimum(chosen.event, chosen.report),
            "id_r": np.maximum(chosen.event, chosen.report),
            "share": np.round(chosen.share, 4),
            "rivals": chosen.rivals,
        }
    )
    store.con.register("ht_curated_pairs", curated)
    store.con.register("ht_assigned", table)
    try:
        store.con.execute(_OUTMATCHED_SQL, [run_id, INCIDENTS.kind])
        store.con.execute(_ASSIGNED_SQL, [run_id, INCIDENTS.kind])
    finally:
        store.con.unregister("ht_assigned")
        store.con.unregister("ht_curated_pairs")


_PAIRS_SQL: Final = """
WITH side AS (
    SELECT r.report_id, r.source_id, list_contains({curated}, b.format) AS curated
    FROM report r JOIN batch b USING (batch_id)),
killed AS ({killed})
SELECT CASE WHEN sl.curated THEN p.id_l ELSE p.id_r END AS event,
    CASE WHEN sl.curated THEN p.id_r ELSE p.id_l END AS report,
    CASE WHEN sl.curated THEN sr.source_id ELSE sl.source_id END AS report_source,
    p.match_probability AS p, p.method,
    kr.killed_lo AS report_lo, kr.killed_hi AS report_hi, ke.killed_lo AS event_lo, ke.killed_hi AS event_hi
FROM link_pair p JOIN side sl ON sl.report_id = p.id_l JOIN side sr ON sr.report_id = p.id_r
LEFT JOIN killed kr ON kr.report_id = CASE WHEN sl.curated THEN p.id_r ELSE p.id_l END
LEFT JOIN killed ke ON ke.report_id = CASE WHEN sl.curated THEN p.id_l ELSE p.id_r END
WHERE p.run_id = ? AND p.kind = ? AND sl.curated <> sr.curated
ORDER BY event, report
"""
# the pairs the run links at the threshold between two reports to assign (copies of one strike)
_STRIKE_SQL: Final = """
SELECT p.id_l, p.id_r FROM link_pair p
JOIN ht_assign_reports a ON a.report_id = p.id_l JOIN ht_assign_reports b ON b.report_id = p.id_r
WHERE p.run_id = ? AND p.kind = ? AND p.match_probability >= ?
"""
# a report's assigned (or cited) events, and the curated reports of its cluster that are none of them
_APART_SQL: Final = """
WITH m AS (
    SELECT c.report_id, c.rep, list_contains({curated}, b.format) AS curated
    FROM ht_clustered_reports c JOIN report r USING (report_id) JOIN batch b USING (batch_id)),
matched AS (
    SELECT CASE WHEN ml.curated THEN p.id_r ELSE p.id_l END AS report,
        CASE WHEN ml.curated THEN p.id_l ELSE p.id_r END AS event
    FROM link_pair p JOIN m ml ON ml.report_id = p.id_l JOIN m mr ON mr.report_id = p.id_r
    WHERE p.run_id = $1 AND p.kind = $2 AND p.method IN ('assigned', 'cited') AND ml.curated <> mr.curated)
SELECT DISTINCT least(a.report_id, e.report_id) AS id_a, greatest(a.report_id, e.report_id) AS id_b
FROM (SELECT DISTINCT report FROM matched) x JOIN m a ON a.report_id = x.report
JOIN m e ON e.rep = a.rep AND e.curated
WHERE NOT EXISTS (SELECT 1 FROM matched y WHERE y.report = x.report AND y.event = e.report_id)
"""
# every model pair between a curated event and another source's report becomes 'outmatched', then the
# chosen ones 'assigned'
_OUTMATCHED_SQL: Final = """
UPDATE link_pair p SET method = 'outmatched' FROM ht_curated_pairs c
WHERE p.run_id = $1 AND p.kind = $2 AND p.id_l = c.id_l AND p.id_r = c.id_r AND p.method = 'model'
"""
_ASSIGNED_SQL: Final = """
UPDATE link_pair p SET method = 'assigned',
    detail = json_merge_patch(
        coalesce(p.detail, '{}'),
        json_object('assigned', json_object('share', a.share, 'rival_events', a.rivals)))
FROM ht_assigned a
WHERE p.run_id = $1 AND p.kind = $2 AND p.id_l = a.id_l AND p.id_r = a.id_r AND p.method = 'outmatched'
"""
