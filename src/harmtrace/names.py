"""Personal names for linkage, in Arabic script and its Latin transliterations.

Syrian victim lists write one person many ways: محمد in one list, Mohammad / Muhammad / Mohamed / Mhd in
others; عبد الرحمن as Abdul Rahman / Abdulrahman / Abd al-Rahman / Abdelrahman; al- / el- / Al / no
article. This module turns any of these into comparable keys:

- `normalise_arabic`: one spelling per Arabic letter (hamza seats, ta marbuta, alef maqsura, tatweel,
  diacritics, Arabic-Indic digits, invisible marks).
- `romanise`: Arabic script to a plain Latin form built for matching, not for display or scholarship.
- `latin_key`: a canonical skeleton of a Latin transliteration; spelling variants of one name share a
  key or differ by a letter or two (keys are compared with Jaro-Winkler downstream).
- `name_key`: either script, so an Arabic-script and a Latin-script record of one person get
  comparable keys.
- `parse_name`: a full name split into given, father, grandfather and family name, compounds kept
  together, "Unidentified" markers and "Son of ..." records recognised.

Every rule and variant table lives here; no data file is read at run time. The rules were chosen by
measuring them against what PyPI offers: `benchmarks/names.py` prints the comparison.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Final

# ---------------------------------------------------------------------------------------------------
# Arabic script
# ---------------------------------------------------------------------------------------------------

# Harakat, tanwin, shadda, sukun, superscript alef, Quranic annotation marks and the marks of the
# Arabic Extended blocks, tatweel.
_ARABIC_MARKS: Final = "\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640\u0898-\u089f\u08c9-\u08ff"
# Presentation forms of harakat and shadda: removed before NFKC, which would leave a space.
_HARAKAT_FORMS: Final = re.compile("[\ufc5e-\ufc63\ufe70-\ufe72\ufe74\ufe76-\ufe7f]+")
# Format characters (Unicode category Cf: zero-width (non-)joiners and spaces, bidirectional marks
# and controls, the Arabic number signs, soft hyphen, tags), variation selectors and the combining
# grapheme joiner: copy-paste leaves them inside names, and they are not written letters.
_INVISIBLE: Final = (
    "\u00ad\u034f\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180b-\u180f\u200b-\u200f"
    "\u202a-\u202e\u2060-\u206f\ufe00-\ufe0f\ufeff\ufff9-\ufffb\U000110bd\U000110cd"
    "\U00013430-\U00013438\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001-\U000e007f"
    "\U000e0100-\U000e01ef"
)
_UNWRITTEN: Final = re.compile(f"[{_ARABIC_MARKS}{_INVISIBLE}]+")
_SPACES: Final = re.compile(r"\s+")
# The letters of Arabic script (Arabic, Arabic Supplement, Extended-A and -B blocks; presentation
# forms become these under NFKC): Arabic, Persian, Kurdish, Urdu, Pashto, Sindhi, Jawi ... letters.
_ARABIC_LETTER_RANGES: Final = (
    (0x0620, 0x063F), (0x0641, 0x064A), (0x066E, 0x066F), (0x0671, 0x06D3), (0x06D5, 0x06D5),
    (0x06EE, 0x06EF), (0x06FA, 0x06FC), (0x06FF, 0x06FF), (0x0750, 0x077F), (0x0870, 0x0887),
    (0x0889, 0x088E), (0x08A0, 0x08C8),
)  # fmt: skip
_ARABIC_LETTERS: Final = "".join(f"{chr(first)}-{chr(last)}" for first, last in _ARABIC_LETTER_RANGES)
_ARABIC_LETTER: Final = re.compile(f"[{_ARABIC_LETTERS}]")
# ... and in text not yet normalised, their presentation forms (not those of harakat or shadda)
_ARABIC_TEXT_LETTER: Final = re.compile(
    f"[{_ARABIC_LETTERS}\ufb50-\ufbb1\ufbd3-\ufc5d\ufc64-\ufd3d\ufd50-\ufd8f\ufd92-\ufdc7\ufdf0-\ufdfb"
    "\ufe80-\ufefc]"
)
_LATIN_LETTER: Final = re.compile("[A-Za-z\u00c0-\u024f]")

_DIGITS: Final = {chr(0x0660 + d): str(d) for d in range(10)} | {chr(0x06F0 + d): str(d) for d in range(10)}
# Persian, Kurdish and Urdu forms of Arabic letters: the same letter drawn another way.
_LETTER_FORMS: Final = {
    "ک": "ك",  # keheh (Persian kaf)
    "ڪ": "ك",  # swash kaf
    "ی": "ي",  # Farsi yeh
    "ھ": "ه",  # heh doachashmee
    "ہ": "ه",  # heh goal
    "ۀ": "ه",  # heh with yeh above
    "ڕ": "ر",  # Kurdish heavy r
    "ڵ": "ل",  # Kurdish heavy l
}
# Letter forms that vary in names without changing the name: a key sees one form of each.
_ARABIC_FOLD: Final = str.maketrans(
    {
        "أ": "ا",  # alef with hamza above
        "إ": "ا",  # alef with hamza below
        "آ": "ا",  # alef with madda
        "ٱ": "ا",  # alef wasla
        "ؤ": "و",  # hamza on waw
        "ئ": "ي",  # hamza on ya: Syrian lists write رائد and رايد for one name
        "ى": "ي",  # alef maqsura: Egyptian and many Syrian hands write مصطفي
        "ة": "ه",  # ta marbuta: written ه as often as ة at the end of names
        "ۃ": "ه",  # Urdu ta marbuta
        **_LETTER_FORMS,
        "،": ",",
        "؛": ";",
        "؟": "?",
        "\u00a0": " ",
        **_DIGITS,
    }
)


def normalise_arabic(text: str) -> str:
    """Arabic text with one form per letter, for comparison; Latin letters pass through unchanged.

    Rules: Unicode NFKC (presentation forms and ligatures to base letters); diacritics (harakat,
    tanwin, shadda, sukun, superscript alef, Quranic marks) and tatweel removed; أ إ آ ٱ -> ا;
    ؤ -> و; ئ -> ي; ى -> ي; ة ۃ -> ه; Persian, Kurdish and Urdu forms of Arabic letters (ک ڪ ی ھ ہ ۀ
    ڕ ڵ) -> the Arabic ones (letters of their own, such as پ چ ژ گ ڤ ۆ ێ ە, are kept);
    Arabic-Indic and Persian digits -> 0-9; format characters (ZWNJ, ZWJ, RLM, LRM, ALM and every
    other zero-width or bidi control) removed; whitespace collapsed. A lone hamza ء is kept: it is a
    letter, not a seat. Normalised text is its own normal form.

    >>> normalise_arabic("أَحْمَد  مُصْطَفَى ١٢") == "احمد مصطفي 12"
    True
    >>> normalise_arabic("کریم\u200c ڕەش") == "كريم رەش"
    True
    """
    text = _clean_script(text)
    return text.translate(_ARABIC_FOLD)


def _clean_script(text: str) -> str:
    """NFKC, without Arabic marks, tatweel and format characters, whitespace collapsed."""
    text = _UNWRITTEN.sub("", unicodedata.normalize("NFKC", _HARAKAT_FORMS.sub("", text)))
    if not unicodedata.is_normalized("NFC", text):  # a removed mark kept a letter and an accent apart
        text = unicodedata.normalize("NFC", text)
    return _SPACES.sub(" ", text).strip()


def is_arabic(text: str) -> bool:
    """True when `text` has Arabic letters and at least as many of them as Latin letters.

    Arabic letters are those of Arabic script (Persian, Kurdish, Urdu ... included) and their
    presentation forms; tatweel and marks are not letters.

    >>> is_arabic("مجهول الهوية 3"), is_arabic("Ayham al-Hariri"), is_arabic("123"), is_arabic("ﻣﺤﻤﺪ")
    (True, False, False, True)
    """
    if not _ARABIC_TEXT_LETTER.search(text):
        return False
    if not _LATIN_LETTER.search(text):
        return True
    return len(_ARABIC_TEXT_LETTER.findall(text)) >= len(_LATIN_LETTER.findall(text))


# Consonants as Syrian lists spell them, and those of Persian, Kurdish, Urdu and Maghrebi writing
# (پ p, چ ch, ژ zh, گ g, ڤ v, ٹ t, ڈ d, ڑ r, ں n ...). ع and ء are not here: Latin writers hear them
# as a vowel onset or nothing, and write a / e / o / ' or nothing.
_CONSONANTS: Final[dict[str, str]] = {
    "ب": "b", "ت": "t", "ث": "th", "ج": "j", "ح": "h", "خ": "kh", "د": "d", "ذ": "dh", "ر": "r",
    "ز": "z", "س": "s", "ش": "sh", "ص": "s", "ض": "d", "ط": "t", "ظ": "z", "غ": "gh", "ف": "f",
    "ق": "q", "ك": "k", "ل": "l", "م": "m", "ن": "n", "ه": "h", "پ": "p", "چ": "ch", "ڤ": "v",
    "گ": "g", "ژ": "zh", "ڥ": "v", "ۋ": "v", "ڨ": "g", "ݣ": "g", "ڭ": "ng", "ڱ": "ng", "ڳ": "g",
    "ٹ": "t", "ٺ": "th", "ٿ": "th", "ڈ": "d", "ڌ": "dh", "ڍ": "d", "ڎ": "d", "ڑ": "r", "ں": "n",
    "ڻ": "n", "ٻ": "b", "ڀ": "bh", "ڄ": "j", "ڃ": "ny", "ڇ": "ch", "ڦ": "ph",
}  # fmt: skip
# Vowel letters of Kurdish (ۆ o, ێ e, ە a: Sorani writes every vowel), Urdu, Pashto and Uyghur.
_VOWEL_LETTERS: Final[dict[str, str]] = {
    "ۆ": "o", "ۅ": "o", "ۇ": "u", "ۈ": "u", "ۉ": "u", "ێ": "e", "ې": "e", "ے": "e", "ۓ": "e", "ە": "a",
}  # fmt: skip
_SHORT_VOWEL_LETTER: Final = "ە"
# و and ي are consonants before a long vowel or ta marbuta (درويش darwish, عطية atiya, کاوە kawa)
_BEFORE_GLIDE: Final = frozenset("اأإويىةه") | frozenset(_VOWEL_LETTERS)
# Kurdish writes a word-initial vowel on ئ (ئەحمەد ahmad, ئیبراهیم ibrahim, ئوسمان usman): the
# vowel as the letters below read it at the start of a word. Arabic starts no word with ئ.
_SEATED_VOWELS: Final = {"ئا": "ا", "ئە": "ا", "ئي": "إ", "ئو": "ۇ"} | {"ئ" + v: v for v in _VOWEL_LETTERS}
_SHORT_VOWEL: Final = "a"
_ROMAN_VOWELS: Final = frozenset("aeiou")  # written Arabic omits short vowels; fatha is the commonest guess
# Letters `_letter_sound` writes, and letter forms the romanising fold turns into those.
_SOUNDED: Final = frozenset(_CONSONANTS) | frozenset(_VOWEL_LETTERS) | frozenset("اأإعوؤيئةىء")
_ROMAN_FORMS: Final = {"ٱ": "ا", "آ": "ا", "ۃ": "ة", **_LETTER_FORMS}


def _named_base(ch: str) -> str:
    """The letter with a sound that the Arabic-script letter `ch` is drawn from, by its Unicode name
    (REH WITH RING -> ر, DOTLESS BEH -> ب, AFRICAN NOON -> ن, HIGH HAMZA -> ء); "" when none."""
    words = unicodedata.name(ch, "").removeprefix("ARABIC LETTER ").split(" WITH ")[0].split()
    for start in range(len(words)):
        try:
            base = unicodedata.lookup("ARABIC LETTER " + " ".join(words[start:]))
        except KeyError:
            continue
        base = _ROMAN_FORMS.get(base, base)
        if base in _SOUNDED and base != ch:
            return base
    return ""


# The lighter fold `romanise` uses: ة, ى and hamza seats still tell it which vowel to write. Every
# other Arabic-script letter becomes the letter it is drawn from, or is dropped (`_named_base`), so
# that romanised text holds no Arabic letter.
_ROMAN_FOLD: Final = str.maketrans(
    {
        **{
            ch: _named_base(ch)
            for first, last in _ARABIC_LETTER_RANGES
            for ch in map(chr, range(first, last + 1))
            if ch not in _SOUNDED
        },
        **_ROMAN_FORMS,
        "\u00a0": " ",
        **_DIGITS,
    }
)

# Common given names and name words whose short vowels no rule can guess, in `normalise_arabic`
# form, with the spelling a Syrian list would use. Invented for this table from general knowledge;
# `latin_key` folds the remaining spelling differences.
COMMON_NAMES: Final[dict[str, str]] = {
    "محمد": "muhammad", "احمد": "ahmad", "محمود": "mahmud", "مصطفي": "mustafa", "علي": "ali",
    "عمر": "umar", "عمرو": "amr", "عثمان": "uthman", "حسن": "hasan", "حسين": "husayn",
    "خالد": "khaled", "ابراهيم": "ibrahim", "يوسف": "yusuf", "يحيي": "yahya", "موسي": "musa",
    "عيسي": "isa", "سليمان": "sulayman", "اسماعيل": "ismail", "يعقوب": "yaqub", "اسحاق": "ishaq",
    "ايوب": "ayyub", "يونس": "yunus", "هشام": "hisham", "اسامه": "usama", "انس": "anas",
    "بلال": "bilal", "حمزه": "hamza", "طه": "taha", "ياسين": "yasin", "ياسر": "yaser",
    "عمار": "ammar", "عامر": "amer", "سامر": "samer", "سمير": "samir", "ماهر": "maher",
    "وايل": "wael", "وليد": "walid", "مروان": "marwan", "عدنان": "adnan", "فادي": "fadi",
    "رامي": "rami", "هاني": "hani", "سامي": "sami", "نبيل": "nabil", "جمال": "jamal",
    "كمال": "kamal", "عماد": "imad", "اياد": "iyad", "زياد": "ziyad", "فراس": "firas",
    "بشار": "bashshar", "بشير": "bashir", "نزار": "nizar", "غسان": "ghassan", "حسام": "husam",
    "عصام": "isam", "هيثم": "haytham", "ايمن": "ayman", "ايهم": "ayham", "مومن": "mumin",
    "معاذ": "muadh", "مالك": "malek", "صالح": "saleh", "فيصل": "faysal", "منصور": "mansur",
    "ناصر": "naser", "جاسم": "jasem", "قاسم": "qasem", "فاطمه": "fatima", "عايشه": "aisha",
    "خديجه": "khadija", "مريم": "maryam", "زينب": "zaynab", "نور": "nur", "هدي": "huda",
    "سلمي": "salma", "ليلي": "layla", "رقيه": "ruqayya", "سعاد": "suad", "مني": "muna",
    "سعيد": "said", "سعد": "saad", "رياض": "riyad", "فايز": "fayez", "فواز": "fawwaz",
    "فارس": "fares", "مهند": "muhannad", "محسن": "muhsin", "ماجد": "majed", "رايد": "raed",
    "ثاير": "thaer", "حازم": "hazem", "حاتم": "hatem", "حامد": "hamed", "حميد": "hamid",
    "رضوان": "ridwan", "رمضان": "ramadan", "شعبان": "shaban", "خليل": "khalil", "خلف": "khalaf",
    "عواد": "awwad", "عبود": "abbud", "عبده": "abdu", "جهاد": "jihad", "نضال": "nidal",
    "انور": "anwar", "اكرم": "akram", "باسل": "basel", "باسم": "basem", "بسام": "bassam",
    "توفيق": "tawfiq", "جميل": "jamil", "حيدر": "haydar", "خضر": "khidr", "رشيد": "rashid",
    "زكريا": "zakariya", "سلطان": "sultan", "سلمان": "salman", "شريف": "sharif", "صلاح": "salah",
    "طارق": "tareq", "عادل": "adel", "عزيز": "aziz", "علاء": "alaa", "عوض": "awad", "غازي": "ghazi",
    "فواد": "fuad", "فتحي": "fathi", "قصي": "qusay", "لوي": "luay", "مازن": "mazen",
    "مراد": "murad", "مصعب": "musab", "معتز": "mutazz", "منذر": "mundhir", "مهدي": "mahdi",
    "ناجي": "naji", "نادر": "nader", "نعيم": "naim", "هادي": "hadi", "هاشم": "hashem",
    "وسيم": "wasim", "يزن": "yazan", "عبد": "abd", "ابو": "abu", "ابن": "ibn", "بن": "bin",
    "بنت": "bint", "ال": "al", "اله": "ilah", "الله": "allah", "حاج": "haj",
    # names that open with ال not as the article, and long vowels a rule reads as a glide
    "الاء": "alaa", "الهام": "ilham", "الياس": "ilyas", "الفت": "ulfat", "حياه": "hayat",
    "بيان": "bayan", "ضياء": "diyaa", "هيا": "haya", "لمياء": "lamya", "دعاء": "duaa",
}  # fmt: skip


def romanise(text: str) -> str:
    """Arabic-script name -> lower-case Latin designed for matching against Latin transliterations.

    Not a scholarly transliteration: it aims at the spelling a Syrian list would most likely use.
    Per word: a word in `COMMON_NAMES` takes its spelling from there; the article ال is written
    "al-" (sun-letter assimilation is not written: Syrian lists write al-Rahman, and `latin_key`
    folds ar-/ad-/as- ... into al- anyway); عبدال / ابوال are split "abd al-" / "abu al-";
    consonants map one-to-one (ث th, خ kh, ذ dh, ش sh, غ gh, ق q, ص s, ض d, ط t, ظ z); ع is a vowel
    onset "a" and ء is dropped (before a letter it is an "i" seat); ا is "a", word-initial إ "i";
    و / ي are consonants w / y at the start of a word or before ا, else long vowels u / i; ة and
    ى are "a", as is a word-final ه in words of four or more letters (ta marbuta written ه).
    Short vowels are guessed: an "a" goes after any consonant that would otherwise start a
    syllable with two consonants (Arabic syllables are CV, CVV or CVC). Persian, Kurdish and Urdu
    letters are written by their sounds (پ p, چ ch, ژ zh, گ g, ڤ v; Kurdish vowels ۆ o, ێ e, ە a,
    and a word-initial vowel's seat ئ silent); forms of Arabic letters as those (ک ك, ی ي, ڕ ر,
    ڵ ل), any other letter of Arabic script as the letter its Unicode name says it is drawn from
    (ڒ "reh with small v" as ر), or not at all: the result holds no Arabic letter. Latin words
    pass through lower-cased; diacritics, tatweel and format characters are ignored.

    >>> romanise("محمد عبد الرحمن الحريري")
    'muhammad abd al-rahman al-hariri'
    >>> romanise("ئەحمەد هۆشیار پژمان")
    'ahmad hoshiyar pazhman'
    """
    words = _clean_script(text).translate(_ROMAN_FOLD).split(" ")
    return " ".join(latin for w in words if w and (latin := _romanise_word(w)))  # a lone ء is no word


@lru_cache(maxsize=200_000)
def _romanise_word(word: str) -> str:
    if not _ARABIC_LETTER.search(word):
        return unicodedata.normalize("NFC", word.lower())  # lower() may part a letter and its accent
    common = COMMON_NAMES.get(word.translate(_ARABIC_FOLD))
    if common:
        return common
    if seated := _SEATED_VOWELS.get(word[:2]):
        word = seated + word[2:]
    for prefix, latin in (("عبدال", "abd al-"), ("ابوال", "abu al-"), ("أبوال", "abu al-")):
        if word.startswith(prefix) and len(word) > len(prefix) + 1:
            return latin + _romanise_letters(word[len(prefix) :])
    if word.startswith("ال") and len(word) > 3:
        return "al-" + _romanise_word(word[2:])
    return _romanise_letters(word)


def _romanise_letters(word: str) -> str:
    """Letters to Latin, with a short vowel after each consonant that opens a syllable.

    A consonant right after a short vowel may close that syllable; any other consonant (at the
    start of the word, after a consonant, after a long vowel) opens one, and a vowel is written
    after it when the next letter is a consonant too.
    """
    out: list[str] = []
    last = len(word) - 1
    prev_opens = False
    after_short = False
    for i, ch in enumerate(word):
        sound, consonant, short = _letter_sound(ch, i, word[i + 1] if i < last else "", last)
        if sound == "y" and out and out[-1] not in _ROMAN_VOWELS:
            sound, prev_opens = "iy", False  # a doubled ya after a consonant: عطية atiyya, سورية suriya
        if consonant and prev_opens:
            out.append(_SHORT_VOWEL)
            after_short = True
        if consonant:
            prev_opens, after_short = not after_short, False
        else:
            prev_opens, after_short = False, short
        out.append(sound)
    return "".join(out)


def _letter_sound(ch: str, i: int, nxt: str, last: int) -> tuple[str, bool, bool]:
    """Latin spelling of one letter in context; is it a consonant; is it a short vowel."""
    if ch in _CONSONANTS:
        if ch == "ه" and i == last and i >= 3:
            return "a", False, False
        return _CONSONANTS[ch], True, False
    if ch in "اأع":
        return "a", False, i == 0
    if ch == "إ":
        return "i", False, True
    if ch in "وؤ":
        consonant = ch == "و" and (i == 0 or nxt in _BEFORE_GLIDE)
        return ("w", True, False) if consonant else ("u", False, False)
    if ch in "يئ":
        consonant = ch == "ي" and (i == 0 or nxt in _BEFORE_GLIDE)
        return ("y", True, False) if consonant else ("i", False, False)
    if ch in "ةى":
        return "a", False, False
    if ch == "ء":
        return ("i", False, True) if i < last else ("", False, False)
    if ch in _VOWEL_LETTERS:
        return _VOWEL_LETTERS[ch], False, ch == _SHORT_VOWEL_LETTER
    # An Arabic letter is never written as itself: `latin_key` would romanise it again, and again
    # (`_ROMAN_FOLD` leaves none); nor is a mark, which would sit on the Latin letter written for
    # the one it was on. Anything else (a digit, a Latin letter) is written as it is.
    if _ARABIC_LETTER.match(ch) or unicodedata.combining(ch):
        return "", False, False
    return ch.lower(), False, False


# ---------------------------------------------------------------------------------------------------
# Latin transliterations
# ---------------------------------------------------------------------------------------------------

_LATIN_FOLD: Final = str.maketrans(
    {
        "ı": "i",
        "ø": "o",
        "ł": "l",
        "đ": "d",
        "ð": "d",
        "ß": "ss",
        "æ": "ae",
        "œ": "oe",
        "þ": "th",
        "ş": "sh",  # Turkish ş is sh (Şarif), ç ch (Çelebi); text is case-folded first
        "ç": "ch",
    }
)
_APOSTROPHES: Final = re.compile("['’‘`´ʿʾʻʼʹ\"]")
# An article written with a hyphen, sun-letter assimilation included: al- el- ul- ar- as- ash- ...
_HYPHEN_ARTICLE: Final = re.compile(r"\b[aeiu](?:l|sh|th|dh|[rstdzn])-")
_NOT_LETTERS: Final = re.compile(f"[^a-z{_ARABIC_LETTERS}]+")

# Name words by role, written as `_fold_word` leaves them (Latin and Arabic script).
_ARTICLES: Final = frozenset({"al", "el", "aal", "ال", "آل"})
_ABD: Final = frozenset({"abd", "abdul", "abdel", "abdal", "abdol", "abdil", "abdulal", "abdelal", "عبد"})
_ABU: Final = frozenset({"abu", "abou", "abo", "ابو"})
_BIN: Final = frozenset({"bin", "ibn", "ben", "bint", "bent", "ابن", "بن", "بنت"})
_HAJ: Final = frozenset({"haj", "hajj", "hadj", "hajji", "alhaj", "alhajj", "elhaj", "حاج", "الحاج"})
_DIN: Final = frozenset(
    {"din", "deen", "dine", "eddin", "eddine", "edin", "edine", "uddin", "addin", "aldin", "aldeen", "eldin"}
    | {"eldeen", "uldin", "ulddin", "iddin", "الدين"}
)
_ALLAH: Final = frozenset({"allah", "alla", "ullah", "ulla", "ollah", "illah", "الله"})
_KHAIR: Final = frozenset({"khair", "kheir", "khayr", "khir", "kher", "خير"})

# Given names as other transliteration traditions write them, where no letter rule of an English-style
# reading reaches (Russian and Caucasian g / kh for h, Turkish c for j and final t / p, French and West
# African ou / dj and -ou / -a endings, Chadian Mahamat, Central Asian -o / -on); written for this
# table from the published conventions (BGN/PCGN for Russian, Turkish orthography) and common usage.
# Each variant keys as the English-style spelling it stands for; variants the letter rules already
# bring together (Ahmet, Moussa, Djamal, Suleyman ...) are not listed (tests/link/test_name_classes.py
# checks both kinds).
_STYLE_VARIANTS: Final[dict[str, tuple[str, ...]]] = {
    "muhammad": ("mahamat", "mahamad", "magomed", "magomet", "mukhammad", "mukhammed", "mukhamed",
                 "muhammet", "mehmet", "mehmed", "mamadou", "mouhamadou", "muhammadu", "mohamadou",
                 "mohamat", "mahomed"),
    "ahmad": ("akhmad", "akhmat", "ahmat", "ahmadu", "achmed"),
    "mahmud": ("makhmud", "mahmut", "mahamoud", "mahmadou"),
    "mustafa": ("mustafo",),
    "yusuf": ("yusup", "yssouf", "yusif", "jusuf", "iusuf"),
    "ibrahim": ("ibragim", "ibrahima", "ibrohim", "brahim", "ibraghim"),
    "ismail": ("ismayil", "smail"),
    "hasan": ("gasan", "khasan", "hassane"),
    "husayn": ("gusein", "guseyn", "khusein"),
    "husam": ("gusam", "khusam", "husamettin"),
    "khalid": ("halit", "khalit", "halid"),
    "uthman": ("usman", "ousmane", "osmane", "usmon", "othmane"),
    "umar": ("umarou",),
    "abdullah": ("abdoulaye", "abdullo", "abdulloh", "abdula"),
    "abu bakr": ("abakar", "abubakar", "boubacar", "ebubekir", "abubakir"),
    "adam": ("adoum",),
    "idris": ("driss",),
    "harun": ("garun",),
    "hamza": ("khamza", "gamzat", "hamzat"),
    "hamid": ("hamit", "khamid", "gamid"),
    "rashid": ("rashit", "resit"),
    "rajab": ("recep", "redzhep", "rejep"),
    "jafar": ("cafer",),
    "jamal": ("cemal", "gamal"),
    "jamil": ("cemil",),
    "jalal": ("celal",),
    "juma": ("cuma",),
    "jihad": ("cihad",),
    "jabir": ("cabir", "djaber"),
    "ramadan": ("ramazan", "ramdane"),
    "nasir": ("nasser",),
    "sayyid": ("seyit", "seyyid"),
    "salih": ("salikh",),
    "yaqub": ("yakup", "yoqub"),
    "ayyub": ("eyup", "eyyub"),
    "ruqayya": ("rukiye", "rokia"),
    "hajji": ("haci",),
    "fatima": ("fatoumata", "fatimat", "fotima", "fadime", "fatma", "patimat"),
    "aisha": ("ayse", "aissatou", "aishat", "achta"),
    "khadija": ("hatice", "khadizhat", "hadiza", "hadidja"),
    "maryam": ("mariama", "myriam"),
    "amina": ("emine", "aminata"),
    "zaynab": ("zeynep",),
}  # fmt: skip
# Whole-word spellings no letter rule reaches: abbreviations and irregular forms of Muhammad, and the
# other traditions' spellings above.
_ALIASES: Final[dict[str, str]] = {
    "mhd": "muhammad", "mohd": "muhammad", "muhd": "muhammad", "mhmd": "muhammad", "mohmd": "muhammad",
    "mouhamad": "muhammad", "mouhammad": "muhammad", "mouahmmed": "muhammad", "mohammd": "muhammad",
} | {v: name.replace(" ", "") for name, variants in _STYLE_VARIANTS.items() for v in variants}  # fmt: skip

_ABD_ATTACHED: Final = re.compile(r"abd(?:[aeiou]{1,2}l?)?([a-z]{3,})")
_ABU_ATTACHED: Final = re.compile(r"ab[ou]u?([^aeiouwy][a-z]{2,})")
_DIN_ATTACHED: Final = re.compile(r"([a-z]{2,}?)(?:[aeiu][ld])?d(?:i|ee|ie|y)ne?")  # Nur-ed-din, Sala-din
_ALLAH_ATTACHED: Final = re.compile(r"([a-z]{2,}?)[aeiou]ll[ae]h?")
_ARTICLE_ATTACHED: Final = re.compile(r"[ae]l([^aeiouwyl][a-z]{3,})")

# Consonant spellings folded to one letter: "$" stands for sh, "x" for kh.
_DIGRAPHS: Final[dict[str, str]] = {
    "sch": "$", "tch": "$", "tsh": "$", "sh": "$", "ch": "$", "kh": "x", "gh": "k", "g": "k",
    "th": "t", "dh": "d", "ph": "f", "ck": "k", "q": "k", "ce": "se", "ci": "si", "cy": "sy",
    "c": "k", "dzh": "j", "dj": "j", "zh": "j", "v": "w", "x": "ks",
}  # fmt: skip
_DIGRAPH_RE: Final = re.compile("|".join(sorted(_DIGRAPHS, key=len, reverse=True)))
_FINAL_H: Final = re.compile(r"(?<=[aeiou])h$")
_DOUBLE: Final = re.compile(r"(.)\1+")
_GLIDE_OU: Final = re.compile(r"ou(?=[aei])")  # Aouad = Awad, Ouali = Wali
_GLIDE_I: Final = re.compile(r"(?<=[aou])i(?=[aou])")  # Muaiad = Muayad
_SEMIVOWEL_Y: Final = re.compile(r"(?<=[ie])y(?=[aeiou])")  # Ziyad = Ziad
_VOWEL_Y: Final = re.compile(r"y(?![aeiou])")  # Husayn = Husain
_VOWEL_W: Final = re.compile(r"(?<=[aeiou])w(?![aeiou])")  # Tawfiq = Toufic
_VOWEL_RUN: Final = re.compile(r"[aeiou]+")
_SPELL_OUT: Final = str.maketrans({"$": "sh", "x": "kh"})  # a key reads as a spelling, and keys it


def latin_key(text: str) -> str:
    """Canonical skeleton of a name in Latin script, so that spelling variants of one name meet.

    Words: accents folded, apostrophes (ʿayn, hamza) dropped, hyphens split words; an Arabic-script
    word inside is romanised. Compounds become one word, written joined or apart: Abd / Abdul /
    Abdel + X -> "abd"+X; Abu / Abou / Abo + X -> "abu"+X; bin / ibn / ben + X -> "bin"+X; X +
    al-Din / Eddin / uddin -> X+"din"; X + Allah / ullah -> X+"la"; Muhammad + Khair. The article is
    dropped: al-, el-, Al, assimilated ar- / as- / ash- / ad- / an- ..., and "al" / "el" glued to a
    word of four more letters not starting with a vowel, w, y or l (Alhariri, not Alwan, Allawi).
    Mhd / Mohd and a few irregular spellings of Muhammad are expanded. Letters: sh / ch / sch -> sh;
    q, k, ck, c, g, gh -> k (c before e / i / y -> s); th -> t; dh -> d; ph -> f; dj / zh -> j;
    v -> w; doubled letters single; ou before a vowel -> w, i between vowels -> y; y and w after a
    vowel and not before one are vowels; each run of vowels becomes one letter (alone: a, e -> a;
    i -> i; o, u -> u; several: holding i -> i, else holding o or u -> u, else holding e -> i,
    else a); a word-initial e is i (Emad = Imad); a word-final h after a vowel is dropped
    (Fatimah = Fatima). Words are joined by one space, in their order. A key is its own key:
    `latin_key(latin_key(x)) == latin_key(x)`.

    >>> latin_key("Mohammed Abdul Rahman al-Hariri")
    'muhamad abdrahman hariri'
    >>> latin_key("Muhammad Abd al-Rahman Hariri")
    'muhamad abdrahman hariri'
    """
    return _tokens_key(_latin_words(text))


def _tokens_key(tokens: list[str]) -> str:
    key = _latin_key_once(tokens)
    for _ in range(3):  # rarely a key regroups (Bin N -> "bin"): key it until it keys to itself
        again = _latin_key_once(key.split())
        if again == key:
            break
        key = again
    return key


def _latin_key_once(tokens: list[str]) -> str:
    """Unit keys of `tokens` joined by spaces; the grouping is `_units`' in one pass, for speed."""
    units: list[str] = []
    joined: list[bool] = []
    pending: list[str] = []  # keys of prefix words waiting for their word ("" for an article)
    previous = ""
    for word in tokens:
        key = _word_key(word)
        kind = _kind(word, key, previous, haj_joins=False)
        if kind == "suffix" and units and not any(pending):
            units[-1] += key
            joined[-1] = True
        elif kind == "prefix":
            pending.append(key)
            previous = key
            continue
        else:
            units.append("".join(pending) + key)
            joined.append(len(pending) > 0)
        pending = []
        previous = key
    if pending:
        units.append("".join(pending))
        joined.append(len(pending) > 1)
    # a unit's joined keys are keyed again, so that a key is its own key
    return " ".join(k for k in (_word_key(u) if j else u for u, j in zip(units, joined, strict=True)) if k)


