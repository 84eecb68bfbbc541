"""Simulated incident reports from several sources, with the incident behind every report.

    from harmtrace.simulate.reports import ReportsConfig, simulate_reports
    sim = simulate_reports(ReportsConfig(incidents=1000, seed=1))
    sim.reports["local_network"]   # a pyarrow Table: one source's reports, columns of REPORT_COLUMNS
    sim.truth                      # source, record_id, incident_id, copied_from, duplicate_of
    sim.write("out/")              # reports_<source>.csv per source, truth.csv, incidents.csv

    # with curated event data (UCDP GED's CSV): events_event_data.csv and truth_pairs.csv besides
    sim = simulate_reports(ReportsConfig(incidents=1000, seed=1, event_data=EventData()))

True incidents (`incidents.csv`): a day, a town (`syrian_places.TOWNS`, drawn by weight; beyond
1,000 incidents also invented villages, `invented_towns.towns_for`, so that a larger conflict covers
more places instead of striking each town more often a day) and a point near it, an alleged
perpetrator and means, civilians and children killed, a neighbourhood and a kind of site. A share
of incidents (`same_day_share`) happen on the same day in the same town as an earlier one, in another
neighbourhood: the hard case for linkage, strikes of one wave. That share, the sources' habits, the
copies and the scripts do not change with the size: only the number of places does.

Each source (`ReportSource`) reports an incident with probability `coverage`, in its own way:

- date: the day, a day off (a night strike reported the next morning), the week around it (precision
  `week`) or the month (precision `month`), with the source's `date_weights`;
- location: the point within metres (`exact`), the neighbourhood (point jittered by about 400 m),
  the town's own point (`town`, or `city` for the largest towns), the governorate's point
  (`governorate`, the place written as the governorate), or the place name only, without
  coordinates, with the source's `location_weights`;
- place: in Arabic script, or one of the town's Latin spellings (by weight 1 / rank);
- perpetrator and means: the true ones, none, or (rarely) another;
- counts: the true numbers, an early lower count, a range around them, or none;
- description: the source's own sentence built from the incident's facts (neighbourhood, site,
  counts, perpetrator, means, and the family most victims belonged to, for half of the incidents)
  in its script; with probability `copy_rate` the source instead copies
  an earlier source's text of the same incident nearly verbatim (a word dropped, a prefix added),
  recorded in the truth as `copied_from` (``SOURCE:RECORD_ID``);
- within-source duplicates (`duplicate_rate`): the same source reports the incident twice (an
  update), recorded as `duplicate_of`.

Coordinates of towns are not their real ones: each town is placed at a fixed pseudo-random point
within about 25 km of its governorate's centre (2 km for Damascus; `invented_towns.town_point`), which
is all linkage needs. All
incidents are invented. Every draw comes from numpy streams seeded by `seed`.
"""

from __future__ import annotations

import bisect
import io
import itertools
import math
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Final

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from harmtrace.means import simulated_means
from harmtrace.simulate.invented_towns import CENTRES, town_point, towns_for
from harmtrace.simulate.report_columns import (
    EVENT_DATA_FILE,
    EVENT_DATA_SOURCE,
    REPORT_COLUMNS,
    TRUTH_COLUMNS,
)
from harmtrace.simulate.syrian_names import FAMILY
from harmtrace.simulate.syrian_places import GOVERNORATES, Town
from harmtrace.site_kinds import simulated_site

if TYPE_CHECKING:
    from harmtrace.ingest import ImportResult
    from harmtrace.store import Store

MAPPING: Final = Path("examples/mappings/simulated_reports.yaml")

# (Latin, Arabic) words the descriptions are built from.
PERPETRATORS: Final = (
    ("Russia", "الطيران الروسي", "Russian warplanes"),
    ("Syrian government", "قوات النظام", "government forces"),
    ("US-led coalition", "التحالف الدولي", "coalition aircraft"),
    ("ISIS", "تنظيم الدولة", "ISIS fighters"),
    ("Armed opposition", "فصائل المعارضة", "opposition factions"),
)
_PERPETRATOR_WEIGHTS: Final = (0.35, 0.35, 0.15, 0.08, 0.07)
# (means, Arabic, English) of the means vocabularies/means.yaml gives simulated words, in its order (an
# incident's `means` is the index), and how often each is drawn
MEANS: Final = tuple((name, words.arabic, words.english) for name, words in simulated_means())
_MEANS_DRAWN: Final = {"airstrike": 0.45, "shelling": 0.25, "barrel bomb": 0.12, "rocket": 0.12,
                       "ground attack": 0.06}  # fmt: skip
