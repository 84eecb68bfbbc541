"""Administrative areas (OCHA COD-AB polygons) and which one each report falls in.

Levels: 1 governorate (muhafaza), 2 district (mantika), 3 sub-district (nahiya). An OCHA GeoJSON file
of level N has properties ``admN_pcode``, ``admN_name`` (English), ``admN_name1`` (Arabic) and, below
level 1, the parent's ``adm{N-1}_pcode``. Coordinates are WGS84 lon/lat.

The placement rule, for each report and level (one row per report and level in `report_admin`):

- a report's point is its own coordinates, else its gazetteer location (`harmtrace locate places`,
  the store's `report_points` relation); a report without either is not placed (pcode NULL);
- a report whose location precision is coarser than the level's unit is not placed: its point stands
  for an area larger than the polygon, so the polygon it falls in would be a guess. Level 1 accepts
  precisions down to 'governorate', level 2 down to 'district', level 3 down to 'subdistrict', in the
  order of `harmtrace.model.LOCATION_PRECISIONS` ('within_25km' counts as finer than a sub-district;
  'region', 'country' and 'unknown' are placed at no level: a point of unknown precision may be a
  governorate's or the country's centroid);
- a point inside a polygon (or on its boundary) is placed there; on a shared boundary, the lowest
  pcode wins, so each report has at most one area per level;
- a point outside every polygon but within `tolerance_km` of one is placed in the nearest polygon
  (coordinates rounded by the source, or a town on the border river); farther away it is not placed.
  Distances are measured in degrees and converted at 111.32 km per degree, which never overstates the
  tolerance (a degree of longitude is shorter than that).
- at level 1, optionally (`source_names`), a report the point rule leaves unplaced gets the
  governorate its source names (`adm1_source`), with method 'source name' (`place_by_source_names`).

`report_admin.method` records which rule placed each report: 'point in area', 'nearest area' or
'source name'.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Final

import duckdb
import numpy as np
import pyarrow as pa
import shapely

from harmtrace.choices import DEFAULT_TOLERANCE_KM
from harmtrace.errors import InputError, param
from harmtrace.ingest.geofile import Feature, GeoFile, read_geofile
from harmtrace.ingest.intake import ImportResult, Intake, import_rows, options_text
from harmtrace.locate.crosswalk import adm1_lookup_from, normalise_name
from harmtrace.model import LOCATION_PRECISIONS
from harmtrace.store import Store, scalar
from harmtrace.store.relations import relation_sql

LEVEL_NAMES: Final = {1: "governorate", 2: "district", 3: "subdistrict"}
BOUNDARIES: Final = "boundaries"  # the format of a boundary file's batch
BOUNDARIES_SOURCE: Final = "OCHA COD-AB"
KM_PER_DEGREE: Final = 111.32


@dataclass(frozen=True)
class AdminArea:
    """One administrative polygon with its P-code and names (English, Arabic as written)."""

    pcode: str
    level: int
    name_en: str
    name_ar: str | None
    parent_pcode: str | None
    geometry: Any  # shapely Polygon or MultiPolygon, WGS84 lon/lat
    row_number: int = 0  # the feature's row in its file


@dataclass
class AdminFile:
    """A boundary file read: its rows (the documents of its batch), the level, the areas of its good
    features and, for the others, row number -> reasons."""

    rows: GeoFile
    level: int
    areas: list[AdminArea]
    rejected: dict[int, list[str]]


@dataclass(frozen=True)
class Placement:
    """What `locate_admin` did at one level: reports per area and why the others were not placed."""

    level: int
    source_file: str
    areas_loaded: int
    tolerance_km: float
    reports: int = 0
    per_area: list[dict[str, Any]] = field(default_factory=list)
    not_placed: list[dict[str, Any]] = field(default_factory=list)
    placed_by_tolerance: int = 0
    max_tolerance_km: float | None = None
    placed_by_name: int = 0
    imported: ImportResult | None = None  # the batch of the boundary file (none when placing again)

    @property
    def placed(self) -> int:
        return sum(int(a["reports"]) for a in self.per_area)

    def as_dict(self) -> dict[str, Any]:
        return {
            "level": self.level,
            "level_name": LEVEL_NAMES[self.level],
            "source_file": self.source_file,
            "areas_loaded": self.areas_loaded,
            "tolerance_km": self.tolerance_km,
            "reports": self.reports,
            "placed": self.placed,
            "placed_by_tolerance": self.placed_by_tolerance,
            "placed_by_source_name": self.placed_by_name,
            "max_tolerance_distance_km": self.max_tolerance_km,
            "per_area": self.per_area,
            "not_placed": self.not_placed,
        }


def coarsest_precision(level: int) -> str:
    """The coarsest location precision still placed at `level`.

    >>> coarsest_precision(1), coarsest_precision(3)
    ('governorate', 'subdistrict')
    """
    _check_level(level)
    return LEVEL_NAMES[level]


def precisions_placed(level: int) -> tuple[str, ...]:
    """Location precisions fine enough to place a report at `level` (finest first)."""
    stop = LOCATION_PRECISIONS.index(coarsest_precision(level))
    return tuple(LOCATION_PRECISIONS[: stop + 1])


def _check_level(level: int) -> None:
    if level not in LEVEL_NAMES:
        raise InputError(f"Admin level {level} is not supported; use 1 (governorate), 2 or 3.")


def read_admin_file(path: Path, level: int | None = None) -> AdminFile:
    """The polygons of an OCHA COD-AB boundary file; `level` defaults to the finest the file has.

    A feature without P-code, name or polygon is quarantined; a file with no good feature, or with a
    P-code twice, is refused.
    """
    rows = read_geofile(path)
    level = level if level is not None else detect_level(rows.header, path)
    _check_level(level)
    areas, rejected = rows.check(lambda f: admin_area(f, level))
    if not areas:
        first = "; ".join(rejected[min(rejected)]) if rejected else "no features"
        raise InputError(f"{path} holds no level-{level} area (feature 1: {first}). Check {param('level')}.")
    pcodes = [a.pcode for a in areas]
    if len(set(pcodes)) != len(pcodes):
        dupes = sorted({p for p in pcodes if pcodes.count(p) > 1})
        raise InputError(f"{path}: P-codes appear more than once: {', '.join(dupes[:10])}. Fix the file.")
    return AdminFile(rows, level, areas, rejected)


def detect_level(properties: Iterable[str], path: Path) -> int:
    """The finest level N whose ``admN_pcode`` property is present."""
    names = set(properties)
    levels = [n for n in sorted(LEVEL_NAMES, reverse=True) if f"adm{n}_pcode" in names]
    if not levels:
        raise InputError(
            f"{path}: no adm1_pcode, adm2_pcode or adm3_pcode property in its features. "
            "Expected an OCHA COD-AB boundary file (admin 1 to 3); "
            f"give {param('level')} if it uses other names."
        )
    return levels[0]


def admin_area(f: Feature, level: int) -> tuple[AdminArea | None, list[str]]:
    """The level-`level` area of a boundary feature, or why it is none (a polygon is repaired)."""
    props = f.properties
    pcode, name = _given(props.get(f"adm{level}_pcode")), _given(props.get(f"adm{level}_name"))
    reasons = []
    if not pcode or not name:
        reasons.append(
            f"pcode_or_name_missing: no adm{level}_pcode or adm{level}_name (a level-{level} file?)"
        )
    geometry = f.geometry
    if geometry is None or geometry.is_empty:
        reasons.append("geometry_missing: the feature has no geometry")
    elif geometry.geom_type not in ("Polygon", "MultiPolygon"):
        reasons.append(f"geometry_type: {geometry.geom_type}, expected Polygon or MultiPolygon")
    if reasons or pcode is None or name is None:
        return None, reasons
    return AdminArea(
        pcode=pcode,
        level=level,
        name_en=name,
        name_ar=_given(props.get(f"adm{level}_name1")),
        parent_pcode=_given(props.get(f"adm{level - 1}_pcode")),
        geometry=geometry if shapely.is_valid(geometry) else shapely.make_valid(geometry),
        row_number=f.row_number,
    ), []


def _given(value: Any) -> str | None:
    text = "" if value is None else str(value).strip()
    return text or None


def locate_admin(
    store: Store,
    path: Path | str,
    level: int | None = None,
    tolerance_km: float = DEFAULT_TOLERANCE_KM,
    source_names: bool = False,
) -> Placement:
    """Load the polygons of `path` and place every report in them, replacing that level, atomically.

    Points only by default (`harmtrace locate admin` turns `source_names` on: see `place_reports`).
    """
    if tolerance_km < 0:
        raise InputError(f"{param('tolerance_km')} must be 0 or more, got {tolerance_km}.")
    path = Path(path)
    found = read_admin_file(path, level)
    intake = Intake(
        found.rows.file, BOUNDARIES, BOUNDARIES_SOURCE, "admin area", options_text({"level": found.level})
    )
    with store.transaction() as con:
        store_areas(con, found.areas, path.name)
        accepted, rows = [a.row_number for a in found.areas], found.rows
        imported = import_rows(
            store, intake, rows.header, rows.documents(), found.rejected, lambda *_: accepted
        )
        imported = replace(imported, what=f"admin{found.level} boundaries")
        placement = place_reports(con, found.level, tolerance_km, path.name, source_names)
    return replace(placement, imported=imported)


def relocate_admin(
    store: Store,
    tolerance_km: float = DEFAULT_TOLERANCE_KM,
    source_names: bool = True,
    level: int | None = None,
) -> list[Placement]:
    """Re-place every report in the stored areas of each level (or of `level`), atomically."""
    if tolerance_km < 0:
        raise InputError(f"{param('tolerance_km')} must be 0 or more, got {tolerance_km}.")
    stored = [int(r["level"]) for r in store.rows("SELECT DISTINCT level FROM admin_area ORDER BY level")]
    levels = [lv for lv in stored if level is None or lv == level]
    if not levels:
        raise InputError(
            "No admin areas stored" + (f" at level {level}" if level else "") + ". Load them first: "
            "harmtrace places import syr_admin1.geojson --format ocha (or harmtrace locate admin FILE)."
        )
    with store.transaction() as con:
        files = dict(con.execute("SELECT level, min(source_file) FROM admin_area GROUP BY level").fetchall())
        return [place_reports(con, lv, tolerance_km, files[lv], source_names) for lv in levels]


def store_areas(con: duckdb.DuckDBPyConnection, areas: list[AdminArea], source_file: str) -> None:
    """Replace the areas of their level (and the placements that pointed at them)."""
    level = areas[0].level
    con.execute("DELETE FROM report_admin WHERE level = ?", [level])
    con.execute("DELETE FROM admin_area WHERE level = ?", [level])
    table = pa.table(
        {
            "pcode": [a.pcode for a in areas],
            "name_en": [a.name_en for a in areas],
            "name_ar": pa.array([a.name_ar for a in areas], pa.string()),
            "parent_pcode": pa.array([a.parent_pcode for a in areas], pa.string()),
            "geometry_wkb": pa.array(shapely.to_wkb([a.geometry for a in areas]), pa.binary()),
        }
    )
    con.register("ht_areas", table)
    _refuse_pcodes_of_other_levels(con, level)
    con.execute(
        "INSERT INTO admin_area "
        "SELECT pcode, ?, name_en, name_ar, parent_pcode, geometry_wkb, ? FROM ht_areas",
        [level, source_file],
    )
    con.unregister("ht_areas")


def _refuse_pcodes_of_other_levels(con: duckdb.DuckDBPyConnection, level: int) -> None:
    clash = con.execute(
        "SELECT a.pcode, a.level FROM admin_area a JOIN ht_areas h USING (pcode) ORDER BY a.pcode LIMIT 5"
    ).fetchall()
    if clash:
        where = ", ".join(f"{pcode} (level {other})" for pcode, other in clash)
        raise InputError(
            f"P-codes of this level-{level} file are already used at another level: {where}. "
            f"Check {param('level')}: each level needs its own boundary file."
        )


def place_reports(
    con: duckdb.DuckDBPyConnection,
    level: int,
    tolerance_km: float = DEFAULT_TOLERANCE_KM,
    source_file: str = "",
    source_names: bool = True,
) -> Placement:
    """Write one `report_admin` row per report at `level` from the stored areas (see module doc).

    Points are those of the store's `report_points` relation: a report's own coordinates, else
    its gazetteer location. At level 1, with `source_names`, a report the points leave unplaced gets
    the governorate its source names (`adm1_source`, matched by `harmtrace.locate.crosswalk`), with
    method 'source name'.
    """
    pcodes, geoms = _stored_areas(con, level)
    allowed = list(precisions_placed(level))
    pts = con.execute(
        f"SELECT report_id, longitude, latitude FROM ({relation_sql('report_points')}) "
        "WHERE list_contains(?, precision) ORDER BY report_id",
        [allowed],
    ).fetchnumpy()
    ids = np.asarray(pts["report_id"], dtype=np.int64)
    lon, lat = np.asarray(pts["longitude"], dtype=float), np.asarray(pts["latitude"], dtype=float)
    area_index, distance = assign_points(lon, lat, geoms, tolerance_km)
    found = area_index >= 0
    how = np.where(distance[found] > 0, "nearest area", "point in area")
    placed = pa.table({"report_id": ids[found], "pcode": pcodes[area_index[found]], "method": how})
    con.execute("DELETE FROM report_admin WHERE level = ?", [level])
    con.register("ht_placed", placed)
    try:
        con.execute(
            "INSERT INTO report_admin (report_id, level, pcode, method) "
            "SELECT r.report_id, ?, p.pcode, p.method FROM report r LEFT JOIN ht_placed p USING (report_id)",
            [level],
        )
    finally:
        con.unregister("ht_placed")
    by_name = place_by_source_names(con) if level == 1 and source_names else 0
    by_tolerance = distance[found & (distance > 0)]
    result = Placement(
        level, source_file, len(pcodes), tolerance_km,
        placed_by_tolerance=len(by_tolerance),
        max_tolerance_km=round(float(by_tolerance.max()), 3) if len(by_tolerance) else None,
        placed_by_name=by_name,
    )  # fmt: skip
    return _summarised(con, result, allowed, tolerance_km)


def place_by_source_names(con: duckdb.DuckDBPyConnection) -> int:
    """Give unplaced reports the governorate their source names; returns how many were placed so.

    Used where the point cannot say (precision coarser than a governorate, no point, or a point
    outside every area): the source's own governorate name is better evidence than none, and it is
    recorded as such (method 'source name'), never mixed with point-in-polygon placements.
    """
    areas = rows(con, "SELECT pcode, name_en, name_ar FROM admin_area WHERE level = 1", [])
    stored = {a["pcode"] for a in areas}
    # the crosswalk's variants name OCHA Syria P-codes: only those of the stored areas can be used
    lookup = {k: p for k, p in adm1_lookup_from(areas).items() if p in stored}
    names = con.execute(
        "SELECT DISTINCT r.adm1_source FROM report r JOIN report_admin ra USING (report_id) "
        "WHERE ra.level = 1 AND ra.pcode IS NULL AND r.adm1_source IS NOT NULL ORDER BY 1"
    ).fetchall()
    matched = [(n, lookup[k]) for (n,) in names if (k := normalise_name(n)) in lookup]
    if not matched:
        return 0
    con.register("ht_names", pa.table({"name": [m[0] for m in matched], "pcode": [m[1] for m in matched]}))
    try:
        before = scalar(con, "SELECT count(*) FROM report_admin WHERE level = 1 AND pcode IS NOT NULL", [])
        con.execute(
            "UPDATE report_admin SET pcode = n.pcode, method = 'source name' FROM report r, ht_names n "
            "WHERE report_admin.level = 1 AND report_admin.pcode IS NULL "
            "AND r.report_id = report_admin.report_id AND n.name = r.adm1_source"
        )
        after = scalar(con, "SELECT count(*) FROM report_admin WHERE level = 1 AND pcode IS NOT NULL", [])
    finally:
        con.unregister("ht_names")
    return int(after) - int(before)


def _stored_areas(con: duckdb.DuckDBPyConnection, level: int) -> tuple[np.ndarray, np.ndarray]:
    rows = con.execute(
        "SELECT pcode, geometry_wkb FROM admin_area WHERE level = ? ORDER BY pcode", [level]
    ).fetchall()
    if not rows:
        raise InputError(
            f"No level-{level} areas in the store. "
            f"Load them first: harmtrace locate admin FILE --level {level}"
        )
    pcodes = np.array([r[0] for r in rows], dtype=object)
    return pcodes, shapely.from_wkb([bytes(r[1]) for r in rows])


def assign_points(
    x: np.ndarray, y: np.ndarray, areas: np.ndarray, tolerance_km: float
) -> tuple[np.ndarray, np.ndarray]:
    """For each point (x lon, y lat), the index of the area it falls in (-1: none) and its distance in km.

    Vectorised over points: one pass per area (a bounding-box filter, then `shapely.intersects_xy` on
    the prepared polygon), never a Python loop per point. Areas must be ordered by preference: on a
    shared boundary the lowest index wins. Points outside every area go to the nearest one within
    `tolerance_km` (STRtree); their distance is > 0, the others' is 0.
    """
    area_index = np.full(len(x), -1, dtype=np.int64)
    bounds = shapely.bounds(areas)
    # from the last area to the first, so that the lowest index is written last on a shared boundary
    for i in range(len(areas) - 1, -1, -1):
        lon_min, lat_min, lon_max, lat_max = bounds[i]
        near = np.flatnonzero((x >= lon_min) & (x <= lon_max) & (y >= lat_min) & (y <= lat_max))
        shapely.prepare(areas[i])
        area_index[near[shapely.intersects_xy(areas[i], x[near], y[near])]] = i
    distance = np.zeros(len(x), dtype=np.float64)
    outside = np.flatnonzero(area_index < 0)
    if len(outside) and tolerance_km > 0:
        points = shapely.points(x[outside], y[outside])
        (near_i, near_area), near_deg = shapely.STRtree(areas).query_nearest(
            points, max_distance=tolerance_km / KM_PER_DEGREE, return_distance=True, all_matches=False
        )
        area_index[outside[near_i]] = near_area
        distance[outside[near_i]] = near_deg * KM_PER_DEGREE
    return area_index, distance


def _summarised(
    con: duckdb.DuckDBPyConnection, result: Placement, allowed: list[str], tolerance_km: float
) -> Placement:
    """Reports per area, and the not-placed ones grouped by reason ("code" and a detail)."""
    level = result.level
    reports = int(scalar(con, "SELECT count(*) FROM report_admin WHERE level = ?", [level]))
    per_area = rows(
        con,
        "SELECT a.pcode, a.name_en, a.name_ar, count(ra.report_id) AS reports FROM admin_area a "
        "LEFT JOIN report_admin ra ON ra.pcode = a.pcode AND ra.level = a.level WHERE a.level = ? "
        "GROUP BY ALL ORDER BY reports DESC, a.pcode",
        [level],
    )
    not_placed = rows(
        con,
        f"SELECT reason, detail, count(*) AS reports FROM (SELECT {_WHY_NOT} FROM report_admin ra "
        f"LEFT JOIN ({relation_sql('report_points')}) r USING (report_id) "
        "WHERE ra.level = $level AND ra.pcode IS NULL) "
        "GROUP BY ALL ORDER BY reports DESC, reason, detail",
        {
            "allowed": allowed,
            "unit": LEVEL_NAMES[level],
            "outside": f"farther than {tolerance_km:g} km from every level-{level} area",
            "level": level,
        },
    )
    return replace(result, reports=reports, per_area=per_area, not_placed=not_placed)


# Why a report got no area: (reason code, detail), in the order the rule checks them.
_WHY_NOT: Final = """
CASE WHEN r.longitude IS NULL OR r.latitude IS NULL THEN 'no_coordinates'
     WHEN r.precision = 'unknown' THEN 'precision_unknown'
     WHEN NOT list_contains($allowed, r.precision) THEN 'precision_too_coarse'
     ELSE 'outside_areas' END AS reason,
CASE WHEN r.longitude IS NULL OR r.latitude IS NULL THEN 'the report gives no point and no place was matched'
     WHEN r.precision = 'unknown' THEN 'the source does not say how precise its point is'
     WHEN NOT list_contains($allowed, r.precision)
     THEN 'location precision ' || r.precision || ' is coarser than ' || $unit
     ELSE $outside END AS detail
"""


def rows(
    con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | dict[str, Any]
) -> list[dict[str, Any]]:
    """Rows as dicts (fully fetched), for code that holds a connection inside a transaction."""
    cur = con.execute(sql, params)
    names = [d[0] for d in cur.description or []]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
