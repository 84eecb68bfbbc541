"""The audit log: who read or wrote what, when and under which role (the store's `audit_log` table).

Each export whose view includes audited fields (`harmtrace.publish.policy`: names, free text, raw rows)
adds one row, and so does each write and each read of an audited field through the team server: the
time (UTC), the actor (an account, or the OS user for the command line), the role, the action
('export', 'read', 'write', ...), the output read or written, the ids concerned (none for a whole
export), the audited fields read and a detail (for an export, the file written). Callers write the row
before the data leaves: a read that cannot be logged does not happen.
"""

from __future__ import annotations

import getpass
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Final

import duckdb

from harmtrace.errors import StoreError
from harmtrace.store.store import Store


def record(
    target: Store | duckdb.DuckDBPyConnection,
    actor: str,
    role: str,
    action: str,
    entity: str,
    entity_ids: Sequence[str],
    fields: Sequence[str],
    detail: str | None = None,
) -> int:
    """Add one row to the audit log; its entry_id. A StoreError when the store is open read-only."""
    con = target.con if isinstance(target, Store) else target
    if _read_only(con):
        raise StoreError(
            f"The audit log cannot be written: the store is open read-only. Reading {', '.join(fields)} "
            "is logged first: open the store for writing (open_store without read_only=True)."
        )
    row = con.execute(
        f"{INSERT} RETURNING entry_id", entry_row(actor, role, action, entity, entity_ids, fields, detail)
    ).fetchone()
    assert row is not None  # INSERT ... RETURNING gives the row it added
    return int(row[0])


COLUMNS: Final = "logged_at, actor, role, action, entity, entity_ids, fields, detail"
INSERT: Final = (
    f"INSERT INTO audit_log ({COLUMNS}) VALUES (?, ?, ?, ?, ?, CAST(? AS VARCHAR[]), CAST(? AS VARCHAR[]), ?)"
)


def entry_row(actor: str, role: str, action: str, entity: str, entity_ids: Sequence[object],
              fields: Sequence[str], detail: str | None = None) -> list[object]:  # fmt: skip
    """The values of one audit_log row (for `INSERT`), logged now, in UTC."""
    now = datetime.now(UTC).replace(tzinfo=None)
    return [now, actor, role, action, entity, [str(i) for i in entity_ids], list(fields), detail]


def os_user() -> str:
    """The user running this process as the operating system names it: the actor of a CLI export."""
    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no login name in the environment and none in the password database
        return "unknown"


def _read_only(con: duckdb.DuckDBPyConnection) -> bool:
    found = con.execute(
        "SELECT readonly FROM duckdb_databases() WHERE database_name = current_database()"
    ).fetchone()
    return bool(found and found[0])
