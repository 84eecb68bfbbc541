"""Raw rows of an import that never finished (killed between writing them and its batch) are removed
the next time the store is opened for writing, and only those."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from harmtrace.ingest import get_format, import_file
from harmtrace.store import open_store
from tests.conftest import TEST_DATA


def test_opening_the_store_removes_the_rows_of_an_unfinished_import(db_path: Path) -> None:
    with open_store(db_path, create=True) as store:
        done = import_file(store, get_format("ucdp-ged"), TEST_DATA / "ucdp_ged_windows.csv")
        kept = store.scalar("SELECT count(*) FROM document")
        # what a kill after the raw rows and before the batch's transaction leaves
        store.con.execute("INSERT INTO unfinished_batch VALUES (?, ?)", [done.batch_id + 1, datetime.now()])
        store.con.execute("INSERT INTO document VALUES (?, 1, 'x', 'raw'::BLOB)", [done.batch_id + 1])
    with open_store(db_path, read_only=True) as store:  # a reader changes nothing
        assert store.scalar("SELECT count(*) FROM document") == kept + 1
    with open_store(db_path) as store:
        assert store.scalar("SELECT count(*) FROM document") == kept
        assert store.scalar("SELECT count(*) FROM unfinished_batch") == 0
        assert store.scalar("SELECT count(*) FROM document WHERE batch_id = ?", [done.batch_id]) == kept
