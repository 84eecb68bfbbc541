"""Name classes of real lists that the English-style reading missed (issue 13): other transliteration
traditions, name chains with a part missing, relational names, and chaining on common names.

Everyone here is invented; the spellings are the documented patterns of each class.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pytest

from harmtrace.link.chaining import FAMILY_ONLY_CAP, chained_apart, family_only_capped
from harmtrace.link.clusters import Clustering, cluster_records
from harmtrace.link.features import name_skeleton
from harmtrace.link.relatives import free_relatives
from harmtrace.link.victim_model import _other_style
from harmtrace.link.victims import link_victims
from harmtrace.names import _STYLE_VARIANTS, latin_key, name_key, parse_name
from harmtrace.simulate import default_config, import_lists, simulate_victims
from harmtrace.store import open_store
from tests.link.victim_rows import add_records, add_run, add_sources, day

# (English-style spelling, spellings of other traditions that must key as it)
STYLES = [
    ("Muhammad", ["Mohamed", "Mahamat", "Magomed", "Mehmet", "Mukhammad", "Mamadou", "Muhammet"]),
    ("Youssef", ["Yusuf", "Yssouf", "Yusup", "Youssouf", "Jusuf"]),
    ("Ahmad", ["Ahmed", "Akhmed", "Ahmet", "Ahmat", "Achmed"]),
    ("Hasan", ["Gasan", "Khasan", "Hassan"]),
    ("Husayn", ["Huseyin", "Gusein", "Hussein"]),
    ("Ibrahim", ["Ibragim", "Brahim", "Ibrahima"]),
    ("Khalid", ["Halit", "Khalit", "Xolid"]),
    ("Ayub", ["Eyüp", "Ayoub"]),
    ("Khadija", ["Xadicha"]),
    ("Uthman", ["Osman", "Ousmane", "Usmon"]),
    ("Abdullah", ["Abdulla", "Abdoulaye", "Abdullo"]),
    ("Jamal", ["Cemal", "Djamal", "Dzhamal"]),
    ("Rajab", ["Recep", "Radjab"]),
    ("Aisha", ["Ayşe", "Aicha", "Aissatou", "Achta"]),
    ("Khadija", ["Hatice", "Khadidja", "Hadiza"]),
    ("Fatima", ["Fatma", "Fatoumata", "Fatimat", "Patimat"]),
    ("Zaynab", ["Zeynep", "Zeinab"]),
]


def _style_level(a: str, b: str) -> bool:
    """Whether the given-name comparison's level "another transliteration style" holds for a, b."""
    ka, kb = name_key(a), name_key(b)
    sql = _other_style("k", "s").replace("k_l", "$1").replace("k_r", "$2")
    sql = sql.replace("s_l", "$3").replace("s_r", "$4")
    found = duckdb.sql(f"SELECT {sql}", params=[ka, kb, name_skeleton(ka), name_skeleton(kb)]).fetchall()
    return bool(found[0][0])


def _not_vetoed(a: str, b: str) -> bool:
    """Whether two given names reach a level of the given-name comparison above its veto (same key,
    Jaro-Winkler 0.88, same skeleton within two edits, another transliteration style)."""
    ka, kb = name_key(a), name_key(b)
    jw, edits = duckdb.sql(
        f"SELECT jaro_winkler_similarity('{ka}', '{kb}'), levenshtein('{ka}', '{kb}')"
    ).fetchall()[0]
    same_skeleton = name_skeleton(ka) == name_skeleton(kb) and edits <= 2
    return ka == kb or jw >= 0.88 or same_skeleton or _style_level(a, b)


@pytest.mark.parametrize(("english", "others"), STYLES)
def test_other_transliteration_traditions_key_or_fold_as_the_english_spelling(
    english: str, others: list[str]
) -> None:
    for other in others:
        assert _not_vetoed(other, english), (english, other)


def test_distinct_names_stay_distinct_under_the_style_rules() -> None:
    for a, b in [("Muhammad", "Mahmud"), ("Mehmet", "Mahmut"), ("Said", "Sayyid"), ("Kamal", "Jamal")]:
        assert name_key(a) != name_key(b)
    assert not _style_level("Muhammad", "Mahmud")
    assert not _style_level("Rami", "Rana")


