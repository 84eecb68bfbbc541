"""ACLED (Armed Conflict Location & Event Data) export CSV, with the columns of the 2023 codebook.

Each event is a report; the raw row keeps every column (tags, timestamp, source scale...).

Dates (ACLED codebook, "Time precision codes"): `event_date` is "2016-09-19" (API) or
"19 September 2016" (web export); numeric day/month forms are refused as ambiguous. The interval
widens with `time_precision`:
  1 actual day                   -> that day (precision "day");
  2 sometime during a week       -> ACLED codes the middle of the period (the Wednesday or Thursday
                                    of a week), so the date ± 3 days (precision "week");
  3 sometime during a month      -> ACLED codes the month's midpoint, or its first or last day when
                                    the source says "beginning" or "end", so the whole calendar month
                                    of the date (precision "month").
A vaguer date ("the past three weeks") coded at a month's midpoint may reach into the previous month:
ACLED keeps no more than the month, and neither can we.

Places (codebook, "Spatial precision codes"): `location` is the place name (in large cities
"City - District"), `admin1`/`admin2` as ACLED names them. `geo_precision` maps to our words:
  1 the named town, village or city district, at its centroid -> "town";
  2 near a town, or a small part of a region, coded to a nearby town -> "within_25km";
  3 a larger region, coded to a natural location or the provincial capital -> "region"
    (in Syria that can be "the Badia", wider than a governorate).

Perpetrators: ACLED says actor1 and actor2 "do not imply directionality", except that in
"Violence against civilians" actor1 is the perpetrator and actor2 the civilians. So in that event type
actor1 alone is alleged; in every other type (Battles, Explosions/Remote violence...) both actors are
alleged, a shared attribution as for UCDP dyadic events, leaving out an actor coded as civilians or
protesters (inter code 7 or 6, numeric or the 2024 text labels): the target of an airstrike is never its
perpetrator. Associated actors are not listed.

Harm: `fatalities` is one number (ACLED records the lowest reported figure; 0 where only "casualties"
are reported), so everyone killed is min = max = best = fatalities. When `civilian_targeting` is set
the event's victims were civilians, and the same number is also the civilians killed (an attacker who
died, e.g. a suicide bomber, may be counted in it: ACLED does not separate them).
Means come from `sub_event_type` (SUB_EVENT_MEANS, from ``vocabularies/means.yaml``);
`number_of_sources` counts the ";"-separated names in `source`.
"""

from __future__ import annotations

from typing import Final

from harmtrace.ingest.formats import Format
from harmtrace.ingest.sql import (
    Select,
    date_from,
    integer,
    lit,
    missing,
    number,
    q,
    show,
    split_list,
    text,
    unparsed,
    unparsed_count,
)
from harmtrace.means import all_means

# The codebook's columns since March 2023; earlier exports lack disorder_type, civilian_targeting and tags.
COLUMNS = (
    "event_id_cnty", "event_date", "year", "time_precision", "disorder_type", "event_type",
    "sub_event_type", "actor1", "assoc_actor_1", "inter1", "actor2", "assoc_actor_2", "inter2",
    "interaction", "civilian_targeting", "iso", "region", "country", "admin1", "admin2", "admin3",
    "location", "latitude", "longitude", "geo_precision", "source", "source_scale", "notes",
    "fatalities", "tags", "timestamp",
)  # fmt: skip
# The columns read: every ACLED export since 2019 has them, so older files import too.
REQUIRED = (
    "event_id_cnty", "event_date", "year", "time_precision", "event_type", "sub_event_type", "actor1",
    "inter1", "actor2", "inter2", "admin1", "admin2", "location", "latitude", "longitude",
    "geo_precision", "source", "notes", "fatalities",
)  # fmt: skip

DATE_FORMATS = ("%Y-%m-%d", "%d %B %Y", "%d %b %Y", "%d-%B-%Y", "%d-%b-%Y")
GEO_PRECISION = {1: "town", 2: "within_25km", 3: "region"}
TIME_PRECISION = {1: "day", 2: "week", 3: "month"}
WEEK_HALF_DAYS = 3  # a week-precision date is the middle of a 7-day period
# inter codes of actors who suffer violence and never inflict it in ACLED's coding
NOT_PERPETRATOR_INTER = ("6", "7", "protesters", "civilians")
# ACLED sub-event type (lower case) -> means, from vocabularies/means.yaml
SUB_EVENT_MEANS: Final = {sub_event: m.name for m in all_means() for sub_event in m.acled}


def _case(expr: str, values: dict[int, str], default: str) -> str:
    whens = " ".join(f"WHEN {k} THEN {lit(v)}" for k, v in values.items())
    return f"CASE {expr} {whens} ELSE {default} END"


