"""Who held what, when: control areas imported from files, and presence proxies derived from events.

A control area is a polygon an actor held from `valid_from` to `valid_to` (both days inclusive). A
layer's *coverage* is the days it describes for an actor: inside them, a place in none of the actor's
areas was not held by it; outside them nothing is known. An import's coverage is its --valid-from ..
--valid-to period (or each feature's own period); a derivation's is the whole period it searched.

`derive_presence` builds an actor's *presence* areas from its own recorded events: for each step of
`step_days`, the union of discs around the actor's events dated within the `window_days` centred on
that step, each disc of radius = the event's precision radius + `reach_km` (how far from a fight the
actor is assumed present). These are a proxy for control, not control: fighting happens on front lines
and raids, and an actor holding quiet ground records no events there. They are stored with proxy =
true and every output that uses them says "proxy".
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict, dataclass, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import shapely

from harmtrace.analyse.geometry import (
    day_numbers,
    day_of,
    geometries_to_degrees,
    geometries_to_metres,
    to_metres,
)
from harmtrace.errors import QueryError, param
from harmtrace.ingest.geofile import Feature, first_of, read_geofile
from harmtrace.ingest.intake import ImportResult, Intake, import_rows, options_text
from harmtrace.store import Store, scalar
from harmtrace.store.relations import relation_sql

FORMAT = "control-areas"
PROXY_LABEL = "presence proxy derived from the actor's own events, not control"


@dataclass(frozen=True)
class ControlImport:
    """How to read a control file: fixed actor and period, or the feature properties named here."""

    actor: str | None = None
    valid_from: date | None = None
    valid_to: date | None = None
    actor_field: str = "actor"
    from_field: str = "valid_from"
    to_field: str = "valid_to"
    source: str | None = None


def import_control(store: Store, path: Path, options: ControlImport) -> ImportResult:
    """Import the polygons of `path` as control areas, in one transaction (bad features quarantined)."""
    geofile = read_geofile(path)
    source = options.source or path.name
    intake = Intake(geofile.file, FORMAT, source, "control area", options_text(asdict(options)))
    accepted, rejected = geofile.check(lambda f: _control_feature(f, options))

    def write(con: duckdb.DuckDBPyConnection, batch_id: int) -> str:
        _insert_areas(con, accepted, intake.source, batch_id)
        _insert_coverage(con, accepted, options, intake.source, batch_id)
        return f"SELECT CAST(feature_ref AS BIGINT) FROM control_area WHERE batch_id = {batch_id}"

    result = import_rows(store, intake, geofile.header, geofile.documents(), rejected, write)
    by_actor = dict(Counter(a["actor"] for a in accepted).most_common())
    return replace(result, what="control areas", breakdowns={**result.breakdowns, "areas_by_actor": by_actor})


def _control_feature(f: Feature, o: ControlImport) -> tuple[dict[str, Any], list[str]]:
    reasons = []
    actor = o.actor or first_of(f.properties, (o.actor_field,))
    if not actor:
        reasons.append(f"actor_missing: no --actor and no property {o.actor_field!r}")
    start = _day(o.valid_from or first_of(f.properties, (o.from_field,)), o.from_field, reasons)
    end = _day(o.valid_to or first_of(f.properties, (o.to_field,)), o.to_field, reasons)
    if start is not None and end is not None and end < start:
        reasons.append(f"date_order: valid_to {end} is before valid_from {start}")
    geom = f.geometry
    if geom is None or shapely.is_empty(geom):
        reasons.append("geometry_missing: the feature has no geometry")
    elif shapely.get_type_id(geom) not in (3, 6):
        reasons.append(f"geometry_type: {geom.geom_type}, expected Polygon or MultiPolygon")
    elif not shapely.is_valid(geom):
        geom = shapely.make_valid(geom)  # self-touching rings are common in digitised maps
    return {
        "actor": str(actor).strip() if actor else None,
        "valid_from": start,
        "valid_to": end,
        "geometry": geom,
        "ref": str(f.row_number),
    }, reasons


def _day(value: Any, field: str, reasons: list[str]) -> date | None:
    if value is None:
        reasons.append(f"date_missing: no --{field.replace('_', '-')} and no property {field!r}")
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip()[:10])
    except ValueError:
        reasons.append(f"date_invalid: {field} {value!r} is not a date written YYYY-MM-DD")
        return None


def _next_area_id(con: Any) -> int:
    return int(scalar(con, "SELECT coalesce(max(area_id), 0) + 1 FROM control_area"))


def _insert_areas(
    con: Any,
    areas: list[dict[str, Any]],
    source: str,
    batch_id: int | None,
    derivation_id: int | None = None,
    proxy: bool = False,
) -> None:
    if not areas:
        return
    first = _next_area_id(con)
    table = pa.table(
        {
            "area_id": np.arange(first, first + len(areas), dtype=np.int64),
            "actor": [a["actor"] for a in areas],
            "valid_from": pa.array([a["valid_from"] for a in areas], pa.date32()),
            "valid_to": pa.array([a["valid_to"] for a in areas], pa.date32()),
            "geometry_wkb": pa.array(shapely.to_wkb([a["geometry"] for a in areas]), pa.binary()),
            "feature_ref": [a["ref"] for a in areas],
        }
    )
    con.register("ht_areas_in", table)
    con.execute(
        "INSERT INTO control_area SELECT area_id, actor, valid_from, valid_to, geometry_wkb, ?, ?, ?, ?, "
        "feature_ref FROM ht_areas_in",
        [source, proxy, batch_id, derivation_id],
    )
    con.unregister("ht_areas_in")


def _insert_coverage(
    con: Any, areas: list[dict[str, Any]], o: ControlImport, source: str, batch_id: int
) -> None:
    if o.valid_from and o.valid_to:
        spans = {(a["actor"], o.valid_from, o.valid_to) for a in areas}
    else:
        spans = {(a["actor"], a["valid_from"], a["valid_to"]) for a in areas}
    for actor, start, end in sorted(spans):
        con.execute(
            "INSERT INTO control_coverage VALUES (?, ?, ?, ?, FALSE, ?, NULL)",
            [actor, start, end, source, batch_id],
        )


@dataclass(frozen=True)
class Derivation:
    """How to build presence areas from an actor's events (see the module doc); distances in km."""

    actor: str
    events_source: str | None = None
    window_days: int = 60
    step_days: int = 15
    reach_km: float = 5.0
    max_radius_km: float = 25.0
    date_from: date | None = None
    date_to: date | None = None
    radii: dict[str, float | None] | None = None

    def __post_init__(self) -> None:
        problems = []
        if self.window_days < 1 or self.step_days < 1 or self.step_days > self.window_days:
            problems.append(
                f"{param('window_days')} and {param('step_days')} must be at least 1, "
                "the step no longer than the window"
            )
        if self.reach_km < 0 or self.max_radius_km < 0:
            problems.append(f"{param('reach_km')} and {param('max_radius_km')} must be 0 or more")
        if problems:
            raise QueryError("; ".join(problems))


