"""The actor table: one canonical actor per name, in both scripts, extendable by the user, and the same
answer from Python and from DuckDB."""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb
import pytest

from harmtrace.actors import actor_key, actor_key_sql, load_actors, register_actor_aliases
from harmtrace.errors import InputError
from harmtrace.simulate.reports import PERPETRATORS


def test_spellings_of_one_actor_in_both_scripts_are_one_actor() -> None:
    actors = load_actors()
    russia = {
        actors.canonical(n) for n in ("Russia", "Russian Military", "Russian warplanes", "الطيران الروسي")
    }
    assert russia == {"Russia"}
    assert actors.canonical("Government of Syria (Syria)") == "Government of Syria"
    assert actors.canonical("Syrian government and affiliated militias") == "Government of Syria"
    assert actors.canonical("  us-led   COALITION ") == "US-led coalition"
    # Arabic letter variants fold: alif maqsura for ya, hamza forms of alif
    assert actors.canonical("الطيران الروسى") == "Russia"
    assert actors.canonical("تنظيم الدولة الاسلامية") == "Islamic State"


def test_every_simulated_perpetrator_spelling_is_known_and_one_actor() -> None:
    actors = load_actors()
    for names in PERPETRATORS:
        assert all(actors.knows(n) for n in names), names
        assert len({actors.canonical(n) for n in names}) == 1, names


def test_a_name_not_in_the_table_is_kept_as_written() -> None:
    actors = load_actors()
    assert actors.canonical(" Fatah Halab ") == "Fatah Halab"
    assert not actors.knows("Fatah Halab")
    # a whole name must match: part of a name is not the actor
    assert actors.canonical("Russian") == "Russian"


def test_a_user_file_extends_and_overrides_the_shipped_table(tmp_path: Path) -> None:
    mine = tmp_path / "actors.yaml"
    mine.write_text(
        "actors:\n  Free Syrian Army:\n    - FSA\n    - Syrian insurgents\n  Fatah Halab: []\n",
        encoding="utf-8",
    )
    actors = load_actors(mine)
    assert actors.canonical("fsa") == "Free Syrian Army"
    assert actors.canonical("Syrian insurgents") == "Free Syrian Army"  # was Armed opposition
    assert actors.knows("Fatah Halab")
    assert actors.canonical("Russian troops") == "Russia"  # the shipped entries stay
    assert {r["origin"] for r in actors.rows() if r["actor"] == "Free Syrian Army"} == {"actors.yaml"}


@pytest.mark.parametrize(
    ("text", "message"),
    [("actors: [Russia]\n", "expected a mapping 'actors:'"), ("actors:\n  Russia: Moscow\n", "with a list")],
)
def test_a_malformed_actor_file_says_what_is_expected(tmp_path: Path, text: str, message: str) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=message):
        load_actors(bad)
    with pytest.raises(InputError, match="does not exist"):
        load_actors(tmp_path / "missing.yaml")


def test_duckdb_gives_the_same_actor_as_python() -> None:
    actors = load_actors()
    names = [r["alias_key"] for r in actors.rows()]
    names += [n.upper() for n in names] + [f"  {n}  " for n in names] + ["الطيران الروسى", "Nobody Known", ""]
    con = duckdb.connect()
    register_actor_aliases(con, actors)
    found = con.execute(
        f"SELECT n, {actors.canonical_sql('n')} AS inline, coalesce(a.actor, trim(n)) AS joined "
        f"FROM unnest($names) t(n) LEFT JOIN actor_alias a ON a.alias_key = "
        f"{actor_key_sql('n')}",
        {"names": names},
    ).fetchall()
    for name, inline, joined in found:
        assert inline == joined == actors.canonical(name), name
    listed = con.execute(
        f"SELECT list_sort({actors.canonical_list_sql('l')}) "
        "FROM (SELECT ['Russia', 'Russian warplanes', 'SDF'] AS l)"
    ).fetchall()
    assert listed == [(["Russia", "Syrian Democratic Forces"],)]
    assert actor_key("  Russian   Military ") == "russian military"