def _latin_words(text: str) -> list[str]:
    """Lower-case a-z words (Arabic letters kept), accents folded, apostrophes and hyphens gone;
    Arabic marks, tatweel and format characters (ZWNJ, RLM ...) neither kept nor splitting a word."""
    folded = text.casefold()
    if not folded.isascii():
        folded = unicodedata.normalize("NFKD", _clean_script(folded).translate(_LATIN_FOLD))
        folded = "".join(c for c in folded if not unicodedata.combining(c))
    folded = _HYPHEN_ARTICLE.sub("al ", _APOSTROPHES.sub("", folded))
    return _NOT_LETTERS.sub(" ", folded).split()


def _units(words: Sequence[str], *, haj_joins: bool) -> list[list[int]]:
    """Indexes of `words` grouped into name units: article + word, Abd / Abu / bin (/ Haj) + word,
    word + al-Din / Allah, Muhammad + Khair. `words` are as `_fold_word` leaves them."""
    units: list[list[int]] = []
    pending: list[int] = []
    previous = ""
    for i, word in enumerate(words):
        key = _word_key(word)
        kind = _kind(word, key, previous, haj_joins=haj_joins)
        previous = key
        if kind == "suffix" and units and all(_word_key(words[j]) == "" for j in pending):
            units[-1].extend([*pending, i])
            pending = []
            continue
        pending.append(i)
        if kind != "prefix":
            units.append(pending)
            pending = []
    if pending:
        units.append(pending)
    return units


