"""How one source writes the people it lists: spellings, name parts, its own words, and noise.

A source has habits: for every name, town and governorate one preferred spelling, drawn once per
source (a random stream of its own, so they do not depend on how many people it lists); it uses that
spelling with probability `spelling_consistency` and otherwise any spelling, by weight. Everything
else is drawn per record, for all records at once.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Final

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from harmtrace.simulate.config import ARTICLE_STYLES, CAUSES, SourceStyle
from harmtrace.simulate.population import People
from harmtrace.simulate.spellings import Lexicon, Spellings
from harmtrace.simulate.typos import ARABIC_LETTERS, LATIN_LETTERS, with_typos

# The article each style writes; "glued" also lower-cases the name (Alhomsi), "assimilated" takes the
# name's own (ash-Shami; al- before moon letters).
ARTICLE_TEXT: Final = {"al-": "al-", "Al-": "Al-", "Al ": "Al ", "El-": "El-", "none": "", "glued": "Al",
                       "assimilated": "al-"}  # fmt: skip
AGE_BINS: Final = (0, 5, 10, 15, 18, 30, 40, 50, 60, 70, 100)
AGE_RANGES: Final = tuple(f"{lo}-{hi - 1}" for lo, hi in itertools.pairwise(AGE_BINS))
DATE_SHIFTS: Final = np.array([-2, -1, 1, 2])
KUNYA: Final = {"latin": "Abu", "arabic": "أبو"}
_NULL = pa.scalar(None, pa.string())


@dataclass(frozen=True)
class Habits:
    """A source's preferred spelling (index into each `Spellings.texts`) of every item."""

    given: np.ndarray
    family: np.ndarray
    town: np.ndarray
    district: np.ndarray
    governorate: np.ndarray


@dataclass(frozen=True)
class Tables:
    """The spelling tables of one script."""

    given: Spellings
    family: Spellings
    town: Spellings
    district: Spellings
    governorate: Spellings


def tables(lex: Lexicon, script: str) -> Tables:
    if script == "arabic":
        return Tables(lex.given_arabic, lex.family_arabic, lex.town_arabic, lex.district_arabic,
                      lex.governorate_arabic)  # fmt: skip
    return Tables(
        lex.given_latin, lex.family_latin, lex.town_latin, lex.district_latin, lex.governorate_latin
    )


def habits(t: Tables, rng: np.random.Generator) -> Habits:
    return Habits(t.given.habits(rng), t.family.habits(rng), t.town.habits(rng), t.district.habits(rng),
                  t.governorate.habits(rng))  # fmt: skip