def test_the_letter_rules_fold_other_styles_outside_the_table() -> None:
    # Russian g / kh for h, on names the table does not list
    for a, b in [("Gashim", "Hashim"), ("Khamdan", "Hamdan"), ("Zukhair", "Zuhair"), ("Gadi", "Hadi")]:
        assert name_key(a) == name_key(b) or _style_level(a, b), (a, b)


# Other traditions' spellings the letter rules bring to the English-style key without the table
# (so `names._STYLE_VARIANTS` need not list them); each must still key exactly as its name.
RULE_VARIANTS = [
    ("muhammad", ["mahammad", "muhammed"]),
    ("ahmad", ["akhmed", "akhmet", "ahmadou", "ahmed"]),
    ("mustafa", ["moustapha", "mustapha", "moustafa"]),
    ("yusuf", ["yussuf", "youssouf", "yousouf", "yusuph"]),
    ("ibrahim", ["ebrahim"]),
    ("ismail", ["ismoil", "ismael"]),
    ("husayn", ["huseyin", "houssein", "hossein"]),
    ("uthman", ["osman"]),
    ("umar", ["oumar", "omer"]),
    ("ali", ["aliou", "aliyu"]),
    ("abu bakr", ["aboubakar"]),
    ("idris", ["idriss"]),
    ("musa", ["moussa"]),
    ("isa", ["issa"]),
    ("harun", ["haroun"]),
    ("rashid", ["rachid"]),
    ("rajab", ["radjab"]),
    ("jafar", ["dzhafar", "djafar"]),
    ("jamal", ["djamal", "dzhamal"]),
    ("jamil", ["djamil", "dzhamil"]),
    ("jalal", ["djalal", "dzhalal"]),
    ("juma", ["djouma", "dzhuma"]),
    ("jihad", ["djihad"]),
    ("zakariya", ["zekeriya", "zakari"]),
    ("nasir", ["nassir"]),
    ("salih", ["saliou"]),
    ("ayyub", ["ayoub"]),
    ("hajji", ["hadji"]),
    ("aisha", ["oysha"]),
    ("khadija", ["khadidja"]),
    ("maryam", ["meryem"]),
    ("zaynab", ["zeinab", "zaineb"]),
]


@pytest.mark.parametrize(("name", "variants"), RULE_VARIANTS)
def test_spellings_the_letter_rules_cover_key_as_the_name(name: str, variants: list[str]) -> None:
    assert {latin_key(v) for v in variants} == {latin_key(name)}


def test_every_spelling_in_the_table_keys_as_its_name() -> None:
    for name, variants in _STYLE_VARIANTS.items():
        assert {latin_key(v) for v in variants} == {latin_key(name)}, name


RELATIONAL = [
    ("Wife of Mohammad al-Hariri", "wife", None, "Mohammad al-Hariri"),
    ("زوجة محمد الحريري", "wife", None, "محمد الحريري"),
    ("Umm Ahmad", "mother", None, "Ahmad"),
    ("أم أحمد", "mother", None, "أحمد"),
    ("Om Ali al-Najjar", "mother", None, "Ali al-Najjar"),
    ("Son of Khaled Hamdan", "son", "Hamdan", "Khaled Hamdan"),
    ("ابن محمد الحريري", "son", "الحريري", "محمد الحريري"),
    ("بنت خالد حمدان", "daughter", "حمدان", "خالد حمدان"),
    ("child of the Najjar family", "child", "Najjar", "Najjar"),
    ("طفلة من عائلة النجار", "child", "النجار", "النجار"),
    ("عائلة النجار", "family", "النجار", "النجار"),
    ("From al-Najjar family 3", "family", "al-Najjar", "al-Najjar"),
    ("Ahmad al-Hariri's wife", "wife", None, "Ahmad al-Hariri"),
    ("Sons of Khaled Hamdan", "son", "Hamdan", "Khaled Hamdan"),
]


@pytest.mark.parametrize(("text", "relation", "family", "relative"), RELATIONAL)
def test_relational_names_give_the_relation_and_the_relative(
    text: str, relation: str, family: str | None, relative: str
) -> None:
    parts = parse_name(text)
    assert (parts.relation, parts.family, parts.relative) == (relation, family, relative)
    assert parts.given is None  # the record does not name its own person


