"""Figures read from the per-incident rows an assessment run stores: the same ranges as aggregating at
query time, canonical actors in filters and groups, and a warning (and a fallback) once they are stale."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from harmtrace.analyse.casualties import CasualtyQuery, casualties
from harmtrace.analyse.casualty_sql import figures_sql
from harmtrace.assess.freshness import state
from harmtrace.assess.items import plan_for
from harmtrace.assess.run import assess_incidents
from harmtrace.ingest import get_format, import_file
from harmtrace.store import Store
from tests.assess.reports import R, add_reports, add_victims, link
from tests.conftest import TEST_DATA
from tests.ingest.ucdp_rows import ucdp_rows, write_csv

CIV, ALL, COMB = ("civilians", "killed"), ("all", "killed"), ("combatants", "killed")
DAY = date(2016, 3, 7)


@pytest.fixture
def assessed(store: Store) -> Store:
    """Russia named three ways over two linked incidents; a government strike; a lone battle report
    (combatants only); persons tied to one incident; then one assessment run."""
    ids = add_reports(store, [
        R("Activist A", day=DAY, perpetrators=["Russian warplanes"], harm={CIV: (3, 5, 4), ALL: (3, 5, 4)}),
        R("Network B", day=DAY, perpetrators=["الطيران الروسي"], harm={CIV: (4, 9, None), ALL: (4, 9, None)}),
        R("NGO C", day=date(2016, 4, 2), perpetrators=["Russia"], harm={CIV: (1, 2, 2), ALL: (1, 2, 2)}),
        R("NGO C", day=date(2016, 4, 3), perpetrators=["Russian Military"],
          harm={CIV: (0, 1, 1), ALL: (0, 1, 1)}),
        R("NGO C", day=date(2016, 5, 1), perpetrators=["Syrian government"],
          harm={CIV: (2, 2, 2), ALL: (2, 2, 2)}),
        R("UCDP", day=date(2016, 5, 9), perpetrators=["Government of Syria", "Syrian insurgents"],
          harm={CIV: (0, 0, 0), ALL: (7, 9, 7), COMB: (7, 7, 7)},
          sides={"Government of Syria": 3, "Syrian insurgents": 4}),
    ])  # fmt: skip
    link(store, "inc-market", ids[:2])
    link(store, "inc-april", ids[2:4])
    add_victims(store, ids[0], ["civilian"] * 6)  # six persons: above every minimum of the market
    assess_incidents(store)
    return store


QUERIES: list[dict[str, Any]] = [
    {},
    {"category": "civilians"},
    {"category": "civilians", "by": "month"},
    {"date_from": date(2016, 3, 1), "days": 40, "by": "adm1"},
    {"category": "combatants", "by": "year"},
    {"harm": "injured"},
]


@pytest.mark.parametrize("kwargs", QUERIES)
def test_stored_rows_give_the_ranges_aggregated_at_query_time(
    assessed: Store, kwargs: dict[str, Any]
) -> None:
    plan = plan_for(assessed)
    assert plan.stored and not plan.stale

    def rows(stored: bool) -> list[dict[str, Any]]:
        sql, params = figures_sql(CasualtyQuery(**kwargs), kwargs.get("by"), replace(plan, stored=stored))
        return sorted(_named(assessed, sql, params), key=lambda r: (not r["is_total"], str(r["key"])))

    stored, aggregated = rows(True), rows(False)
    if kwargs.get("category") == "civilians":
        # the lone battle report alleges no civilian harm: stored figures leave it out (it adds 0)
        assert [r["count_max"] for r in stored] == [r["count_max"] for r in aggregated]
        assert stored[0]["items_max"] == aggregated[0]["items_max"] - 1
    else:
        assert stored == aggregated


def _named(store: Store, sql: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    cur = store.con.execute(sql, params)
    names = [d[0] for d in cur.description or []]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def test_the_persons_tied_floor_the_stored_minimum(assessed: Store) -> None:
    market = assessed.rows(
        "SELECT h.* FROM incident_harm h JOIN incident_item i USING (item_id) "
        "WHERE i.incident_id = 'inc-market' AND h.category = 'civilians' AND h.harm = 'killed'"
    )
    # reports give 3-5 and 4-9; six persons are tied: the minimum rises to 6, and the best with it
    assert [(r["count_min"], r["count_max"], r["count_best"], r["persons"]) for r in market] == [(6, 9, 6, 6)]


def test_a_side_figure_is_the_same_from_stored_rows(assessed: Store) -> None:
    """Stored side deaths are keyed by canonical actor ('Syrian insurgents' is 'Armed opposition'),
    and give each side the same figure as the deaths named as written."""

    def by_side(stored: bool) -> list[tuple[Any, ...]]:
        plan = replace(plan_for(assessed), stored=stored)
        query = CasualtyQuery(by="perpetrator", category="combatants")
        sql, params = figures_sql(query, "perpetrator", plan)
        rows = [r for r in _named(assessed, sql, params) if not r["is_total"] and r["items_max"]]
        keys = ("items_max", "count_max", "best_prorated", "items_best_shared")
        return sorted(tuple(r[k] for k in keys) for r in rows)

    # the battle: 7 combatants dead, 3 of the government's side and 4 insurgents; each side killed the
    # other's: the government at most and at best 7 - 3, the insurgents 7 - 4
    assert by_side(True) == by_side(False) == [(1, 3, 3.0, 0), (1, 4, 4.0, 0)]


def test_every_spelling_of_an_actor_counts_for_it(assessed: Store) -> None:
    attribution = assessed.rows(
        "SELECT incident_id, perpetrator, status FROM incident_attribution ORDER BY incident_id, perpetrator"
    )
    assert [(a["incident_id"], a["perpetrator"], a["status"]) for a in attribution[:2]] == [
        ("inc-april", "Russia", "alleged"),
        ("inc-market", "Russia", "alleged"),  # two spellings, one actor: no competing claim
    ]
    asked = casualties(assessed, CasualtyQuery(perpetrator="Russian warplanes", category="civilians"))
    fig = asked["total"]
    assert (fig["items_max"], fig["count_min"], fig["count_max"]) == (2, 6 + 0, 9 + 2)
    assert asked["notes"][0].startswith("--perpetrator 'Russian warplanes' is a name of the actor 'Russia'")
    grouped = casualties(assessed, CasualtyQuery(by="perpetrator"))["groups"] or []
    assert {g["group"] for g in grouped} == {"Russia", "Government of Syria", "Armed opposition"}


def test_stale_rows_are_not_read_and_the_figure_says_so(assessed: Store) -> None:
    before = casualties(assessed, CasualtyQuery())["total"]["items_max"]
    add_reports(assessed, [R("NGO C", day=DAY, perpetrators=["Russia"], harm={ALL: (1, 1, 1)})])
    last = state(assessed)
    assert last is not None and not last["fresh"]
    figure = casualties(assessed, CasualtyQuery())
    assert figure["total"]["items_max"] == before + 1  # the new report counts, aggregated at query time
    assert any(
        n.startswith("WARNING: reports, incident links or victim ties changed") for n in figure["notes"]
    )
    assess_incidents(assessed)
    assert plan_for(assessed).stored
    assert casualties(assessed, CasualtyQuery())["total"]["items_max"] == before + 1


def test_a_new_link_run_or_a_new_tie_makes_the_rows_stale(assessed: Store) -> None:
    link(assessed, "inc-may", [5, 6], run_id=2)
    assert plan_for(assessed).stale
    assess_incidents(assessed)
    add_victims(assessed, 5, ["civilian"])
    assert plan_for(assessed).stale


def test_a_new_version_or_a_withdrawal_makes_the_rows_stale_an_unchanged_import_does_not(
    store: Store, tmp_path: Path
) -> None:
    ucdp = get_format("ucdp-ged")
    header, rows = ucdp_rows(6)
    import_file(store, ucdp, write_csv(tmp_path / "a.csv", header, rows))
    assess_incidents(store)
    # the same events written otherwise (other file bytes, same content): nothing to recount
    import_file(store, ucdp, write_csv(tmp_path / "b.csv", header, rows[::-1]))
    assert not plan_for(store).stale
    rows[0]["best"] = rows[0]["high"] = str(int(rows[0]["high"]) + 3)
    import_file(store, ucdp, write_csv(tmp_path / "c.csv", header, rows))
    assert plan_for(store).stale
    figure = casualties(store, CasualtyQuery())
    assert any(
        n.startswith("WARNING: reports, incident links or victim ties changed") for n in figure["notes"]
    )
    assess_incidents(store)
    assert not plan_for(store).stale
    import_file(store, ucdp, write_csv(tmp_path / "d.csv", header, rows[1:]), withdraw_missing=True)
    assert plan_for(store).stale


def test_a_new_version_of_a_tied_victim_record_makes_the_rows_stale(store: Store, tmp_path: Path) -> None:
    victims = get_format("victims", TEST_DATA / "victims_versions.yaml")
    header, rows = ucdp_rows(2)
    import_file(store, get_format("ucdp-ged"), write_csv(tmp_path / "a.csv", header, rows))
    import_file(store, victims, TEST_DATA / "victims_versions.csv")
    store.con.execute("INSERT INTO victim_report SELECT victim_id, 1, 'test' FROM victim_record")
    assess_incidents(store)
    text = (TEST_DATA / "victims_versions.csv").read_text(encoding="utf-8")
    changed = tmp_path / "victims.csv"
    changed.write_text(text.replace("V-3,Invented Name C,Non-Civilian", "V-3,Invented Name C,Civilian"))
    assert import_file(store, victims, changed).rows_changed == 1  # a combatant is now a civilian
    assert plan_for(store).stale
