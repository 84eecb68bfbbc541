"""An assessment run over a hand-made clustering: grades with reasons, attribution, declared strikes,
harm ranges counted per incident, analyst decisions that survive re-runs, and the export."""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path

import duckdb
import pytest

from harmtrace.analyse.casualties import CasualtyQuery, casualties
from harmtrace.assess.decisions import decide_grade, grade_history
from harmtrace.assess.declared import import_declared
from harmtrace.assess.detail import incident_detail
from harmtrace.assess.run import assess_incidents
from harmtrace.errors import InputError
from harmtrace.publish.incidents_export import export_incidents
from harmtrace.publish.policy import Audience, Role
from harmtrace.store import Store
from tests.assess.reports import R, add_reports, add_victims, link, one

STORY = (
    "Warplanes struck a residential building in the old market of the town at dawn, killing a family "
    "of six and wounding neighbours, local activists said."
)
CIV = ("civilians", "killed")
RAQQA = {"day": date(2015, 10, 5), "latitude": 35.96, "longitude": 39.02}
IDLIB = {"day": date(2015, 10, 20), "latitude": 35.93, "longitude": 36.63}


@pytest.fixture
def monitored(store: Store, tmp_path: Path) -> Store:
    """Three incidents: a coalition strike in Raqqa told four times (one copy), a contested one in Idlib,
    and a lone report of combatants killed; the coalition's log declares a strike on Raqqa that day."""
    ids = add_reports(store, [
        R("Activist A", perpetrators=["US-led coalition"], description=STORY, harm={CIV: (4, 6, 5)},
          **RAQQA),
        R("Outlet B", perpetrators=["US-led coalition"], description=STORY, harm={CIV: (5, 9, None)},
          **RAQQA),
        R("NGO C", perpetrators=["Coalition"], description="Our researcher met survivors.", grade="fair",
          harm={CIV: (3, 5, 4)}, **RAQQA),
        R("Activist A", perpetrators=["Russia"], harm={CIV: (2, 2, 2)}, **IDLIB),
        R("NGO C", perpetrators=["Government of Syria"], harm={CIV: (1, 3, None)}, **IDLIB),
        R("NGO C", perpetrators=["Russia"], harm={CIV: (0, 0, 0), ("combatants", "killed"): (8, 10, None)},
          **IDLIB),
    ])  # fmt: skip
    link(store, "inc-raqqa", ids[:3])
    link(store, "inc-idlib", ids[3:5])
    # five victim records tied to the first Raqqa report; two are one person: four persons
    add_victims(store, ids[0], ["civilian"] * 5, ["p1", "p1", None, None, None])
    log, places = tmp_path / "log.tsv", tmp_path / "places.tsv"
    log.write_text("date\tplace\tstrikes\n2015-10-05\tAr Raqqah\t4\n2015-10-20\tAbu Kamal\t1\n")
    places.write_text("name\tlat\tlng\nAr Raqqah\t35.959411\t38.998105\nAbu Kamal\t34.465326\t40.908183\n")
    import_declared(store, log, places, "US-led coalition")
    return store


def test_assessment_grades_each_incident_and_says_why(monitored: Store) -> None:
    summary = assess_incidents(monitored).as_dict()
    assert summary["incidents"] == 3 and summary["reports_copying"] == 1 and summary["declared_matches"] == 1
    raqqa = one(monitored, "SELECT * FROM incident_assessment WHERE incident_id = 'inc-raqqa'")
    assert (raqqa["grade"], raqqa["sources"], raqqa["independent_sources"]) == ("confirmed", 3, 2)
    assert raqqa["grade_reasons"][0] == (
        "confirmed: a belligerent accepted responsibility: US-led coalition declared a strike near it"
    )
    assert "report 2 repeats report 1 (same text)" in raqqa["grade_reasons"]
    declared = "US-led coalition declared 4 strike(s) near Ar Raqqah on 2015-10-05 (the same day"
    assert any(r.startswith(declared) for r in raqqa["grade_reasons"])
    assert (
        "NGO C graded it fair (differs from the computed confirmed; both are kept)" in raqqa["grade_reasons"]
    )
    assert (raqqa["source_grades"], raqqa["declared_strikes"], raqqa["persons"]) == (["NGO C: fair"], 1, 4)
    grades = {r["incident_id"]: r["grade"] for r in monitored.rows("SELECT * FROM incident_assessment")}
    # the lone report counts combatants killed and no civilian: no civilian harm alleged, not graded
    assert grades == {"inc-raqqa": "confirmed", "inc-idlib": "contested", "report:6": "not_alleged"}


