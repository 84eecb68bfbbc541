"""Reports assigned to curated events: one event per report, tolls adding up, rivals weighed; on the
programme alone and on a small store of invented reports with scored pairs written by hand."""

from __future__ import annotations

import numpy as np

from harmtrace.link.assignment import (
    LABELS_FOR_FLOOR,
    SHARE_FLOOR,
    Candidates,
    Gate,
    assign_reports,
    choose,
    default_gate,
)
from harmtrace.link.clusters import cluster_records
from harmtrace.link.decisions import active_decisions, record_decision
from harmtrace.link.incidents import _clusters
from harmtrace.link.kinds import INCIDENTS
from harmtrace.link.review import reasons
from harmtrace.store import Store
from tests.link.test_containment import _pairs, _store

NAN = float("nan")


def _candidates(
    pairs: list[tuple[int, int, float]], report_tolls: dict[int, float], event_tolls: dict[int, float]
) -> Candidates:
    """Candidates (event, report, share) with exact tolls (lo = hi; NaN unknown)."""
    event = np.array([p[0] for p in pairs], dtype=np.int64)
    report = np.array([p[1] for p in pairs], dtype=np.int64)
    share = np.array([p[2] for p in pairs], dtype=np.float64)
    rtoll = np.array([report_tolls[r] for r in report], dtype=np.float64)
    etoll = np.array([event_tolls[e] for e in event], dtype=np.float64)
    rivals = np.array([sum(1 for q in pairs if q[1] == r) - 1 for r in report], dtype=np.int64)
    return Candidates(event, report, share, np.log2(share / SHARE_FLOOR), rivals, rtoll, rtoll, etoll, etoll)


def _chosen(c: Candidates) -> dict[int, int]:
    rows, _, _ = choose(c)
    picked = [(int(c.report[i]), int(c.event[i])) for i in rows]
    assert len({r for r, _ in picked}) == len(picked), "a report went to two events"
    return dict(picked)


def test_the_tolls_decide_between_events_that_look_alike() -> None:
    # a city's day: event 1 counts 5 killed, event 2 one; the monitor lists strikes of 1, 4 and 1
    # killed; every pair looks the same but for the counts
    pairs = [(e, r, 0.2) for e in (1, 2) for r in (10, 11, 12)]
    chosen = _chosen(_candidates(pairs, {10: 1, 11: 4, 12: 1}, {1: 5, 2: 1}))
    assert chosen[11] == 1  # the strike of 4 is part of the toll of 5
    assert sorted(chosen[r] for r in (10, 12)) == [1, 2]  # one strike of 1 completes it, one is event 2
    # with no counts at all, each report takes its best event (ties: the lower id)
    unknown = _chosen(_candidates(pairs, {10: NAN, 11: NAN, 12: NAN}, {1: NAN, 2: NAN}))
    assert unknown == {10: 1, 11: 1, 12: 1}


def test_a_report_below_the_floor_stays_unassigned_unless_its_toll_completes_an_event() -> None:
    # a share just below the floor (gain -0.14 bits); missing a third of a toll costs COUNT_PENALTY / 3
    weak, strong = SHARE_FLOOR / 1.1, 0.5
    alone = _chosen(_candidates([(1, 10, weak)], {10: 2}, {1: 2}))
    assert alone == {}  # one pair, below the floor: nothing weighs for it
    # event 1 counts 6: the strong strike of 4 leaves 2 that only the weak one brings
    group = _chosen(_candidates([(1, 10, weak), (1, 11, strong)], {10: 2, 11: 4}, {1: 6}))
    assert group == {10: 1, 11: 1}
    # the same weak pair against an event the strong strike fills alone stays out
    full = _chosen(_candidates([(1, 10, weak), (1, 11, strong)], {10: 2, 11: 4}, {1: 4}))
    assert full == {11: 1}


def _methods(store: Store) -> dict[tuple[int, int], str]:
    return {
        (r["id_l"], r["id_r"]): r["method"]
        for r in store.rows("SELECT id_l, id_r, method FROM link_pair WHERE run_id = 1")
    }


