"""Loading a CSV file into a staging table, every record accounted for.

DuckDB parses the file (fast, set-wise); records it cannot parse are caught in its rejects table and
mapped back to their record by byte offset. If DuckDB and the record splitter ever disagree on how
many records there are, the file is parsed record by record in Python instead: slower, never lossy.
"""

from __future__ import annotations

import csv
import difflib
import io
import os
import tempfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import duckdb
import numpy as np
import pyarrow as pa

from harmtrace.errors import InputError
from harmtrace.ingest.rawfile import RawFile, Records, raw_documents, split_records, split_records_by_fields
from harmtrace.ingest.sql import lit
from harmtrace.store import scalar

_BACKGROUND = ThreadPoolExecutor(max_workers=1, thread_name_prefix="harmtrace-documents")


@dataclass
class Staged:
    """A staged input: TEMP table `staged` (all VARCHAR + row_number), raw rows, rejected rows.

    Row numbers count data rows from 1 (the header is not a row). A row either has a line in
    `staged` or an entry in `rejected`, never both, never neither.
    """

    columns: list[str]
    header: list[str]
    rows_read: int
    # the documents of rows 1..rows_read, in order: a table (row_number, sha256, raw), see raw_documents
    raw_rows: Callable[[], pa.Table]
    rejected: dict[int, list[str]] = field(default_factory=dict)  # row_number -> reasons


def stage_csv(con: duckdb.DuckDBPyConnection, raw: RawFile, required: tuple[str, ...]) -> Staged:
    """Create TEMP table `staged` from `raw`; refuse a file whose header lacks `required` columns."""
    utf8 = raw.text_utf8
    header = _parse_header(raw, utf8)
    check_columns(raw, header, required)
    columns = safe_names(header)
    records = split_records(raw.data)
    if len(records) < 2:
        raise InputError(f"{raw.path} has a header but no rows: there is nothing to import.")
    offsets = records if raw.encoding == "utf-8" else split_records(utf8)
    staged = _staged(raw, columns, header, records)
    if len(offsets) == len(records) and _stage_with_duckdb(con, raw, utf8, staged, offsets):
        return staged
    # irregular quoting: split field by field as a CSV reader would, then parse row by row
    records = split_records_by_fields(raw.data)
    offsets = records if raw.encoding == "utf-8" else split_records_by_fields(utf8)
    staged = _staged(raw, columns, header, records)
    _stage_with_python(con, utf8, staged, offsets)
    return staged


def _staged(raw: RawFile, columns: list[str], header: list[str], records: Records) -> Staged:
    # slicing and hashing rows (Python) overlaps DuckDB's parsing, which releases the GIL
    documents = _BACKGROUND.submit(raw_documents, raw.data, records)
    return Staged(columns, header, len(records) - 1, documents.result)


def _parse_header(raw: RawFile, utf8: bytes) -> list[str]:
    first_line = utf8.lstrip(b"\r\n").split(b"\n", 1)[0].rstrip(b"\r")
    try:
        header = next(csv.reader([first_line.decode("utf-8")]))
    except csv.Error as exc:
        raise InputError(
            f"{raw.path}: the header line cannot be read as CSV ({exc}). Re-export as CSV."
        ) from exc
    if len(header) < 2:
        raise InputError(
            f"{raw.path}: the first line has {len(header)} column(s); expected a comma-separated "
            "header. Export the sheet as CSV with a header row."
        )
    return header


def check_columns(raw: RawFile, header: list[str], required: tuple[str, ...]) -> None:
    """Name every missing column at once, with the closest present column as a hint."""
    present = [h.strip() for h in header]
    missing = [c for c in required if c not in present]
    if not missing:
        return
    hints = []
    for c in missing:
        close = difflib.get_close_matches(c, present, n=1)
        hints.append(f'"{c}"' + (f' (did you mean "{close[0]}"?)' if close else ""))
    raise InputError(
        f"{raw.path} is missing {len(missing)} required column(s): {', '.join(hints)}. "
        f"Columns found: {', '.join(present)}. Check the format name, or use a mapping."
    )


def safe_names(header: list[str]) -> list[str]:
    """Column names for the staging table: trimmed, blanks named by position, duplicates numbered."""
    names: list[str] = []
    for i, h in enumerate(header):
        base = h.strip() or f"column{i + 1}"
        name, n = base, 2
        while name in names or name == "row_number":
            name, n = f"{base}_{n}", n + 1
        names.append(name)
    return names


