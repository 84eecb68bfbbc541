"""The shared vocabulary: harm categories, precision words and the fields a report carries.

These names are stored in the database and appear in `--json` output, so they are stable.
"""

from typing import Final

HARMS: Final = ("killed", "injured")
# "all" is everyone harmed whatever their status, as each source counts them (UCDP: all deaths).
CATEGORIES: Final = ("all", "civilians", "children", "women", "men", "combatants")
BOUNDS: Final = ("min", "max", "best")

GRADES: Final = ("confirmed", "fair", "weak", "contested", "discounted")
# Not a grade: the status of an incident none of whose reports alleges civilian harm (a battle whose
# reports count combatant deaths only). Kept out of the graded set and out of civilian figures.
NOT_ALLEGED: Final = "not_alleged"

# Location precision words, finest first; issue 5 maps each to a radius in metres.
LOCATION_PRECISIONS: Final = (
    "exact",
    "within_100m",
    "neighbourhood",
    "village",
    "town",
    "city",
    "within_25km",
    "subdistrict",
    "district",
    "governorate",
    "region",
    "country",
    "unknown",
)

DATE_PRECISIONS: Final = ("day", "days", "week", "month", "year", "range", "unknown")


def harm_column(harm: str, category: str, bound: str) -> str:
    """Name of a wide harm column in a normalised import, e.g. ``killed_children_max``.

    >>> harm_column("killed", "children", "max")
    'killed_children_max'
    """
    return f"{harm}_{category}_{bound}"


HARM_COLUMNS: Final = tuple(harm_column(h, c, b) for h in HARMS for c in CATEGORIES for b in BOUNDS)

# Deaths (or injuries) a source says a named party sustained: UCDP's deaths_a / deaths_b. Normalised as a
# list column of each import, stored in `harm_side`; a side's figures do not count its own dead as deaths
# it caused (see harmtrace.analyse.casualties).
SIDE_HARM_COLUMN: Final = "side_harm"
SIDE_HARM_ROW: Final = (
    "STRUCT(side VARCHAR, harm VARCHAR, count_min INTEGER, count_max INTEGER, count_best INTEGER)"
)
SIDE_HARM_TYPE: Final = f"{SIDE_HARM_ROW}[]"

# A report's own codes besides its record id (current and earlier ones: another source may cite either)
# and its citations of other sources' records: normalised list columns of report imports, stored in
# `report_code` and `report_citation`. A citation names the cited source as written, the code, the day
# of the cited item when given, and the citation's text.
CODES_COLUMN: Final = "codes"
CITES_COLUMN: Final = "cites"
CITATION_ROW: Final = "STRUCT(source VARCHAR, code VARCHAR, day DATE, text VARCHAR)"
CITATION_TYPE: Final = f"{CITATION_ROW}[]"
# What a code looks like when a source's text cites one (UCDP: "Airwars,2017-03-01,... (S571a)" or
# "Airwars,2019-11-08,R3919"): capital letters, digits, maybe one letter (RE2 syntax, run by DuckDB).
CITED_CODE_RE2: Final = "[A-Z]{1,4}[0-9]+[A-Za-z]?"
