"""Stable person ids across linkage runs, with the history of every merge and split.

A person is a cluster of victim records (`harmtrace.link.clusters`). Its id is "P" and a zero-padded
number (``P0000042``), never reused, even after the person is retired. Each run hands the previous
persons' ids to its new clusters so that an id follows its records:

1. Overlap: for every (new cluster, previous person) pair, the records they share (through
   `person_member`, the previous run's membership).
2. Matching: pairs are taken in order of most records shared (ties: the older id, then the smaller
   cluster representative); a pair whose cluster and person are both still free gives the cluster
   that person's id. So every cluster takes the id of the previous person it shares most records
   with, unless a cluster sharing more took it first, and a person whose cluster persists (even
   grown by a new list) keeps its id.
3. Whatever is left:

   - a cluster sharing records with some previous person got split off that person: it gets a new
     id, and the person it shares most records with gets a 'split' event listing the new ids (the
     largest part kept the person's id in step 2);
   - a cluster sharing no record with any previous person is a new person ('new' event);
   - a previous person left without a cluster was merged: it is retired into the person whose
     cluster holds most of its records (`person.retired_run`, `retired_into`), and that survivor
     gets a 'merge' event listing the retired ids;
   - a previous person none of whose records is left is retired alone ('retire' event).

The counts balance: persons now = new + split + kept, and previous persons = kept + merged + retired.
An event's ``records`` is the number of records it moved: the new person's records ('new'), those
moved out to the new ids ('split'), those moved in from the retired persons ('merge'), or those the
person had ('retire').

Incidents (clusters of reports) get stable ids by the same rules: `assign_ids` with
``kind=INCIDENTS`` writes `incident`, `incident_member` and link events of kind 'incidents', with ids
"I" and a number (``I0000042``).

The membership of the run replaces the previous one, in one transaction with the person rows and the
events: a crash leaves the previous identities whole.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from harmtrace.errors import QueryError
from harmtrace.link.kinds import VICTIMS, EntityKind
from harmtrace.store import Store

PREFIX: Final = "P"
DIGITS: Final = 7
# person numbers as text, in DuckDB (printf never truncates a number wider than DIGITS)
PERSON_ID_SQL: Final = f"printf('{PREFIX}%0{DIGITS}d', {{}})"
NUMBER_SQL: Final = f"CAST(substr({{}}, {len(PREFIX) + 1}) AS BIGINT)"  # and back

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class IdentityChanges:
    """What a run did to the persons: persons = new + split + kept; previous = kept + merged + retired."""

    run_id: int
    records: int
    persons: int
    previous: int
    new: int
    kept: int
    split: int
    merged: int
    retired: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class _Plan:
    """Person numbers per cluster and what happened to the previous persons (arrays, no ids yet)."""

    reps: IntArray  # cluster representatives, sorted
    sizes: IntArray  # records per cluster
    numbers: IntArray  # person number given to each cluster
    kept: npt.NDArray[np.bool_]  # the number is a previous person's
    origin: IntArray  # for split-off clusters, the person they came from; else -1
    retired: IntArray  # previous person numbers left without a cluster
    retired_into: IntArray  # the number each was merged into, -1 when none of its records is left
    moved_out: IntArray  # per cluster split off: records it took from its origin
    moved_in: IntArray  # per retired person: records it brought to the person it was merged into


def person_id(number: int, prefix: str = PREFIX) -> str:
    """The id of person number `number` (of incident number `number` with prefix "I").

    >>> person_id(42), person_id(42, "I")
    ('P0000042', 'I0000042')
    """
    return f"{prefix}{number:0{DIGITS}d}"


def _id_sql(kind: EntityKind) -> str:
    return f"printf('{kind.prefix}%0{DIGITS}d', {{}})"


def _number_sql(kind: EntityKind) -> str:
    return f"CAST(substr({{}}, {len(kind.prefix) + 1}) AS BIGINT)"


def assign_persons(
    store: Store, run_id: int, clusters: Mapping[int, int], probabilities: Mapping[int, float]
) -> IdentityChanges:
    """Give the clusters of run `run_id` stable person ids; write membership, persons and events.

    `clusters` maps every victim id in the store to its cluster representative (`cluster_pairs`) and
    `probabilities` every victim id to its probability to its cluster. The rules are in the module
    docstring. Returns the counts of new, kept, split, merged and retired persons.
    """
    return assign_ids(store, run_id, clusters, probabilities, VICTIMS)


def assign_ids(
    store: Store,
    run_id: int,
    clusters: Mapping[int, int],
    probabilities: Mapping[int, float],
    kind: EntityKind,
) -> IdentityChanges:
    """`assign_persons` for either kind: persons of victim records, or incidents of reports.

    (The counts keep their person names: ``persons`` is the number of incidents for incidents.)
    """
    incoming = _incoming(clusters, probabilities, kind)
    with _registered(store, "incoming_members", incoming):
        _check_coverage(store, run_id, kind)
        reps, sizes = _cluster_sizes(incoming)
        rep, number, shared = _overlap(store, kind)
        previous, previous_sizes = _previous(store, kind)
        number_sql = _number_sql(kind).format(kind.entity_key)
        next_number = int(store.scalar(f"SELECT coalesce(max({number_sql}), 0) + 1 FROM {kind.entity_table}"))
        plan = _plan(reps, sizes, (rep, number, shared), previous, next_number)
        retired_sizes = previous_sizes[np.searchsorted(previous, plan.retired)]
        _write(store, run_id, plan, retired_sizes, kind)
    return _changes(run_id, incoming.num_rows, plan, previous.size)


def _plan(
    reps: IntArray,
    sizes: IntArray,
    overlap: tuple[IntArray, IntArray, IntArray],
    previous: IntArray,
    next_number: int,
) -> _Plan:
    """The matching of the module docstring, on arrays: clusters (sorted representatives and sizes),
    overlap rows (representative, previous person number, records shared), the active previous
    person numbers, and the first unused number."""
    rep, number, shared = overlap
    matched_rep, matched_number = _match(rep, number, shared)
    at = np.searchsorted(reps, matched_rep)
    numbers = np.full(reps.size, -1, dtype=np.int64)
    numbers[at] = matched_number
    kept = numbers >= 0
    origin, moved_out = _best_partner(reps, rep, number, shared)
    origin[kept], moved_out[kept] = -1, 0
    fresh = ~kept
    numbers[fresh] = next_number + np.arange(int(fresh.sum()), dtype=np.int64)
    retired = np.setdiff1d(previous, matched_number)
    into_rep, moved_in = _best_partner(retired, number, rep, shared)
    retired_into = np.full(retired.size, -1, dtype=np.int64)
    merged = into_rep >= 0
    retired_into[merged] = numbers[np.searchsorted(reps, into_rep[merged])]
    return _Plan(reps, sizes, numbers, kept, origin, retired, retired_into, moved_out, moved_in)


def _match(rep: IntArray, number: IntArray, shared: IntArray) -> tuple[IntArray, IntArray]:
    """Greedy matching, most records shared first (then older person, then smaller representative).

    Pairs whose cluster and person overlap nothing else (every pair, on a re-run of unchanged data)
    are matched at once; only the contested rest goes through the loop.
    """
    _, rep_at, rep_count = np.unique(rep, return_inverse=True, return_counts=True)
    _, num_at, num_count = np.unique(number, return_inverse=True, return_counts=True)
    alone = (rep_count[rep_at] == 1) & (num_count[num_at] == 1)
    order = np.lexsort((rep[~alone], number[~alone], -shared[~alone]))
    taken_rep: set[int] = set()
    taken_number: set[int] = set()
    pairs: list[tuple[int, int]] = []
    for r, n in zip(rep[~alone][order].tolist(), number[~alone][order].tolist(), strict=True):
        if r not in taken_rep and n not in taken_number:
            taken_rep.add(r)
            taken_number.add(n)
            pairs.append((r, n))
    contested = np.array(pairs, dtype=np.int64).reshape(-1, 2)
    return np.concatenate([rep[alone], contested[:, 0]]), np.concatenate([number[alone], contested[:, 1]])


def _best_partner(
    keys: IntArray, key: IntArray, partner: IntArray, shared: IntArray
) -> tuple[IntArray, IntArray]:
    """For each of `keys` (sorted), the overlap partner it shares most records with, and how many.

    Ties go to the smaller partner (the older person, or the smaller representative); -1 and 0 for
    keys with no overlap row.
    """
    best = np.full(keys.size, -1, dtype=np.int64)
    count = np.zeros(keys.size, dtype=np.int64)
    if not key.size or not keys.size:
        return best, count
    order = np.lexsort((partner, -shared, key))
    first = np.unique(key[order], return_index=True)[1]
    rows = order[first]
    at = np.searchsorted(keys, key[rows])
    found = (at < keys.size) & (keys[np.minimum(at, keys.size - 1)] == key[rows])
    best[at[found]] = partner[rows[found]]
    count[at[found]] = shared[rows[found]]
    return best, count


def _incoming(clusters: Mapping[int, int], probabilities: Mapping[int, float], kind: EntityKind) -> pa.Table:
    ids = np.fromiter(clusters.keys(), dtype=np.int64, count=len(clusters))
    reps = np.fromiter(clusters.values(), dtype=np.int64, count=len(clusters))
    probs = np.fromiter(
        (probabilities.get(i, np.nan) for i in ids.tolist()), dtype=np.float64, count=ids.size
    )
    if np.isnan(probs).any():
        missing = ids[np.isnan(probs)]
        raise QueryError(
            f"{missing.size:,} clustered records have no probability (e.g. id {int(missing[0])}): "
            "pass the probabilities of the same clustering (cluster_records or cluster_probabilities)."
        )
    return pa.table({kind.record_key: ids, "rep": reps, "probability": probs})


@contextmanager
def _registered(store: Store, name: str, table: pa.Table) -> Iterator[None]:
    store.con.register(name, table)
    try:
        yield
    finally:
        store.con.unregister(name)


def _check_coverage(store: Store, run_id: int, kind: EntityKind) -> None:
    if not store.scalar("SELECT count(*) FROM link_run WHERE run_id = ? AND kind = ?", [run_id, kind.kind]):
        raise QueryError(
            f"No {kind.kind} linkage run {run_id}: {kind.entity_plural} are assigned for a run of "
            f"{kind.link_command}."
        )
    table, key = kind.record_table, kind.record_key
    missing = store.scalar(f"SELECT count(*) FROM {table} ANTI JOIN incoming_members USING ({key})")
    unknown = store.scalar(f"SELECT count(*) FROM incoming_members ANTI JOIN {table} USING ({key})")
    if missing or unknown:
        raise QueryError(
            f"The clusters must cover exactly the stored {kind.record_word}s: {missing:,} records are in no "
            f"cluster and {unknown:,} clustered ids are not stored records. Cluster again (cluster_pairs)."
        )


def _cluster_sizes(incoming: pa.Table) -> tuple[IntArray, IntArray]:
    reps, sizes = np.unique(incoming.column("rep").to_numpy(), return_counts=True)
    return reps.astype(np.int64), sizes.astype(np.int64)


def _overlap(store: Store, kind: EntityKind) -> tuple[IntArray, IntArray, IntArray]:
    """(representative, previous person number, records shared) for every overlapping pair."""
    found = store.con.execute(
        f"SELECT i.rep, {_number_sql(kind).format('m.' + kind.entity_key)} AS number, count(*) AS shared "
        f"FROM incoming_members i JOIN {kind.member_table} m USING ({kind.record_key}) GROUP BY ALL"
    ).fetchnumpy()
    return tuple(np.asarray(found[c], dtype=np.int64) for c in ("rep", "number", "shared"))  # type: ignore[return-value]


def _previous(store: Store, kind: EntityKind) -> tuple[IntArray, IntArray]:
    """Active previous person numbers (sorted) and their records in the previous membership."""
    found = store.con.execute(
        f"SELECT {_number_sql(kind).format('p.' + kind.entity_key)} AS number, "
        f"count(m.{kind.record_key}) AS size FROM {kind.entity_table} p "
        f"LEFT JOIN {kind.member_table} m USING ({kind.entity_key}) WHERE p.retired_run IS NULL "
        "GROUP BY ALL ORDER BY number"
    ).fetchnumpy()
    return np.asarray(found["number"], dtype=np.int64), np.asarray(found["size"], dtype=np.int64)


def _write(store: Store, run_id: int, plan: _Plan, retired_sizes: IntArray, kind: EntityKind) -> None:
    """Membership, new persons, retirements and events, all or nothing."""
    numbers = pa.table({"rep": plan.reps, "number": plan.numbers})
    fresh = pa.table(
        {
            "number": plan.numbers[~plan.kept],
            "size": plan.sizes[~plan.kept],
            "split": plan.origin[~plan.kept] >= 0,
        }
    )
    into = pa.array(plan.retired_into, mask=plan.retired_into < 0)
    retired = pa.table({"number": plan.retired, "into": into})
    pid = _id_sql(kind).format
    entity, member, key = kind.entity_table, kind.member_table, kind.entity_key
    with _registered(store, "cluster_numbers", numbers), _registered(store, "fresh_numbers", fresh), \
            _registered(store, "retired_numbers", retired), store.transaction() as con:  # fmt: skip
        con.execute(f"DELETE FROM {member}")
        con.execute(
            f"INSERT INTO {member} SELECT {pid('n.number')}, i.{kind.record_key}, ?, i.probability "
            "FROM incoming_members i JOIN cluster_numbers n USING (rep)",
            [run_id],
        )
        con.execute(
            f"INSERT INTO {entity} SELECT {pid('number')}, ?, NULL, NULL FROM fresh_numbers", [run_id]
        )
        con.execute(
            f"UPDATE {entity} SET retired_run = ?, retired_into = CASE WHEN r.into IS NULL THEN NULL "
            f"ELSE {pid('r.into')} END FROM retired_numbers r WHERE {entity}.{key} = {pid('r.number')}",
            [run_id],
        )
        con.execute(
            f"INSERT INTO link_event SELECT ?, ?, 'new', {pid('number')}, []::VARCHAR[], size "
            "FROM fresh_numbers WHERE NOT split",
            [run_id, kind.kind],
        )
        events = _split_events(plan, kind.prefix) + _merge_events(plan, retired_sizes, kind.prefix)
        with _registered(store, "other_events", _event_table(events)):  # executemany: 0.4 ms a row
            con.execute("INSERT INTO link_event SELECT ?, ?, * FROM other_events", [run_id, kind.kind])


def _split_events(plan: _Plan, prefix: str) -> list[tuple[str, str, list[str], int]]:
    """One 'split' per previous person that lost records to new ids: the new ids and records moved."""
    parts: dict[int, tuple[list[str], int]] = {}
    split = plan.origin >= 0
    rows = zip(
        plan.origin[split].tolist(), plan.numbers[split].tolist(), plan.moved_out[split].tolist(), strict=True
    )
    for origin, number, records in rows:
        ids, total = parts.get(origin, ([], 0))
        parts[origin] = ([*ids, person_id(number, prefix)], total + records)
    return [("split", person_id(o, prefix), sorted(ids), n) for o, (ids, n) in sorted(parts.items())]


def _merge_events(plan: _Plan, retired_sizes: IntArray, prefix: str) -> list[tuple[str, str, list[str], int]]:
    """One 'merge' per survivor, listing the persons retired into it; one 'retire' per person gone."""
    events: list[tuple[str, str, list[str], int]] = []
    merged: dict[int, tuple[list[str], int]] = {}
    rows = zip(
        plan.retired.tolist(),
        plan.retired_into.tolist(),
        plan.moved_in.tolist(),
        retired_sizes.tolist(),
        strict=True,
    )
    for number, into, records, size in rows:
        if into < 0:
            events.append(("retire", person_id(number, prefix), [], size))
            continue
        ids, total = merged.get(into, ([], 0))
        merged[into] = ([*ids, person_id(number, prefix)], total + records)
    events += [("merge", person_id(s, prefix), sorted(ids), n) for s, (ids, n) in sorted(merged.items())]
    return events


def _event_table(events: list[tuple[str, str, list[str], int]]) -> pa.Table:
    types = {
        "event": pa.string(),
        "entity_id": pa.string(),
        "other_ids": pa.list_(pa.string()),
        "records": pa.int64(),
    }
    return pa.table({name: pa.array([e[i] for e in events], t) for i, (name, t) in enumerate(types.items())})


def _changes(run_id: int, records: int, plan: _Plan, previous: int) -> IdentityChanges:
    fresh = ~plan.kept
    return IdentityChanges(
        run_id=run_id,
        records=records,
        persons=int(plan.reps.size),
        previous=previous,
        new=int((fresh & (plan.origin < 0)).sum()),
        kept=int(plan.kept.sum()),
        split=int((plan.origin >= 0).sum()),
        merged=int((plan.retired_into >= 0).sum()),
        retired=int((plan.retired_into < 0).sum()),
    )