def _kind(word: str, key: str, previous_key: str, *, haj_joins: bool) -> str:
    """prefix, suffix or word, judged by the word's key so that a key regroups as its name did."""
    if key in _PREFIX_KEYS or (haj_joins and word in _HAJ):
        return "prefix"
    if key in _SUFFIX_KEYS or (previous_key == "muhamad" and word in _KHAIR):
        return "suffix"
    return "word"


_PREFIX_KEYS: Final = frozenset({"", "abd", "abu", "bin"})
_SUFFIX_KEYS: Final = frozenset({"din", "la"})


@lru_cache(maxsize=200_000)
def _word_key(word: str) -> str:
    """Key of one folded word, applied until it no longer changes (so keys are their own keys:
    one pass can create a pattern, e.g. a digraph out of a collapsed double letter)."""
    key = _word_key_once(word)
    for _ in range(4):
        again = _word_key_once(key)
        if again == key:
            break
        key = again
    return key


def _word_key_once(word: str) -> str:
    """Prefixes and suffixes get fixed keys, Arabic script is romanised, other words spelled out."""
    if word in _ARTICLES:
        return ""
    if word in _ABD:
        return "abd"
    if word in _ABU:
        return "abu"
    if word in _BIN:
        return "bin"
    if word in _DIN:
        return "din"
    if word in _ALLAH:
        return "la"
    if _ARABIC_LETTER.search(word):
        return latin_key(romanise(word))
    word = _ALIASES.get(word, word)
    return _compound_key(word) or _letters_key(word)