def test_assigned_pairs_link_below_the_threshold_and_outmatched_ones_never(store: Store) -> None:
    ucdp, monitor = _store(store)
    (u1, u2, *_), (a1, a2, a3, *_) = list(ucdp.values()), list(monitor.values())
    _pairs(
        store,
        [
            (u1, a1, 0.30),  # a1's one candidate: below the threshold, nothing competes
            (u2, a2, 0.97), (u1, a2, 0.95),  # a2 matches both events; one of them takes it
            (a1, a3, 0.99),  # two reports of one source: no curated pair, untouched
        ],
    )  # fmt: skip
    done = assign_reports(store, 1, 0.9, active_decisions(store, INCIDENTS), Gate())
    methods = _methods(store)
    assert methods[(min(u1, a1), max(u1, a1))] == "assigned"
    a2_pairs = [methods[(min(u, a2), max(u, a2))] for u in (u1, u2)]
    assert sorted(a2_pairs) == ["assigned", "outmatched"]
    assert methods[(min(a1, a3), max(a1, a3))] == "model"
    assert (done.assigned, done.outmatched) == (2, 1)
    detail = store.scalar("SELECT detail FROM link_pair WHERE method = 'assigned' AND id_l = ? AND id_r = ?",
                          [min(u1, a1), max(u1, a1)])  # fmt: skip
    assert '"share"' in detail and '"rival_events":0' in detail.replace(" ", "")
    first = reasons(detail)[0]  # what the review shows first
    assert first["comparison"] == "assigned to this event" and "against 0 rival events" in str(first["level"])
    clusters = cluster_records(store, 1, 0.9, INCIDENTS).representative_of()
    assert clusters[u1] == clusters[a1]  # linked at 0.30: assigned
    loser = u1 if a2_pairs[0] == "outmatched" else u2
    assert clusters[loser] != clusters[a2]  # 0.95 or 0.97, outmatched: never linked


def test_an_analyst_decision_settles_a_pair_before_the_assignment(store: Store) -> None:
    ucdp, monitor = _store(store)
    (u1, u2, *_), (a1, *_) = list(ucdp.values()), list(monitor.values())
    _pairs(store, [(u1, a1, 0.96), (u2, a1, 0.40)])
    record_decision(store, "different", u1, a1, "two strikes", author="test", kind=INCIDENTS)
    assign_reports(store, 1, 0.9, active_decisions(store, INCIDENTS), Gate())
    methods = _methods(store)
    assert methods[(min(u2, a1), max(u2, a1))] == "assigned"  # the next event, once u1 is ruled out
    assert methods[(min(u1, a1), max(u1, a1))] == "outmatched"


def test_without_labels_only_pairs_at_the_threshold_are_assigned(store: Store) -> None:
    ucdp, monitor = _store(store)
    (u1, u2, *_), (a1, a2, *_) = list(ucdp.values()), list(monitor.values())
    _pairs(store, [(u1, a1, 0.30), (u2, a2, 0.97), (u1, a2, 0.95)])
    gate = default_gate(labelled_pairs=0, threshold=0.9)
    assert gate == Gate(SHARE_FLOOR, 0.9)
    assert default_gate(labelled_pairs=LABELS_FOR_FLOOR, threshold=0.9) == Gate(SHARE_FLOOR, 0.0)
    assert default_gate(labelled_pairs=0, threshold=0.9, floor=0.1) == Gate(0.1, 0.0)  # asked for
    done = assign_reports(store, 1, 0.9, active_decisions(store, INCIDENTS), gate)
    methods = _methods(store)
    assert methods[(min(u1, a1), max(u1, a1))] == "outmatched"  # 0.30: a share, but no labels
    assert sorted(methods[(min(u, a2), max(u, a2))] for u in (u1, u2)) == ["assigned", "outmatched"]
    assert done.assigned == 1


def test_a_busy_day_does_not_pile_every_strike_onto_one_event() -> None:
    # one event of 1 killed; six strikes of 1 killed that day, each a strong candidate of nothing else:
    # their minima may pass its maximum by 2 at most (EXCESS_BOUND), whatever their gains
    pairs = [(1, r, 0.6) for r in range(10, 16)]
    chosen = _chosen(_candidates(pairs, dict.fromkeys(range(10, 16), 1.0), {1: 1}))
    assert len(chosen) == 3  # 1 + 2: the toll, and the most it may be passed by


def test_a_report_chained_to_a_second_event_is_kept_apart_from_it(store: Store) -> None:
    ucdp, monitor = _store(store)
    (u1, u2, *_), (a1, a2, *_) = list(ucdp.values()), list(monitor.values())
    # a1 goes to u1 and a2 to u2 (each its one candidate), but the monitor's own pair chains them
    _pairs(store, [(u1, a1, 0.30), (a1, a2, 0.99), (u2, a2, 0.95)])
    assign_reports(store, 1, 0.9, active_decisions(store, INCIDENTS), Gate())
    empty = np.zeros(0, dtype=np.int64)
    clusters = _clusters(store, 1, 0.9, (empty, empty)).representative_of()
    assert clusters[u1] != clusters[u2]  # two curated events are never one incident
    # each report stays with the event it was assigned to, never with the other
    assert clusters[a1] != clusters[u2] and clusters[a2] != clusters[u1]