_MEANS_WEIGHTS: Final = tuple(_MEANS_DRAWN[name] for name, _, _ in MEANS)
# (English, Arabic) of the kinds of site an incident hits, drawn uniformly (an incident's `site` is the
# index); their words are in vocabularies/site_kinds.yaml
_SITE_KINDS: Final = ("residential building", "market", "school", "hospital", "bakery", "mosque", "road",
                      "displacement camp", "water station", "farm")  # fmt: skip
SITES: Final = tuple((words.english, words.arabic) for words in map(simulated_site, _SITE_KINDS))
NEIGHBOURHOODS: Final = (
    ("al-Sukkari", "السكري"), ("al-Shaar", "الشعار"), ("Bustan al-Qasr", "بستان القصر"),
    ("al-Mashhad", "المشهد"), ("al-Ansari", "الأنصاري"), ("Karm al-Jabal", "كرم الجبل"),
    ("al-Maadi", "المعادي"), ("al-Salihin", "الصالحين"), ("Tariq al-Bab", "طريق الباب"),
    ("al-Qatirji", "القاطرجي"), ("al-Firdous", "الفردوس"), ("Bab al-Nairab", "باب النيرب"),
    ("al-Marja", "المرجة"), ("al-Kalasa", "الكلاسة"), ("Hay al-Wadi", "حي الوادي"),
    ("al-Mahatta", "المحطة"), ("al-Jalaa", "الجلاء"), ("al-Qusour", "القصور"),
    ("al-Thawra", "الثورة"), ("al-Hamidiya", "الحميدية"), ("al-Midan", "الميدان"),
    ("al-Nuzha", "النزهة"), ("al-Aziziya", "العزيزية"), ("Hay al-Sinaa", "حي الصناعة"),
    ("al-Sakhour", "الصاخور"), ("al-Jazmati", "الجزماتي"), ("al-Halwaniya", "الحلوانية"),
    ("al-Mayssar", "الميسر"), ("Bab Qinnasrin", "باب قنسرين"), ("al-Rashidin", "الراشدين"),
    ("al-Zabadiya", "الزبدية"), ("al-Amiriya", "العامرية"), ("Sheikh Said", "الشيخ سعيد"),
    ("al-Ferdaws", "الفردوس الغربي"), ("Hay al-Shuhada", "حي الشهداء"), ("al-Muhafaza", "المحافظة"),
)  # fmt: skip

_FAMILY_WEIGHTS: Final = tuple(entry.weight for entry in FAMILY)
DAY_SOURCES: Final = ("day", "shifted", "week", "month")
LOCATIONS: Final = ("exact", "neighbourhood", "town", "governorate", "name_only")


@dataclass(frozen=True)
class ReportSource:
    """How one source reports: coverage, script, and the weights of its date and location habits.

    `date_weights` follow DAY_SOURCES (day, a day off, week, month), `location_weights` LOCATIONS.
    `script` is "latin", "arabic" or "mixed" (each report in either); `style` picks its sentence.
    """

    name: str
    coverage: float
    script: str = "latin"
    style: int = 0
    date_weights: tuple[float, ...] = (0.85, 0.07, 0.05, 0.03)
    location_weights: tuple[float, ...] = (0.3, 0.35, 0.25, 0.05, 0.05)
    count_missing: float = 0.08
    perpetrator_missing: float = 0.15
    copy_rate: float = 0.0
    duplicate_rate: float = 0.02
    id_prefix: str = ""