def derive_presence(store: Store, d: Derivation) -> dict[str, Any]:
    """Replace the actor's derived presence areas with new ones, in one transaction."""
    events, skipped = _actor_events(store, d)
    if not len(events["x"]):
        raise QueryError(
            f"No usable events of {d.actor!r}{_from_source(d)}: check the name (as stored, e.g. 'IS') "
            f"and source (harmtrace batches). Skipped: {skipped}."
        )
    first = day_of(d.date_from) if d.date_from else int(events["start"].min())
    last = day_of(d.date_to) if d.date_to else int(events["end"].max())
    areas = _presence_steps(events, d, first, last)
    with store.transaction() as con:
        _drop_derived(con, d.actor)
        derivation_id = int(scalar(con, "SELECT coalesce(max(derivation_id), 0) + 1 FROM control_derivation"))
        con.execute(
            "INSERT INTO control_derivation VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                derivation_id,
                d.actor,
                PROXY_LABEL,
                json.dumps(asdict(d), default=str),
                len(events["x"]),
                sum(skipped.values()),
                datetime.now(),
            ],
        )
        source = f"derived from {d.actor} events{_from_source(d)} (proxy)"
        _insert_areas(con, areas, source, None, derivation_id, proxy=True)
        con.execute(
            "INSERT INTO control_coverage VALUES (?, ?, ?, ?, TRUE, NULL, ?)",
            [d.actor, _date(first), _date(last), source, derivation_id],
        )
    return {
        "derivation_id": derivation_id,
        "actor": d.actor,
        "proxy": True,
        "label": PROXY_LABEL,
        "events_used": len(events["x"]),
        "events_skipped": skipped,
        "areas": len(areas),
        "from": _date(first),
        "to": _date(last),
        "parameters": asdict(d),
    }