def records_of(
    style: SourceStyle, listed: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """(person, is_duplicate) per record in file order: each listed person once, some twice."""
    once = np.flatnonzero(listed)
    again = once[rng.random(len(once)) < style.duplicate_rate]
    person = np.concatenate([once, again])
    duplicate = np.arange(len(person)) >= len(once)
    order = rng.permutation(len(person))
    return person[order], duplicate[order]


def record_ids(prefix: str, n: int) -> pa.Array:
    """A-00001, A-00002, ...: numbered in file order, so an id says nothing about the person."""
    numbers = pa.array(np.arange(1, n + 1)).cast(pa.string())
    padded = pc.utf8_lpad(numbers, max(5, len(str(n))), padding="0")
    return pc.binary_join_element_wise(pa.scalar(prefix), padded, "")


def render(
    style: SourceStyle,
    people: People,
    person: np.ndarray,
    lex: Lexicon,
    prefs: Habits,
    rng: np.random.Generator,
) -> tuple[dict[str, pa.Array], np.ndarray]:
    """Every column the source can have (COLUMN_FIELDS), for the records of `person`, and which
    records name the person by his son ("Abu Ahmad")."""
    t = tables(lex, style.script)
    fields, kunya = render_names(style, people, person, lex, t, prefs, rng)
    sex, age = people.sex[person], people.age[person]
    sex_missing, age_missing = (
        _missing(style, "sex", rng, len(person)),
        _missing(style, "age", rng, len(person)),
    )
    fields["record_id"] = record_ids(style.id_prefix, len(person))
    fields["sex"] = _words(sex, style.sex_words, sex_missing)
    fields["age"] = render_age(style, age, age_missing, rng)
    fields["sex_age"] = _sex_age(style, sex, age, sex_missing, age_missing)
    status = people.combatant[person].astype(np.int8)
    fields["status"] = _words(status, style.status_words, _missing(style, "status", rng, len(person)))
    fields["date"] = render_dates(style, people.died_on[person], rng)
    fields.update(render_places(style, people.town[person], lex, t, prefs, rng))
    cause_words = [style.cause_words[c] for c in CAUSES]
    fields["cause"] = _words(people.cause[person], cause_words, _missing(style, "cause", rng, len(person)))
    return fields, kunya


def _missing(style: SourceStyle, field: str, rng: np.random.Generator, n: int) -> np.ndarray:
    return rng.random(n) < style.missing_share(field)


def _words(codes: np.ndarray, words: tuple[str, ...] | list[str], missing: np.ndarray) -> pa.Array:
    return pa.array(list(words), pa.string()).take(pa.array(codes, mask=missing))


def _blank(texts: pa.Array, missing: np.ndarray) -> pa.Array:
    return pc.if_else(pa.array(missing), _NULL, texts)


# --- names ---------------------------------------------------------------------------------------------


def render_names(
    style: SourceStyle,
    people: People,
    person: np.ndarray,
    lex: Lexicon,
    t: Tables,
    prefs: Habits,
    rng: np.random.Generator,
) -> tuple[dict[str, pa.Array], np.ndarray]:
    """name, given_name, father_name, grandfather_name and family_name as the source writes them, and
    which records are written with a kunya."""
    n, c = len(person), style.spelling_consistency

    def given_name(items: np.ndarray) -> pa.Array:
        return t.given.texts.take(t.given.choose(items, prefs.given, c, rng))

    given = given_name(people.given[person])
    father = given_name(people.father[person])
    grandfather = given_name(people.grandfather[person])
    family = _family(style, people.family[person], lex, t, prefs, rng)
    # a man known by his son's name (Abu Ahmad) is listed without his father's and grandfather's
    adult_man = (people.sex[person] == 0) & (people.age[person] >= 25)
    kunya = adult_man & (rng.random(n) < style.kunya_rate)
    given = pc.if_else(pa.array(kunya), _kunya(style, n, lex, t, rng), given)
    no_father = kunya | (style.name_parts == "given_family") | _missing(style, "father_name", rng, n)
    no_grandfather = no_father | (style.name_parts != "full") | _missing(style, "grandfather_name", rng, n)
    parts = {
        "given_name": given,
        "father_name": _blank(father, no_father),
        "grandfather_name": _blank(grandfather, no_grandfather),
        "family_name": family,
    }
    return _as_written(style, parts, rng), kunya


def _as_written(
    style: SourceStyle, parts: dict[str, pa.Array], rng: np.random.Generator
) -> dict[str, pa.Array]:
    """Name parts with typing errors, in capitals if the source writes so, and the full name they make."""
    alphabet = ARABIC_LETTERS if style.script == "arabic" else LATIN_LETTERS
    parts = {k: with_typos(v, style.typo_rate, alphabet, rng) for k, v in parts.items()}
    if style.upper_case:
        parts = {k: pc.utf8_upper(v) for k, v in parts.items()}
    name = pc.binary_join_element_wise(*parts.values(), " ", null_handling="skip")
    return {"name": name, **parts}


def _kunya(style: SourceStyle, n: int, lex: Lexicon, t: Tables, rng: np.random.Generator) -> pa.Array:
    p = lex.given_weights[: lex.n_male] / lex.given_weights[: lex.n_male].sum()
    son = t.given.texts.take(t.given.draw(rng.choice(lex.n_male, n, p=p), rng))
    return pc.binary_join_element_wise(pa.scalar(KUNYA[style.script]), son, " ")


def _family(
    style: SourceStyle, items: np.ndarray, lex: Lexicon, t: Tables, prefs: Habits, rng: np.random.Generator
) -> pa.Array:
    spelled = t.family.choose(items, prefs.family, style.spelling_consistency, rng)
    stem = t.family.texts.take(spelled)
    if style.script == "arabic":
        return stem  # the Arabic spellings carry their article
    return with_article(style, items, stem, lex.family_assimilated.take(pa.array(spelled)), lex, rng)


def with_article(
    style: SourceStyle,
    items: np.ndarray,
    stem: pa.Array,
    assimilated_prefix: pa.Array,
    lex: Lexicon,
    rng: np.random.Generator,
) -> pa.Array:
    """Latin family names `stem` (of `items`) with the article written in one of the source's styles;
    `assimilated_prefix` is each stem's assimilated article (ash-, al- ...)."""
    kinds = list(style.articles)
    weights = np.array([style.articles[k] for k in kinds])
    codes = np.array([ARTICLE_STYLES.index(k) for k in kinds])[
        rng.choice(len(kinds), len(items), p=weights / weights.sum())
    ]
    codes = np.where(lex.family_article[items], codes, ARTICLE_STYLES.index("none"))
    prefix = pa.array([ARTICLE_TEXT[k] for k in ARTICLE_STYLES]).take(pa.array(codes))
    assimilated = codes == ARTICLE_STYLES.index("assimilated")
    prefix = pc.if_else(pa.array(assimilated), assimilated_prefix, prefix)
    glued = pa.array(codes == ARTICLE_STYLES.index("glued"))
    return pc.binary_join_element_wise(prefix, pc.if_else(glued, pc.utf8_lower(stem), stem), "")


# --- age, dates, places -------------------------------------------------------------------------------


def render_age(
    style: SourceStyle, age: np.ndarray, missing: np.ndarray, rng: np.random.Generator
) -> pa.Array:
    """Age in years (adults' often heaped on multiples of 5), a range "30-39", or child / adult."""
    if style.age_style == "group":
        return _words((age >= 18).astype(np.int8), style.age_group_words, missing)
    if style.age_style == "range":
        return _words(np.searchsorted(AGE_BINS, age, side="right") - 1, AGE_RANGES, missing)
    heaped = (age >= 18) & (rng.random(len(age)) < style.age_heaping)
    years = np.where(heaped, np.maximum(18, np.round(age / 5) * 5), age)
    return pa.array(years.astype(np.int32), mask=missing)


def _sex_age(
    style: SourceStyle, sex: np.ndarray, age: np.ndarray, sex_missing: np.ndarray, age_missing: np.ndarray
) -> pa.Array:
    """One cell "Adult - Male": age group and sex as far as known (blank when neither is)."""
    groups = [*style.age_group_words, None]
    sexes = [*style.sex_words, None]
    labels = [" - ".join(w for w in (g, s) if w) or None for g in groups for s in sexes]
    group_code = np.where(age_missing, 2, (age >= 18).astype(np.int64))
    sex_code = np.where(sex_missing, 2, sex.astype(np.int64))
    return pa.array(labels, pa.string()).take(pa.array(group_code * 3 + sex_code))


def render_dates(style: SourceStyle, died_on: np.ndarray, rng: np.random.Generator) -> pa.Array:
    """The date of death as written: shifted a day or two at times, sometimes only the month."""
    n = len(died_on)
    shifted = np.where(rng.random(n) < style.date_shift_rate, DATE_SHIFTS[rng.integers(0, 4, n)], 0)
    month_only = rng.random(n) < style.month_share
    # a few thousand distinct days: format each once, then look them up
    days, which = np.unique(died_on + shifted, return_inverse=True)
    stamps = pa.array(days.astype(np.int32)).cast(pa.date32()).cast(pa.timestamp("s"))
    formatted = pa.concat_arrays(
        [pc.strftime(stamps, format=style.date_format), pc.strftime(stamps, format=style.month_format)]
    )
    written = formatted.take(pa.array(which + month_only * len(days)))
    return _blank(written, _missing(style, "date", rng, n))


def render_places(
    style: SourceStyle, town: np.ndarray, lex: Lexicon, t: Tables, prefs: Habits, rng: np.random.Generator
) -> dict[str, pa.Array]:
    """`place` at the source's level (town, district or governorate) and `province`."""
    c, n = style.spelling_consistency, len(town)
    governorate = lex.town_adm1[town]
    province = t.governorate.texts.take(t.governorate.choose(governorate, prefs.governorate, c, rng))
    if style.place_level == "town":
        place = t.town.texts.take(t.town.choose(town, prefs.town, c, rng))
    elif style.place_level == "district":
        district = lex.town_adm2[town]
        place = t.district.texts.take(t.district.choose(district, prefs.district, c, rng))
    else:
        place = province
    return {
        "place": _blank(place, _missing(style, "place", rng, n)),
        "province": _blank(province, _missing(style, "province", rng, n)),
    }
