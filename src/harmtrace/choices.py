"""The choices and defaults the command line offers, in a module that imports nothing heavy.

`harmtrace --help` and every command's help list these without loading the library that acts on
them (Splink, shapely, pyarrow); the library modules named beside each take theirs from here.
"""

from typing import Final, Literal

# harmtrace.analyse.casualties and harmtrace.analyse.persons: one figure per ...
CASUALTY_GROUPINGS: Final = ("month", "year", "adm1", "perpetrator")
PERSON_GROUPINGS: Final = ("month", "year", "province", "source")
PERSON_STATUSES: Final = ("civilian", "combatant")
PERSON_SEXES: Final = ("female", "male")

# harmtrace.analyse.sites: kinds of protected site (any other word is accepted too); a copy of
# `suggested:` in vocabularies/site_kinds.yaml, so that --help reads no file (tests/test_vocabularies.py)
SITE_KINDS: Final = (
    "hospital",
    "clinic",
    "school",
    "market",
    "bakery",
    "water",
    "shelter",
    "mosque",
    "church",
    "camp",
    "civil defence",
    "humanitarian aid",
    "power",
    "other",
)

# harmtrace.analyse.mse: estimation methods, how log-linear models are ranked, what estimates are split by
ESTIMATE_METHODS: Final = ("loglinear", "lcmcr")
CRITERIA: Final = ("aic", "bic")
STRATA: Final = ("adm1", "year", "sex")

# harmtrace.assess.declared: what a named place of a strike log stands for (a log's "near X")
DEFAULT_PLACE_PRECISION: Final = "within_25km"
# harmtrace.publish.incidents_export: file formats of the incident export
INCIDENT_FORMATS: Final = ("csv", "parquet", "geojson")
# harmtrace.link.ties: the evidence victims are tied to reports by without a declared column
TIE_METHODS: Final = ("media", "date_place")

# harmtrace.link.victim_model: linkage configurations
Config = Literal["arabic", "plain", "incidents"]
CONFIGS: Final[tuple[Config, ...]] = ("arabic", "plain")  # of victims; "incidents" is the report model
# harmtrace.link.victims and harmtrace.link.incidents: match probability of one person / one incident
VICTIM_THRESHOLD: Final = 0.9  # the best pairwise F1 on simulated lists (docs/linkage.md)
INCIDENT_THRESHOLD: Final = 0.9  # see docs/linkage.md: pairwise F1 on simulated reports
# harmtrace.link.assignment: the share floor of assignment to curated events, and when it applies
SHARE_FLOOR: Final = 0.02
LABELS_FOR_FLOOR: Final = 100

# harmtrace.locate.admin: a point this close outside every area goes to the nearest one
DEFAULT_TOLERANCE_KM: Final = 1.0
# harmtrace.locate.matching: least fuzzy score of a gazetteer match; one name farther apart is two places
PLACE_MATCH_THRESHOLD: Final = 90.0
DEFAULT_AMBIGUITY_KM: Final = 10.0
# harmtrace.locate.place_files: kinds of gazetteer file
PLACE_FILE_FORMATS: Final = ("ocha", "syrian-archive", "geonames")

# harmtrace.publish.reports_export: file formats of the report export
REPORT_FORMATS: Final = ("csv", "parquet", "geojson")

# harmtrace.simulate.config: name classes of simulated lists
NAME_CLASSES: Final = ("none", "realistic")