def _from_source(d: Derivation) -> str:
    return f" in source {d.events_source!r}" if d.events_source else ""


def _date(day: int) -> date:
    return date.fromisoformat(str(np.datetime64(day, "D")))


def _actor_events(store: Store, d: Derivation) -> tuple[dict[str, np.ndarray], dict[str, int]]:
    """Projected points, radii and day numbers of the actor's usable events, and counts of the others."""
    table = store.con.sql(
        f"SELECT p.longitude, p.latitude, p.radius_m, r.date_start, r.date_end FROM report r "
        "JOIN source s USING (source_id) "
        f"LEFT JOIN ({relation_sql('report_points', overrides=d.radii)}) p USING (report_id) "
        "WHERE list_contains(list_transform(r.perpetrators, lambda x: lower(x)), lower(?)) "
        "AND (? IS NULL OR lower(s.name) = lower(?))",
        params=[d.actor, d.events_source, d.events_source],
    ).to_arrow_table()
    col = {
        n: np.asarray(table.column(n).to_numpy(zero_copy_only=False), dtype=float)
        for n in ("longitude", "latitude", "radius_m")
    }
    start, end = day_numbers(table.column("date_start")), day_numbers(table.column("date_end"))
    no_point = np.isnan(col["longitude"])
    coarse = ~no_point & ~(col["radius_m"] <= d.max_radius_km * 1000)
    undated = ~no_point & ~coarse & ~((start > np.iinfo(np.int64).min) & (end > np.iinfo(np.int64).min))
    long_dates = ~no_point & ~coarse & ~undated & (end - start + 1 > d.window_days)
    use = ~(no_point | coarse | undated | long_dates)
    x, y = to_metres(col["longitude"][use], col["latitude"][use])
    events = {"x": x, "y": y, "radius_m": col["radius_m"][use], "start": start[use], "end": end[use]}
    skipped = {
        "no_point": int(no_point.sum()),
        "precision_coarser_than_max_radius": int(coarse.sum()),
        "date_unknown": int(undated.sum()),
        "date_interval_longer_than_window": int(long_dates.sum()),
    }
    return events, skipped


def _presence_steps(
    events: dict[str, np.ndarray], d: Derivation, first: int, last: int
) -> list[dict[str, Any]]:
    """One area per step that has events in its window: union of discs, in lon/lat."""
    margin = (d.window_days - d.step_days) // 2
    discs = shapely.buffer(
        shapely.points(events["x"], events["y"]), events["radius_m"] + d.reach_km * 1000, quad_segs=8
    )
    areas = []
    for a in range(first, last + 1, d.step_days):
        b = min(a + d.step_days - 1, last)
        inside = (events["start"] >= a - margin) & (events["end"] <= b + margin)
        if not inside.any():
            continue
        union = shapely.simplify(shapely.union_all(discs[inside]), 50.0)  # 50 m: far below any radius
        areas.append(
            {
                "actor": d.actor,
                "valid_from": _date(a),
                "valid_to": _date(b),
                "geometry": geometries_to_degrees(union),
                "ref": f"{int(inside.sum())} events",
            }
        )
    return areas


