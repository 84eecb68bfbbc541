"""Loading a CSV file into a staging table, every record accounted for, in memory that does not grow
with the file.

One pass over the file's content, block by block (`content.blocks`), splits it into records, hands each
block's raw records to the batch as documents (`DocumentSink`), writes a UTF-8 copy when the content is
not plain UTF-8 (DuckDB reads UTF-8), and keeps each record's byte offset. DuckDB then parses the file
once into TEMP table `ht_parsed` (its own typed-free, set-wise parse; rows it cannot parse land in its
rejects table and are mapped back to their record by byte offset), and `staged` numbers its rows.
If DuckDB and the record splitter ever disagree (how many records, or what a sampled record holds), the
file is split field by field and parsed record by record in Python instead: slower, never lossy.
"""

from __future__ import annotations

import csv
import difflib
import io
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Protocol

import duckdb
import numpy as np
import pyarrow as pa

from harmtrace.errors import InputError
from harmtrace.ingest.content import (
    MAX_ROW_BYTES,
    Block,
    Records,
    blocks,
    line_numbers,
    read_blocks,
    record_bytes,
    split_records,
    split_records_by_fields,
)
from harmtrace.ingest.rawfile import RawFile, raw_documents
from harmtrace.ingest.sql import drop_relation, lit
from harmtrace.progress import Progress, silent
from harmtrace.store import scalar

SAMPLE_EVERY = 50_000  # rows kept to check that DuckDB's rows line up with the splitter's records
PYTHON_BATCH = 50_000  # rows parsed in Python per staging insert


class DocumentSink(Protocol):
    """Where the raw rows go (the batch's documents): tables (row_number, raw), in order,
    written in one statement as the iterator yields them (one statement keeps DuckDB's memory lower
    than many small ones inside a transaction)."""

    def write(self, tables: Iterator[pa.Table]) -> None: ...

    def clear(self) -> None: ...


@dataclass
class Staged:
    """A staged input: TEMP relation `staged` (all VARCHAR + row_number), rows read, rows rejected.

    Row numbers count data rows from 1 (the header is not a row). A row either has a line in
    `staged` or an entry in `rejected`, never both, never neither.
    """

    columns: list[str]
    header: list[str]
    rows_read: int
    rejected: dict[int, list[str]] = field(default_factory=dict)  # row_number -> reasons


@dataclass
class _Index:
    """What the pass over the content learnt: record offsets in the UTF-8 content DuckDB reads and in
    the content itself, and the raw bytes of sampled rows."""

    utf8_starts: list[np.ndarray] = field(default_factory=list)
    starts: list[np.ndarray] = field(default_factory=list)
    samples: dict[int, bytes] = field(default_factory=dict)
    rows: int = 0  # data rows (records after the header)


@dataclass
class Parsed:
    """A CSV file parsed by DuckDB into TEMP table `ht_parsed`, before the import's transaction (a parse
    error then aborts nothing): its header, column names, and DuckDB's rejects (or `ok` False)."""

    raw: RawFile
    header: list[str]
    columns: list[str]
    ok: bool
    rejects: list[tuple[int, list[str]]]


@contextmanager
def parsed_csv(con: duckdb.DuckDBPyConnection, raw: RawFile, required: tuple[str, ...]) -> Iterator[Parsed]:
    """Parse `raw` with DuckDB (outside any transaction); refuse a header lacking `required` columns.
    What the parse left on the connection is dropped afterwards."""
    with _utf8_file(raw) as path:
        header = _parse_header(raw, path)
        check_columns(raw, header, required)
        columns = safe_names(header)
        ok, rejects = _duckdb_parse(con, path, columns)
        try:
            yield Parsed(raw, header, columns, ok, rejects)
        finally:
            drop_staged(con)


def stage_csv(
    con: duckdb.DuckDBPyConnection, parsed: Parsed, sink: DocumentSink, progress: Progress = silent
) -> Staged:
    """TEMP relation `staged` from a parsed file, its rows' documents written to `sink` (`progress`
    told the rows kept as they go)."""
    raw = parsed.raw
    index = _pass(raw, sink, progress)
    if index.rows == 0:
        raise InputError(f"{raw.path} has a header but no rows: there is nothing to import.")
    staged = Staged(parsed.columns, parsed.header, index.rows)
    if parsed.ok and _number_parsed(con, parsed, staged, index):
        return staged
    # irregular quoting: split field by field as a CSV reader would, then parse row by row
    sink.clear()
    staged = Staged(parsed.columns, parsed.header, 0)
    _stage_with_python(con, raw, staged, sink)
    return staged


