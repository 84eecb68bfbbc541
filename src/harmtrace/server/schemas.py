"""The API's answers as typed models: the OpenAPI document is generated from them, and Schemathesis
checks every answer against it. A field the policy withholds from a role is left out of the answer (so
every field is optional) and named under `withheld`; null means unknown, never withheld."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict


def _zoned(moment: datetime) -> datetime:
    """A time the store keeps without a zone is the server's local time (`datetime.now()`); answers carry
    the zone, as OpenAPI's date-time requires."""
    return moment if moment.tzinfo else moment.astimezone()


Moment = Annotated[datetime, AfterValidator(_zoned)]
Count = int | str | None  # a count of persons: "< 5" when the policy suppresses a small cell


class Incident(BaseModel):
    model_config = ConfigDict(extra="forbid")

    incident_id: str | None = None
    linked: bool | None = None
    reports: int | None = None
    date_start: date | None = None
    date_end: date | None = None
    latitude: float | None = None
    longitude: float | None = None
    radius_m: float | None = None
    precision: str | None = None
    perpetrators: list[str] | None = None
    actors: list[str] | None = None
    means: list[str] | None = None
    site_kinds: list[str] | None = None
    governorates: list[str] | None = None
    adm1_pcodes: list[str] | None = None
    grade: str | None = None
    grade_computed: str | None = None
    grade_reasons: list[str] | None = None
    grade_analyst_author: str | None = None
    part_of: str | None = None
    independent_sources: int | None = None
    declared_strikes: int | None = None
    persons: Count = None
    killed_min: int | None = None
    killed_max: int | None = None
    killed_best: int | None = None
    civilians_killed_min: int | None = None
    civilians_killed_max: int | None = None
    civilians_killed_best: int | None = None
    children_killed_min: int | None = None
    children_killed_max: int | None = None
    children_killed_best: int | None = None
    injured_min: int | None = None
    injured_max: int | None = None
    injured_best: int | None = None
    updated_at: Moment | None = None
    first_seen: Moment | None = None


class IncidentPage(BaseModel):
    """One page of incidents: `total` matching, `next_cursor` for the next page (null: the last)."""

    data: list[Incident]
    total: int
    limit: int
    next_cursor: str | None
    withheld: list[str]


class IncidentDetail(BaseModel):
    incident: Incident
    asked: str
    reports: list[dict[str, Any]]
    documents: list[dict[str, Any]]
    sources: list[str]
    attribution: list[dict[str, Any]]
    links: list[dict[str, Any]]
    citations: list[dict[str, Any]]
    declared: list[dict[str, Any]]
    part_of: dict[str, Any] | None
    parts: list[dict[str, Any]]
    decisions: list[dict[str, Any]]
    history: list[dict[str, Any]]


class Me(BaseModel):
    name: str
    role: str


class SessionStarted(BaseModel):
    name: str
    role: str
    expires_at: Moment


class Login(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    password: str
