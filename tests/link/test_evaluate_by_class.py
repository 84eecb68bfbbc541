"""`evaluate_by_class` on the hand-made clustering of tests/link/test_evaluate.py, worked by hand.

Truth X {1, 2, 3}, Y {4, 5}, Z {6}; clusters {1, 2}, {3, 4, 5}, {6}. Everyone is invented.

    class k = {3}:     true pairs touching it (1,3) (2,3); predicted (3,4) (3,5); shared none
                       -> precision 0/2, recall 0/2
    class m = {1, 4}:  true (1,2) (1,3) (4,5); predicted (1,2) (3,4) (4,5); shared (1,2) (4,5)
                       -> precision 2/3, recall 2/3
    class solo = {6}:  no pair at all -> undefined (None)
"""

from __future__ import annotations

from pathlib import Path

import pytest

from harmtrace.errors import InputError
from harmtrace.link.evaluate import evaluate_by_class
from harmtrace.store import Store
from tests.link.test_evaluate import CLUSTERS, TRUTH, cluster, records, write_truth

CLASSES = [("a", "R3", "k"), ("a", "R1", "m"), ("b", "R4", "m"), ("b", "R6", "solo"), ("a", "R99", "k"),
           ("b", "R7", "m")]  # fmt: skip


def write_classes(path: Path, rows: list[tuple[str, str, str]]) -> Path:
    lines = ["source,record_id,class", *(",".join(r) for r in rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_pairs_touching_a_class_are_scored_as_worked_by_hand(store: Store, tmp_path: Path) -> None:
    records(store)
    cluster(store, CLUSTERS)
    result = evaluate_by_class(
        store, write_truth(tmp_path / "truth.csv", TRUTH), write_classes(tmp_path / "c.csv", CLASSES)
    )
    assert [c.name for c in result] == ["k", "m", "solo"], "classes in the order the file names them"
    k, m, solo = result
    assert (k.records, k.pairwise.shared, k.pairwise.predicted, k.pairwise.true) == (1, 0, 2, 2)
    assert (k.pairwise.precision, k.pairwise.recall) == (0.0, 0.0)
    assert (m.records, m.pairwise.shared, m.pairwise.predicted, m.pairwise.true) == (2, 2, 3, 3)
    assert m.pairwise.precision == pytest.approx(2 / 3, abs=1e-6)
    assert m.pairwise.recall == pytest.approx(2 / 3, abs=1e-6)
    assert (solo.records, solo.pairwise.precision, solo.pairwise.recall) == (1, None, None)
    tables = {
        r[0] for r in store.con.execute("SELECT table_name FROM duckdb_tables() WHERE temporary").fetchall()
    }
    assert not {t for t in tables if t.startswith("ht_eval")}, "no temporary table is left behind"


def test_a_class_file_without_its_columns_or_file_is_refused(store: Store, tmp_path: Path) -> None:
    records(store)
    truth = write_truth(tmp_path / "truth.csv", TRUTH)
    with pytest.raises(InputError, match="not found"):
        evaluate_by_class(store, truth, tmp_path / "missing.csv")
    bad = tmp_path / "bad.csv"
    bad.write_text("source,record_id\na,R1\n", encoding="utf-8")
    with pytest.raises(InputError, match="lacks column"):
        evaluate_by_class(store, truth, bad)


def test_a_class_left_out_leaves_the_other_classes_pairs_without_its_records(
    store: Store, tmp_path: Path
) -> None:
    # without k = {3}: truth X {1, 2}, Y {4, 5}; clusters {1, 2}, {4, 5}: every pair right
    records(store)
    cluster(store, CLUSTERS)
    result = evaluate_by_class(
        store,
        write_truth(tmp_path / "truth.csv", TRUTH),
        write_classes(tmp_path / "c.csv", CLASSES),
        without="k",
    )
    assert [c.name for c in result] == ["k", "m", "solo", "all but k"]
    k, m, _, rest = result
    assert (k.pairwise.shared, k.pairwise.predicted, k.pairwise.true) == (0, 2, 2), "its own row keeps it"
    assert (m.pairwise.shared, m.pairwise.predicted, m.pairwise.true) == (2, 2, 2)
    assert (rest.records, rest.pairwise.shared, rest.pairwise.predicted, rest.pairwise.true) == (5, 2, 2, 2)


def test_several_classes_left_out(store: Store, tmp_path: Path) -> None:
    # without k = {3} and solo: as without k alone, less solo's own record from the last row
    records(store)
    cluster(store, CLUSTERS)
    truth, classes = write_truth(tmp_path / "truth.csv", TRUTH), write_classes(tmp_path / "c.csv", CLASSES)
    one = {c.name: c for c in evaluate_by_class(store, truth, classes, without="k")}
    two = {c.name: c for c in evaluate_by_class(store, truth, classes, without=("k", "solo"))}
    assert two["m"].pairwise == one["m"].pairwise
    assert two["k"].pairwise == one["k"].pairwise, "solo's records share no pair with k's"
    rest = two["all but k, solo"]
    assert rest.records == one["all but k"].records - two["solo"].records
