"""Containment: 'part-of' decisions on reports, recorded parts in terms of a run's incidents, and a
link run that keeps a part and its whole apart and records them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from harmtrace.errors import InputError, QueryError
from harmtrace.link.clusters import cluster_records
from harmtrace.link.decisions import DecisionConflict, active_decisions, list_decisions, record_decision
from harmtrace.link.incidents import link_incidents
from harmtrace.link.kinds import INCIDENTS
from harmtrace.link.parts import Refused, decision_parts, has_parts, parts_of, record_parts
from harmtrace.simulate.reports import ReportsConfig, import_reports, simulate_reports
from harmtrace.store import Store
from tests.assess.reports import R, add_reports, link


@pytest.fixture
def reports(store: Store) -> Store:
    """Reports 1-6 of two sources; link run 1 made each of 1-4 an incident (I0000001-I0000004) and
    reports 5 and 6 one (I0000005)."""
    add_reports(store, [R("UCDP"), R("Airwars"), R("Airwars"), R("Airwars"), R("UCDP"), R("Airwars")])
    store.con.execute(
        "INSERT INTO link_run (run_id, kind, started_at, harmtrace_version) "
        "VALUES (1, 'incidents', now(), 't')"
    )
    for n in range(1, 5):
        link(store, f"I000000{n}", [n])
    link(store, "I0000005", [5, 6])
    return store


def _decide(store: Store, verdict: str, a: int | str, b: int | str) -> None:
    record_decision(store, verdict, a, b, "checked", "tester", INCIDENTS)


def test_part_of_is_stored_in_order_with_its_direction(reports: Store) -> None:
    decision, _ = record_decision(
        reports, "part-of", 4, 1, "one strike of the day's toll", "rania", INCIDENTS
    )
    assert (decision.id_a, decision.verdict, decision.id_b) == (1, "contains", 4)
    assert decision.part_and_whole == (4, 1)
    other, _ = record_decision(
        reports, "part-of", "Airwars:Airwars-2", 5, "a strike of that day", "r", INCIDENTS
    )
    assert (other.id_a, other.verdict, other.id_b, other.part_and_whole) == (2, "part-of", 5, (2, 5))
    whole_first, _ = record_decision(reports, "contains", 1, 3, "the toll counts it", "r", INCIDENTS)
    assert (whole_first.verdict, whole_first.part_and_whole) == ("contains", (3, 1))
    assert decision_parts(active_decisions(reports, INCIDENTS)) == [
        (4, 1, "decision", 1.0),
        (2, 5, "decision", 1.0),
        (3, 1, "decision", 1.0),
    ]


def test_part_of_is_for_reports_only(reports: Store) -> None:
    with pytest.raises(InputError, match=r"'part-of' is not one of same, different\.$"):
        record_decision(reports, "part-of", 1, 2, "why")


def test_part_of_against_same_is_a_conflict_naming_both(reports: Store) -> None:
    _decide(reports, "same", 1, 2)
    _decide(reports, "same", 2, 3)
    with pytest.raises(DecisionConflict) as caught:
        _decide(reports, "part-of", 3, 1)
    assert str(caught.value).splitlines() == [
        "Analyst decisions contradict each other: The new decision was not recorded.",
        "  - the new decision (1 contains 3) says record 3's incident is part of record 1's (a different "
        "one), but decision 1 (1 same 2), decision 2 (2 same 3) make them the same incident",
        "Supersede the wrong one with a new decision on its pair: harmtrace decide incidents "
        "same|different|part-of ID_A ID_B --reason TEXT",
    ]
    _decide(reports, "part-of", 4, 1)
    _decide(reports, "same", 1, 5)
    with pytest.raises(DecisionConflict) as chained:
        _decide(reports, "same", 5, 4)
    assert str(chained.value).splitlines()[1] == (
        "  - decision 3 (1 contains 4) says record 4's incident is part of record 1's (a different one), "
        "but decision 4 (1 same 5), the new decision (4 same 5) make them the same incident"
    )
    assert [d.verdict for d in active_decisions(reports, INCIDENTS)] == ["same", "same", "contains", "same"]


def test_a_decision_on_the_same_pair_supersedes_part_of(reports: Store) -> None:
    _decide(reports, "part-of", 4, 1)
    decision, superseded = record_decision(reports, "same", 1, 4, "one strike after all", "b", INCIDENTS)
    assert superseded is not None and superseded.verdict == "contains"
    assert superseded.superseded_by == decision.decision_id
    assert [(d.verdict, d.superseded_by) for d in list_decisions(reports, kind=INCIDENTS)] == [
        ("contains", 2),
        ("same", None),
    ]
    assert decision_parts(active_decisions(reports, INCIDENTS)) == []


def test_a_second_whole_or_a_chain_is_refused(reports: Store) -> None:
    _decide(reports, "part-of", 2, 1)
    _decide(reports, "part-of", 3, 1)
    second = r"new decision \(2 part-of 5\) makes record 2's incident part of a second whole, but decision 1"
    with pytest.raises(DecisionConflict, match=second):
        _decide(reports, "part-of", 2, 5)
    with pytest.raises(
        DecisionConflict, match=r"\(1 part-of 5\) and decision 1 \(1 contains 2\) make a chain"
    ):
        _decide(reports, "part-of", 1, 5)
    _decide(reports, "part-of", 6, 4)
    chain = (
        r"new decision \(2 contains 4\) and decision 3 \(4 contains 6\) make a chain of parts: containment"
    )
    with pytest.raises(DecisionConflict, match=chain):
        _decide(reports, "part-of", 4, 2)
    # reports 1 and 5 one incident by a 'same' decision: report 3 may be part of it through either
    _decide(reports, "same", 1, 5)
    _decide(reports, "part-of", 3, 5)
    assert len(active_decisions(reports, INCIDENTS)) == 5


def test_record_parts_writes_rows_in_terms_of_the_runs_incidents(reports: Store) -> None:
    done = record_parts(
        reports,
        1,
        [
            (2, 1, "model", 0.97),
            (3, 1, "model", 0.95),
            (3, 1, "cited", None),  # the same containment again
            (6, 5, "model", 0.99),  # one incident: nothing to record
            (4, 2, "model", 0.9),  # 2 is a part: no chain
            (1, 5, "model", 0.8),  # 1 is a whole: no chain
            (2, 5, "model", 0.6),  # 2 already has a whole
            (99, 1, "model", 0.9),  # no such report in the run
        ],
    )
    assert (done.recorded, done.already, done.one_incident, done.not_in_run) == (2, 1, 1, 1)
    assert done.refused == [
        Refused(4, 2, "model", "I0000002 is itself part of I0000001: a whole is never itself a part"),
        Refused(1, 5, "model", "I0000001 has parts of its own: a whole is never itself a part (one level)"),
        Refused(2, 5, "model", "I0000002 is already part of I0000001 (a part has one whole)"),
    ]
    assert reports.rows("SELECT * FROM incident_part ORDER BY part_id") == [
        {"run_id": 1, "part_id": "I0000002", "whole_id": "I0000001", "method": "model", "probability": 0.97},
        {"run_id": 1, "part_id": "I0000003", "whole_id": "I0000001", "method": "model", "probability": 0.95},
    ]
    assert parts_of(reports, "I0000001") == {
        "part_of": None,
        "parts": [
            {"incident_id": "I0000002", "method": "model", "probability": 0.97},
            {"incident_id": "I0000003", "method": "model", "probability": 0.95},
        ],
    }
    assert parts_of(reports, "I0000003")["part_of"] == {
        "incident_id": "I0000001",
        "method": "model",
        "probability": 0.95,
    }
    again = record_parts(reports, 1, [(2, 1, "decision", 1.0)])
    assert (again.recorded, again.already) == (0, 1), "rows already recorded are kept and respected"


def test_record_parts_refuses_what_it_cannot_write(reports: Store) -> None:
    with pytest.raises(QueryError, match="method 'guess' is not one of decision, model, cited"):
        record_parts(reports, 1, [(2, 1, "guess", 0.5)])
    with pytest.raises(QueryError, match=r"between 0 and 1 \(got 1.5 for \(2, 1\)\)"):
        record_parts(reports, 1, [(2, 1, "model", 1.5)])
    with pytest.raises(QueryError, match="link run 2 is not their clustering: the current one is run 1"):
        record_parts(reports, 2, [(2, 1, "model", 0.5)])
    assert not has_parts(reports)


def test_decisions_come_before_the_models_pairs(reports: Store) -> None:
    done = record_parts(reports, 1, [(2, 5, "model", 0.99), (2, 1, "decision", 1.0)])
    assert done.recorded == 1 and [r.reason for r in done.refused] == [
        "I0000002 is already part of I0000001 (a part has one whole)"
    ]
    assert has_parts(reports)


def test_link_run_keeps_a_part_apart_from_its_whole_and_records_it(store: Store, tmp_path: Path) -> None:
    import_reports(store, simulate_reports(ReportsConfig(incidents=120, seed=4)).write(tmp_path))
    run = link_incidents(store)
    together = cluster_records(store, run.run_id, run.threshold, INCIDENTS)
    reps, counts = np.unique(together.representatives, return_counts=True)
    members = together.victim_ids[together.representatives == int(reps[counts >= 2][0])]
    part, whole = int(members[1]), int(members[0])
    assert run.parts.recorded == 0 and not has_parts(store)
    record_decision(store, "part-of", part, whole, "one strike of the day's toll", "tester", INCIDENTS)

    again = link_incidents(store)
    incident = dict(store.con.execute("SELECT report_id, incident_id FROM incident_member").fetchall())
    assert incident[part] != incident[whole]
    assert (again.parts.recorded, again.parts.refused) == (1, [])
    assert store.rows("SELECT * FROM incident_part") == [
        {
            "run_id": again.run_id,
            "part_id": incident[part],
            "whole_id": incident[whole],
            "method": "decision",
            "probability": 1.0,
        }
    ]
    third = link_incidents(store)
    assert store.scalar("SELECT count(*) FROM incident_part WHERE run_id = ?", [third.run_id]) == 1
    assert parts_of(store, incident[whole])["parts"] == [
        {"incident_id": incident[part], "method": "decision", "probability": 1.0}
    ], "readers take the current run's rows: ids are stable, so the part keeps its ids"
