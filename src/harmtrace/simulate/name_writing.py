"""How one list writes the name classes: other transliterations, a dropped father's name, names by a
relation ("Wife of ...", "ابن ..."), "Unidentified 3"; and the class of every record.

Applied to a list's rendered names (`render.render_names`) with a random stream of the list's own
(`seed`, 9, list number): a list whose name-class settings are all off is written as before.

Per record, in this order (a record has at most one of unidentified, relational):

1. unidentified (`unidentified_rate`): "Unidentified N" / "مجهول الهوية N", N counting the list's
   unidentified records in file order; no name part.
2. relational (`relational_rate`: the share of the records of adult women and of children written so):
   a woman as "Wife of <husband's given, father's and family name>" (share 0.55), "Umm <eldest son>"
   (0.13), "Daughter of <father's given, grandfather's and family name>" (0.18) or "From the <family>
   family" (0.14); a child as "Son of" / "Daughter of" her father (0.76) or "Child of the <family>
   family" (0.24). Arabic-script lists write زوجة / أم / ابن / بنت / من عائلة / طفل (طفلة) من عائلة.
   The shares are the VDC sample's (docs/simulate.md). Men named by their son ("Abu Ahmad",
   `kunya_rate`) are relational too.
3. transliteration (Latin-script lists, `transliteration`): a style drawn per record by weight; every
   name of the record (the relative's in a relational name) is spelled in it (`transliteration.py`).
4. dropped_part (`dropped_part_rate`, lists with a full-name column and a father's name): the father's
   name is left out and the grandfather's written in its place ("given grandfather family"); part
   columns, where the list has them, hold the parts as the name cell shows them.

The relational and unidentified texts fill the name cell (the given-name cell of a list without one);
the part columns of those records are blank.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from harmtrace.simulate import render
from harmtrace.simulate.config import TRANSLITERATION_STYLES, SourceStyle
from harmtrace.simulate.name_classes import CLASSES, Relatives, common_given
from harmtrace.simulate.population import People
from harmtrace.simulate.spellings import Lexicon
from harmtrace.simulate.transliteration import styled
from harmtrace.simulate.typos import ARABIC_LETTERS, LATIN_LETTERS, with_typos

PARTS: Final = ("given_name", "father_name", "grandfather_name", "family_name")
# relational kinds and their shares (VDC sample: 116, 27, 38, 28 women; 199, 64 children)
WOMAN_KINDS: Final = {"wife": 0.55, "umm": 0.13, "daughter": 0.18, "family": 0.14}
CHILD_KINDS: Final = {"child": 0.76, "child_family": 0.24}
WORDS: Final = {
    "latin": {"wife": "Wife of {}", "umm": "Umm {}", "son": "Son of {}", "daughter": "Daughter of {}",
              "family": "From the {} family", "son_family": "Child of the {} family",
              "daughter_family": "Child of the {} family", "unidentified": "Unidentified {}"},
    "arabic": {"wife": "زوجة {}", "umm": "أم {}", "son": "ابن {}", "daughter": "بنت {}",
               "family": "من عائلة {}", "son_family": "طفل من عائلة {}",
               "daughter_family": "طفلة من عائلة {}", "unidentified": "مجهول الهوية {}"},
}  # fmt: skip
ADULT: Final = 18


@dataclass(frozen=True)
class RecordClasses:
    """Per record of one list: which name classes it belongs to (CLASSES; `plain` when none)."""

    transliteration: np.ndarray
    dropped_part: np.ndarray
    relational: np.ndarray
    unidentified: np.ndarray
    mass_casualty_common: np.ndarray

    def plain(self) -> np.ndarray:
        classed = np.zeros(len(self.unidentified), dtype=bool)
        for mask in (self.transliteration, self.dropped_part, self.relational, self.unidentified,
                     self.mass_casualty_common):  # fmt: skip
            classed |= mask
        return ~classed

    def table(self, source: str, record_ids: pa.Array) -> pa.Table:
        """One row per record and class it has: source, record_id, class (records in file order)."""
        masks = [getattr(self, c) if c != "plain" else self.plain() for c in CLASSES]
        stacked = np.stack(masks, axis=1)
        record, which = np.nonzero(stacked)
        return pa.table({
            "source": pa.array([source] * len(record), pa.string()),
            "record_id": record_ids.take(pa.array(record)),
            "class": pa.array(list(CLASSES), pa.string()).take(pa.array(which)),
        })  # fmt: skip


@dataclass(frozen=True)
class Context:
    """What writing a list's names needs: its style, the people and records, its spelling tables."""

    style: SourceStyle
    people: People
    relatives: Relatives
    person: np.ndarray
    lex: Lexicon
    tables: render.Tables
    prefs: render.Habits
    rng: np.random.Generator