def _compound_key(word: str) -> str | None:
    """Key of a word written with its compound glued (Abdulrahman, Nureddin, Fathallah), or None."""
    if m := _ABD_ATTACHED.fullmatch(word):
        return "abd" + _word_key(m.group(1))
    if m := _ABU_ATTACHED.fullmatch(word):
        return "abu" + _word_key(m.group(1))
    if (m := _DIN_ATTACHED.fullmatch(word)) and m.group(1) not in _ARTICLES:
        return _letters_key(m.group(1)) + "din"
    if m := _ALLAH_ATTACHED.fullmatch(word):
        return _letters_key(m.group(1)) + "la"
    if m := _ARTICLE_ATTACHED.fullmatch(word):
        return _word_key(m.group(1))
    return None


_INITIAL_X: Final = re.compile(r"^x(?=[aeiou])")  # Uzbek and Tajik Latin x is kh: Xolid, Xadicha


def _letters_key(word: str) -> str:
    word = _DIGRAPH_RE.sub(lambda m: _DIGRAPHS[m.group()], _INITIAL_X.sub("kh", word))
    if word.startswith("e"):
        word = "i" + word[1:]
    word = _DOUBLE.sub(r"\1", word)
    word = _GLIDE_I.sub("y", _GLIDE_OU.sub("w", word))
    word = _VOWEL_W.sub("u", _VOWEL_Y.sub("i", _SEMIVOWEL_Y.sub("", word)))
    word = _FINAL_H.sub("", _VOWEL_RUN.sub(_vowel_class, word))
    return _DOUBLE.sub(r"\1", word).translate(_SPELL_OUT)


