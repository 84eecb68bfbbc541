"""What a statement DuckDB refused tells the user: DuckDB's reason, the statement's start, its tables.

`Store.rows` and `Store.scalar` raise `QueryFailed` (a `StoreError`) with the DuckDB error as its
cause. The message never holds a value the statement was given: its parameters are not shown, and
text in quotes (in the statement, or echoed by DuckDB, as a value it could not convert) is left out,
as it may be a name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final

import duckdb

from harmtrace.errors import QueryFailed

SHOWN_CHARS: Final = 200  # of the statement's first line
_QUOTED: Final = re.compile(r"'(?:[^']|'')*'")
# the name after FROM, JOIN, INTO or UPDATE (not a function's, nor IS DISTINCT FROM's operand), and
# the names of a statement's CTEs (`name AS (...)`), when DuckDB cannot read the statement to say
_NAMED: Final = re.compile(
    r"(?<!DISTINCT )\b(?:FROM|JOIN|INTO|UPDATE)\s+([A-Za-z_][\w.]*)\b(?!\s*\()", re.IGNORECASE
)
_CTE: Final = re.compile(r"\b([A-Za-z_]\w*)\s+AS\s+(?:NOT\s+)?(?:MATERIALIZED\s+)?\(", re.IGNORECASE)


def query_failed(
    sql: str, params: Sequence[Any] | Mapping[str, Any] | None, exc: duckdb.Error
) -> QueryFailed:
    """The error to raise, from `exc`, for `sql` run with `params`.

    >>> exc = duckdb.BinderException('Binder Error: Referenced column "nme" not found')
    >>> print(query_failed("SELECT nme FROM person WHERE name = ?", ["Ahmad"], exc))
    DuckDB refused a statement on table person: Binder Error: Referenced column "nme" not found
      statement: SELECT nme FROM person WHERE name = ?
    """
    statement = _first_line(_without_values(sql, ()))
    if len(statement) > SHOWN_CHARS:
        statement = statement[:SHOWN_CHARS] + " ..."
    tables = table_names(sql)
    on = f" on table{'s' if len(tables) > 1 else ''} {', '.join(tables)}" if tables else ""
    reason = _first_line(_without_values(str(exc), _texts(params)))
    return QueryFailed(
        f"DuckDB refused a statement{on}: {reason or type(exc).__name__}\n  statement: {statement}",
        statement,
        tables,
    )


def table_names(sql: str) -> tuple[str, ...]:
    """The tables `sql` reads or writes, sorted: DuckDB's own reading of the statement, else (one it
    cannot read: a syntax error, a join it cannot bind alone) the names after FROM, JOIN, INTO, UPDATE.

    >>> table_names("WITH w AS (SELECT * FROM report r JOIN source s ON r.id = s.id) SELECT * FROM w")
    ('report', 'source')
    >>> table_names("WITH w AS (SELEC * FROM report) SELECT * FROM w JOIN source USING (source_id)")
    ('report', 'source')
    """
    try:
        return tuple(sorted(duckdb.get_table_names(sql)))
    except duckdb.Error:
        text = _QUOTED.sub("''", sql)
        return tuple(sorted(set(_NAMED.findall(text)) - set(_CTE.findall(text))))


def reason(exc: Exception) -> str:
    """The first line of a DuckDB error, quoted text left out (it may be a value from the store).

    >>> reason(duckdb.IOException("IO Error: Could not write 'x.duckdb.wal': No space left on device"))
    "IO Error: Could not write '...': No space left on device"
    """
    return _first_line(_without_values(str(exc), ())) or type(exc).__name__


def _texts(params: Sequence[Any] | Mapping[str, Any] | None) -> list[str]:
    values: Iterable[Any] = (params.values() if isinstance(params, Mapping) else params) or ()
    found: list[str] = []
    for value in values:
        if isinstance(value, (list, tuple)):
            found += _texts(value)
        elif isinstance(value, str) and value:
            found.append(value)
    return found


def _first_line(text: str) -> str:
    return text.strip().partition("\n")[0].strip()


def _without_values(text: str, values: Iterable[str]) -> str:
    """`text` with quoted text, and every one of `values` written as a word, left out."""
    text = _QUOTED.sub("'...'", text)
    for value in sorted(values, key=len, reverse=True):
        text = re.sub(rf"(?<!\w){re.escape(value)}(?!\w)", "...", text)
    return text
