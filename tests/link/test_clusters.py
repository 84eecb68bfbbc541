"""Clustering victim records: threshold links, forced 'same' links, 'different' splits, probabilities.

Pairs are written straight into link_pair (tests/link/victim_rows.py); the records carry no data
beyond their ids, since clustering reads only pairs and decisions.
"""

from __future__ import annotations

from collections import deque

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harmtrace.errors import QueryError, StoreError
from harmtrace.link.clusters import (
    cluster_pairs,
    cluster_probabilities,
    cluster_records,
    connected_components,
)
from harmtrace.link.decisions import DecisionConflict, record_decision
from harmtrace.store import Store
from tests.link.victim_rows import add_plain_records, add_run, add_sources


@pytest.fixture
def ten(store: Store) -> Store:
    """Ten records, victim ids 1..10, from one source."""
    add_sources(store, "list_a")
    add_plain_records(store, range(1, 11))
    return store


def groups(clusters: dict[int, int]) -> list[list[int]]:
    """Clusters as sorted lists of victim ids, singletons left out."""
    found: dict[int, list[int]] = {}
    for victim, rep in clusters.items():
        found.setdefault(rep, []).append(victim)
    return sorted(sorted(g) for g in found.values() if len(g) > 1)


def test_links_at_or_above_the_threshold_chain_records_into_clusters(ten: Store) -> None:
    run = add_run(ten, [(1, 2, 0.95), (2, 3, 0.9), (4, 5, 0.89999), (6, 7, 0.9), (8, 9, 0.1)])
    clusters = cluster_pairs(ten, run, 0.9)
    assert groups(clusters) == [[1, 2, 3], [6, 7]]
    assert set(clusters) == set(range(1, 11)), "every record, singletons included"
    assert clusters[3] == 1 and clusters[7] == 6, "a cluster is named by its smallest victim id"
    assert clusters[4] == 4 and clusters[10] == 10


def test_probability_is_the_strongest_link_into_the_cluster(ten: Store) -> None:
    run = add_run(ten, [(1, 2, 0.95), (2, 3, 0.9), (1, 3, 0.5), (4, 5, 0.3)])
    result = cluster_records(ten, run, 0.9)
    probability = result.probability_of()
    assert (probability[1], probability[2], probability[3]) == (0.95, 0.95, 0.9)
    assert probability[4] == 1.0 and probability[5] == 1.0, "a record alone has nothing competing for it"
    assert cluster_probabilities(ten, run, result.representative_of()) == probability


def test_a_same_decision_links_a_pair_the_model_never_scored(ten: Store) -> None:
    run = add_run(ten, [(1, 2, 0.95)])
    record_decision(ten, "same", 2, 9, "same names, date and place")
    result = cluster_records(ten, run, 0.9)
    assert groups(result.representative_of()) == [[1, 2, 9]]
    assert result.probability_of()[9] == 1.0 and result.probability_of()[2] == 1.0
    assert result.probability_of()[1] == 0.95
    assert result.forced == 1


def test_a_different_decision_cuts_the_weakest_link_of_the_chain(ten: Store) -> None:
    run = add_run(ten, [(1, 2, 0.99), (2, 3, 0.91), (3, 4, 0.97), (4, 5, 0.98)])
    record_decision(ten, "different", 1, 5, "different fathers")
    result = cluster_records(ten, run, 0.9)
    assert groups(result.representative_of()) == [[1, 2], [3, 4, 5]]
    assert result.links_cut == 1
    assert result.probability_of()[3] == 0.97, "probabilities count only links kept inside the cluster"


def test_a_different_decision_splits_a_cycle_at_its_weakest_links(ten: Store) -> None:
    # 1-2 and 2-3 tie at 0.95: links are taken in order of their ids, so 1-2 joins first, then
    # 2-3 would join 3 to 1 and is cut, as is 1-3
    run = add_run(ten, [(1, 2, 0.95), (2, 3, 0.95), (1, 3, 0.92), (3, 4, 0.99)])
    record_decision(ten, "different", 1, 3, "one is a child")
    result = cluster_records(ten, run, 0.9)
    assert groups(result.representative_of()) == [[1, 2], [3, 4]]
    assert result.links_cut == 2