def _vowel_class(match: re.Match[str]) -> str:
    run = match.group()
    if len(run) == 1:
        return _SINGLE_VOWEL[run]
    if "i" in run:
        return "i"
    if "o" in run or "u" in run:
        return "u"
    return "i" if "e" in run else "a"


_SINGLE_VOWEL: Final = {"a": "a", "e": "a", "i": "i", "o": "u", "u": "u"}


def name_key(text: str) -> str:
    """`latin_key` of a name in either script: Arabic-script text is romanised first.

    >>> name_key("محمد عبد الرحمن الحريري") == name_key("Mohamad Abdulrahman Hariri")
    True
    """
    if not is_arabic(text):
        return latin_key(text)
    words = _clean_script(text).translate(_ROMAN_FOLD).split(" ")
    return _tokens_key([token for word in words if word for token in _romanised_words(word)])


@lru_cache(maxsize=200_000)
def _romanised_words(word: str) -> tuple[str, ...]:
    return tuple(_latin_words(_romanise_word(word)))


# ---------------------------------------------------------------------------------------------------
# Parts of a full name
# ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NameParts:
    """A full name split into parts, each as written (script and spelling kept).

    `relation` is set when the record names a relative instead of the person ("Son of Ahmad
    al-Hariri" -> relation "son", relative "Ahmad al-Hariri", father "Ahmad", family "al-Hariri";
    "From al-Najjar family 3" -> relation "family", family "al-Najjar"). `number` is the counter
    such lists append ("Unidentified 3"). `other` holds the units between grandfather and family
    in names of five or more units.
    """

    given: str | None = None
    father: str | None = None
    grandfather: str | None = None
    family: str | None = None
    other: tuple[str, ...] = ()
    alias: str | None = None
    relation: str | None = None
    relative: str | None = None
    number: int | None = None
    unidentified: bool = False


