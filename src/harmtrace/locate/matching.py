"""Reports located from their place text: names matched to the gazetteer in Arabic and Latin script.

For each report without coordinates but with place text, in this order:

1. The text is split on ':' ("ALEPPO : Al-Jinah", the Syrian Archive's form); the last part is
   tried first, then the parts before it (so "IDLIB : Unknown hamlet" falls back to the governorate).
   The Arabic place text, when there is one, is tried too.
2. Tiers, the first that finds anything wins: the same place key (`place_keys.place_key`, score 100),
   the same consonant skeleton (skeletons of at least 3 letters; score = key similarity), then fuzzy
   (rapidfuzz `ratio` of the keys >= `threshold`, keys of at least 4 letters; the best-scoring keys).
3. Places inside the governorate the report states (`adm1_source`, or the text's leading part) and
   its district (`adm2_source`) are preferred; when none is inside, the others are kept and the
   location says 'outside' (sources draw governorates their own way: the Syrian Archive's "DAMASCUS"
   includes suburbs OCHA puts in Rural Damascus).
4. Of the candidates, the finest precision wins (a village before the sub-district of the same name).
   Candidates at that precision are one place when they share a P-code, share the admin area of
   their own level, or lie within `ambiguity_km` of each other. Several places left: the report is
   ambiguous and is not located; it is reported with the candidates.

The location's point and precision are the matched place's; `method` says which tier matched.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from math import asin, cos, radians, sin, sqrt
from typing import Any, Final

import duckdb
import pyarrow as pa
import shapely
from rapidfuzz import fuzz, process

from harmtrace.choices import DEFAULT_AMBIGUITY_KM
from harmtrace.choices import PLACE_MATCH_THRESHOLD as DEFAULT_THRESHOLD
from harmtrace.errors import InputError, param
from harmtrace.locate.admin import KM_PER_DEGREE, place_reports
from harmtrace.locate.crosswalk import adm1_lookup_from, normalise_name
from harmtrace.locate.gazetteer import code_places
from harmtrace.locate.place_keys import place_key, place_skeleton
from harmtrace.model import LOCATION_PRECISIONS
from harmtrace.store import Store

# a skeleton agreement is weak evidence (Anadan and Ein et-Teeneh share one): keys must still be this alike
MIN_SKELETON_SCORE: Final = 70.0
# a place this close to the stated governorate counts as near it (its suburbs, a town on its border)
NEAR_STATED_KM: Final = 25.0
MIN_SKELETON: Final = 3
MIN_FUZZY_KEY: Final = 4
EARTH_RADIUS_KM: Final = 6371.0088
ADMIN_WORDS: Final = {"governorate": 1, "district": 2, "subdistrict": 3}


@dataclass(frozen=True)
class Candidate:
    """A gazetteer place a text may name, with the name that matched and how well."""

    place_id: int
    name: str
    precision: str
    latitude: float
    longitude: float
    pcode: str | None
    adm: tuple[str | None, str | None, str | None]
    method: str = ""
    score: float = 0.0

    @property
    def rank(self) -> int:
        return LOCATION_PRECISIONS.index(self.precision)


@dataclass
class Gazetteer:
    """The stored names in memory: key -> candidates, skeleton -> keys, all keys (for fuzzy search)."""

    by_key: dict[str, list[Candidate]]
    by_skeleton: dict[str, list[str]]
    keys: list[str]
    adm1: dict[str, str]
    adm2: dict[str, str]
    adm1_areas: dict[str, Any] = field(default_factory=dict)  # pcode -> shapely polygon


@dataclass
class Match:
    """The outcome for one (place text, stated governorate, stated district)."""

    status: str  # located | ambiguous | unmatched
    text: str = ""
    place: Candidate | None = None
    in_stated: str = "not stated"
    candidates: list[Candidate] = field(default_factory=list)


def load_gazetteer(con: duckdb.DuckDBPyConnection) -> Gazetteer:
    rows = con.execute(
        "SELECT p.place_id, n.name, n.name_key, n.skeleton, p.precision, p.latitude, p.longitude, p.pcode, "
        "p.adm1_pcode, p.adm2_pcode, p.adm3_pcode FROM place_name n JOIN place p USING (place_id) "
        "ORDER BY n.name_key, p.place_id, n.name"
    ).fetchall()
    if not rows:
        raise InputError(
            "The gazetteer is empty. Import places first: harmtrace places import FILE --format ocha"
        )
    by_key: dict[str, list[Candidate]] = defaultdict(list)
    by_skeleton: dict[str, set[str]] = defaultdict(set)
    for pid, name, key, skel, precision, lat, lon, pcode, a1, a2, a3 in rows:
        by_key[key].append(Candidate(pid, name, precision, lat, lon, pcode, (a1, a2, a3)))
        if skel and len(skel) >= MIN_SKELETON:
            by_skeleton[skel].add(key)
    areas = con.execute("SELECT pcode, level, name_en, name_ar FROM admin_area WHERE level <= 2").fetchall()
    adm1 = adm1_lookup_from([{"pcode": p, "name_en": e, "name_ar": a} for p, lvl, e, a in areas if lvl == 1])
    adm2 = {normalise_name(n): p for p, lvl, e, a in areas if lvl == 2 for n in (e, a) if n}
    polygons = con.execute("SELECT pcode, geometry_wkb FROM admin_area WHERE level = 1").fetchall()
    shapes = {p: shapely.from_wkb(bytes(w)) for p, w in polygons}
    skeletons = {s: sorted(k) for s, k in by_skeleton.items()}
    return Gazetteer(dict(by_key), skeletons, sorted(by_key), adm1, adm2, shapes)


def candidates(g: Gazetteer, text: str, threshold: float) -> list[Candidate]:
    """Places `text` may name, by the first tier that finds any (see module doc)."""
    key = place_key(text)
    if not key:
        return []
    if key in g.by_key:
        return [_scored(c, "exact name", 100.0) for c in g.by_key[key]]
    skel = place_skeleton(key)
    if len(skel) >= MIN_SKELETON and skel in g.by_skeleton:
        scored = [(k, fuzz.ratio(key, k)) for k in g.by_skeleton[skel]]
        found_skel = [
            _scored(c, "same consonant skeleton", round(score, 1))
            for k, score in scored
            if score >= MIN_SKELETON_SCORE
            for c in g.by_key[k]
        ]
        if found_skel:
            return found_skel
    if len(key) < MIN_FUZZY_KEY:
        return []
    found = process.extract(key, g.keys, scorer=fuzz.ratio, score_cutoff=threshold, limit=20)
    if not found:
        return []
    best = max(score for _, score, _ in found)
    return [
        _scored(c, "fuzzy name", round(best, 1))
        for k, score, _ in found
        if score == best
        for c in g.by_key[k]
    ]


def _scored(c: Candidate, method: str, score: float) -> Candidate:
    return Candidate(c.place_id, c.name, c.precision, c.latitude, c.longitude, c.pcode, c.adm, method, score)


def match_place(
    g: Gazetteer, text: str | None, text_ar: str | None, adm1_text: str | None, adm2_text: str | None,
    threshold: float = DEFAULT_THRESHOLD, ambiguity_km: float = DEFAULT_AMBIGUITY_KM,
    precision: str | None = None,
) -> Match:  # fmt: skip
    """Match one report's place text (see module doc for the rule).

    `precision` is the report's own location precision: a text the source itself gives as a
    governorate ("ALEPPO" alone, precision 'governorate') is matched to the governorate, not to the
    city of the same name; so is the leading part of "GOVERNORATE : Place" when the place is not found.
    """
    parts = [p.strip() for p in (text or "").split(":") if p.strip()]
    stated1 = _stated(g.adm1, adm1_text or (parts[0] if len(parts) > 1 else None))
    stated2 = _stated(g.adm2, adm2_text)
    queries = [(q, i < len(parts) - 1 or precision == "governorate") for i, q in enumerate(parts)]
    queries.reverse()
    if text_ar and text_ar.strip():
        queries.append((text_ar.strip(), precision == "governorate"))
    for query, governorate in queries:
        found = candidates(g, query, threshold)
        if governorate:
            found = [c for c in found if c.precision == "governorate"] or found
        if not found:
            continue
        kept, in_stated = _prefer_stated(found, stated1, stated2)
        if in_stated == "outside":
            kept, in_stated = _near_stated(g, kept, stated1)
        if in_stated == "outside" and kept[0].method != "exact name":
            # a loose match in another governorate than the one stated is more often wrong than right
            continue
        finest = min(c.rank for c in kept)
        groups = _distinct_places([c for c in kept if c.rank == finest], ambiguity_km)
        if len(groups) > 1:
            return Match("ambiguous", query, None, in_stated, [g_[0] for g_ in groups])
        return Match("located", query, groups[0][0], in_stated)
    return Match("unmatched", text or text_ar or "")


def _stated(lookup: dict[str, str], text: str | None) -> str | None:
    return lookup.get(normalise_name(text)) if text else None


def _prefer_stated(found: list[Candidate], adm1: str | None, adm2: str | None) -> tuple[list[Candidate], str]:
    """Candidates inside the stated governorate (and district) when any are, and which case it was."""
    if adm1 is None and adm2 is None:
        return found, "not stated"
    inside = [c for c in found if (adm1 is None or c.adm[0] == adm1) and (adm2 is None or c.adm[1] == adm2)]
    if inside:
        return inside, "inside"
    if adm2 is not None and adm1 is not None:
        inside = [c for c in found if c.adm[0] == adm1]
        if inside:
            return inside, "inside governorate, outside district"
    return found, "outside"


def _near_stated(g: Gazetteer, found: list[Candidate], adm1: str | None) -> tuple[list[Candidate], str]:
    """Candidates within NEAR_STATED_KM of the stated governorate, when any are."""
    area = g.adm1_areas.get(adm1) if adm1 else None
    if area is None:
        return found, "outside"
    near = [
        c
        for c in found
        if area.distance(shapely.Point(c.longitude, c.latitude)) * KM_PER_DEGREE <= NEAR_STATED_KM
    ]
    return (near, "near") if near else (found, "outside")


def _distinct_places(found: list[Candidate], ambiguity_km: float) -> list[list[Candidate]]:
    """Candidates grouped into places (same P-code, same own-level area, or within `ambiguity_km`)."""
    groups: list[list[Candidate]] = []
    for c in sorted(found, key=_preference):
        home = next((grp for grp in groups if any(_same_place(c, o, ambiguity_km) for o in grp)), None)
        if home is None:
            groups.append([c])
        else:
            home.append(c)
    return groups


def _preference(c: Candidate) -> tuple[int, int]:
    # an OCHA place (it has a P-code) stands for its group: its point and codes are the reference
    return (0 if c.pcode else 1, c.place_id)


def _same_place(a: Candidate, b: Candidate, ambiguity_km: float) -> bool:
    if a.pcode is not None and a.pcode == b.pcode:
        return True
    level = ADMIN_WORDS.get(a.precision)
    if level is not None and a.adm[level - 1] is not None and a.adm[level - 1] == b.adm[level - 1]:
        return True
    return haversine_km(a.longitude, a.latitude, b.longitude, b.latitude) <= ambiguity_km


def haversine_km(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance in km on a sphere of the mean Earth radius.

    >>> round(haversine_km(36.2765, 33.5138, 37.1343, 36.2021))  # Damascus to Aleppo
    309
    """
    p1, p2 = radians(lat1), radians(lat2)
    h = sin((p2 - p1) / 2) ** 2 + cos(p1) * cos(p2) * sin(radians(lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * asin(sqrt(h))


@dataclass
class PlaceLocating:
    """What `locate_places` did: reports considered, located (by method and precision), not located."""

    reports: int = 0
    located: int = 0
    by_method: dict[str, int] = field(default_factory=dict)
    by_precision: dict[str, int] = field(default_factory=dict)
    by_stated: dict[str, int] = field(default_factory=dict)
    ambiguous: list[dict[str, Any]] = field(default_factory=list)
    unmatched: list[dict[str, Any]] = field(default_factory=list)
    admin_levels: list[int] = field(default_factory=list)
    threshold: float = DEFAULT_THRESHOLD
    ambiguity_km: float = DEFAULT_AMBIGUITY_KM

    def as_dict(self) -> dict[str, Any]:
        return {
            "reports": self.reports,
            "located": self.located,
            "ambiguous_reports": sum(a["reports"] for a in self.ambiguous),
            "unmatched_reports": sum(u["reports"] for u in self.unmatched),
            "by_method": self.by_method,
            "by_precision": self.by_precision,
            "stated_governorate": self.by_stated,
            "threshold": self.threshold,
            "ambiguity_km": self.ambiguity_km,
            "admin_levels_replaced": self.admin_levels,
            "ambiguous": self.ambiguous,
            "unmatched": self.unmatched,
        }


_TO_LOCATE: Final = """
SELECT place_text, place_text_ar, adm1_source, adm2_source, location_precision,
       list(report_id ORDER BY report_id) AS ids
FROM report
WHERE (latitude IS NULL OR longitude IS NULL) AND (place_text IS NOT NULL OR place_text_ar IS NOT NULL)
GROUP BY ALL ORDER BY place_text, place_text_ar, adm1_source, adm2_source, location_precision
"""


def locate_places(
    store: Store, threshold: float = DEFAULT_THRESHOLD, ambiguity_km: float = DEFAULT_AMBIGUITY_KM
) -> PlaceLocating:
    """Locate every report with place text and no coordinates; replaces all gazetteer locations atomically.

    Afterwards every stored admin level is re-placed (`place_reports`), so located reports get codes.
    """
    if not 0 < threshold <= 100:
        raise InputError(f"{param('threshold')} must be in (0, 100], got {threshold}.")
    if ambiguity_km < 0:
        raise InputError(f"{param('ambiguity_km')} must be 0 or more, got {ambiguity_km}.")
    result = PlaceLocating(threshold=threshold, ambiguity_km=ambiguity_km)
    with store.transaction() as con:
        code_places(con)
        g = load_gazetteer(con)
        rows: list[tuple[Any, ...]] = []
        for text, text_ar, adm1, adm2, precision, ids in con.execute(_TO_LOCATE).fetchall():
            m = match_place(g, text, text_ar, adm1, adm2, threshold, ambiguity_km, precision)
            _tally(result, m, text or text_ar, adm1, ids, rows)
        _write_locations(con, rows)
        levels = [
            int(r[0]) for r in con.execute("SELECT DISTINCT level FROM admin_area ORDER BY 1").fetchall()
        ]
        for level in levels:
            place_reports(con, level)
        result.admin_levels = levels
    result.ambiguous.sort(key=lambda a: (-a["reports"], a["place_text"]))
    result.unmatched.sort(key=lambda a: (-a["reports"], a["place_text"]))
    return result


def _tally(
    r: PlaceLocating, m: Match, text: str, adm1: str | None, ids: list[int], rows: list[tuple[Any, ...]]
) -> None:
    r.reports += len(ids)
    if m.status == "located" and m.place is not None:
        p = m.place
        rows += [(i, p.place_id, p.latitude, p.longitude, p.precision, f"gazetteer: {p.method}", p.score,
                  m.text, p.name, m.in_stated) for i in ids]  # fmt: skip
        r.located += len(ids)
        for counts, word in (
            (r.by_method, p.method),
            (r.by_precision, p.precision),
            (r.by_stated, m.in_stated),
        ):
            counts[word] = counts.get(word, 0) + len(ids)
    elif m.status == "ambiguous":
        places = [{"place_id": c.place_id, "name": c.name, "precision": c.precision, "adm1_pcode": c.adm[0],
                   "latitude": c.latitude, "longitude": c.longitude} for c in m.candidates]  # fmt: skip
        r.ambiguous.append({"place_text": text, "matched_text": m.text, "adm1_source": adm1,
                            "reports": len(ids), "report_ids": ids[:20], "candidates": places})  # fmt: skip
    else:
        r.unmatched.append(
            {"place_text": text, "adm1_source": adm1, "reports": len(ids), "report_ids": ids[:20]}
        )


def _write_locations(con: duckdb.DuckDBPyConnection, rows: list[tuple[Any, ...]]) -> None:
    names = ("report_id", "place_id", "latitude", "longitude", "precision", "method", "score",
             "matched_text", "matched_name", "in_stated_adm")  # fmt: skip
    con.execute("DELETE FROM report_location")
    if not rows:
        return
    con.register("ht_located", pa.table({n: [r[i] for r in rows] for i, n in enumerate(names)}))
    try:
        con.execute("INSERT INTO report_location BY NAME SELECT * FROM ht_located")
    finally:
        con.unregister("ht_located")
