"""Loading an XLSX sheet into the staging table, every non-blank row accounted for.

A spreadsheet has no row bytes to keep: a row's raw content is the canonical JSON of its cell values as
read (a list, in column order; trailing empty cells dropped; dates in ISO 8601), UTF-8 encoded. That is
deterministic, so the same sheet gives the same document hashes, and it keeps every value the sheet
holds, including cells beyond the header. Formulas are read as their cached values (what the sheet
shows). The header is the first non-blank row; blank rows are not rows, as blank lines in a CSV.

A formula cell with no cached value (a sheet written by a program, never opened and saved in a
spreadsheet program) would read as empty: it is not. Its column gets a companion staging column
(`formula_column`) holding, in that row, the message `formula_uncached: cell D5 holds the formula ...`,
which the format turns into a field issue of the field(s) read from the column (`Select.noted_columns`),
and `batch._normalise` into a row flag for a column no field reads.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Iterator
from datetime import date, datetime, time
from typing import Any

import duckdb
import pyarrow as pa
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

from harmtrace.errors import InputError
from harmtrace.ingest.rawfile import RawFile
from harmtrace.ingest.sql import formula_column
from harmtrace.ingest.staging import DocumentSink, Staged, check_columns, safe_names

_FORMULA_TAG = re.compile(rb"<(?:\w+:)?f[ >/]")  # a cell's formula element in the sheet's XML


def stage_xlsx(
    con: duckdb.DuckDBPyConnection,
    raw: RawFile,
    required: tuple[str, ...],
    sink: DocumentSink,
    sheet: str | None = None,
) -> Staged:
    """Create TEMP table `staged` from the first sheet of `raw` (or `sheet`), its rows' documents written
    to `sink`; refuse missing columns."""
    rows = list(_rows(raw, sheet, data_only=True))
    if not rows:
        raise InputError(f"{raw.path}: the sheet is empty; there is nothing to import.")
    header = [cell_text(v) or "" for v in rows[0][1]]
    check_columns(raw, header, required)
    if len(rows) < 2:
        raise InputError(f"{raw.path} has a header but no rows: there is nothing to import.")
    staged = Staged(safe_names(header), header, len(rows) - 1)
    sink.write(iter([_documents([c for _, c in rows[1:]])]))
    _stage_rows(con, staged, rows[1:], _formulas(raw, sheet))
    return staged


def _rows(raw: RawFile, sheet: str | None, data_only: bool) -> Iterator[tuple[int, tuple[Any, ...]]]:
    """(sheet row number, cells) of the non-blank rows of the sheet, trailing empty cells dropped;
    with `data_only` a formula cell is its cached value, else the formula cell itself."""
    if raw.path.suffix.lower() == ".xls":
        yield from _xls_rows(raw, sheet)
        return
    try:
        book = load_workbook(io.BytesIO(raw.data), read_only=True, data_only=data_only)
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
        # read-only sheets yield every row from the first, empty ones included: the count is the row
        for number, values in enumerate(ws.iter_rows(values_only=data_only), start=1):
            cells = list(values)
            while cells and _blank(cells[-1] if data_only else cells[-1].value):
                cells.pop()
            if cells:
                yield number, tuple(cells)
    finally:
        book.close()


def _xls_rows(raw: RawFile, sheet: str | None) -> Iterator[tuple[int, tuple[Any, ...]]]:
    """The rows of a legacy Excel 97-2003 (.xls) sheet, read by calamine: formulas as their saved values."""
    from python_calamine import CalamineError, CalamineWorkbook

    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(raw.data))
        names = book.sheet_names
        if sheet is not None and sheet not in names:
            raise InputError(
                f"{raw.path} has no sheet {sheet!r}; its sheets are: {', '.join(names)}. "
                "Fix `sheet:` in the mapping."
            )
        rows = book.get_sheet_by_name(sheet if sheet is not None else names[0]).to_python(
            skip_empty_area=False
        )
    except (CalamineError, ValueError, IndexError) as exc:
        raise InputError(
            f"{raw.path} is not a readable Excel 97-2003 workbook ({exc}). Open it in a spreadsheet program "
            "and save it as .xlsx, or export the sheet as CSV."
        ) from exc
    for number, values in enumerate(rows, start=1):
        cells = [None if v == "" else v for v in values]
        while cells and _blank(cells[-1]):
            cells.pop()
        if cells:
            yield number, tuple(cells)


def _formulas(raw: RawFile, sheet: str | None) -> dict[tuple[int, int], str]:
    """(sheet row, 0-based column) -> formula text of every formula cell (none read when the sheets'
    XML holds no formula, the usual case: the workbook is not parsed twice). An .xls sheet is read by
    its saved values only."""
    if raw.path.suffix.lower() == ".xls":
        return {}
    with zipfile.ZipFile(io.BytesIO(raw.data)) as archive:
        sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/") and n.endswith(".xml")]
        if not any(_FORMULA_TAG.search(archive.read(n)) for n in sheets):
            return {}
    found = {}
    for number, cells in _rows(raw, sheet, data_only=False):
        for cell in cells:
            if getattr(cell, "data_type", None) == "f":
                formula = getattr(cell.value, "text", cell.value)  # an array formula keeps it in .text
                found[(number, cell.column - 1)] = str(formula)
    return found


def _uncached(sheet_row: int, column: int, formula: str) -> str:
    cell = f"{get_column_letter(column + 1)}{sheet_row}"
    return (
        f"formula_uncached: cell {cell} holds the formula {formula} but no saved value: open and save the "
        "file in a spreadsheet program (or export it as CSV) and import it again"
    )


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
            "raw": pa.array(raws, pa.binary()),
        }
    )


def _stage_rows(
    con: duckdb.DuckDBPyConnection,
    staged: Staged,
    rows: list[tuple[int, tuple[Any, ...]]],
    formulas: dict[tuple[int, int], str],
) -> None:
    """TEMP table `staged` (all VARCHAR); a row with values beyond the header is rejected. A column
    with an uncached formula gets its `formula_column` (see the module docstring)."""
    width = len(staged.columns)
    cols: list[list[str | None]] = [[] for _ in range(width)]
    uncached: dict[int, list[str | None]] = {c: [] for c in sorted({c for _, c in formulas if c < width})}
    kept: list[int] = []
    for number, (sheet_row, cells) in enumerate(rows, start=1):
        if len(cells) > width:
            staged.rejected[number] = [
                f"xlsx_shape: row has a value in column {len(cells)}, beyond the header's {width} columns"
            ]
            continue
        kept.append(number)
        for c in range(width):
            cols[c].append(cell_text(cells[c]) if c < len(cells) else None)
        for c, notes in uncached.items():
            formula = formulas.get((sheet_row, c))
            blank = c >= len(cells) or cells[c] is None
            notes.append(_uncached(sheet_row, c, formula) if formula is not None and blank else None)
    table = {"row_number": pa.array(kept, pa.int64())}
    table.update({name: pa.array(cols[c], pa.string()) for c, name in enumerate(staged.columns)})
    table.update({formula_column(staged.columns[c]): pa.array(n, pa.string()) for c, n in uncached.items()})
    con.register("ht_rows", pa.table(table))
    con.execute("CREATE OR REPLACE TEMP TABLE staged AS SELECT * FROM ht_rows")
    con.unregister("ht_rows")
