"""The publication policy: per role and per field, what every output of the store shows.

One table decides it for the team server's API and for every export (`harmtrace incidents|reports|
persons export --role ROLE`): each field of each output belongs to a class (`CLASSES`), and each class
says from which role on the field is shown exactly and what the roles below see instead:

- ``hidden``: the field is left out (its name is listed under ``withheld``: not unknown, held back);
- ``coarsened``: a point is moved to the centre of a grid cell (`Audience.grid_m`, default 5 km) unless
  its own precision is already coarser, and its radius grows to cover the cell;
- ``suppressed``: a count of persons in an aggregate below `Audience.min_cell` (default 5) is shown as
  "< 5", so a cell cannot point at a family.

Roles are ordered: public < viewer < analyst < editor < admin; a role sees what the roles below it see.
The classes whose fields are personal (names, raw input rows, free text that may name people, staff and
account data) are ``audited``: every read of them by the server is written to the audit log.

`docs/server.md` shows the table as `markdown_table` prints it (a test keeps the two equal).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import IntEnum
from types import MappingProxyType
from typing import Any, Final

from harmtrace.errors import InputError, StoreError
from harmtrace.ingest.record_kinds import VICTIM
from harmtrace.store.sql import q


class Role(IntEnum):
    """Who reads: the anonymous public, then the team's roles, each seeing what the ones before see."""

    PUBLIC = 0
    VIEWER = 1
    ANALYST = 2
    EDITOR = 3
    ADMIN = 4

    @property
    def word(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Role:
        """The role named `text` (any case); an InputError naming the roles otherwise."""
        try:
            return cls[text.strip().upper()]
        except KeyError:
            raise InputError(f"No role {text!r}: the roles are {', '.join(ROLE_WORDS)}.") from None


ROLE_WORDS: Final = tuple(r.word for r in Role)
SHOWN: Final = "shown"
HIDDEN: Final = "hidden"
COARSENED: Final = "coarsened"
SUPPRESSED: Final = "suppressed"


@dataclass(frozen=True)
class FieldClass:
    """A kind of field: shown exactly from role `exact_from` on; roles below see `below`."""

    name: str
    exact_from: Role
    below: str
    audited: bool
    about: str

    def treatment(self, role: Role) -> str:
        return SHOWN if role >= self.exact_from else self.below


CLASSES: Final[Mapping[str, FieldClass]] = MappingProxyType(
    {
        c.name: c
        for c in (
            FieldClass(
                "open", Role.PUBLIC, SHOWN, False, "what the sources published: ids, dates, actors, tolls"
            ),
            FieldClass("location", Role.VIEWER, COARSENED, False, "an exact point and its radius"),
            FieldClass("small_count", Role.VIEWER, SUPPRESSED, False, "a count of persons in an aggregate"),
            FieldClass("internal", Role.VIEWER, HIDDEN, False, "file names, mappings, staff's names"),
            FieldClass(
                "free_text", Role.VIEWER, HIDDEN, True, "place text and descriptions: may name people"
            ),
            FieldClass("personal", Role.ANALYST, HIDDEN, True, "victims' names and what identifies them"),
            FieldClass("raw", Role.ANALYST, HIDDEN, True, "input rows as received: may hold anything"),
            FieldClass("witness", Role.ANALYST, HIDDEN, True, "witnesses and collectors: never public"),
            FieldClass("account", Role.ADMIN, HIDDEN, True, "accounts, tokens and the audit log"),
        )
    }
)

_RANGES: Final = tuple(
    f"{p}_{b}"
    for p in ("killed", "civilians_killed", "children_killed", "injured")
    for b in ("min", "max", "best")
)
_REPORT_HARM: Final = tuple(
    f"{h}_{c}_{b}"
    for h in ("killed", "injured")
    for c in ("all", "civilians", "children", "women", "men", "combatants")
    for b in ("min", "max", "best")
)


def _fields(**classes: Iterable[str]) -> Mapping[str, str]:
    return MappingProxyType({field: name for name, fields in classes.items() for field in fields})


# entity (an output: an API resource or an export) -> field -> class
FIELDS: Final[Mapping[str, Mapping[str, str]]] = MappingProxyType(
    {
        "incident": _fields(
            open=(
                "incident_id",
                "linked",
                "reports",
                "date_start",
                "date_end",
                "precision",
                "perpetrators",
                "actors",
                "means",
                "site_kinds",
                "grade",
                "grade_computed",
                "grade_reasons",
                "governorates",
                "adm1_pcodes",
                "part_of",
                "independent_sources",
                "declared_strikes",
                *_RANGES,
                "updated_at",
                "first_seen",
            ),
            location=("latitude", "longitude", "radius_m"),
            small_count=("persons",),
            internal=("grade_analyst_author",),
        ),
        "report": _fields(
            open=(
                "report_id",
                "source",
                "record_id",
                "date_start",
                "date_end",
                "location_precision",
                "perpetrators",
                "means",
                "site_kinds",
                "source_grade",
                "version",
                "repeats",
                "repeat_reason",
            ),
            location=("latitude", "longitude", "radius_m"),
            internal=("batch_id", "row_number"),
            free_text=("place_text", "place_text_ar", "description", "description_ar"),
        ),
        "history": _fields(open=("run_id", "event", "entity_id", "other_ids", "records", "finished_at")),
        "citation": _fields(
            open=("report_id", "cited_source", "cited_code", "cited_date"), free_text=("text",)
        ),
        "declared": _fields(
            open=(
                "belligerent",
                "place",
                "day",
                "strikes",
                "days_apart",
                "distance_min_km",
                "distance_max_km",
                "tolerance_days",
                "tolerance_km",
            )
        ),
        "link": _fields(open=("id_l", "id_r", "method", "probability")),
        "attribution": _fields(open=("perpetrator", "status", "report_ids")),
        "document": _fields(open=("report_id", "sha256"), internal=("batch_id", "row_number"), raw=("raw",)),
        "decision": _fields(
            open=(
                "decision_id",
                "kind",
                "verdict",
                "id_a",
                "id_b",
                "incident_id",
                "grade",
                "decided_at",
                "superseded_by",
            ),
            internal=("author",),
            free_text=("reason",),
        ),
        "source": _fields(open=("source_id", "name", "created_at", "batches", "reports", "victim_records")),
        "batch": _fields(
            open=(
                "batch_id",
                "source",
                "format",
                "file_sha256",
                "file_bytes",
                "rows_read",
                "rows_accepted",
                "rows_quarantined",
                "rows_flagged",
                "rows_new",
                "rows_unchanged",
                "rows_changed",
                "rows_withdrawn",
                "started_at",
                "finished_at",
                "harmtrace_version",
                "rows_with_field_issues",
            ),
            internal=("file_name", "encoding", "mapping_text", "mapping_sha256"),
        ),
        "quarantine": _fields(
            internal=("batch_id", "row_number", "reasons", "field", "sha256"), raw=("raw",)
        ),
        "person": _fields(
            open=("person_id", "records"),
            personal=(
                *VICTIM.personal_fields,  # names, as record histories hide them
                "sex",
                "age_min",
                "age_max",
                "date_start",
                "date_end",
                "place_of_death",
                "place_of_death_ar",
                "age_group",
                "status",
                "date_precision",
                "province",
                "cause",
                "perpetrators",
            ),
            internal=("victim_id", "record_id", "source", "probability", "batch_id", "row_number"),
        ),
        "figure": _fields(
            open=(
                "group",
                "items_min",
                "items_max",
                "items_best",
                "incident_ids",
                # `stats casualties --json`: the answer's parts, then each figure's counts of items
                "filters",
                "window",
                "scope",
                "deduplicated",
                "definitions",
                "total",
                "groups",
                "notes",
                "key",
                "best_missing",
                "items_without_category",
                "items_min_missing",
                "items_max_missing",
                "items_date_unknown",
                "items_best_range_only",
                "items_best_shared",
                "items_prorated",
            ),
            small_count=("count_min", "count_best", "count_max", "count_best_unprorated"),
            # reports, record ids, batches and rows behind each bound
            internal=("ids",),
        ),
        "person_count": _fields(
            open=(
                "group",
                "records",
                # `stats persons --json`: the answer's parts, then each figure's sources and window
                "filters",
                "window",
                "scope",
                "deduplicated",
                "run_id",
                "definitions",
                "total",
                "groups",
                "notes",
                "key",
                "sources_min",
                "sources_max",
            ),
            small_count=(
                "persons_min",
                "persons_max",
                "records_min",
                "records_max",
                "listed_by",
                "persons_date_unknown",
                "persons_dates_disputed",
            ),
        ),
        "site": _fields(
            open=("site_id", "kind", "name_en", "name_ar", "open_from", "open_to", "source"),
            location=("latitude", "longitude", "radius_m"),
        ),
        "control_area": _fields(
            open=("area_id", "actor", "valid_from", "valid_to", "source", "proxy", "label"),
            # a presence area is drawn as discs around the actor's events: its outline gives their points
            location=("geometry",),
            internal=("batch_id", "derivation_id"),
        ),
        "audit": _fields(
            account=(
                "entry_id",
                "logged_at",
                "actor",
                "role",
                "action",
                "entity",
                "entity_ids",
                "fields",
                "detail",
            )
        ),
        "account": _fields(account=("name", "role", "created_at", "disabled_at", "has_password")),
        # exports (`harmtrace ... export --role`): their columns, as the export modules write them
        "incidents_export": _fields(
            open=(
                "record_id",
                "source",
                "report_id",
                "incident_id",
                "linked",
                "reports",
                "part_of",
                "grade",
                "grade_computed",
                "grade_reasons",
                "grade_source",
                "grade_analyst",
                "attribution",
                "independent_sources",
                "declared_nearby",
                "declared_strikes",
                "date_start",
                "date_end",
                "location_precision",
                *_RANGES,
                "report_date_start",
                "report_date_end",
            ),
            location=("latitude", "longitude", "radius_m"),
            free_text=(
                "grade_analyst_reason",
                "place_text",
                "place_text_ar",
                "description",
                "description_ar",
            ),
        ),
        "reports_export": _fields(
            open=(
                "record_id",
                "source",
                "report_id",
                "location_precision",
                "location_method",
                "adm1_pcode",
                "adm2_pcode",
                "adm3_pcode",
                "adm1_method",
                "date_start",
                "date_end",
                "date_precision",
                "perpetrators",
                "means",
                "site_kinds",
                "violence_type",
                "source_grade",
                "number_of_sources",
                "location_score",
                "adm1_name",
                # the governorate and district as the source wrote them: coarser than any grid
                "adm1_source",
                "adm2_source",
                *_REPORT_HARM,
            ),
            location=("latitude", "longitude", "radius_m"),
            free_text=("place_text", "place_text_ar", "description", "description_ar"),
        ),
        "persons_export": _fields(
            open=("record_id", "source", "person_id", "match_probability"), personal=("name", "name_ar")
        ),
        # the deletions feed (`/api/v1/deletions`): incidents no longer served, and what replaced them
        "deletion": _fields(open=("incident_id", "deleted_at", "replaced_by")),
        # the HTML report (`harmtrace report html`): each figure row is a "figure" and each import a
        # "batch"; these are the rest of what it prints (a row's category, a governorate's Arabic name)
        "report_html": _fields(open=("category", "name_ar"), internal=("store_path",)),
    }
)


@dataclass(frozen=True)
class Audience:
    """Who an output is for: a role, the grid public points are coarsened to and the smallest cell shown."""

    role: Role = Role.PUBLIC
    grid_m: float = 5000.0
    min_cell: int = 5

    def __post_init__(self) -> None:
        if not (math.isfinite(self.grid_m) and self.grid_m > 0):
            raise InputError(f"The coarsening grid must be a positive number of metres, not {self.grid_m!r}.")
        if self.min_cell < 1:
            raise InputError(f"The smallest cell shown must be at least 1 person, not {self.min_cell!r}.")

    def treatment(self, entity: str, field: str) -> str:
        """shown, hidden, coarsened or suppressed: what this audience sees of `entity`.`field`."""
        return CLASSES[field_class(entity, field)].treatment(self.role)

    def shown(self, entity: str, fields: Iterable[str]) -> list[str]:
        """`fields` this audience may see in any form (exact, coarsened or suppressed)."""
        return [f for f in fields if self.treatment(entity, f) != HIDDEN]

    def withheld(self, entity: str, fields: Iterable[str]) -> list[str]:
        return [f for f in fields if self.treatment(entity, f) == HIDDEN]

    def audited(self, entity: str, fields: Iterable[str]) -> list[str]:
        """The fields of `fields` this audience reads whose class is audited (shown to it, and personal)."""
        return [
            f
            for f in fields
            if CLASSES[field_class(entity, f)].audited and self.treatment(entity, f) == SHOWN
        ]

    def count(self, value: int | None) -> int | str | None:
        """A count of persons in an aggregate as this audience sees it: "< k" when 0 < value < k for a
        role that sees small cells suppressed (never 0 for unknown: None stays None)."""
        if value is None or self.role >= CLASSES["small_count"].exact_from:
            return value
        return f"< {self.min_cell}" if 0 < value < self.min_cell else value


def field_class(entity: str, field: str) -> str:
    """The class of `entity`.`field`; a StoreError when the policy does not know it (so a new field
    cannot leave without being classified)."""
    fields = FIELDS.get(entity)
    if fields is None:
        raise StoreError(
            f"The publication policy has no output {entity!r}: add it to harmtrace.publish.policy."
        )
    found = fields.get(field)
    if found is None:
        raise StoreError(
            f"The publication policy does not classify field {field!r} of {entity!r}: add it to "
            "harmtrace.publish.policy.FIELDS before it is shown to anyone."
        )
    return found


def apply(entity: str, row: Mapping[str, Any], audience: Audience) -> dict[str, Any]:
    """`row` as `audience` may see it: hidden fields dropped, counts suppressed, points coarsened
    (the row's latitude, longitude and radius_m together)."""
    out: dict[str, Any] = {}
    for field, value in row.items():
        how = audience.treatment(entity, field)
        if how == SHOWN:
            out[field] = value
        elif how == SUPPRESSED:
            out[field] = audience.count(value)
        elif how == COARSENED:
            out[field] = value
    if "latitude" in row and audience.treatment(entity, "latitude") == COARSENED:
        point = coarsen_point(row["latitude"], row.get("longitude"), row.get("radius_m"), audience.grid_m)
        out.update({k: v for k, v in point.items() if k in row})
    return out


def coarsen_point(
    latitude: float | None, longitude: float | None, radius_m: float | None, grid_m: float
) -> dict[str, float | None]:
    """A point moved to the centre of its `grid_m` cell, unless its radius is already at least `grid_m`
    (a town or governorate centroid says no more than the cell); its radius grows to cover the cell.
    A null radius (precision unknown) stays null: unbounded. Same arithmetic as `coarsen_sql`.

    >>> coarsen_point(36.2021, 37.1343, 50.0, 5000.0)
    {'latitude': 36.2244, 'longitude': 37.1227, 'radius_m': 3536.0}
    >>> coarsen_point(36.2021, 37.1343, 10000.0, 5000.0)["latitude"]
    36.2021
    """
    if latitude is None or longitude is None or (radius_m is not None and radius_m >= grid_m):
        return {"latitude": latitude, "longitude": longitude, "radius_m": radius_m}
    step = grid_m / METRES_PER_DEGREE
    cover = round(grid_m * math.sqrt(0.5))
    return {
        "latitude": round((math.floor(latitude / step) + 0.5) * step, 4),
        "longitude": round((math.floor(longitude / step) + 0.5) * step, 4),
        "radius_m": None if radius_m is None else float(max(radius_m, cover)),
    }


METRES_PER_DEGREE: Final = 111_320.0  # of latitude; the grid is square in degrees (narrower east-west)


def coarsen_sql(latitude: str, longitude: str, radius_m: str, grid_m: float) -> dict[str, str]:
    """SQL expressions of `coarsen_point` over columns (for exports); keys latitude, longitude, radius_m."""
    step = grid_m / METRES_PER_DEGREE
    cover = float(round(grid_m * math.sqrt(0.5)))
    keep = f"({radius_m} IS NOT NULL AND {radius_m} >= {grid_m!r})"

    def snap(col: str) -> str:
        return f"CASE WHEN {keep} THEN {col} ELSE round((floor({col} / {step!r}) + 0.5) * {step!r}, 4) END"

    return {
        "latitude": snap(latitude),
        "longitude": snap(longitude),
        "radius_m": f"CASE WHEN {keep} OR {radius_m} IS NULL THEN {radius_m} "
        f"ELSE greatest({radius_m}, {cover!r}) END",
    }


def select_sql(entity: str, columns: Sequence[str], audience: Audience, source: str = "") -> str:
    """A SELECT list of `columns` (of a query aliased `source`, or bare) as `audience` may see them:
    hidden ones left out, points coarsened, small counts suppressed (as text "< k")."""
    prefix = f"{source}." if source else ""
    coarse = coarsen_sql(f"{prefix}latitude", f"{prefix}longitude", f"{prefix}radius_m", audience.grid_m)
    parts = []
    for column in columns:
        how = audience.treatment(entity, column)
        if how == HIDDEN:
            continue
        expr = f"{prefix}{q(column)}"
        if how == COARSENED:
            expr = coarse.get(column, expr)
        elif how == SUPPRESSED:
            k = audience.min_cell
            expr = f"CASE WHEN {expr} > 0 AND {expr} < {k} THEN '< {k}' ELSE CAST({expr} AS VARCHAR) END"
        parts.append(f"{expr} AS {q(column)}")
    return ", ".join(parts)


def markdown_table(roles: Sequence[Role] = tuple(Role)) -> str:
    """The policy as a Markdown table: one row per output and field, one column per role."""
    head = "| output | field | class | " + " | ".join(r.word for r in roles) + " |"
    rule = "|" + "---|" * (3 + len(roles))
    lines = [head, rule]
    for entity, fields in FIELDS.items():
        for field, name in fields.items():
            cls = CLASSES[name]
            cells = " | ".join(cls.treatment(r) for r in roles)
            lines.append(f"| {entity} | {field} | {name}{' (audited)' if cls.audited else ''} | {cells} |")
    return "\n".join(lines)
