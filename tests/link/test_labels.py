"""Labelled pairs: reading truth and label files, resolving them in the store, training m from them,
priors per pair of sources, and the EM session that must not drop comparisons when it fails."""

from __future__ import annotations

import csv
import math
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pytest

from harmtrace.errors import InputError
from harmtrace.ingest import get_format, import_file
from harmtrace.link import runs
from harmtrace.link.decisions import record_decision
from harmtrace.link.engine import (
    LABEL_M_FLOOR,
    LABEL_PSEUDO_PAIRS,
    DuckDBBackend,
    TrainedModel,
    _em_session,
    learn_from_labels,
    settings,
)
from harmtrace.link.incident_features import SIGNATURE_SIZE, build_incident_features, incident_features_arrow
from harmtrace.link.incident_model import INCIDENTS_SPEC, incident_comparisons
from harmtrace.link.incidents import link_incidents
from harmtrace.link.kinds import INCIDENTS
from harmtrace.link.labels import all_labels, read_label_rows, resolve_labels
from harmtrace.link.runs import _calibrate_by_source_pair, _or_guess, by_labelled_sources, source_pair_classes
from harmtrace.link.spec import BlockingRule
from harmtrace.simulate.reports import EventData, ReportsConfig, import_reports, simulate_reports
from harmtrace.store import Store
from tests.conftest import ROOT, TEST_DATA


