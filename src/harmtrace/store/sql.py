"""Quoting for SQL text built in Python: identifiers and string literals, the way DuckDB reads them."""

from __future__ import annotations

from collections.abc import Iterable


def q(name: str) -> str:
    """Quote an identifier for DuckDB."""
    return '"' + name.replace('"', '""') + '"'


def lit(text: str) -> str:
    """Quote a string literal for DuckDB."""
    return "'" + text.replace("'", "''") + "'"


def ids_sql(values: Iterable[int]) -> str:
    """Integer ids written into a statement (`IN (...)`): DuckDB then skips the row groups without them,
    where a bound list or a subquery made it read the whole table; NULL (no row) for none.

    >>> ids_sql([3, 1]), ids_sql([])
    ('3, 1', 'NULL')
    """
    return ", ".join(str(int(v)) for v in values) or "NULL"
