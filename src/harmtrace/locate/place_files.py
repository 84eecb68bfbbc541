"""Gazetteer files read into `Place` records: OCHA COD-AB layers, the Syrian Archive gazetteers, GeoNames.

Each place gets a precision word (`harmtrace.model.LOCATION_PRECISIONS`): what a report located by it
can claim. The rules, each a choice a reader may want to revisit:

- OCHA boundaries (admin0-3 polygons) and their label points (``syr_adminpoints``): country,
  governorate, district, sub-district by level. The point of a polygon is OCHA's own centre
  (``center_lon``/``center_lat``) when it lies inside the polygon, else a point on its surface.
- OCHA admin capitals (``syr_admincapitals``, no population given): the capital of the country or of
  a governorate is a city; of a district or sub-district, a town.
- OCHA neighbourhoods (``syr_neighborhoods``): neighbourhood, with the polygon kept.
- Syrian Archive 2015 gazetteer: an entry that is its own region (ALEPPO, IDLIB...) is a governorate;
  the others (villages, city quarters, roundabouts; the file gives no type) are villages. The
  seankross ``syrian_places`` file (Google-geocoded towns and quarters) is town.
- GeoNames (tab-separated, 19 columns): feature class A by code (ADM1 governorate, ADM2 district,
  ADM3 sub-district), populated places (class P) by population (>= 100,000 city, >= 10,000 town,
  else village; PPLX, a section of a populated place, is a neighbourhood; PPLC a city), spots and
  buildings (class S) within 100 m, everything else village.

Names in Arabic script and in Latin script are told apart by their letters, not by their column.
Files are read with pyogrio (GeoJSON, Shapefile, GeoPackage: anything GDAL reads) or as CSV / TSV.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import pyogrio
import shapely

from harmtrace.choices import PLACE_FILE_FORMATS as FORMATS
from harmtrace.errors import InputError
from harmtrace.locate.admin import LEVEL_NAMES, AdminArea
from harmtrace.locate.place_keys import script_of

ADMIN_PRECISION: Final = {0: "country", **LEVEL_NAMES}
CAPITAL_PRECISION: Final = {0: "city", 1: "city", 2: "town", 3: "town"}
GEONAMES_COLUMNS: Final = (
    "geonameid", "name", "asciiname", "alternatenames", "latitude", "longitude", "feature_class",
    "feature_code", "country_code", "cc2", "admin1_code", "admin2_code", "admin3_code", "admin4_code",
    "population", "elevation", "dem", "timezone", "modification_date",
)  # fmt: skip
GEONAMES_ADMIN: Final = {"ADM1": "governorate", "ADM2": "district", "ADM3": "subdistrict"}
_LATIN: Final = re.compile("[A-Za-z]")


@dataclass
class Place:
    """One gazetteer entry as read from its file; `names` holds every name and variant (both scripts)."""

    source_ref: str
    kind: str
    precision: str
    longitude: float
    latitude: float
    names: list[str]
    name_en: str | None = None
    name_ar: str | None = None
    population: int | None = None
    geometry: Any = None  # shapely polygon for areas, else None
    pcode: str | None = None
    adm_pcodes: dict[int, str] = field(default_factory=dict)


@dataclass
class PlaceFile:
    """What one file held: its places and, for OCHA boundary layers, the admin areas (levels 1-3)."""

    layer: str
    places: list[Place]
    areas: list[AdminArea] = field(default_factory=list)
    skipped_rows: list[int] = field(default_factory=list)  # rows (1 = first data row) without name or point


def read_place_file(path: Path, fmt: str) -> PlaceFile:
    """Read a gazetteer file of format `fmt` (one of FORMATS)."""
    if not path.is_file():
        raise InputError(f"File not found: {path}. Check the path and try again.")
    readers: dict[str, Callable[[Path], PlaceFile]] = {
        "ocha": read_ocha,
        "syrian-archive": read_syrian_archive,
        "geonames": read_geonames,
    }
    if fmt not in readers:
        raise InputError(f"Gazetteer format {fmt!r} is not one of {', '.join(FORMATS)}.")
    result = readers[fmt](path)
    if not result.places:
        raise InputError(f"{path} holds no places with a name and a point: is it a {fmt} file?")
    return result


def _text(value: Any) -> str | None:
    """A cell as stripped text; blank, NA and None are missing."""
    if value is None:
        return None
    text = str(value).strip()
    return text if text and text.casefold() not in ("na", "none", "null", "nan") else None


def _names(*values: Any) -> list[str]:
    """Distinct non-missing names in the order given."""
    seen: dict[str, None] = {}
    for v in values:
        if (t := _text(v)) is not None:
            seen.setdefault(t, None)
    return list(seen)


# ---------------------------------------------------------------------------------------------------
# OCHA COD-AB
# ---------------------------------------------------------------------------------------------------


def _read_layer(path: Path) -> tuple[list[dict[str, Any]], list[Any]]:
    """Attribute rows and shapely geometries of a vector file (any format GDAL reads)."""
    try:
        meta, table = pyogrio.read_arrow(path)
    except Exception as exc:  # pyogrio raises its own and GDAL's errors: all mean "cannot read"
        raise InputError(
            f"Cannot read {path} as a vector file ({exc}). Use GeoJSON, Shapefile or GeoPackage."
        ) from exc
    geometry_column = meta.get("geometry_name") or "wkb_geometry"
    geometries = shapely.from_wkb(table.column(geometry_column).to_pylist())
    crs = str(meta.get("crs") or "EPSG:4326")
    if crs not in ("EPSG:4326", "OGC:CRS84"):
        raise InputError(f"{path} is in {crs}: reproject it to WGS84 lon/lat (EPSG:4326) first.")
    return table.drop_columns([geometry_column]).to_pylist(), list(geometries)


def read_ocha(path: Path) -> PlaceFile:
    """An OCHA COD-AB layer, told apart by its attributes (boundaries, label points, capitals, quarters)."""
    rows, geoms = _read_layer(path)
    if not rows:
        raise InputError(f"{path} has no features.")
    fields = set(rows[0])
    if "admin_leve" in fields:
        return PlaceFile("admin points", [_admin_point(r, g) for r, g in zip(rows, geoms, strict=True)])
    if "adm_p_lvl" in fields:
        return PlaceFile("admin capitals", [_capital(r, g) for r, g in zip(rows, geoms, strict=True)])
    if "neighborho" in fields:
        return PlaceFile("neighbourhoods", [_quarter(r, g) for r, g in zip(rows, geoms, strict=True)])
    levels = [n for n in (3, 2, 1, 0) if f"adm{n}_pcode" in fields]
    if not levels:
        raise InputError(
            f"{path}: not an OCHA COD-AB layer (no admN_pcode, admin_leve, adm_p_lvl or neighborho "
            "attribute). Use --format geonames or syrian-archive for other gazetteers."
        )
    return _boundaries(path, rows, geoms, levels[0])


def _pcodes(row: dict[str, Any], finest: int) -> dict[int, str]:
    return {n: p for n in (1, 2, 3) if n <= finest and (p := _text(row.get(f"adm{n}_pcode")))}


def _boundaries(path: Path, rows: list[dict[str, Any]], geoms: list[Any], level: int) -> PlaceFile:
    places, areas = [], []
    for index, (row, geom) in enumerate(zip(rows, geoms, strict=True)):
        pcode, name_en = _text(row.get(f"adm{level}_pcode")), _text(row.get(f"adm{level}_name"))
        if not pcode or not name_en or geom is None or geom.geom_type not in ("Polygon", "MultiPolygon"):
            raise InputError(
                f"{path}: feature {index} has no adm{level}_pcode, name or polygon. Fix the file."
            )
        geom = geom if shapely.is_valid(geom) else shapely.make_valid(geom)
        name_ar = _text(row.get(f"adm{level}_name1"))
        point = _inner_point(geom, row.get("center_lon"), row.get("center_lat"))
        names = _names(name_en, name_ar, row.get(f"adm{level}_name2"), row.get(f"adm{level}_name3"))
        places.append(
            Place(pcode, ADMIN_PRECISION[level], ADMIN_PRECISION[level], point.x, point.y, names,
                  name_en, name_ar, geometry=geom, pcode=pcode, adm_pcodes=_pcodes(row, level))
        )  # fmt: skip
        if level >= 1:
            parent = _text(row.get(f"adm{level - 1}_pcode")) if level > 1 else None
            areas.append(AdminArea(pcode, level, name_en, name_ar, parent, geom))
    return PlaceFile(f"admin{level} boundaries", places, areas)


def _inner_point(geom: Any, lon: Any, lat: Any) -> Any:
    """The area's own centre when it is given and lies inside, else a point on its surface."""
    if lon is not None and lat is not None:
        centre = shapely.Point(float(lon), float(lat))
        if geom.covers(centre):
            return centre
    return geom.point_on_surface()


