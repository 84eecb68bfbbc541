"""The store as the server holds it: one DuckDB connection opened to write, a cursor for each request,
and one writer at a time.

DuckDB lets one process write a file; the server is that process, so the command line cannot write
(or read) the store while it runs (`harmtrace.store.busy` tells a user so). Requests read through
cursors of the one connection, which DuckDB runs in parallel; writes take the write lock and run in
one transaction each, so two analysts' decisions never interleave.

A write says what it changes that a cached answer may show (`Change`), and a counter for each kind
moves on when it commits: `grades_generation` (an incident's grade in force: the incident list's grade
filter and the figures that filter by grade) and `civilian_generation` (an incident moved into or out of
the civilian-harm claims: the civilian figures). Other writes change nothing cached: a same / different
decision is applied by the next link run, and the server runs none. A cached answer is good while the
counters it depends on are unchanged.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from enum import Flag, auto
from pathlib import Path

from harmtrace.store import Store, open_store


class Change(Flag):
    """What a write changes that a cached answer may show (see the module's docstring)."""

    NOTHING = 0  # a decision on a pair, an audit entry, a session, a feed entry
    GRADES = auto()  # the grade in force of an incident
    CIVILIAN = auto()  # whether an incident is a civilian-harm claim (it was 'not alleged')


class StoreHolder:
    """The open store of a running server."""

    def __init__(self, path: Path) -> None:
        self.store = open_store(path)
        self.path = self.store.path
        self._write = threading.RLock()  # re-entered by `writing` inside `exclusive`
        self.grades_generation = 0
        self.civilian_generation = 0

    @contextmanager
    def reading(self) -> Iterator[Store]:
        """A Store over a fresh cursor, for one request's reads."""
        cursor = self.store.con.cursor()
        try:
            yield Store(cursor, self.path)
        finally:
            cursor.close()

    @contextmanager
    def writing(self, changes: Change = Change.NOTHING) -> Iterator[Store]:
        """A Store over a fresh cursor inside one transaction, one writer at a time; when it commits, the
        counter of each kind of change in `changes` moves on."""
        with self._write:
            cursor = self.store.con.cursor()
            try:
                store = Store(cursor, self.path)
                with store.transaction():
                    yield store
                self.grades_generation += Change.GRADES in changes
                self.civilian_generation += Change.CIVILIAN in changes
            finally:
                cursor.close()

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        """Hold the write lock across several `writing` transactions (a step that writes the store and
        then the served tables, which DuckDB cannot commit as one): no other write comes in between."""
        with self._write:
            yield

    def close(self) -> None:
        self.store.close()
