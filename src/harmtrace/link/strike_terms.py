"""What a report says was hit and with what, keyed across Arabic and English by a small keyword list.

Reports of one strike written by different sources share few words, and none across scripts, but
they name the same kind of site ("a hospital", "مشفى") and the same means ("barrel bomb", "برميل
متفجر"); two strikes of one day in one town most often hit different sites. `SITE_TERMS` and
`MEANS_TERMS` map each kind to the phrases that name it, in English (lower case, matched whole and
case-insensitively) and in Arabic (normalised as `names.normalise_arabic` writes it: ا for أ إ آ, ه for
ة, ي for ى; matched whole after an optional conjunction و ف, preposition ب ل ك and article ال, with
every spelling of those letters). `terms_sql` matches them set-wise in DuckDB. Both are read from the
vocabulary files ``vocabularies/site_kinds.yaml`` and ``vocabularies/means.yaml``
(`harmtrace.site_kinds`, `harmtrace.means`), which a reader can extend without reading code.

The lists are deliberately short: words that name a site or a weapon and little else. Words that
are also place or actor names are left out or qualified ("Yarmouk Camp" is a place, so a camp is
"a camp for displaced people"; "طريق الباب" is a neighbourhood, so a road is "طريق عام";
"Russian warplanes" names an actor, so an airstrike is "airstrike" or "air raid", not "warplanes").
`term_word_pattern` matches their words, which the rare-word comparison leaves to these comparisons.
"""

from __future__ import annotations

import re
from typing import Final

from harmtrace.means import all_means
from harmtrace.site_kinds import all_kinds

# kind -> (English phrases, Arabic phrases), from vocabularies/site_kinds.yaml and vocabularies/means.yaml
SITE_TERMS: Final = {kind.name: (kind.english, kind.arabic) for kind in all_kinds() if kind.english}
MEANS_TERMS: Final = {means.name: (means.english, means.arabic) for means in all_means() if means.english}

# canonical actor (`harmtrace.actors`) -> words that name it in a description, for reports whose own
# perpetrator field is empty: a video titled "Russian warplanes target Kafr Hamra" names its alleged
# perpetrator. Only words that, in reports of the war in Syria, name that actor and little else:
# "Russian" ("the Russian aggressor", "الطيران الروسي"), "regime" ("the regime's warplanes", "النظام").
PERPETRATOR_TERMS: Final = {
    "Russia": (("russian", "russians"), ("روسي", "روسيه", "روس")),
    "Government of Syria": (("regime", "government forces", "syrian army"), ("نظام", "قوات الاسد")),
    "Islamic State": (("isis", "isil", "daesh", "islamic state"), ("داعش", "تنظيم الدوله")),
    "US-led coalition": (("us-led coalition", "international coalition", "coalition warplanes",
                          "coalition aircraft"), ("التحالف الدولي", "طيران التحالف")),
}  # fmt: skip

_LETTERS: Final = {"ا": "[اأإآ]", "ه": "[هة]", "ي": "[يى]"}
_ARABIC_PREFIX: Final = "(?:و|ف)?(?:ب|ل|ك)?(?:[اأإآ]ل|ل)?"
_NOT_LETTER: Final = r"[^\p{L}]"


def _arabic(phrase: str) -> str:
    return "".join(_LETTERS.get(c, re.escape(c) if c in ".-" else c) for c in phrase)


def kind_pattern(english: tuple[str, ...], arabic: tuple[str, ...]) -> str:
    """One RE2 pattern matching any of a kind's phrases, either script, as whole words."""
    latin = "|".join(re.escape(p).replace("\\ ", " ") for p in english)
    native = "|".join(_arabic(p) for p in arabic)
    return f"(?:^|{_NOT_LETTER})(?:(?i:{latin})|{_ARABIC_PREFIX}(?:{native}))(?:{_NOT_LETTER}|$)"


def terms_sql(text: str, terms: dict[str, tuple[tuple[str, ...], tuple[str, ...]]]) -> str:
    """SQL: the sorted list of the kinds of `terms` that the SQL string `text` names (empty when
    none; NULL when `text` is NULL)."""
    cases = ", ".join(
        f"CASE WHEN regexp_matches({text}, '{kind_pattern(*phrases)}') THEN '{kind}' END"
        for kind, phrases in terms.items()
    )
    return f"list_sort(list_filter([{cases}], lambda k: k IS NOT NULL))"


def term_word_pattern() -> str:
    """An RE2 pattern matching one word (lower case) that is a word of a site or means phrase, an
    Arabic one with its clitics ("بالمشفى")."""
    words = {
        word
        for terms in (SITE_TERMS, MEANS_TERMS)
        for phrases in terms.values()
        for phrase in (*phrases[0], *phrases[1])
        for word in re.split(r"[\s-]+", phrase)
    }
    latin = "|".join(sorted(re.escape(w) for w in words if w.isascii()))
    native = "|".join(sorted(_arabic(w) for w in words if not w.isascii()))
    return f"^(?:{latin}|{_ARABIC_PREFIX}(?:{native}))$"