_ALIAS_MARKS: Final = re.compile(r"\"\s*([^\"]*?)\s*(?:\"|$)|“\s*([^”]*?)\s*(?:”|$)|\(\s*([^)]*?)\s*(?:\)|$)")
_NUMBER: Final = re.compile(r"\d+")
_COUNTER_DIGITS: Final = 18  # a longer number is no list's counter (and int() refuses thousands of digits)
# Words that mark a person whose name the source did not know, as `_fold_word` leaves them.
_UNKNOWN_WORDS: Final = frozenset(
    {"unidentified", "unidentifed", "unidentefied", "unknown", "unnamed", "anonymous", "nn"}
    | {"مجهول", "مجهوله", "مجهولون"}
)
_UNKNOWN_PHRASES: Final = frozenset({"not identified", "no name", "name unknown", "غير معروف", "بدون اسم"})
_RELATIONS: Final[dict[str, str]] = {
    "son": "son", "daughter": "daughter", "child": "child", "wife": "wife", "husband": "husband",
    "mother": "mother", "father": "father", "brother": "brother", "sister": "sister",
    "widow": "wife", "baby": "child", "infant": "child", "girl": "daughter", "boy": "son",
    "sons": "son", "daughters": "daughter", "children": "child", "kids": "child", "kid": "child",
}  # fmt: skip
# "Ahmad al-Hariri's wife": the relation written after the relative (`_fold_word` drops the apostrophe).
_POSSESSIVE: Final = re.compile(r"^(.+?)['’]s\s+(\w+)$")
# Arabic relation words, as `normalise_arabic` leaves them: "زوجة محمد" (wife of Muhammad) needs no "of".
_ARABIC_RELATIONS: Final[dict[str, str]] = {
    "زوجه": "wife", "زوج": "husband", "ارمله": "wife", "ابن": "son", "ولد": "son", "نجل": "son",
    "ابنه": "daughter", "بنت": "daughter", "كريمه": "daughter", "طفل": "child", "طفله": "child",
    "رضيع": "child", "رضيعه": "child", "ام": "mother", "والده": "mother", "اب": "father",
    "والد": "father", "اخ": "brother", "شقيق": "brother", "اخت": "sister", "شقيقه": "sister",
}  # fmt: skip
# A mother known by her son's name (Umm Ahmad, أم أحمد), as `_fold_word` leaves the first word.
_UMM: Final = frozenset({"umm", "um", "om", "omm", "oum", "oumm", "im", "ام"})
# Words between a relation and the relative's name: "of", "of the", "from the", من (from), عائلة
# (family), آل (the house of), and the family words that end "the X family".
_LINKING: Final = frozenset({"of", "the", "from", "من", "عايله", "اسره"})
_FAMILY_WORDS: Final = frozenset({"family", "عايله", "اسره"})
_FAMILY_OF: Final = re.compile(r"^(?:from\s+|of\s+the\s+|the\s+)?(.+?)\s+family$", re.IGNORECASE)


