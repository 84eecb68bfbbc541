"""The victim-list simulator: determinism, truth, coverage, duplicates, scripts, names, families, import.

All names here are simulated (drawn from harmtrace.simulate.syrian_names), none is a real victim.
Statistical tolerances are k standard errors of the quantity tested, with the standard error
inflated by the design effect of family clusters where captures are correlated within families.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import harmtrace.simulate
from harmtrace.errors import InputError
from harmtrace.ingest.mapping import load_mapping, mapping_problems
from harmtrace.simulate import Simulation, SimulationConfig, default_config, import_lists, simulate_victims
from harmtrace.simulate import victims as victims_module
from harmtrace.simulate.config import PRESETS, SourceStyle, build_config, load_config
from harmtrace.simulate.spellings import Spellings, lexicon
from harmtrace.simulate.syrian_names import FAMILY, FEMALE, MALE
from harmtrace.simulate.syrian_places import GOVERNORATES, TOWNS
from harmtrace.simulate.typos import LATIN_LETTERS, edit
from harmtrace.store import Store
from tests.conftest import ROOT, run_cli

ARABIC = re.compile(r"[\u0600-\u06FF]")
LATIN = re.compile(r"[A-Za-z]")
ALL_PRESETS = len(PRESETS)
Z = 4.5  # standard errors allowed: a false alarm in about 1 of 150,000 checks


@pytest.fixture(scope="module")
def sim() -> Simulation:
    """40,000 people, three lists in the default styles."""
    return simulate_victims(default_config(people=40_000, sources=3, seed=11))


@pytest.fixture(scope="module")
def every_style() -> Simulation:
    """3,000 people on one list of each preset style."""
    return simulate_victims(default_config(people=3_000, sources=ALL_PRESETS, seed=5))


def _design_effect(sim: Simulation) -> float:
    """Mean family-group size seen by a person (sum n^2 / sum n): the worst-case variance inflation."""
    sizes = np.bincount(sim.people.column("family_id").to_numpy())
    return float((sizes**2).sum() / sizes.sum())


# --- determinism -----------------------------------------------------------------------------------------


def test_same_seed_writes_the_same_files_byte_for_byte(tmp_path: Path) -> None:
    config = default_config(people=2_000, sources=ALL_PRESETS, seed=7)
    first = simulate_victims(config).write(tmp_path / "one")
    second = simulate_victims(config).write(tmp_path / "two")
    names = sorted(p.name for p in first.folder.iterdir())
    assert names == sorted(p.name for p in second.folder.iterdir())
    assert len(names) == 2 * ALL_PRESETS + 5
    for name in names:
        assert (first.folder / name).read_bytes() == (second.folder / name).read_bytes(), name


def test_another_seed_gives_other_people_and_lists() -> None:
    one = simulate_victims(default_config(people=2_000, seed=1))
    two = simulate_victims(default_config(people=2_000, seed=2))
    assert not one.people.column("name").equals(two.people.column("name"))
    assert not one.lists["list_a"].equals(two.lists["list_a"])


def test_adding_a_source_leaves_the_people_and_earlier_lists_alone() -> None:
    three = simulate_victims(default_config(people=2_000, sources=3, seed=4))
    four = simulate_victims(default_config(people=2_000, sources=4, seed=4))
    assert three.people.drop_columns(["on_list_a", "on_list_b", "on_list_c"]).equals(
        four.people.drop_columns(["on_list_a", "on_list_b", "on_list_c", "on_list_d"])
    )
    for name in ("list_a", "list_b", "list_c"):
        assert three.lists[name].equals(four.lists[name]), name


# --- truth -----------------------------------------------------------------------------------------------


def test_truth_names_the_person_behind_every_record(every_style: Simulation) -> None:
    truth = every_style.truth
    people = set(every_style.people.column("person_id").to_pylist())
    for style in every_style.config.sources:
        ids = every_style.lists[style.name].column(style.columns["record_id"]).to_pylist()
        mine = truth.filter(pc.equal(truth["source"], style.name))
        assert len(set(ids)) == len(ids), f"{style.name}: record ids repeat"
        assert sorted(ids) == sorted(mine.column("record_id").to_pylist()), style.name
        assert set(mine.column("person_id").to_pylist()) <= people
    assert truth.num_rows == sum(t.num_rows for t in every_style.lists.values())


def test_a_person_is_on_a_list_exactly_when_the_truth_says_so(every_style: Simulation) -> None:
    truth = every_style.truth
    person_ids = every_style.people.column("person_id").to_numpy(zero_copy_only=False)
    for s, style in enumerate(every_style.config.sources):
        listed = set(truth.filter(pc.equal(truth["source"], style.name)).column("person_id").to_pylist())
        assert listed == set(person_ids[every_style.listed[s]]), style.name
        on = every_style.people.column(f"on_{style.name}").to_numpy(zero_copy_only=False)
        assert (on == every_style.listed[s]).all()


def test_a_list_with_a_period_lists_nobody_who_died_outside_it(every_style: Simulation) -> None:
    style = every_style.config.sources[5]
    assert style.period_end is not None
    dates = every_style.people.column("date_of_death").to_numpy()
    listed = dates[every_style.listed[5]]
    assert len(listed) > 50
    assert listed.max() <= np.datetime64(style.period_end)


# --- coverage, dependence, duplicates ------------------------------------------------------------------


def test_each_list_covers_its_configured_share_overall_and_per_governorate(sim: Simulation) -> None:
    governorate = sim.people.column("governorate").to_numpy(zero_copy_only=False)
    pcodes = [g.pcode for g in GOVERNORATES]
    deff = _design_effect(sim)
    for s, style in enumerate(sim.config.sources):
        targets = sim.target[s][[pcodes.index(g) for g in governorate]]
        se = math.sqrt(deff * (targets * (1 - targets)).sum()) / len(targets)
        assert abs(sim.listed[s].mean() - targets.mean()) < Z * se, style.name
        assert abs(targets.mean() - style.coverage) < 1e-6, "the regional draws keep the overall coverage"
        for g, pcode in enumerate(pcodes):
            here = governorate == pcode
            if here.sum() < 2_000:
                continue
            p = sim.target[s][g]
            se = math.sqrt(deff * p * (1 - p) / here.sum())
            assert abs(sim.listed[s][here].mean() - p) < Z * se, f"{style.name} in {pcode}"


def test_governorate_coverage_can_be_set_and_regions_differ(sim: Simulation) -> None:
    a = sim.target[0]
    assert a.std() > 0.03, "regional_spread 0.5 makes coverage vary between governorates"
    style = sim.config.sources[0].model_copy(update={"coverage_by_governorate": {"SY07": 0.05}})
    config = sim.config.model_copy(update={"sources": [style], "people": 20_000})
    fixed = simulate_victims(build_config(config.model_dump()))
    idlib = fixed.people.column("governorate").to_numpy(zero_copy_only=False) == "SY07"
    n = idlib.sum()
    assert abs(fixed.listed[0][idlib].mean() - 0.05) < Z * math.sqrt(_design_effect(fixed) * 0.05 * 0.95 / n)


def _odds_ratio(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """Odds ratio of being on b for those on a, and the standard error of its log."""
    cells = [((a == i) & (b == j)).sum() for i in (1, 0) for j in (1, 0)]
    both, a_only, b_only, neither = (float(c) for c in cells)
    return both * neither / (a_only * b_only), math.sqrt(sum(1 / c for c in cells))


def test_dependence_sets_the_odds_ratio_between_two_lists_and_keeps_coverage() -> None:
    config = default_config(people=40_000, sources=2, seed=3, heterogeneity=0.0)
    data = config.model_dump()
    data["sources"][1].update(depends_on="list_a", dependence=1.5, regional_spread=0.0)
    data["sources"][0].update(regional_spread=0.0)
    sim = simulate_victims(build_config(data))
    ratio, se_log = _odds_ratio(sim.listed[0], sim.listed[1])
    # without heterogeneity and with one coverage everywhere the only link between the lists is `dependence`
    assert abs(math.log(ratio) - 1.5) < Z * se_log
    p = 0.45
    assert abs(sim.listed[1].mean() - p) < Z * math.sqrt(_design_effect(sim) * p * (1 - p) / 40_000)


def _two_even_lists(heterogeneity: float) -> Simulation:
    data = default_config(people=40_000, sources=2, seed=3, heterogeneity=heterogeneity).model_dump()
    for source in data["sources"]:
        source["regional_spread"] = 0.0
    return simulate_victims(build_config(data))


def test_heterogeneity_alone_makes_lists_positively_dependent() -> None:
    independent = _two_even_lists(0.0)
    ratio, se_log = _odds_ratio(independent.listed[0], independent.listed[1])
    assert abs(math.log(ratio)) < Z * se_log, "nothing links the lists"
    varied = _two_even_lists(1.5)
    ratio, se_log = _odds_ratio(varied.listed[0], varied.listed[1])
    assert math.log(ratio) > 0.5 + Z * se_log


def test_within_list_duplicates_come_at_the_configured_rate() -> None:
    config = default_config(people=40_000, sources=1, seed=9)
    data = config.model_dump()
    data["sources"][0]["duplicate_rate"] = 0.05
    sim = simulate_victims(build_config(data))
    listed = int(sim.listed[0].sum())
    duplicates = sim.lists["list_a"].num_rows - listed
    counts = Counter(sim.truth.column("person_id").to_pylist())
    assert duplicates == sum(n - 1 for n in counts.values()) == sim.duplicates["list_a"]
    assert max(counts.values()) == 2
    assert abs(duplicates / listed - 0.05) < Z * math.sqrt(0.05 * 0.95 / listed)


# --- how lists are written -----------------------------------------------------------------------------


def _cells(table: pa.Table) -> list[str]:
    return [v for column in table.columns for v in column.to_pylist() if isinstance(v, str)]


def test_arabic_lists_are_in_arabic_script_and_latin_lists_in_latin(every_style: Simulation) -> None:
    for style in every_style.config.sources:
        table = every_style.lists[style.name]
        names = [v for v in table.column(style.columns["name"]).to_pylist() if v]
        id_column = style.columns["record_id"]
        other = _cells(table.drop_columns([id_column]))
        if style.script == "arabic":
            assert all(ARABIC.search(n) for n in names), style.name
            assert not [c for c in other if LATIN.search(c)], f"{style.name} has Latin text"
            assert all(ARABIC.search(h) for h in table.column_names), "Arabic lists have Arabic headers"
        else:
            assert not [c for c in _cells(table) if ARABIC.search(c)], f"{style.name} has Arabic text"


def test_lists_record_the_name_parts_of_their_style(every_style: Simulation) -> None:
    words = {"full": (4, 4), "given_father_family": (3, 3), "given_family": (2, 2)}
    for style in every_style.config.sources:
        names = every_style.lists[style.name].column(style.columns["name"]).to_pylist()
        # counted in name parts, not words: compound names (Abdul Rahman) and "Al Homsi" add words
        most_common = Counter(_parts(style, n) for n in names if n).most_common(1)[0][0]
        assert most_common == words[style.name_parts][0], style.name


def _parts(style: SourceStyle, name: str) -> int:
    tokens = name.split()
    latin = {"Abdul", "Abd", "Abdel", "Abu", "Abou", "Al", "Nour", "Alaa", "Salah"}
    glue = latin | {g.upper() for g in latin} | {"عبد", "أبو", "ابو", "نور", "علاء", "صلاح", "محي"}
    return len(tokens) - sum(1 for t in tokens[:-1] if t in glue)


def test_most_common_given_name_has_its_table_share(sim: Simulation) -> None:
    male = sim.people.filter(pc.equal(sim.people["sex"], "male"))
    counts = Counter(male.column("given_name").to_pylist())
    top, n = counts.most_common(1)[0]
    expected = MALE[0].weight / sum(e.weight for e in MALE)
    assert top == "Mohammad"
    assert (
        abs(n / male.num_rows - expected) < Z * math.sqrt(expected * (1 - expected) / male.num_rows) + 0.005
    )
    # and the skew survives into a list: the commonest first word of list_a is a spelling of Mohammad
    first_words = Counter(n.split()[0] for n in sim.lists["list_a"].column("Name").to_pylist() if n)
    assert first_words.most_common(1)[0][0] in MALE[0].latin


def test_a_source_spells_the_same_name_several_real_ways(sim: Simulation) -> None:
    first_words = Counter(n.split()[0] for n in sim.lists["list_a"].column("Name").to_pylist() if n)
    spellings = [s for s in MALE[0].latin if first_words[s] > 20]
    assert len(spellings) >= 3, f"Mohammad is written only as {spellings}"
    habitual = first_words.most_common(1)[0][1]
    assert habitual / sum(first_words[s] for s in MALE[0].latin) > 0.7, "a source has a habitual spelling"


def test_relatives_killed_together_share_names_date_place_and_cause(sim: Simulation) -> None:
    people = sim.numpy("people")
    family, role = people["family_id"], people["role"]
    children = role == "relative"
    shared = ("father_name", "grandfather_name", "family_name", "date_of_death", "town", "cause")
    groups = np.unique(family[children])
    assert len(groups) > 1_000
    for column in shared:
        values = people[column][children]
        first = {}
        for f, v in zip(family[children], values, strict=True):
            assert first.setdefault(f, v) == v, f"family {f} differs in {column}"
    fathers = role == "father"
    father_given = dict(zip(family[fathers], people["given_name"][fathers], strict=True))
    kids_father = dict(zip(family[children], people["father_name"][children], strict=True))
    assert all(kids_father[f] == g for f, g in father_given.items() if f in kids_father)
    siblings = Counter(zip(family[children], people["given_name"][children], strict=True))
    assert sum(1 for n in siblings.values() if n > 1) <= 5, "siblings have different given names"


def test_population_has_the_configured_shape(sim: Simulation) -> None:
    people = sim.numpy("people")
    n = len(people["age"])
    assert abs((people["age"] < 18).mean() - 0.22) < 0.01
    sizes = np.bincount(people["family_id"])
    assert abs((sizes[people["family_id"]] > 1).mean() - 0.3) < 0.02
    assert set(people["cause"]) <= set(harmtrace.simulate.config.CAUSES)
    assert n == 40_000


# --- mappings and import ---------------------------------------------------------------------------------


def test_every_mapping_is_valid(every_style: Simulation, tmp_path: Path) -> None:
    written = every_style.write(tmp_path)
    for name, path in written.mappings.items():
        assert mapping_problems(load_mapping(path), expected_kind="victims") == [], name


def test_import_round_trip_accounts_for_every_row(
    every_style: Simulation, store: Store, tmp_path: Path
) -> None:
    written = every_style.write(tmp_path)
    results = import_lists(store, written)
    for result, style in zip(results, every_style.config.sources, strict=True):
        records = every_style.lists[style.name].num_rows
        assert (result.rows_read, result.rows_accepted, result.rows_quarantined) == (records, records, 0), (
            style.name
        )
        stored = store.rows(
            "SELECT v.record_id FROM victim_record v JOIN source s USING (source_id) WHERE s.name = ?",
            [style.name],
        )
        truth = every_style.truth.filter(pc.equal(every_style.truth["source"], style.name))
        assert sorted(r["record_id"] for r in stored) == sorted(truth.column("record_id").to_pylist())
    counts = store.rows(
        "SELECT s.name, count(*) AS n, count(coalesce(v.name, v.name_ar)) AS named, "
        "count(v.date_start) AS dated, count(*) FILTER (status = 'combatant') AS combatants, "
        "count(v.sex) FILTER (sex <> 'unknown') AS sexed "
        "FROM victim_record v JOIN source s USING (source_id) GROUP BY 1 ORDER BY 1"
    )
    for row, style in zip(counts, every_style.config.sources, strict=True):
        assert row["named"] == row["n"], f"{style.name}: every record keeps its name"
        assert row["dated"] > 0.85 * row["n"] and row["sexed"] > 0.85 * row["n"], row
        if "status" in style.columns:
            assert row["combatants"] > 0, row


def test_import_keeps_arabic_names_and_reads_month_only_dates(
    every_style: Simulation, store: Store, tmp_path: Path
) -> None:
    import_lists(store, every_style.write(tmp_path))
    arabic = store.rows("SELECT name_ar FROM victim_record WHERE name_ar IS NOT NULL LIMIT 50")
    assert len(arabic) == 50 and all(ARABIC.search(r["name_ar"]) for r in arabic)
    months = store.scalar("SELECT count(*) FROM victim_record WHERE date_precision = 'month'")
    assert months > 0


# --- config and CLI --------------------------------------------------------------------------------------


def test_config_written_beside_the_lists_reproduces_them(tmp_path: Path) -> None:
    config = default_config(people=1_000, sources=2, seed=21)
    written = simulate_victims(config).write(tmp_path / "first")
    reloaded = load_config(written.config)
    assert reloaded == config
    again = simulate_victims(reloaded).write(tmp_path / "again")
    assert written.lists["list_b"].read_bytes() == again.lists["list_b"].read_bytes()


def test_bad_settings_are_reported_together() -> None:
    data = default_config(sources=2).model_dump()
    data["sources"][0].update(coverage=1.5, articles={"al_": 1.0})
    data["sources"][1].update(depends_on="list_z", dependence=1.0)
    with pytest.raises(InputError) as caught:
        build_config(data)
    message = str(caught.value)
    assert "coverage" in message and "al_" in message and "list_z" in message


def test_cli_simulates_writes_and_imports(db_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "sim"
    options = [
        "--people",
        "800",
        "--seed",
        "3",
        "--dependence",
        "list_c:list_a:1.0",
        "--coverage",
        "0.5,0.4,0.3",
    ]
    result = run_cli(db_path, "simulate", "victims", *options, "--out", str(out), "--import")
    assert result.exit_code == 0, result.output
    assert "list_b" in result.output and "quarantined 0" in result.output
    config = load_config(out / "simulation.yaml")
    assert [s.coverage for s in config.sources] == [0.5, 0.4, 0.3]
    assert config.sources[2].depends_on == "list_a"
    again = run_cli(db_path, "simulate", "victims", "--config", str(out / "simulation.yaml"), "--out",
                    str(tmp_path / "again"), "--json")  # fmt: skip
    assert again.exit_code == 0, again.output
    assert (out / "truth.csv").read_bytes() == (tmp_path / "again" / "truth.csv").read_bytes()


def test_cli_rejects_a_coverage_list_of_the_wrong_length(db_path: Path, tmp_path: Path) -> None:
    result = run_cli(db_path, "simulate", "victims", "--coverage", "0.5,0.4", "--out", str(tmp_path))
    assert result.exit_code != 0
    assert "2 value(s) for 3 lists" in result.output


def test_every_parameter_is_documented() -> None:
    docs = (ROOT / "docs" / "simulate.md").read_text(encoding="utf-8")
    docstring = victims_module.__doc__ or ""
    for model in (SimulationConfig, SourceStyle):
        for name in model.model_fields:
            assert name in docs, f"docs/simulate.md does not describe {name}"
            assert name in docstring, f"harmtrace.simulate.victims does not describe {name}"


# --- tables and building blocks --------------------------------------------------------------------------


def test_name_and_place_tables_are_well_formed() -> None:
    assert len(MALE) + len(FEMALE) + len(FAMILY) >= 300
    assert len(TOWNS) >= 60
    for entry in (*MALE, *FEMALE, *FAMILY):
        assert ARABIC.search(entry.arabic) and not LATIN.search(entry.arabic)
        assert entry.latin and all(LATIN.search(s) and not ARABIC.search(s) for s in entry.latin)
    assert {t.adm1 for t in TOWNS} == {g.pcode for g in GOVERNORATES}
    lex = lexicon()
    assert "عبدالرحمن" in lex.given_arabic.texts.to_pylist()
    assert "Mhd" in lex.given_latin.texts.to_pylist()


@settings(max_examples=50, deadline=None)
@given(st.lists(st.integers(0, 400), min_size=1, max_size=50), st.integers(0, 2**32 - 1))
def test_a_drawn_spelling_belongs_to_its_item(items: list[int], seed: int) -> None:
    spellings = lexicon().given_latin
    picked = spellings.draw(np.array(items) % len(spellings), np.random.default_rng(seed))
    item = np.searchsorted(spellings.start, picked, side="right") - 1
    assert (item == np.array(items) % len(spellings)).all()


def test_spellings_are_drawn_by_weight() -> None:
    table = Spellings.ranked([["A", "B"]])
    picked = table.draw(np.zeros(30_000, dtype=np.int64), np.random.default_rng(0))
    share = (picked == 0).mean()
    assert abs(share - 2 / 3) < Z * math.sqrt(2 / 9 / 30_000)


def _osa_distance(a: str, b: str) -> int:
    """Optimal string alignment distance (edits: replace, delete, insert, swap neighbours)."""
    d = [[i + j if i * j == 0 else 0 for j in range(len(b) + 1)] for i in range(len(a) + 1)]
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] != b[j - 1]))
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
    return d[len(a)][len(b)]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.text(alphabet=LATIN_LETTERS + "ABCM '-", max_size=24), min_size=1, max_size=20),
    st.integers(0, 2**32 - 1),
)
def test_a_typo_is_one_edit(strings: list[str], seed: int) -> None:
    edited = edit(strings, LATIN_LETTERS, np.random.default_rng(seed))
    for before, after in zip(strings, edited, strict=True):
        if len(before.rstrip("\x00")) < 3:
            assert after == before
        else:
            # a capital kept at the start can add a change of case
            assert _osa_distance(before.lower(), after.lower()) <= 1, (before, after)
