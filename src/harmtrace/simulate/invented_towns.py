"""Invented towns and villages, so that a larger simulated conflict covers more places; and the
simulated point of every town, real or invented (`town_point`).

The default simulation (`reports.ReportsConfig`, 1,000 incidents) strikes the 97 towns of
`syrian_places.TOWNS` over four years. A simulation f times larger that kept those 97 towns would
strike each of them f times as often, up to several times a day: a conflict that size does not
strike Kafr Nabl three times a day, it reaches more villages. `towns_for(incidents)` therefore adds
invented towns until the total town weight is f times the default one, so that every town's strikes
per day, and the share of strikes sharing a day and a town with another, stay those of the default
size. The invented towns are villages and small towns: their weights cycle through the weights of
the default towns below city size (< 3), since a wider war reaches more villages, not more Aleppos.

Names follow the pattern of Syrian village names: a generic first word (Kafr, Tell, Deir, Ain,
Khirbet ...) and a second word with the article (al-Zaytoun, al-Hamra ...), sometimes a qualifier
(al-Kabir, al-Sharqi ...), each word with its Arabic form and two or three Latin spellings, so the
reports of one invented town are written as variously as those of a real one. Once the combinations
run out, names repeat: Syria has many villages of one name (several Tell Abyads, Ain Issas), which
only their governorate and point tell apart. Each invented town lies in the governorate of the
default town it takes its turn from (Damascus's turns go to Rural Damascus: the capital's own
districts are all listed already), at a fixed pseudo-random point within that governorate's rough
extent (`EXTENTS`, half-sizes in degrees, from general knowledge of the map, not survey data).

A real town's simulated point is not its real one either: a fixed pseudo-random point within about
25 km of its governorate's centre (`CENTRES`; 2 km for Damascus), which is all linkage needs.
"""

from __future__ import annotations

import hashlib
import itertools
from functools import lru_cache
from typing import Final

from harmtrace.simulate.syrian_places import TOWNS, Town

BASE_INCIDENTS: Final = 1000  # the default simulation's size, whose density of strikes is kept
CITY_WEIGHT: Final = 3.0