def parse_name(text: str) -> NameParts:
    """Split a full name into given, father, grandfather and family name.

    Syrian lists write "given father [grandfather] family" (Ayham Ahmad al-Hariri). Units are
    whitespace words with compounds kept together: Abd / Abdul / Abdel + X, Abu / Abo + X (kunya),
    bin / ibn / bint + X, Haj + X, an article written apart (Al Hariri), X + al-Din / Eddin / Allah,
    Muhammad + Khair. Units are assigned by position: 1 unit -> given (family when it starts with
    an article); 2 -> given, family; 3 -> given, father, family; 4 -> given, father, grandfather,
    family; 5+ -> the units between grandfather and family go to `other`. Text in quotes or
    brackets is a nickname (`alias`); digits are the list's counter (`number`). "Unidentified",
    "Unknown", مجهول (الهوية) ... give `unidentified=True` and no parts. "Son / Daughter / Wife ...
    of X" and "[From] X family" set `relation` and `relative` (see `NameParts`).

    >>> parts = parse_name("Mohammad Abd al-Rahman Abo Nabbout")
    >>> parts.given, parts.father, parts.grandfather, parts.family
    ('Mohammad', 'Abd al-Rahman', None, 'Abo Nabbout')
    """
    text = _clean_script(text)
    aliases = [next(g for g in m.groups() if g is not None) for m in _ALIAS_MARKS.finditer(text)]
    text = _ALIAS_MARKS.sub(" ", text)
    numbers = _NUMBER.findall(text)
    words = _NUMBER.sub(" ", text).strip(" -_,.;:/\\").split()
    folded = [_fold_word(w) for w in words]
    if _is_unknown(folded):
        parts = NameParts(unidentified=True)
    else:
        parts = _related(words, folded) or _by_position(words, folded)
    alias = " / ".join(a for a in aliases if a) or None
    number = int(numbers[0]) if numbers and len(numbers[0]) <= _COUNTER_DIGITS else None
    return replace(parts, alias=alias, number=number)


