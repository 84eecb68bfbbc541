"""Stable person ids across runs: kept, new, merged, split and retired persons, and decisions kept.

Each test links with pairs written straight into link_pair (tests/link/victim_rows.py), clusters them
with `cluster_records` and assigns persons, as `harmtrace link victims` does after scoring.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harmtrace.errors import QueryError
from harmtrace.link.clusters import cluster_records
from harmtrace.link.decisions import record_decision
from harmtrace.link.identity import IdentityChanges, assign_persons, person_id
from harmtrace.store import Store
from tests.link.victim_rows import add_plain_records, add_run, add_sources

Pairs = list[tuple[int, int, float]]


def link(store: Store, pairs: Pairs, threshold: float = 0.9) -> IdentityChanges:
    run = add_run(store, pairs)
    result = cluster_records(store, run, threshold)
    return assign_persons(store, run, result.representative_of(), result.probability_of())


def persons(store: Store) -> dict[str, list[int]]:
    rows = store.rows(
        "SELECT person_id, list(victim_id ORDER BY victim_id) AS ids FROM person_member GROUP BY person_id"
    )
    return {r["person_id"]: r["ids"] for r in rows}


def person_of(store: Store) -> dict[int, str]:
    return {v: p for p, ids in persons(store).items() for v in ids}


def events(store: Store, run_id: int) -> list[tuple[str, str, list[str], int]]:
    rows = store.rows(
        "SELECT event, entity_id, other_ids, records FROM link_event WHERE run_id = ? "
        "ORDER BY event, entity_id",
        [run_id],
    )
    return [(r["event"], r["entity_id"], r["other_ids"], r["records"]) for r in rows]


def counts(c: IdentityChanges) -> tuple[int, int, int, int, int]:
    return c.new, c.kept, c.split, c.merged, c.retired


@pytest.fixture
def eight(store: Store) -> Store:
    add_sources(store, "list_a", "list_b")
    add_plain_records(store, range(1, 9))
    return store


def test_the_first_run_creates_a_person_per_cluster_in_order(eight: Store) -> None:
    changes = link(eight, [(1, 2, 0.95), (3, 4, 0.95), (4, 5, 0.95)])
    assert persons(eight) == {
        "P0000001": [1, 2],
        "P0000002": [3, 4, 5],
        "P0000003": [6],
        "P0000004": [7],
        "P0000005": [8],
    }
    assert counts(changes) == (5, 0, 0, 0, 0)
    assert (changes.persons, changes.previous, changes.records) == (5, 0, 8)
    assert events(eight, 1)[:2] == [("new", "P0000001", [], 2), ("new", "P0000002", [], 3)]
    membership = eight.rows("SELECT DISTINCT run_id FROM person_member")
    assert membership == [{"run_id": 1}]


def test_a_rerun_of_the_same_data_keeps_every_id_and_records_no_event(eight: Store) -> None:
    pairs = [(1, 2, 0.95), (3, 4, 0.95), (4, 5, 0.95)]
    link(eight, pairs)
    before = persons(eight)
    changes = link(eight, pairs)
    assert persons(eight) == before
    assert counts(changes) == (0, 5, 0, 0, 0)
    assert events(eight, 2) == []
    assert eight.scalar("SELECT count(*) FROM person_member WHERE run_id = 2") == 8


def test_a_new_list_keeps_the_id_of_every_persisting_person(eight: Store) -> None:
    link(eight, [(1, 2, 0.95), (3, 4, 0.95), (4, 5, 0.95)])
    before = persons(eight)
    add_plain_records(eight, range(9, 13), source_id=2)  # the new list: 9 is 1's, 10 is 7's; 11, 12 new
    changes = link(
        eight, [(1, 2, 0.95), (3, 4, 0.95), (4, 5, 0.95), (1, 9, 0.97), (7, 10, 0.93), (11, 12, 0.99)]
    )
    after = persons(eight)
    assert after["P0000001"] == [1, 2, 9] and after["P0000004"] == [7, 10]
    assert all(set(ids) <= set(after[pid]) for pid, ids in before.items()), "every person keeps its id"
    assert after["P0000006"] == [11, 12], "a new person takes the next number"
    assert counts(changes) == (1, 5, 0, 0, 0)
    assert events(eight, 2) == [("new", "P0000006", [], 2)]


def test_a_merge_keeps_the_id_sharing_most_records_and_retires_the_other_into_it(eight: Store) -> None:
    link(eight, [(1, 2, 0.95), (3, 4, 0.95), (4, 5, 0.95)])  # P1 = 1,2; P2 = 3,4,5
    changes = link(eight, [(1, 2, 0.95), (3, 4, 0.95), (4, 5, 0.95), (2, 3, 0.96)])
    assert persons(eight)["P0000002"] == [1, 2, 3, 4, 5], "the larger share (3 records) keeps its id"
    assert counts(changes) == (0, 4, 0, 1, 0)
    assert events(eight, 2) == [("merge", "P0000002", ["P0000001"], 2)]
    retired = eight.rows("SELECT * FROM person WHERE person_id = 'P0000001'")[0]
    assert (retired["retired_run"], retired["retired_into"]) == (2, "P0000002")


def test_a_merge_of_equal_shares_keeps_the_older_id(eight: Store) -> None:
    link(eight, [(1, 2, 0.95), (3, 4, 0.95)])
    link(eight, [(1, 2, 0.95), (3, 4, 0.95), (2, 3, 0.95)])
    assert persons(eight)["P0000001"] == [1, 2, 3, 4]
    assert events(eight, 2) == [("merge", "P0000001", ["P0000002"], 2)]


def test_a_split_leaves_the_id_with_the_largest_part_and_records_the_new_ids(eight: Store) -> None:
    link(eight, [(1, 2, 0.95), (2, 3, 0.95), (3, 4, 0.95), (4, 5, 0.95)])  # P1 = 1..5
    changes = link(eight, [(1, 2, 0.95), (2, 3, 0.95), (4, 5, 0.95)])
    after = persons(eight)
    assert after["P0000001"] == [1, 2, 3]
    assert after["P0000005"] == [4, 5], "the split-off part takes the next unused number"
    assert counts(changes) == (0, 4, 1, 0, 0)
    assert events(eight, 2) == [("split", "P0000001", ["P0000005"], 2)]


def test_retired_ids_are_never_reused(eight: Store) -> None:
    link(eight, [(1, 2, 0.95)])  # P1..P7
    link(eight, [(1, 2, 0.95), (2, 3, 0.95)])  # P2 (record 3) retired into P1
    link(eight, [(1, 2, 0.95)])  # 3 splits off again: a new id, not P2
    assert person_of(eight)[3] == "P0000008"
    assert eight.scalar("SELECT retired_into FROM person WHERE person_id = 'P0000002'") == "P0000001"


def test_a_person_whose_records_are_gone_is_retired(eight: Store) -> None:
    link(eight, [(1, 2, 0.95)])
    eight.con.execute("DELETE FROM victim_record WHERE victim_id = 8")
    changes = link(eight, [(1, 2, 0.95)])
    assert counts(changes) == (0, 6, 0, 0, 1)
    assert events(eight, 2) == [("retire", "P0000007", [], 1)]
    assert eight.scalar("SELECT retired_into FROM person WHERE person_id = 'P0000007'") is None


def test_decisions_are_respected_across_reruns_and_new_lists(eight: Store) -> None:
    chain = [(1, 2, 0.99), (2, 3, 0.92), (3, 4, 0.99)]
    link(eight, chain)
    assert persons(eight)["P0000001"] == [1, 2, 3, 4]
    record_decision(eight, "different", 1, 4, "different fathers and ages")
    record_decision(eight, "same", 6, 8, "same person: one list misspells the family name")
    changes = link(eight, chain)
    assert persons(eight)["P0000001"] == [1, 2]
    assert person_of(eight)[3] == person_of(eight)[4] != "P0000001"
    assert person_of(eight)[6] == person_of(eight)[8]
    assert counts(changes)[2:4] == (1, 1), "one split (3, 4 off P1), one merge (8 into 6)"
    add_plain_records(eight, [9, 10], source_id=2)
    # the new list links 9 strongly to both sides: the 'different' decision still holds
    link(eight, [*chain, (1, 9, 0.999), (9, 4, 0.998), (10, 5, 0.95)])
    after = person_of(eight)
    assert after[1] != after[4]
    assert after[1] == "P0000001" and after[6] == after[8]


def test_clusters_must_cover_every_record_and_carry_probabilities(eight: Store) -> None:
    run = add_run(eight, [])
    clusters = {i: i for i in range(1, 8)}
    with pytest.raises(QueryError, match="1 records are in no cluster"):
        assign_persons(eight, run, clusters, {i: 1.0 for i in range(1, 8)})
    clusters[8] = 8
    with pytest.raises(QueryError, match="1 clustered records have no probability"):
        assign_persons(eight, run, clusters, {i: 1.0 for i in range(1, 8)})
    with pytest.raises(QueryError, match="No victims linkage run 77"):
        assign_persons(eight, 77, clusters, {i: 1.0 for i in range(1, 9)})
    assert eight.scalar("SELECT count(*) FROM person") == 0, "nothing written"


def test_person_ids_are_padded_but_never_truncated() -> None:
    assert person_id(7) == "P0000007"
    assert person_id(123_456_789) == "P123456789"


# --- the invariants, over random sequences of runs ------------------------------------------------

runs_strategy = st.lists(
    st.lists(st.tuples(st.integers(1, 10), st.integers(1, 10)), max_size=12), min_size=1, max_size=5
)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(runs=runs_strategy)
def test_counts_balance_and_persisting_persons_keep_their_ids(store: Store, runs: list[list[Any]]) -> None:
    for table in ("link_event", "person_member", "person", "link_pair", "link_run", "victim_record"):
        store.con.execute(f"DELETE FROM {table}")
    add_plain_records(store, range(1, 11))
    for links in runs:
        before = persons(store)
        changes = link(store, [(a, b, 0.95) for a, b in links if a != b])
        after = persons(store)
        assert changes.persons == changes.new + changes.split + changes.kept == len(after)
        assert changes.previous == changes.kept + changes.merged + changes.retired == len(before)
        assert sorted(v for ids in after.values() for v in ids) == list(range(1, 11))
        owner = {v: p for p, ids in before.items() for v in ids}
        for pid, ids in before.items():
            new_owner = {person_of(store)[v] for v in ids}
            gained = {owner.get(v) for p in new_owner for v in after[p]}
            if len(new_owner) == 1 and gained == {pid}:  # its cluster persists, maybe grown
                assert new_owner == {pid}
        active = {
            r["person_id"] for r in store.rows("SELECT person_id FROM person WHERE retired_run IS NULL")
        }
        assert active == set(after)
