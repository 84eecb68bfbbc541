"""Reports linked by citation: a report citing another source's code is joined to the report that goes
by it (method 'cited'), at any threshold, unless an analyst decided otherwise or citations are ignored.

Two invented monitors beside simulated reports (the model needs reports to train on): Monitor A's
incident A1 went by S571a before it became CS653; Monitor B's B1 cites "s571A " (another case, a
space), B2 a code no report has. A1 and B1 are eight days and 450 km apart: the model alone would
never join them, so only the citation can.
"""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import pytest

from harmtrace.ingest import get_format, import_file
from harmtrace.link.citations import cited_pairs, write_cited_links
from harmtrace.link.decisions import record_decision
from harmtrace.link.incidents import IncidentRun, link_incidents, window_sql
from harmtrace.link.kinds import INCIDENTS
from harmtrace.link.review import reasons, review_queue
from harmtrace.simulate.reports import ReportsConfig, import_reports, simulate_reports
from harmtrace.store import Store, open_store
from tests.conftest import run_cli

MONITOR_A = """kind: incidents
source: {name: Monitor A}
fields:
  record_id: id
  date: date
  place_text: place
  latitude: lat
  longitude: lon
  location_precision: {constant: village}
  killed_civilians: killed
  codes: {columns: [code, previous], pattern: '\\b[A-Za-z]{1,3}[0-9]+[a-z]?\\b'}
  cites: {column: see, source: Monitor A}
"""
SHEET_A = (
    "id,date,place,lat,lon,killed,code,previous,see\n"
    'A1,2017-03-01,Kafr Hamra,36.25,37.10,4,CS653,"[{""code"":""S571a""}]",\n'
    "A2,2017-04-11,Tadef,36.35,37.53,2,CS700,[],CS700\n"  # cites its own code: no pair
)
MONITOR_B = """kind: incidents
source: {name: Monitor B}
fields:
  record_id: id
  date: date
  place_text: place
  killed_civilians: killed
  cites: {column: cites, split: ",", source: monitor a}
"""
SHEET_B = "id,date,place,killed,cites\nB1,2017-03-09,Daraa,3,s571A \nB2,2017-05-20,Inkhil,1,CS999\n"


def _import_monitors(store: Store, folder: Path) -> None:
    for name, mapping, sheet in (("a", MONITOR_A, SHEET_A), ("b", MONITOR_B, SHEET_B)):
        (folder / f"{name}.yaml").write_text(mapping, encoding="utf-8")
        (folder / f"{name}.csv").write_text(sheet, encoding="utf-8")
        import_file(store, get_format("incidents", folder / f"{name}.yaml"), folder / f"{name}.csv")


def _ids(store: Store) -> dict[str, int]:
    rows = store.rows(
        "SELECT record_id, report_id FROM report JOIN source USING (source_id) WHERE name LIKE 'Monitor _'"
    )
    return {r["record_id"]: r["report_id"] for r in rows}


def _incident(store: Store, report_id: int) -> str:
    return str(store.scalar("SELECT incident_id FROM incident_member WHERE report_id = ?", [report_id]))


@pytest.fixture(scope="module")
def linked(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, IncidentRun]:
    folder = tmp_path_factory.mktemp("cited")
    db = folder / "store.duckdb"
    with open_store(db, create=True) as store:
        import_reports(store, simulate_reports(ReportsConfig(incidents=60, seed=4)).write(folder / "sim"))
        _import_monitors(store, folder)
        run = link_incidents(store)
    return db, run


@pytest.fixture
def copy(linked: tuple[Path, IncidentRun], tmp_path: Path) -> Path:
    target = tmp_path / "copy.duckdb"
    shutil.copy(linked[0], target)
    return target


def test_a_citation_names_a_report_by_an_earlier_code_whatever_the_case(store: Store, tmp_path: Path) -> None:
    _import_monitors(store, tmp_path)
    ids = _ids(store)
    cited = cited_pairs(store)
    assert cited.table.to_pylist() == [
        {"id_citing": ids["B1"], "id_cited": ids["A1"], "cited_source": "monitor a", "cited_code": "S571A"}
    ]
    assert (cited.unmatched, cited.outside) == (1, 0)  # B2's CS999; A2 citing itself is neither
    low, high = cited.pairs()
    assert (low.tolist(), high.tolist()) == ([min(ids["A1"], ids["B1"])], [max(ids["A1"], ids["B1"])])
    # a window holding B1 but not A1: the citation links nothing in it, and says so
    outside = cited_pairs(store, window_sql(date(2017, 3, 5), None))
    assert (outside.table.num_rows, outside.unmatched, outside.outside) == (0, 1, 1)


