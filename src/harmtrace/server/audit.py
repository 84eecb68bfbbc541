"""The audit log: every write, and every read of an audited field (`harmtrace.publish.policy`), with who,
when, what and which records, as `harmtrace.store.audit` writes them (times in UTC). Entries are written
in the store, a write's entry in the write's own transaction, reads' entries committed together
(`ReadLog`); only the admin role reads them."""

from __future__ import annotations

import threading
from collections.abc import Sequence

from harmtrace.server.accounts import Principal
from harmtrace.server.holder import StoreHolder
from harmtrace.store import Store
from harmtrace.store import audit as store_audit

COLUMNS = store_audit.COLUMNS
INSERT = store_audit.INSERT


def write(store: Store, who: Principal, action: str, entity: str, ids: Sequence[object],
          fields: Sequence[str] = (), detail: str | None = None) -> None:  # fmt: skip
    """One entry, in `store`'s open transaction (or on its own)."""
    store_audit.record(store, who.name, who.role.word, action, entity, [str(i) for i in ids], fields, detail)


def entry(who: Principal, action: str, entity: str, ids: Sequence[object], fields: Sequence[str] = (),
          detail: str | None = None) -> list[object]:  # fmt: skip
    return store_audit.entry_row(who.name, who.role.word, action, entity, ids, fields, detail)


def read(
    holder: StoreHolder, who: Principal, entity: str, ids: Sequence[object], fields: Sequence[str]
) -> None:
    """Record that `who` read the audited `fields` of `entity` records `ids` (nothing when no `fields`);
    returns once the entry is committed."""
    if fields:
        reads_of(holder).record([entry(who, "read", entity, ids, fields)])


class _Waiter:
    def __init__(self, rows: list[list[object]]) -> None:
        self.rows = rows
        self.done = threading.Event()
        self.failure: BaseException | None = None


class ReadLog:
    """Audit entries of reads, committed together (group commit): a request waits until its own entry is
    in the store, but many requests' entries share one transaction, so reads of personal fields by many
    analysts at once do not queue for the write lock one by one. The first request to find no commit
    under way commits every entry waiting, again until none waits; the others wait for theirs."""

    def __init__(self, holder: StoreHolder) -> None:
        self.holder = holder
        self._lock = threading.Lock()
        self._waiting: list[_Waiter] = []
        self._committing = False

    def record(self, rows: list[list[object]]) -> None:
        mine = _Waiter(rows)
        with self._lock:
            self._waiting.append(mine)
            lead = not self._committing
            self._committing = True
        if lead:
            self._commit_all()
        mine.done.wait()
        if mine.failure is not None:
            raise mine.failure

    def _commit_all(self) -> None:
        while True:
            with self._lock:
                batch, self._waiting = self._waiting, []
                if not batch:
                    self._committing = False
                    return
            failure: BaseException | None = None
            try:
                with self.holder.writing() as store:
                    store.con.executemany(INSERT, [row for w in batch for row in w.rows])
            except Exception as exc:  # each waiting request raises it
                failure = exc
            for waiter in batch:
                waiter.failure = failure
                waiter.done.set()


_LOGS_LOCK = threading.Lock()


def reads_of(holder: StoreHolder) -> ReadLog:
    """The holder's read log (made on first use)."""
    with _LOGS_LOCK:
        log: ReadLog | None = getattr(holder, "read_log", None)
        if log is None:
            log = ReadLog(holder)
            holder.read_log = log  # type: ignore[attr-defined]
    return log
