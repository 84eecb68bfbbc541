"""The vocabularies shipped as data (src/harmtrace/vocabularies/*.yaml): every file loads and passes its
checks, its words are those harmtrace had written in code before they moved there (the regression
reference below, written once), and a malformed file is refused naming the file and the entry."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from harmtrace import actors, choices, means, site_kinds, vocabulary
from harmtrace.errors import InputError
from harmtrace.ingest import acled, syrian_archive
from harmtrace.link import strike_terms
from harmtrace.simulate import event_data, reports
from harmtrace.store import precision

CHECKS: dict[str, Callable[[], object]] = {
    "actors": actors.load_actors,
    "means": means.all_means,
    "site_kinds": lambda: (site_kinds.all_kinds(), site_kinds.suggested()),
    "precision": lambda: precision.default_radii(vocabulary.load("precision")),
}

# --- the words as the code held them before issue 15 --------------------------------------------------

OLD_SITE_TERMS = {
    "hospital": (("hospital", "hospitals", "clinic", "clinics", "medical centre", "medical center",
                  "medical point"), ("مشفي", "مستشفي", "مشافي", "مستوصف", "مركز طبي", "نقطه طبيه")),
    "school": (("school", "schools", "kindergarten"), ("مدرسه", "مدارس", "روضه اطفال")),
    "market": (("market", "markets", "marketplace", "souq", "souk"), ("سوق", "اسواق")),
    "bakery": (("bakery", "bakeries", "bread queue", "bread line"), ("فرن", "افران", "مخبز", "مخابز")),
    "mosque": (("mosque", "mosques"), ("مسجد", "مساجد", "جامع")),
    "road": (("road", "roads", "highway", "motorway"), ("طريق عام", "اوتوستراد")),
    "displacement camp": (("camp for displaced people", "camp for the displaced", "displacement camp",
                           "idp camp"), ("مخيم للنازحين", "مخيم النازحين", "مخيمات النازحين")),
    "water station": (("water station", "water plant", "water pumping station"), ("محطه مياه", "محطه ضخ")),
    "farm": (("farm", "farms", "farmland", "orchard"), ("مزرعه", "مزارع", "اراضي زراعيه")),
    "residential building": (("residential building", "residential block", "residential area", "house",
                              "houses", "home", "homes", "apartment"),
                             ("مبني سكني", "بناء سكني", "مباني سكنيه", "منزل", "منازل", "بيوت")),
}  # fmt: skip
OLD_MEANS_TERMS = {
    "airstrike": (("airstrike", "airstrikes", "air strike", "air strikes", "air raid", "air raids"),
                  ("غاره", "غارات", "قصف جوي")),
    "barrel bomb": (("barrel bomb", "barrel bombs", "barrelbomb"), ("برميل", "براميل")),
    "shelling": (("shelling", "shell", "shells", "artillery", "mortar", "mortars"),
                 ("قصف مدفعي", "قذائف", "قذيفه", "هاون", "مدفعيه")),
    "rocket": (("rocket", "rockets", "missile", "missiles"), ("صاروخ", "صواريخ", "صاروخي", "صاروخيه")),
    "ground attack": (("ground attack", "ground assault", "ground offensive", "clashes"),
                      ("هجوم بري", "اشتباكات", "اقتحام")),
    "car bomb": (("car bomb", "car bombs", "vbied", "booby-trapped car"), ("سياره مفخخه",)),
    "explosive device": (("ied", "landmine", "landmines", "improvised explosive"),
                         ("عبوه ناسفه", "لغم", "الغام")),
    "chemical": (("chemical", "chlorine", "sarin", "toxic gas"), ("كيماوي", "كلور", "سارين", "غاز سام")),
    "cluster munition": (("cluster munition", "cluster munitions", "cluster bomb", "cluster bombs"),
                         ("عنقودي",)),
    "drone": (("drone", "drones", "uav"), ("مسيره", "طائره بدون طيار")),
}  # fmt: skip
# in order: a video lists its means and kinds of site in this order
OLD_ARCHIVE_MEANS = [
    ("airstrike", (r"\bdrone\b|\bo?fab-?\s?\d",
                   r"\bair ?strikes?\b|\bair ?raids?\b|\bwar ?planes?\b|\bfighter jets?\b")),
    ("barrel bomb", (r"barrel bomb", r"\bbarrel bombs?\b|\bexplosive barrels?\b")),
    ("chemical", (r"chemical|chlorine|mustard|sarin", r"\bchemical\b|\bchlorine\b|\bsarin\b|\btoxic gas")),
    ("cluster munition", (r"cluster|ptab", r"\bcluster (bombs?|munitions?|rockets?)\b")),
    ("incendiary", (r"incendiary", r"\bincendiary\b|\bnapalm\b|\bphosph?or(us|ous)\b")),
    ("ballistic missile", (r"tochka", r"\bballistic missiles?\b")),
]  # fmt: skip
OLD_ARCHIVE_SITES = [
    ("hospital", r"\bhospitals?\b|\bmedical (point|center|centre|facility|complex)\b|\bclinic\b"),
    ("school", r"\bschools?\b|\bkindergartens?\b"),
    ("mosque", r"\bmosques?\b"),
    ("market", r"\bmarkets?\b"),
    ("bakery", r"\bbaker(y|ies)\b|\bovens?\b"),
    ("civil defence", r"\bcivil defen[cs]e\b|\bwhite helmets\b"),
    ("humanitarian aid", r"\b(aid|relief|humanitarian) (convoys?|materials)\b|\bred crescent\b|\bsarc\b"),
    ("water station", r"\bwater (station|plant|pumping)"),
]
OLD_ACLED_MEANS = {
    "air/drone strike": "airstrike",
    "shelling/artillery/missile attack": "shelling",
    "chemical weapon": "chemical",
    "suicide bomb": "suicide bomb",
    "remote explosive/landmine/ied": "explosive device",
    "grenade": "grenade",
    "armed clash": "ground attack",
    "attack": "ground attack",
    "sexual violence": "sexual violence",
    "abduction/forced disappearance": "abduction",
}
# in order: a simulated incident's means and site are indices into these
OLD_SIMULATED_MEANS = (
    ("airstrike", "غارة جوية", "an airstrike"),
    ("shelling", "قصف مدفعي", "artillery shelling"),
    ("barrel bomb", "برميل متفجر", "a barrel bomb"),
    ("rocket", "قصف صاروخي", "a rocket attack"),
    ("ground attack", "هجوم بري", "a ground attack"),
)
OLD_MEANS_WEIGHTS = (0.45, 0.25, 0.12, 0.12, 0.06)
OLD_HEADLINES = (
    "Warplanes kill {n} {who} in {town}",
    "Shelling kills {n} {who} in {town}",
    "Barrel bombs kill {n} {who} in {town}",
    "Rockets kill {n} {who} in {town}",
    "{n} {who} killed in an attack on {town}",
)
OLD_SIMULATED_SITES = (
    ("residential building", "مبنى سكني"), ("market", "سوق شعبي"), ("school", "مدرسة"),
    ("hospital", "مشفى"), ("bakery", "فرن"), ("mosque", "مسجد"), ("road", "طريق عام"),
    ("camp for displaced people", "مخيم للنازحين"), ("water station", "محطة مياه"), ("farm", "مزرعة"),
)  # fmt: skip
OLD_SUGGESTED_SITE_KINDS = (
    "hospital", "clinic", "school", "market", "bakery", "water", "shelter", "mosque", "church", "camp",
    "civil defence", "humanitarian aid", "power", "other",
)  # fmt: skip


@pytest.mark.parametrize("name", sorted(p.stem for p in vocabulary.FOLDER.glob("*.yaml")))
def test_every_vocabulary_file_loads_and_passes_its_checks(name: str) -> None:
    assert name in CHECKS, f"vocabularies/{name}.yaml has no check here: add how harmtrace reads it"
    assert CHECKS[name]()


def test_linkage_keywords_are_the_old_ones() -> None:
    # compared as mappings: terms_sql sorts the kinds it finds, so their order does not matter; the
    # order of the phrases within a kind is the old one
    assert strike_terms.SITE_TERMS == OLD_SITE_TERMS
    assert strike_terms.MEANS_TERMS == OLD_MEANS_TERMS


def test_importer_words_are_the_old_ones_in_the_old_order() -> None:
    assert list(syrian_archive.MEANS_WORDS.items()) == OLD_ARCHIVE_MEANS
    assert list(syrian_archive.SITE_WORDS.items()) == OLD_ARCHIVE_SITES
    assert acled.SUB_EVENT_MEANS == OLD_ACLED_MEANS  # a CASE of distinct keys: order does not matter


def test_simulator_words_are_the_old_ones_in_the_old_order() -> None:
    assert reports.MEANS == OLD_SIMULATED_MEANS
    assert reports._MEANS_WEIGHTS == OLD_MEANS_WEIGHTS
    assert event_data._HEADLINES == OLD_HEADLINES
    assert reports.SITES == OLD_SIMULATED_SITES


def test_the_command_line_suggests_the_vocabularys_site_kinds() -> None:
    assert choices.SITE_KINDS == site_kinds.suggested() == OLD_SUGGESTED_SITE_KINDS


def test_actors_are_read_from_the_vocabularies_folder() -> None:
    assert actors.SHIPPED == vocabulary.FOLDER / "actors.yaml"
    assert actors.load_actors().canonical("الطيران الروسي") == "Russia"


# --- malformed files ----------------------------------------------------------------------------------


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An empty vocabularies folder in place of the shipped one, caches emptied before and after."""

    def clear() -> None:
        vocabulary.load.cache_clear()
        means.all_means.cache_clear()
        site_kinds.all_kinds.cache_clear()

    monkeypatch.setattr(vocabulary, "FOLDER", tmp_path)
    clear()
    yield tmp_path
    monkeypatch.undo()
    clear()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("airstrike:\n  english: [airstrike]\n", "entry 'airstrike': give both english and arabic"),
        ("airstrike:\n  english: airstrike\n  arabic: [غاره]\n", "entry 'airstrike': english must be a list"),
        ("airstrike:\n  weapons: drone\n", "entry 'airstrike': unknown field 'weapons'"),
        ("shelling:\n  syrian_archive: {weapons: shell}\n", "entry 'shelling': syrian_archive.description is "
         "missing"),
        ("shelling:\n  simulated: {arabic: قصف, english: shelling, headline: [x]}\n",
         "entry 'shelling': simulated.headline must be a word"),
        ("- airstrike\n- shelling\n", "expected a mapping of names to their fields"),
        ("airstrike: [\n", "is not valid YAML"),
    ],
)  # fmt: skip
def test_a_malformed_means_file_names_the_file_and_the_entry(folder: Path, text: str, expected: str) -> None:
    (folder / "means.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match="Vocabulary file") as raised:
        means.all_means()
    assert str(folder / "means.yaml") in str(raised.value)
    assert expected in str(raised.value)


def test_a_malformed_site_kinds_file_names_the_file_and_the_entry(folder: Path) -> None:
    path = folder / "site_kinds.yaml"
    path.write_text("kinds:\n  school:\n    syrian_archive: [school]\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"site_kinds\.yaml, entry 'school': syrian_archive must be a word"):
        site_kinds.all_kinds()
    with pytest.raises(InputError, match=r"site_kinds\.yaml: 'suggested' must be a list"):
        site_kinds.suggested()
    path.write_text("kinds:\n  farm:\n    english: [farm]\n    arabic: [مزرعه]\n", encoding="utf-8")
    vocabulary.load.cache_clear()
    site_kinds.all_kinds.cache_clear()
    with pytest.raises(InputError, match=r"site_kinds\.yaml: kind 'farm' has no simulated words"):
        site_kinds.simulated_site("farm")
    path.write_text("hospital: {}\n", encoding="utf-8")
    vocabulary.load.cache_clear()
    site_kinds.all_kinds.cache_clear()
    with pytest.raises(InputError, match="section 'kinds': expected a mapping"):
        site_kinds.all_kinds()