def test_attribution_lists_each_perpetrator_with_its_status_and_reports(monitored: Store) -> None:
    assess_incidents(monitored)
    rows = monitored.rows("SELECT * FROM incident_attribution ORDER BY incident_id, perpetrator")
    assert [(r["incident_id"], r["perpetrator"], r["status"], r["report_ids"]) for r in rows] == [
        ("inc-idlib", "Government of Syria", "contested", [5]),
        ("inc-idlib", "Russia", "contested", [4]),
        ("inc-raqqa", "US-led coalition", "declared", [1, 2, 3]),
        ("report:6", "Russia", "alleged", [6]),
    ]


def test_a_rerun_replaces_the_run_tables_not_add_to_them(monitored: Store) -> None:
    assess_incidents(monitored)
    assess_incidents(monitored)
    assert monitored.scalar("SELECT count(*) FROM incident_assessment") == 3
    assert monitored.scalar("SELECT count(*) FROM report_copy") == 1
    assert monitored.scalar("SELECT count(*) FROM incident_declared") == 1


def test_casualties_count_each_incident_once_with_its_range(monitored: Store) -> None:
    total = casualties(monitored, CasualtyQuery(category="civilians", with_ids=True))
    fig = total["total"]
    # Raqqa: lowest min 3, raised to its 4 persons; highest max 9; best the lower median of (5, 4)
    # Idlib: min 1, max 3, best 2; the lone report: 0
    assert (fig["items_min"], fig["items_max"], fig["count_min"], fig["count_max"], fig["count_best"]) == (
        3, 3, 4 + 1 + 0, 9 + 3 + 0, 4 + 2 + 0
    )  # fmt: skip
    assert total["deduplicated"] is True
    assert fig["ids"] is not None
    assert [(r["incident_id"], r["report_id"]) for r in fig["ids"]["max"]] == [
        ("inc-raqqa", 1), ("inc-raqqa", 2), ("inc-raqqa", 3),
        ("inc-idlib", 4), ("inc-idlib", 5), ("report:6", 6),
    ]  # fmt: skip


def test_persons_tied_raise_the_minimum_even_without_a_figure(monitored: Store) -> None:
    # 'all killed': no report gives it, but four persons are tied to the Raqqa incident
    fig = casualties(monitored, CasualtyQuery())["total"]
    assert (fig["items_min"], fig["count_min"], fig["count_max"], fig["items_max_missing"]) == (1, 4, 4, 1)


def test_grade_filter_uses_the_incident_grade(monitored: Store) -> None:
    def graded(*grades: str) -> int:
        return casualties(monitored, CasualtyQuery(grades=grades, category="civilians"))["total"]["items_max"]

    assert graded("fair") == 1  # before assessment: the Raqqa incident has a source grade 'fair'
    assess_incidents(monitored)
    # report:6 alleges no civilian harm: it is in no civilian figure, whatever the grades asked
    assert (graded("fair"), graded("confirmed"), graded("contested", "not_alleged")) == (0, 1, 1)
    decide_grade(monitored, "inc-idlib", "Fair", "two NGOs confirmed on site", "analyst")
    assert (graded("fair"), graded("contested")) == (1, 0)


def test_a_decision_supersedes_earlier_ones_and_follows_a_retired_incident(monitored: Store) -> None:
    first = decide_grade(monitored, "inc-idlib", "weak", "one witness", "a")
    second = decide_grade(monitored, "inc-idlib", "fair", "a second witness", "b")
    assert second["superseded"] == [first["decision_id"]]
    history = grade_history(monitored, "inc-idlib")
    assert [(h["grade"], h["superseded_by"]) for h in history] == [
        ("weak", second["decision_id"]),
        ("fair", None),
    ]
    # a re-link merges the Idlib incident and the lone report into a new incident
    con = monitored.con
    con.execute(
        "UPDATE incident SET retired_run = 2, retired_into = 'inc-idlib-2' WHERE incident_id = 'inc-idlib'"
    )
    con.execute("DELETE FROM incident_member WHERE incident_id = 'inc-idlib'")
    link(monitored, "inc-idlib-2", [4, 5, 6], run_id=2)
    assess_incidents(monitored)
    detail = incident_detail(monitored, "inc-idlib")
    assert detail["incident_id"] == "inc-idlib-2"
    assert (detail["grade"], detail["grade_analyst"]["reason"]) == ("fair", "a second witness")
    assert detail["grade_computed"] == "contested"  # Russia and the Government of Syria blamed


