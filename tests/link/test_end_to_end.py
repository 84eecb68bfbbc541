"""From simulated lists to persons and back, through the commands a user runs.

A simulated population (`harmtrace simulate victims`, invented names) with four lists: three are
imported and linked, then the fourth arrives and everything is linked again. Checked here: the
export joins back to the simulation's truth, a re-run keeps every id, a new list keeps the id of every
person whose cluster persists, and analyst decisions hold across runs. The linkage model's accuracy
has its own tests and benchmark; here it only has to be good enough for the checks to mean something.
"""

from __future__ import annotations

import csv
import itertools
import re
from collections import defaultdict
from pathlib import Path

import pytest

from harmtrace.link.victims import link_victims
from harmtrace.store import Store, open_store
from tests.conftest import run_cli

PEOPLE, SEED = 1500, 5


@pytest.fixture(scope="module")
def lists(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("sim")
    db = folder / "sim.duckdb"
    args = ["--people", str(PEOPLE), "--sources", "4", "--seed", str(SEED), "--out", str(folder / "lists")]
    result = run_cli(db, "simulate", "victims", *args)
    assert result.exit_code == 0, result.output
    return folder / "lists"


def ingest(db: Path, lists: Path, name: str) -> None:
    mapping = str(lists / f"{name}.yaml")
    result = run_cli(
        db, "ingest", "victims", str(lists / f"{name}.csv"), "--mapping", mapping, "--source", name
    )
    assert result.exit_code == 0, result.output


def export(db: Path, folder: Path) -> dict[tuple[str, str], str]:
    out = folder / "persons.csv"
    result = run_cli(db, "persons", "export", "--format", "csv", str(out))
    assert result.exit_code == 0, result.output
    return {(r["source"], r["record_id"]): r["person_id"] for r in csv.DictReader(out.open(encoding="utf-8"))}


def truth(lists: Path) -> dict[tuple[str, str], str]:
    rows = csv.DictReader((lists / "truth.csv").open(encoding="utf-8"))
    return {(r["source"], r["record_id"]): r["person_id"] for r in rows}


def pairwise_precision_recall(
    found: dict[tuple[str, str], str], true: dict[tuple[str, str], str]
) -> tuple[float, float]:
    def pairs(assignment: dict[tuple[str, str], str]) -> set[frozenset[tuple[str, str]]]:
        groups: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for record, person in assignment.items():
            groups[person].append(record)
        return {frozenset(p) for g in groups.values() for p in itertools.combinations(g, 2)}

    got, want = pairs(found), pairs({k: true[k] for k in found})
    return len(got & want) / max(len(got), 1), len(got & want) / max(len(want), 1)


def members(store: Store) -> dict[str, set[int]]:
    groups: dict[str, set[int]] = defaultdict(set)
    for row in store.rows("SELECT person_id, victim_id FROM person_member"):
        groups[row["person_id"]].add(row["victim_id"])
    return groups


def persisting_clusters(before: dict[str, set[int]], after: dict[str, set[int]]) -> list[tuple[str, str]]:
    """(old id, new id) of the clusters that persist: all of the old person's records are in one new
    person, which holds no record of any other old person (it may have gained new records)."""
    owner = {v: p for p, ids in before.items() for v in ids}
    holder = {v: p for p, ids in after.items() for v in ids}
    found = []
    for old, ids in before.items():
        new = {holder[v] for v in ids}
        if len(new) != 1:
            continue
        only = new.pop()
        if {owner.get(v) for v in after[only]} <= {old, None}:
            found.append((old, only))
    return found


def test_lists_to_persons_and_back(lists: Path, tmp_path: Path) -> None:
    db = tmp_path / "store.duckdb"
    for name in ("list_a", "list_b", "list_c"):
        ingest(db, lists, name)
    with open_store(db, create=True) as store:
        first = link_victims(store)
        assert first.identities.new == first.persons and first.persons > 0
        before = members(store)

    found = export(db, tmp_path)
    true = truth(lists)
    assert set(found) <= set(true) and len(found) == sum(1 for k in true if k[0] != "list_d")
    assert all(re.fullmatch(r"P\d{7}", p) for p in found.values())
    precision, recall = pairwise_precision_recall(found, true)
    assert precision > 0.8 and recall > 0.8, (precision, recall)

    with open_store(db, create=True) as store:
        again = link_victims(store)
        assert (again.identities.kept, again.identities.new, again.identities.merged) == (first.persons, 0, 0)
        assert members(store) == before

    ingest(db, lists, "list_d")
    with open_store(db, create=True) as store:
        grown = link_victims(store)
        after = members(store)
        persisting = persisting_clusters(before, after)
        assert len(persisting) > 0.9 * len(before)
        assert all(before[old] <= after[old] for old, _ in persisting), "a persisting cluster keeps its id"
        assert grown.identities.persons == len(after)


def test_decisions_hold_across_runs(lists: Path, tmp_path: Path) -> None:
    db = tmp_path / "store.duckdb"
    for name in ("list_a", "list_b", "list_c"):
        ingest(db, lists, name)
    with open_store(db, create=True) as store:
        link_victims(store)
        joined = next(sorted(ids) for ids in members(store).values() if len(ids) >= 2)
        alone = sorted(next(ids for ids in members(store).values() if len(ids) == 1))
    a, b, c = joined[0], joined[1], alone[0]
    assert run_cli(db, "decide", "victims", "different", str(a), str(b), "--reason", "test").exit_code == 0
    assert run_cli(db, "decide", "victims", "same", str(a), str(c), "--reason", "test").exit_code == 0
    queue = run_cli(db, "review", "victims", "--json")
    assert queue.exit_code == 0, queue.output
    ingest(db, lists, "list_d")
    with open_store(db, create=True) as store:
        link_victims(store)
        of = {v: p for p, ids in members(store).items() for v in ids}
        assert of[a] != of[b] and of[a] == of[c]
        link_victims(store)
        again = {v: p for p, ids in members(store).items() for v in ids}
        assert again == of
    stats = run_cli(db, "stats", "persons", "--by", "source")
    assert stats.exit_code == 0 and "list_d" in stats.output
