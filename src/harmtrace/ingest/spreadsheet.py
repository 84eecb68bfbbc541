"""Loading an XLSX sheet into the staging table, every non-blank row accounted for.

A spreadsheet has no row bytes to keep: a row's raw content is the canonical JSON of its cell values as
read (a list, in column order; trailing empty cells dropped; dates in ISO 8601), UTF-8 encoded. That is
deterministic, so the same sheet gives the same document hashes, and it keeps every value the sheet
holds, including cells beyond the header. Formulas are read as their cached values (what the sheet
shows). The header is the first non-blank row; blank rows are not rows, as blank lines in a CSV.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Iterator
from datetime import date, datetime, time
from typing import Any

import duckdb
import pyarrow as pa
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from harmtrace.errors import InputError
from harmtrace.ingest.rawfile import RawFile
from harmtrace.ingest.staging import Staged, check_columns, safe_names


def stage_xlsx(
    con: duckdb.DuckDBPyConnection, raw: RawFile, required: tuple[str, ...], sheet: str | None = None
) -> Staged:
    """Create TEMP table `staged` from the first sheet of `raw` (or `sheet`); refuse missing columns."""
    rows = list(_rows(raw, sheet))
    if not rows:
        raise InputError(f"{raw.path}: the sheet is empty; there is nothing to import.")
    header = [cell_text(v) or "" for v in rows[0]]
    check_columns(raw, header, required)
    if len(rows) < 2:
        raise InputError(f"{raw.path} has a header but no rows: there is nothing to import.")
    staged = Staged(safe_names(header), header, len(rows) - 1, lambda: _documents(rows[1:]))
    _stage_rows(con, staged, rows[1:])
    return staged


def _rows(raw: RawFile, sheet: str | None) -> Iterator[tuple[Any, ...]]:
    """The non-blank rows of the sheet, trailing empty cells dropped."""
    try:
        book = load_workbook(io.BytesIO(raw.data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError) as exc:
        raise InputError(
            f"{raw.path} is not a readable XLSX workbook ({exc}). Open it in a spreadsheet program and "
            "save it as .xlsx, or export the sheet as CSV."
        ) from exc
    try:
        if sheet is not None and sheet not in book.sheetnames:
            raise InputError(
                f"{raw.path} has no sheet {sheet!r}; its sheets are: {', '.join(book.sheetnames)}. "
                "Fix `sheet:` in the mapping."
            )
        ws = book[sheet] if sheet is not None else book.worksheets[0]
        ws.reset_dimensions()  # the stored dimensions of exported sheets are often wrong
        for values in ws.iter_rows(values_only=True):
            cells = list(values)
            while cells and _blank(cells[-1]):
                cells.pop()
            if cells:
                yield tuple(cells)
    finally:
        book.close()


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def cell_text(value: Any) -> str | None:
    """A cell as the text the staging table holds: numbers without a spurious '.0', dates in ISO 8601.

    >>> [cell_text(v) for v in (3.0, 36.25, datetime(2016, 10, 1), datetime(2016, 10, 1, 9, 30), None)]
    ['3', '36.25', '2016-10-01', '2016-10-01 09:30:00', None]
    """
    if value is None:
        return None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value)


def canonical_json(cells: tuple[Any, ...]) -> bytes:
    """A row's raw content: its cell values as compact JSON, UTF-8 (see module docstring).

    >>> canonical_json(("INV-1", 3, 2.5, datetime(2016, 10, 1), None, "حلب"))
    b'["INV-1",3,2.5,"2016-10-01T00:00:00",null,"\\xd8\\xad\\xd9\\x84\\xd8\\xa8"]'
    """
    return json.dumps(list(cells), ensure_ascii=False, separators=(",", ":"), default=_iso).encode("utf-8")


def _iso(value: Any) -> str:
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value)  # anything else openpyxl may return (e.g. a timedelta) as its text


def _documents(rows: list[tuple[Any, ...]]) -> pa.Table:
    raws = [canonical_json(r) for r in rows]
    return pa.table(
        {
            "row_number": pa.array(range(1, len(rows) + 1), pa.int64()),
            "sha256": pa.array([hashlib.sha256(r).hexdigest() for r in raws], pa.string()),
            "raw": pa.array(raws, pa.binary()),
        }
    )


def _stage_rows(con: duckdb.DuckDBPyConnection, staged: Staged, rows: list[tuple[Any, ...]]) -> None:
    """TEMP table `staged` (all VARCHAR); a row with values beyond the header is rejected."""
    width = len(staged.columns)
    cols: list[list[str | None]] = [[] for _ in range(width)]
    kept: list[int] = []
    for number, cells in enumerate(rows, start=1):
        if len(cells) > width:
            staged.rejected[number] = [
                f"xlsx_shape: row has a value in column {len(cells)}, beyond the header's {width} columns"
            ]
            continue
        kept.append(number)
        for c in range(width):
            cols[c].append(cell_text(cells[c]) if c < len(cells) else None)
    table = {"row_number": pa.array(kept, pa.int64())}
    table.update({name: pa.array(cols[c], pa.string()) for c, name in enumerate(staged.columns)})
    con.register("ht_rows", pa.table(table))
    con.execute("CREATE OR REPLACE TEMP TABLE staged AS SELECT * FROM ht_rows")
    con.unregister("ht_rows")