def test_the_actors_of_the_real_data_are_in_the_table(shared_data: Path) -> None:
    """UCDP's sides named in 100 or more events, every VDC actor text and the Guardian log's belligerent."""
    actors = load_actors()
    with (shared_data / "ucdp_ged_syria" / "ucdp_ged_syria_2016-01_2019-11.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    sides: dict[str, int] = {}
    for row in rows:
        for side in (row["side_a"], row["side_b"]):
            sides[side] = sides.get(side, 0) + 1
    frequent = {s for s, n in sides.items() if n >= 100 and s != "Civilians" and "," not in s}
    assert frequent and all(actors.knows(s) for s in frequent), sorted(
        s for s in frequent if not actors.knows(s)
    )
    with (shared_data / "vdc_victims_romansul" / "vdc_victims_sample_33k.csv").open(encoding="utf-8") as fh:
        vdc = {row["actor"] for row in csv.DictReader(fh)} - {"", "Not identified"}
    assert vdc and all(actors.knows(a) for a in vdc), sorted(a for a in vdc if not actors.knows(a))
    assert actors.canonical("US-led coalition") == "US-led coalition"


def test_assess_incidents_takes_a_user_actor_file_and_lists_unknown_names(
    db_path: Path, tmp_path: Path
) -> None:
    from harmtrace.store import open_store
    from tests.assess.reports import R, add_reports
    from tests.conftest import run_cli

    with open_store(db_path, create=True) as store:
        add_reports(
            store, [R("A", perpetrators=["Russian warplanes", "Fatah Halab"]), R("B", perpetrators=["FSA"])]
        )
    plain = run_cli(db_path, "assess", "incidents")
    assert plain.exit_code == 0, plain.output
    assert "2 perpetrator names are not in the actor table and are kept as written" in plain.output
    assert "Fatah Halab (1), FSA (1)" in plain.output
    mine = tmp_path / "mine.yaml"
    mine.write_text("actors:\n  Free Syrian Army: [FSA]\n  Fatah Halab: []\n", encoding="utf-8")
    result = run_cli(db_path, "assess", "incidents", "--actors", str(mine), "--json")
    assert result.exit_code == 0, result.output
    assert '"actor_names_not_in_table": 0' in result.output
    with open_store(db_path, create=True) as store:
        named = store.rows("SELECT perpetrator FROM incident_attribution ORDER BY perpetrator")
        origin = store.scalar("SELECT origin FROM assessment_actor WHERE alias_key = 'fsa'")
    assert [r["perpetrator"] for r in named] == ["Fatah Halab", "Free Syrian Army", "Russia"]
    assert origin == "mine.yaml"
    missing = run_cli(db_path, "assess", "incidents", "--actors", str(tmp_path / "nope.yaml"))
    assert missing.exit_code != 0 and "does not exist" in missing.output


def test_sides_name_allies_and_a_users_file_moves_an_actor(tmp_path: Path) -> None:
    """Russia fought for the Syrian government, the coalition for the SDF: the sides of a list of actors
    are the sides any of them fought on, the same in Python's table and in DuckDB."""
    actors = load_actors()
    assert actors.sides["Russia"] == ("pro-government",)
    con = duckdb.connect()
    sides = con.execute(
        f"SELECT {actors.sides_sql('x')} FROM (SELECT ['Islamic State', 'Syrian Democratic Forces'] AS x "
        f"UNION ALL SELECT ['Islamic State'] UNION ALL SELECT ['US-led coalition', 'Russia'])"
    ).fetchall()
    assert sorted(sides, key=str) == sorted(
        [(["anti-IS coalition"],), (None,), (["anti-IS coalition", "pro-government"],)], key=str
    )
    extra = tmp_path / "actors.yaml"
    extra.write_text("actors: {}\nsides:\n  Turkish-led: [Syrian Democratic Forces]\n", encoding="utf-8")
    assert load_actors(extra).sides["Syrian Democratic Forces"] == ("Turkish-led",)
    bad = tmp_path / "bad.yaml"
    bad.write_text("actors: {}\nsides: [one, two]\n", encoding="utf-8")
    with pytest.raises(InputError, match="sides"):
        load_actors(bad)
