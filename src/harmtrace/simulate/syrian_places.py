"""Syrian governorates, districts and towns where the simulated deaths happen, in English and Arabic.

Governorate and district names and P-codes follow the OCHA Common Operational Dataset (COD-AB,
Syria, v02, 2020; UN OCHA, CC BY-IGO); the other English spellings, the towns and their weights were
written for the simulator from general knowledge. A town line is

    governorate P-code | district P-code | weight | Arabic | English spelling, English spelling, ...

`weight` is the town's relative share of deaths: a rough picture of where the war killed most (Aleppo
city, Eastern Ghouta, Idlib, Homs, Daraa), not a statistic. English spellings are listed most common
first and weighted 1 / rank, as in `syrian_names`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

# P-code | Arabic | English spellings (OCHA's first)
GOVERNORATE_TABLE: Final = """
SY01 | دمشق | Damascus, Dimashq, Damascus City
SY02 | حلب | Aleppo, Halab
SY03 | ريف دمشق | Rural Damascus, Rif Dimashq, Damascus Countryside, Reef Damascus, Damascus Suburbs
SY04 | حمص | Homs, Hims
SY05 | حماة | Hama, Hamah
SY06 | اللاذقية | Lattakia, Latakia, Al-Ladhiqiyah
SY07 | إدلب | Idleb, Idlib, Edlib
SY08 | الحسكة | Al-Hasakeh, Hasakah, Al-Hasakah, Hasaka
SY09 | دير الزور | Deir-ez-Zor, Deir Ezzor, Deir al-Zour, Dayr az-Zawr
SY10 | طرطوس | Tartous, Tartus
SY11 | الرقة | Ar-Raqqa, Raqqa, Al-Raqqah, Rakka
SY12 | درعا | Dar'a, Daraa, Deraa
SY13 | السويداء | As-Sweida, Sweida, As-Suwayda, Suwayda
SY14 | القنيطرة | Quneitra, Al-Quneitra, Qunaitra
"""

# P-code | Arabic | English (OCHA)
DISTRICT_TABLE: Final = """
SY0100 | دمشق | Damascus
SY0200 | جبل سمعان | Jebel Saman
SY0202 | الباب | Al Bab
SY0203 | عفرين | Afrin
SY0204 | اعزاز | A'zaz
SY0205 | منبج | Menbij
SY0206 | عين العرب | Ain Al Arab
SY0207 | السفيرة | As-Safira
SY0208 | جرابلس | Jarablus
SY0301 | مركز ريف دمشق | Rural Damascus
SY0302 | دوما | Duma
SY0304 | التل | At Tall
SY0305 | يبرود | Yabroud
SY0306 | النبك | An Nabk
SY0307 | الزبداني | Az-Zabdani
SY0308 | قطنا | Qatana
SY0309 | داريا | Darayya
SY0401 | مركز حمص | Homs
SY0402 | القصير | Al-Qusayr
SY0403 | تلكلخ | Tall Kalakh
SY0404 | الرستن | Ar-Rastan
SY0405 | تدمر | Tadmor
SY0501 | مركز حماة | Hama
SY0502 | السقيلبية | As-Suqaylabiyah
SY0503 | السلمية | As-Salamiyeh
SY0505 | محردة | Muhradah
SY0600 | مركز اللاذقية | Lattakia
SY0602 | جبلة | Jablah
SY0603 | الحفة | Al-Haffa
SY0700 | مركز إدلب | Idleb
SY0702 | معرة النعمان | Al Ma'ra
SY0703 | حارم | Harim
SY0704 | جسر الشغور | Jisr-Ash-Shugur
SY0705 | أريحا | Ariha
SY0800 | مركز الحسكة | Al-Hasakeh
SY0802 | القامشلي | Quamishli
SY0804 | رأس العين | Ras Al Ain
SY0901 | مركز دير الزور | Deir-ez-Zor
SY0902 | البوكمال | Abu Kamal
SY0903 | الميادين | Al Mayadin
SY1000 | مركز طرطوس | Tartous
SY1002 | بانياس | Banyas
SY1101 | مركز الرقة | Ar-Raqqa
SY1102 | تل أبيض | Tell Abiad
SY1103 | الثورة | Ath-Thawrah
SY1200 | درعا | Dar'a
SY1202 | الصنمين | As-Sanamayn
SY1203 | ازرع | Izra'
SY1300 | مركز السويداء | As-Sweida
SY1302 | صلخد | Salkhad
SY1303 | شهبا | Shahba
SY1400 | مركز القنيطرة | Quneitra
"""

TOWN_TABLE: Final = """
SY01 | SY0100 | 4.0 | دمشق | Damascus, Dimashq
SY01 | SY0100 | 2.0 | جوبر | Jobar, Jawbar
SY01 | SY0100 | 1.5 | القابون | Qaboun, Al-Qaboun, Qabun
SY01 | SY0100 | 1.0 | برزة | Barzeh, Barza, Barzah
SY01 | SY0100 | 1.5 | مخيم اليرموك | Yarmouk Camp, Yarmouk, Al-Yarmouk Camp
SY01 | SY0100 | 1.0 | التضامن | Tadamon, Al-Tadamon, Tadamun
SY03 | SY0302 | 5.0 | دوما | Douma, Duma, Doma
SY03 | SY0302 | 2.0 | حرستا | Harasta, Herasta
SY03 | SY0301 | 2.0 | زملكا | Zamalka, Zamalkah
SY03 | SY0301 | 1.5 | عين ترما | Ain Tarma, Ein Tarma, Ayn Tarma
SY03 | SY0301 | 1.5 | عربين | Arbin, Erbin, Irbin
SY03 | SY0301 | 1.5 | سقبا | Saqba, Saqbah, Sakba
SY03 | SY0301 | 1.5 | كفر بطنا | Kafr Batna, Kafarbatna, Kfar Batna
SY03 | SY0301 | 1.0 | حمورية | Hamouriyah, Hammouriyeh, Hamouria
SY03 | SY0309 | 3.0 | داريا | Darayya, Daraya, Dariya
SY03 | SY0309 | 2.0 | معضمية الشام | Moadamiyet al-Sham, Muadamiyat al-Sham, Moadamiya
SY03 | SY0304 | 0.8 | التل | Al-Tall, At Tall, Tal
SY03 | SY0307 | 1.5 | الزبداني | Zabadani, Al-Zabadani, Az-Zabadani
SY03 | SY0307 | 0.8 | مضايا | Madaya, Madhaya
SY03 | SY0305 | 0.7 | يبرود | Yabroud, Yabrud
SY03 | SY0308 | 0.5 | قطنا | Qatana, Qatanah
SY03 | SY0306 | 0.5 | النبك | Nabk, An Nabk, Al-Nabek
SY02 | SY0200 | 8.0 | حلب | Aleppo, Halab, Alep
SY02 | SY0200 | 0.6 | عندان | Anadan, Andan
SY02 | SY0200 | 0.5 | حريتان | Hreitan, Haritan, Huraytan
SY02 | SY0202 | 1.5 | الباب | Al-Bab, Al Bab, Bab
SY02 | SY0202 | 0.4 | دير حافر | Deir Hafer, Dayr Hafir
SY02 | SY0205 | 1.2 | منبج | Manbij, Menbij, Membij
SY02 | SY0204 | 1.0 | اعزاز | Azaz, A'zaz, Aazaz, Izaz
SY02 | SY0204 | 0.6 | تل رفعت | Tal Rifaat, Tell Rifaat, Tal Refaat
SY02 | SY0208 | 0.5 | جرابلس | Jarablus, Jarabulus
SY02 | SY0203 | 0.8 | عفرين | Afrin, Efrin, Afreen
SY02 | SY0207 | 0.8 | السفيرة | Al-Safira, As-Safira, Safira
SY02 | SY0206 | 1.0 | عين العرب | Kobani, Ain al-Arab, Kobane, Ayn al-Arab
SY07 | SY0700 | 2.5 | إدلب | Idlib, Idleb, Edlib
SY07 | SY0700 | 1.2 | سراقب | Saraqib, Saraqeb
SY07 | SY0700 | 0.8 | بنش | Binnish, Binnesh, Benesh
SY07 | SY0700 | 0.5 | تفتناز | Taftanaz, Teftnaz
SY07 | SY0700 | 0.7 | سرمين | Sarmin, Sarmeen
SY07 | SY0702 | 2.0 | معرة النعمان | Maarat al-Numan, Ma'arrat al-Nu'man, Maaret al-Noman, Maarat Alnuman
SY07 | SY0702 | 1.5 | خان شيخون | Khan Shaykhun, Khan Sheikhoun, Khan Shekhoun
SY07 | SY0702 | 1.0 | كفر نبل | Kafr Nabl, Kafranbel, Kafr Nobol, Kfarnabl
SY07 | SY0705 | 1.0 | أريحا | Ariha, Areeha, Eriha
SY07 | SY0704 | 1.2 | جسر الشغور | Jisr al-Shughur, Jisr Ash-Shugur, Jisr al-Shoghour
SY07 | SY0703 | 0.5 | حارم | Harim, Harem
SY07 | SY0703 | 0.4 | سلقين | Salqin, Salqeen
SY07 | SY0703 | 0.3 | كفر تخاريم | Kafr Takharim, Kafartakharim
SY05 | SY0501 | 2.5 | حماة | Hama, Hamah
SY05 | SY0501 | 0.6 | مورك | Morek, Murak
SY05 | SY0505 | 1.0 | كفرزيتا | Kafr Zita, Kafrzita, Kafr Zeita
SY05 | SY0505 | 0.8 | اللطامنة | Al-Lataminah, Latamneh, Al-Latamna
SY05 | SY0505 | 0.6 | حلفايا | Halfaya, Halfaiya
SY05 | SY0503 | 0.5 | السلمية | Salamiyah, As-Salamiyeh, Salamieh
SY05 | SY0502 | 0.6 | قلعة المضيق | Qalaat al-Madiq, Qalat al-Mudiq, Madiq Castle
SY04 | SY0401 | 4.0 | حمص | Homs, Hims
SY04 | SY0401 | 1.0 | بابا عمرو | Baba Amr, Baba Amro, Bab Amr
SY04 | SY0401 | 0.8 | الوعر | Al-Waer, Waer, Al-Wa'r
SY04 | SY0401 | 0.8 | الحولة | Al-Houla, Houla, Hula
SY04 | SY0404 | 1.5 | الرستن | Al-Rastan, Rastan, Ar-Rastan
SY04 | SY0404 | 1.2 | تلبيسة | Talbiseh, Talbisa, Telbisa
SY04 | SY0402 | 1.0 | القصير | Al-Qusayr, Qusair, Al-Qusair
SY04 | SY0405 | 0.5 | تدمر | Palmyra, Tadmur, Tadmor
SY04 | SY0403 | 0.3 | تلكلخ | Tall Kalakh, Tal Kalakh, Talkalakh
SY12 | SY1200 | 3.0 | درعا | Daraa, Dar'a, Deraa
SY12 | SY1200 | 0.5 | طفس | Tafas, Tafs
SY12 | SY1200 | 0.5 | داعل | Dael, Da'el, Dail
SY12 | SY1200 | 0.5 | بصرى الشام | Busra al-Sham, Bosra, Bosra al-Sham
SY12 | SY1203 | 0.6 | نوى | Nawa, Nowa
SY12 | SY1203 | 0.6 | جاسم | Jasim, Jassem, Jasem
SY12 | SY1203 | 0.5 | الحراك | Al-Hirak, Hirak, Al-Hrak
SY12 | SY1203 | 0.5 | بصر الحرير | Busr al-Harir, Busra al-Harir, Bosra al-Harir
SY12 | SY1202 | 0.5 | انخل | Inkhil, Inkhel, Enkhil
SY09 | SY0901 | 2.5 | دير الزور | Deir ez-Zor, Deir Ezzor, Deir al-Zour, Dayr az-Zawr
SY09 | SY0901 | 0.3 | موحسن | Muhasan, Mohassan
SY09 | SY0903 | 1.0 | الميادين | Al-Mayadin, Mayadin, Al-Mayadeen
SY09 | SY0902 | 1.0 | البوكمال | Al-Bukamal, Abu Kamal, Albukamal, Boukamal
SY09 | SY0902 | 0.6 | هجين | Hajin, Hajeen
SY11 | SY1101 | 3.0 | الرقة | Raqqa, Al-Raqqa, Ar-Raqqah, Rakka
SY11 | SY1103 | 0.8 | الطبقة | Tabqa, Al-Tabqa, At-Tabqah
SY11 | SY1102 | 0.5 | تل أبيض | Tell Abyad, Tal Abyad, Tal Abiad
SY08 | SY0800 | 1.0 | الحسكة | Al-Hasakah, Hasakeh, Hasaka, Al-Hasakeh
SY08 | SY0800 | 0.3 | الشدادي | Al-Shaddadi, Shaddadi, Ash-Shaddadah
SY08 | SY0802 | 0.6 | القامشلي | Qamishli, Al-Qamishli, Qamishlo
SY08 | SY0804 | 0.5 | رأس العين | Ras al-Ain, Ras al-Ayn, Serekaniye
SY06 | SY0600 | 0.8 | اللاذقية | Latakia, Lattakia, Al-Ladhiqiyah
SY06 | SY0602 | 0.4 | جبلة | Jableh, Jablah, Jabla
SY06 | SY0603 | 0.4 | سلمى | Salma
SY06 | SY0603 | 0.3 | كنسبا | Kinsabba, Kansaba
SY10 | SY1000 | 0.3 | طرطوس | Tartus, Tartous
SY10 | SY1002 | 0.4 | بانياس | Baniyas, Banias, Banyas
SY10 | SY1002 | 0.3 | البيضا | Al-Bayda, Bayda, Al-Baida
SY13 | SY1300 | 0.4 | السويداء | Sweida, As-Suwayda, Suwaida
SY13 | SY1302 | 0.1 | صلخد | Salkhad
SY13 | SY1303 | 0.1 | شهبا | Shahba, Shahbaa
SY14 | SY1400 | 0.3 | القنيطرة | Quneitra, Al-Quneitra, Qunaitra
SY14 | SY1400 | 0.2 | خان أرنبة | Khan Arnabah, Khan Arnaba
SY14 | SY1400 | 0.2 | جباتا الخشب | Jubata al-Khashab, Jbata al-Khashab
"""


@dataclass(frozen=True)
class Area:
    """A governorate or district: P-code, Arabic name, English spellings (OCHA's first)."""

    pcode: str
    arabic: str
    english: tuple[str, ...]


@dataclass(frozen=True)
class Town:
    """A place of death: its governorate and district P-codes, weight, Arabic name, English spellings."""

    adm1: str
    adm2: str
    weight: float
    arabic: str
    english: tuple[str, ...]


def _cells(text: str, width: int) -> list[list[str]]:
    rows = []
    for number, line in enumerate(text.strip().splitlines(), start=1):
        cells = [c.strip() for c in line.split("|")]
        if len(cells) != width:
            raise ValueError(f"place table line {number} has {len(cells)} cells: {line!r}")
        rows.append(cells)
    return rows


def _spellings(cell: str) -> tuple[str, ...]:
    return tuple(s.strip() for s in cell.split(","))


GOVERNORATES: Final = tuple(Area(p, a, _spellings(e)) for p, a, e in _cells(GOVERNORATE_TABLE, 3))
DISTRICTS: Final = tuple(Area(p, a, _spellings(e)) for p, a, e in _cells(DISTRICT_TABLE, 3))
TOWNS: Final = tuple(Town(g, d, float(w), a, _spellings(e)) for g, d, w, a, e in _cells(TOWN_TABLE, 5))
