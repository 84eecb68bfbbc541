"""Parts and wholes as a user meets them: `decide incidents part-of`, `incidents show`, the incidents
export and `stats casualties --ids`."""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path

import pytest

from harmtrace.link.parts import record_parts
from harmtrace.store import open_store
from tests.assess.reports import R, add_reports, link
from tests.conftest import run_cli
from tests.conftest import run_ok as ok

ALL = ("all", "killed")
DAY = date(2016, 3, 7)


@pytest.fixture
def db(db_path: Path) -> Path:
    """UCDP's toll for the day (report 1, 10-12 killed) and a monitor's two strikes of it (reports 2
    and 3, 3-4 and 5-6), each its own incident of link run 1; report 2 is recorded as a part by the
    model, report 3 is left for the analyst."""
    with open_store(db_path, create=True) as store:
        add_reports(store, [
            R("UCDP", day=DAY, harm={ALL: (10, 12, 11)}, record_id="151045"),
            R("Airwars", day=DAY, harm={ALL: (3, 4, None)}, record_id="CS1001"),
            R("Airwars", day=DAY, harm={ALL: (5, 6, None)}, record_id="CS1002"),
        ])  # fmt: skip
        store.con.execute(
            "INSERT INTO link_run (run_id, kind, started_at, harmtrace_version) "
            "VALUES (1, 'incidents', now(), 'test')"
        )
        for n in (1, 2, 3):
            link(store, f"I000000{n}", [n])
        record_parts(store, 1, [(2, 1, "model", 0.93)])
    return db_path


def test_decide_part_of_names_the_part_and_the_whole(db: Path) -> None:
    out = ok(
        db, "decide", "incidents", "part-of", "Airwars:CS1002", "UCDP:151045", "--reason", "a strike of it"
    )
    assert out.splitlines()[0] == (
        "Decision 1: report 3's incident is part of report 1's: they stay different incidents, and "
        "figures count them once."
    )
    listed = json.loads(ok(db, "decisions", "incidents", "--json"))
    assert [(d["id_a"], d["verdict"], d["id_b"]) for d in listed] == [(1, "contains", 3)]
    refused = run_cli(db, "decide", "incidents", "part-of", "1", "2", "--reason", "backwards")
    assert refused.exit_code == 1
    assert "make a chain of parts: containment is one level" in refused.output


def test_show_says_part_of_and_parts(db: Path) -> None:
    whole = ok(db, "incidents", "show", "I0000001")
    assert "Parts: I0000002 (model, 0.93): figures count this incident and its parts once" in whole
    part = ok(db, "incidents", "show", "I0000002")
    assert "Part of I0000001 (model, 0.93): figures count the two once, as one item." in part
    data = json.loads(ok(db, "incidents", "show", "I0000002", "--json"))
    assert (data["part_of"], data["parts"]) == (
        {"incident_id": "I0000001", "method": "model", "probability": 0.93},
        [],
    )
    alone = json.loads(ok(db, "incidents", "show", "I0000003", "--json"))
    assert (alone["part_of"], alone["parts"]) == (None, [])


def test_export_carries_part_of(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "incidents.csv"
    ok(db, "incidents", "export", "--format", "csv", str(out))
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert [(r["incident_id"], r["part_of"], r["killed_min"], r["killed_max"]) for r in rows] == [
        ("I0000001", "", "10", "12"),
        ("I0000002", "I0000001", "3", "4"),
        ("I0000003", "", "5", "6"),
    ]
    geo = tmp_path / "incidents.geojson"
    ok(db, "incidents", "export", "--format", "geojson", str(geo))
    features = json.loads(geo.read_text(encoding="utf-8"))["features"]
    assert [f["properties"]["part_of"] for f in features] == [None, "I0000001", None]


def test_stats_count_the_group_once_and_list_its_incidents(db: Path) -> None:
    figures = json.loads(ok(db, "stats", "casualties", "--ids", "--json"))
    total = figures["total"]
    # the toll and its strike: max(10, 3) to max(12, 4), best 11; the other strike stands alone, 5-6
    assert (total["items_max"], total["count_min"], total["count_max"]) == (2, 15, 18)
    assert [(r["incident_id"], r["part_of"]) for r in total["ids"]["max"]] == [
        ("I0000001", None),
        ("I0000002", "I0000001"),
        ("I0000003", None),
    ]
    assert "part_of" in ok(db, "stats", "casualties", "--ids")
