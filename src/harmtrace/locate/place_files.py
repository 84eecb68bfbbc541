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
Files are read as features (`harmtrace.ingest.geofile`: GeoJSON, Shapefile, GeoPackage, CSV) or, for
GeoNames, line by line. Every row is a place or is quarantined with its reasons (no name, no usable
point, no P-code...): `harmtrace.locate.gazetteer` records the batch.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import shapely

from harmtrace.choices import PLACE_FILE_FORMATS as FORMATS
from harmtrace.errors import InputError, param
from harmtrace.ingest.geofile import Feature, GeoFile, read_csv_features, read_geofile
from harmtrace.ingest.intake import InputFile
from harmtrace.locate.admin import LEVEL_NAMES, AdminArea, admin_area
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
    row_number: int = 0  # its row in the file (1 = first data row)


@dataclass
class PlaceFile:
    """What one file held: its rows (the documents of its batch), its places, for OCHA boundary layers
    the admin areas (levels 1-3), and row number -> reasons for the rows that are no place."""

    layer: str
    rows: GeoFile
    places: list[Place]
    areas: list[AdminArea] = field(default_factory=list)
    rejected: dict[int, list[str]] = field(default_factory=dict)


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


# Each reader makes a place of a row, or says why it cannot: (place, reasons).
Made = tuple[Place | None, list[str]]


def _layer(layer: str, rows: GeoFile, make: Callable[[Feature], Made]) -> PlaceFile:
    """The places of `rows`, each numbered by its row, with the reasons of the rows that are none."""
    places, rejected = rows.check(make)
    return PlaceFile(layer, rows, places, rejected=rejected)


def _numbered(place: Place, f: Feature) -> Made:
    """`place` of row `f`, or why it is no place: no name, or a latitude out of range."""
    place.row_number = f.row_number
    reasons = [] if place.names else ["name_missing: the row gives no name"]
    if not -90 <= place.latitude <= 90:
        reasons.append(f"coordinates_invalid: latitude {place.latitude} is outside -90..90")
    return place, reasons


# ---------------------------------------------------------------------------------------------------
# OCHA COD-AB
# ---------------------------------------------------------------------------------------------------


def read_ocha(path: Path) -> PlaceFile:
    """An OCHA COD-AB layer, told apart by its attributes (boundaries, label points, capitals, quarters)."""
    rows = read_geofile(path)
    fields = set(rows.header)
    if "admin_leve" in fields:
        return _layer("admin points", rows, _admin_point)
    if "adm_p_lvl" in fields:
        return _layer("admin capitals", rows, _capital)
    if "neighborho" in fields:
        return _layer("neighbourhoods", rows, _quarter)
    levels = [n for n in (3, 2, 1, 0) if f"adm{n}_pcode" in fields]
    if not levels:
        raise InputError(
            f"{path}: not an OCHA COD-AB layer (no admN_pcode, admin_leve, adm_p_lvl or neighborho "
            f"attribute). Use {param('fmt')} geonames or syrian-archive for other gazetteers."
        )
    return _boundaries(rows, levels[0])


def _pcodes(row: dict[str, Any], finest: int) -> dict[int, str]:
    return {n: p for n in (1, 2, 3) if n <= finest and (p := _text(row.get(f"adm{n}_pcode")))}


def _boundaries(rows: GeoFile, level: int) -> PlaceFile:
    made, rejected = rows.check(lambda f: _boundary(f, level))
    places = [place for place, _ in made]
    areas = [area for _, area in made if level >= 1]
    return PlaceFile(f"admin{level} boundaries", rows, places, areas, rejected)


def _boundary(f: Feature, level: int) -> tuple[tuple[Place, AdminArea] | None, list[str]]:
    """The place of a boundary polygon and its admin area (`harmtrace.locate.admin.admin_area`)."""
    area, reasons = admin_area(f, level)
    if area is None:
        return None, reasons
    row = f.properties
    point = _inner_point(area.geometry, row.get("center_lon"), row.get("center_lat"))
    names = _names(area.name_en, area.name_ar, row.get(f"adm{level}_name2"), row.get(f"adm{level}_name3"))
    place = Place(area.pcode, ADMIN_PRECISION[level], ADMIN_PRECISION[level], point.x, point.y, names,
                  area.name_en, area.name_ar, geometry=area.geometry, pcode=area.pcode,
                  adm_pcodes=_pcodes(row, level), row_number=f.row_number)  # fmt: skip
    return (place, area), []