DEFAULT_SOURCES: Final = (
    ReportSource("local_network", 0.55, "arabic", 0, (0.88, 0.06, 0.04, 0.02), (0.45, 0.3, 0.2, 0.0, 0.05),
                 id_prefix="LN-"),
    ReportSource("monitor", 0.5, "latin", 1, (0.85, 0.05, 0.07, 0.03), (0.25, 0.45, 0.25, 0.05, 0.0),
                 id_prefix="MN-"),
    ReportSource("ngo", 0.35, "mixed", 2, (0.8, 0.05, 0.1, 0.05), (0.2, 0.3, 0.35, 0.1, 0.05),
                 copy_rate=0.2, id_prefix="NGO-"),
    ReportSource("news_wire", 0.3, "latin", 3, (0.82, 0.12, 0.04, 0.02), (0.0, 0.15, 0.6, 0.2, 0.05),
                 perpetrator_missing=0.3, copy_rate=0.35, duplicate_rate=0.04, id_prefix="W"),
    ReportSource("activist", 0.3, "arabic", 4, (0.9, 0.08, 0.02, 0.0), (0.35, 0.4, 0.2, 0.0, 0.05),
                 perpetrator_missing=0.05, duplicate_rate=0.05, id_prefix="ACT-"),
)  # fmt: skip


@dataclass(frozen=True)
class EventData:
    """How the simulated curated event data (UCDP GED's CSV) codes the incidents (module
    `harmtrace.simulate.event_data`); every value a share in [0, 1].

    `coverage`: share of incidents it covers. `aggregate_share`: for a town and day with two or more
    covered incidents, the probability that it codes them as one event, the town's daily toll (the
    sum of their civilians), rather than one event per incident. `late_share`: event dated a day
    after its incidents. `nearby_share`: located "within 25 km" (UCDP where_prec 2, the point moved
    2-8 km) rather than at the town's point (where_prec 1). `unknown_share`: every dead of the event
    coded as of unknown status (civilians 0), as UCDP often does; `extra_unknown_share`: a few dead
    of unknown status besides the civilians.
    """

    coverage: float = 0.6
    aggregate_share: float = 0.5
    late_share: float = 0.1
    nearby_share: float = 0.2
    unknown_share: float = 0.15
    extra_unknown_share: float = 0.15

    def __post_init__(self) -> None:
        for name, value in vars(self).items():
            if not 0 <= value <= 1:
                raise ValueError(f"event_data.{name} is a share in [0, 1] (got {value})")


@dataclass(frozen=True)
class ReportsConfig:
    """Settings of a simulation: incidents, seed, period, share of same-town same-day incidents, sources,
    and the curated event data (None: none)."""

    incidents: int = 1000
    seed: int = 0
    period_start: date = date(2016, 1, 1)
    period_end: date = date(2019, 12, 31)
    same_day_share: float = 0.35
    sources: tuple[ReportSource, ...] = DEFAULT_SOURCES
    event_data: EventData | None = None

    def __post_init__(self) -> None:
        if self.incidents < 1:
            raise ValueError(f"incidents must be at least 1 (got {self.incidents})")
        if not 0 <= self.same_day_share < 1:
            raise ValueError(f"same_day_share is a share in [0, 1) (got {self.same_day_share})")
        if self.period_end < self.period_start:
            raise ValueError("period_end is before period_start")


@dataclass(frozen=True)
class Incident:
    """One true incident."""

    incident_id: str
    day: date
    town: int
    latitude: float
    longitude: float
    perpetrator: int
    means: int
    killed: int
    children: int
    neighbourhood: int
    site: int
    family: int  # index in syrian_names.FAMILY of the family most victims belonged to; -1: none named


@dataclass(frozen=True)
class WrittenReports:
    """The files of a simulation: one CSV per source, truth.csv, incidents.csv; with event data its
    UCDP GED CSV and truth_pairs.csv (pairs of `harmtrace.link.labels`), else None."""

    folder: Path
    reports: dict[str, Path]
    truth: Path
    incidents: Path
    event_data: Path | None = None
    truth_pairs: Path | None = None


@dataclass
class ReportSimulation:
    """True incidents, each source's reports (Arrow tables, REPORT_COLUMNS) and the truth per report;
    with event data, its events (UCDP GED's columns) and the truth pairs of its events."""

    config: ReportsConfig
    incidents: list[Incident]
    reports: dict[str, pa.Table]
    truth: pa.Table
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    event_data: pa.Table | None = None
    truth_pairs: pa.Table | None = None

    def write(self, folder: Path | str) -> WrittenReports:
        """Write reports_<source>.csv (UTF-8), truth.csv and incidents.csv into `folder`; with event
        data also events_event_data.csv and truth_pairs.csv."""
        out = Path(folder)
        out.mkdir(parents=True, exist_ok=True)
        paths = {name: out / f"reports_{name}.csv" for name in self.reports}
        for name, path in paths.items():
            path.write_bytes(_csv(self.reports[name]))
        written = WrittenReports(out, paths, out / "truth.csv", out / "incidents.csv")
        written.truth.write_bytes(_csv(self.truth))
        written.incidents.write_bytes(_csv(_incident_table(self.incidents, towns_for(self.config.incidents))))
        if self.event_data is None or self.truth_pairs is None:
            return written
        events, pairs = out / EVENT_DATA_FILE, out / "truth_pairs.csv"
        events.write_bytes(_csv(self.event_data))
        pairs.write_bytes(_csv(self.truth_pairs))
        return replace(written, event_data=events, truth_pairs=pairs)

    def summary(self) -> list[dict[str, int | str]]:
        """Per source: reports, incidents reported, copies, within-source duplicates."""
        return [{"source": name, **counts} for name, counts in self.counts.items()]


