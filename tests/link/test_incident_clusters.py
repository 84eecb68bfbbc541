"""Clustering reports: pairs kept apart by the caller, and two reports of one source chained only
through others (`same_source_apart`)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np

from harmtrace.ingest import get_format, import_file
from harmtrace.link.clusters import cluster_records
from harmtrace.link.decisions import record_decision
from harmtrace.link.incidents import link_incidents, same_source_apart
from harmtrace.link.kinds import INCIDENTS
from harmtrace.simulate.reports import ReportsConfig, import_reports, simulate_reports
from harmtrace.store import Store
from tests.conftest import UCDP_CSV


def test_pairs_kept_apart_split_a_cluster(store: Store, tmp_path: Path) -> None:
    import_reports(store, simulate_reports(ReportsConfig(incidents=120, seed=4)).write(tmp_path))
    run = link_incidents(store)
    together = cluster_records(store, run.run_id, run.threshold, INCIDENTS)
    reps, counts = np.unique(together.representatives, return_counts=True)
    rep = int(reps[counts >= 2][0])
    members = together.victim_ids[together.representatives == rep]
    a, b = int(members[0]), int(members[1])
    apart = cluster_records(
        store, run.run_id, run.threshold, INCIDENTS, apart=(np.array([a]), np.array([b]))
    ).representative_of()
    assert apart[a] != apart[b]
    assert apart[a] in (a, *members.tolist()) and apart[b] in members.tolist()


def test_same_source_pairs_are_only_those_chained_through_others(store: Store, tmp_path: Path) -> None:
    import_reports(store, simulate_reports(ReportsConfig(incidents=300, seed=8)).write(tmp_path))
    run = link_incidents(store)
    clustering = cluster_records(store, run.run_id, run.threshold, INCIDENTS)
    ids_a, ids_b = same_source_apart(store, run.run_id, run.threshold, clustering)
    assert ids_a.size > 0, "a third of the incidents share a day and town: some chains join one source twice"
    cluster = clustering.representative_of()
    for a, b in zip(ids_a.tolist(), ids_b.tolist(), strict=True):
        assert cluster[a] == cluster[b]
        same = store.scalar(
            "SELECT count(*) FROM report a JOIN report b ON a.source_id = b.source_id "
            "WHERE a.report_id = ? AND b.report_id = ?",
            [a, b],
        )
        assert same == 1
        direct = store.scalar(
            "SELECT count(*) FROM link_pair WHERE run_id = ? AND id_l = ? AND id_r = ? "
            "AND match_probability >= ?",
            [run.run_id, a, b, run.threshold],
        )
        assert direct == 0
    final = dict(store.con.execute("SELECT report_id, incident_id FROM incident_member").fetchall())
    assert all(final[a] != final[b] for a, b in zip(ids_a.tolist(), ids_b.tolist(), strict=True))


def _ucdp_pairs_in_one_incident(store: Store) -> int:
    return int(
        store.scalar(
            "SELECT count(*) FROM incident_member a JOIN incident_member b "
            "ON a.incident_id = b.incident_id AND a.report_id < b.report_id "
            "JOIN report ra ON ra.report_id = a.report_id JOIN report rb ON rb.report_id = b.report_id "
            "WHERE ra.source_id = rb.source_id AND ra.record_id <> rb.record_id"
        )
    )


def test_curated_event_data_never_joins_its_own_events(store: Store) -> None:
    """UCDP codes each event once: two UCDP events are never one incident unless an analyst says so.
    No blocking rule pairs them (they are neither scored nor trained on), and a decision still joins
    two of them."""
    import_file(store, get_format("ucdp-ged"), UCDP_CSV, source="UCDP")
    run = link_incidents(store, threshold=0.5, date_from=date(2016, 2, 1), date_to=date(2016, 3, 31))
    scored = store.scalar(
        "SELECT count(*) FROM link_pair WHERE run_id = ? AND kind = 'incidents'", [run.run_id]
    )
    assert scored == 0
    assert _ucdp_pairs_in_one_incident(store) == 0
    pair = store.rows(
        "SELECT a.report_id AS id_l, b.report_id AS id_r FROM report a JOIN report b "
        "ON a.date_start = b.date_start AND a.place_text = b.place_text AND a.report_id < b.report_id "
        "WHERE a.date_start BETWEEN DATE '2016-02-01' AND DATE '2016-03-31' ORDER BY 1, 2 LIMIT 1"
    )[0]
    record_decision(store, "same", pair["id_l"], pair["id_r"], "same strike, checked", kind=INCIDENTS)
    link_incidents(store, threshold=0.5, date_from=date(2016, 2, 1), date_to=date(2016, 3, 31))
    assert _ucdp_pairs_in_one_incident(store) == 1
