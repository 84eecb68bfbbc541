"""Files of features (control areas, sites, gazetteers, boundaries) read row by row for intake.

GeoJSON is read with the standard library, feature by feature, so that every feature of the file is a
row whatever it holds (GDAL drops a feature without ``"type": "Feature"``); its coordinates are
converted to WGS84 lon/lat when the file names another CRS. GeoPackage and Shapefile are read with
pyogrio (converted the same way); CSV with the standard library (UTF-8, with or without BOM). Each row
keeps what the file said of it as its document (`Feature.raw`: a GeoJSON feature as in the file, else
its properties and geometry as JSON) and what could not be read of it (`Feature.reasons`); the
importers (`harmtrace.ingest.intake`) accept it or quarantine it.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pyarrow as pa
import shapely
from pyproj import CRS, Transformer

from harmtrace.errors import InputError
from harmtrace.ingest.intake import InputFile

T = TypeVar("T")


@dataclass
class Feature:
    """One input row: its 1-based number, properties, geometry (lon/lat; None in a CSV), the document
    kept of it, and why it could not be read whole (a geometry GEOS refuses...)."""

    row_number: int
    properties: dict[str, Any]
    geometry: Any
    raw: bytes
    reasons: list[str] = field(default_factory=list)


@dataclass
class GeoFile:
    """A file read as features: the file, its column or property names, every row."""

    file: InputFile
    header: list[str]
    features: list[Feature]

    @property
    def path(self) -> Path:
        return self.file.path

    def documents(self) -> pa.Table:
        """(row_number, raw) of every feature: the batch's documents."""
        return pa.table(
            {
                "row_number": pa.array([f.row_number for f in self.features], pa.int64()),
                "raw": pa.array([f.raw for f in self.features], pa.binary()),
            }
        )

    def check(
        self, check: Callable[[Feature], tuple[T | None, list[str]]]
    ) -> tuple[list[T], dict[int, list[str]]]:
        """Each feature through `check` (-> value, reasons): the values of the accepted ones, and row
        number -> reasons of the others (what could not be read of a feature first)."""
        accepted, rejected = [], {}
        for feature in self.features:
            value, reasons = check(feature)
            if value is None or feature.reasons or reasons:
                # no value and no reason is a bug that `intake.close_batch` refuses to record
                rejected[feature.row_number] = [*feature.reasons, *reasons]
            else:
                accepted.append(value)
        return accepted, rejected


def read_geofile(path: Path) -> GeoFile:
    """Every feature of a GeoJSON / GeoPackage / Shapefile / CSV file (see the module doc)."""
    if not path.is_file():
        raise InputError(f"File not found: {path}. Check the path and try again.")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return read_csv_features(path)
    data = path.read_bytes()
    file = InputFile.of_bytes(path, data, "utf-8")
    if suffix in (".geojson", ".json"):
        return GeoFile(file, *_read_geojson(path, data))
    return GeoFile(file, *_read_ogr(path))  # GeoPackage, Shapefile, anything else GDAL reads


def read_csv_features(path: Path) -> GeoFile:
    """A CSV file (UTF-8, with or without BOM, whatever its name) as features without geometry."""
    data = path.read_bytes()
    return GeoFile(InputFile.of_bytes(path, data, "utf-8"), *_read_csv(path, data))


