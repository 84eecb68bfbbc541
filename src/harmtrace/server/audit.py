"""The audit log: every write, and every read of an audited field (`harmtrace.publish.policy`), with who,
when, what and which records. Entries are written in the store, in their own transaction (a write's
entry in the write's own transaction), and read only by the admin role."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from harmtrace.server.accounts import Principal
from harmtrace.server.holder import StoreHolder
from harmtrace.store import Store

COLUMNS = "logged_at, actor, role, action, entity, entity_ids, fields, detail"


def write(store: Store, who: Principal, action: str, entity: str, ids: Sequence[object],
          fields: Sequence[str] = (), detail: str | None = None) -> None:  # fmt: skip
    """One entry, in `store`'s open transaction (or on its own)."""
    store.con.execute(
        f"INSERT INTO audit_log ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            datetime.now(),
            who.name,
            who.role.word,
            action,
            entity,
            [str(i) for i in ids],
            list(fields),
            detail,
        ],
    )


def read(
    holder: StoreHolder, who: Principal, entity: str, ids: Sequence[object], fields: Sequence[str]
) -> None:
    """Record that `who` read the audited `fields` of `entity` records `ids` (nothing when no `fields`)."""
    if not fields:
        return
    with holder.writing(changes_data=False) as store:
        write(store, who, "read", entity, ids, fields)
