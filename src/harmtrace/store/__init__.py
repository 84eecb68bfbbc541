"""The DuckDB store: one file and its versioned schema (`schema`), opened and migrated here (`store`), and
the relations several packages read (`relations`: report points with their precision radii, incident
membership, decided grades), named, so `Store.relation(name)` hands them to a notebook. An analysis keeps
its own SQL in its own module and runs it through the store's connection."""

from harmtrace.store.schema import BATCH_COLUMNS
from harmtrace.store.store import DEFAULT_DB, Store, open_store, resolve_db_path, scalar

__all__ = ["BATCH_COLUMNS", "DEFAULT_DB", "Store", "open_store", "resolve_db_path", "scalar"]