def _inner_point(geom: Any, lon: Any, lat: Any) -> Any:
    """The area's own centre when it is given and lies inside, else a point on its surface."""
    if lon is not None and lat is not None:
        centre = shapely.Point(float(lon), float(lat))
        if geom.covers(centre):
            return centre
    return geom.point_on_surface()


def _point(f: Feature) -> tuple[Any, list[str]]:
    """The feature's point, or why it has none."""
    geom = f.geometry
    if geom is None or geom.is_empty:
        return None, ["geometry_missing: the feature has no point"]
    if geom.geom_type != "Point":
        return None, [f"geometry_type: {geom.geom_type}, expected Point"]
    return geom, []


def _point_and_level(f: Feature, field: str) -> tuple[Any, int, list[str]]:
    """The feature's point and the admin level 0-3 its property `field` gives, or why they are none."""
    geom, reasons = _point(f)
    text = _text(f.properties.get(field))
    if text is None or not text.isdigit() or int(text) not in ADMIN_PRECISION:
        reasons.append(f"level_invalid: {field} {f.properties.get(field)!r} is not an admin level 0-3")
        return geom, 0, reasons
    return geom, int(text), reasons


def _admin_point(f: Feature) -> Made:
    geom, level, reasons = _point_and_level(f, "admin_leve")
    if reasons:
        return None, reasons
    row = f.properties
    pcode = _text(row.get(f"adm{level}_pcode")) or "SY"
    names = _names(row.get("name"), row.get("name1"), row.get("name2"), row.get("name3"))
    return _numbered(Place(pcode, ADMIN_PRECISION[level], ADMIN_PRECISION[level], geom.x, geom.y, names,
                           _text(row.get("name")), _text(row.get("name1")), pcode=pcode,
                           adm_pcodes=_pcodes(row, level)), f)  # fmt: skip


def _capital(f: Feature) -> Made:
    geom, level, reasons = _point_and_level(f, "adm_p_lvl")
    if reasons:
        return None, reasons
    row = f.properties
    names = _names(row.get("name"), row.get("name_1"), row.get("name_2"), row.get("name_3"))
    where = _text(row.get(f"adm{level}_pcode")) if level else "SY"
    return _numbered(Place(f"capital:{level}:{where}:{names[0] if names else ''}", "admin capital",
                           CAPITAL_PRECISION[level], geom.x, geom.y, names, _text(row.get("name")),
                           _text(row.get("name_1")), adm_pcodes=_pcodes(row, 3)), f)  # fmt: skip


def _quarter(f: Feature) -> Made:
    row, geom = f.properties, f.geometry
    if geom is None or geom.is_empty:
        return None, ["geometry_missing: the feature has no geometry"]
    code = _text(row.get("neighbor_2")) or _text(row.get("neighborho")) or ""
    geom = geom if shapely.is_valid(geom) else shapely.make_valid(geom)
    point = geom.point_on_surface()
    names = _names(row.get("neighborho"), row.get("neighbor_1"))
    return _numbered(Place(code, "neighbourhood", "neighbourhood", point.x, point.y, names,
                           _text(row.get("neighborho")), _text(row.get("neighbor_1")), geometry=geom,
                           pcode=code, adm_pcodes=_pcodes(row, 3)), f)  # fmt: skip


# ---------------------------------------------------------------------------------------------------
# Syrian Archive gazetteers (CSV)
# ---------------------------------------------------------------------------------------------------