def simulate_reports(config: ReportsConfig | None = None) -> ReportSimulation:
    """Simulate the incidents and every source's reports (module docstring)."""
    config = config or ReportsConfig()
    incidents = simulate_incidents(config, np.random.default_rng([config.seed, 1]))
    writer = _Writer(config, towns_for(config.incidents))
    for index, incident in enumerate(incidents):
        writer.report(incident, np.random.default_rng([config.seed, 2, index]))
    sim = ReportSimulation(config, incidents, writer.tables(), writer.truth(), writer.counts)
    if config.event_data is None:
        return sim
    from harmtrace.simulate.event_data import with_event_data  # only when asked: it loads DuckDB

    return with_event_data(sim, config.event_data, writer.towns, np.random.default_rng([config.seed, 3]))


def import_reports(store: Store, written: WrittenReports, mapping: Path | None = None) -> list[ImportResult]:
    """Import every source's CSV into `store` as reports, through the simulated-reports mapping, and
    the event data, if any, as UCDP GED (source EVENT_DATA_SOURCE)."""
    from harmtrace.ingest import get_format, import_file

    fmt = get_format("incidents", mapping or mapping_path())
    results = [import_file(store, fmt, path, source=name) for name, path in written.reports.items()]
    if written.event_data is not None:
        results.append(
            import_file(store, get_format("ucdp-ged"), written.event_data, source=EVENT_DATA_SOURCE)
        )
    return results


def mapping_path() -> Path:
    """The shipped mapping of the simulated reports (examples/mappings/simulated_reports.yaml)."""
    here = Path(__file__).resolve().parents[3] / MAPPING
    return here if here.is_file() else MAPPING


# --- incidents ----------------------------------------------------------------------------------------


def simulate_incidents(config: ReportsConfig, rng: np.random.Generator) -> list[Incident]:
    """True incidents: a share on the day and in the town of an earlier one (module docstring)."""
    days = (config.period_end - config.period_start).days + 1
    places = towns_for(config.incidents)
    weights = np.array([t.weight for t in places])
    towns = rng.choice(len(places), size=config.incidents, p=weights / weights.sum())
    day_offsets = rng.integers(0, days, size=config.incidents)
    wave = rng.random(config.incidents) < config.same_day_share
    earlier = (rng.random(config.incidents) * np.arange(config.incidents)).astype(np.int64)
    for i in np.flatnonzero(wave)[np.flatnonzero(wave) > 0]:  # in order: a wave may follow a wave
        towns[i], day_offsets[i] = towns[earlier[i]], day_offsets[earlier[i]]
    killed = 1 + rng.negative_binomial(1.2, 0.3, size=config.incidents)
    width = len(str(config.incidents))
    return [
        _incident(f"I{i + 1:0{width}d}", config.period_start + timedelta(days=int(day_offsets[i])),
                  int(towns[i]), places[int(towns[i])], int(killed[i]), rng)
        for i in range(config.incidents)
    ]  # fmt: skip


def _incident(
    incident_id: str, day: date, town: int, place: Town, killed: int, rng: np.random.Generator
) -> Incident:
    lat, lon = town_point(place)
    spread_km = 3.0 if place.weight >= 3 else 1.0
    dlat, dlon = rng.normal(0, spread_km / 111, size=2)
    return Incident(
        incident_id=incident_id,
        day=day,
        town=town,
        latitude=round(lat + float(dlat), 5),
        longitude=round(lon + float(dlon) / math.cos(math.radians(lat)), 5),
        perpetrator=_pick(_PERPETRATOR_WEIGHTS, rng),
        means=_pick(_MEANS_WEIGHTS, rng),
        killed=killed,
        children=int(rng.binomial(killed, 0.3)),
        neighbourhood=int(rng.integers(len(NEIGHBOURHOODS))),
        site=int(rng.integers(len(SITES))),
        family=_pick(_FAMILY_WEIGHTS, rng) if rng.random() < 0.5 else -1,
    )


