"""Victim records to clusters: the scored pairs of a run, cut at a threshold, with analyst decisions.

Every victim record in the store belongs to exactly one cluster (a record no pair links is a cluster
of one). A cluster is named by its representative, the smallest victim id in it. The rules:

1. Links are the run's scored pairs (`link_pair`, kind 'victims') with match_probability >= threshold,
   plus one forced link per active 'same' decision (`harmtrace.link.decisions`), whether or not the
   model scored that pair. (An incident run's pairs linked by citation have probability 1.0: links at
   any threshold, which rule 3 still cuts. Pairs of method 'assigned', a report to a curated event,
   and 'elimination', a relative's only free candidate (`harmtrace.link.relatives`), link at any
   probability too.)
2. Clusters are the connected components of the links: two records linked through a chain of links
   are one person.
3. A 'different' decision keeps its two records apart (so do containment decisions on reports,
   'part-of' / 'contains': a part and its whole are different incidents). A component holding both
   records of such a decision is re-clustered by Kruskal's algorithm with cannot-link constraints: its
   links are added strongest first (forced links before any probability; ties by the pair's ids, so
   the result is reproducible), and a link is dropped when adding it would put two records an analyst called
   different into one cluster. For one such decision this is exactly: take the component's maximum
   spanning tree and cut the weakest link on the tree path between the two records, i.e. the weakest
   link of the strongest chain joining them; the records on each side stay together. With several
   decisions each cut is made as late (as weak) as possible. Every cluster stays connected by links
   that clear the threshold.
4. Contradictory decisions (A same B, B same C, A different C) cannot be honoured: clustering refuses
   with a DecisionConflict naming the decisions, before anything is computed.

A record's cluster probability is its strongest link into its own cluster: the highest
match_probability among the scored pairs joining it to another record of the cluster, 1.0 when a
'same' decision links it, and 1.0 for a cluster of one (no other record competes for it).

The same rules cluster reports into incidents (`kind=INCIDENTS`: pairs and decisions of kind
'incidents', records of the report table); "victim id" then reads "report id".

Components are found with vectorised union-find in numpy (hook each root to the smallest root it is
linked to, then compress paths fully; about log(n) rounds), so a million records and several million
pairs take seconds. Only components touched by a 'different' decision go through the Python loop.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from harmtrace.errors import QueryError, StoreError
from harmtrace.link.decisions import APART, Decision, active_decisions, check_consistent
from harmtrace.link.kinds import VICTIMS, EntityKind
from harmtrace.store import Store

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
FORCED = 2.0  # a 'same' decision's link weight: above any probability, so it is added first
# a scored pair that links (one ? for the threshold): at the threshold, or assigned to a curated event
# whatever its probability, never when another event outmatched it (`harmtrace.link.assignment`)
LINKED = "(match_probability >= ? OR method IN ('assigned', 'elimination')) AND method <> 'outmatched'"


@dataclass(frozen=True)
class Clustering:
    """Every victim record's cluster, as aligned arrays sorted by victim id.

    ``representatives[i]`` is the smallest victim id in the cluster of ``victim_ids[i]`` and
    ``probabilities[i]`` that record's probability to its cluster (see the module docstring).
    ``links_cut`` counts the links dropped to keep 'different' decisions apart.
    """

    victim_ids: IntArray
    representatives: IntArray
    probabilities: FloatArray
    links: int
    forced: int
    links_cut: int

    @property
    def clusters(self) -> int:
        return int(np.unique(self.representatives).size)

    def representative_of(self) -> dict[int, int]:
        """victim id -> representative, as `cluster_pairs` returns it."""
        return dict(zip(self.victim_ids.tolist(), self.representatives.tolist(), strict=True))

    def probability_of(self) -> dict[int, float]:
        """victim id -> probability to its cluster."""
        return dict(zip(self.victim_ids.tolist(), self.probabilities.tolist(), strict=True))


def cluster_pairs(store: Store, run_id: int, threshold: float, kind: EntityKind = VICTIMS) -> dict[int, int]:
    """Every victim id -> its cluster's representative (smallest victim id), singletons included.

    Links: the run's pairs at or above `threshold` (a match probability, 0-1) and the 'same'
    decisions; 'different' decisions split what they chain (module docstring). The probabilities
    come with `cluster_records`, or afterwards from `cluster_probabilities`.
    """
    return cluster_records(store, run_id, threshold, kind).representative_of()


def cluster_records(
    store: Store,
    run_id: int,
    threshold: float,
    kind: EntityKind = VICTIMS,
    apart: tuple[IntArray, IntArray] | None = None,
) -> Clustering:
    """The clusters of `cluster_pairs` with each record's probability to its cluster, as arrays.

    `apart` adds pairs of records (ids) to keep apart as 'different' decisions do (rule 3), for
    constraints of the caller's own (incidents: two reports of one source); unknown ids are moot.
    """
    if not 0.0 <= threshold <= 1.0:
        raise QueryError(f"The threshold is a match probability between 0 and 1 (got {threshold}).")
    decisions = active_decisions(store, kind)
    check_consistent(decisions, kind=kind)
    ids = _record_ids(store, kind)
    u, v, w = _links(store, ids, run_id, threshold, decisions, kind)
    labels = connected_components(ids.size, u, v)
    different = _index_pairs(ids, decisions, APART)
    if apart is not None:
        different = _with_apart(ids, different, apart)
    labels, cut = split_different(labels, u, v, w, different)
    return Clustering(
        victim_ids=ids,
        representatives=ids[labels],
        probabilities=_probabilities(labels, u, v, np.minimum(w, 1.0)),
        links=int(u.size),
        forced=sum(d.verdict == "same" for d in decisions),
        links_cut=cut,
    )


def cluster_probabilities(
    store: Store, run_id: int, clusters: Mapping[int, int], kind: EntityKind = VICTIMS
) -> dict[int, float]:
    """Each record's probability to its cluster (its strongest link into it) for given clusters.

    For callers of `cluster_pairs`: the same values as `cluster_records` gives, read again from the
    run's pairs (all of them: a pair below the threshold cannot be a record's strongest link into a
    cluster its threshold links built) and the 'same' decisions.
    """
    ids = np.fromiter(clusters.keys(), dtype=np.int64, count=len(clusters))
    order = np.argsort(ids)
    ids = ids[order]
    reps = np.fromiter(clusters.values(), dtype=np.int64, count=len(clusters))[order]
    u, v, w = _links(store, ids, run_id, 0.0, active_decisions(store, kind), kind)
    _, labels = np.unique(reps, return_inverse=True)
    probabilities = _probabilities(labels, u, v, np.minimum(w, 1.0))
    return dict(zip(ids.tolist(), probabilities.tolist(), strict=True))


def connected_components(n: int, u: IntArray, v: IntArray) -> IntArray:
    """Label of each of nodes 0..n-1: the smallest node of its component, given edges (u[i], v[i]).

    Vectorised union-find: each round hooks every root to the smallest root an edge links it to
    (`np.minimum.at`), then compresses every path to its root; edges inside one component are dropped.
    Labels only decrease, so no cycle can form, and the smallest node of a component is always its
    root. Rounds grow with log(n) on chains and are few on the short chains linkage produces.
    """
    parent = np.arange(n, dtype=np.int64)
    while u.size:
        pu, pv = parent[u], parent[v]
        apart = pu != pv
        u, v, pu, pv = u[apart], v[apart], pu[apart], pv[apart]
        if not u.size:
            break
        np.minimum.at(parent, np.maximum(pu, pv), np.minimum(pu, pv))
        parent = _compress(parent)
    return parent


def _compress(parent: IntArray) -> IntArray:
    while True:
        grand = parent[parent]
        if np.array_equal(grand, parent):
            return parent
        parent = grand


def _record_ids(store: Store, kind: EntityKind) -> IntArray:
    key = kind.record_key
    found = store.con.execute(f"SELECT {key} FROM {kind.record_table} ORDER BY {key}").fetchnumpy()
    return np.asarray(found[key], dtype=np.int64)


def _links(
    store: Store, ids: IntArray, run_id: int, threshold: float, decisions: list[Decision], kind: EntityKind
) -> tuple[IntArray, IntArray, FloatArray]:
    """Links as node indices (u, v) and weights: the run's pairs >= threshold, then forced 'same' links."""
    if not store.scalar("SELECT count(*) FROM link_run WHERE run_id = ? AND kind = ?", [run_id, kind.kind]):
        raise QueryError(f"No {kind.kind} linkage run {run_id}. Runs are listed in the link_run table.")
    pairs = store.con.execute(
        f"SELECT id_l, id_r, match_probability FROM link_pair WHERE run_id = ? AND kind = ? AND {LINKED}",
        [run_id, kind.kind, threshold],
    ).fetchnumpy()
    left = np.asarray(pairs["id_l"], dtype=np.int64)
    right = np.asarray(pairs["id_r"], dtype=np.int64)
    u, v = _indices(ids, left, run_id, kind), _indices(ids, right, run_id, kind)
    fu, fv = _index_pairs(ids, decisions, ("same",))
    weights = np.concatenate(
        [np.asarray(pairs["match_probability"], dtype=np.float64), np.full(fu.size, FORCED)]
    )
    return np.concatenate([u, fu]), np.concatenate([v, fv]), weights