def test_a_child_record_carries_its_fathers_names_and_unidentified_records_their_counter() -> None:
    son = parse_name("Son of Khaled Ahmad Hamdan")
    assert (son.father, son.grandfather, son.family) == ("Khaled", "Ahmad", "Hamdan")
    unknown = parse_name("مجهول الهوية 3")
    assert unknown.unidentified and unknown.number == 3 and unknown.relative is None
    assert parse_name("Abu Ahmad al-Hariri").given == "Abu Ahmad"  # a kunya names the man himself


# --- linking -----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def three_lists(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Simulated lists (so the model trains as on real use) to which each test adds its records."""
    folder = tmp_path_factory.mktemp("classes")
    written = simulate_victims(default_config(people=1200, sources=3, seed=5)).write(folder / "lists")
    with open_store(folder / "lists.duckdb", create=True) as store:
        import_lists(store, written)
    return folder / "lists.duckdb"


LATIN = {"place_of_death": "Kafr Batna", "province": "Rif Dimashq"}
ARABIC = {"place_of_death_ar": "كفر بطنا", "province": "ريف دمشق"}


def _linked(template: Path, folder: Path, records: list[tuple[int, str, dict[str, Any]]]) -> dict[int, str]:
    """Link the template's lists with `records` (id, list, fields; all killed on one day) added."""
    db = folder / "linked.duckdb"
    shutil.copy(template, db)
    when = {"date_start": day("2014-03-09"), "date_end": day("2014-03-09"), "cause": "airstrike"}
    with open_store(db) as store:
        sources = {r["name"]: r["source_id"] for r in store.rows("SELECT source_id, name FROM source")}
        add_records(store, [{"victim_id": v, "source_id": sources[s], **when, **f} for v, s, f in records])
        link_victims(store)
        return {r["victim_id"]: r["person_id"] for r in store.rows("SELECT * FROM person_member")}


def test_the_name_classes_link_as_one_person_each(three_lists: Path, tmp_path: Path) -> None:
    male, female = {"sex": "male", **LATIN}, {"sex": "female", **LATIN}
    records = [
        # a list that drops the father's name
        (910001, "list_a", {"name": "Omar Ahmad Hasan al-Shami", **male}),
        (910002, "list_b", {"name": "Omar Hasan al-Shami", **male}),
        # Turkish and Russian spellings
        (910003, "list_a", {"name": "Muhammad Khalid Mahmoud al-Kurdi", "age_min": 40, **male}),
        (910004, "list_b", {"name": "Mehmet Halit Mahmoud al-Kurdi", "age_min": 40, **male}),
        (910005, "list_a", {"name": "Hasan Ibrahim al-Zein", "age_min": 33, **male}),
        (910006, "list_b", {"name": "Gasan Ibragim al-Zein", "age_min": 33, **male}),
        # wives named by their husbands, in two scripts; another man's wife
        (910007, "list_a", {"name": "Wife of Mohammad Khaled al-Hariri", **female}),
        (910008, "list_b", {"name_ar": "زوجة محمد خالد الحريري", "sex": "female", **ARABIC}),
        (910009, "list_b", {"name": "Wife of Ahmad Saleh al-Hariri", **female}),
        # a mother by her son's name
        (910010, "list_a", {"name": "Umm Ahmad al-Masri", **female}),
        (910011, "list_c", {"name_ar": "أم أحمد المصري", "sex": "female", **ARABIC}),
    ]
    person = _linked(three_lists, tmp_path, records)
    assert person[910001] == person[910002]
    assert person[910003] == person[910004]
    assert person[910005] == person[910006]
    assert person[910007] == person[910008] != person[910009]
    assert person[910010] == person[910011]