def name_classes_on(style: SourceStyle) -> bool:
    """Does the list write any name class besides kunyas?"""
    return (style.transliterated() or style.dropped_part_rate > 0 or style.relational_rate > 0
            or style.unidentified_rate > 0)  # fmt: skip


def write_classes(
    ctx: Context, fields: dict[str, pa.Array], kunya: np.ndarray, mass_day: np.ndarray
) -> tuple[dict[str, pa.Array], RecordClasses]:
    """The list's fields with the name classes written in, and every record's classes."""
    n, people, person = len(ctx.person), ctx.people, ctx.person
    mass = (mass_day[person] >= 0) & common_given(ctx.lex)[people.given[person]]
    if not name_classes_on(ctx.style):
        nothing = np.zeros(n, dtype=bool)
        return fields, RecordClasses(nothing, nothing, kunya.copy(), nothing, mass)
    style, rng = ctx.style, ctx.rng
    style_code = _record_styles(style, n, rng)
    unidentified = rng.random(n) < style.unidentified_rate
    relational = _relational(ctx, unidentified | kunya)
    dropped = _dropped(ctx, fields, unidentified | relational | kunya)
    parts = _spelled_parts(ctx, fields, style_code, kunya, dropped)
    texts = _relational_texts(ctx, relational, style_code)
    texts = pc.if_else(pa.array(unidentified), _unidentified_texts(style, unidentified), texts)
    written = _with_texts(style, {**fields, **parts}, texts, relational | unidentified)
    translit = (style_code > 0) & ~unidentified
    return written, RecordClasses(translit, dropped, (relational | kunya) & ~unidentified, unidentified, mass)


def _record_styles(style: SourceStyle, n: int, rng: np.random.Generator) -> np.ndarray:
    """Per record: index into TRANSLITERATION_STYLES of the spelling it uses (0: english)."""
    if not style.transliterated():
        return np.zeros(n, dtype=np.int64)
    weights = np.array([style.transliteration.get(s, 0.0) for s in TRANSLITERATION_STYLES])
    return rng.choice(len(weights), n, p=weights / weights.sum())


def _relational(ctx: Context, excluded: np.ndarray) -> np.ndarray:
    """Records written by a relation: a share of the adult women's and children's, so that the share
    among all of theirs is `relational_rate` whatever else took some of them."""
    people, person = ctx.people, ctx.person
    eligible = (people.age[person] < ADULT) | (people.sex[person] == 1)
    free = eligible & ~excluded
    rate = ctx.style.relational_rate * eligible.sum() / max(1, free.sum())
    chosen: np.ndarray = free & (ctx.rng.random(len(person)) < min(1.0, rate))
    return chosen


def _dropped(ctx: Context, fields: dict[str, pa.Array], excluded: np.ndarray) -> np.ndarray:
    """Records whose father's name is dropped (lists with a name cell and a father's name written)."""
    style = ctx.style
    if "name" not in style.columns or style.name_parts == "given_family":
        return np.zeros(len(ctx.person), dtype=bool)
    has_father = fields["father_name"].is_valid().to_numpy(zero_copy_only=False)
    dropped: np.ndarray = has_father & ~excluded & (ctx.rng.random(len(ctx.person)) < style.dropped_part_rate)
    return dropped


