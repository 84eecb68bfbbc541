"""The publication policy as every export applies it (`harmtrace.publish.policy`).

An export builds its rows in an inner query holding every column it can write; `policed_sql` selects
from it what the audience may see (hidden columns left out, points coarsened); `log_export` writes the
audit row when that includes audited fields (names, free text), before the file is written; `summary`
says in the export's result what the file holds and what it left out. A column no class of the policy
names stops the export (`policy.field_class`): nothing leaves unclassified.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final, TypedDict

from harmtrace.publish.policy import COARSENED, FIELDS, Audience, select_sql
from harmtrace.store import Store
from harmtrace.store.audit import os_user, record

PUBLIC: Final = Audience()  # every export's default: the public role, a 5 km grid, cells of 5 or more


def policed_sql(entity: str, inner: str, columns: list[str], audience: Audience) -> str:
    """The rows of `inner` (whose columns are `columns`) as `audience` may see them, in its order."""
    return f"SELECT {select_sql(entity, columns, audience, source='x')} FROM ({inner}) x"


def columns_of(store: Store, sql: str) -> list[str]:
    """The column names of the query `sql`, in order."""
    return [d["column_name"] for d in store.rows(f"DESCRIBE ({sql})")]


def reads_audited(entity: str, audience: Audience) -> bool:
    """Does `audience`'s export of `entity` read audited fields (and so write the audit log)?"""
    return bool(audience.audited(entity, FIELDS[entity]))


def log_export(store: Store, entity: str, columns: list[str], audience: Audience, path: Path) -> list[str]:
    """Write the audit row of an export to `path` when `audience` reads audited fields among `columns`
    (a StoreError if the store is open read-only); the audited fields read."""
    fields = audience.audited(entity, columns)
    if fields:
        record(store, os_user(), audience.role.word, "export", entity, [], fields, path.name)
    return fields


class PolicySummary(TypedDict):
    role: str
    columns: list[str]
    withheld: list[str]
    coarsened: list[str]
    grid_m: float | None
    audited: list[str]


def summary(entity: str, columns: list[str], audience: Audience, audited: list[str]) -> PolicySummary:
    """What an export's result says of the policy: the role, the columns written and those withheld,
    those coarsened (and to which grid), the audited fields whose read was logged."""
    coarsened = [c for c in columns if audience.treatment(entity, c) == COARSENED]
    return {
        "role": audience.role.word,
        "columns": audience.shown(entity, columns),
        "withheld": audience.withheld(entity, columns),
        "coarsened": coarsened,
        "grid_m": audience.grid_m if coarsened else None,
        "audited": audited,
    }
