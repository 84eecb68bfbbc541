"""Latitude and longitude written as text: decimal degrees or degrees-minutes-seconds (DMS).

Exports written by hand mix styles, even within one column:

    35.3348107    35,3348107    35.7874449N    33.547547°    N 35.61
    35°36'58.51"N    36° 5'47.49"N    37°5′50″E    36°28'36N    36°12'N    35°21'30"    36 12 30 N

A value is degrees, optionally followed by minutes and seconds (each may carry a decimal part, with a
point or a comma, but only the last one given), marked with ° º ˚ ' ′ ’ " ″ ” or separated by spaces.
A hemisphere letter (N S E W, before or after) or a sign gives the direction; S and W are negative;
giving both a letter and a sign is refused as ambiguous. Minutes and seconds must be below 60.
Anything else is refused: the parser returns None rather than guess.
"""

from __future__ import annotations

import re
from typing import Literal

Axis = Literal["lat", "lon"]

_NUMBER = r"\d+(?:[.,]\d+)?"
_DEGREE = r"(?:°|º|˚|deg)"
_MINUTE = r"(?:'|′|’)"
_SECOND = r"(?:\"|″|”|''|′′|’’)"
_PATTERN = re.compile(
    rf"""^\s*
    (?P<before>[NSEW])?\s*
    (?P<sign>[-+])?\s*
    (?P<deg>{_NUMBER})\s*{_DEGREE}?\s*
    (?:(?P<min>{_NUMBER})\s*{_MINUTE}?\s*
       (?:(?P<sec>{_NUMBER})\s*{_SECOND}?\s*)?)?
    (?P<after>[NSEW])?\s*$""",
    re.VERBOSE | re.IGNORECASE,
)
_LIMIT = {"lat": 90.0, "lon": 180.0}
_HEMISPHERES = {"lat": "NS", "lon": "EW"}


def parse_coordinate(text: str, axis: Axis | None = None) -> float | None:
    """Signed decimal degrees (WGS84) from `text`, or None when it is not one coordinate.

    With `axis`, a hemisphere letter of the other axis (an "E" in a latitude) is refused, and so is a
    value beyond ±90 (lat) or ±180 (lon).

    >>> parse_coordinate("35°36'58.51\\"N")
    35.61625277777778
    >>> parse_coordinate("36°12'W", "lon")
    -36.2
    >>> parse_coordinate("35,5")
    35.5
    >>> parse_coordinate("36.0372269E", "lat") is None
    True
    """
    match = _PATTERN.match(text)
    if match is None or (match["before"] and match["after"]):
        return None
    hemisphere = (match["before"] or match["after"] or "").upper()
    if hemisphere and match["sign"]:
        return None
    parts = [match[name] for name in ("deg", "min", "sec") if match[name] is not None]
    # only the last part given may have a fraction: 35.5°30' is not a coordinate
    if any(re.search(r"[.,]", p) for p in parts[:-1]):
        return None
    deg, minutes, seconds = (float(p.replace(",", ".")) for p in (*parts, "0", "0")[:3])
    if minutes >= 60 or seconds >= 60:
        return None
    value = deg + minutes / 60 + seconds / 3600
    negative = match["sign"] == "-" or hemisphere in ("S", "W")
    return _checked(-value if negative else value, hemisphere, axis)


def _checked(value: float, hemisphere: str, axis: Axis | None) -> float | None:
    """`value` if its size and hemisphere letter fit `axis` (or, without one, any axis)."""
    if axis is None and hemisphere:
        axis = "lat" if hemisphere in "NS" else "lon"
    if axis is not None and hemisphere and hemisphere not in _HEMISPHERES[axis]:
        return None
    return value if abs(value) <= _LIMIT[axis or "lon"] else None


def format_dms(value: float, axis: Axis, decimals: int = 2) -> str:
    """`value` (decimal degrees) as DMS text with a hemisphere letter, seconds to `decimals` places.

    >>> format_dms(35.61625277777778, "lat")
    '35°36\\'58.51"N'
    >>> format_dms(-0.5, "lon", decimals=0)
    '0°30\\'0"W'
    """
    letter = _HEMISPHERES[axis][1 if value < 0 else 0]
    scale = 10**decimals
    total = round(abs(value) * 3600 * scale)  # whole units of the last decimal of a second
    deg, rest = divmod(total, 3600 * scale)
    minutes, sec_units = divmod(rest, 60 * scale)
    seconds = f"{sec_units / scale:.{decimals}f}"
    return f"{deg}°{minutes}'{seconds}\"{letter}"
