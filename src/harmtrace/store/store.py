"""Opening, migrating and transacting on the store file."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Final

import duckdb

from harmtrace.errors import StoreError, param
from harmtrace.store import busy
from harmtrace.store.failures import query_failed
from harmtrace.store.schema import MIGRATIONS, V12_UNFINISHED

DEFAULT_DB = "harmtrace.duckdb"
ENV_DB = "HARMTRACE_DB"
DUCKDB_MAGIC = b"DUCK"


def resolve_db_path(explicit: str | os.PathLike[str] | None) -> Path:
    """`--db PATH`, else `$HARMTRACE_DB`, else `./harmtrace.duckdb`."""
    if explicit:
        return Path(explicit)
    return Path(os.environ.get(ENV_DB) or DEFAULT_DB)


class Store:
    """An open store. Use `transaction()` for anything that writes more than one row."""

    def __init__(self, con: duckdb.DuckDBPyConnection, path: Path) -> None:
        self.con = con
        self.path = path
        self._depth = 0  # transactions open: nested ones join the outermost

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def relation(self, name: str, **params: Any) -> duckdb.DuckDBPyRelation:
        """The store's relation `name` (`harmtrace.store.relations`) as a DuckDB relation: ``.df()`` gives a
        DataFrame, ``.to_arrow_table()`` an Arrow table. An unknown name or parameter is a StoreError
        listing what there is.

        >>> import tempfile
        >>> with tempfile.TemporaryDirectory() as folder, open_store(Path(folder, "s"), create=True) as s:
        ...     s.relation("incident_membership").columns
        ['incident_id', 'report_id', 'linked']
        """
        from harmtrace.store.relations import relation_sql  # reads the precision vocabulary: on use

        return self.con.sql(relation_sql(name, **params))

    @contextmanager
    def workspace(self) -> Iterator[None]:
        """A database beside the store, attached as `WORKSPACE` and searched after the store, for a long
        step's working tables (`ht_work.main.checked`, read as `checked`); removed afterwards.

        DuckDB writes a table of a database file to disk as it commits, but holds TEMP tables in memory
        and spills them, and that held memory that grew with an import's rows until it ran out.
        """
        if self._depth:
            # one transaction may write to one database only, and the step commits as it goes
            raise RuntimeError("a step using the workspace cannot run inside a transaction")
        path = workspace_path(self.path)
        remove_workspace(self.path)
        self.con.execute(f"ATTACH '{_quoted(str(path))}' AS {WORKSPACE}")
        search = scalar(self.con, "SELECT current_setting('search_path')")
        self.con.execute(f"SET search_path = 'main,{WORKSPACE}.main'")
        try:
            yield
        finally:
            self.con.execute(f"SET search_path = '{_quoted(str(search))}'")
            self._drop_workspace_tables()
            self.con.execute(f"DETACH {WORKSPACE}")
            remove_workspace(self.path)

    def _drop_workspace_tables(self) -> None:
        """Drop the workspace's tables before it is detached: detaching checkpoints it, and the changes
        not yet written (an added column, updated rows) took 1.4 GB to write for 3M rows."""
        tables = self.con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = ?", [WORKSPACE]
        ).fetchall()
        for (table,) in tables:
            self.con.execute(f'DROP TABLE {WORKSPACE}.main."{_quoted_name(table)}"')

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """All or nothing: a crash or kill before the end leaves the file as it was.

        A transaction opened inside another joins it: one commit, at the end of the outermost, so a
        step that writes in its own transaction can also be part of a larger one.
        """
        if self._depth:
            self._depth += 1
            try:
                yield self.con
            finally:
                self._depth -= 1
            return
        self.con.execute("BEGIN TRANSACTION")
        self._depth = 1
        try:
            yield self.con
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        finally:
            self._depth = 0
        self.con.execute("COMMIT")

    def rows(self, sql: str, params: Sequence[Any] | Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        """Run a query and return its rows as dicts keyed by column name (params by position or name).

        A statement DuckDB refuses raises `QueryFailed`, naming it and its tables (`store.failures`)."""
        try:
            cur = self.con.execute(sql, params or [])
            names = [d[0] for d in cur.description or []]
            return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
        except duckdb.Error as exc:
            raise query_failed(sql, params, exc) from exc

    def scalar(self, sql: str, params: Sequence[Any] | None = None) -> Any:
        """First column of the first row, or None; `QueryFailed` as `rows`."""
        try:
            return scalar(self.con, sql, params)
        except duckdb.Error as exc:
            raise query_failed(sql, params, exc) from exc

    @property
    def schema_version(self) -> int:
        return schema_version(self.con)


WORKSPACE: Final = "ht_work"


def workspace_path(db: Path) -> Path:
    """The file of the store's workspace (`Store.workspace`): beside the store, named after it."""
    return db.with_name(f"{db.name}.work")


def remove_workspace(db: Path) -> None:
    """Remove the store's workspace files (left by a crash, or done with)."""
    path = workspace_path(db)
    for left in (path, path.with_name(path.name + ".wal")):
        left.unlink(missing_ok=True)


def _quoted(text: str) -> str:
    return text.replace("'", "''")


def _quoted_name(name: str) -> str:
    return name.replace('"', '""')


