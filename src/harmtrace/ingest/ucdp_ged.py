"""UCDP Georeferenced Event Dataset (GED) CSV, as released (codebook 19.1 and later).

Each event is a report. Deaths: `low`/`high`/`best` give everyone killed; `deaths_civilians` the
civilians; `deaths_a + deaths_b` the combatants of both sides; `deaths_unknown` stays in the total only.
Attribution: UCDP does not say which side killed whom in a dyadic event (violence types 1 and 2), so
both sides are alleged perpetrators there (shared attribution); in one-sided violence (type 3) side A
alone is. What UCDP does say is who died: deaths_a and deaths_b are the deaths each side sustained,
kept as side rows (`harm_side`), so a side's figures never count its own dead as deaths it caused.
The raw row keeps every column, including the source fields. A source entry that cites another
source's record by its code ("Airwars,2017-03-01,January 6th 2017: (S380) ...") is kept as a citation
(`harmtrace.ingest.citations`): linkage joins the event to the record cited.
"""

from __future__ import annotations

from harmtrace.ingest.citations import cited_codes_sql
from harmtrace.ingest.formats import Format
from harmtrace.ingest.sql import (
    Select,
    date_from,
    integer,
    missing,
    number,
    q,
    text,
    unparsed,
    unparsed_count,
)
from harmtrace.model import CITES_COLUMN, SIDE_HARM_COLUMN

COLUMNS = (
    "id", "year", "active_year", "type_of_violence", "conflict_new_id", "conflict_name",
    "dyad_new_id", "dyad_name", "side_a_new_id", "side_a", "side_b_new_id", "gwnob", "side_b",
    "number_of_sources", "source_article", "source_office", "source_date", "source_headline",
    "source_original", "where_prec", "where_coordinates", "adm_1", "adm_2", "latitude", "longitude",
    "geom_wkt", "priogrid_gid", "country", "country_id", "region", "event_clarity", "date_prec",
    "date_start", "date_end", "deaths_a", "deaths_b", "deaths_civilians", "deaths_unknown",
    "low", "best", "high",
)  # fmt: skip

# UCDP where_prec: 1 exact place, 2 within ~25 km, 3 second-order admin (district),
# 4 first-order admin (governorate), 5 linear/larger region, 6 country, 7 international waters/air.
# "Exact place" gives the coordinates of the named village, town or city (Aleppo's events sit at one
# point), not of the building: it is a town's precision (5 km by default), not a GPS point's.
WHERE_PREC = {
    "1": "town",
    "2": "within_25km",
    "3": "district",
    "4": "governorate",
    "5": "region",
    "6": "country",
    "7": "unknown",
}
# UCDP date_prec: 1 exact day, 2 within 2-6 days, 3 within a week, 4 within a month, 5 within a year+.
DATE_PREC = {"1": "day", "2": "days", "3": "week", "4": "month", "5": "year"}
VIOLENCE = {"1": "state-based", "2": "non-state", "3": "one-sided"}


def _case(col: str, values: dict[str, str], default: str) -> str:
    whens = " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in values.items())
    return f"CASE trim({q(col)}) {whens} ELSE {default} END"


def select(columns: list[str]) -> Select:
    s = Select()
    s.set("record_id", text("id"))
    s.set("date_start", date_from("date_start"))
    s.set("date_end", date_from("date_end"))
    s.set("date_precision", _case("date_prec", DATE_PREC, "'range'"))
    s.set("place_text", text("where_coordinates"))
    s.set("latitude", number("latitude"))
    s.set("longitude", number("longitude"))
    s.set("location_precision", _case("where_prec", WHERE_PREC, "'unknown'"))
    s.set("adm1_source", text("adm_1"))
    s.set("adm2_source", text("adm_2"))
    sides = f"list_filter([{text('side_a')}, {text('side_b')}], lambda x: x IS NOT NULL)"
    s.set(
        "perpetrators",
        f"CASE WHEN trim(type_of_violence) = '3' THEN [{text('side_a')}] ELSE {sides} END",
    )
    s.set("violence_type", _case("type_of_violence", VIOLENCE, "NULL"))
    s.set("number_of_sources", integer("number_of_sources"))
    s.set("description", text("source_headline"))
    s.set(CITES_COLUMN, cited_codes_sql(q("source_article")))
    low, best, high = integer("low"), integer("best"), integer("high")
    # 101 events of the 2016-2019 Syria release have best outside low..high: keep every number the
    # source gives by widening the range to include best, and flag the row
    s.set("killed_all_min", f"least({low}, {best}, {high})")
    s.set("killed_all_max", f"greatest({low}, {best}, {high})")
    s.set("killed_all_best", best)
    s.flags.append(
        f"CASE WHEN NOT ({best} BETWEEN {low} AND {high}) THEN 'count_widened: best ' || {best} || "
        f"' outside low ' || {low} || ' - high ' || {high} || '; range widened to include best' END"
    )
    s.set(SIDE_HARM_COLUMN, _side_deaths())
    for bound in ("min", "max", "best"):
        s.set(f"killed_civilians_{bound}", integer("deaths_civilians"))
        s.set(f"killed_combatants_{bound}", f"{integer('deaths_a')} + {integer('deaths_b')}")
    s.reasons += [
        missing("id", "id_missing", "every UCDP event has an id"),
        unparsed("date_start", date_from("date_start"), "date_invalid", "a date (YYYY-MM-DD)"),
        unparsed("date_end", date_from("date_end"), "date_invalid", "a date (YYYY-MM-DD)"),
    ]
    for col in ("latitude", "longitude"):
        s.set_aside("coordinates", unparsed(col, number(col), "coordinates_invalid", "a number"))
    s.set_aside("killed_all", missing("best", "count_missing", "UCDP gives a best estimate for every event"))
    for col, unit in COUNT_UNITS.items():
        s.set_aside(unit, unparsed_count(col))
    s.set_aside("number_of_sources", unparsed_count("number_of_sources", "value_invalid"))
    return s


# the unit each count column's problem sets aside; deaths_unknown feeds no field (it is in the total
# only), so its problem is recorded and sets nothing aside
COUNT_UNITS = {
    "low": "killed_all",
    "best": "killed_all",
    "high": "killed_all",
    "deaths_a": "killed_combatants",
    "deaths_b": "killed_combatants",
    "deaths_civilians": "killed_civilians",
    "deaths_unknown": "deaths_unknown",
}


def _side_deaths() -> str:
    """Deaths of side A and of side B in a dyadic event (UCDP's best estimates, so min = max = best).

    In one-sided violence side B is "Civilians", whose deaths are deaths_civilians: no side row.
    """
    # a negative count is no count: unknown here, and its problem is the combatants' field issue
    counts = {
        col: f"CASE WHEN {integer(col)} >= 0 THEN {integer(col)} END" for col in ("deaths_a", "deaths_b")
    }
    rows = [
        f"struct_pack(side := {text(side)}, harm := 'killed', count_min := {counts[col]}, "
        f"count_max := {counts[col]}, count_best := {counts[col]})"
        for side, col in (("side_a", "deaths_a"), ("side_b", "deaths_b"))
    ]
    return f"CASE WHEN trim(type_of_violence) IN ('1', '2') THEN [{', '.join(rows)}] ELSE [] END"


FORMAT = Format(
    name="ucdp-ged",
    kind="report",
    required_columns=COLUMNS,
    select=select,
    description="UCDP GED CSV (all official columns)",
    deduplicated=True,
)
