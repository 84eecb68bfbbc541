"""Checks every format gets, applied set-wise to the normalised rows.

A plausible area and period catch coordinates and dates no source could mean; 1970-01-01 (the Unix
epoch) is a placeholder some exports write for "unknown": it is flagged and the date treated as unknown,
never trusted. A report's date problems quarantine it (`generic_reasons`: a report needs a date); every
other check sets its field aside (`generic_issues`, see `harmtrace.ingest.units`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from harmtrace.ingest.formats import Kind
from harmtrace.ingest.sql import lit
from harmtrace.model import CATEGORIES, HARMS, harm_column

PLACEHOLDER_DATE = "1970-01-01"


@dataclass(frozen=True)
class PlausibleArea:
    """A lon/lat box outside which coordinates are refused (default: Syria with a 0.5 degree margin)."""

    lon_min: float = 35.2
    lat_min: float = 31.8
    lon_max: float = 42.9
    lat_max: float = 37.9

    @classmethod
    def parse(cls, text: str) -> PlausibleArea:
        """From "lon_min,lat_min,lon_max,lat_max"."""
        parts = [float(p) for p in text.split(",")]
        if len(parts) != 4 or parts[0] >= parts[2] or parts[1] >= parts[3]:
            raise ValueError(f"expected lon_min,lat_min,lon_max,lat_max, got {text!r}")
        return cls(*parts)

    def contains(self, lon: str, lat: str) -> str:
        """SQL: are the `lon`, `lat` expressions inside the box?"""
        lon_ok = f"{lon} BETWEEN {self.lon_min} AND {self.lon_max}"
        return f"({lon_ok} AND {lat} BETWEEN {self.lat_min} AND {self.lat_max})"


def placeholder_flag() -> str:
    return (
        f"CASE WHEN date_start = DATE {lit(PLACEHOLDER_DATE)} OR date_end = DATE {lit(PLACEHOLDER_DATE)} "
        f"THEN 'date_placeholder: {PLACEHOLDER_DATE} is a placeholder, date treated as unknown' END"
    )


def generic_reasons(kind: Kind) -> list[str]:
    """SQL expressions yielding a row-level reason (or NULL) for each normalised row.

    Only reports have any: a report needs a date, so every date problem quarantines it.
    """
    if kind != "report":
        return []
    return [
        *_date_checks(),
        "CASE WHEN date_start IS NULL AND date_end IS NULL THEN "
        "'date_missing: the row gives no date; a report needs at least a date range' END",
    ]


def generic_issues(kind: Kind, area: PlausibleArea, columns: set[str]) -> list[tuple[str, str]]:
    """(unit, SQL message or NULL) for each normalised row: the fields every format's checks set aside.

    Counts out of order or negative (their harm pair), coordinates outside the plausible area or only
    half given (coordinates), and a victim's impossible date (date).
    """
    issues: list[tuple[str, str]] = []
    if kind == "report":
        issues += [("coordinates", c) for c in _coordinate_reasons(area)]
    else:
        issues += [("date", c) for c in _date_checks()]
    issues += [(f"{h}_{c}", _order_reason(h, c)) for h in HARMS for c in CATEGORIES if _has(columns, h, c)]
    return issues


def _date_checks() -> list[str]:
    today = lit(date.today().isoformat())
    real_start = f"nullif(date_start, DATE {lit(PLACEHOLDER_DATE)})"
    real_end = f"nullif(date_end, DATE {lit(PLACEHOLDER_DATE)})"
    return [
        f"CASE WHEN {real_end} < {real_start} THEN 'date_order: end ' || {real_end} || "
        f"' is before start ' || {real_start} END",
        f"CASE WHEN greatest({real_start}, {real_end}) > DATE {today} THEN "
        f"'date_future: ' || greatest({real_start}, {real_end}) || ' is after today' END",
        f"CASE WHEN least({real_start}, {real_end}) < DATE '1900-01-01' THEN "
        f"'date_implausible: ' || least({real_start}, {real_end}) || ' is before 1900' END",
    ]


def _has(columns: set[str], harm: str, category: str) -> bool:
    return harm_column(harm, category, "min") in columns and harm_column(harm, category, "max") in columns


def _order_reason(harm: str, category: str) -> str:
    lo, hi = harm_column(harm, category, "min"), harm_column(harm, category, "max")
    best = harm_column(harm, category, "best")
    return (
        f"CASE WHEN {lo} > {hi} THEN 'count_order: {category} {harm} min ' || {lo} || ' > max ' || {hi} "
        f"WHEN least({lo}, {hi}, {best}) < 0 THEN 'count_negative: {category} {harm} is negative' "
        f"WHEN {best} NOT BETWEEN coalesce({lo}, {best}) AND coalesce({hi}, {best}) THEN "
        f"'count_order: {category} {harm} best ' || {best} || ' outside min-max' END"
    )


def _coordinate_reasons(area: PlausibleArea) -> list[str]:
    inside = area.contains("longitude", "latitude")
    swapped = area.contains("latitude", "longitude")
    return [
        "CASE WHEN (latitude IS NULL) <> (longitude IS NULL) THEN "
        "'coordinates_partial: only one of latitude/longitude is given' END",
        f"CASE WHEN latitude IS NOT NULL AND longitude IS NOT NULL AND NOT {inside} THEN "
        "'coordinates_outside: lat ' || latitude || ', lon ' || longitude || "
        f"' is outside the plausible area ({area.lon_min},{area.lat_min},{area.lon_max},{area.lat_max})' || "
        f"CASE WHEN {swapped} THEN '; latitude and longitude look swapped' ELSE '' END END",
    ]
