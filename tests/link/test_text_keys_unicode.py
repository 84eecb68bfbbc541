"""Every text key of linkage and location, over every Arabic-script code point and random Unicode.

Issue 12: one Kurdish or Persian letter (ۆ) made `name_key` recurse until RecursionError, and with
it victim linkage, place keys and description keys. Each key below must return, for any text,
without an exception and within a time limit, a value of its type, and keep the property that
makes it a key: a key whose output is text of its own input domain is its own key (idempotent);
the others keep what they promise instead (see `KEYS`).

Names here are very common public names or invented; no victim name from any data set appears.
"""

from __future__ import annotations

import re
import signal
import string
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import astuple, dataclass
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from harmtrace.actors import actor_key
from harmtrace.analyse.mse.histories import governorate_key
from harmtrace.assess.attribution import actor_words
from harmtrace.link.features import _place, name_skeleton
from harmtrace.link.incident_features import _word_keys, place_name, word_key
from harmtrace.link.tie_places import victim_place
from harmtrace.locate.crosswalk import normalise_name
from harmtrace.locate.place_keys import place_key, place_skeleton, script_of
from harmtrace.names import (
    NameParts,
    _clean_script,
    is_arabic,
    latin_key,
    name_key,
    normalise_arabic,
    parse_name,
    romanise,
    skeleton,
)

BLOCKS = {
    "Arabic": (0x0600, 0x06FF),
    "Arabic Supplement": (0x0750, 0x077F),
    "Arabic Extended-A": (0x08A0, 0x08FF),
    "Arabic Presentation Forms-A": (0xFB50, 0xFDFF),
    "Arabic Presentation Forms-B": (0xFE70, 0xFEFF),
}
CODE_POINTS = [chr(c) for first, last in BLOCKS.values() for c in range(first, last + 1)]
PRESENTATION_FORMS = [c for c in CODE_POINTS if ord(c) >= 0xFB50]
# each code point alone, inside an Arabic word, after a Latin word, and twice as two words
EMBEDDED = [text for c in CODE_POINTS for text in (c, "محمد" + c + "ي", "Ahmad" + c, f"{c} {c}")]

LOOKUP = {"idlib": "SY07", "ادلب": "SY07", "حلب": "SY02", "aleppo": "SY02"}
KEY_FORM = re.compile(r"(?:[a-z]+(?: [a-z]+)*)?")  # what name keys are: a-z words, one space apart
SKELETON_FORM = re.compile(r"[^aeiouwy\s]+")
TIME_LIMIT_S = 5  # a key of a short text takes microseconds; a loop that never ends fails here


@contextmanager
def time_limit(seconds: int = TIME_LIMIT_S) -> Iterator[None]:
    """Fail a call that does not return within `seconds` (a loop that never ends, not only recursion)."""

    def expire(signum: int, frame: object) -> None:
        raise TimeoutError(f"no result within {seconds} s: the key does not terminate")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def _is_name_key(value: object, key: Callable[[str], str]) -> bool:
    return isinstance(value, str) and KEY_FORM.fullmatch(value) is not None and key(value) == value


def _is_skeleton(value: object, skel: Callable[[str], str | None] = skeleton) -> bool:
    """A skeleton: None, or consonants only, its own skeleton (by `skel`)."""
    return value is None or (
        isinstance(value, str) and SKELETON_FORM.fullmatch(value) is not None and skel(value) == value
    )


def _is_word_key(value: object) -> bool:
    """None, a number in ASCII digits without leading zeros, or a skeleton of two or more letters."""
    if value is None:
        return True
    if not isinstance(value, str):
        return False
    if value.isascii() and value.isdigit():
        return value == "0" or not value.startswith("0")
    return len(value) >= 2 and _is_skeleton(value)


def _has_arabic_letter(text: str) -> bool:
    return any(unicodedata.name(c, "").startswith("ARABIC LETTER") for c in text)


def _is_written(value: object) -> bool:
    """Text without format characters (ZWNJ, RLM ...), Arabic marks or tatweel."""
    return isinstance(value, str) and not any(_unwritten(c) for c in value)


def _unwritten(c: str) -> bool:
    category = unicodedata.category(c)
    return category == "Cf" or c == "\u0640" or (category == "Mn" and "ARABIC" in unicodedata.name(c, ""))