# --- spellings -----------------------------------------------------------------------------------------


def _given(ctx: Context, items: np.ndarray, style_code: np.ndarray) -> pa.Array:
    """Given-name items spelled as the list does in each record's style (the source's habits in
    English, or Arabic script), with the list's typing errors and case."""
    t, c = ctx.tables, ctx.style.spelling_consistency
    texts = t.given.texts.take(t.given.choose(items, ctx.prefs.given, c, ctx.rng))
    for code in np.unique(style_code[style_code > 0]):
        table = styled(TRANSLITERATION_STYLES[code]).given
        mine = style_code == code
        spelled = table.texts.take(table.draw(items[mine], ctx.rng))
        texts = pc.replace_with_mask(texts, pa.array(mine), spelled)
    return _as_written(ctx, texts)


def _family(ctx: Context, items: np.ndarray, style_code: np.ndarray) -> pa.Array:
    """Family-name items spelled in each record's style, with the list's articles."""
    t, lex, style = ctx.tables, ctx.lex, ctx.style
    spelled = t.family.choose(items, ctx.prefs.family, style.spelling_consistency, ctx.rng)
    stem = t.family.texts.take(spelled)
    if style.script == "arabic":
        return _as_written(ctx, stem)
    prefix = lex.family_assimilated.take(pa.array(spelled))
    for code in np.unique(style_code[style_code > 0]):
        table = styled(TRANSLITERATION_STYLES[code])
        mine = style_code == code
        drawn = pa.array(table.family.draw(items[mine], ctx.rng))
        stem = pc.replace_with_mask(stem, pa.array(mine), table.family.texts.take(drawn))
        prefix = pc.replace_with_mask(prefix, pa.array(mine), table.family_assimilated.take(drawn))
    return _as_written(ctx, render.with_article(style, items, stem, prefix, lex, ctx.rng))


def _as_written(ctx: Context, texts: pa.Array) -> pa.Array:
    alphabet = ARABIC_LETTERS if ctx.style.script == "arabic" else LATIN_LETTERS
    texts = with_typos(texts, ctx.style.typo_rate, alphabet, ctx.rng)
    return pc.utf8_upper(texts) if ctx.style.upper_case else texts


def _spelled_parts(
    ctx: Context, fields: dict[str, pa.Array], style_code: np.ndarray, kunya: np.ndarray, dropped: np.ndarray
) -> dict[str, pa.Array]:
    """The name parts respelled where the record's style is not English, the father's name dropped
    where `dropped` says; other records keep their parts as rendered."""
    people, person = ctx.people, ctx.person
    other = style_code > 0
    items = {"given_name": people.given, "father_name": people.father, "grandfather_name": people.grandfather}
    parts = {}
    for part, item in items.items():
        respell = (
            other & fields[part].is_valid().to_numpy(zero_copy_only=False) & ~(kunya & (part == "given_name"))
        )
        parts[part] = _replace(fields[part], respell, _given(ctx, item[person], style_code))
    parts["family_name"] = _replace(
        fields["family_name"], other, _family(ctx, people.family[person], style_code)
    )
    grandfather = _given(ctx, people.grandfather[person], style_code)
    parts["father_name"] = _replace(parts["father_name"], dropped, grandfather)
    parts["grandfather_name"] = _replace(
        parts["grandfather_name"], dropped, pa.nulls(len(person), pa.string())
    )
    return parts


def _replace(texts: pa.Array, where: np.ndarray, by: pa.Array) -> pa.Array:
    return pc.if_else(pa.array(where), by, texts) if where.any() else texts


# --- relational and unidentified names ---------------------------------------------------------------


