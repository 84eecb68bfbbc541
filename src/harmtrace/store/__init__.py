"""The DuckDB store: one file, a versioned schema, and the only package that speaks SQL to it."""

from harmtrace.store.store import DEFAULT_DB, Store, open_store, resolve_db_path, scalar

__all__ = ["DEFAULT_DB", "Store", "open_store", "resolve_db_path", "scalar"]
