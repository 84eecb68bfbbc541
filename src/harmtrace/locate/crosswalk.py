"""Governorate names as other sources spell them, matched to OCHA P-codes, and the agreement check.

Sources name governorates their own way: UCDP writes "Rif Dimashq Governorate" where OCHA writes
"Rural Damascus", "Hamah" for "Hama", "Al Hasakah" for "Al-Hasakeh". A name is first normalised
(`normalise_name`: lower case, accents, apostrophes and hyphens removed, the words "governorate" /
"province" / "muhafazat" dropped), then looked up among the stored OCHA English and Arabic names and
the variants below. A name found nowhere is reported as unmatched, never guessed.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any, Final

from harmtrace.store import Store

# Spellings of governorates in UCDP GED (adm_1), VDC and the press, by OCHA P-code (COD-AB v02).
# Keys are already normalised; OCHA's own English and Arabic names are added from the store.
ADM1_VARIANTS: Final[dict[str, tuple[str, ...]]] = {
    "SY01": ("damascus", "dimashq", "damascus city"),
    "SY02": ("aleppo", "halab"),
    "SY03": ("rif dimashq", "reef damascus", "damascus countryside", "rif damascus"),
    "SY04": ("homs", "hims"),
    "SY05": ("hamah", "hama"),
    "SY06": ("latakia", "lattakia", "al ladhiqiyah", "ladhiqiyah"),
    "SY07": ("idlib", "idleb"),
    "SY08": ("al hasakah", "hasakah", "al hasaka", "hasaka", "al hasakeh", "hassakeh"),
    "SY09": ("deir ez zor", "deir ezzor", "dayr az zawr", "deir al zor", "der ez zor"),
    "SY10": ("tartus", "tartous"),
    "SY11": ("ar raqqah", "raqqah", "raqqa", "al raqqa", "ar raqqa"),
    "SY12": ("daraa", "dara", "deraa", "dar a"),
    "SY13": ("as suwayda", "suwayda", "as sweida", "sweida", "al suwayda"),
    "SY14": ("quneitra", "al qunaytirah", "qunaytirah", "al quneitra"),
}
_DROP_WORDS: Final = ("governorate", "province", "muhafazat", "محافظة")


def normalise_name(name: str) -> str:
    """A governorate name reduced for comparison across spellings.

    >>> normalise_name("Rif Dimashq Governorate"), normalise_name("Dar'a"), normalise_name(" Deir-ez-Zor ")
    ('rif dimashq', 'dara', 'deir ez zor')
    """
    # compatibility forms may decompose into capitals ("🄐" -> "(A)"): fold case after decomposing
    decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", name).casefold())
    text = "".join(c for c in decomposed if not unicodedata.combining(c))
    text = re.sub(r"['’‘`ʿʾ]", "", text)
    text = re.sub(r"[^\w]+", " ", text)
    words = [w for w in text.split() if w not in _DROP_WORDS]
    return " ".join(words)


def adm1_lookup(store: Store) -> dict[str, str]:
    """Normalised name -> P-code, from the stored OCHA names and `ADM1_VARIANTS`."""
    return adm1_lookup_from(store.rows("SELECT pcode, name_en, name_ar FROM admin_area WHERE level = 1"))


def adm1_lookup_from(areas: list[dict[str, Any]]) -> dict[str, str]:
    """Normalised name -> P-code from `ADM1_VARIANTS` and the given level-1 areas' names (en, ar)."""
    lookup = {normalise_name(v): pcode for pcode, names in ADM1_VARIANTS.items() for v in names}
    for area in areas:
        for name in (area["name_en"], area["name_ar"]):
            if name:
                lookup[normalise_name(name)] = area["pcode"]
    return lookup


def adm1_agreement(store: Store) -> dict[str, Any]:
    """How often the OCHA governorate a report was placed in matches the one its source names.

    Counts reports placed at level 1 that name a governorate (`adm1_source`), over all sources and
    per source (`by_source`): sources use names differently (the Syrian Archive's "Damascus" covers the
    suburbs OCHA counts as Rural Damascus), so one source's rate says little about another's.
    `disagreements` lists the most frequent (source name, OCHA area) pairs that differ; `unmatched`
    the names the crosswalk does not know.
    """
    lookup = adm1_lookup(store)
    pairs = store.rows(
        "SELECT s.name AS source, r.adm1_source AS source_name, ra.pcode, a.name_en, count(*) AS reports "
        "FROM report r JOIN report_admin ra ON ra.report_id = r.report_id AND ra.level = 1 "
        "JOIN admin_area a ON a.pcode = ra.pcode JOIN source s ON s.source_id = r.source_id "
        # a governorate placed from the source's own name agrees by construction: not compared
        "WHERE r.adm1_source IS NOT NULL AND ra.method IS DISTINCT FROM 'source name' "
        "GROUP BY ALL ORDER BY reports DESC, source_name"
    )
    sources = sorted({p["source"] for p in pairs})
    by_source = [{"source": s} | _tally([p for p in pairs if p["source"] == s], lookup) for s in sources]
    return _tally(pairs, lookup) | {"by_source": by_source}


def _tally(pairs: list[dict[str, Any]], lookup: dict[str, str]) -> dict[str, Any]:
    agree = disagree = 0
    disagreements: list[dict[str, Any]] = []
    unknown: dict[str, int] = {}
    for p in pairs:
        source_pcode = lookup.get(normalise_name(p["source_name"]))
        if source_pcode is None:
            unknown[p["source_name"]] = unknown.get(p["source_name"], 0) + p["reports"]
        elif source_pcode == p["pcode"]:
            agree += p["reports"]
        else:
            disagree += p["reports"]
            disagreements.append({**p, "source_pcode": source_pcode})
    compared = agree + disagree
    return {
        "compared": compared,
        "agree": agree,
        "disagree": disagree,
        "agreement_rate": round(agree / compared, 4) if compared else None,
        "unmatched_names": sum(unknown.values()),
        "unmatched": unknown,
        "disagreements": disagreements[:10],
    }
