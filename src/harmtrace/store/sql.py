"""Quoting for SQL text built in Python: identifiers and string literals, the way DuckDB reads them."""

from __future__ import annotations


def q(name: str) -> str:
    """Quote an identifier for DuckDB."""
    return '"' + name.replace('"', '""') + '"'


def lit(text: str) -> str:
    """Quote a string literal for DuckDB."""
    return "'" + text.replace("'", "''") + "'"
