"""`/api/v1/persons/{person_id}`: one person (victim records linkage judged one human being) with its
records, for the analyst role and above. Names and what identifies a person are personal: every read
is written to the audit log with the records and fields shown."""

from __future__ import annotations

from typing import Annotated, Any, Final

from fastapi import APIRouter, Depends, Request

from harmtrace.publish.policy import Role, apply
from harmtrace.server import audit
from harmtrace.server.accounts import Principal
from harmtrace.server.auth import audience_of, require
from harmtrace.server.errors import ERROR_RESPONSES, ApiError
from harmtrace.server.schemas_reads import Person
from harmtrace.store import Store

router = APIRouter(tags=["persons"], responses=ERROR_RESPONSES)
RECORD_COLUMNS: Final = (
    "victim_id", "source", "record_id", "batch_id", "row_number", "probability", "name", "name_ar",
    "given_name", "father_name", "grandfather_name", "family_name", "mother_name", "sex", "age_min",
    "age_max", "age_group", "status", "date_start", "date_end", "date_precision", "place_of_death",
    "place_of_death_ar", "province", "cause", "perpetrators",
)  # fmt: skip


@router.get("/persons/{person_id}", response_model=Person, response_model_exclude_unset=True)
def one_person(
    request: Request, person_id: str, who: Annotated[Principal, Depends(require(Role.ANALYST))]
) -> dict[str, Any]:
    """A person and its victim records, as each source listed them (the read is audited)."""
    audience = audience_of(request, who)
    holder = request.app.state.holder
    with holder.reading() as store:
        records = _records(store, person_id)
    shown = [apply("person", r, audience) for r in records]
    audit.read(
        holder, who, "person", [r["victim_id"] for r in records], audience.audited("person", RECORD_COLUMNS)
    )
    return {
        "person_id": person_id,
        "records": len(records),
        "victim_records": shown,
        "withheld": audience.withheld("person", RECORD_COLUMNS),
    }


def _records(store: Store, person_id: str) -> list[dict[str, Any]]:
    named = {"probability": "m.probability", "source": "s.name AS source"}
    columns = ", ".join(named.get(c, f"v.{c}") for c in RECORD_COLUMNS)
    records = store.rows(
        f"SELECT {columns} FROM person_member m JOIN victim_record v USING (victim_id) "
        "JOIN source s ON s.source_id = v.source_id WHERE m.person_id = ? ORDER BY v.victim_id",
        [person_id],
    )
    if not records:
        raise ApiError(404, _unknown(store, person_id), "person_id")
    return records


def _unknown(store: Store, person_id: str) -> str:
    found = store.rows("SELECT retired_run, retired_into FROM person WHERE person_id = ?", [person_id])
    if found and found[0]["retired_into"]:
        return (f"Person {person_id!r} was merged into {found[0]['retired_into']!r} by link run "
                f"{found[0]['retired_run']}: ask for that person.")  # fmt: skip
    if found:
        return f"Person {person_id!r} has no records since link run {found[0]['retired_run']}."
    return f"No person {person_id!r}: person ids are as `harmtrace persons export` writes them (P0000001)."
