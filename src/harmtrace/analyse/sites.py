"""Protected sites (hospitals, schools, markets, bakeries, water stations, shelters...) and strikes near them.

A site is a point with a radius (`radius_m`, default 50 m): how precisely its point is known. Its period
of operation [open_from, open_to] may be open on either side (unknown = not limiting).

An incident (point p, precision radius r_i, date interval T) is near a site (point s, radius r_s) when
T overlaps the site's period of operation, and:

- *certainly within* R: d(p, s) + r_i + r_s <= R (every possible place of both is within R);
- *possibly within* R: d(p, s) - r_i - r_s <= R.

Incidents less precise than `max_precision_m` (default 2 km) are not matched to sites at all: "within
25 km of a point" says nothing about a hospital 300 m away; how many were left out is reported.

Repeat strikes: two or more incidents possibly within R of the same site. A *double tap*: a strike
that came at most `double_tap_days` after another strike at the same site (certain: both certainly
within R and the largest possible gap between their dates is <= the limit; possible: the smallest
possible gap is). Dates are days, so strikes on one day count whatever their hours. Until incidents
are linked, two reports of one strike also look like a double tap: the output says so.

Reported site hits: incidents whose reports say a site of the kind was hit (`report.site_kinds`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any, Final

import duckdb
import numpy as np
from scipy.spatial import cKDTree

from harmtrace.analyse.geometry import UNKNOWN_DAY, date_of, day_of, to_metres
from harmtrace.analyse.incident_points import IncidentPoints, IncidentQuery, load_incidents
from harmtrace.choices import SITE_KINDS as KNOWN_KINDS
from harmtrace.errors import InputError, QueryError, param
from harmtrace.ingest.checks import PlausibleArea
from harmtrace.ingest.geofile import Feature, first_of, read_geofile
from harmtrace.ingest.intake import ImportResult, Intake, import_rows, options_text
from harmtrace.store import Store, scalar

FORMAT: Final = "sites"
DEFAULT_SITE_RADIUS_M: Final = 50.0
FIELDS: Final = {
    "name_en": ("name_en", "name", "name_english", "english_name"),
    "name_ar": ("name_ar", "name_arabic", "arabic_name", "name1"),
    "latitude": ("latitude", "lat", "y"),
    "longitude": ("longitude", "lon", "lng", "long", "x"),
    "open_from": ("open_from", "opened", "valid_from", "start"),
    "open_to": ("open_to", "closed", "valid_to", "end"),
    "radius_m": ("radius_m", "precision_m"),
    "ref": ("id", "ref", "source_id", "site_id"),
}


def import_sites(store: Store, path: Path, kind: str, source: str | None = None) -> ImportResult:
    """Import sites of `kind` from CSV or GeoJSON/GeoPackage points; bad rows quarantined with reasons."""
    kind = check_kind(kind)
    geofile = read_geofile(path)
    options = options_text({"kind": kind, "source": source})
    intake = Intake(geofile.file, FORMAT, source or path.name, "site", options)
    accepted, rejected = geofile.check(_site)

    def write(con: duckdb.DuckDBPyConnection, batch_id: int) -> str:
        _insert_sites(con, accepted, kind, intake.source, batch_id)
        return f"SELECT row_number FROM site WHERE batch_id = {batch_id}"

    result = import_rows(store, intake, geofile.header, geofile.documents(), rejected, write)
    return replace(result, what=f"{kind} sites")


def check_kind(kind: str) -> str:
    """A site kind, lower-cased; any word is allowed, but it must be a word."""
    word = " ".join(kind.lower().replace("_", " ").split())
    if not word or not all(part.isalpha() for part in word.split()):
        raise InputError(
            f"{param('kind')} {kind!r} is not a word; use one of {', '.join(KNOWN_KINDS)} (or another word)."
        )
    return word


def _site(f: Feature) -> tuple[dict[str, Any], list[str]]:
    p, reasons = f.properties, list[str]()
    lon, lat = _coordinates(f, reasons)
    site = {
        "name_en": first_of(p, FIELDS["name_en"]),
        "name_ar": first_of(p, FIELDS["name_ar"]),
        "latitude": lat,
        "longitude": lon,
        "ref": first_of(p, FIELDS["ref"]),
        "row_number": f.row_number,
    }
    if not site["name_en"] and not site["name_ar"]:
        reasons.append("name_missing: no name_en / name / name_ar: a site must be identifiable")
    site["open_from"] = _date(first_of(p, FIELDS["open_from"]), "open_from", reasons)
    site["open_to"] = _date(first_of(p, FIELDS["open_to"]), "open_to", reasons)
    if site["open_from"] and site["open_to"] and site["open_to"] < site["open_from"]:
        reasons.append(f"date_order: open_to {site['open_to']} is before open_from {site['open_from']}")
    site["radius_m"] = _radius(first_of(p, FIELDS["radius_m"]), reasons)
    return site, reasons


def _coordinates(f: Feature, reasons: list[str]) -> tuple[float | None, float | None]:
    if f.geometry is not None:
        if f.geometry.geom_type != "Point":
            reasons.append(f"geometry_type: {f.geometry.geom_type}; a site is a Point (use its centre)")
            return None, None
        lon, lat = f.geometry.x, f.geometry.y
    else:
        lon, lat = (
            _number(first_of(f.properties, FIELDS["longitude"])),
            _number(first_of(f.properties, FIELDS["latitude"])),
        )
        if lon is None or lat is None:
            reasons.append("coordinates_missing: give latitude and longitude (decimal degrees)")
            return None, None
    box = PlausibleArea()
    if not (box.lon_min <= lon <= box.lon_max and box.lat_min <= lat <= box.lat_max):
        swapped = box.lon_min <= lat <= box.lon_max and box.lat_min <= lon <= box.lat_max
        hint = " (latitude and longitude look swapped)" if swapped else ""
        reasons.append(f"coordinates_outside_area: {lat}, {lon} is outside Syria and its borders{hint}")
    return lon, lat


def _number(value: Any) -> float | None:
    try:
        return float(str(value).replace(",", ".")) if value is not None else None
    except ValueError:
        return None


def _date(value: Any, name: str, reasons: list[str]) -> date | None:
    if value is None:
        return None
    try:
        return value if isinstance(value, date) else date.fromisoformat(str(value).strip()[:10])
    except ValueError:
        reasons.append(f"date_invalid: {name} {value!r} is not a date written YYYY-MM-DD")
        return None


def _radius(value: Any, reasons: list[str]) -> float:
    if value is None:
        return DEFAULT_SITE_RADIUS_M
    number = _number(value)
    if number is None or number < 0:
        reasons.append(f"radius_invalid: radius_m {value!r} is not a non-negative number of metres")
        return DEFAULT_SITE_RADIUS_M
    return number


def _insert_sites(con: Any, sites: list[dict[str, Any]], kind: str, source: str, batch_id: int) -> None:
    first = int(scalar(con, "SELECT coalesce(max(site_id), 0) + 1 FROM site"))
    for n, s in enumerate(sites):
        con.execute(
            "INSERT INTO site VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                first + n,
                kind,
                s["name_en"],
                s["name_ar"],
                s["latitude"],
                s["longitude"],
                s["radius_m"],
                s["open_from"],
                s["open_to"],
                source,
                None if s["ref"] is None else str(s["ref"]),
                batch_id,
                s["row_number"],
            ],
        )


@dataclass
class SiteSet:
    """Sites as arrays: ids, projected x/y (metres), radius_m, open_from/open_to day numbers (open side:
    UNKNOWN_DAY / max), and the rows for display."""

    ids: np.ndarray
    x: np.ndarray
    y: np.ndarray
    radius_m: np.ndarray
    open_from: np.ndarray
    open_to: np.ndarray
    rows: list[dict[str, Any]]


def load_sites(store: Store, kind: str | None) -> SiteSet:
    rows = store.rows(
        "SELECT site_id, kind, name_en, name_ar, latitude, longitude, radius_m, open_from, open_to, source "
        "FROM site WHERE ? IS NULL OR kind = ? ORDER BY site_id",
        [None if kind is None else check_kind(kind)] * 2,
    )
    if not rows:
        known = store.rows("SELECT kind, count(*) AS n FROM site GROUP BY kind ORDER BY kind")
        have = ", ".join(f"{k['kind']} ({k['n']})" for k in known) or "none"
        raise QueryError(
            f"No sites{f' of kind {kind!r}' if kind else ''} in the store (have: {have}). "
            "Import some: harmtrace sites import FILE --kind hospital"
        )
    x, y = to_metres(np.array([r["longitude"] for r in rows]), np.array([r["latitude"] for r in rows]))
    top = np.iinfo(np.int64).max
    return SiteSet(
        np.array([r["site_id"] for r in rows], dtype=np.int64),
        x,
        y,
        np.array([r["radius_m"] for r in rows], dtype=float),
        np.array(
            [UNKNOWN_DAY if r["open_from"] is None else day_of(r["open_from"]) for r in rows], dtype=np.int64
        ),
        np.array([top if r["open_to"] is None else day_of(r["open_to"]) for r in rows], dtype=np.int64),
        rows,
    )


@dataclass
class Matches:
    """(incident, site) pairs possibly within R: indices, centre distance and range in metres."""

    incident: np.ndarray
    site: np.ndarray
    distance_m: np.ndarray
    lower_m: np.ndarray
    upper_m: np.ndarray
    certain: np.ndarray


def match_sites(pts: IncidentPoints, sites: SiteSet, radius_m: float, max_precision_m: float) -> Matches:
    """Every (incident, site) pair possibly within `radius_m`, with the site operating on a possible day."""
    usable = np.flatnonzero(pts.located & pts.dated & (pts.radius_m <= max_precision_m))
    reach = radius_m + max_precision_m + float(sites.radius_m.max())
    tree = cKDTree(np.column_stack([pts.x[usable], pts.y[usable]]))
    found = tree.query_ball_point(np.column_stack([sites.x, sites.y]), reach)
    site = np.repeat(np.arange(len(found)), [len(f) for f in found])
    inc = usable[np.concatenate([np.asarray(f, dtype=np.int64) for f in found])] if len(site) else site
    d = np.hypot(pts.x[inc] - sites.x[site], pts.y[inc] - sites.y[site])
    spread = pts.radius_m[inc] + sites.radius_m[site]
    lower, upper = np.maximum(0.0, d - spread), d + spread
    operating = (pts.end[inc] >= sites.open_from[site]) & (pts.start[inc] <= sites.open_to[site])
    keep = (lower <= radius_m) & operating
    order = np.lexsort((pts.start[inc][keep], site[keep]))
    pick = np.flatnonzero(keep)[order]
    return Matches(inc[pick], site[pick], d[pick], lower[pick], upper[pick], upper[pick] <= radius_m)


@dataclass(frozen=True)
class SiteQuery:
    kind: str | None = None
    radius_m: float = 500.0
    max_precision_m: float = 2000.0
    double_tap_days: int = 1

    def __post_init__(self) -> None:
        if self.radius_m <= 0 or self.max_precision_m < 0 or self.double_tap_days < 0:
            raise QueryError(
                f"{param('radius_m')} must be positive; "
                f"{param('max_precision_m')} and {param('double_tap_days')} 0 or more."
            )


def sites_report(store: Store, sq: SiteQuery, query: IncidentQuery) -> dict[str, Any]:
    """Each site with the incidents near it, repeat strikes and double taps, plus reported site hits."""
    sites = load_sites(store, sq.kind)
    pts = load_incidents(store, query)
    m = match_sites(pts, sites, sq.radius_m, sq.max_precision_m)
    per_site = [_site_entry(sites, pts, m, j, sq) for j in np.unique(m.site).tolist()]
    per_site.sort(key=lambda s: (-s["strikes_possible"], -s["strikes_certain"], s["site_id"]))
    too_coarse = pts.located & (pts.radius_m > sq.max_precision_m)
    return {
        "filters": query.as_dict() | asdict(sq),
        "window": query.window,
        "sites": len(sites.ids),
        "sites_struck": len(per_site),
        "incidents": len(pts.ids),
        "incidents_too_imprecise": int(too_coarse.sum()),
        "per_site": per_site,
        "reported_hits": _reported_hits(pts, m, sq.kind),
        "notes": [
            "Reports not linked into incidents count as their own incidents: two reports of one strike look "
            "like a repeat strike or a double tap until harmtrace link incidents has run.",
            f"Incidents less precise than {sq.max_precision_m:g} m are not matched to sites.",
        ],
    }


def _site_entry(sites: SiteSet, pts: IncidentPoints, m: Matches, j: int, sq: SiteQuery) -> dict[str, Any]:
    sel = np.flatnonzero(m.site == j)
    row = sites.rows[j]
    strikes = [
        {
            "incident_id": str(pts.ids[m.incident[k]]),
            "date_start": date_of(int(pts.start[m.incident[k]])),
            "date_end": date_of(int(pts.end[m.incident[k]])),
            "distance_m": round(float(m.distance_m[k]), 1),
            "within": "certainly" if m.certain[k] else "possibly",
        }
        for k in sel
    ]
    taps = double_taps(
        pts.start[m.incident[sel]], pts.end[m.incident[sel]], m.certain[sel], sq.double_tap_days
    )
    return {
        "site_id": row["site_id"],
        "kind": row["kind"],
        "name_en": row["name_en"],
        "name_ar": row["name_ar"],
        "strikes_certain": int(m.certain[sel].sum()),
        "strikes_possible": len(sel),
        "repeat": len(sel) > 1,
        "double_taps_certain": taps[0],
        "double_taps_possible": taps[1],
        "strikes": strikes,
    }


def double_taps(start: np.ndarray, end: np.ndarray, certain: np.ndarray, days: int) -> tuple[int, int]:
    """Strikes that followed another strike at the same site within `days`: (certain, possible) counts.

    Strikes are in order of start day. A strike is a possible double tap when some earlier strike's
    dates could be at most `days` from its own, a certain one when both were certainly within R and
    their dates are certainly at most `days` apart.

    >>> double_taps(np.array([0, 1, 9]), np.array([0, 1, 9]), np.array([True, True, False]), 1)
    (1, 1)
    """
    i, j = np.triu_indices(len(start), k=1)
    gap_min = np.maximum(0, np.maximum(start[j] - end[i], start[i] - end[j]))
    gap_max = np.maximum(end[j] - start[i], end[i] - start[j])
    possible = gap_min <= days
    sure = possible & (gap_max <= days) & certain[i] & certain[j]
    return len(np.unique(j[sure])), len(np.unique(j[possible]))


def _reported_hits(pts: IncidentPoints, m: Matches, kind: str | None) -> dict[str, Any]:
    """Incidents whose reports say a site (of the kind) was hit, and how many are near a known site."""
    said = [i for i, kinds in enumerate(pts.site_kinds) if kinds and (kind is None or kind in kinds)]
    near = set(m.incident.tolist())
    return {
        "incidents": len(said),
        "near_a_known_site": sum(1 for i in said if i in near),
        "ids": [str(pts.ids[i]) for i in said],
    }


def sites_geojson(store: Store) -> dict[str, Any]:
    """Every site as a GeoJSON Point feature (lon/lat) with kind, names, period, radius and source."""
    rows = store.rows(
        "SELECT * EXCLUDE (latitude, longitude), longitude AS lon, latitude AS lat FROM site ORDER BY site_id"
    )
    features = []
    for r in rows:
        point = {"type": "Point", "coordinates": [r.pop("lon"), r.pop("lat")]}
        props = {k: (v.isoformat() if isinstance(v, date) else v) for k, v in r.items()}
        features.append({"type": "Feature", "properties": props, "geometry": point})
    return {"type": "FeatureCollection", "features": features}