def _incident_table(incidents: list[Incident], towns: tuple[Town, ...]) -> pa.Table:
    return pa.table(
        {
            "incident_id": [i.incident_id for i in incidents],
            "date": [i.day.isoformat() for i in incidents],
            "town": [towns[i.town].english[0] for i in incidents],
            "town_ar": [towns[i.town].arabic for i in incidents],
            "latitude": [i.latitude for i in incidents],
            "longitude": [i.longitude for i in incidents],
            "perpetrator": [PERPETRATORS[i.perpetrator][0] for i in incidents],
            "means": [MEANS[i.means][0] for i in incidents],
            "civilians_killed": [i.killed for i in incidents],
            "children_killed": [i.children for i in incidents],
            "neighbourhood": [NEIGHBOURHOODS[i.neighbourhood][0] for i in incidents],
            "family": [FAMILY[i.family].latin[0] if i.family >= 0 else None for i in incidents],
            "site": [SITES[i.site][0] for i in incidents],
        }
    )


# --- reports ------------------------------------------------------------------------------------------


class _Writer:
    """Collects the reports of every source, row by row, and the truth."""

    def __init__(self, config: ReportsConfig, towns: tuple[Town, ...]) -> None:
        self.config = config
        self.towns = towns
        self.rows: dict[str, dict[str, list[object]]] = {
            s.name: {c: [] for c in REPORT_COLUMNS} for s in config.sources
        }
        self.truth_rows: dict[str, list[str | None]] = {c: [] for c in TRUTH_COLUMNS}
        self.counts = {s.name: {"reports": 0, "incidents": 0, "copies": 0, "duplicates": 0}
                       for s in config.sources}  # fmt: skip

    def report(self, incident: Incident, rng: np.random.Generator) -> None:
        """Every source's reports of `incident` (none, one, or one and a duplicate)."""
        written: list[tuple[str, str, str]] = []  # (source, record_id, description) of this incident
        for source in self.config.sources:
            if rng.random() >= source.coverage:
                continue
            self.counts[source.name]["incidents"] += 1
            record_id = self._add(source, incident, rng, written, duplicate_of=None)
            if rng.random() < source.duplicate_rate:
                self._add(source, incident, rng, written, duplicate_of=f"{source.name}:{record_id}")

    def _add(
        self,
        source: ReportSource,
        incident: Incident,
        rng: np.random.Generator,
        written: list[tuple[str, str, str]],
        duplicate_of: str | None,
    ) -> str:
        counts = self.counts[source.name]
        counts["reports"] += 1
        counts["duplicates"] += duplicate_of is not None
        record_id = f"{source.id_prefix}{counts['reports']:07d}"
        arabic = source.script == "arabic" or (source.script == "mixed" and rng.random() < 0.4)
        town = self.towns[incident.town]
        row = {
            "record_id": record_id,
            **_date_cells(incident.day, source, rng),
            **_location_cells(incident, town, source, arabic, rng),
            **_attribution_cells(incident, source, rng),
            **_count_cells(incident, source, rng),
        }
        others = [w for w in written if w[0] != source.name]
        copied_from = None
        if others and rng.random() < source.copy_rate:
            original = others[int(rng.integers(len(others)))]
            row["description"] = _copy(original[2], rng)
            copied_from = f"{original[0]}:{original[1]}"
            counts["copies"] += 1
        else:
            row["description"] = describe(incident, town, source.style, arabic, rng)
        for column in REPORT_COLUMNS:
            self.rows[source.name][column].append(row[column])
        written.append((source.name, record_id, str(row["description"])))
        truth = (source.name, record_id, incident.incident_id, copied_from, duplicate_of)
        for column, value in zip(TRUTH_COLUMNS, truth, strict=True):
            self.truth_rows[column].append(value)
        return record_id

    def tables(self) -> dict[str, pa.Table]:
        types = {"latitude": pa.float64(), "longitude": pa.float64()}
        return {
            name: pa.table({c: pa.array(v, types.get(c, pa.string())) for c, v in rows.items()})
            for name, rows in self.rows.items()
        }

    def truth(self) -> pa.Table:
        return pa.table({c: pa.array(v, pa.string()) for c, v in self.truth_rows.items()})