# first words: Arabic | Latin spellings (most common first)
_FIRST: Final = (
    ("كفر", ("Kafr", "Kfar", "Kafar")), ("تل", ("Tell", "Tal", "Tall")), ("دير", ("Deir", "Dayr", "Dair")),
    ("عين", ("Ain", "Ayn", "Ein")), ("خربة", ("Khirbet", "Khirbat", "Kherbet")), ("بيت", ("Beit", "Bayt")),
    ("ام", ("Umm", "Um", "Om")), ("معرة", ("Maarat", "Ma'arrat", "Maaret")), ("قصر", ("Qasr", "Kasr")),
    ("جسر", ("Jisr", "Jisser")), ("مرج", ("Marj", "Merj")), ("بير", ("Bir", "Beer")),
    ("حوش", ("Housh", "Hawsh", "Hosh")), ("راس", ("Ras", "Raas")), ("جب", ("Jubb", "Jib")),
    ("نبع", ("Nabaa", "Naba")),
)  # fmt: skip
# second words, written with the article in both scripts
_SECOND: Final = (
    ("حمرا", ("Hamra", "Hamraa")), ("زيتون", ("Zaytoun", "Zeitoun", "Zaitoon")),
    ("نخلة", ("Nakhleh", "Nakhla")), ("رمان", ("Rumman", "Romman")), ("ورد", ("Ward", "Werd")),
    ("جوز", ("Jouz", "Jawz")), ("تين", ("Tin", "Teen")),
    ("كروم", ("Kurum", "Krum")), ("بساتين", ("Basatin", "Bsatin")), ("زهرة", ("Zahra", "Zahrah")),
    ("غزال", ("Ghazal", "Ghazzal")), ("سلطان", ("Sultan", "Soltan")), ("نور", ("Nour", "Nur")),
    ("صفصاف", ("Safsaf", "Sefsaf")), ("قمح", ("Qamh", "Kamh")), ("حديد", ("Hadid", "Hadeed")),
    ("عسل", ("Asal", "Assal")), ("شيخ", ("Sheikh", "Shaykh")), ("حجر", ("Hajar", "Hajjar")),
    ("سنديان", ("Sindiyan", "Sindyan")), ("بلوط", ("Ballout", "Ballut")), ("صخر", ("Sakhr", "Sakher")),
    ("مغارة", ("Maghara", "Mgharah")), ("طاحون", ("Tahoun", "Tahun")), ("عنب", ("Inab", "Aenab")),
    ("حمام", ("Hammam", "Hamam")), ("قلعة", ("Qalaa", "Kalaa")), ("جبل", ("Jabal", "Jebel")),
    ("وادي", ("Wadi", "Wady")), ("نهر", ("Nahr", "Nehr")), ("بركة", ("Birka", "Berkeh")),
    ("منارة", ("Manara", "Minara")), ("ريحان", ("Rayhan", "Reihan")), ("سمرة", ("Samra", "Samrah")),
    ("بيضا", ("Bayda", "Beida")), ("خضرا", ("Khadra", "Khadraa")), ("طويل", ("Tawil", "Taweel")),
    ("شمس", ("Shams", "Shems")), ("قمر", ("Qamar", "Kamar")), ("نجمة", ("Najma", "Nejmeh")),
    ("هلال", ("Hilal", "Helal")), ("خير", ("Khayr", "Kheir")), ("بركات", ("Barakat", "Barakaat")),
    ("فرح", ("Farah", "Farrah")), ("كرامة", ("Karama", "Karameh")), ("عاصي", ("Asi", "Assi")),
    ("فرات", ("Furat", "Forat")), ("خابور", ("Khabour", "Khabur")), ("بادية", ("Badiya", "Badia")),
    ("غاب", ("Ghab", "Ghaab")), ("زاوية", ("Zawiya", "Zawiyeh")), ("سهل", ("Sahl", "Sahel")),
    ("مزار", ("Mazar", "Mezar")), ("دلبة", ("Dulba", "Delbeh")), ("صنوبر", ("Sanawbar", "Snobar")),
    ("ليمون", ("Laymoun", "Limoun")), ("مشمش", ("Mishmish", "Meshmesh")), ("تفاح", ("Tuffah", "Teffah")),
    ("لوز", ("Lawz", "Louz")), ("قطن", ("Qutn", "Kotn")), ("شعير", ("Shaeer", "Shair")),
    ("غدير", ("Ghadir", "Ghdeer")), ("سرو", ("Saru", "Sarw")), ("عرعور", ("Araour", "Arour")),
)  # fmt: skip
_QUALIFIERS: Final = (
    None, ("الكبير", ("al-Kabir", "el-Kebir")), ("الصغير", ("al-Saghir", "el-Sghir")),
    ("الشرقي", ("al-Sharqi", "el-Sharki")), ("الغربي", ("al-Gharbi", "el-Gharbi")),
    ("الشمالي", ("al-Shamali", "el-Shamali")), ("الجنوبي", ("al-Janoubi", "al-Janubi")),
    ("الفوقاني", ("al-Fawqani", "el-Fouqani")), ("التحتاني", ("al-Tahtani", "el-Tahtani")),
    ("الجديد", ("al-Jadid", "el-Jdeid")),
)  # fmt: skip
# Approximate centres (degrees) of the governorates, in GOVERNORATES order (SY01..SY14).
CENTRES: Final = {
    "SY01": (33.51, 36.29), "SY02": (36.20, 37.16), "SY03": (33.60, 36.45), "SY04": (34.73, 36.90),
    "SY05": (35.13, 36.75), "SY06": (35.52, 35.90), "SY07": (35.93, 36.63), "SY08": (36.50, 40.75),
    "SY09": (35.33, 40.14), "SY10": (34.89, 35.95), "SY11": (35.95, 39.01), "SY12": (32.62, 36.10),
    "SY13": (32.71, 36.57), "SY14": (33.12, 35.82),
}  # fmt: skip
# rough half-extents (degrees of latitude, longitude) of each governorate around CENTRES
EXTENTS: Final = {
    "SY01": (0.05, 0.05), "SY02": (0.6, 0.8), "SY03": (0.5, 0.6), "SY04": (0.5, 1.3), "SY05": (0.4, 0.6),
    "SY06": (0.3, 0.2), "SY07": (0.35, 0.3), "SY08": (0.6, 0.6), "SY09": (0.6, 0.8), "SY10": (0.25, 0.15),
    "SY11": (0.5, 0.6), "SY12": (0.25, 0.3), "SY13": (0.3, 0.35), "SY14": (0.2, 0.1),
}  # fmt: skip
_CAPITAL_TO: Final = {"SY01": ("SY03", "SY0301")}
_DEFAULT_TOWNS: Final = frozenset(TOWNS)


