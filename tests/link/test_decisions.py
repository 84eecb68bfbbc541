"""Analyst decisions: naming records, reasons and authors, superseding, and refusing contradictions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from harmtrace.errors import InputError
from harmtrace.link.decisions import (
    DecisionConflict,
    active_decisions,
    default_author,
    list_decisions,
    record_decision,
    resolve_record,
)
from harmtrace.store import Store
from tests.link.victim_rows import add_records, add_sources


@pytest.fixture
def lists(store: Store) -> Store:
    """Records 1-3 from list_a (A-1 .. A-3), 4-6 from "VDC: 2013" (V-1 .. V-3), 7 repeats V-3."""
    add_sources(store, "list_a", "VDC: 2013")
    add_records(store, [{"victim_id": i, "source_id": 1, "record_id": f"A-{i}"} for i in (1, 2, 3)])
    add_records(store, [{"victim_id": i, "source_id": 2, "record_id": f"V-{i - 3}"} for i in (4, 5, 6)])
    add_records(store, [{"victim_id": 7, "source_id": 2, "record_id": "V-3"}])
    return store


def test_records_are_named_by_victim_id_or_by_their_own_id_in_their_source(lists: Store) -> None:
    assert resolve_record(lists, 2) == 2
    assert resolve_record(lists, " 5 ") == 5
    assert resolve_record(lists, ("list_a", "A-3")) == 3
    assert resolve_record(lists, "list_a:A-1") == 1
    assert resolve_record(lists, "VDC: 2013:V-2") == 5, "a source name may hold a colon"


def test_unknown_and_ambiguous_records_say_what_to_do(lists: Store) -> None:
    with pytest.raises(InputError, match="No victim record has id 99"):
        resolve_record(lists, 99)
    with pytest.raises(InputError, match="Source 'list_a' has no victim record with id 'A-9'"):
        resolve_record(lists, "list_a:A-9")
    with pytest.raises(InputError, match=r"neither a victim id nor SOURCE:RECORD_ID .*list_a"):
        resolve_record(lists, "list_z:A-1")
    with pytest.raises(InputError, match=r"lists record id 'V-3' 2 times \(victim ids 6, 7\)"):
        resolve_record(lists, "VDC: 2013:V-3")


def test_a_decision_stores_the_pair_in_order_with_reason_author_and_time(lists: Store) -> None:
    decision, superseded = record_decision(lists, "same", "list_a:A-3", 1, "  same names and date  ", "rania")
    assert superseded is None
    assert (decision.id_a, decision.id_b, decision.verdict) == (1, 3, "same")
    assert (decision.reason, decision.author) == ("same names and date", "rania")
    assert abs(decision.decided_at - datetime.now(UTC).replace(tzinfo=None)) < timedelta(minutes=1)
    assert list_decisions(lists) == [decision]


def test_a_decision_needs_a_verdict_a_reason_and_two_records(lists: Store) -> None:
    with pytest.raises(InputError, match="needs a reason"):
        record_decision(lists, "same", 1, 2, "   ")
    with pytest.raises(InputError, match="not one of same, different"):
        record_decision(lists, "maybe", 1, 2, "why")
    with pytest.raises(InputError, match="Both records are victim record 1"):
        record_decision(lists, "same", 1, "list_a:A-1", "why")
    assert list_decisions(lists) == []


def test_the_author_comes_from_the_option_then_the_environment_then_the_os(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HARMTRACE_AUTHOR", "analyst-7")
    assert default_author("rania") == "rania"
    assert default_author(None) == "analyst-7"
    monkeypatch.delenv("HARMTRACE_AUTHOR")
    assert default_author(None) not in ("", "analyst-7")


def test_a_later_decision_on_a_pair_supersedes_the_earlier_and_both_are_kept(lists: Store) -> None:
    first, _ = record_decision(lists, "same", 1, 4, "same name", "a")
    second, superseded = record_decision(lists, "different", 4, 1, "the ages differ by 30 years", "b")
    assert superseded is not None and superseded.decision_id == first.decision_id
    assert superseded.superseded_by == second.decision_id
    trail = list_decisions(lists)
    assert [(d.decision_id, d.verdict, d.superseded_by) for d in trail] == [
        (1, "same", 2),
        (2, "different", None),
    ]
    assert active_decisions(lists) == [second]
    assert list_decisions(lists, victim_id=4) == trail
    assert list_decisions(lists, victim_id=2) == []


def test_a_contradiction_is_refused_and_resolved_by_superseding(lists: Store) -> None:
    record_decision(lists, "same", 1, 2, "r")
    record_decision(lists, "same", 2, 3, "r")
    with pytest.raises(DecisionConflict) as caught:
        record_decision(lists, "different", 1, 3, "r")
    assert str(caught.value).splitlines()[:2] == [
        "Analyst decisions contradict each other: The new decision was not recorded.",
        "  - the new decision (1 different 3) says records 1 and 3 are different people, but decision 1 "
        "(1 same 2), decision 2 (2 same 3) make them the same person",
    ]
    assert len(list_decisions(lists)) == 2
    record_decision(lists, "different", 2, 3, "on a second look, 3 is a cousin")
    record_decision(lists, "different", 1, 3, "r")
    assert [d.verdict for d in active_decisions(lists)] == ["same", "different", "different"]