def _date_cells(day: date, source: ReportSource, rng: np.random.Generator) -> dict[str, str]:
    """The date as the source writes it: a day, a day off, the week around it, or its month."""
    how = DAY_SOURCES[_pick(source.date_weights, rng)]
    if how == "shifted":
        return {
            "date": (day + timedelta(days=(-1 if rng.random() < 1 / 3 else 1))).isoformat(),
            "date_precision": "day",
        }
    if how == "week":
        start = day - timedelta(days=int(rng.integers(0, 7)))
        return {
            "date": f"{start.isoformat()} - {(start + timedelta(days=6)).isoformat()}",
            "date_precision": "week",
        }
    if how == "month":
        return {"date": day.strftime("%Y-%m"), "date_precision": "month"}
    return {"date": day.isoformat(), "date_precision": "day"}


def _location_cells(
    incident: Incident, town: Town, source: ReportSource, arabic: bool, rng: np.random.Generator
) -> dict[str, object]:
    """Place text, governorate and point with its precision word (module docstring)."""
    how = LOCATIONS[_pick(source.location_weights, rng)]
    governorate = next(g for g in GOVERNORATES if g.pcode == town.adm1)
    place = town.arabic if arabic else _spelling(town.english, rng)
    cells: dict[str, object] = {
        "place": None if arabic else place,
        "place_ar": place if arabic else None,
        "governorate": governorate.arabic if arabic else governorate.english[0],
        "latitude": None,
        "longitude": None,
        "location_precision": "town",
    }
    if how in ("exact", "neighbourhood"):
        sd_km = 0.03 if how == "exact" else 0.4
        dlat, dlon = rng.normal(0, sd_km / 111, size=2)
        cells["latitude"] = round(incident.latitude + float(dlat), 5)
        cells["longitude"] = round(
            incident.longitude + float(dlon) / math.cos(math.radians(incident.latitude)), 5
        )
        cells["location_precision"] = how
    elif how == "town":
        cells["latitude"], cells["longitude"] = town_point(town)
        cells["location_precision"] = "city" if town.weight >= 3 else "town"
    elif how == "governorate":
        cells["latitude"], cells["longitude"] = CENTRES[town.adm1]
        cells["location_precision"] = "governorate"
        cells["place" if not arabic else "place_ar"] = cells["governorate"]
    return cells


def _attribution_cells(
    incident: Incident, source: ReportSource, rng: np.random.Generator
) -> dict[str, str | None]:
    draw = rng.random()
    perpetrator: str | None = PERPETRATORS[incident.perpetrator][0]
    if draw < source.perpetrator_missing:
        perpetrator = None
    elif draw < source.perpetrator_missing + 0.04:  # a competing claim
        perpetrator = PERPETRATORS[(incident.perpetrator + 1) % len(PERPETRATORS)][0]
    means: str | None = MEANS[incident.means][0]
    draw = rng.random()
    if draw < 0.1:
        means = None
    elif draw < 0.13:
        means = MEANS[(incident.means + 1) % len(MEANS)][0]
    return {"perpetrators": perpetrator, "means": means}


def _count_cells(incident: Incident, source: ReportSource, rng: np.random.Generator) -> dict[str, str | None]:
    """Civilians and children killed: the true numbers, an early lower count, a range, or none."""
    draw = rng.random()
    if draw < source.count_missing:
        return {"civilians_killed": None, "children_killed": None}
    killed, children = incident.killed, incident.children
    if draw < source.count_missing + 0.2:
        lower = max(1, killed - int(rng.integers(1, 3)))
        return {"civilians_killed": str(lower), "children_killed": str(min(children, lower))}
    if draw < source.count_missing + 0.35:
        return {"civilians_killed": f"{max(1, killed - 1)}-{killed + 2}", "children_killed": str(children)}
    return {"civilians_killed": str(killed), "children_killed": str(children)}


# --- descriptions -------------------------------------------------------------------------------------

