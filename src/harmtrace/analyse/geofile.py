"""Geographic input files (control areas, sites) read as features and recorded as import batches.

GeoJSON, GeoPackage and Shapefile are read with pyogrio (coordinates converted to WGS84 lon/lat when the
file says it uses another CRS); CSV with the standard library (UTF-8, with or without BOM). Like every
import, a file becomes one `batch` whose rows are `document`s (the feature's properties and geometry as
JSON: the evidence), each accepted or quarantined with its reasons, so `harmtrace batches` and
`harmtrace quarantine --batch N` show these imports too. A file imported again with the same options
is recognised and adds nothing.
"""

from __future__ import annotations

import csv
import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import shapely
from pyproj import CRS, Transformer

import harmtrace
from harmtrace.errors import InputError
from harmtrace.store import BATCH_COLUMNS, Store, scalar

GEO_SUFFIXES = (".geojson", ".json", ".gpkg", ".shp")


@dataclass
class Feature:
    """One input row: its 1-based number, properties, geometry (lon/lat; None in a CSV) and raw JSON."""

    row_number: int
    properties: dict[str, Any]
    geometry: Any
    raw: bytes


@dataclass
class GeoFile:
    path: Path
    sha256: str
    size: int
    encoding: str
    header: list[str]
    features: list[Feature]


def read_geofile(path: Path) -> GeoFile:
    """Every feature of a GeoJSON / GeoPackage / Shapefile / CSV file (see the module doc)."""
    if not path.is_file():
        raise InputError(f"File not found: {path}. Check the path and try again.")
    data = path.read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    suffix = path.suffix.lower()
    if suffix == ".csv":
        header, features = _read_csv(path, data)
        return GeoFile(path, sha, len(data), "utf-8", header, features)
    if suffix not in GEO_SUFFIXES:
        raise InputError(f"{path}: unknown file type {suffix!r}; use .csv, {', '.join(GEO_SUFFIXES)}.")
    header, features = _read_ogr(path)
    return GeoFile(path, sha, len(data), "utf-8", header, features)


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
        features.append(Feature(n, props, None, _raw(props, None)))
    return header, features


def _read_ogr(path: Path) -> tuple[list[str], list[Feature]]:
    import pyogrio

    try:
        meta, table = pyogrio.read_arrow(path)
    except Exception as exc:  # pyogrio raises several GDAL error types; all mean the same to a user
        raise InputError(f"{path} cannot be read as a geographic file: {exc}") from exc
    geometry_name = meta["geometry_name"] or "wkb_geometry"
    geoms = shapely.from_wkb(table.column(geometry_name).to_pylist())
    geoms = _to_lonlat(geoms, meta.get("crs"), path)
    props = table.drop_columns([geometry_name]).to_pylist()
    features = [
        Feature(n, p, g, _raw(p, g)) for n, (p, g) in enumerate(zip(props, geoms, strict=True), start=1)
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


def _raw(props: dict[str, Any], geometry: Any) -> bytes:
    # keep what the file said: its properties and geometry, as JSON
    shape = None if geometry is None else json.loads(shapely.to_geojson(geometry))
    return json.dumps({"properties": props, "geometry": shape}, default=str, ensure_ascii=False).encode()


def previous_batch(store: Store, geofile: GeoFile, fmt: str, options: dict[str, Any]) -> int | None:
    """The batch that already imported this file with these options, if any."""
    found = store.scalar(
        "SELECT min(batch_id) FROM batch WHERE file_sha256 = ? AND format = ? AND mapping_sha256 = ?",
        [geofile.sha256, fmt, _options_sha(options)],
    )
    return None if found is None else int(found)


def _options_sha(options: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(options, sort_keys=True, default=str).encode()).hexdigest()


@dataclass
class BatchRecord:
    batch_id: int
    source_id: int


def open_batch(con: duckdb.DuckDBPyConnection, source: str) -> BatchRecord:
    """A new batch id and the source's id (created when new), inside the caller's transaction."""
    batch_id = int(scalar(con, "SELECT coalesce(max(batch_id), 0) + 1 FROM batch"))
    found = scalar(con, "SELECT source_id FROM source WHERE name = ?", [source])
    if found is None:
        found = int(scalar(con, "SELECT coalesce(max(source_id), 0) + 1 FROM source"))
        con.execute("INSERT INTO source (source_id, name) VALUES (?, ?)", [found, source])
    return BatchRecord(batch_id, int(found))


def close_batch(
    con: duckdb.DuckDBPyConnection,
    record: BatchRecord,
    geofile: GeoFile,
    fmt: str,
    options: dict[str, Any],
    rejected: dict[int, list[str]],
    started: datetime,
) -> None:
    """Write the documents, the quarantined rows with their reasons, and the batch row."""
    feats = geofile.features
    docs = pa.table(
        {
            "row_number": [f.row_number for f in feats],
            "sha256": [hashlib.sha256(f.raw).hexdigest() for f in feats],
            "raw": pa.array([f.raw for f in feats], pa.binary()),
        }
    )
    con.register("ht_geo_docs", docs)
    con.execute("INSERT INTO document SELECT ?, row_number, sha256, raw FROM ht_geo_docs", [record.batch_id])
    con.unregister("ht_geo_docs")
    for row, reasons in sorted(rejected.items()):
        con.execute("INSERT INTO quarantine VALUES (?, ?, ?)", [record.batch_id, row, reasons])
    text = json.dumps(options, sort_keys=True, default=str)
    con.execute(
        f"INSERT INTO batch ({BATCH_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?)",
        [
            record.batch_id,
            record.source_id,
            fmt,
            geofile.path.name,
            geofile.sha256,
            geofile.size,
            geofile.encoding,
            _options_sha(options),
            text,
            geofile.header,
            len(feats),
            len(feats) - len(rejected),
            len(rejected),
            started,
            datetime.now(),
            harmtrace.__version__,
        ],
    )


def first_of(props: dict[str, Any], names: tuple[str, ...]) -> Any:
    """The first non-empty value among the property names (case-insensitive)."""
    lower = {k.lower(): v for k, v in props.items()}
    for name in names:
        value = lower.get(name.lower())
        if value not in (None, ""):
            return value
    return None