@contextmanager
def _utf8_file(raw: RawFile) -> Iterator[str]:
    """The path DuckDB reads: the file itself when it is plain UTF-8, else a temporary UTF-8 copy,
    removed afterwards."""
    if raw.encoding == "utf-8" and raw.packing.compression is None:
        yield str(raw.path)
        return
    fd, name = tempfile.mkstemp(suffix=".csv", prefix="harmtrace-")
    try:
        with os.fdopen(fd, "wb") as fh, raw.open() as stream:
            for i, block in enumerate(read_blocks(stream)):
                fh.write(raw.to_utf8(block, first=i == 0) if raw.encoding != "utf-8" else block)
        yield name
    finally:
        os.unlink(name)


def _first_block(raw: RawFile) -> bytes:
    with raw.open() as stream:
        return stream.read(1 << 20)


def _parse_header(raw: RawFile, path: str) -> list[str]:
    first = raw.to_utf8(_first_block(raw)) if path != str(raw.path) else _first_block(raw)
    first_line = first.lstrip(b"\r\n").split(b"\n", 1)[0].rstrip(b"\r")
    try:
        header = next(csv.reader([first_line.decode("utf-8", errors="replace").lstrip("\ufeff")]))
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


def _pass(raw: RawFile, sink: DocumentSink, progress: Progress) -> _Index:
    """One pass over the content: documents to `sink`, record offsets (in the content and in its UTF-8
    reading) and sampled rows."""
    index = _Index()
    sink.write(_block_documents(raw, index, progress))
    return index


def _block_documents(raw: RawFile, index: _Index, progress: Progress) -> Iterator[pa.Table]:
    """Each block's documents, `index` filled as the blocks go by."""
    utf8_offset = 0
    with raw.open() as stream:
        for block in blocks(stream):
            first = 1 if block.offset == 0 else 0  # record 0 of the first block is the header
            yield _documents(block, index, first)
            progress("keeping the raw rows", index.rows)
            index.starts.append(block.records.starts[first:] + block.offset)
            if raw.encoding == "utf-8":
                index.utf8_starts.append(index.starts[-1])
                continue
            utf8 = raw.to_utf8(block.data, first=block.offset == 0)
            index.utf8_starts.append(_utf8_starts(utf8, block, first) + utf8_offset)
            utf8_offset += len(utf8)


def _utf8_starts(utf8: bytes, block: Block, first: int) -> np.ndarray:
    """The records' starts in the block's UTF-8 text: the same records, as the split is on ASCII bytes."""
    records = split_records(utf8)
    if len(records) != len(block.records):
        raise InputError("the file's records split differently once read as UTF-8; save it as UTF-8.")
    return records.starts[first:]


def _documents(block: Block, index: _Index, first: int) -> pa.Table:
    """The block's data records as documents; sampled rows' raw bytes kept in `index`."""
    count = len(block.records) - first
    table = raw_documents(block.data, block.records, first)
    rows = pa.array(np.arange(index.rows + 1, index.rows + count + 1, dtype=np.int64))
    table = table.set_column(0, "row_number", rows)
    numbers = rows.to_numpy()
    for row in numbers[(numbers % SAMPLE_EVERY == 0) | (numbers == 1) | (numbers == numbers[-1:])].tolist():
        i = first + row - index.rows - 1
        index.samples[row] = block.data[block.records.starts[i] : block.records.ends[i]]
    index.rows += count
    return table


def _duckdb_parse(
    con: duckdb.DuckDBPyConnection, path: str, columns: list[str]
) -> tuple[bool, list[tuple[int, list[str]]]]:
    """One scan of the file into `ht_parsed`: (whether DuckDB read it, its rejects by byte offset)."""
    names = "{" + ", ".join(f"{lit(c)}: 'VARCHAR'" for c in columns) + "}"
    scan = (
        f"read_csv({lit(path)}, header=true, auto_detect=false, columns={names}, delim=',', quote='\"', "
        f"escape='\"', max_line_size={MAX_ROW_BYTES}, ignore_errors=true, store_rejects=true, "
        "rejects_table='ht_rejects', rejects_scan='ht_reject_scans')"
    )
    order = scalar(con, "SELECT current_setting('preserve_insertion_order')")
    try:
        # the rows' order in `ht_parsed` is the file's: their positions number them (`_number_rows`)
        con.execute("SET preserve_insertion_order = true")
        con.execute(f"CREATE OR REPLACE TEMP TABLE ht_parsed AS SELECT * FROM {scan}")
        rejects = con.execute(
            "SELECT line_byte_position - 1, list(DISTINCT error_type ORDER BY error_type) FROM ht_rejects "
            "GROUP BY 1 ORDER BY 1"
        ).fetchall()
    except duckdb.Error:
        con.execute("DROP TABLE IF EXISTS ht_parsed")
        return False, []
    finally:
        con.execute(f"SET preserve_insertion_order = {bool(order)}")
        con.execute("DROP TABLE IF EXISTS ht_rejects; DROP TABLE IF EXISTS ht_reject_scans")
    return True, [(int(pos), list(kinds)) for pos, kinds in rejects]