def _indices(ids: IntArray, victim_ids: IntArray, run_id: int, kind: EntityKind = VICTIMS) -> IntArray:
    at = np.searchsorted(ids, victim_ids)
    clipped = np.minimum(at, max(ids.size - 1, 0))
    unknown = (at >= ids.size) | (ids[clipped] != victim_ids) if ids.size else victim_ids == victim_ids
    if unknown.any():
        raise StoreError(
            f"Linkage run {run_id} has {int(unknown.sum()):,} pairs naming {kind.record_word}s that are not "
            f"in the store (e.g. id {int(victim_ids[unknown][0])}): link again ({kind.link_command})."
        )
    return at.astype(np.int64)


def _index_pairs(
    ids: IntArray, decisions: list[Decision], verdicts: tuple[str, ...]
) -> tuple[IntArray, IntArray]:
    """The decisions with one of `verdicts` as node index pairs; those on records gone are moot."""
    pairs = np.array([(d.id_a, d.id_b) for d in decisions if d.verdict in verdicts], dtype=np.int64)
    pairs = pairs.reshape(-1, 2)
    present = np.isin(pairs, ids).all(axis=1)
    pairs = pairs[present]
    return np.searchsorted(ids, pairs[:, 0]).astype(np.int64), np.searchsorted(ids, pairs[:, 1]).astype(
        np.int64
    )