def _parts_from_text(text: str, parts: object) -> bool:
    """Every word of every part is written in the (cleaned) text: parsing invents no word, and a
    record marked unidentified has no parts."""
    if not isinstance(parts, NameParts):
        return False
    named = [parts.given, parts.father, parts.grandfather, parts.family, *parts.other, parts.relative]
    if parts.unidentified and any(named):
        return False
    cleaned = _clean_script(text)
    return all(word in cleaned for part in named if part for word in part.split())


def _is_place(text: str, value: object) -> bool:
    """(key or None, P-code or None): the key a name key, the code one of the lookup's."""
    if not (isinstance(value, tuple) and len(value) == 2):
        return False
    key, pcode = value
    return (key is None or (key != "" and _is_name_key(key, name_key))) and (
        pcode is None or pcode in LOOKUP.values()
    )


@dataclass(frozen=True)
class Key:
    """A text key and what must hold of its value for any text."""

    name: str
    key: Callable[[str], Any]
    holds: Callable[[str, Any], bool]
    why: str


KEYS = [
    Key("name_key", name_key, lambda t, v: _is_name_key(v, name_key), "idempotent, a-z words"),
    Key("latin_key", latin_key, lambda t, v: _is_name_key(v, latin_key), "idempotent, a-z words"),
    Key(
        "romanise",
        romanise,
        lambda t, v: isinstance(v, str) and not _has_arabic_letter(v) and romanise(v) == v,
        "no Arabic letter left (the root cause of the recursion), idempotent: Latin passes through",
    ),
    Key(
        "normalise_arabic",
        normalise_arabic,
        lambda t, v: _is_written(v) and normalise_arabic(v) == v,
        "idempotent, no marks, tatweel or format characters",
    ),
    Key(
        "parse_name",
        parse_name,
        _parts_from_text,
        "not idempotent (text in, parts out): every part's words come from the text",
    ),
    Key("is_arabic", is_arabic, lambda t, v: isinstance(v, bool), "a bool"),
    Key(
        "script_of",
        script_of,
        lambda t, v: v == ("ar" if is_arabic(t) else "latin"),
        "'ar' or 'latin', as is_arabic",
    ),
    Key(
        "skeleton(name_key)",
        lambda t: skeleton(name_key(t)),
        lambda t, v: _is_skeleton(v),
        "a skeleton is not a name (skeleton of a key), but is its own skeleton",
    ),
    Key("skeleton", skeleton, lambda t, v: _is_skeleton(v), "consonants only, its own skeleton"),
    Key(
        "name_skeleton(name_key)",
        lambda t: name_skeleton(name_key(t)),
        lambda t, v: _is_skeleton(v, name_skeleton),
        "a name's skeleton, consonants only, its own name skeleton",
    ),
    Key(
        "word_key",
        word_key,
        lambda t, v: _is_word_key(v),
        "not idempotent (a word's skeleton is not a word): None, a number or a skeleton",
    ),
    Key(
        "_word_keys",
        _word_keys,
        lambda t, v: isinstance(v, list) and v == sorted(set(v)) and all(_is_word_key(k) for k in v),
        "the sorted distinct word keys of a place name",
    ),
    Key(
        "place_name",
        place_name,
        lambda t, v: isinstance(v, str) and v in t and (":" in v or place_name(v) == v),
        "a part of the text; idempotent unless the name itself holds a colon (its tail is taken)",
    ),
    Key(
        "place_key",
        place_key,
        lambda t, v: _is_name_key(v, name_key),
        "not idempotent (kind words are dropped from a name, and a key may spell one): a name key",
    ),
    Key(
        "place_skeleton(place_key)",
        lambda t: place_skeleton(place_key(t)),
        lambda t, v: isinstance(v, str) and place_skeleton(v) == v,
        "its own place skeleton",
    ),
    Key(
        "normalise_name",
        normalise_name,
        lambda t, v: isinstance(v, str) and normalise_name(v) == v,
        "idempotent",
    ),
    Key("actor_key", actor_key, lambda t, v: isinstance(v, str) and actor_key(v) == v, "idempotent"),
    Key(
        "actor_words",
        actor_words,
        lambda t, v: isinstance(v, frozenset) and actor_words(" ".join(sorted(v))) == v,
        "idempotent on its words",
    ),
    Key("victim_place", lambda t: victim_place(t, LOOKUP), _is_place, "(place key, P-code)"),
    Key("features._place", lambda t: _place(t, LOOKUP), _is_place, "(place key, P-code)"),
    Key(
        "governorate_key",
        lambda t: governorate_key(t, LOOKUP, True),
        lambda t, v: v is None or v in LOOKUP.values() or v == "?" + normalise_name(t),
        "a P-code of the lookup or '?' + the normalised name",
    ),
]
KEY_IDS = [k.name for k in KEYS]