def _number_parsed(con: duckdb.DuckDBPyConnection, parsed: Parsed, staged: Staged, index: _Index) -> bool:
    """VIEW `staged` over `ht_parsed`, once DuckDB's rows are the splitter's records (rejects mapped to
    rows by offset, sampled rows alike)."""
    count = int(scalar(con, "SELECT count(*) FROM ht_parsed"))
    bad = _rejected_rows(np.concatenate(index.utf8_starts), parsed.rejects, count, staged.rows_read)
    if bad is None or not _number_rows(con, bad) or not _aligned(con, parsed.raw, index.samples, bad):
        drop_staged(con)
        return False
    _reject_reasons(parsed.raw, staged, index, bad, parsed.rejects)
    return True


def _rejected_rows(
    starts: np.ndarray, rejects: list[tuple[int, list[str]]], parsed: int, rows: int
) -> np.ndarray | None:
    """Row numbers (1-based) DuckDB rejected, in order; None when its view of the file differs from the
    splitter's (a reject at no record start, or rows parsed + rejected != rows)."""
    positions = np.array([r[0] for r in rejects], dtype=np.int64)
    found = np.searchsorted(starts, positions)
    if len(found) and (found.max() >= len(starts) or not np.all(starts[found] == positions)):
        return None
    if parsed + len(found) != rows:
        return None
    return found + 1


def _number_rows(con: duckdb.DuckDBPyConnection, bad: np.ndarray) -> bool:
    """VIEW `staged`: `ht_parsed` with each row's number (its position, shifted past rejected rows).

    Positions are row ids counted from the table's first: rows written inside a transaction not yet
    committed have ids from a large base, in the order they were written."""
    drop_relation(con, "staged")
    base = int(scalar(con, "SELECT coalesce(min(rowid), 0) FROM ht_parsed"))
    if not len(bad):
        con.execute(f"CREATE TEMP VIEW staged AS SELECT rowid - {base} + 1 AS row_number, * FROM ht_parsed")
        return True
    # the k-th rejected row moves every later parsed row one number on: position p (0-based) holds row
    # p + 1 + (rows rejected before it); segments start where the shift grows
    shift = np.arange(1, len(bad) + 1, dtype=np.int64)
    # position of the first parsed row after the k-th rejected row; consecutive rejects share one
    segments = dict(zip([0, *(bad - shift).tolist()], [0, *shift.tolist()], strict=True))
    con.register("ht_shift_arrow", pa.table({"pos": list(segments), "shift": list(segments.values())}))
    con.execute("CREATE OR REPLACE TEMP TABLE ht_shift AS SELECT * FROM ht_shift_arrow")
    con.unregister("ht_shift_arrow")
    con.execute(
        f"CREATE TEMP VIEW staged AS SELECT p.rowid - {base} + 1 + s.shift AS row_number, p.* "
        f"FROM ht_parsed p ASOF JOIN ht_shift s ON p.rowid - {base} >= s.pos"
    )
    return True


def _aligned(
    con: duckdb.DuckDBPyConnection, raw: RawFile, samples: dict[int, bytes], bad: np.ndarray
) -> bool:
    """Do the sampled rows that DuckDB parsed hold what the splitter's records hold?"""
    rejected = set(bad.tolist())
    wanted = [r for r in samples if r not in rejected]
    if not wanted:
        return True
    found = {
        row[0]: ["" if v is None else v for v in row[1:]]
        for row in con.execute(
            f"SELECT * FROM staged WHERE row_number IN ({', '.join(str(r) for r in wanted)})"
        ).fetchall()
    }
    encoding = "utf-8" if raw.encoding == "utf-8-sig" else raw.encoding
    for row in wanted:
        try:
            fields = next(csv.reader(io.StringIO(samples[row].decode(encoding))), [])
        except csv.Error:
            return False
        if found.get(row) != fields:
            return False
    return True


