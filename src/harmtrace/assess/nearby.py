"""Alleged incidents near declared strikes: within a date and a distance tolerance set by precision.

An incident is *near* a declared strike when both hold:

- date: the strike's day lies in the incident's date interval widened by `DATE_SLACK_DAYS` on each side
  (strike logs date a strike by when it happened, monitors often by when they heard of it, and night
  strikes straddle two days). The interval itself carries the date precision: a report dated to a week
  spans seven days. Incidents whose interval is longer than `MAX_SPAN_DAYS` (dated to a month or a year)
  are near nothing: "a strike that month" is no evidence about this event.
- distance: the great-circle distance d between the two points, widened by both location-precision radii
  r1, r2 (`harmtrace.locate.precision`), is the range [max(0, d - r1 - r2), d + r1 + r2] km; the nearest
  end must be within `NEAR_KM`. Incidents (or strikes) without a point, of unknown precision, or coarser
  than `MAX_RADIUS_M` (a governorate) are near nothing.

`tolerance_days` (the widened interval's length) and `tolerance_km` (NEAR_KM + r1 + r2, the centre
distance allowed) are recorded with each match, so a reader sees how loose each one was.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from harmtrace.locate.precision import radius_sql
from harmtrace.store import Store
from harmtrace.store.relations import relation_sql

DATE_SLACK_DAYS: Final = 1
MAX_SPAN_DAYS: Final = 7
NEAR_KM: Final = 5.0
MAX_RADIUS_M: Final = 50_000.0
EARTH_RADIUS_KM: Final = 6371.0088


def haversine_km_sql(lat1: str, lon1: str, lat2: str, lon2: str) -> str:
    """SQL of the great-circle distance in km between two WGS84 points (degrees)."""
    return (
        f"2 * {EARTH_RADIUS_KM} * asin(sqrt(pow(sin(radians({lat2} - {lat1}) / 2), 2) + "
        f"cos(radians({lat1})) * cos(radians({lat2})) * pow(sin(radians({lon2} - {lon1}) / 2), 2)))"
    )


def matches_sql(overrides: Mapping[str, float | None] | None = None) -> str:
    """SQL of incident_declared rows: (incident_id, strike_id, days_apart, distance_min_km,
    distance_max_km, tolerance_days, tolerance_km) for every incident near a declared strike."""
    d = haversine_km_sql("i.latitude", "i.longitude", "s.latitude", "s.longitude")
    return f"""
    WITH inc AS (
        SELECT * FROM ({relation_sql("incidents", overrides=overrides)})
        WHERE radius_m IS NOT NULL AND radius_m <= {MAX_RADIUS_M} AND date_start IS NOT NULL
          AND date_end IS NOT NULL AND date_end - date_start < {MAX_SPAN_DAYS}
    ),
    strikes AS (SELECT *, {radius_sql("precision", overrides)} AS radius_m FROM declared_strike
                WHERE {radius_sql("precision", overrides)} <= {MAX_RADIUS_M}),
    pairs AS (
        SELECT i.incident_id, s.strike_id, {d} AS d_km, (i.radius_m + s.radius_m) / 1000 AS r_km,
               greatest(0, s.date_start - i.date_end, i.date_start - s.date_end) AS days_apart,
               i.date_end - i.date_start + 1 + 2 * {DATE_SLACK_DAYS} AS tolerance_days
        FROM inc i JOIN strikes s
          ON s.date_start <= i.date_end + {DATE_SLACK_DAYS} AND s.date_end >= i.date_start - {DATE_SLACK_DAYS}
    )
    SELECT incident_id, strike_id, days_apart::INTEGER AS days_apart,
           round(greatest(0, d_km - r_km), 3) AS distance_min_km, round(d_km + r_km, 3) AS distance_max_km,
           tolerance_days::INTEGER AS tolerance_days, {NEAR_KM} + r_km AS tolerance_km
    FROM pairs WHERE d_km - r_km <= {NEAR_KM}"""


def record_matches(store: Store, overrides: Mapping[str, float | None] | None = None) -> int:
    """Replace `incident_declared` with the matches found now; returns how many pairs match."""
    with store.transaction() as con:
        con.execute("DELETE FROM incident_declared")
        con.execute(f"INSERT INTO incident_declared {matches_sql(overrides)}")
    return int(store.scalar("SELECT count(*) FROM incident_declared"))
