"""`evaluate_victims` on hand-made clusterings, against precision, recall, F1 and B-cubed worked by hand.

Everyone here is invented. The truth: person X has records 1, 2 and 3 (1 and 3 are a duplicate in
source a), person Y records 4 and 5, person Z record 6 alone. The clustering: {1, 2}, {3, 4, 5}, {6}.

    true pairs       X: (1,2) (1,3) (2,3); Y: (4,5)                         -> 4
    predicted pairs  {1,2}: (1,2); {3,4,5}: (3,4) (3,5) (4,5)               -> 4
    shared           (1,2), (4,5)                                           -> 2
    pairwise         precision 2/4, recall 2/4, F1 0.5
    B-cubed          record:     1    2    3    4    5    6
                     precision   1    1   1/3  2/3  2/3   1   mean 14/18 = 0.7778
                     recall     2/3  2/3  1/3   1    1    1   mean 14/18 = 0.7778
"""

from __future__ import annotations

from pathlib import Path

import pytest

from harmtrace.errors import InputError, QueryError
from harmtrace.link.engine import TrainedModel
from harmtrace.link.evaluate import evaluate_victims, scores
from harmtrace.link.spec import BlockingRule, LinkageSpec
from harmtrace.link.victim_model import spec_for
from harmtrace.store import Store
from tests.conftest import run_cli
from tests.link.victim_rows import add_records, add_run, add_sources, day

TRUTH = [
    ("a", "R1", "X"),
    ("b", "R2", "X"),
    ("a", "R3", "X"),
    ("b", "R4", "Y"),
    ("a", "R5", "Y"),
    ("b", "R6", "Z"),
]
CLUSTERS = {1: "P1", 2: "P1", 3: "P2", 4: "P2", 5: "P2", 6: "P3"}


