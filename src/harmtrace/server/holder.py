"""The store as the server holds it: one DuckDB connection opened to write, a cursor for each request,
and one writer at a time.

DuckDB lets one process write a file; the server is that process, so the command line cannot write
(or read) the store while it runs (`harmtrace.store.busy` tells a user so). Requests read through
cursors of the one connection, which DuckDB runs in parallel; writes take the write lock and run in
one transaction each, so two analysts' decisions never interleave. `generation` counts the writes that
change data, `figures_generation` those that can change a figure (a grade decision does; a same /
different decision takes effect at the next link run, which the server does not run): a cached answer is
good while its generation is unchanged.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from harmtrace.store import Store, open_store


class StoreHolder:
    """The open store of a running server."""

    def __init__(self, path: Path) -> None:
        self.store = open_store(path)
        self.path = self.store.path
        self._write = threading.RLock()  # re-entered by `writing` inside `exclusive`
        self.generation = 0
        self.figures_generation = 0

    @contextmanager
    def reading(self) -> Iterator[Store]:
        """A Store over a fresh cursor, for one request's reads."""
        cursor = self.store.con.cursor()
        try:
            yield Store(cursor, self.path)
        finally:
            cursor.close()

    @contextmanager
    def writing(self, changes_data: bool = True, changes_figures: bool | None = None) -> Iterator[Store]:
        """A Store over a fresh cursor inside one transaction, one writer at a time; the generation
        moves on when it commits, unless the write leaves the data as it was (`changes_data` False: an
        audit entry, a session); `changes_figures` (default: `changes_data`) moves the figures' generation."""
        with self._write:
            cursor = self.store.con.cursor()
            try:
                store = Store(cursor, self.path)
                with store.transaction():
                    yield store
                self.generation += int(changes_data)
                self.figures_generation += int(changes_data if changes_figures is None else changes_figures)
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
