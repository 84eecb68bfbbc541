"""Incidents as arrays for geographic figures: projected points, precision radii, date intervals.

Reads the store's `incidents` relation (one row per incident; unlinked reports stand alone)
and applies the filters every geographic figure shares:

- perpetrator: the incident names P among its alleged perpetrators (case-insensitive), or with
  ``alone`` names P and nobody else;
- window: the incident's whole date interval lies inside [from, to] (both inclusive); incidents that
  only touch the window are left out and counted under ``partly_outside_window``;
- grades: the incident's grade in `incident_assessment` (written by `harmtrace assess`) is one of
  those given; without an assessment run, asking for grades is an error that says so.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np

from harmtrace.analyse.geometry import UNKNOWN_DAY, day_numbers, to_metres
from harmtrace.analyse.window import Window, resolve_window, window_problems
from harmtrace.errors import QueryError, param
from harmtrace.model import GRADES
from harmtrace.store import Store
from harmtrace.store.relations import relation_sql


@dataclass(frozen=True)
class IncidentQuery:
    """Which incidents: perpetrator (alone or among others), window (days inclusive), grades."""

    perpetrator: str | None = None
    alone: bool = False
    date_from: date | None = None
    date_to: date | None = None
    days: int | None = None
    grades: tuple[str, ...] = ()
    radii: Mapping[str, float | None] | None = None

    def __post_init__(self) -> None:
        problems = window_problems(self.date_from, self.date_to, self.days)
        unknown = [g for g in self.grades if g not in GRADES]
        if unknown:
            problems.append(f"unknown grade(s) {', '.join(unknown)}: use {', '.join(GRADES)}.")
        if self.alone and not self.perpetrator:
            problems.append(f"{param('alone')} needs {param('perpetrator')}.")
        if problems:
            raise QueryError("; ".join(problems))

    @property
    def window(self) -> Window:
        return resolve_window(self.date_from, self.date_to, self.days)

    def as_dict(self) -> dict[str, Any]:
        return {"perpetrator": self.perpetrator, "alone": self.alone, "grades": list(self.grades)}


@dataclass
class IncidentPoints:
    """One entry per incident: x, y in UTM 37N metres (NaN without a point), radius_m (NaN: unknown
    precision), start and end as day numbers (`UNKNOWN_DAY` when unknown), site kinds its reports name."""

    ids: np.ndarray
    x: np.ndarray
    y: np.ndarray
    radius_m: np.ndarray
    start: np.ndarray
    end: np.ndarray
    site_kinds: list[list[str]]
    excluded: dict[str, list[str]] = field(default_factory=dict)

    @property
    def located(self) -> np.ndarray:
        return np.asarray(~np.isnan(self.x) & ~np.isnan(self.radius_m))

    @property
    def dated(self) -> np.ndarray:
        return np.asarray((self.start != UNKNOWN_DAY) & (self.end != UNKNOWN_DAY))

    def reasons_not_located(self) -> dict[str, list[str]]:
        """Ids without a point, and with a point of unknown precision."""
        no_point = np.isnan(self.x)
        return {
            "no_point": [str(i) for i in self.ids[no_point]],
            "unknown_precision": [str(i) for i in self.ids[~no_point & np.isnan(self.radius_m)]],
        }


def load_incidents(store: Store, query: IncidentQuery) -> IncidentPoints:
    """The incidents `query` selects (see the module doc), as arrays."""
    where, params = _where(store, query)
    sql = f"""
    WITH inc AS ({relation_sql("incidents", overrides=query.radii)}),
    kinds AS (SELECT m.incident_id, list_distinct(flatten(list(r.site_kinds))) AS site_kinds
              FROM ({relation_sql("incident_membership")}) m JOIN report r USING (report_id)
              GROUP BY m.incident_id)
    SELECT inc.incident_id, latitude, longitude, radius_m, date_start, date_end, k.site_kinds,
           {_inside(query.window)} AS inside
    FROM inc JOIN kinds k USING (incident_id) {_grade_join(query)}
    WHERE {where} ORDER BY inc.incident_id"""
    table = store.con.sql(sql, params=params).to_arrow_table()
    inside = np.asarray(table.column("inside").to_numpy(zero_copy_only=False), dtype=bool)
    lon = np.asarray(table.column("longitude").to_numpy(zero_copy_only=False), dtype=float)
    lat = np.asarray(table.column("latitude").to_numpy(zero_copy_only=False), dtype=float)
    x, y = to_metres(lon, lat)
    ids = np.asarray(table.column("incident_id").to_pylist(), dtype=object)
    points = IncidentPoints(
        ids[inside],
        x[inside],
        y[inside],
        np.asarray(table.column("radius_m").to_numpy(zero_copy_only=False), dtype=float)[inside],
        day_numbers(table.column("date_start"))[inside],
        day_numbers(table.column("date_end"))[inside],
        [k or [] for k, i in zip(table.column("site_kinds").to_pylist(), inside, strict=True) if i],
    )
    points.excluded["partly_outside_window"] = [str(i) for i in ids[~inside]]
    return points


def _where(store: Store, query: IncidentQuery) -> tuple[str, dict[str, Any]]:
    w = query.window
    clauses = [
        "($from IS NULL OR date_end IS NULL OR date_end >= $from)",
        "($to IS NULL OR date_start IS NULL OR date_start <= $to)",
    ]
    params: dict[str, Any] = {"from": w["from"], "to": w["to"]}
    if query.perpetrator:
        names = "list_transform(perpetrators, lambda p: lower(p))"
        clauses.append(
            f"{names} = [lower($perp)]" if query.alone else f"list_contains({names}, lower($perp))"
        )
        params["perp"] = query.perpetrator
    if query.grades:
        _require_grades(store)
        clauses.append("list_contains($grades, g.grade)")
        params["grades"] = list(query.grades)
    return " AND ".join(clauses), params


def _inside(w: Window) -> str:
    lo = "TRUE" if w["from"] is None else "coalesce(date_start >= $from, FALSE)"
    hi = "TRUE" if w["to"] is None else "coalesce(date_end <= $to, FALSE)"
    return f"({lo} AND {hi})"


def _grade_join(query: IncidentQuery) -> str:
    return "JOIN incident_assessment g USING (incident_id)" if query.grades else ""


def _require_grades(store: Store) -> None:
    has_table = store.scalar(
        "SELECT count(*) FROM information_schema.columns "
        "WHERE table_name = 'incident_assessment' AND column_name = 'grade'"
    )
    if not has_table or not store.scalar("SELECT count(*) FROM incident_assessment"):
        raise QueryError(
            f"{param('grades')} asks for incident grades, but no incident has been graded in this store yet. "
            f"Grade incidents first (harmtrace assess), or leave out {param('grades')}."
        )