def _violation(key: Key, text: str) -> str | None:
    """None when `key` holds on `text`, else what went wrong (an exception is a violation)."""
    try:
        with time_limit():
            value = key.key(text)
            if key.holds(text, value):
                return None
    except Exception as error:  # RecursionError and TimeoutError included: each is a failure
        return f"{[hex(ord(c)) for c in text]}: {type(error).__name__}: {error}"[:300]
    return f"{[hex(ord(c)) for c in text]} -> {value!r}: not {key.why}"


# ------------------------------------------------------------------------------------------------
# (a), (b): every code point of the Arabic blocks, alone and in words
# ------------------------------------------------------------------------------------------------


def test_the_blocks_are_all_there() -> None:
    assert len(CODE_POINTS) == 256 + 48 + 96 + 688 + 144
    assert len(EMBEDDED) == 4 * len(CODE_POINTS)


@pytest.mark.parametrize("key", KEYS, ids=KEY_IDS)
def test_every_arabic_code_point_keys(key: Key) -> None:
    failures = [v for text in EMBEDDED if (v := _violation(key, text)) is not None]
    assert not failures, f"{len(failures)} of {len(EMBEDDED)} texts, e.g. " + "\n".join(failures[:10])


def test_presentation_forms_key_as_their_letters() -> None:
    """A ligature or contextual form keys as the letters NFKC reads in it."""
    for c in PRESENTATION_FORMS:
        base = unicodedata.normalize("NFKC", c)
        assert normalise_arabic(c) == normalise_arabic(base), hex(ord(c))
        assert name_key(c) == name_key(base), hex(ord(c))
        assert name_key("محمد" + c) == name_key("محمد" + base), hex(ord(c))
    assert name_key("ﻣﺤﻤﺪ ﺍﻟﺤﺮﻳﺮﻱ") == name_key("محمد الحريري") == "muhamad hariri"


@pytest.mark.parametrize(
    "unwritten",
    [c for c in map(chr, range(0x110000)) if unicodedata.category(c) == "Cf"]
    + [c for c in CODE_POINTS if unicodedata.category(c) == "Mn"]
    + ["\u0640"],
    ids=lambda c: f"U+{ord(c):04X}",
)
def test_marks_tatweel_and_format_characters_are_removed(unwritten: str) -> None:
    assert normalise_arabic("محم" + unwritten + "د") == "محمد"
    assert name_key("محم" + unwritten + "د") == name_key("محمد") == "muhamad"
    assert name_key("Moham" + unwritten + "mad") == name_key("Mohammad")


# ------------------------------------------------------------------------------------------------
# (c): random text, over all of Unicode and biased to Arabic script
# ------------------------------------------------------------------------------------------------

ANY_TEXT = st.text(max_size=40)
NAME_LIKE = st.text(
    alphabet=st.one_of(
        st.sampled_from(CODE_POINTS),
        st.sampled_from(string.ascii_letters + string.digits + string.punctuation + " " * 8),
        st.sampled_from("\u00a0\u200c\u200d\u200e\u200f\u061c\u0640\u064e\u0651-'’:"),
        st.characters(categories=["Mn", "Cf", "Lm", "Nd", "No", "Zs"]),  # marks, format characters, digits
    ),
    max_size=40,
)
FAST = settings(max_examples=120, deadline=timedelta(seconds=1))


@pytest.mark.parametrize("key", KEYS, ids=KEY_IDS)
@FAST
@given(text=ANY_TEXT)
def test_any_unicode_text_keys(key: Key, text: str) -> None:
    violation = _violation(key, text)
    assert violation is None, violation