def _with_apart(
    ids: IntArray, different: tuple[IntArray, IntArray], apart: tuple[IntArray, IntArray]
) -> tuple[IntArray, IntArray]:
    """The 'different' index pairs with the record pairs `apart` added (those whose ids are stored)."""
    a, b = np.asarray(apart[0], dtype=np.int64), np.asarray(apart[1], dtype=np.int64)
    present = np.isin(a, ids) & np.isin(b, ids)
    ia, ib = np.searchsorted(ids, a[present]), np.searchsorted(ids, b[present])
    return np.concatenate([different[0], ia]).astype(np.int64), np.concatenate([different[1], ib]).astype(
        np.int64
    )


def split_different(
    labels: IntArray, u: IntArray, v: IntArray, w: FloatArray, apart: tuple[IntArray, IntArray]
) -> tuple[IntArray, int]:
    """Re-cluster the components that hold both records of a 'different' decision (Kruskal, rule 3)."""
    da, db = apart
    joined = labels[da] == labels[db]
    if not joined.any():
        return labels, 0
    touched = np.unique(labels[da[joined]])
    inside = np.isin(labels[u], touched)
    eu, ev, ew = u[inside], v[inside], w[inside]
    # strongest first; ties by the pair, so that the same input always gives the same clusters
    order = np.lexsort((np.maximum(eu, ev), np.minimum(eu, ev), -ew))
    kept, cut = _kruskal(eu[order].tolist(), ev[order].tolist(), da[joined].tolist(), db[joined].tolist())
    labels = labels.copy()
    for node, root in kept.items():
        labels[node] = root
    return labels, cut


def _kruskal(eu: list[int], ev: list[int], da: list[int], db: list[int]) -> tuple[dict[int, int], int]:
    """Union-find over links in the given order, skipping any that would join a 'different' pair.

    Returns node -> smallest node of its new cluster, for every node the links or decisions name,
    and how many links were dropped.
    """
    parent: dict[int, int] = {}

    def find(x: int) -> int:
        root = parent.setdefault(x, x)
        while root != parent[root]:
            root = parent[root]
        while parent[x] != root:  # path compression
            parent[x], x = root, parent[x]
        return root

    cannot: dict[int, set[int]] = {}
    for a, b in zip(da, db, strict=True):
        cannot.setdefault(find(a), set()).add(b)
        cannot.setdefault(find(b), set()).add(a)
    cut = 0
    for a, b in zip(eu, ev, strict=True):
        ra, rb = find(a), find(b)
        if ra == rb:
            continue
        if _would_join_apart(find, cannot, ra, rb):
            cut += 1
            continue
        root, child = min(ra, rb), max(ra, rb)
        parent[child] = root
        if child in cannot:
            cannot[root] = cannot.get(root, set()) | cannot.pop(child)
    return {node: find(node) for node in list(parent)}, cut


def _would_join_apart(find: Callable[[int], int], cannot: dict[int, set[int]], ra: int, rb: int) -> bool:
    """Whether a record of set `ra` must stay apart from one of set `rb`; each pair is listed on both
    sides, so scanning the smaller list suffices."""
    in_a, in_b = cannot.get(ra, set()), cannot.get(rb, set())
    if len(in_a) <= len(in_b):
        return any(find(x) == rb for x in in_a)
    return any(find(x) == ra for x in in_b)


def _probabilities(labels: IntArray, u: IntArray, v: IntArray, w: FloatArray) -> FloatArray:
    """Each node's strongest link into its own cluster; 1.0 for a cluster of one."""
    inside = labels[u] == labels[v]
    best = np.zeros(labels.size, dtype=np.float64)
    np.maximum.at(best, u[inside], w[inside])
    np.maximum.at(best, v[inside], w[inside])
    sizes = np.bincount(labels, minlength=labels.size)
    best[sizes[labels] == 1] = 1.0
    return best