def _stage_with_duckdb(
    con: duckdb.DuckDBPyConnection, raw: RawFile, utf8: bytes, staged: Staged, offsets: Records
) -> bool:
    """Two scans: the first only counts and collects rejects; the second writes numbered rows once."""
    path, tmp = _utf8_path(raw, utf8)
    names = "[" + ", ".join(lit(c) for c in staged.columns) + "]"
    scan = (
        f"read_csv({lit(path)}, header=true, all_varchar=true, delim=',', quote='\"', escape='\"', "
        f"names={names}, {{}})"
    )
    try:
        parsed = scalar(
            con,
            "SELECT count(*) FROM "
            + scan.format("store_rejects=true, rejects_table='ht_rejects', rejects_scan='ht_reject_scans'"),
        )
        rejects = con.execute(
            "SELECT line_byte_position - 1, list(DISTINCT error_type) FROM ht_rejects GROUP BY 1"
        ).fetchall()
        good = _good_rows(staged, offsets, rejects, parsed)
        return good is not None and _write_numbered(con, scan.format("ignore_errors=true"), good)
    except duckdb.Error:
        return False
    finally:
        con.execute("DROP TABLE IF EXISTS ht_rejects; DROP TABLE IF EXISTS ht_reject_scans")
        if tmp:
            os.unlink(path)


def _good_rows(
    staged: Staged, offsets: Records, rejects: list[tuple[int, list[str]]], parsed: int
) -> np.ndarray | None:
    """Row numbers DuckDB parsed, in order; None when its view of the file differs from the splitter's."""
    n_rows = len(offsets) - 1
    starts = np.array([r[0] for r in rejects], dtype=np.int64)
    bad = np.searchsorted(offsets.starts, starts)
    if len(bad) and (bad.max() > n_rows or not np.all(offsets.starts[bad] == starts)):
        return None
    parsed_ok = np.ones(n_rows + 1, dtype=bool)
    parsed_ok[0], parsed_ok[bad] = False, False  # record 0 is the header
    good = np.flatnonzero(parsed_ok)
    if parsed != len(good):
        return None
    for row, (_, kinds) in zip(bad.tolist(), rejects, strict=True):
        staged.rejected[row] = [f"csv_parse: {k.lower()} (header has {len(staged.columns)})" for k in kinds]
    return good


def _write_numbered(con: duckdb.DuckDBPyConnection, scan: str, good: np.ndarray) -> bool:
    """TEMP table `staged`: the parsed rows with their row numbers, matched by position."""
    con.register("ht_rows", pa.table({"row_number": pa.array(good, pa.int64())}))
    try:
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE staged AS SELECT r.row_number, s.* FROM {scan} s "
            "POSITIONAL JOIN ht_rows r"
        )
    finally:
        con.unregister("ht_rows")
    unmatched = scalar(con, "SELECT count(*) FROM staged WHERE row_number IS NULL")
    return bool(unmatched == 0 and scalar(con, "SELECT count(*) FROM staged") == len(good))


def _utf8_path(raw: RawFile, utf8: bytes) -> tuple[str, bool]:
    if raw.encoding == "utf-8":
        return str(raw.path), False
    fd, name = tempfile.mkstemp(suffix=".csv", prefix="harmtrace-")
    with os.fdopen(fd, "wb") as fh:
        fh.write(utf8)
    return name, True


def _stage_with_python(con: duckdb.DuckDBPyConnection, utf8: bytes, staged: Staged, offsets: Records) -> None:
    """Parse each record on its own: a record that does not split into the header's fields is rejected."""
    width = len(staged.columns)
    cols: list[list[str | None]] = [[] for _ in range(width)]
    rows: list[int] = []
    for i in range(1, len(offsets)):
        text = utf8[offsets.starts[i] : offsets.ends[i]].decode("utf-8")
        try:
            fields = next(csv.reader(io.StringIO(text), strict=True), [])
        except csv.Error as exc:
            staged.rejected[i] = [f"csv_parse: {exc}"]
            continue
        if len(fields) != width:
            staged.rejected[i] = [f"csv_parse: row has {len(fields)} fields, header has {width}"]
            continue
        rows.append(i)
        for c, value in enumerate(fields):
            cols[c].append(value)
    table = {"row_number": pa.array(rows, pa.int64())}
    table.update({name: pa.array(cols[c], pa.string()) for c, name in enumerate(staged.columns)})
    con.register("ht_rows", pa.table(table))
    con.execute("CREATE OR REPLACE TEMP TABLE staged AS SELECT * FROM ht_rows")
    con.unregister("ht_rows")
    con.execute("DROP TABLE IF EXISTS staged_csv")