def test_a_decision_on_a_lone_report_follows_it_into_an_incident(monitored: Store) -> None:
    decide_grade(monitored, "report:6", "discounted", "fighters at a checkpoint", "a")
    link(monitored, "inc-new", [6], run_id=2)
    assert incident_detail(monitored, "report:6")["grade_analyst"]["grade"] == "discounted"
    assert incident_detail(monitored, "inc-new")["grade"] == "discounted"


def test_deciding_an_unknown_incident_or_grade_fails_clearly(monitored: Store) -> None:
    with pytest.raises(InputError, match="No incident 'inc-nowhere'"):
        decide_grade(monitored, "inc-nowhere", "fair", "x", "a")
    with pytest.raises(InputError, match="is not one of confirmed, fair"):
        decide_grade(monitored, "inc-idlib", "certain", "x", "a")
    with pytest.raises(InputError, match="needs a reason"):
        decide_grade(monitored, "inc-idlib", "fair", " ", "a")


# --- export ---------------------------------------------------------------------------------------


def test_export_csv_one_row_per_report_with_the_incident(monitored: Store, tmp_path: Path) -> None:
    assess_incidents(monitored)
    decide_grade(monitored, "inc-idlib", "fair", "two NGOs", "analyst")
    out = tmp_path / "incidents.csv"
    assert export_incidents(monitored, out, "csv", Audience(Role.ADMIN)).rows == 6
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    first = rows[0]
    assert (first["record_id"], first["source"], first["incident_id"], first["grade"]) == (
        "Activist A-1",
        "Activist A",
        "inc-raqqa",
        "confirmed",
    )
    assert (first["civilians_killed_min"], first["civilians_killed_max"], first["declared_nearby"]) == (
        "4",
        "9",
        "true",
    )
    assert first["attribution"] == "US-led coalition (declared)" and first["description"] == STORY
    idlib = rows[3]
    assert (idlib["grade"], idlib["grade_computed"], idlib["grade_analyst"]) == ("fair", "contested", "fair")
    assert rows[2]["grade_source"] == "fair" and rows[0]["grade_source"] == ""


def test_the_public_export_leaves_out_free_text(monitored: Store, tmp_path: Path) -> None:
    out = tmp_path / "public.parquet"
    export_incidents(monitored, out, "parquet")
    columns = [r[0] for r in duckdb.sql(f"DESCRIBE SELECT * FROM '{out}'").fetchall()]
    assert "incident_id" in columns and "killed_min" in columns
    assert not {"description", "description_ar", "place_text", "place_text_ar"} & set(columns)


def test_export_geojson_places_each_report_at_its_incident(monitored: Store, tmp_path: Path) -> None:
    out = tmp_path / "incidents.geojson"
    export_incidents(monitored, out, "geojson", Audience(Role.VIEWER))
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["type"] == "FeatureCollection" and len(data["features"]) == 6
    feature = data["features"][0]
    assert feature["geometry"] == {"type": "Point", "coordinates": [39.02, 35.96]}
    assert feature["properties"]["date_start"] == "2015-10-05"
    assert feature["properties"]["description"] == STORY
    export_incidents(monitored, out, "geojson")  # the public's: a town's point says no more than a cell
    assert json.loads(out.read_text(encoding="utf-8"))["features"][0]["geometry"] == feature["geometry"]
    export_incidents(monitored, out, "geojson", Audience(grid_m=10_000))  # a cell wider than the town
    public = json.loads(out.read_text(encoding="utf-8"))["features"][0]
    assert public["geometry"] == {"type": "Point", "coordinates": [39.0316, 35.9774]}
    assert public["properties"]["radius_m"] == 7071 and "description" not in public["properties"]