def towns_for(incidents: int) -> tuple[Town, ...]:
    """The default towns, and invented ones when `incidents` exceeds BASE_INCIDENTS (module docstring)."""
    return _towns(max(1, -(-incidents // 100)) * 100)  # in steps of 100 incidents: few distinct tables


@lru_cache(maxsize=8)
def _towns(incidents: int) -> tuple[Town, ...]:
    needed = sum(t.weight for t in TOWNS) * (incidents / BASE_INCIDENTS - 1)
    small = [t.weight for t in TOWNS if t.weight < CITY_WEIGHT]
    invented: list[Town] = []
    total = 0.0
    for k in itertools.count():
        if total >= needed:
            break
        invented.append(invented_town(k, small[k % len(small)]))
        total += invented[-1].weight
    return TOWNS + tuple(invented)


def invented_town(k: int, weight: float) -> Town:
    """The k-th invented town (0-based): its governorate is that of the default town whose turn it
    takes, its name the k-th combination of the name words (repeating once they run out)."""
    template = TOWNS[k % len(TOWNS)]
    adm1, adm2 = _CAPITAL_TO.get(template.adm1, (template.adm1, template.adm2))
    combos = len(_FIRST) * len(_SECOND) * len(_QUALIFIERS)
    n = k % combos
    first, second = _FIRST[n % len(_FIRST)], _SECOND[(n // len(_FIRST)) % len(_SECOND)]
    qualifier = _QUALIFIERS[n // (len(_FIRST) * len(_SECOND))]
    arabic = f"{first[0]} ال{second[0]}" + (f" {qualifier[0]}" if qualifier else "")
    return Town(adm1, adm2, weight, arabic, _latin(first[1], second[1], qualifier[1] if qualifier else ()))


def _latin(first: tuple[str, ...], second: tuple[str, ...], qualifier: tuple[str, ...]) -> tuple[str, ...]:
    """A few Latin spellings, the most common first: the words' variants, "al-" or "el-" or none."""
    tail = [f" {qualifier[0]}", f" {qualifier[-1]}"] if qualifier else [""]
    spellings = [
        f"{first[0]} al-{second[0]}{tail[0]}",
        f"{first[-1]} el-{second[0]}{tail[-1]}",
        f"{first[0]} {second[-1]}{tail[0]}",
        f"{first[1 % len(first)]} al-{second[-1]}{tail[-1]}",
    ]
    return tuple(dict.fromkeys(spellings))


def town_point(town: Town) -> tuple[float, float]:
    """The town's simulated point (degrees): a fixed pseudo-random offset from its governorate's centre
    (an invented town's: `invented_point`)."""
    if town not in _DEFAULT_TOWNS:
        return invented_point(town, CENTRES[town.adm1])
    lat, lon = CENTRES[town.adm1]
    digest = hashlib.sha256(town.arabic.encode()).digest()
    spread = 0.02 if town.adm1 == "SY01" else 0.25
    dx, dy = (int.from_bytes(digest[i : i + 4], "big") / 2**32 * 2 - 1 for i in (0, 4))
    return round(lat + dy * spread, 5), round(lon + dx * spread, 5)


def invented_point(town: Town, centre: tuple[float, float]) -> tuple[float, float]:
    """An invented town's fixed pseudo-random point (degrees) within its governorate's extent."""
    digest = hashlib.sha256(f"{town.adm1}:{town.arabic}:{town.weight}".encode()).digest()
    dy, dx = (int.from_bytes(digest[i : i + 4], "big") / 2**32 * 2 - 1 for i in (0, 4))
    half_lat, half_lon = EXTENTS[town.adm1]
    return round(centre[0] + dy * half_lat, 5), round(centre[1] + dx * half_lon, 5)
