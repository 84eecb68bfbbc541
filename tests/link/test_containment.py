"""Containment found by the model, and real pair truth scored by pair of sources: on a small store of
invented reports (UCDP-style events beside a monitor's sheet), with scored pairs written by hand."""

from __future__ import annotations

import csv
import json
from datetime import datetime
from pathlib import Path

import pyarrow as pa

from harmtrace.ingest import get_format, import_file
from harmtrace.link.containment import detect_parts
from harmtrace.link.incident_features import curated_formats
from harmtrace.link.incidents import link_incidents
from harmtrace.link.pair_truth import evaluate_links
from harmtrace.store import Store, open_store
from tests.conftest import ROOT, TEST_DATA, run_cli

SHEET_MAPPING = ROOT / "examples" / "mappings" / "airwars_style_incidents.yaml"


def _store(store: Store) -> tuple[dict[str, int], dict[str, int]]:
    """UCDP-style events (curated) and a monitor's incidents: report ids by record id, per source."""
    import_file(store, get_format("ucdp-ged"), TEST_DATA / "ucdp_ged_windows.csv", source="UCDP")
    import_file(
        store, get_format("incidents", SHEET_MAPPING), TEST_DATA / "incidents_sheet.csv", source="Monitor"
    )
    ids: dict[str, dict[str, int]] = {"UCDP": {}, "Monitor": {}}
    for r in store.rows(
        "SELECT s.name, r.record_id, r.report_id FROM report r JOIN source s USING (source_id)"
    ):
        ids[r["name"]][r["record_id"]] = r["report_id"]
    return ids["UCDP"], ids["Monitor"]


def _pairs(store: Store, pairs: list[tuple[int, int, float]]) -> None:
    store.con.execute(
        "INSERT INTO link_run (run_id, kind, started_at, harmtrace_version) "
        "VALUES (1, 'incidents', ?, 'test')",
        [datetime(2026, 12, 7)],
    )
    for a, b, p in pairs:
        store.con.execute(
            "INSERT INTO link_pair (run_id, kind, id_l, id_r, match_weight, match_probability) "
            "VALUES (1, 'incidents', ?, ?, 0, ?)",
            [min(a, b), max(a, b), p],
        )


def test_a_curated_event_matched_best_by_two_strikes_is_their_whole(store: Store) -> None:
    ucdp, monitor = _store(store)
    (u1, u2, *_), (a1, a2, a3, a4, *_) = list(ucdp.values()), list(monitor.values())
    _pairs(
        store,
        [
            (u1, a1, 0.95), (u1, a2, 0.93),  # two strikes, each best matched to u1: its parts
            (u2, a2, 0.91),  # a2 also matches u2, less well: u1 keeps it
            (u2, a3, 0.97),  # one strike for u2: the same incident, no containment
            (u1, a4, 0.40),  # below the threshold
        ],
    )  # fmt: skip
    found = detect_parts(store, 1, 0.9, curated_formats())
    assert found == sorted([(a1, u1, "model", 0.95), (a2, u1, "model", 0.93)])
    # two strikes the monitor's own pair links are one strike reported twice: no containment
    store.con.execute(
        "INSERT INTO link_pair VALUES (1, 'incidents', ?, ?, 0, 0.99, NULL, 'model')",
        [min(a1, a2), max(a1, a2)],
    )
    assert detect_parts(store, 1, 0.9, curated_formats()) == []


def _truth(path: Path, rows: list[tuple[str, str, str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["source_a", "record_id_a", "source_b", "record_id_b"])
        writer.writerows(rows)
    return path


def test_pair_truth_counts_found_pairs_wrong_merges_and_unconfirmed_links(
    store: Store, tmp_path: Path
) -> None:
    ucdp, monitor = _store(store)
    (k1, k2, k3, *_), (m1, m2, m3, m4, *_) = list(ucdp), list(monitor)
    truth = _truth(
        tmp_path / "t.csv",
        [("UCDP", k1, "Monitor", m1), ("UCDP", k1, "Monitor", m2), ("UCDP", k2, "Monitor", m3)],
    )
    links = pa.table(
        {
            "x": [ucdp[k1], ucdp[k2], ucdp[k1], ucdp[k3]],
            "y": [monitor[m1], monitor[m1], monitor[m4], monitor[m4]],
        }
    )
    (scores,) = evaluate_links(store, truth, links).by_source_pair
    # found: k1-m1 of three true pairs; links touching a named report: k1-m1 (correct), k2-m1 (both
    # named, not a pair: wrong), k1-m4 (m4 named nowhere: unconfirmed); k3-m4 touches none
    assert (scores.true_pairs, scores.found, scores.links) == (3, 1, 3)
    assert (scores.correct, scores.wrong_merges, scores.unconfirmed) == (1, 1, 1)
    assert scores.recall == round(1 / 3, 4) and scores.precision == round(1 / 3, 4)
    assert scores.wrong_merge_share == round(1 / 3, 4)


def test_link_evaluate_incidents_reads_a_pairs_truth(db_path: Path, tmp_path: Path) -> None:
    with open_store(db_path, create=True) as store:
        ucdp, monitor = _store(store)
        link_incidents(store)
    (k1, *_), (m1, *_) = list(ucdp), list(monitor)
    truth = _truth(tmp_path / "t.csv", [("UCDP", k1, "Monitor", m1)])
    result = run_cli(db_path, "link", "evaluate", "incidents", "--truth", str(truth), "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    (pair,) = data["by_source_pair"]
    assert (pair["source_a"], pair["source_b"], pair["true_pairs"]) == ("Monitor", "UCDP", 1)
    text = run_cli(db_path, "link", "evaluate", "incidents", "--truth", str(truth))
    assert "Monitor - UCDP" in text.output and "wrong merges" in text.output