def _coordinate(value: Any) -> float | None:
    try:
        number = float(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if -180.0 <= number <= 180.0 else None


def _no_point(lat: Any, lon: Any) -> tuple[None, list[str]]:
    return None, [f"coordinates_invalid: latitude {lat!r}, longitude {lon!r} is no point in degrees"]


def read_syrian_archive(path: Path) -> PlaceFile:
    """The 2015 locations gazetteer (pk, name_en, name_ar, region...) or seankross syrian_places."""
    rows = read_csv_features(path)
    header = set(rows.header)
    if {"pk", "name_en", "name_ar", "latitude", "longitude"} <= header:
        return _layer("Syrian Archive locations", rows, _archive_place)
    if {"City", "Neighborhood", "Latitude", "Longitude"} <= header:
        return _layer("Syrian Archive places", rows, _geocoded_place)
    raise InputError(
        f"{path}: header {', '.join(rows.header[:8])} is neither the Syrian Archive locations gazetteer "
        "(pk, name_en, name_ar, latitude, longitude) nor syrian_places "
        "(City, Neighborhood, Latitude, Longitude)."
    )


def _archive_place(f: Feature) -> Made:
    row = f.properties
    lon, lat = _coordinate(row.get("longitude")), _coordinate(row.get("latitude"))
    if lon is None or lat is None:
        return _no_point(row.get("latitude"), row.get("longitude"))
    is_region = _text(row.get("pk")) == _text(row.get("region"))
    precision = "governorate" if is_region else "village"
    names = _names(row.get("name_en"), row.get("name"), row.get("name_ar"))
    return _numbered(Place(f"pk:{row.get('pk') or f.row_number}", "governorate" if is_region else "place",
                           precision, lon, lat, names, _text(row.get("name_en")),
                           _text(row.get("name_ar"))), f)  # fmt: skip


def _geocoded_place(f: Feature) -> Made:
    row = f.properties
    lon, lat = _coordinate(row.get("Longitude")), _coordinate(row.get("Latitude"))
    if lon is None or lat is None:
        return _no_point(row.get("Latitude"), row.get("Longitude"))
    name = _text(row.get("Neighborhood"))
    place = Place(f"row:{f.row_number}", "place", "town", lon, lat, [name] if name else [], name_en=name)
    return _numbered(place, f)


# ---------------------------------------------------------------------------------------------------
# GeoNames
# ---------------------------------------------------------------------------------------------------


def read_geonames(path: Path) -> PlaceFile:
    """A GeoNames dump (e.g. SY.txt): tab-separated, no header, the standard 19 columns; each line's
    bytes are its document."""
    data = path.read_bytes()
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"{path} is not UTF-8 ({exc}): GeoNames dumps are UTF-8.") from exc
    features = []
    for number, line in enumerate(_lines(data), start=1):
        cells = line.decode("utf-8").split("\t")
        if len(cells) != len(GEONAMES_COLUMNS):
            raise InputError(
                f"{path} line {number} has {len(cells)} tab-separated columns, not 19: "
                "expected a GeoNames dump (geonameid, name, asciiname, alternatenames, ...)."
            )
        features.append(Feature(number, dict(zip(GEONAMES_COLUMNS, cells, strict=True)), None, line))
    rows = GeoFile(InputFile.of_bytes(path, data, "utf-8"), list(GEONAMES_COLUMNS), features)
    return _layer("GeoNames", rows, _geoname)


def _lines(data: bytes) -> list[bytes]:
    """The lines of `data` without their line endings (a last line ending adds no line)."""
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    return [line.removesuffix(b"\r") for line in lines]


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


def _geoname(f: Feature) -> Made:
    row = f.properties
    lon, lat = _coordinate(row["longitude"]), _coordinate(row["latitude"])
    if lon is None or lat is None:
        return _no_point(row["latitude"], row["longitude"])
    population = int(row["population"]) if row["population"].strip().isdigit() else None
    alternates = [a for a in row["alternatenames"].split(",") if a.strip()]
    names = [n for n in _names(row["name"], row["asciiname"], *alternates) if _keyable(n)]
    arabic = next((n for n in names if _is_arabic(n)), None)
    precision = geonames_precision(row["feature_class"], row["feature_code"], population)
    kind = GEONAMES_ADMIN.get(row["feature_code"]) or row["feature_code"] or "place"
    place = Place(row["geonameid"], kind, precision, lon, lat, names, _text(row["name"]), arabic, population)
    return _numbered(place, f)


def _is_arabic(name: str) -> bool:
    return script_of(name) == "ar"


def _keyable(name: str) -> bool:
    """A name in Arabic or Latin script (GeoNames also lists Cyrillic, Chinese... names: not keyable)."""
    return _is_arabic(name) or _LATIN.search(name) is not None