def test_a_family_name_alone_links_nothing_and_chains_are_cut(three_lists: Path, tmp_path: Path) -> None:
    male = {"sex": "male", **LATIN}
    records = [
        # "son of X" is any of X's sons: with two named sons of his in the other list, neither
        (920006, "list_a", {"name": "Son of Ahmad Saleh al-Halabi", "age_group": "child", **male}),
        (920007, "list_b", {"name": "Omar Ahmad Saleh al-Halabi", "age_group": "child", **male}),
        (920010, "list_b", {"name": "Ali Ahmad Saleh al-Halabi", "age_group": "child", **male}),
        # ... and with one, that one (the only pair of the two lists)
        (920011, "list_a", {"name": "Son of Hussein Adel al-Masri", "age_group": "child", **male}),
        (920012, "list_c", {"name": "Yamen Hussein Adel al-Masri", "age_group": "child", **male}),
        # a child and an adult of one name on one day are two people
        (920008, "list_a", {"name": "Yasser Mahmoud al-Khatib", "age_group": "child", **male}),
        (920009, "list_b", {"name": "Yasser Mahmoud al-Khatib", "age_group": "adult", **male}),
        # "child of the X family" and a named child of X: the family name is all they share
        (920001, "list_a", {"name": "child of the Najjar family", **male}),
        (920002, "list_b", {"name": "Omar Ahmad al-Najjar", "age_min": 9, **male}),
        # a "Hassan" of no family and no age between two Hassans of other families and ages
        (920003, "list_a", {"name": "Hassan al-Ali", "age_min": 30, "age_max": 30, **male}),
        (920004, "list_b", {"name": "Hassan", **male}),
        (920005, "list_c", {"name": "Hassan al-Omar", "age_min": 55, "age_max": 55, **male}),
    ]
    person = _linked(three_lists, tmp_path, records)
    assert person[920001] != person[920002]
    assert person[920003] != person[920005]
    assert person[920004] in (person[920003], person[920005])  # the stronger of its two links stays
    assert person[920006] not in (person[920007], person[920010])
    assert person[920011] == person[920012]
    with open_store(tmp_path / "linked.duckdb") as store:
        detail = store.scalar("SELECT detail FROM link_pair WHERE id_l = 920008 AND id_r = 920009")
    assert json.loads(detail)["age"]["level"] == "ages disagree"  # child and adult groups


# --- the guards on their own -------------------------------------------------------------------------


def test_pairs_that_agree_on_no_name_of_the_person_are_capped() -> None:
    scored = pa.table(
        {
            "match_weight": [20.0, 20.0, 20.0, -3.0],
            "match_probability": [0.999, 0.999, 0.999, 0.1],
            "w_given": [5.0, None, -4.0, None],
            "w_father": [None, 3.0, None, None],  # a father's name alone: any of his children
            "w_relation": [None, None, 2.0, None],  # "Daughter of X" twice: any two of his daughters
        }
    )
    capped = family_only_capped(scored)
    assert capped["match_probability"].to_pylist() == [0.999, FAMILY_ONLY_CAP, FAMILY_ONLY_CAP, 0.1]
    assert capped["match_weight"].to_pylist() == [20.0, 0.0, 0.0, -3.0]


def test_a_relatives_only_pair_across_two_lists_is_kept() -> None:
    # 1 "Daughter of X" (list a) - 2 "Daughter of X" (list b): the only pair of the two lists
    # 3 "Daughter of Y" (a) - 4, 5 "Daughter of Y" (b): two candidates, either daughter
    # 6 "Son of Z" (a) - 7 "Omar Z" (b), named: the only child of Z in b; 8 - 9 in one list
    # 10 - 11 "Son of W 3" twice in one list: one record entered twice
    names = pa.table(
        {
            "unique_id": list(range(1, 12)),
            "source_dataset": ["a", "b", "a", "b", "b", "a", "b", "a", "a", "a", "a"],
            "relation": ["daughter"] * 5 + ["son", None, "son", None, "son", "son"],
            "name_number": [None] * 9 + [3, 3],
        }
    )
    pairs = [(1, 2, 2.0, 0.0), (3, 4, 2.0, 0.0), (3, 5, 2.0, 0.0), (6, 7, None, 3.0), (8, 9, None, 3.0),
             (10, 11, 2.0, 3.0)]  # fmt: skip
    scored = pa.table(
        {
            "unique_id_l": [p[0] for p in pairs],
            "unique_id_r": [p[1] for p in pairs],
            "match_weight": [20.0] * 6,
            "match_probability": [0.999] * 6,
            "w_given": [None] * 6,
            "w_relation": [p[2] for p in pairs],
            "w_father": [p[3] for p in pairs],
            "w_family": [4.0] * 6,
            "gamma_sex": [1] * 6,
            "gamma_age": [-1] * 6,
        }
    )
    kept = family_only_capped(scored, names, threshold=0.9)["match_probability"].to_pylist()
    assert kept == [0.999, FAMILY_ONLY_CAP, FAMILY_ONLY_CAP, 0.999, FAMILY_ONLY_CAP, 0.999]