_READABLE = {
    "LINE SIZE OVER MAXIMUM": f"the row is over {MAX_ROW_BYTES // (1 << 20)} MB (often a quote left open)",
    "UNQUOTED VALUE": "a quote is not closed, or text follows a closing quote",
    "TOO MANY COLUMNS": "too many columns",
    "MISSING COLUMNS": "missing columns",
    "INVALID ENCODING": "invalid UTF-8",
}


def _reject_reasons(
    raw: RawFile, staged: Staged, index: _Index, bad: np.ndarray, rejects: list[tuple[int, list[str]]]
) -> None:
    """Each rejected row's reasons, with the line of the file where it starts."""
    if not len(bad):
        return
    starts = np.concatenate(index.starts)
    offsets = [int(starts[row - 1]) for row in bad.tolist()]
    with raw.open() as stream:
        lines = line_numbers(stream, offsets)
    width = len(staged.columns)
    for row, offset, (_, kinds) in zip(bad.tolist(), offsets, rejects, strict=True):
        what = "; ".join(_READABLE.get(k, k.lower()) for k in kinds)
        staged.rejected[row] = [f"csv_parse: {what} at line {lines[offset]} (header has {width})"]


def _stage_with_python(
    con: duckdb.DuckDBPyConnection, raw: RawFile, staged: Staged, sink: DocumentSink
) -> None:
    """Split the whole content field by field and parse each record on its own: a record that does not
    split into the header's fields is rejected, with its line. (Read whole: files with irregular
    quoting only.)"""
    data = raw.data
    utf8 = raw.to_utf8(data)
    records = split_records_by_fields(data)
    offsets = records if raw.encoding == "utf-8" else split_records_by_fields(utf8)
    if len(offsets) != len(records):
        raise InputError(f"{raw.path}: the rows split differently once read as UTF-8; save it as UTF-8.")
    staged.rows_read = len(records) - 1
    if staged.rows_read < 1:
        raise InputError(f"{raw.path} has a header but no rows: there is nothing to import.")
    parts = (
        raw_documents(
            data, Records(records.starts[: first + PYTHON_BATCH], records.ends[: first + PYTHON_BATCH]), first
        )
        for first in range(1, len(records), PYTHON_BATCH)
    )
    sink.write(parts)
    lines = np.searchsorted(np.flatnonzero(np.frombuffer(data, np.uint8) == 0x0A), records.starts) + 1
    drop_relation(con, "staged")
    for first in range(1, len(offsets), PYTHON_BATCH):
        rows = range(first, min(first + PYTHON_BATCH, len(offsets)))
        _insert_parsed(con, staged, _parse_rows(utf8, offsets, rows, staged, lines), first == 1)


def _parse_rows(utf8: bytes, offsets: Records, rows: range, staged: Staged, lines: np.ndarray) -> pa.Table:
    width = len(staged.columns)
    cols: list[list[str | None]] = [[] for _ in range(width)]
    kept: list[int] = []
    for i, text in zip(rows, record_bytes(utf8, offsets, np.arange(rows.start, rows.stop)), strict=True):
        try:
            fields = next(csv.reader(io.StringIO(text.decode("utf-8")), strict=True), [])
        except csv.Error as exc:
            staged.rejected[i] = [f"csv_parse: {exc} at line {lines[i]}"]
            continue
        if len(fields) != width:
            staged.rejected[i] = [
                f"csv_parse: row has {len(fields)} fields, header has {width} at line {lines[i]}"
            ]
            continue
        kept.append(i)
        for c, value in enumerate(fields):
            cols[c].append(value)
    table = {"row_number": pa.array(kept, pa.int64())}
    table.update({name: pa.array(cols[c], pa.string()) for c, name in enumerate(staged.columns)})
    return pa.table(table)


def _insert_parsed(con: duckdb.DuckDBPyConnection, staged: Staged, table: pa.Table, create: bool) -> None:
    con.register("ht_rows", table)
    if create:
        con.execute("CREATE OR REPLACE TEMP TABLE staged AS SELECT * FROM ht_rows")
    else:
        con.execute("INSERT INTO staged SELECT * FROM ht_rows")
    con.unregister("ht_rows")


def drop_staged(con: duckdb.DuckDBPyConnection) -> None:
    """Drop what staging left on the connection."""
    drop_relation(con, "staged")
    con.execute("DROP TABLE IF EXISTS ht_parsed; DROP TABLE IF EXISTS ht_shift")