def _admin_point(row: dict[str, Any], geom: Any) -> Place:
    level = int(row["admin_leve"])
    pcode = _text(row.get(f"adm{level}_pcode")) or "SY"
    names = _names(row.get("name"), row.get("name1"), row.get("name2"), row.get("name3"))
    return Place(pcode, ADMIN_PRECISION[level], ADMIN_PRECISION[level], geom.x, geom.y, names,
                 _text(row.get("name")), _text(row.get("name1")), pcode=pcode,
                 adm_pcodes=_pcodes(row, level))  # fmt: skip


def _capital(row: dict[str, Any], geom: Any) -> Place:
    level = int(row["adm_p_lvl"])
    names = _names(row.get("name"), row.get("name_1"), row.get("name_2"), row.get("name_3"))
    where = _text(row.get(f"adm{level}_pcode")) if level else "SY"
    return Place(f"capital:{level}:{where}:{names[0] if names else ''}", "admin capital",
                 CAPITAL_PRECISION[level], geom.x, geom.y, names, _text(row.get("name")),
                 _text(row.get("name_1")), adm_pcodes=_pcodes(row, 3))  # fmt: skip


def _quarter(row: dict[str, Any], geom: Any) -> Place:
    code = _text(row.get("neighbor_2")) or _text(row.get("neighborho")) or ""
    geom = geom if shapely.is_valid(geom) else shapely.make_valid(geom)
    point = geom.point_on_surface()
    names = _names(row.get("neighborho"), row.get("neighbor_1"))
    return Place(code, "neighbourhood", "neighbourhood", point.x, point.y, names,
                 _text(row.get("neighborho")), _text(row.get("neighbor_1")), geometry=geom, pcode=code,
                 adm_pcodes=_pcodes(row, 3))  # fmt: skip