def open_store(
    path: str | os.PathLike[str] | None = None,
    *,
    read_only: bool = False,
    create: bool = False,
    migrations: Sequence[str] = MIGRATIONS,
) -> Store:
    """Open and upgrade the store at `path` (see `resolve_db_path`).

    Only with `create` is a missing store created: the commands that import data pass it, so a
    mistyped --db path is an error, not a new empty store. A store another process holds is waited
    for a few seconds, then refused naming the command that holds it (`harmtrace.store.busy`).
    """
    db = resolve_db_path(path)
    if not db.exists() and (read_only or not create):
        raise StoreError(_no_store(db))
    if db.is_file() and not _is_duckdb_file(db):
        # DuckDB itself would open a CSV or Parquet file as a database of one view
        raise StoreError(_not_a_store(db))
    try:
        con = busy.connect(db, read_only)
    except duckdb.Error as exc:
        raise StoreError(_cannot_open(db, exc)) from exc
    try:
        # DuckDB's own bar would print over harmtrace's progress and into piped output
        con.execute("SET enable_progress_bar = false")
        _check_and_migrate(con, db, migrations, read_only)
    except BaseException:
        con.close()
        raise
    return Store(con, db)


def _no_store(db: Path) -> str:
    """What to say when there is no store at `db`: how to make one, and the stores beside it."""
    folder = db.parent
    nearby = sorted(p.name for p in folder.glob("*.duckdb")) if folder.is_dir() else []
    hint = f" Stores in {folder}: {', '.join(nearby)}." if nearby else ""
    return (
        f"No store at {db}: nothing has been imported there. Import data first with harmtrace ingest "
        f"(or places import, control import, sites import, demo), or check {param('path')} / ${ENV_DB}.{hint}"
    )


def _is_duckdb_file(db: Path) -> bool:
    """Does `db` start as a DuckDB database file does (its magic bytes at offset 8)?"""
    with db.open("rb") as fh:
        return fh.read(12)[8:12] == DUCKDB_MAGIC


def _not_a_store(db: Path) -> str:
    return (
        f"Cannot open store {db}: the file exists but is not a harmtrace store (not a DuckDB "
        f"database). Check {param('path')} (or ${ENV_DB}); a new store needs a path where no file is yet."
    )


def _cannot_open(db: Path, exc: duckdb.Error) -> str:
    if db.is_dir():
        return (
            f"Cannot open store {db}: it is a folder. "
            f"Give the store file with {param('path')} (or ${ENV_DB})."
        )
    if "not a valid DuckDB database" in str(exc):
        return _not_a_store(db)
    return f"Cannot open store {db}: {exc}"


def scalar(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] | None = None) -> Any:
    """First column of the first row, or None. Fetches everything: DuckDB wants results finished."""
    rows = con.execute(sql, params or []).fetchall()
    return rows[0][0] if rows else None


def schema_version(con: duckdb.DuckDBPyConnection) -> int:
    exists = scalar(con, "SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_version'")
    if not exists:
        return 0
    version = scalar(con, "SELECT max(version) FROM schema_version")
    return int(version) if version is not None else 0


def _check_and_migrate(
    con: duckdb.DuckDBPyConnection, db: Path, migrations: Sequence[str], read_only: bool
) -> None:
    current = schema_version(con)
    known = len(migrations)
    if current > known:
        raise StoreError(
            f"Store {db} has schema version {current}, but this harmtrace knows versions up to "
            f"{known}. It was written by a newer harmtrace: upgrade harmtrace to read it."
        )
    if current < known and read_only:
        raise StoreError(
            f"Store {db} has schema version {current} and needs upgrading to {known}; "
            "open it once without read-only access (any harmtrace command that writes)."
        )
    for version in range(current + 1, known + 1):
        _apply(con, version, migrations[version - 1])
    if not read_only and known >= UNFINISHED_VERSION:
        clear_unfinished(con)
    if not read_only:  # an import killed before it removed its workspace; none runs now: we hold the store
        remove_workspace(db)


UNFINISHED_VERSION: Final = MIGRATIONS.index(V12_UNFINISHED) + 1  # the version adding `unfinished_batch`


def clear_unfinished(con: duckdb.DuckDBPyConnection, batch_id: int | None = None) -> None:
    """Remove the documents of imports that never finished (`unfinished_batch`: a large file's raw rows
    are written before its batch, each block committed, so that memory does not grow with the file;
    the batch's own transaction clears the mark). Every one, or only `batch_id`'s."""
    where = "" if batch_id is None else f" WHERE batch_id = {int(batch_id)}"
    if not con.execute(f"SELECT 1 FROM unfinished_batch{where} LIMIT 1").fetchall():
        return
    con.execute(f"DELETE FROM document WHERE batch_id IN (SELECT batch_id FROM unfinished_batch{where})")
    con.execute(f"DELETE FROM unfinished_batch{where}")


def _apply(con: duckdb.DuckDBPyConnection, version: int, sql: str) -> None:
    con.execute("BEGIN TRANSACTION")
    try:
        if version == 1:
            con.execute(
                "CREATE TABLE IF NOT EXISTS schema_version "
                "(version INTEGER NOT NULL, applied_at TIMESTAMP NOT NULL)"
            )
        con.execute(sql)
        con.execute("INSERT INTO schema_version VALUES (?, current_timestamp)", [version])
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")
