"""The store's named relations: each one's columns and rows on a small store, as SQL for other queries
and as a DuckDB relation for a notebook; unknown names and parameters refused with what there is."""

from __future__ import annotations

import pytest

from harmtrace.assess.decisions import decide_grade
from harmtrace.errors import StoreError
from harmtrace.store import Store
from harmtrace.store.relations import RELATIONS, relation_sql
from tests.assess.reports import R, add_reports, link


def reports(store: Store) -> list[int]:
    """Three reports: 1 and 2 one incident; 1 with its own point (town), 2 with a gazetteer point
    (village), 3 alone and without a point."""
    ids = add_reports(
        store,
        [R("A", latitude=35.95, longitude=39.01, precision="town"),
         R("B", latitude=None, longitude=None, precision="unknown"),
         R("C", latitude=None, longitude=None, precision="unknown")],
    )  # fmt: skip
    link(store, "inc-a", ids[:2])
    store.con.execute(
        "INSERT INTO report_location VALUES (?, 7, 36.2, 37.1, 'village', 'gazetteer: exact name', 1.0, "
        "'Kafr Nabl', 'Kafr Nabl', 'inside')",
        [ids[1]],
    )
    return ids


def test_incident_membership_holds_every_report_once(store: Store) -> None:
    one, two, three = reports(store)
    relation = store.relation("incident_membership")
    assert relation.columns == ["incident_id", "report_id", "linked"]
    assert sorted(relation.fetchall()) == [
        ("inc-a", one, True),
        ("inc-a", two, True),
        (f"report:{three}", three, False),
    ]


def test_report_points_place_located_reports_with_their_radius(store: Store) -> None:
    one, two, _ = reports(store)
    relation = store.relation("report_points")
    assert relation.columns == ["report_id", "latitude", "longitude", "precision", "radius_m", "method"]
    assert sorted(relation.fetchall()) == [
        (one, 35.95, 39.01, "town", 5000.0, "source coordinates"),
        (two, 36.2, 37.1, "village", 2000.0, "gazetteer: exact name"),
    ]
    changed = store.relation("report_points", overrides={"town": 3000, "village": None}).fetchall()
    assert sorted((r[0], r[4]) for r in changed) == [(one, 3000.0), (two, None)]


def test_incidents_hold_each_cluster_once_at_its_most_precise_point(store: Store) -> None:
    one, two, three = reports(store)
    relation = store.relation("incidents")
    assert relation.columns[:4] == ["incident_id", "linked", "report_ids", "reports"]
    rows = {r[0]: r for r in relation.fetchall()}
    assert sorted(rows) == ["inc-a", f"report:{three}"]
    inc = dict(zip(relation.columns, rows["inc-a"], strict=True))
    # the incident takes the point of its most precise report: the village (2 km), not the town (5 km)
    assert (inc["report_ids"], inc["reports"], inc["precision"], inc["radius_m"]) == (
        [one, two],
        2,
        "village",
        2000.0,
    )
    alone = dict(zip(relation.columns, rows[f"report:{three}"], strict=True))
    assert (alone["linked"], alone["latitude"], alone["radius_m"]) == (False, None, None)


def test_decided_grades_follow_an_incident_into_the_one_it_was_merged_into(store: Store) -> None:
    reports(store)
    decide_grade(store, "inc-a", "weak", "one witness", "a")
    decide_grade(store, "inc-a", "fair", "a second witness", "b")
    relation = store.relation("decided_grades")
    assert relation.columns == ["incident_id", "grade", "decision_id", "reason", "author", "decided_at"]
    assert [r[:5] for r in relation.fetchall()] == [("inc-a", "fair", 2, "a second witness", "b")]
    store.con.execute("INSERT INTO incident VALUES ('inc-b', 2, NULL, NULL)")
    store.con.execute(
        "UPDATE incident SET retired_run = 2, retired_into = 'inc-b' WHERE incident_id = 'inc-a'"
    )
    assert store.relation("decided_grades").fetchall()[0][:2] == ("inc-b", "fair")


def test_a_relation_reads_as_a_data_frame_and_inside_other_sql(store: Store) -> None:
    reports(store)
    frame = store.relation("incident_membership").df()
    assert list(frame.columns) == ["incident_id", "report_id", "linked"] and len(frame) == 3
    assert store.relation("report_points").to_arrow_table().num_rows == 2
    incidents = store.scalar(
        f"SELECT count(DISTINCT incident_id) FROM ({relation_sql('incident_membership')})"
    )
    assert incidents == 2


def test_unknown_names_and_parameters_are_refused_with_what_there_is(store: Store) -> None:
    assert list(RELATIONS) == ["incident_membership", "report_points", "incidents", "decided_grades"]
    with pytest.raises(StoreError, match=r"No relation named 'points'.*incident_membership, report_points, "):
        store.relation("points")
    with pytest.raises(StoreError, match="'report_points' takes only overrides, not radii"):
        store.relation("report_points", radii={"town": 1})
    with pytest.raises(StoreError, match="'incident_membership' takes no parameters, not overrides"):
        relation_sql("incident_membership", overrides={})
