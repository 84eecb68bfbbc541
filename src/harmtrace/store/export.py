"""Query results written as files: CSV or Parquet by DuckDB's COPY, whole or not at all
(`harmtrace.files.replacing`).

CSV is opened in spreadsheets, which run a cell beginning with ``=``, ``+``, ``-`` or ``@`` as a
formula (OWASP, "CSV Injection"): `spreadsheet_safe` makes every text cell read as text, and
`copy_query` is the one CSV writer of every export. Parquet is not run by spreadsheets: it keeps the
text as stored.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

from harmtrace.files import replacing
from harmtrace.store.sql import lit, q
from harmtrace.store.store import Store

# first characters a spreadsheet reads as the start of a formula (or that hide one: tab, line breaks)
FORMULA_STARTS: Final = ("=", "+", "-", "@", "\t", "\r", "\n")


def copy_query(store: Store, select: str, path: Path, fmt: str) -> None:
    """Write the rows of `select` to `path` as CSV (with a header) or Parquet, atomically.

    CSV goes through `spreadsheet_safe`: text cells quoted, formula-like ones made text. Parquet holds
    the rows as selected.
    """
    options = "FORMAT parquet"
    if fmt == "csv":
        select, text = spreadsheet_safe(store, select)
        options = "FORMAT csv, HEADER" + (f", FORCE_QUOTE ({', '.join(map(q, text))})" if text else "")
    with replacing(path) as tmp:
        # COPY takes no parameter for its target: the path is quoted as a SQL string literal
        quoted = "'" + str(tmp).replace("'", "''") + "'"
        store.con.execute(f"COPY ({select}) TO {quoted} ({options})").fetchall()


def spreadsheet_safe(store: Store, select: str) -> tuple[str, list[str]]:
    """`select` with every text (VARCHAR) cell a spreadsheet would run as a formula made text, and the
    names of its text columns, which the CSV writer quotes.

    As OWASP's CSV Injection page advises: a cell beginning with one of FORMULA_STARTS gets a single
    quote in front (``'=1+2``), which spreadsheets show as text; every text cell is wrapped in double
    quotes, its own double quotes doubled, so a separator (``,`` or ``;``) or quote inside it cannot
    start a new cell. Numbers, dates and booleans are left as they are (a count of -3 stays -3). Only
    the file changes: the store keeps the text as the source wrote it.
    """
    text = [r["column_name"] for r in store.rows(f"DESCRIBE ({select})") if r["column_type"] == "VARCHAR"]
    if not text:
        return select, text
    starts = ", ".join(lit(c) for c in FORMULA_STARTS)
    quote = lit("'")
    cells = ", ".join(
        f"CASE WHEN left({q(c)}, 1) IN ({starts}) THEN {quote} || {q(c)} ELSE {q(c)} END AS {q(c)}"
        for c in text
    )
    return f"SELECT * REPLACE ({cells}) FROM ({select})", text
