"""Files harmtrace writes (exports, maps, GeoJSON, JSON): written whole or not at all.

Every file goes through `replacing`: the data is written to a hidden temporary file beside the
target, which replaces the target only once complete, so a crash or a full disk never leaves a
half-written file under the real name (and never spoils an earlier good one). `write_features` writes
rows carrying ``latitude`` and ``longitude`` as a GeoJSON FeatureCollection (RFC 7946: a Point, or a
null geometry when unplaced). Query results go out as CSV or Parquet through
`harmtrace.store.export.copy_query`, which uses `replacing` too.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

from harmtrace.errors import InputError


@contextmanager
def replacing(path: Path) -> Iterator[Path]:
    """Yield a temporary path to write; on success it replaces `path`, on failure it is removed."""
    if not path.parent.is_dir():
        raise InputError(f"Cannot write {path}: folder {path.parent} does not exist. Create it first.")
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def write_json(document: Mapping[str, Any], path: Path) -> None:
    """Write `document` as UTF-8 JSON (non-ASCII kept as is), atomically."""
    with replacing(path) as tmp, tmp.open("w", encoding="utf-8") as fh:
        json.dump(document, fh, ensure_ascii=False)


def write_features(rows: Iterable[Mapping[str, Any]], path: Path) -> int:
    """Write `rows` as a GeoJSON FeatureCollection, atomically; returns the features written."""
    features = [feature(row) for row in rows]
    write_json({"type": "FeatureCollection", "features": features}, path)
    return len(features)


def feature(row: Mapping[str, Any]) -> dict[str, Any]:
    """A GeoJSON Feature: a Point at the row's longitude/latitude (null geometry when either is
    missing), every other column a property, dates as ISO text.

    >>> feature({"latitude": 36.2, "longitude": 37.1, "day": date(2016, 2, 15)})["geometry"]
    {'type': 'Point', 'coordinates': [37.1, 36.2]}
    """
    props = {k: v.isoformat() if isinstance(v, date) else v for k, v in row.items()}
    lat, lon = props.pop("latitude", None), props.pop("longitude", None)
    geometry = None if lat is None or lon is None else {"type": "Point", "coordinates": [lon, lat]}
    return {"type": "Feature", "geometry": geometry, "properties": props}