def _dates(s: Select) -> None:
    day, precision = date_from("event_date", DATE_FORMATS), integer("time_precision")
    s.set("date_start", f"CASE {precision} WHEN 2 THEN {day} - {WEEK_HALF_DAYS} "
                        f"WHEN 3 THEN date_trunc('month', {day})::DATE ELSE {day} END")  # fmt: skip
    s.set("date_end", f"CASE {precision} WHEN 2 THEN {day} + {WEEK_HALF_DAYS} "
                      f"WHEN 3 THEN last_day({day}) ELSE {day} END")  # fmt: skip
    s.set("date_precision", _case(precision, TIME_PRECISION, "'unknown'"))
    s.reasons += [
        unparsed("event_date", day, "date_invalid", "a date (2016-09-19 or 19 September 2016)"),
        f"CASE WHEN {precision} IS NULL OR {precision} NOT IN (1, 2, 3) THEN "
        f"'precision_invalid: column \"time_precision\" value ' || {show(q('time_precision'))} || "
        "' is not 1, 2 or 3; the date interval cannot be set' END",
    ]
    s.flags.append(
        f"CASE WHEN {integer('year')} <> year({day}) THEN 'year_mismatch: column \"year\" says ' || "
        f"{integer('year')} || ' but event_date is ' || {day} || '; event_date was used' END"
    )


def _place(s: Select) -> None:
    precision = integer("geo_precision")
    s.set("place_text", text("location"))
    s.set("latitude", number("latitude"))
    s.set("longitude", number("longitude"))
    s.set("location_precision", _case(precision, GEO_PRECISION, "'unknown'"))
    s.set("adm1_source", text("admin1"))
    s.set("adm2_source", text("admin2"))
    for col in ("latitude", "longitude"):
        s.set_aside("coordinates", unparsed(col, number(col), "coordinates_invalid", "a number"))
    s.set_aside(
        "location_precision",
        f"CASE WHEN {text('geo_precision')} IS NOT NULL AND coalesce({precision} NOT IN (1, 2, 3), true) "
        f"THEN 'precision_invalid: column \"geo_precision\" value ' || {show(q('geo_precision'))} || "
        "' is not 1, 2 or 3' END",
    )


def _perpetrators() -> str:
    """SQL: the alleged perpetrators (see the module docstring)."""
    excluded = ", ".join(lit(v) for v in NOT_PERPETRATOR_INTER)

    def armed(actor: str, inter: str) -> str:
        return f"CASE WHEN lower({text(inter)}) IN ({excluded}) THEN NULL ELSE {text(actor)} END"

    # the same actor on both sides (a mutiny, infighting) is listed once
    actor2 = f"CASE WHEN {text('actor2')} = {text('actor1')} THEN NULL ELSE {armed('actor2', 'inter2')} END"
    one_sided = f"lower({text('event_type')}) = 'violence against civilians'"
    listed = f"CASE WHEN {one_sided} THEN [{text('actor1')}] ELSE [{armed('actor1', 'inter1')}, {actor2}] END"
    return f"list_filter({listed}, lambda x: x IS NOT NULL)"


def _means() -> str:
    whens = " ".join(f"WHEN {lit(k)} THEN [{lit(v)}]" for k, v in SUB_EVENT_MEANS.items())
    return f"CASE lower({text('sub_event_type')}) {whens} ELSE []::VARCHAR[] END"


def _harm(s: Select, columns: list[str]) -> None:
    killed = integer("fatalities")
    # exports before 2023 have no civilian_targeting: their civilians killed stay unknown
    targeted = f"{text('civilian_targeting')} IS NOT NULL" if "civilian_targeting" in columns else "false"
    for bound in ("min", "max", "best"):
        s.set(f"killed_all_{bound}", killed)
        s.set(f"killed_civilians_{bound}", f"CASE WHEN {targeted} THEN {killed} END")
    problems = [
        missing("fatalities", "count_missing", "ACLED gives a number for every event (0 if none reported)"),
        unparsed_count("fatalities"),
    ]
    for problem in problems:
        s.set_aside("killed_all", problem)
        # the civilians killed of a civilian-targeting event are the same number: set aside with it
        s.set_aside("killed_civilians", f"CASE WHEN {targeted} THEN {problem} END")


def select(columns: list[str]) -> Select:
    s = Select()
    s.set("record_id", text("event_id_cnty"))
    _dates(s)
    _place(s)
    s.set("perpetrators", _perpetrators())
    s.set("means", _means())
    s.set("number_of_sources", f"nullif(len({split_list('source', ';')}), 0)")
    s.set("description", text("notes"))
    _harm(s, columns)
    s.reasons.append(missing("event_id_cnty", "id_missing", "every ACLED event has an event_id_cnty"))
    return s


FORMAT = Format(
    name="acled",
    kind="report",
    required_columns=REQUIRED,
    select=select,
    description="ACLED export CSV (codebook columns, 2023 and later)",
    deduplicated=True,
)
