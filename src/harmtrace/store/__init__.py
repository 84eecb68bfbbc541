"""The DuckDB store: one file, a versioned schema, and the only package that speaks SQL to it."""

from harmtrace.store.schema import BATCH_COLUMNS
from harmtrace.store.store import DEFAULT_DB, Store, open_store, resolve_db_path, scalar

__all__ = ["BATCH_COLUMNS", "DEFAULT_DB", "Store", "open_store", "resolve_db_path", "scalar"]
