"""Waiting for a store another process holds (`harmtrace.store.busy`): a real holder process."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from harmtrace.errors import StoreError
from harmtrace.store import open_store
from tests.cli.processes import hold


def test_a_short_write_is_waited_for(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "store.duckdb"
    open_store(db, create=True).close()
    holder = hold(tmp_path, "decide victims", db)
    monkeypatch.setenv("HARMTRACE_BUSY_WAIT", "60")
    threading.Timer(1.0, holder.communicate, [""]).start()  # the holder's write ends in a second
    started = time.monotonic()
    with open_store(db, read_only=True) as store:
        waited_s = time.monotonic() - started
        assert store.schema_version > 0
    assert 0.9 < waited_s < 30


def test_the_wait_runs_out(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "store.duckdb"
    open_store(db, create=True).close()
    holder = hold(tmp_path, "link victims", db)
    monkeypatch.setenv("HARMTRACE_BUSY_WAIT", "0.5")
    started = time.monotonic()
    try:
        with pytest.raises(
            StoreError, match=r"writes to it, so this command cannot write to it \(waited 0\.5 s; "
        ):
            open_store(db)
    finally:
        holder.communicate("")
    assert time.monotonic() - started >= 0.5
