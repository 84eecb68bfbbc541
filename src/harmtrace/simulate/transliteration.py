"""Arabic names as lists outside the English-speaking world spell them: French, Russian, Turkish, Chadian
and Central Asian conventions.

Written for the simulator from published transliteration conventions, not from any list of people:

- french: French-language documents of the Maghreb and Levant: ou for u (Moustafa, Youssef), ch for sh
  (Hicham, Cherif), k for q (Kacem), intervocalic ss (Hassan), final -ane (Adnane, Othmane), Abdel-
  (Abdelkader), -eddine (Noureddine).
- russian: Russian documents in Latin letters (Cyrillic romanised): kh for h (Khasan, Makhmud), g for h
  in a few old forms (Magomed, Ibragim), dzh for j, v for w, u for ou, double letters single.
- turkish: modern Turkish spelling: h for kh (Halit), c for j (Cemal), ş, ç, final -t and -p for -d
  and -b (Ahmet, Mahmut, Eyüp), v for w (Velit), Ö and Ü where Turkish has them (Ömer, Hüseyin).
- chadian: French-based spelling of Chad and the Sahel: Mahamat, Ahmat (final -at), Oumar, Youssouf,
  Hissein, Abdelkerim, Souleymane, Achta.
- central_asian: Uzbek Latin (the Tajik and Kazakh forms are close): x for kh (Xolid), o for a long a
  (Ismoil, Ibrohim, Odil, Usmon), -iddin (Nuriddin), g' for gh, Yusup.

Each style has a table of the common names of `syrian_names` (keyed by their Arabic form, spellings
most common first); every other name is spelled by the style's rules applied to its first (English)
spelling (`by_rule`). Family names keep the article the list writes (al-, El- ...): only the stem is
respelled.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Final

import numpy as np
import pyarrow as pa

from harmtrace.simulate import syrian_names as names
from harmtrace.simulate.config import TRANSLITERATION_STYLES
from harmtrace.simulate.spellings import Spellings, assimilated_article

FRENCH_TABLE: Final = """
محمد | Mohamed, Mohammed
أحمد | Ahmed
محمود | Mahmoud
خالد | Khaled, Khalid
عبد الله | Abdallah, Abdellah
مصطفى | Moustapha, Moustafa
حسين | Houssein, Hussein
حسن | Hassan, Hassen
إبراهيم | Brahim, Ibrahim
يوسف | Youssef, Youcef
عبد الرحمن | Abderrahmane, Abdelrahmane
عبد القادر | Abdelkader
عبد الكريم | Abdelkrim, Abdelkarim
عبد العزيز | Abdelaziz
وليد | Oualid, Walid
سليمان | Slimane, Soulaimane
يحيى | Yahia
أسامة | Oussama
قاسم | Kacem, Kassem
جمال | Djamel, Jamal
عثمان | Othmane, Osmane
هشام | Hicham
رشيد | Rachid
بشير | Bachir
سعيد | Said
نور الدين | Noureddine
فاطمة | Fatima, Fatma
خديجة | Khadidja, Khadija
مريم | Meriem, Myriam
عائشة | Aicha
زينب | Zineb
أسماء | Asmae, Asma
بشرى | Bouchra
شيماء | Chaimae
"""

RUSSIAN_TABLE: Final = """
محمد | Magomed, Mukhammad
أحمد | Akhmed, Akhmad
محمود | Makhmud
عبد الله | Abdulla
حسين | Khuseyn, Guseyn
حسن | Khasan, Gasan
عمر | Umar
إبراهيم | Ibragim
يوسف | Yusup, Yusuf
عبد الرحمن | Abdurakhman
عبد القادر | Abdulkadyr
عبد الكريم | Abdulkerim
إسماعيل | Ismail
سليمان | Suleyman
جمال | Dzhamal
عثمان | Osman
فاطمة | Patimat, Fatima
خديجة | Khadizhat
مريم | Mariam
عائشة | Aishat
زينب | Zaynab
آمنة | Aminat
"""

TURKISH_TABLE: Final = """
محمد | Mehmet, Muhammet
أحمد | Ahmet
محمود | Mahmut
خالد | Halit
عبد الله | Abdullah
حسين | Hüseyin
حسن | Hasan
عمر | Ömer
إبراهيم | İbrahim
يوسف | Yusuf
عبد الرحمن | Abdurrahman
عبد القادر | Abdulkadir
عبد الكريم | Abdulkerim
ياسر | Yasir
وليد | Velit
أنس | Enes
إسماعيل | İsmail
سليمان | Süleyman
عيسى | İsa
أيوب | Eyüp
إدريس | İdris
قاسم | Kasım
جمال | Cemal
كمال | Kemal
عثمان | Osman
صالح | Salih
سعيد | Sait
رشيد | Reşit
شريف | Şerif
فاطمة | Fatma
خديجة | Hatice
مريم | Meryem
عائشة | Ayşe
زينب | Zeynep
آمنة | Emine
أسماء | Esma
سمية | Sümeyye
رقية | Rukiye
زهرة | Zehra
حليمة | Halime
"""

CHADIAN_TABLE: Final = """
محمد | Mahamat, Mouhamad
أحمد | Ahmat, Ahmadou
محمود | Mahamoud
خالد | Khalid
عبد الله | Abdallah
مصطفى | Moustapha
حسين | Hissein, Houssein
حسن | Hassane, Hassan
عمر | Oumar
إبراهيم | Brahim, Ibrahim
يوسف | Youssouf, Yssouf
عبد الرحمن | Abdramane, Abderamane
عبد القادر | Abdelkader
عبد الكريم | Abdelkerim
عبد العزيز | Abdelaziz
إسماعيل | Ismael, Ismaila
سليمان | Souleymane
يحيى | Yaya
يونس | Younous
إدريس | Idriss
عثمان | Ousmane, Outman
فاطمة | Fatime, Fatimata
خديجة | Khadidja
مريم | Mariam
عائشة | Achta, Aissatou
زينب | Zenaba
حليمة | Halime
"""

CENTRAL_ASIAN_TABLE: Final = """
محمد | Muhammad, Mukhammad
أحمد | Ahmad, Akhmad
محمود | Mahmud
خالد | Xolid
عبد الله | Abdulla
مصطفى | Mustafo
حسين | Husayn, Husan
عمر | Umar
إبراهيم | Ibrohim
يوسف | Yusuf, Yusup
عبد الرحمن | Abdurahmon
عبد القادر | Abduqodir
عبد الكريم | Abdukarim
إسماعيل | Ismoil
سليمان | Sulaymon
موسى | Muso
عيسى | Iso
يحيى | Yahyo
قاسم | Qosim
جمال | Jamol
كمال | Kamol
عثمان | Usmon
رمضان | Ramazon
صلاح الدين | Salohiddin
علاء الدين | Alovuddin
فاطمة | Fotima
خديجة | Xadicha
عائشة | Oysha
زينب | Zaynab
آمنة | Omina
سارة | Sora
زهرة | Zuhra
"""

FAMILY_TABLES: Final = {
    "french": "شيخ | Cheikh\nحاج | Hadj\nشامي | Chami",
    "russian": "شيخ | Sheykh\nحاج | Khadzhi",
    "turkish": "شيخ | Şeyh\nحاج | Hacı\nخطيب | Hatip\nحلبي | Halebi\nحجي | Hacı",
    "chadian": "شيخ | Cheikh\nحاج | Hadj",
    "central_asian": "شيخ | Shayx\nحاج | Hoji",
}
GIVEN_TABLES: Final = {
    "french": FRENCH_TABLE,
    "russian": RUSSIAN_TABLE,
    "turkish": TURKISH_TABLE,
    "chadian": CHADIAN_TABLE,
    "central_asian": CENTRAL_ASIAN_TABLE,
}

_ABDUL = r"\babdul (?=\w)"
_AL_DIN = r" al-d(?:in|een)\b"
_FINAL_AH = (r"(?<=a)h\b", "")
_FRENCH_VOWELS = ((r"ee", "i"), (r"oo", "ou"), (r"(?<![ao])u", "ou"), (r"\bw(?=[aeiou])", "ou"),
                  (r"(?<=[aeiou])w(?=[aei])", "ou"), (r"(?<=[^aeiou ])w(?=[aeiou])", "ou"),
                  (r"(?<=[aeiouy])s(?=[aeiouy])", "ss"))  # fmt: skip
_DOUBLES = (r"([bcdfgjklmnpqrstvxz])\1", r"\1")
# Each style's rules, applied in order to the lower-cased English spelling.
RULES: Final[dict[str, tuple[tuple[str, str], ...]]] = {
    "english": (),
    "french": ((r"'", ""), (_ABDUL, "abdel"), (_AL_DIN, "eddine"), _FINAL_AH, (r"sh", "ch"), (r"q", "k"),
               *_FRENCH_VOWELS, (r"(?<=[^aeiou])ad\b", "ed"), (r"(?<=[^aei ])an\b", "ane")),
    "russian": ((r"'", ""), (_ABDUL, "abdul"), (_AL_DIN, "addin"), _FINAL_AH, (r"(?<![skcgzdt])h", "kh"),
                _DOUBLES, (r"th", "s"), (r"dh", "z"), (r"gh", "g"), (r"j", "dzh"), (r"q", "k"), (r"w", "v"),
                (r"ou|oo", "u"), (r"ee", "i"), (r"ei", "ey"), _DOUBLES),
    "turkish": ((r"'", ""), (_ABDUL, "abdul"), (_AL_DIN, "ettin"), _FINAL_AH, (r"kh", "h"), (r"sh", "ş"),
                (r"ch", "ç"), (r"th", "s"), (r"dh", "z"), (r"(?<=[aeiou])gh(?=[aeiou])", "ğ"), (r"gh", "g"),
                (r"j", "c"), (r"q", "k"), (r"w", "v"), (r"ou|oo", "u"), (r"ee", "i"), (r"ei", "ey"),
                (r"aa", "a"), (r"ss", "s"), (r"d\b", "t"), (r"b\b", "p")),
    "chadian": ((r"'", ""), (_ABDUL, "abdel"), (_AL_DIN, "eddine"), _FINAL_AH, (r"sh", "ch"), (r"q", "k"),
                (r"\bj", "dj"), *_FRENCH_VOWELS, (r"(?<=[^aeiou])ad\b", "at"), (r"(?<=[^aei ])an\b", "ane")),
    "central_asian": ((r"'", ""), (_ABDUL, "abdul"), (_AL_DIN, "iddin"), _FINAL_AH, (r"kh", "x"),
                      (r"th", "s"), (r"dh", "z"), (r"gh", "g'"), (r"w", "v"), (r"ou|oo", "u"), (r"ee", "i"),
                      (r"ei", "ay"), (r"aa", "o"), _DOUBLES,
                      (r"\b([^aeiouy' ]*)a([^aeiouy' ]+)e([^aeiouy' ]+)\b", r"\1o\2i\3"),
                      (r"(?<=[^aeiou][^aeiou])an\b", "on")),
}  # fmt: skip
_LETTERS = re.compile(r"[^\W\d_]+(?:['\- ][^\W\d_]+)*'?")


def by_rule(style: str, english: str) -> str:
    """`english` (a spelling of the name table) respelled by `style`'s rules.

    >>> [by_rule(s, "Hussein") for s in ("french", "russian", "turkish", "central_asian")]
    ['Houssein', 'Khuseyn', 'Huseyn', 'Husayn']
    >>> by_rule("central_asian", "Khaled"), by_rule("chadian", "Ahmad"), by_rule("french", "Marwan")
    ('Xolid', 'Ahmat', 'Marouane')
    """
    text = english.lower()
    for pattern, replacement in RULES[style]:
        text = re.sub(pattern, replacement, text)
    return " ".join(_capital(word, style) for word in text.split())


def _capital(word: str, style: str) -> str:
    if style == "turkish" and word.startswith("i"):
        return "İ" + word[1:]
    return word[:1].upper() + word[1:]


def parse_style_table(text: str) -> dict[str, tuple[str, ...]]:
    """Arabic | spelling, spelling ... lines: Arabic form -> spellings; a malformed line raises."""
    table = {}
    for number, line in enumerate(text.strip().splitlines(), start=1):
        arabic, _, latin = (c.strip() for c in line.partition("|"))
        spellings = tuple(s.strip() for s in latin.split(","))
        if not arabic or not all(_LETTERS.fullmatch(s) for s in spellings):
            raise ValueError(f"transliteration table line {number} is malformed: {line!r}")
        table[arabic] = spellings
    return table


def spellings_of(style: str, entry: names.NameEntry, family: bool = False) -> tuple[str, ...]:
    """How `style` spells a name of the table: its own table's spellings, else its rule on the first
    English spelling."""
    tables = FAMILY_TABLES if family else GIVEN_TABLES
    table = parse_style_table(tables[style]) if style in tables else {}
    return table.get(entry.arabic) or (by_rule(style, entry.latin[0]),)


@dataclass(frozen=True)
class Styled:
    """One style's spellings of every given and family name (items as in `Lexicon`)."""

    given: Spellings
    family: Spellings
    family_assimilated: pa.Array


@cache
def styled(style: str) -> Styled:
    """The spelling tables of `style` (built once per process); "english" is the name table's own."""
    if style not in TRANSLITERATION_STYLES:
        raise KeyError(f"unknown transliteration style {style!r}")
    given_entries = (*names.MALE, *names.FEMALE)
    if style == "english":
        given = Spellings.ranked([e.latin for e in given_entries])
        family = Spellings.ranked([e.latin for e in names.FAMILY])
    else:
        given = Spellings.ranked([spellings_of(style, e) for e in given_entries])
        family = Spellings.ranked([spellings_of(style, e, family=True) for e in names.FAMILY])
    return Styled(given, family, _assimilated(family, names.FAMILY))


def _assimilated(family: Spellings, entries: Sequence[names.NameEntry]) -> pa.Array:
    items = np.repeat(np.arange(len(family)), family.count)
    texts = family.texts.to_pylist()
    return pa.array(
        [assimilated_article(t, entries[i].sun_letter) for t, i in zip(texts, items, strict=True)]
    )
