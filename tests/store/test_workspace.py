"""An import's working tables live in a database file beside the store (`Store.workspace`): written to
disk as they commit, removed when the import ends, and removed at the next opening for writing if a
crash left them."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from harmtrace.ingest import get_format, import_file
from harmtrace.store import open_store
from harmtrace.store.store import workspace_path
from tests.conftest import TEST_DATA


def test_the_workspace_is_searched_after_the_store_and_removed_after_use(db_path: Path) -> None:
    with open_store(db_path, create=True) as store:
        with store.workspace():
            assert workspace_path(db_path).exists()
            store.con.execute("CREATE TABLE ht_work.main.checked AS SELECT range AS row_number FROM range(3)")
            assert store.scalar("SELECT count(*) FROM checked") == 3  # read without its database's name
            assert store.scalar("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'checked' "
                                "AND database_name <> 'ht_work'") == 0  # fmt: skip
        assert not workspace_path(db_path).exists()
        with pytest.raises(duckdb.CatalogException):
            store.con.execute("SELECT count(*) FROM checked")
        assert store.scalar("SELECT current_setting('search_path')") == ""


def test_a_crashed_imports_workspace_is_removed_when_the_store_is_next_opened_for_writing(
    db_path: Path,
) -> None:
    with open_store(db_path, create=True):
        pass
    left = workspace_path(db_path)
    left.write_bytes(b"what a killed import left")
    with open_store(db_path, read_only=True):  # a reader changes nothing
        assert left.exists()
    with open_store(db_path):
        assert not left.exists()


def test_the_workspace_is_refused_inside_a_transaction(db_path: Path) -> None:
    with open_store(db_path, create=True) as store:
        with store.transaction(), pytest.raises(RuntimeError, match="inside a transaction"):
            store.workspace().__enter__()
        assert not workspace_path(db_path).exists()


def test_an_import_leaves_no_workspace_and_no_working_table(db_path: Path) -> None:
    with open_store(db_path, create=True) as store:
        done = import_file(store, get_format("ucdp-ged"), TEST_DATA / "ucdp_ged_windows.csv")
        assert done.rows_accepted > 0
        assert not workspace_path(db_path).exists()
        left = store.con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE temporary OR table_name IN ('checked', "
            "'ht_in_rows') UNION ALL SELECT view_name FROM duckdb_views() WHERE temporary AND NOT internal"
        ).fetchall()
        assert left == []