def _relational_texts(ctx: Context, relational: np.ndarray, style_code: np.ndarray) -> pa.Array:
    """Each record's relational name (null where it has none)."""
    n = len(ctx.person)
    kind = _kinds(ctx, relational)
    words = WORDS[ctx.style.script]
    texts = pa.nulls(n, pa.string())
    for name, whom in _relatives_named(ctx, style_code).items():
        mine = kind == name
        if mine.any():
            formatted = [words[name].format(w) for w in whom.filter(pa.array(mine)).to_pylist()]
            texts = pc.replace_with_mask(texts, pa.array(mine), pa.array(formatted, pa.string()))
    return pc.utf8_upper(texts) if ctx.style.upper_case else texts


def _kinds(ctx: Context, relational: np.ndarray) -> np.ndarray:
    """Per record: the kind of relational name (WORDS keys; "" for none)."""
    people, person, rng = ctx.people, ctx.person, ctx.rng
    n = len(person)
    woman_kind = np.array(list(WOMAN_KINDS))[_pick(WOMAN_KINDS, n, rng)]
    child_kind = np.array(list(CHILD_KINDS))[_pick(CHILD_KINDS, n, rng)]
    sex = np.where(people.sex[person] == 0, "son", "daughter")
    child_kind = np.where(child_kind == "child", sex, np.char.add(sex, "_family"))
    kind = np.where(people.age[person] < ADULT, child_kind, woman_kind)
    return np.where(relational, kind, "")


def _pick(shares: dict[str, float], n: int, rng: np.random.Generator) -> np.ndarray:
    p = np.array(list(shares.values()))
    return rng.choice(len(p), n, p=p / p.sum())


def _relatives_named(ctx: Context, style_code: np.ndarray) -> dict[str, pa.Array]:
    """Per kind of relational name: the relative's name (or family) as the record writes it."""
    people, person, rel = ctx.people, ctx.person, ctx.relatives

    def chain(*items: pa.Array) -> pa.Array:
        return pc.binary_join_element_wise(*items, " ", null_handling="skip")

    father_line = chain(_given(ctx, people.father[person], style_code),
                        _given(ctx, people.grandfather[person], style_code),
                        _family(ctx, people.family[person], style_code))  # fmt: skip
    husband = chain(_given(ctx, rel.husband_given[person], style_code),
                    _given(ctx, rel.husband_father[person], style_code),
                    _family(ctx, rel.husband_family[person], style_code))  # fmt: skip
    family = _family(ctx, people.family[person], style_code)
    son = _given(ctx, rel.son_given[person], style_code)
    return {"wife": husband, "umm": son, "son": father_line, "daughter": father_line, "family": family,
            "son_family": family, "daughter_family": family}  # fmt: skip


def _unidentified_texts(style: SourceStyle, unidentified: np.ndarray) -> pa.Array:
    """ "Unidentified N" for the list's unidentified records, N = 1, 2 ... in file order."""
    counter = np.cumsum(unidentified)
    word = WORDS[style.script]["unidentified"]
    texts = pa.array([word.format(k) if u else None for k, u in zip(counter, unidentified, strict=True)],
                     pa.string())  # fmt: skip
    return pc.utf8_upper(texts) if style.upper_case else texts


def _with_texts(
    style: SourceStyle, fields: dict[str, pa.Array], texts: pa.Array, described: np.ndarray
) -> dict[str, pa.Array]:
    """Fields with the name cell joined anew from the parts, and the described records' name (or
    given-name) cell holding their text and their part cells blank."""
    joined = pc.binary_join_element_wise(*(fields[p] for p in PARTS), " ", null_handling="skip")
    cell = "name" if "name" in style.columns else "given_name"
    out = {**fields, "name": joined}
    blank = pa.nulls(len(described), pa.string())
    for part in PARTS:
        out[part] = _replace(out[part], described, blank)
    out[cell] = _replace(out[cell], described, texts)
    return out