# ---------------------------------------------------------------------------------------------------
# Syrian Archive gazetteers (CSV)
# ---------------------------------------------------------------------------------------------------


def _csv_rows(path: Path, delimiter: str = ",") -> tuple[list[str], list[dict[str, str]]]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as f:
            reader = csv.DictReader(f, delimiter=delimiter)
            return list(reader.fieldnames or []), list(reader)
    except UnicodeDecodeError as exc:
        raise InputError(f"{path} is not UTF-8 ({exc}). Save it as UTF-8 and try again.") from exc


def _coordinate(value: Any) -> float | None:
    try:
        number = float(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if -180.0 <= number <= 180.0 else None


def read_syrian_archive(path: Path) -> PlaceFile:
    """The 2015 locations gazetteer (pk, name_en, name_ar, region...) or seankross syrian_places."""
    header, rows = _csv_rows(path)
    if {"pk", "name_en", "name_ar", "latitude", "longitude"} <= set(header):
        return _located("Syrian Archive locations", rows, _archive_place)
    if {"City", "Neighborhood", "Latitude", "Longitude"} <= set(header):
        return _located("Syrian Archive places", rows, _geocoded_place)
    raise InputError(
        f"{path}: header {', '.join(header[:8])} is neither the Syrian Archive locations gazetteer "
        "(pk, name_en, name_ar, latitude, longitude) nor syrian_places "
        "(City, Neighborhood, Latitude, Longitude)."
    )


def _located(
    layer: str, rows: Iterable[dict[str, str]], make: Callable[[int, dict[str, str]], Place | None]
) -> PlaceFile:
    """Places with a name and coordinates in range; the row numbers of the others are kept to report."""
    result = PlaceFile(layer, [])
    for number, row in enumerate(rows, start=1):
        place = make(number, row)
        if place is not None and place.names and -90 <= place.latitude <= 90:
            result.places.append(place)
        else:
            result.skipped_rows.append(number)
    return result


def _archive_place(number: int, row: dict[str, str]) -> Place | None:
    lon, lat = _coordinate(row.get("longitude")), _coordinate(row.get("latitude"))
    if lon is None or lat is None:
        return None
    is_region = _text(row.get("pk")) == _text(row.get("region"))
    precision = "governorate" if is_region else "village"
    names = _names(row.get("name_en"), row.get("name"), row.get("name_ar"))
    return Place(f"pk:{row.get('pk') or number}", "governorate" if is_region else "place", precision,
                 lon, lat, names, _text(row.get("name_en")), _text(row.get("name_ar")))  # fmt: skip


def _geocoded_place(number: int, row: dict[str, str]) -> Place | None:
    lon, lat = _coordinate(row.get("Longitude")), _coordinate(row.get("Latitude"))
    name = _text(row.get("Neighborhood"))
    if lon is None or lat is None or name is None:
        return None
    return Place(f"row:{number}", "place", "town", lon, lat, [name], name_en=name)


# ---------------------------------------------------------------------------------------------------
# GeoNames
# ---------------------------------------------------------------------------------------------------


def read_geonames(path: Path) -> PlaceFile:
    """A GeoNames dump (e.g. SY.txt): tab-separated, no header, the standard 19 columns."""
    result = PlaceFile("GeoNames", [])
    try:
        with path.open(encoding="utf-8", newline="") as f:
            for number, cells in enumerate(csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE), start=1):
                if len(cells) != len(GEONAMES_COLUMNS):
                    raise InputError(
                        f"{path} line {number} has {len(cells)} tab-separated columns, not 19: "
                        "expected a GeoNames dump (geonameid, name, asciiname, alternatenames, ...)."
                    )
                place = _geoname(dict(zip(GEONAMES_COLUMNS, cells, strict=True)))
                if place is not None and place.names:
                    result.places.append(place)
                else:
                    result.skipped_rows.append(number)
    except UnicodeDecodeError as exc:
        raise InputError(f"{path} is not UTF-8 ({exc}): GeoNames dumps are UTF-8.") from exc
    return result


