"""The answers of the server's reads beside the incidents (figures, persons, sources and batches,
quarantine, GeoJSON layers, audit log and accounts) as typed models, for the OpenAPI document.

As in `harmtrace.server.schemas`, a field the policy withholds from a role is left out (so every field
of a record is optional) and named under `withheld`; null means unknown, never withheld; a count of
persons the policy suppresses is the text "< 5".
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from harmtrace.server.schemas import Count, Moment


class CasualtyFigure(BaseModel):
    """One figure (`harmtrace stats casualties --json`): people as min, best, max, and the items
    (incidents) behind each bound; counts null when no item gives one (never 0)."""

    model_config = ConfigDict(extra="forbid")

    group: str | None = None
    key: str | None = None
    window: dict[str, Any] | None = None
    items_min: int | None = None
    items_max: int | None = None
    items_best: int | None = None
    count_min: Count = None
    count_max: Count = None
    count_best: Count = None
    count_best_unprorated: Count = None
    best_missing: str | None = None
    items_without_category: int | None = None
    items_min_missing: int | None = None
    items_max_missing: int | None = None
    items_date_unknown: int | None = None
    items_best_range_only: int | None = None
    items_best_shared: int | None = None
    items_prorated: int | None = None
    ids: dict[str, list[dict[str, Any]]] | None = None


class CasualtyFigures(BaseModel):
    """`harmtrace stats casualties --json` for the same choices, through the policy: its filters,
    window and scope (what the figure rests on), definitions, total, groups and notes; `role` and
    `suppressed_below` say how the counts were shown, `withheld` the fields left out."""

    filters: dict[str, Any] | None = None
    window: dict[str, Any] | None = None
    scope: dict[str, Any] | None = None
    deduplicated: bool | None = None
    definitions: dict[str, str] | None = None
    total: CasualtyFigure | None = None
    groups: list[CasualtyFigure] | None = None
    notes: list[str] | None = None
    role: str
    suppressed_below: int | None
    withheld: list[str]


class PersonFigure(BaseModel):
    """One person count (`harmtrace stats persons --json`): persons as min, max, the records and
    sources behind them."""

    model_config = ConfigDict(extra="forbid")

    group: str | None = None
    key: str | None = None
    window: dict[str, Any] | None = None
    persons_min: Count = None
    persons_max: Count = None
    records_min: Count = None
    records_max: Count = None
    sources_min: int | None = None
    sources_max: int | None = None
    listed_by: dict[str, Count] | None = None
    persons_date_unknown: Count = None
    persons_dates_disputed: Count = None


class PersonFigures(BaseModel):
    """`harmtrace stats persons --json` for the same choices, through the policy."""

    filters: dict[str, Any] | None = None
    window: dict[str, Any] | None = None
    scope: dict[str, Any] | None = None
    deduplicated: bool | None = None
    run_id: int | None = None
    definitions: dict[str, str] | None = None
    total: PersonFigure | None = None
    groups: list[PersonFigure] | None = None
    notes: list[str] | None = None
    role: str
    suppressed_below: int | None
    withheld: list[str]


class VictimRecord(BaseModel):
    """One victim record of a person, as the source listed it."""

    model_config = ConfigDict(extra="forbid")

    victim_id: int | None = None
    source: str | None = None
    record_id: str | None = None
    batch_id: int | None = None
    row_number: int | None = None
    probability: float | None = None
    name: str | None = None
    name_ar: str | None = None
    given_name: str | None = None
    father_name: str | None = None
    grandfather_name: str | None = None
    family_name: str | None = None
    mother_name: str | None = None
    sex: str | None = None
    age_min: int | None = None
    age_max: int | None = None
    age_group: str | None = None
    status: str | None = None
    date_start: date | None = None
    date_end: date | None = None
    date_precision: str | None = None
    place_of_death: str | None = None
    place_of_death_ar: str | None = None
    province: str | None = None
    cause: str | None = None
    perpetrators: list[str] | None = None


class Person(BaseModel):
    """A person (victim records linkage judged one human being) and its records."""

    person_id: str
    records: int
    victim_records: list[VictimRecord]
    withheld: list[str]


class Source(BaseModel):
    model_config = ConfigDict(extra="forbid")

    source_id: int | None = None
    name: str | None = None
    created_at: Moment | None = None
    batches: int | None = None
    reports: int | None = None
    victim_records: int | None = None


class SourceList(BaseModel):
    data: list[Source]
    withheld: list[str]


class Batch(BaseModel):
    """One import of one file: what was read, accepted, set aside."""

    model_config = ConfigDict(extra="forbid")

    batch_id: int | None = None
    source: str | None = None
    format: str | None = None
    file_name: str | None = None
    file_sha256: str | None = None
    file_bytes: int | None = None
    encoding: str | None = None
    mapping_sha256: str | None = None
    mapping_text: str | None = None
    rows_read: int | None = None
    rows_accepted: int | None = None
    rows_quarantined: int | None = None
    rows_flagged: int | None = None
    rows_new: int | None = None
    rows_unchanged: int | None = None
    rows_changed: int | None = None
    rows_withdrawn: int | None = None
    rows_with_field_issues: int | None = None
    started_at: Moment | None = None
    finished_at: Moment | None = None
    harmtrace_version: str | None = None


class BatchPage(BaseModel):
    data: list[Batch]
    limit: int
    next_cursor: str | None
    withheld: list[str]


class Quarantined(BaseModel):
    """A row set aside on import ("field": "row"), or a field of an accepted row set aside."""

    model_config = ConfigDict(extra="forbid")

    batch_id: int | None = None
    row_number: int | None = None
    field: str | None = None
    reasons: list[str] | None = None
    sha256: str | None = None
    raw: str | None = None


class QuarantinePage(BaseModel):
    data: list[Quarantined]
    limit: int
    next_cursor: str | None
    withheld: list[str]


class Feature(BaseModel):
    type: Literal["Feature"] = "Feature"
    id: str | int | None = None
    geometry: dict[str, Any] | None
    properties: dict[str, Any]


class FeatureCollection(BaseModel):
    """A GeoJSON FeatureCollection (RFC 7946); `next_cursor` (a foreign member) pages on, `withheld`
    names the properties the role does not see."""

    type: Literal["FeatureCollection"] = "FeatureCollection"
    features: list[Feature]
    next_cursor: str | None
    withheld: list[str]


class AuditEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    entry_id: int | None = None
    logged_at: Moment | None = None
    actor: str | None = None
    role: str | None = None
    action: str | None = None
    entity: str | None = None
    entity_ids: list[str] | None = None
    fields: list[str] | None = None
    detail: str | None = None


class AuditPage(BaseModel):
    """Audit entries, newest first."""

    data: list[AuditEntry]
    limit: int
    next_cursor: str | None


class Account(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = None
    role: str | None = None
    created_at: Moment | None = None
    disabled_at: Moment | None = None
    has_password: bool | None = None


class AccountList(BaseModel):
    data: list[Account]