_LATIN_STYLES: Final = (
    "{means_cap} by {actor} hit a {site} in the {hood} neighbourhood of {town}, killing {killed} civilians"
    "{kids}.",
    "{killed} civilians{kids} were killed when {actor} targeted a {site} in {hood}, {town}, with {means}.",
    "{town}: {means} on the {hood} area struck a {site}; {killed} civilians dead{kids}. "
    "Perpetrator: {actor}.",
    "{actor} carried out {means} on {town}'s {hood} district on {day}, hitting a {site} and killing {killed}"
    " people{kids}, local sources said.",
    "Civil defence teams recovered {killed} bodies{kids} after {means} hit a {site} in {hood} ({town}).",
)
_ARABIC_STYLES: Final = (
    "استشهد {killed} مدنيين{kids} جراء {means} من {actor} استهدف {site} في حي {hood} بمدينة {town}.",
    "{means} من {actor} على {site} في حي {hood} في {town} أدى إلى مقتل {killed} مدنيين{kids}.",
    "{town}: سقوط {killed} ضحايا{kids} بعد استهداف {site} في {hood} بـ{means} من قبل {actor}.",
    "مقتل {killed} مدنيين{kids} في {means} لـ{actor} على {site} بحي {hood} في {town} اليوم.",
    "انتشال جثث {killed} مدنيين{kids} من تحت أنقاض {site} في حي {hood} بعد {means} على {town}.",
)


def describe(incident: Incident, town: Town, style: int, arabic: bool, rng: np.random.Generator) -> str:
    """A source's own sentence about `incident` in `town`, in Arabic or English; some facts left out at
    random."""
    kids_n = incident.children if rng.random() < 0.7 else 0
    if arabic:
        words = {
            "means": MEANS[incident.means][1], "actor": PERPETRATORS[incident.perpetrator][1],
            "site": SITES[incident.site][1], "hood": NEIGHBOURHOODS[incident.neighbourhood][1],
            "town": town.arabic, "killed": str(incident.killed),
            "kids": f" بينهم {kids_n} أطفال" if kids_n else "", "day": incident.day.isoformat(),
        }  # fmt: skip
        return _ARABIC_STYLES[style % len(_ARABIC_STYLES)].format(**words) + _family(incident, True, rng)
    means = MEANS[incident.means][2]
    words = {
        "means": means, "means_cap": means[0].upper() + means[1:],
        "actor": PERPETRATORS[incident.perpetrator][2],
        "site": SITES[incident.site][0], "hood": NEIGHBOURHOODS[incident.neighbourhood][0],
        "town": _spelling(town.english, rng), "killed": str(incident.killed),
        "kids": f", including {kids_n} children" if kids_n else "", "day": incident.day.strftime("%d %B"),
    }  # fmt: skip
    return _LATIN_STYLES[style % len(_LATIN_STYLES)].format(**words) + _family(incident, False, rng)


def _family(incident: Incident, arabic: bool, rng: np.random.Generator) -> str:
    """ " Most of the victims were of the al-Hamwi family.", when the incident has one and the source
    says so (three times in four)."""
    if incident.family < 0 or rng.random() >= 0.75:
        return ""
    entry = FAMILY[incident.family]
    if arabic:
        return f" معظم الضحايا من عائلة {'ال' if entry.article else ''}{entry.arabic}."
    name = _spelling(entry.latin, rng)
    return f" Most of the victims were of the {'al-' if entry.article else ''}{name} family."


def _copy(text: str, rng: np.random.Generator) -> str:
    """A near-verbatim copy: one word dropped, sometimes a prefix naming where it came from."""
    words = text.split()
    if len(words) > 6:
        del words[int(rng.integers(1, len(words) - 1))]
    prefix = "Reported: " if rng.random() < 0.3 else ""
    return prefix + " ".join(words)


def _spelling(spellings: tuple[str, ...], rng: np.random.Generator) -> str:
    return spellings[_pick(tuple(1.0 / (rank + 1) for rank in range(len(spellings))), rng)]


def _pick(weights: tuple[float, ...], rng: np.random.Generator) -> int:
    """An index drawn with the given (unnormalised) weights; faster than Generator.choice for one draw."""
    cumulative = list(itertools.accumulate(weights))
    return min(bisect.bisect_right(cumulative, rng.random() * cumulative[-1]), len(weights) - 1)


def _csv(table: pa.Table) -> bytes:
    sink = io.BytesIO()
    pacsv.write_csv(table, sink)
    return sink.getvalue()