@pytest.mark.parametrize("key", KEYS, ids=KEY_IDS)
@FAST
@given(text=NAME_LIKE)
def test_any_arabic_and_latin_text_keys(key: Key, text: str) -> None:
    violation = _violation(key, text)
    assert violation is None, violation


@FAST
@given(words=st.lists(NAME_LIKE, min_size=1, max_size=6))
def test_key_of_a_name_is_the_key_of_its_words_parsed(words: list[str]) -> None:
    """A full name parses into parts whatever its letters, and its key is one key."""
    text = " ".join(words)
    with time_limit():
        parts = parse_name(text)
        keys = [name_key(p) for p in astuple(parts) if isinstance(p, str)]
    assert all(_is_name_key(k, name_key) for k in keys)


# ------------------------------------------------------------------------------------------------
# Regressions: Kurdish, Persian and Urdu names
# ------------------------------------------------------------------------------------------------


def test_the_kurdish_letter_of_issue_12_keys() -> None:
    with time_limit():
        assert name_key("ۆ") == latin_key("o") == "u"
        assert romanise("ۆ") == "o"


@pytest.mark.parametrize(
    ("written", "same_as"),
    [
        ("کریم", "كريم"),  # Persian kaf and yeh are the Arabic letters
        ("هۆشیار", "هوشيار"),  # Kurdish Hoshyar, ۆ o, in Arabic spelling
        ("پژمان", "Pezhman"),  # Persian Pezhman: پ p, ژ zh
        ("پژمان", "Pejman"),
        ("ئەحمەد", "أحمد"),  # Kurdish Ahmad: the vowel seat ئ silent, ە a
        ("حەسەن", "حسن"),
        ("ئیبراهیم", "إبراهيم"),
        ("ئازاد", "Azad"),
        ("کاوە", "Kawa"),
        ("گۆران", "Goran"),  # گ g
        ("ڤیان", "Vian"),  # ڤ v
        ("چیا", "Chia"),  # چ ch
        ("ڕەزا", "Reza"),  # ڕ = ر
        ("ژینا", "Jina"),
        ("عەلی", "علي"),
    ],
)
def test_kurdish_and_persian_names_meet_their_other_spellings(written: str, same_as: str) -> None:
    with time_limit():
        key = name_key(written)
    assert key and key.isascii()
    assert key == name_key(same_as)


@pytest.mark.parametrize(
    ("letters", "latin"),
    [("پ", "p"), ("چ", "ch"), ("ژ", "zh"), ("گ", "g"), ("ڤ", "v"), ("ۆ", "o"), ("ێ", "e"), ("ە", "a")],
)
def test_persian_and_kurdish_letters_have_their_sounds(letters: str, latin: str) -> None:
    assert romanise(letters) == latin


def test_forms_of_arabic_letters_normalise_to_them() -> None:
    assert normalise_arabic("کریم") == normalise_arabic("كريم") == "كريم"
    assert normalise_arabic("ڕەش ڵ ھ ہ ۀ ڪ ۃ") == "رەش ل ه ه ه ك ه"
    assert normalise_arabic("گۆران پژمان چیا ڤیان") == "گۆران پژمان چيا ڤيان"  # letters of their own kept


def test_other_letters_of_arabic_script_read_as_the_letter_they_are_drawn_from() -> None:
    assert romanise("ڒ") == romanise("ر")  # reh with small v
    assert romanise("ٮ") == romanise("ب")  # dotless beh
    assert romanise("ࢽ") == romanise("ن")  # African noon
    assert romanise("ڽ") == romanise("ن")  # noon with three dots above (Jawi nya)
    assert romanise("ؽ") == romanise("ي")  # Farsi yeh with inverted v, through Farsi yeh


def test_long_numbers_are_no_crash() -> None:
    digits = "1" * 5000  # int() refuses more than 4300 digits
    assert word_key(digits) == digits
    assert word_key("٠٠" + "١٢") == "12"
    assert word_key("²") is None  # a superscript is a digit, not a decimal: no number
    assert parse_name("Ahmad " + digits).number is None
    assert parse_name("مجهول ٣").number == 3