def test_a_cited_pair_is_one_incident_linked_by_citation(linked: tuple[Path, IncidentRun]) -> None:
    db, run = linked
    assert (run.citations_used, run.citations_linked, run.citations_unmatched) == (True, 1, 1)
    with open_store(db) as store:
        ids = _ids(store)
        assert _incident(store, ids["A1"]) == _incident(store, ids["B1"])
        pair = store.rows(
            "SELECT method, match_probability, detail FROM link_pair "
            "WHERE run_id = ? AND id_l = ? AND id_r = ?",
            [run.run_id, min(ids["A1"], ids["B1"]), max(ids["A1"], ids["B1"])],
        )
        assert [(p["method"], p["match_probability"]) for p in pair] == [("cited", 1.0)]
        detail = json.loads(pair[0]["detail"])
        assert detail == {
            "method": "cited",
            "citations": [{"citing": ids["B1"], "source": "monitor a", "code": "S571A"}],
            "model": None,
        }
        assert store.scalar(
            "SELECT count(*) FROM link_pair WHERE method = 'model' AND run_id = ?", [run.run_id]
        )


def test_a_different_decision_overrides_a_citation(copy: Path) -> None:
    with open_store(copy) as store:
        ids = _ids(store)
        record_decision(
            store, "different", ids["A1"], ids["B1"], "B1 cites a strike elsewhere", "t", INCIDENTS
        )
        run = link_incidents(store)
        assert run.citations_linked == 1  # the link is written, the decision keeps the two apart
        assert _incident(store, ids["A1"]) != _incident(store, ids["B1"])


def test_ignoring_citations_links_by_the_model_alone(copy: Path) -> None:
    done = run_cli(copy, "link", "incidents", "--ignore-citations", "--json")
    assert done.exit_code == 0, done.output
    assert json.loads(done.output)["citations_used"] is False
    with open_store(copy) as store:
        ids = _ids(store)
        assert _incident(store, ids["A1"]) != _incident(store, ids["B1"])
        assert store.scalar("SELECT count(*) FROM link_pair WHERE method = 'cited' AND run_id = "
                            "(SELECT max(run_id) FROM link_run)") == 0  # fmt: skip
    again = run_cli(copy, "link", "incidents")
    assert again.exit_code == 0, again.output
    assert "pairs linked by citation 1 (method cited); citations naming no stored report 1" in again.output


def test_show_and_review_say_a_pair_was_linked_by_citation(linked: tuple[Path, IncidentRun]) -> None:
    db, _ = linked
    with open_store(db, read_only=True) as store:
        ids = _ids(store)
        incident = _incident(store, ids["A1"])
    shown = run_cli(db, "incidents", "show", incident)
    assert shown.exit_code == 0, shown.output
    assert "method" in shown.output and "cited" in shown.output and "S571A" in shown.output
    detail = json.loads(run_cli(db, "incidents", "show", incident, "--json").output)
    assert [(link["method"], link["probability"]) for link in detail["links"]] == [("cited", 1.0)]
    assert [(c["report_id"], c["cited_code"], c["text"]) for c in detail["citations"]] == [
        (ids["B1"], "S571A", "s571A")
    ]
    with open_store(db, read_only=True) as store:
        queue = review_queue(store, limit=10_000, kind=INCIDENTS)
    cited = [p for p in queue if {p["id_l"], p["id_r"]} == {ids["A1"], ids["B1"]}]
    assert [p["method"] for p in cited] == ["cited"]
    assert cited[0]["reasons"][0]["level"] == f"report {ids['B1']} cites monitor a S571A"


def test_a_pair_the_model_scored_keeps_its_score_in_the_detail(store: Store, tmp_path: Path) -> None:
    _import_monitors(store, tmp_path)
    ids = _ids(store)
    low, high = sorted((ids["A1"], ids["B1"]))
    store.con.execute(
        "INSERT INTO link_run (run_id, kind, started_at, harmtrace_version) "
        "VALUES (1, 'incidents', now(), 'x')"
    )
    store.con.execute(
        "INSERT INTO link_pair (run_id, kind, id_l, id_r, match_weight, match_probability, detail) "
        "VALUES (1, 'incidents', ?, ?, -1.2, 0.3, ?)",
        [low, high, json.dumps({"date": {"level": "a week apart", "weight": -1.2}, "prior": -9.0})],
    )
    assert write_cited_links(store, 1, "incidents", cited_pairs(store)) == 1
    (pair,) = store.rows("SELECT method, match_probability, match_weight, detail FROM link_pair")
    assert (pair["method"], pair["match_probability"], pair["match_weight"]) == ("cited", 1.0, float("inf"))
    detail = json.loads(pair["detail"])
    assert (detail["model_probability"], detail["model_weight"]) == (0.3, -1.2)
    assert detail["model"]["date"] == {"level": "a week apart", "weight": -1.2}
    assert [r["comparison"] for r in reasons(pair["detail"])] == ["citation", "model", "date", "prior"]
