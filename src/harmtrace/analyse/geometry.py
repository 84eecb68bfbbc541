"""Distances in metres for Syria: one projection, day numbers, and incidents as numpy arrays.

Every distance in harmtrace's geographic figures is measured in WGS 84 / UTM zone 37N (EPSG:32637,
central meridian 39°E, scale 0.9996 on it), where straight lines are metres. Within Syria (35.6-42.4°E)
its scale runs from 0.9996 on the meridian to about 1.0009 at the western and eastern borders, so a
distance differs from the geodesic (ellipsoidal) one by at most about 0.1% (100 m in 100 km): the tests
compare with `pyproj.Geod` inverse computations and allow 0.15% + 1 m. Points farther from Syria (Iraq,
Turkey) are still projected, with larger error (about 0.2% at 45°E).

Dates are handled as day numbers (days since 1970-01-01, int64); an unknown date is `UNKNOWN_DAY`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

import numpy as np
import pyarrow as pa
import shapely
from pyproj import Transformer

CRS: Final = "EPSG:32637"
UNKNOWN_DAY: Final = np.iinfo(np.int64).min
_TO_METRES: Final = Transformer.from_crs("EPSG:4326", CRS, always_xy=True)
_TO_DEGREES: Final = Transformer.from_crs(CRS, "EPSG:4326", always_xy=True)


def to_metres(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Project WGS84 lon/lat arrays to UTM 37N x/y in metres."""
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    n = lon.size
    if n == 1:  # pyproj takes a one-element array for a scalar point (a NumPy deprecation warning)
        lon, lat = np.repeat(lon, 2), np.repeat(lat, 2)
    x, y = _TO_METRES.transform(lon, lat)
    return np.asarray(x, dtype=float)[:n], np.asarray(y, dtype=float)[:n]


def _transformer(t: Transformer) -> Callable[[np.ndarray], np.ndarray]:
    def apply(coords: np.ndarray) -> np.ndarray:
        n = len(coords)
        both = np.repeat(coords, 2, axis=0) if n == 1 else coords  # see to_metres
        x, y = t.transform(both[:, 0], both[:, 1])
        return np.column_stack([x, y])[:n]

    return apply


def geometries_to_metres(geoms: Any) -> Any:
    """Shapely geometries (array or one) from lon/lat to UTM 37N metres."""
    return shapely.transform(geoms, _transformer(_TO_METRES))


def geometries_to_degrees(geoms: Any) -> Any:
    """Shapely geometries (array or one) from UTM 37N metres back to lon/lat."""
    return shapely.transform(geoms, _transformer(_TO_DEGREES))


def day_numbers(column: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """Days since 1970-01-01 of an Arrow date column; NULL becomes `UNKNOWN_DAY`.

    >>> bool(day_numbers(pa.array([None], pa.date32()))[0] == UNKNOWN_DAY)
    True
    """
    days = column.cast(pa.int32()).to_numpy(zero_copy_only=False)
    as_float = np.asarray(days, dtype=float)
    out = np.where(np.isnan(as_float), 0, as_float).astype(np.int64)
    out[np.isnan(as_float)] = UNKNOWN_DAY
    return out


def day_of(text: Any) -> int:
    """The day number of a date or ISO date text.

    >>> day_of("1970-01-11")
    10
    """
    return int(np.datetime64(str(text), "D").astype(np.int64))


def date_of(day: int) -> str:
    """ISO text of a day number (None-safe callers check UNKNOWN_DAY first).

    >>> date_of(10)
    '1970-01-11'
    """
    return str(np.datetime64(int(day), "D"))