def geonames_precision(feature_class: str, feature_code: str, population: int | None) -> str:
    """The precision word of a GeoNames entry (see the module doc).

    >>> geonames_precision("P", "PPL", 250_000), geonames_precision("P", "PPL", 800)
    ('city', 'village')
    >>> geonames_precision("A", "ADM2", 0), geonames_precision("S", "HSP", None)
    ('district', 'within_100m')
    """
    if feature_class == "A":
        return GEONAMES_ADMIN.get(feature_code, "region")
    if feature_class == "P":
        if feature_code == "PPLX":
            return "neighbourhood"
        if feature_code == "PPLC" or (population or 0) >= 100_000:
            return "city"
        return "town" if (population or 0) >= 10_000 else "village"
    return "within_100m" if feature_class == "S" else "village"


def _geoname(row: dict[str, str]) -> Place | None:
    lon, lat = _coordinate(row["longitude"]), _coordinate(row["latitude"])
    if lon is None or lat is None:
        return None
    population = int(row["population"]) if row["population"].strip().isdigit() else None
    alternates = [a for a in row["alternatenames"].split(",") if a.strip()]
    names = [n for n in _names(row["name"], row["asciiname"], *alternates) if _keyable(n)]
    arabic = next((n for n in names if _is_arabic(n)), None)
    precision = geonames_precision(row["feature_class"], row["feature_code"], population)
    kind = GEONAMES_ADMIN.get(row["feature_code"]) or row["feature_code"] or "place"
    return Place(row["geonameid"], kind, precision, lon, lat, names, _text(row["name"]), arabic, population)


def _is_arabic(name: str) -> bool:
    return script_of(name) == "ar"


def _keyable(name: str) -> bool:
    """A name in Arabic or Latin script (GeoNames also lists Cyrillic, Chinese... names: not keyable)."""
    return _is_arabic(name) or _LATIN.search(name) is not None
