"""Location precision as distance: each precision word stands for a radius in metres around the point.

A report's point with precision P means "the event happened somewhere within radius(P) of this point".
Every distance computed from such a point is therefore a range: [max(0, d - r), d + r] for a point at
centre distance d. The radii below are the defaults, chosen from what each word covers in Syria:

    exact          50 m      coordinates of the building or crossing itself (GPS, imagery)
    within_100m    100 m     Airwars "within 100 m"
    neighbourhood  1 km      a city neighbourhood (Aleppo's are 0.5-2 km across)
    village        2 km      a village and its fields
    town           5 km      a town (UCDP where_prec 1 for a town)
    city           10 km     a city (Aleppo's built-up area is about 20 km across)
    within_25km    25 km     UCDP where_prec 2: "within 25 km of the point"
    subdistrict    20 km     a nahiya (median OCHA sub-district is about 400 km²)
    district       45 km     a mantika
    governorate    100 km    a muhafaza (Homs is 400 km long; this is a typical, not a worst, case)
    region         200 km
    country        500 km
    unknown        None      no distance can be bounded: ranges run from 0 to infinity

They can be changed per run (`radii(overrides)`), and every output that uses them says which were used.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Final

import yaml

from harmtrace.errors import InputError
from harmtrace.model import LOCATION_PRECISIONS

DEFAULT_RADIUS_M: Final[Mapping[str, float | None]] = {
    "exact": 50.0,
    "within_100m": 100.0,
    "neighbourhood": 1_000.0,
    "village": 2_000.0,
    "town": 5_000.0,
    "city": 10_000.0,
    "within_25km": 25_000.0,
    "subdistrict": 20_000.0,
    "district": 45_000.0,
    "governorate": 100_000.0,
    "region": 200_000.0,
    "country": 500_000.0,
    "unknown": None,
}


def radii(overrides: Mapping[str, float | None] | None = None) -> dict[str, float | None]:
    """The radius per precision word, defaults updated by `overrides` (metres; None = unbounded).

    >>> radii({"town": 3000})["town"]
    3000.0
    """
    table = dict(DEFAULT_RADIUS_M)
    for word, metres in (overrides or {}).items():
        if word not in LOCATION_PRECISIONS:
            raise InputError(
                f"unknown location precision {word!r}: use one of {', '.join(LOCATION_PRECISIONS)}"
            )
        if metres is not None and (not math.isfinite(float(metres)) or float(metres) < 0):
            raise InputError(f"radius for {word!r} must be a non-negative number of metres, not {metres!r}")
        table[word] = None if metres is None else float(metres)
    return table


def radius_sql(column: str, overrides: Mapping[str, float | None] | None = None) -> str:
    """A SQL CASE giving the radius in metres of the precision word in `column` (NULL = unbounded).

    >>> radius_sql("p", {"exact": 10}).startswith("CAST(CASE p WHEN 'exact' THEN 10.0")
    True
    """
    table = radii(overrides)
    whens = " ".join(f"WHEN '{w}' THEN {r!r}" for w, r in table.items() if r is not None)
    return f"CAST(CASE {column} {whens} ELSE NULL END AS DOUBLE)"


def load_radii(path: Path) -> dict[str, float | None]:
    """The radius per precision word from a YAML file of ``word: metres`` lines (``null`` = unbounded).

    Words the file leaves out keep their default; the file may hold only the words it changes. The
    result is the full table (`radii`), so a caller can print exactly which radii it used.
    """
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise InputError(f"Radii file not found: {path}. Check the path and try again.") from exc
    except yaml.YAMLError as exc:
        raise InputError(f"{path} is not valid YAML ({exc}). Write one 'word: metres' per line.") from exc
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise InputError(
            f"{path} must map precision words to metres (e.g. 'town: 3000'), not {type(data).__name__}."
        )
    try:
        overrides = {str(w): None if m is None else float(m) for w, m in data.items()}
    except (TypeError, ValueError) as exc:
        raise InputError(f"{path}: every radius must be a number of metres or null ({exc}).") from exc
    return radii(overrides)