def _drop_derived(con: Any, actor: str) -> None:
    old = "SELECT derivation_id FROM control_derivation WHERE lower(actor) = lower(?)"
    con.execute(f"DELETE FROM control_area WHERE derivation_id IN ({old})", [actor])
    con.execute(f"DELETE FROM control_coverage WHERE derivation_id IN ({old})", [actor])


@dataclass
class ActorAreas:
    """One actor's layer (imported, or a derived proxy): areas in UTM 37N metres and day numbers, and
    its coverage as merged [start, end] day intervals."""

    actor: str
    proxy: bool
    starts: np.ndarray
    ends: np.ndarray
    geoms: np.ndarray
    coverage: np.ndarray

    @property
    def label(self) -> str:
        return f"{self.actor} (proxy)" if self.proxy else self.actor


def load_actor_areas(store: Store, actor: str | None = None) -> list[ActorAreas]:
    """Every actor's layer, or only `actor`'s (case-insensitive; imported and proxy layers apart)."""
    where = "WHERE lower(actor) = lower(?)" if actor else ""
    params = [actor] if actor else []
    areas = store.con.sql(
        f"SELECT actor, proxy, valid_from, valid_to, geometry_wkb FROM control_area {where} "
        "ORDER BY actor, proxy, area_id",
        params=params,
    ).to_arrow_table()
    cover = store.rows(
        f"SELECT actor, proxy, valid_from, valid_to FROM control_coverage {where} ORDER BY 1, 2, 3", params
    )
    layers = []
    for key in sorted({(c["actor"], c["proxy"]) for c in cover}):
        layers.append(_layer(key, areas, cover))
    if actor and not layers:
        known = store.rows("SELECT DISTINCT actor FROM control_coverage ORDER BY actor")
        raise QueryError(
            f"No control areas for actor {actor!r}. Known actors: "
            f"{', '.join(r['actor'] for r in known) or 'none'}. Import some: harmtrace control import --help"
        )
    return layers


def _layer(key: tuple[str, bool], areas: pa.Table, cover: list[dict[str, Any]]) -> ActorAreas:
    actor, proxy = key
    mask = np.array(
        [
            a == actor and p == proxy
            for a, p in zip(areas.column("actor").to_pylist(), areas.column("proxy").to_pylist(), strict=True)
        ],
        dtype=bool,
    )
    geoms = shapely.from_wkb(np.asarray(areas.column("geometry_wkb").to_pylist(), dtype=object)[mask])
    spans = [
        (day_of(c["valid_from"]), day_of(c["valid_to"]))
        for c in cover
        if c["actor"] == actor and c["proxy"] == proxy
    ]
    starts, ends = day_numbers(areas.column("valid_from"))[mask], day_numbers(areas.column("valid_to"))[mask]
    spans += list(zip(starts.tolist(), ends.tolist(), strict=True))
    return ActorAreas(actor, bool(proxy), starts, ends, geometries_to_metres(geoms), merge_spans(spans))


def merge_spans(spans: list[tuple[int, int]]) -> np.ndarray:
    """Merge day intervals that overlap or touch into sorted disjoint ones, as a (k, 2) array.

    >>> merge_spans([(5, 9), (1, 3), (4, 4), (12, 20)]).tolist()
    [[1, 9], [12, 20]]
    """
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1] + 1:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return np.asarray(merged, dtype=np.int64).reshape(-1, 2)


def control_summary(store: Store) -> list[dict[str, Any]]:
    """Per actor and layer kind: areas, first and last day, sources; proxies labelled as such."""
    return store.rows(
        "SELECT actor, proxy, count(*) AS areas, min(valid_from) AS first_day, max(valid_to) AS last_day, "
        "string_agg(DISTINCT source, '; ') AS sources FROM control_area GROUP BY actor, proxy ORDER BY 1, 2"
    )