def test_a_relatives_record_links_to_the_only_candidate_left_free(three_lists: Path, tmp_path: Path) -> None:
    child = {"sex": "male", "age_group": "child", **LATIN}
    records = [
        # "Son of Ahmad" and Ahmad's two named sons in list b; list a names one of them, Omar, too:
        # Ali is the son "Son of Ahmad" names
        (930001, "list_a", {"name": "Son of Ahmad Saleh al-Halabi", **child}),
        (930002, "list_b", {"name": "Omar Ahmad Saleh al-Halabi", **child}),
        (930003, "list_b", {"name": "Ali Ahmad Saleh al-Halabi", **child}),
        (930004, "list_a", {"name": "Omar Ahmad Saleh al-Halabi", **child}),
    ]
    person = _linked(three_lists, tmp_path, records)
    assert person[930004] == person[930002] != person[930001]
    assert person[930001] == person[930003]
    with open_store(tmp_path / "linked.duckdb") as store:
        method, probability = store.rows(
            "SELECT method, match_probability FROM link_pair WHERE id_l = 930001 AND id_r = 930003"
        )[0].values()
    assert (method, probability) == ("elimination", FAMILY_ONLY_CAP)


def test_only_free_candidates_person_by_person_are_linked() -> None:
    # relational records 1 (list a) and 5 (list a); candidates in list b: 1-2, 1-3, 5-6, 5-7, 8-9
    # persons: {3, 4} (4 of list a: 3 is taken), {6}, {7}, {8, 10} (10 of list b: 8 holds list b)
    relation = ["son", None, None, None, "son", None, None, "son", None, None]
    names = pa.table({"unique_id": range(1, 11), "source_dataset": list("abbaabbabb"), "relation": relation})
    candidates = pa.table({
        "row": range(5), "l": [1, 1, 5, 5, 8], "r": [2, 3, 6, 7, 9],
        "l_list": ["a"] * 5, "r_list": ["b"] * 5,
    })  # fmt: skip
    ids = np.arange(1, 11)
    reps = np.array([1, 2, 3, 3, 5, 6, 7, 8, 9, 8])
    clustering = Clustering(ids, reps, np.ones(10), links=2, forced=0, links_cut=0)
    left, right = free_relatives(candidates, clustering, names)
    assert list(zip(left.tolist(), right.tolist(), strict=True)) == [(1, 2)]


def test_records_of_one_list_chained_through_another_are_kept_apart(tmp_path: Path) -> None:
    with open_store(tmp_path / "s.duckdb", create=True) as store:
        add_sources(store, "list_a", "list_b")
        add_records(store, [{"victim_id": 1, "source_id": 1}, {"victim_id": 2, "source_id": 2},
                            {"victim_id": 3, "source_id": 1}, {"victim_id": 4, "source_id": 2}])  # fmt: skip
        run = add_run(store, [(1, 2, 0.99), (2, 3, 0.95), (3, 4, 0.93)])
        names = pa.table(
            {
                "unique_id": [1, 2, 3, 4],
                "source_dataset": ["list_a", "list_b", "list_a", "list_b"],
                **{c: [None] * 4 for c in ("given_key", "given_skel", "father_key", "father_skel")},
                **{c: [None] * 4 for c in ("family_key", "family_skel")},
            }
        )
        linked = cluster_records(store, run, 0.9)
        assert np.unique(linked.representatives).size == 1
        apart = chained_apart(store, run, 0.9, linked, names)
        assert sorted(zip(apart[0].tolist(), apart[1].tolist(), strict=True)) == [(1, 3), (2, 4)]
        split = cluster_records(store, run, 0.9, apart=apart).representative_of()
    assert split[1] == split[2] != split[3] == split[4]