def write_truth(path: Path, rows: list[tuple[str, str, str]]) -> Path:
    lines = ["source,record_id,person_id", *(",".join(r) for r in rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def records(store: Store, with_stray: bool = True) -> None:
    add_sources(store, "a", "b")
    rows = [
        {"victim_id": 1, "source_id": 1, "name": "Ahmad Hariri", "date_start": day("2013-05-01")},
        {"victim_id": 2, "source_id": 2, "name_ar": "أحمد الحريري", "date_start": day("2013-05-02")},
        {"victim_id": 3, "source_id": 1, "name": "Ahmad Khalil Hariri", "date_start": day("2014-01-01")},
        {"victim_id": 4, "source_id": 2, "name": "Sara Homsi", "date_start": day("2015-03-03")},
        {"victim_id": 5, "source_id": 1, "name": "Sarah al-Homsi", "date_start": day("2015-03-04")},
        {"victim_id": 6, "source_id": 2, "name": "Walid Idlibi", "date_start": day("2016-07-07")},
    ]
    if with_stray:  # a stored record the truth does not know
        rows.append({"victim_id": 7, "source_id": 2, "name": "Huda Shami", "record_id": "R7"})
    for row in rows:
        row["record_id"] = f"R{row['victim_id']}"
        row["date_end"] = row.get("date_start")
    add_records(store, rows)


def cluster(store: Store, assignment: dict[int, str], run_id: int = 1) -> None:
    store.con.executemany(
        "INSERT INTO person_member VALUES (?, ?, ?, 1.0)", [[p, v, run_id] for v, p in assignment.items()]
    )


def test_pairwise_and_bcubed_match_the_hand_computed_values(store: Store, tmp_path: Path) -> None:
    records(store)
    cluster(store, CLUSTERS)
    result = evaluate_victims(store, write_truth(tmp_path / "truth.csv", [*TRUTH, ("a", "R99", "W")]))
    assert (result.pairwise.shared, result.pairwise.predicted, result.pairwise.true) == (2, 4, 4)
    assert (result.pairwise.precision, result.pairwise.recall, result.pairwise.f1) == (0.5, 0.5, 0.5)
    assert result.bcubed.precision == pytest.approx(14 / 18, abs=1e-6)
    assert result.bcubed.recall == pytest.approx(14 / 18, abs=1e-6)
    assert result.bcubed.f1 == pytest.approx(14 / 18, abs=1e-6)
    assert (result.records, result.truth_rows, result.truth_not_stored, result.stored_not_in_truth) == (
        6,
        7,
        1,
        1,
    )
    assert (result.persons_true, result.clusters) == (3, 3)


def test_a_perfect_clustering_scores_one_and_singletons_count_only_in_bcubed(
    store: Store, tmp_path: Path
) -> None:
    records(store)
    cluster(store, {1: "P1", 2: "P1", 3: "P1", 4: "P2", 5: "P2", 6: "P3"})
    result = evaluate_victims(store, write_truth(tmp_path / "truth.csv", TRUTH))
    assert (result.pairwise.precision, result.pairwise.recall, result.pairwise.f1) == (1.0, 1.0, 1.0)
    assert (result.bcubed.precision, result.bcubed.recall) == (1.0, 1.0)


def test_records_no_person_holds_are_clusters_of_their_own(store: Store, tmp_path: Path) -> None:
    records(store)  # no person_member at all: every record alone
    result = evaluate_victims(store, write_truth(tmp_path / "truth.csv", TRUTH))
    assert result.clusters == 6
    assert (result.pairwise.precision, result.pairwise.recall, result.pairwise.f1) == (None, 0.0, None)
    assert result.bcubed.precision == 1.0
    assert result.bcubed.recall == pytest.approx((1 / 3 * 3 + 1 / 2 * 2 + 1) / 6, abs=1e-6)


def test_scores_are_undefined_not_zero_when_a_denominator_is_zero() -> None:
    assert scores(0, 0, 0).precision is None and scores(0, 0, 0).recall is None
    assert scores(0, 2, 4) == scores(0, 2, 4)
    assert scores(0, 2, 4).f1 == 0.0


def test_run_pairs_and_blocking_recall_of_the_run(store: Store, tmp_path: Path) -> None:
    records(store)
    cluster(store, CLUSTERS)
    run_id = add_run(store, [(1, 2, 0.95), (3, 4, 0.92), (4, 5, 0.5)])
    # blocking on the given name key and the year: X keeps (1,2) only, Y keeps (4,5): 2 of 4 true pairs
    spec = LinkageSpec(
        config="arabic",
        blocking_rules=(BlockingRule(("given_key", "death_year")), BlockingRule(("family_key", "day_start"))),
        training_rules=(),
        prior_rules=(),
    )
    store.con.execute(
        "UPDATE link_run SET model_json = ? WHERE run_id = ?", [TrainedModel(spec, {}).to_json(), run_id]
    )
    result = evaluate_victims(store, write_truth(tmp_path / "truth.csv", TRUTH), threshold=0.9)
    assert result.run_pairs is not None
    assert (result.run_pairs.shared, result.run_pairs.predicted, result.run_pairs.true) == (1, 2, 4)
    assert result.blocking_recall == 0.5
    assert [r["true_pairs_kept"] for r in result.blocking_by_rule] == [2, 0]


def test_a_run_without_a_stored_model_has_no_blocking_recall(store: Store, tmp_path: Path) -> None:
    records(store)
    add_run(store, [(1, 2, 0.95)])
    result = evaluate_victims(store, write_truth(tmp_path / "truth.csv", TRUTH))
    assert result.run_id is not None and result.blocking_recall is None


def test_truth_without_its_columns_or_file_is_refused_with_what_to_do(store: Store, tmp_path: Path) -> None:
    records(store)
    bad = tmp_path / "bad.csv"
    bad.write_text("source,id,person\na,R1,X\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"lacks column.*record_id, person_id"):
        evaluate_victims(store, bad)
    with pytest.raises(InputError, match="not found"):
        evaluate_victims(store, tmp_path / "missing.csv")
    with pytest.raises(QueryError, match="No victims linkage run 9"):
        evaluate_victims(store, write_truth(tmp_path / "truth.csv", TRUTH), run_id=9)


def test_the_command_prints_the_measures_and_json(db_path: Path, tmp_path: Path) -> None:
    from harmtrace.store import open_store

    with open_store(db_path, create=True) as store:
        records(store)
        cluster(store, CLUSTERS)
    truth = write_truth(tmp_path / "truth.csv", TRUTH)
    result = run_cli(db_path, "link", "evaluate", "victims", "--truth", str(truth))
    assert result.exit_code == 0, result.output
    assert "pairwise" in result.output and "0.5000" in result.output and "0.7778" in result.output
    as_json = run_cli(db_path, "link", "evaluate", "victims", "--truth", str(truth), "--json")
    assert '"f1": 0.5' in as_json.output
    assert spec_for("arabic").blocking_rules  # the default rules exist for a real run
