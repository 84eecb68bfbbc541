"""What a report says was hit and with what, keyed across Arabic and English by a small keyword list.

Reports of one strike written by different sources share few words, and none across scripts, but
they name the same kind of site ("a hospital", "مشفى") and the same means ("barrel bomb", "برميل
متفجر"); two strikes of one day in one town most often hit different sites. `SITE_TERMS` and
`MEANS_TERMS` map each kind to the phrases that name it, in English (lower case, matched whole and
case-insensitively) and in Arabic (normalised as `names.normalise_arabic` writes it: ا for أ إ آ, ه for
ة, ي for ى; matched whole after an optional conjunction و ف, preposition ب ل ك and article ال, with
every spelling of those letters). `terms_sql` matches them set-wise in DuckDB.

The lists are deliberately short: words that name a site or a weapon and little else. Words that
are also place or actor names are left out or qualified ("Yarmouk Camp" is a place, so a camp is
"a camp for displaced people"; "طريق الباب" is a neighbourhood, so a road is "طريق عام";
"Russian warplanes" names an actor, so an airstrike is "airstrike" or "air raid", not "warplanes").
`term_words` lists their words, which the rare-word comparison leaves to these comparisons.
"""

from __future__ import annotations

import re
from typing import Final

# kind -> (English phrases, Arabic phrases)
SITE_TERMS: Final = {
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
MEANS_TERMS: Final = {
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
