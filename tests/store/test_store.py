from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from harmtrace.errors import StoreError
from harmtrace.store import open_store, resolve_db_path
from harmtrace.store.schema import MIGRATIONS


def test_new_store_has_every_migration(db_path: Path) -> None:
    with open_store(db_path, create=True) as store:
        assert store.schema_version == len(MIGRATIONS)
        tables = {r["table_name"] for r in store.rows("SELECT table_name FROM information_schema.tables")}
    assert {"source", "batch", "document", "quarantine", "report", "harm", "victim_record"} <= tables


def test_older_store_is_upgraded_in_place(db_path: Path) -> None:
    with open_store(db_path, create=True, migrations=MIGRATIONS[:1]) as store:
        assert store.schema_version == 1
        store.con.execute("INSERT INTO source (source_id, name) VALUES (1, 'kept')")
    with open_store(db_path) as store:
        assert store.schema_version == len(MIGRATIONS)
        assert store.scalar("SELECT name FROM source") == "kept"
        assert store.scalar("SELECT count(*) FROM admin_area") == 0


def test_newer_store_is_refused_with_a_clear_message(db_path: Path) -> None:
    with open_store(db_path, create=True) as store:
        store.con.execute("INSERT INTO schema_version VALUES (99, current_timestamp)")
    with pytest.raises(StoreError, match=r"schema version 99.*newer harmtrace"):
        open_store(db_path)


def test_failed_migration_leaves_the_store_at_its_old_version(db_path: Path) -> None:
    broken = (*MIGRATIONS, "CREATE TABLE fine (x INTEGER); CREATE TABLE broken (x NOSUCHTYPE);")
    with pytest.raises(duckdb.Error):
        open_store(db_path, create=True, migrations=broken)
    with open_store(db_path) as store:
        assert store.schema_version == len(MIGRATIONS)
        assert store.scalar("SELECT count(*) FROM information_schema.tables WHERE table_name='fine'") == 0


def test_read_only_open_of_a_missing_store_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match=r"No store at .*ingest"):
        open_store(tmp_path / "absent.duckdb", read_only=True)


def test_a_missing_store_is_not_created_and_the_stores_beside_it_are_named(tmp_path: Path) -> None:
    with open_store(tmp_path / "harmtrace.duckdb", create=True):
        pass
    typo = tmp_path / "harmtrce.duckdb"
    with pytest.raises(
        StoreError, match=r"No store at .*harmtrce.duckdb.*ingest.*check path / .*harmtrace.duckdb"
    ):
        open_store(typo)
    assert not typo.exists()


@pytest.mark.parametrize("content", [b"", b"id,name\n1,x\n"])
def test_a_file_that_is_not_a_store_is_refused_clearly(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "victims.csv"
    path.write_bytes(content)
    for create in (False, True):
        with pytest.raises(StoreError, match=r"exists but is not a harmtrace store .*Check path \(or"):
            open_store(path, create=create)
    assert path.read_bytes() == content


def test_a_folder_is_not_a_store(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="it is a folder"):
        open_store(tmp_path, create=True)


def test_db_path_resolution_order(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("HARMTRACE_DB", raising=False)
    assert resolve_db_path(None) == Path("harmtrace.duckdb")
    monkeypatch.setenv("HARMTRACE_DB", str(tmp_path / "env.duckdb"))
    assert resolve_db_path(None) == tmp_path / "env.duckdb"
    assert resolve_db_path(tmp_path / "flag.duckdb") == tmp_path / "flag.duckdb"


def test_a_nested_transaction_joins_the_outer_one(db_path: Path) -> None:
    with open_store(db_path, create=True) as store:
        with pytest.raises(RuntimeError), store.transaction() as con:
            con.execute("INSERT INTO source (source_id, name) VALUES (1, 'outer')")
            with store.transaction() as inner:
                inner.execute("INSERT INTO source (source_id, name) VALUES (2, 'inner')")
            raise RuntimeError("a later step fails")
        assert store.scalar("SELECT count(*) FROM source") == 0
        with store.transaction() as con, store.transaction() as inner:
            inner.execute("INSERT INTO source (source_id, name) VALUES (3, 'kept')")
        assert store.scalar("SELECT name FROM source") == "kept"


def test_version_10_adds_codes_citations_and_the_method_of_pairs_already_scored(db_path: Path) -> None:
    """A store of schema 9 with a scored pair: after the upgrade the pair reads method 'model', and a
    report can carry codes and citations."""
    with open_store(db_path, create=True, migrations=MIGRATIONS[:9]) as store:
        store.con.execute("INSERT INTO link_pair VALUES (1, 'incidents', 1, 2, 3.5, 0.92, NULL)")
    with open_store(db_path) as store:
        assert store.schema_version == len(MIGRATIONS) >= 10
        assert store.rows("SELECT method, match_probability FROM link_pair") == [
            {"method": "model", "match_probability": 0.92}
        ]
        store.con.execute("INSERT INTO report_code VALUES (1, 'S571A', 'S571a')")
        store.con.execute(
            "INSERT INTO report_citation VALUES (2, 'Airwars', 'S571A', DATE '2017-03-01', '(S571a)')"
        )
        assert store.scalar("SELECT count(*) FROM report_code JOIN report_citation ON code = cited_code") == 1