def test_several_different_decisions_in_one_component(ten: Store) -> None:
    run = add_run(ten, [(1, 2, 0.99), (2, 3, 0.93), (3, 4, 0.99), (4, 5, 0.92), (5, 6, 0.99)])
    record_decision(ten, "different", 1, 6, "reason")
    record_decision(ten, "different", 2, 4, "reason")
    clusters = cluster_pairs(ten, run, 0.9)
    # 2-4 apart cuts the weakest link on their path (2-3, 0.93); then 1 and 6 are already apart
    assert groups(clusters) == [[1, 2], [3, 4, 5, 6]]


def test_same_and_different_together_split_around_the_forced_link(ten: Store) -> None:
    run = add_run(ten, [(1, 2, 0.99), (2, 3, 0.95), (3, 4, 0.99)])
    record_decision(ten, "same", 1, 4, "same person, two spellings")
    record_decision(ten, "different", 1, 3, "different mothers")
    clusters = cluster_pairs(ten, run, 0.9)
    # forced 1-4 first, then 1-2 and 3-4 would put 3 with 1: cut; 2-3 likewise
    assert groups(clusters) == [[1, 2, 4]]


def test_a_superseded_decision_no_longer_counts(ten: Store) -> None:
    run = add_run(ten, [(1, 2, 0.99)])
    record_decision(ten, "different", 1, 2, "looked different")
    assert groups(cluster_pairs(ten, run, 0.9)) == []
    record_decision(ten, "same", 1, 2, "second look: same father and date")
    assert groups(cluster_pairs(ten, run, 0.9)) == [[1, 2]]


def test_contradicting_decisions_are_refused_naming_them(ten: Store) -> None:
    run = add_run(ten, [])
    record_decision(ten, "same", 1, 2, "r")
    record_decision(ten, "same", 2, 3, "r")
    record_decision(ten, "different", 3, 4, "r")
    # written behind the library's back: clustering must still refuse it
    ten.con.execute(
        "INSERT INTO decision VALUES (9, 'victims', 'different', 1, 3, 'r', 'x', TIMESTAMP '2024-01-01', "
        "NULL)"
    )
    with pytest.raises(DecisionConflict) as caught:
        cluster_pairs(ten, run, 0.9)
    message = str(caught.value)
    assert "decision 9 (1 different 3)" in message
    assert "decision 1 (1 same 2), decision 2 (2 same 3)" in message
    assert "harmtrace decide victims" in message


def test_bad_threshold_unknown_run_and_unknown_records_are_errors(ten: Store) -> None:
    run = add_run(ten, [(1, 2, 0.9)])
    with pytest.raises(QueryError, match="between 0 and 1"):
        cluster_pairs(ten, run, 1.5)
    with pytest.raises(QueryError, match="No victims linkage run 99"):
        cluster_pairs(ten, 99, 0.5)
    broken = add_run(ten, [(1, 42, 0.9)])
    with pytest.raises(StoreError, match="1 pairs naming victim records that are not in the store"):
        cluster_pairs(ten, broken, 0.5)


def test_an_empty_store_has_no_clusters(store: Store) -> None:
    run = add_run(store, [])
    assert cluster_pairs(store, run, 0.5) == {}


# --- properties ------------------------------------------------------------------------------------


def _reference_components(n: int, edges: list[tuple[int, int]]) -> list[int]:
    """Breadth-first search: each node's smallest component member."""
    adjacent: dict[int, list[int]] = {}
    for a, b in edges:
        adjacent.setdefault(a, []).append(b)
        adjacent.setdefault(b, []).append(a)
    label = [-1] * n
    for start in range(n):
        if label[start] >= 0:
            continue
        queue, members = deque([start]), [start]
        label[start] = start
        while queue:
            for other in adjacent.get(queue.popleft(), []):
                if label[other] < 0:
                    label[other] = start
                    members.append(other)
                    queue.append(other)
    return label


edges_strategy = st.integers(2, 40).flatmap(
    lambda n: st.tuples(
        st.just(n), st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=80)
    )
)


@given(edges_strategy)
def test_vectorised_components_match_breadth_first_search(case: tuple[int, list[tuple[int, int]]]) -> None:
    n, edges = case
    u = np.array([a for a, _ in edges], dtype=np.int64)
    v = np.array([b for _, b in edges], dtype=np.int64)
    assert connected_components(n, u, v).tolist() == _reference_components(n, edges)