def _fold_word(word: str) -> str:
    """A word as the role tables spell it: lower case, no accents, apostrophes or hyphens."""
    if _ARABIC_LETTER.search(word):
        return normalise_arabic(word)
    return "".join(_latin_words(word.replace("-", "")))


def _is_unknown(folded: Sequence[str]) -> bool:
    if not folded:
        return True
    return folded[0] in _UNKNOWN_WORDS or " ".join(folded) in _UNKNOWN_PHRASES


def _related(words: list[str], folded: list[str]) -> NameParts | None:
    """Parts of a record that names a relative ("Son of X", "زوجة X", "Umm X", "X family"), else None."""
    if (m := _POSSESSIVE.match(" ".join(words))) and m.group(2).casefold() in _RELATIONS:
        words = [m.group(2), "of", *m.group(1).split()]
        folded = [_fold_word(w) for w in words]
    relation, start = _relation_word(folded)
    family_named = any(f in _FAMILY_WORDS for f in folded[start:]) if relation else False
    if relation is None and (m := _FAMILY_OF.match(" ".join(words))) is not None:
        relation, start, family_named = "family", 0, True
        words = m.group(1).split()
        folded = [_fold_word(w) for w in words]
    if relation is None:
        return None
    while start < len(words) - 1 and folded[start] in _LINKING:
        start += 1
    rest = [w for w, f in zip(words[start:], folded[start:], strict=True) if f not in _FAMILY_WORDS]
    if not rest:
        return None
    return _relative_parts(relation, rest, family_named)


def _relation_word(folded: list[str]) -> tuple[str | None, int]:
    """The relation a record opens with and where the relative's name starts, or (None, 0)."""
    first = folded[0]
    if len(folded) < 2:
        return None, 0
    if first in _UMM:
        return "mother", 1
    if first in _FAMILY_WORDS or (first == "من" and folded[1] in _FAMILY_WORDS):
        return (
            "family",
            1,
        )  # عائلة النجار, من عائلة النجار: the al-Najjar family  # Umm Ahmad: the mother of Ahmad
    if (relation := _ARABIC_RELATIONS.get(first)) is not None:
        return relation, 1
    if (relation := _RELATIONS.get(first)) is not None and folded[1] in _LINKING:
        return relation, 1
    if first in ("ibn", "bint") and len(folded) > 2:  # ibn Ahmad al-Hariri: a name's first word
        return ("son" if first == "ibn" else "daughter"), 1
    return None, 0


def _relative_parts(relation: str, rest: list[str], family_named: bool) -> NameParts:
    """Parts a relational record gives of its own person: a child carries its father's given name
    (as its father's name) and family name; "the X family" gives the family name only."""
    relative = " ".join(rest)
    if family_named or relation == "family":
        return NameParts(family=relative, relation=relation, relative=relative)
    of = _by_position(rest, [_fold_word(w) for w in rest])
    if relation in ("son", "daughter", "child"):
        return NameParts(father=of.given, grandfather=of.father, family=of.family, relation=relation,
                         relative=relative)  # fmt: skip
    return NameParts(relation=relation, relative=relative)  # a wife or mother need not share it


def _by_position(words: list[str], folded: list[str]) -> NameParts:
    units = [" ".join(words[i] for i in unit) for unit in _units(folded, haj_joins=True)]
    if len(units) == 1 and (folded[0] in _ARTICLES or _has_glued_article(folded[0])):
        return NameParts(family=units[0])
    middle = units[1:-1]
    return NameParts(
        given=units[0] if units else None,
        father=middle[0] if middle else None,
        grandfather=middle[1] if len(middle) > 1 else None,
        family=units[-1] if len(units) > 1 else None,
        other=tuple(middle[2:]),
    )


def _has_glued_article(word: str) -> bool:
    return word.startswith("ال") or (word.startswith("al") and _ARTICLE_ATTACHED.fullmatch(word) is not None)


_NOT_SKELETON: Final = re.compile("[aeiouwy ]")
# Consonants that transliterations of one Arabic letter swap: ج is j, g (Egyptian) or k after
# `latin_key`; ظ ض ذ د ت are d, z, dh, t (Ahmet, Dhaher / Zaher).
_CONSONANT_CLASS: Final = str.maketrans({"j": "k", "t": "d", "z": "d"})


def skeleton(key: str | None) -> str | None:
    """The consonant skeleton of a name key; None when nothing is left.

    Vowels, w, y and spaces are dropped and j / k, and d / t / z are folded: keys of one name
    written in two scripts often differ only there (romanised كردي is "kardi" where a Latin list
    writes Kurdi; داود "dud" against Dawood "dawud"; Jamal against Gamal, Ahmad against Ahmet).
    Before that, a glued article that `latin_key` keeps before a vowel ("alakhras" from ALAKHRAS)
    is dropped, and so are short words before the last one (a mistyped article: "La-Khalaf" keys as
    "la khalaf"). Distinct names of one root meet too (Muhammad and Mahmud are both "mhmd"), so a
    skeleton agreement is weaker evidence than a key agreement.

    >>> skeleton("kurdi"), skeleton("kardi"), skeleton("dawud"), skeleton("dud"), skeleton("ahmat")
    ('krd', 'krd', 'dd', 'dd', 'hmd')
    >>> skeleton("alakhras"), skeleton("la khalaf"), skeleton("abdrahman")
    ('khrs', 'khlf', 'bdrhmn')
    """
    if not key:
        return None
    words = key.split()
    while len(words) > 1 and len(words[0]) <= 3:
        words.pop(0)
    word = " ".join(words)
    if len(word) > 5 and word.startswith("al") and word[2] in "aiu":
        word = word[2:]
    return _NOT_SKELETON.sub("", word).translate(_CONSONANT_CLASS) or None