def _write(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def test_a_pair_file_and_a_cluster_file_read_as_pairs(tmp_path: Path) -> None:
    pairs = _write(
        tmp_path / "pairs.csv",
        ["source_a", "record_id_a", "source_b", "record_id_b", "relation"],
        [["UCDP", "1", "Airwars", "CS1", "part-of"], ["UCDP", "2", "Airwars", "CS2", ""]],
    )
    rows = read_label_rows(pairs)
    assert [(r.record_a, r.record_b, r.relation) for r in rows] == [
        ("1", "CS1", "part-of"),
        ("2", "CS2", "same"),
    ]
    clusters = _write(
        tmp_path / "truth.csv",
        ["source", "record_id", "incident_id"],
        [["a", "1", "I1"], ["b", "7", "I1"], ["c", "9", "I1"], ["a", "2", "I2"]],
    )
    assert len(read_label_rows(clusters)) == 3  # three reports of I1: three pairs; I2 alone: none


def test_a_bad_relation_or_layout_is_refused_with_the_line(tmp_path: Path) -> None:
    bad = _write(
        tmp_path / "bad.csv",
        ["source_a", "record_id_a", "source_b", "record_id_b", "relation"],
        [["UCDP", "1", "Airwars", "CS1", "cousin"]],
    )
    with pytest.raises(InputError, match="line 2"):
        read_label_rows(bad)
    with pytest.raises(InputError, match="source_a"):
        read_label_rows(_write(tmp_path / "x.csv", ["a", "b"], [["1", "2"]]))


def _sheet(store: Store) -> dict[str, int]:
    mapping = ROOT / "examples" / "mappings" / "airwars_style_incidents.yaml"
    import_file(store, get_format("incidents", mapping), TEST_DATA / "incidents_sheet.csv")
    return {r["record_id"]: r["report_id"] for r in store.rows("SELECT record_id, report_id FROM report")}


def test_labels_resolve_to_reports_and_count_what_the_store_lacks(store: Store, tmp_path: Path) -> None:
    ids = _sheet(store)
    source = store.scalar("SELECT name FROM source")
    first, second = sorted(ids)[:2]
    path = _write(
        tmp_path / "labels.csv",
        ["source_a", "record_id_a", "source_b", "record_id_b"],
        [[source, first, source, second], [source, first, "elsewhere", "404"]],
    )
    labels = resolve_labels(store, read_label_rows(path))
    assert (labels.rows, labels.resolved, labels.unresolved) == (2, 1, 1)
    assert labels.pairs.to_pylist() == [
        {"unique_id_l": ids[first], "unique_id_r": ids[second], "relation": "same"}
    ]
    # analysts' decisions are labels too
    third = sorted(ids)[2]
    record_decision(store, "same", ids[first], ids[third], "one strike, checked", kind=INCIDENTS)
    both = all_labels(store, path)
    assert both.resolved == 2 and both.unresolved == 1


def test_labels_update_m_with_the_old_m_as_a_prior() -> None:
    model = {
        "comparisons": [
            {
                "output_column_name": "date",
                "comparison_levels": [
                    {"is_null_level": True},
                    {"m_probability": 0.5},
                    {"m_probability": 0.3, "fix_m_probability": True},
                    {"m_probability": 0.2},
                ],
            },
            {"output_column_name": "source", "comparison_levels": [{"m_probability": 0.9},
                                                                   {"m_probability": 0.1}]},
            {"output_column_name": "veto", "comparison_levels": [{"m_probability": 0.99},
                                                                 {"m_probability": 2.0**-60,
                                                                  "fix_m_probability": True}]},
        ]
    }  # fmt: skip
    # gamma 2 is the first non-null level, 0 the last; -1 (null) never counts
    counts = {"date": {2: 80, 1: 0, 0: 0, -1: 500}, "source": {1: 80}, "veto": {1: 40, 0: 0}}
    learned = learn_from_labels(model, counts, keep=("source",))
    date = [lv.get("m_probability") for lv in learned["comparisons"][0]["comparison_levels"][1:]]
    k = LABEL_PSEUDO_PAIRS
    assert date[0] == pytest.approx((80 + k * 0.5) / (80 + k))
    assert date[1] == pytest.approx((0 + k * 0.3) / (80 + k))  # a fixed m is revised too
    assert date[2] == pytest.approx(max((0 + k * 0.2) / (80 + k), LABEL_M_FLOOR))
    assert learned["comparisons"][1] == model["comparisons"][1]  # kept
    assert learned["comparisons"][2]["comparison_levels"][1]["m_probability"] == 2.0**-60  # a veto stays


def test_pairs_are_classed_by_their_pair_of_sources() -> None:
    table = pa.table({"unique_id": [5, 1, 3, 9], "source_dataset": ["b", "a", "a", "b"]})
    scored = pa.table({"unique_id_l": [1, 1, 5], "unique_id_r": [3, 5, 9]})
    classes, totals, names = source_pair_classes(table, scored)
    assert [names[c] for c in classes] == ["a | a", "a | b", "b | b"]
    assert [totals[c] for c in classes] == [1.0, 4.0, 1.0]


def test_a_collapsed_calibration_keeps_the_first_guess() -> None:
    assert _or_guess(1e-12, 0.002) == 0.002
    assert _or_guess(3e-4, 0.002) == 3e-4


def test_a_failed_em_session_leaves_every_comparison_in_the_model(store: Store) -> None:
    """Splink takes a session's blocked comparisons out of the model while it trains and puts them back
    only when it ends well; a session on a block without pairs used to leave two comparisons of nine."""
    _sheet(store)
    build_incident_features(store)
    table = incident_features_arrow(store)
    backend = DuckDBBackend()
    try:
        from splink import Linker

        linker = Linker(
            backend.register(table),
            settings(INCIDENTS_SPEC, incident_comparisons(SIGNATURE_SIZE)),
            log_level=None,
        )
        before = [c.output_column_name for c in linker._settings_obj.comparisons]
        impossible = BlockingRule(("place_skel", "day_start"), "1 = 0")
        _em_session(linker, impossible)
        assert [c.output_column_name for c in linker._settings_obj.comparisons] == before
        assert len(before) == 9
    finally:
        backend.close()


def test_each_pair_of_sources_gets_its_own_prior() -> None:
    """Source a lists each strike once (no pair within it matches); a and b share strikes. The prior of
    a with a falls to nothing, that of a with b is the share of its pairs that match, and the weights
    of each pair move by the difference of log odds."""
    ids = list(range(1, 21))
    table = pa.table({"unique_id": ids, "source_dataset": ["a"] * 10 + ["b"] * 10})
    # ten strong pairs across (a_i, b_i), ten weak pairs within a
    left = list(range(1, 11)) + list(range(1, 10))
    right = list(range(11, 21)) + list(range(2, 11))
    prior = 0.01
    weights = np.array([30.0] * 10 + [-20.0] * 9) + math.log2(prior / (1 - prior))
    scored = pa.table(
        {
            "unique_id_l": left,
            "unique_id_r": right,
            "match_weight": weights,
            "match_probability": 1 / (1 + np.exp2(-weights)),
        }
    )
    model = TrainedModel(INCIDENTS_SPEC, {"probability_two_random_records_match": prior})
    calibrated, rescored = _calibrate_by_source_pair(model, scored, table)
    assert calibrated.priors["a | b"] == pytest.approx(10 / 100, rel=1e-3)  # 10 matches of 10 x 10 pairs
    assert calibrated.priors["a | a"] < 1e-6
    kept = rescored.to_pydict()
    assert set(zip(kept["unique_id_l"], kept["unique_id_r"], strict=True)) == set(
        zip(left[:10], right[:10], strict=True)
    )
    assert kept["w_prior"][0] == pytest.approx(math.log2(0.1 / 0.9), rel=1e-3)


def test_a_label_file_naming_no_stored_report_is_refused_and_used_labels_are_counted(
    store: Store, tmp_path: Path
) -> None:
    ids = _sheet(store)
    source = store.scalar("SELECT name FROM source")
    header = ["source_a", "record_id_a", "source_b", "record_id_b"]
    wrong = _write(tmp_path / "wrong.csv", header, [["Other", "1", "Other", "2"]])
    with pytest.raises(InputError, match="none of its 1 pairs names two stored reports"):
        link_incidents(store, labels=wrong)
    first, second = sorted(ids)[:2]
    right = _write(
        tmp_path / "right.csv", header, [[source, first, source, second], [source, first, "x", "9"]]
    )
    run = link_incidents(store, labels=right)
    assert (run.labels_used, run.labels_unresolved) == (1, 1)


def test_labels_rescore_only_the_pairs_of_sources_they_name() -> None:
    table = pa.table(
        {"unique_id": [1, 2, 3, 4, 5], "source_dataset": ["ucdp", "ucdp", "monitor", "video", "video"]}
    )
    labels = pa.table({"unique_id_l": [1, 99], "unique_id_r": [3, 98], "relation": ["same", "same"]})

    def scored(p: float) -> pa.Table:  # every pair of the five, one probability
        pairs = [(a, b) for a in range(1, 6) for b in range(a + 1, 6)]
        return pa.table(
            {
                "unique_id_l": [a for a, _ in pairs],
                "unique_id_r": [b for _, b in pairs],
                "p": [p] * len(pairs),
            }
        )

    both = by_labelled_sources(table, labels, scored(0.9), scored(0.1))
    got = {
        (a, b): p for a, b, p in zip(*(both.column(c).to_pylist() for c in both.column_names), strict=True)
    }
    assert len(got) == 10  # every pair once
    # ucdp | monitor is named by a label (the label naming reports 98, 99 outside the table is moot)
    assert {k for k, p in got.items() if p == 0.9} == {(1, 3), (2, 3)}


def test_one_prediction_scores_as_the_model_with_labels_and_without(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With labels, the pairs are predicted once (by the model whose every level weighs the more of the
    two) and rescored as each would score them: the same pairs, weights and reasons as two predictions,
    which a model the single prediction cannot stand for still makes."""
    written = simulate_reports(ReportsConfig(incidents=300, seed=5, event_data=EventData())).write(tmp_path)
    import_reports(store, written)
    predictions: list[int] = []
    predict = runs.predict

    def counted(model: TrainedModel, frame: Any, floor: float) -> pa.Table:
        predictions.append(1)
        return predict(model, frame, floor)

    monkeypatch.setattr(runs, "predict", counted)
    pairs = []
    for dominates in (True, False):
        if not dominates:
            monkeypatch.setattr(runs, "_dominates", lambda *_: False)
        predictions.clear()
        run = link_incidents(store, labels=written.truth_pairs)
        assert run.labels_used > 100
        assert len(predictions) == (1 if dominates else 2)
        pairs.append(store.rows(
            "SELECT id_l, id_r, match_weight, detail, method FROM link_pair WHERE run_id = ? ORDER BY 1, 2",
            [run.run_id]))  # fmt: skip
    once, twice = pairs
    assert [(p["id_l"], p["id_r"], p["detail"], p["method"]) for p in once] == [
        (p["id_l"], p["id_r"], p["detail"], p["method"]) for p in twice
    ]
    assert np.allclose([p["match_weight"] for p in once], [p["match_weight"] for p in twice], atol=1e-9)
