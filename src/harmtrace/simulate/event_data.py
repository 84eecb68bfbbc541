"""Simulated curated event data: the incidents coded as UCDP GED codes events, in its CSV.

Curated event data (UCDP GED, ACLED) codes each event once, and often codes a city's strikes of one
day as one event, its daily toll, where a monitor lists each strike. This source
(`reports.EventData`, off by default) covers a share of the incidents and, for a town and day with
two or more covered incidents, codes them by `aggregate_share` as one event (civilians: the sum of
theirs) or as one event per incident. Each event, one row of every column of UCDP GED's CSV
(`harmtrace.ingest.ucdp_ged.COLUMNS`), has:

- a unique integer id (events numbered by date), the day of its incidents or (`late_share`) the next;
- the town's simulated point (`invented_towns.town_point`) at where_prec 1 ("Aleppo city", "Saraqib town",
  "Kafr Nabudah village"), or (`nearby_share`) a point 2-8 km away at where_prec 2, within 25 km;
  adm_1 and adm_2 in UCDP's spelling ("Idlib Governorate", "Ariha district");
- its perpetrator as UCDP codes it: a Syrian or Russian strike to the dyad Government of Syria -
  Syrian insurgents (type_of_violence 1), a coalition strike to the dyad fighting on the ground, IS -
  SDF (type 2: UCDP names the coalition only in its text), ISIS and the armed opposition one-sided
  (type 3, side B "Civilians"); an aggregate to the dyad of its first incident;
- deaths_civilians the civilians killed, best = low = high the total, sometimes a few deaths_unknown
  besides (`extra_unknown_share`), sometimes every dead of unknown status and civilians 0
  (`unknown_share`); high sometimes above best;
- an English headline of SOHR's kind ("Warplanes kill 4 civilians in Saraqib"), citing no other
  simulated source.

The truth (`truth.csv`) gives an event of one incident that incident's id and an aggregate an id of
its own (AGG000001, ...), shared with no incident: its parts are other incidents. `truth_pairs.csv`
(the pair layout of `harmtrace.link.labels`) has one row per event and report of another source of an
incident it codes: ``same`` for an event of one incident, the report ``part-of`` the event for an
aggregate.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import TYPE_CHECKING, Final

import numpy as np
import pyarrow as pa

from harmtrace.ingest.ucdp_ged import COLUMNS
from harmtrace.means import simulated_means
from harmtrace.simulate.invented_towns import town_point
from harmtrace.simulate.report_columns import EVENT_DATA_SOURCE, TRUTH_COLUMNS
from harmtrace.simulate.syrian_places import DISTRICTS, Town

if TYPE_CHECKING:  # reports.py calls this module; at run time it is not imported back
    from harmtrace.simulate.reports import EventData, Incident, ReportSimulation

PAIR_COLUMNS: Final = ("source_a", "record_id_a", "source_b", "record_id_b", "relation")
FIRST_ID: Final = 500001
NEARBY_KM: Final = (2.0, 8.0)
OFFICE: Final = "SOHR"

# per simulated perpetrator (reports.PERPETRATORS order): type_of_violence, conflict id and name,
# dyad id and name, side A id and name, side B id and name, as in UCDP GED's Syria release
_DYADS: Final = (
    (1, 299, "Syria: Government", 11973, 118, "Government of Syria", 4456, "Syrian insurgents"),
    (1, 299, "Syria: Government", 11973, 118, "Government of Syria", 4456, "Syrian insurgents"),
    (2, 13616, "IS - SDF", 14637, 234, "IS", 6288, "SDF"),
    (3, 506, "IS - Civilians", 973, 234, "IS", 1, "Civilians"),
    (3, 13299, "Syrian insurgents - Civilians", 14200, 4456, "Syrian insurgents", 1, "Civilians"),
)
# UCDP's spelling of the governorates, by P-code
_ADM1: Final = {
    "SY01": "Damascus", "SY02": "Aleppo", "SY03": "Rif Dimashq", "SY04": "Homs", "SY05": "Hamah",
    "SY06": "Latakia", "SY07": "Idlib", "SY08": "Al Hasakah", "SY09": "Deir ez Zor", "SY10": "Tartus",
    "SY11": "Ar Raqqah", "SY12": "Daraa", "SY13": "As Suwayda", "SY14": "Quneitra",
}  # fmt: skip
_DISTRICT: Final = {d.pcode: d.english[0] for d in DISTRICTS}
# headline of an event by the means of its (first) incident (reports.MEANS order), from
# vocabularies/means.yaml: {n} the dead, {who} civilians or people
_HEADLINES: Final = tuple(words.headline for _, words in simulated_means())
_AGGREGATE_HEADLINE: Final = "{n} {who} killed in {k} raids on the neighbourhoods of {town}"
_INTEGERS: Final = frozenset(
    {"id", "year", "active_year", "type_of_violence", "conflict_new_id", "dyad_new_id", "side_a_new_id",
     "side_b_new_id", "number_of_sources", "where_prec", "country_id", "event_clarity",
     "date_prec", "deaths_a", "deaths_b", "deaths_civilians", "deaths_unknown", "low", "best", "high",
     "priogrid_gid"}
)  # fmt: skip


@dataclass(frozen=True)
class _Event:
    """One event: its incidents (one, or a town's several of one day) and its id in the truth."""

    incidents: tuple[Incident, ...]
    truth_id: str


def with_event_data(
    sim: ReportSimulation, config: EventData, towns: tuple[Town, ...], rng: np.random.Generator
) -> ReportSimulation:
    """`sim` with the event data's table, its rows in the truth, and the truth pairs (module docstring)."""
    events = code_events(sim.incidents, config, rng)
    rows = [
        _event_row(FIRST_ID + i, e, towns[e.incidents[0].town], config, rng) for i, e in enumerate(events)
    ]
    table = pa.table({c: pa.array([r[c] for r in rows], _type(c)) for c in COLUMNS})
    ids = [str(r["id"]) for r in rows]
    truth_rows = {
        "source": [EVENT_DATA_SOURCE] * len(ids), "record_id": ids,
        "incident_id": [e.truth_id for e in events], "copied_from": [None] * len(ids),
        "duplicate_of": [None] * len(ids),
    }  # fmt: skip
    truth = pa.concat_tables(
        [sim.truth, pa.table({c: pa.array(truth_rows[c], pa.string()) for c in TRUTH_COLUMNS})]
    )
    counts = {"reports": len(events), "incidents": sum(len(e.incidents) for e in events), "copies": 0,
              "duplicates": 0}  # fmt: skip
    return replace(
        sim,
        truth=truth,
        counts={**sim.counts, EVENT_DATA_SOURCE: counts},
        event_data=table,
        truth_pairs=_truth_pairs(events, ids, sim.truth),
    )


def code_events(incidents: list[Incident], config: EventData, rng: np.random.Generator) -> list[_Event]:
    """The events: covered incidents grouped by town and day, a group of two or more one aggregate by
    `aggregate_share`, else one event each; in order of day and town."""
    covered = np.flatnonzero(rng.random(len(incidents)) < config.coverage)
    groups: dict[tuple[date, int], list[Incident]] = defaultdict(list)
    for index in covered:
        incident = incidents[int(index)]
        groups[(incident.day, incident.town)].append(incident)
    events: list[_Event] = []
    aggregates = 0
    for key in sorted(groups):
        group = groups[key]
        if len(group) > 1 and rng.random() < config.aggregate_share:
            aggregates += 1
            events.append(_Event(tuple(group), f"AGG{aggregates:06d}"))
        else:
            events.extend(_Event((i,), i.incident_id) for i in group)
    return events


def _event_row(
    event_id: int, event: _Event, town: Town, config: EventData, rng: np.random.Generator
) -> dict[str, object]:
    first = event.incidents[0]
    day = first.day + timedelta(days=1 if rng.random() < config.late_share else 0)
    deaths = _death_cells(sum(i.killed for i in event.incidents), config, rng)
    name = town.english[int(rng.integers(len(town.english)))]
    headline = _headline(event, name, deaths)
    dyad = _DYADS[first.perpetrator]
    return {
        "id": event_id, "year": day.year, "active_year": 1, "type_of_violence": dyad[0],
        "conflict_new_id": dyad[1], "conflict_name": dyad[2], "dyad_new_id": dyad[3],
        "dyad_name": f"{dyad[5]} - {dyad[7]}", "side_a_new_id": dyad[4], "side_a": dyad[5],
        "side_b_new_id": dyad[6], "gwnob": None, "side_b": dyad[7], "number_of_sources": 1,
        "source_article": f'"{OFFICE},{day.isoformat()},{headline}"', "source_office": OFFICE,
        "source_date": day.isoformat(), "source_headline": headline, "source_original": OFFICE,
        **_place_cells(town, name, config, rng), "country": "Syria", "country_id": 652,
        "region": "Middle East", "event_clarity": 1, "date_prec": 1, "date_start": day.isoformat(),
        "date_end": day.isoformat(), **deaths,
    }  # fmt: skip


def _place_cells(town: Town, name: str, config: EventData, rng: np.random.Generator) -> dict[str, object]:
    """The town's point (where_prec 1) or one 2-8 km away (where_prec 2), the place and its areas."""
    lat, lon = town_point(town)
    where_prec = 1
    if rng.random() < config.nearby_share:
        where_prec = 2
        km, bearing = rng.uniform(*NEARBY_KM), rng.uniform(0, 2 * math.pi)
        lat, lon = (
            round(lat + km * math.cos(bearing) / 111, 5),
            round(lon + km * math.sin(bearing) / (111 * math.cos(math.radians(lat))), 5),
        )
    kind = "city" if town.weight >= 3 else "town" if town.weight >= 1 else "village"
    district = _DISTRICT.get(town.adm2)
    return {
        "where_prec": where_prec, "where_coordinates": f"{name} {kind}",
        "adm_1": f"{_ADM1[town.adm1]} Governorate", "adm_2": f"{district} district" if district else None,
        "latitude": lat, "longitude": lon, "geom_wkt": f"POINT ({lon} {lat})",
        "priogrid_gid": int((lat + 90) // 0.5) * 720 + int((lon + 180) // 0.5) + 1,
    }  # fmt: skip


def _death_cells(civilians: int, config: EventData, rng: np.random.Generator) -> dict[str, int]:
    """Civilians and unknown dead (module docstring); best = low = the total, high sometimes above."""
    draw = rng.random()
    unknown = 0
    if draw < config.unknown_share:
        civilians, unknown = 0, civilians
    elif draw < config.unknown_share + config.extra_unknown_share:
        unknown = int(rng.integers(1, 4))
    best = civilians + unknown
    high = best + (int(rng.integers(1, best + 2)) if rng.random() < 0.1 else 0)
    return {
        "deaths_a": 0, "deaths_b": 0, "deaths_civilians": civilians, "deaths_unknown": unknown,
        "low": best, "best": best, "high": high,
    }  # fmt: skip


def _headline(event: _Event, town: str, deaths: dict[str, int]) -> str:
    civilians = deaths["deaths_civilians"]
    n = civilians or deaths["best"]
    who = ("civilian" if n == 1 else "civilians") if civilians else ("person" if n == 1 else "people")
    if len(event.incidents) > 1:
        return _AGGREGATE_HEADLINE.format(n=n, who=who, k=len(event.incidents), town=town)
    return _HEADLINES[event.incidents[0].means].format(n=n, who=who, town=town)


def _truth_pairs(events: list[_Event], ids: list[str], truth: pa.Table) -> pa.Table:
    """One row per event and report of another source of an incident it codes (module docstring)."""
    reports: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for row in truth.select(["source", "record_id", "incident_id"]).to_pylist():
        reports[row["incident_id"]].append((row["source"], row["record_id"]))
    rows = [
        (source, record, EVENT_DATA_SOURCE, event_id, "same" if len(event.incidents) == 1 else "part-of")
        for event, event_id in zip(events, ids, strict=True)
        for incident in event.incidents
        for source, record in reports[incident.incident_id]
    ]
    return pa.table({c: pa.array([r[i] for r in rows], pa.string()) for i, c in enumerate(PAIR_COLUMNS)})


def _type(column: str) -> pa.DataType:
    if column in ("latitude", "longitude"):
        return pa.float64()
    return pa.int64() if column in _INTEGERS else pa.string()