def _read_csv(path: Path, data: bytes) -> tuple[list[str], list[Feature]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{path} is not UTF-8 ({exc}). Save it as UTF-8 CSV and import it again.") from exc
    reader = csv.DictReader(text.splitlines())
    header = [h.strip() for h in reader.fieldnames or []]
    if not header:
        raise InputError(f"{path} is empty: expected a header row and one row per feature.")
    features = []
    for n, row in enumerate(reader, start=1):
        props = {(k or "").strip(): (v.strip() if isinstance(v, str) else v) for k, v in row.items()}
        features.append(Feature(n, props, None, feature_document(props, None)))
    return header, features


def _read_geojson(path: Path, data: bytes) -> tuple[list[str], list[Feature]]:
    try:
        collection = json.loads(data.decode("utf-8-sig"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{path} is not UTF-8 GeoJSON ({exc}). Export it as GeoJSON.") from exc
    items = collection.get("features") if isinstance(collection, dict) else None
    if not items or not isinstance(items, list):
        raise InputError(f"{path} has no features: expected a GeoJSON FeatureCollection.")
    header: dict[str, None] = {}
    features = []
    for n, item in enumerate(items, start=1):
        given = item if isinstance(item, dict) else {}
        props = given["properties"] if isinstance(given.get("properties"), dict) else {}
        header.update(dict.fromkeys(props))
        geometry, reasons = _geometry(given.get("geometry"))
        raw = json.dumps(item, ensure_ascii=False).encode()  # the feature as the file gives it
        features.append(Feature(n, props, geometry, raw, reasons))
    crs = _named_crs(collection)
    geoms = _to_lonlat([f.geometry for f in features], crs, path)
    for f, g in zip(features, geoms, strict=True):
        f.geometry = g
    return list(header), features


def _geometry(value: Any) -> tuple[Any, list[str]]:
    """A GeoJSON geometry as shapely (None when absent), or why it cannot be read."""
    if value is None:
        return None, []
    try:
        return shapely.from_geojson(json.dumps(value)), []
    except (shapely.errors.GEOSException, ValueError, TypeError) as exc:
        return None, [f"geometry_invalid: {exc}"]


def _named_crs(collection: dict[str, Any]) -> str | None:
    """The CRS an old-style GeoJSON names (``"crs": {"properties": {"name": ...}}``); RFC 7946: WGS84."""
    crs = collection.get("crs")
    props = crs.get("properties") if isinstance(crs, dict) else None
    name = props.get("name") if isinstance(props, dict) else None
    return str(name) if name else None


def _read_ogr(path: Path) -> tuple[list[str], list[Feature]]:
    import pyogrio

    try:
        meta, table = pyogrio.read_arrow(path)
    except Exception as exc:  # pyogrio raises several GDAL error types; all mean the same to a user
        raise InputError(
            f"{path} cannot be read as a geographic file ({exc}). Use GeoJSON, GeoPackage, Shapefile or CSV."
        ) from exc
    geometry_name = meta["geometry_name"] or "wkb_geometry"
    geoms = shapely.from_wkb(table.column(geometry_name).to_pylist())
    geoms = _to_lonlat(geoms, meta.get("crs"), path)
    props = table.drop_columns([geometry_name]).to_pylist()
    features = [
        Feature(n, p, g, feature_document(p, g))
        for n, (p, g) in enumerate(zip(props, geoms, strict=True), start=1)
    ]
    return [c for c in table.column_names if c != geometry_name], features


def _to_lonlat(geoms: Any, crs: str | None, path: Path) -> Any:
    if not crs or CRS.from_user_input(crs).equals(CRS.from_epsg(4326), ignore_axis_order=True):
        return geoms
    try:
        t = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    except Exception as exc:
        raise InputError(f"{path}: cannot convert its CRS {crs} to WGS84 lon/lat ({exc}).") from exc

    def apply(coords: Any) -> Any:
        import numpy as np

        x, y = t.transform(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(geoms, apply)


def feature_document(props: dict[str, Any], geometry: Any) -> bytes:
    """What the file said of a feature read by a library: its properties and geometry, as JSON."""
    shape = None if geometry is None else json.loads(shapely.to_geojson(geometry))
    return json.dumps({"properties": props, "geometry": shape}, default=str, ensure_ascii=False).encode()


def first_of(props: dict[str, Any], names: tuple[str, ...]) -> Any:
    """The first non-empty value among the property names (case-insensitive)."""
    lower = {k.lower(): v for k, v in props.items()}
    for name in names:
        value = lower.get(name.lower())
        if value not in (None, ""):
            return value
    return None