pairs_strategy = st.lists(
    st.tuples(st.integers(1, 12), st.integers(1, 12), st.floats(0.5, 1.0)), min_size=1, max_size=40
).map(lambda ps: [(a, b, p) for a, b, p in ps if a != b])
apart_strategy = st.lists(st.tuples(st.integers(1, 12), st.integers(1, 12)), max_size=4)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(pairs=pairs_strategy, apart=apart_strategy)
def test_different_decisions_always_hold_and_clusters_stay_linked(
    store: Store, pairs: list[tuple[int, int, float]], apart: list[tuple[int, int]]
) -> None:
    store.con.execute(
        "DELETE FROM link_pair; DELETE FROM link_run; DELETE FROM decision; DELETE FROM victim_record"
    )
    add_plain_records(store, range(1, 13))
    best: dict[tuple[int, int], float] = {}
    for a, b, p in pairs:  # one score per pair, as the model writes them
        best[(min(a, b), max(a, b))] = p
    run = add_run(store, [(a, b, p) for (a, b), p in sorted(best.items())])
    for a, b in {(min(a, b), max(a, b)) for a, b in apart if a != b}:
        record_decision(store, "different", a, b, "property test")
    clusters = cluster_pairs(store, run, 0.5)
    for a, b in {(min(a, b), max(a, b)) for a, b in apart if a != b}:
        assert clusters[a] != clusters[b]
    for members in groups(clusters):  # every cluster is connected by its own links
        inside = [(a, b) for a, b in best if a in members and b in members]
        labels = _reference_components(13, inside)
        assert len({labels[m] for m in members}) == 1
    assert cluster_pairs(store, run, 0.5) == clusters, "the same input gives the same clusters"


def _cut_weakest_tree_link(nodes: int, links: dict[tuple[int, int], float], a: int, b: int) -> list[int]:
    """The documented rule for one 'different' pair, computed another way: the maximum spanning tree,
    less the weakest link on its path from a to b; labels as in `_reference_components`."""
    parent = list(range(nodes))

    def find(x: int) -> int:
        while parent[x] != x:
            x = parent[x]
        return x

    tree = []
    for (u, v), _ in sorted(links.items(), key=lambda item: -item[1]):
        if find(u) != find(v):
            parent[find(u)] = find(v)
            tree.append((u, v))
    adjacent: dict[int, list[int]] = {}
    for u, v in tree:
        adjacent.setdefault(u, []).append(v)
        adjacent.setdefault(v, []).append(u)
    came: dict[int, int] = {a: a}
    queue = deque([a])
    while queue:
        node = queue.popleft()
        for other in adjacent.get(node, []):
            if other not in came:
                came[other] = node
                queue.append(other)
    path, node = [], b
    while node != a:
        path.append((min(node, came[node]), max(node, came[node])))
        node = came[node]
    weakest = min(path, key=lambda e: links[e])
    return _reference_components(nodes, [e for e in tree if e != weakest])


# edges u -> u + k (mod 10), k >= 1, so never a loop; weights distinct, from a permutation
edges_and_weights = st.tuples(
    st.lists(st.tuples(st.integers(0, 9), st.integers(1, 9)), min_size=1, max_size=25),
    st.permutations(range(25)),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=edges_and_weights, data=st.data())
def test_one_different_decision_cuts_the_weakest_link_of_the_strongest_chain(
    store: Store, case: tuple[list[tuple[int, int]], list[int]], data: st.DataObject
) -> None:
    steps, ranks = case
    edges = sorted({(min(u, (u + k) % 10), max(u, (u + k) % 10)) for u, k in steps})
    links = {edge: 0.5 + 0.5 * (rank + 1) / 26 for edge, rank in zip(edges, ranks, strict=False)}
    labels = _reference_components(10, list(links))
    joined = [(a, b) for a in range(10) for b in range(a + 1, 10) if labels[a] == labels[b]]
    a, b = data.draw(st.sampled_from(joined))  # two records a chain joins: the rule acts on them
    store.con.execute(
        "DELETE FROM link_pair; DELETE FROM link_run; DELETE FROM decision; DELETE FROM victim_record"
    )
    add_plain_records(store, range(1, 11))  # node i is victim id i + 1
    run = add_run(store, [(u + 1, v + 1, p) for (u, v), p in links.items()])
    record_decision(store, "different", a + 1, b + 1, "property test")
    clusters = cluster_pairs(store, run, 0.5)
    expected = _cut_weakest_tree_link(10, links, a, b)
    assert [clusters[i + 1] - 1 for i in range(10)] == expected
