"""Matching keys for place names in Arabic and Latin script.

Place names are keyed with the name keys built for personal names (`harmtrace.names.name_key`:
Arabic script romanised, Latin spellings folded, the article al- / el- dropped), after removing what
only places carry: the words for "governorate", "district", "city", "village", "camp" and the like,
and a detached sun-letter article ("Dayr az Zawr", "Ma'arrat an Nu'man") that `name_key` keeps when it
stands alone. The consonant skeleton of the key (`harmtrace.names.skeleton`, all words run
together) is the looser key that lets an Arabic-script name meet its Latin transliterations: romanised
ادلب is "idlab" where the Latin name is "idlib", both "dlb".
"""

from __future__ import annotations

import re
from typing import Final

from harmtrace.names import is_arabic, name_key, normalise_arabic, skeleton

# Words that say what kind of place a name is, not which one (Latin folded to lower case).
_KIND_WORDS: Final = frozenset(
    ["governorate", "province", "muhafaza", "muhafazat", "district", "mantika", "mantiqa", "subdistrict",
     "sub", "nahiya", "nahiyah", "nahia", "city", "town", "village", "camp", "area", "region",
     "neighbourhood", "neighborhood", "quarter"]
)  # fmt: skip
_KIND_WORDS_AR: Final = frozenset(
    normalise_arabic(w) for w in ["محافظة", "منطقة", "ناحية", "مدينة", "بلدة", "قرية", "مخيم", "حي"]
)
# A detached article before a sun or moon letter, as Latin gazetteers write it ("az Zawr", "an Nu'man").
_ARTICLES: Final = frozenset(
    ["al", "el", "il", "ul", "a", "an", "ar", "as", "ash", "at", "ath", "ad", "adh", "az", "ay", "dh",
     "ed", "es", "et", "ez", "en", "er"]
)  # fmt: skip
_SPLIT: Final = re.compile(r"[\s\-_/,.()]+")


def script_of(name: str) -> str:
    """'ar' for Arabic script, 'latin' otherwise.

    >>> script_of("حلب"), script_of("Aleppo")
    ('ar', 'latin')
    """
    return "ar" if is_arabic(name) else "latin"


def _content_words(name: str) -> list[str]:
    """The words of `name` that name the place: kind words and detached articles removed."""
    words = [w for w in _SPLIT.split(name.strip()) if w]
    if is_arabic(name):
        kept = [w for w in words if normalise_arabic(w) not in _KIND_WORDS_AR]
    else:
        kept = [w for w in words if w.casefold() not in _KIND_WORDS]
        kept = [w for i, w in enumerate(kept) if not (w.casefold() in _ARTICLES and i < len(kept) - 1)]
    return kept or words


def place_key(name: str | None) -> str:
    """The matching key of a place name in either script ('' when nothing is left).

    >>> place_key("Dayr az Zawr"), place_key("Deir ez-Zor"), place_key("دير الزور")
    ('dir zur', 'dir zur', 'dir zur')
    >>> place_key("Idlib Governorate"), place_key("Khan Sheikhoun"), place_key("خان شيخون")
    ('idlib', 'khan shikhun', 'khan shikhun')
    """
    if not name or not name.strip():
        return ""
    return name_key(" ".join(_content_words(name)))


def place_skeleton(key: str) -> str:
    """The consonant skeleton of a place key, its words run together ('' when nothing is left).

    >>> place_skeleton("idlib"), place_skeleton("idlab"), place_skeleton("kafr zita")
    ('dlb', 'dlb', 'kfrdd')
    """
    return skeleton(key.replace(" ", "")) or ""
