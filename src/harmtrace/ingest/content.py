"""An input file's content: unpacked when compressed, and read in blocks of whole records.

A file may come compressed: a `.gz` file (gzip) or a `.zip` archive holding one data file are read as
the file inside; an archive holding several files, or none, is refused with its members named. The
batch's hash is always the hash of the file as given (the evidence); rows are the records inside.

A large CSV file is never held whole: `blocks` yields it in blocks of whole records (~8 MB), each
split into records as `rawfile.split_records` does. A quote left open (a missing closing quote) would
make the rest of the file one record; when the open record reaches the end of the file or grows past
`MAX_ROW_BYTES`, its first line is taken as a record on its own (the parser then rejects it, with its
line number) and splitting resumes on the next line, so one bad cell costs one row, not the rest.
"""

from __future__ import annotations

import gzip
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np

from harmtrace.errors import InputError

BLOCK_BYTES = 8 << 20
# DuckDB's default maximum line size: a longer row is quarantined, never read
MAX_ROW_BYTES = 2_097_152
GZIP_MAGIC = b"\x1f\x8b"
ZIP_MAGIC = b"PK\x03\x04"
SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".xls")


@dataclass(frozen=True)
class Packing:
    """How a file's content is stored: "gzip", "zip" (with the member read), or None (as is)."""

    compression: str | None = None
    member: str | None = None


def packing_of(path: Path) -> Packing:
    """The file's packing, from its first bytes (not its name); refuse an archive that is not one file."""
    with path.open("rb") as fh:
        magic = fh.read(4)
    if magic.startswith(GZIP_MAGIC):
        return Packing("gzip")
    if magic != ZIP_MAGIC or path.suffix.lower() in SPREADSHEET_SUFFIXES:
        return Packing()
    try:
        with zipfile.ZipFile(path) as archive:
            names = [i.filename for i in archive.infolist() if not i.is_dir()]
    except zipfile.BadZipFile as exc:
        raise InputError(f"{path} looks like a zip archive but cannot be opened ({exc}).") from exc
    if _is_workbook(names):
        raise InputError(f"{path} is an Excel workbook: rename it to end in .xlsx and import it again.")
    if len(names) != 1:
        listed = ", ".join(names[:10]) + (" ..." if len(names) > 10 else "") if names else "no files"
        raise InputError(
            f"{path} is a zip archive holding {len(names)} files ({listed}); harmtrace reads an archive "
            "holding one data file. Extract the file to import and import it on its own."
        )
    if Path(names[0]).suffix.lower() in SPREADSHEET_SUFFIXES:
        raise InputError(f"{path} holds the workbook {names[0]}: extract it and import the workbook itself.")
    return Packing("zip", names[0])


def _is_workbook(names: list[str]) -> bool:
    return "[Content_Types].xml" in names and any(n.startswith("xl/") for n in names)


@contextmanager
def open_content(path: Path, packing: Packing) -> Iterator[BinaryIO]:
    """The file's content as a binary stream (unpacked)."""
    try:
        if packing.compression == "gzip":
            with gzip.open(path, "rb") as fh:
                yield fh  # type: ignore[misc]
        elif packing.compression == "zip":
            with zipfile.ZipFile(path) as archive, archive.open(packing.member or "") as fh:
                yield fh  # type: ignore[misc]
        else:
            with path.open("rb") as fh:
                yield fh
    except (OSError, EOFError, zipfile.BadZipFile) as exc:
        if isinstance(exc, FileNotFoundError):
            raise
        raise InputError(
            f"{path} cannot be read to its end ({exc}): the file is damaged or cut short."
        ) from exc


def read_blocks(stream: BinaryIO, size: int = BLOCK_BYTES) -> Iterator[bytes]:
    """The stream's bytes in blocks of `size` (the last one shorter)."""
    while block := stream.read(size):
        yield block


@dataclass(frozen=True)
class Records:
    """Record boundaries in a CSV buffer: record i is data[starts[i]:ends[i]] (no line ending).

    Blank lines are not records.
    """

    starts: np.ndarray
    ends: np.ndarray

    def __len__(self) -> int:
        return len(self.starts)


def split_records(data: bytes) -> Records:
    """Quote-aware split of a whole CSV buffer into records (see the module docstring for an open quote)."""
    return split_block(data, final=True)[0]


def split_block(data: bytes, final: bool) -> tuple[Records, int]:
    """(records of `data` up to its last record-ending newline, where they end); with `final` the rest
    is the last record. A quote left open is cut at its line (module docstring)."""
    parts: list[Records] = []
    base = 0
    while True:
        records, cut, line_end = _split_once(data, base, final)
        parts.append(records)
        if line_end is None:
            return _joined(parts), cut
        base = line_end + 1  # the open record's first line was taken on its own: split on after it


def _split_once(data: bytes, base: int, final: bool) -> tuple[Records, int, int | None]:
    """Records of data[base:] (offsets in `data`), where they end, and the end of an open record's first
    line when it was cut there (None when splitting is done)."""
    buf = np.frombuffer(data, dtype=np.uint8)[base:]
    newlines = np.flatnonzero(buf == 0x0A)
    quotes = np.flatnonzero(buf == 0x22)
    closing = newlines[np.searchsorted(quotes, newlines) % 2 == 0]
    cut = int(closing[-1]) + 1 if len(closing) else 0
    starts = np.concatenate(([0], closing[:-1] + 1)) if len(closing) else closing
    records = _trimmed(starts, closing, buf, base)
    rest = len(buf) - cut
    if not rest or not (final or rest > MAX_ROW_BYTES):
        return records, base + cut, None
    open_quote = (len(quotes) - int(np.searchsorted(quotes, cut))) % 2 == 1
    after = newlines[np.searchsorted(newlines, cut) :]
    if open_quote and len(after):
        first = _trimmed(np.array([cut]), after[:1], buf, base)
        return _joined([records, first]), base + int(after[0]) + 1, base + int(after[0])
    if final:  # the last record, its quotes closed (or open on its only line)
        return _joined([records, _trimmed(np.array([cut]), np.array([len(buf)]), buf, base)]), len(data), None
    return records, base + cut, None  # a long record still growing: read on


def _joined(parts: list[Records]) -> Records:
    if len(parts) == 1:
        return parts[0]
    return Records(np.concatenate([p.starts for p in parts]), np.concatenate([p.ends for p in parts]))


def _trimmed(starts: np.ndarray, ends: np.ndarray, buf: np.ndarray, base: int = 0) -> Records:
    """Records starts..ends of `buf` (which begins at byte `base`), a trailing "\\r" dropped from each,
    blank ones dropped."""
    starts, ends = starts.astype(np.int64), ends.astype(np.int64)
    has_cr = (ends > starts) & (buf[np.maximum(ends - 1, 0)] == 0x0D) if len(buf) else ends > starts
    ends = ends - has_cr
    keep = ends > starts
    return Records(starts[keep] + base, ends[keep] + base)


@dataclass(frozen=True)
class Block:
    """Whole records of a file: `data` starts at byte `offset` of the content; record i of the block is
    data[records.starts[i]:records.ends[i]]."""

    offset: int
    data: bytes
    records: Records


def blocks(stream: BinaryIO, size: int = BLOCK_BYTES) -> Iterator[Block]:
    """The stream's content as blocks of whole records (module docstring)."""
    carry, offset = b"", 0
    for chunk in read_blocks(stream, size):
        data = carry + chunk if carry else chunk
        records, cut = split_block(data, final=False)
        if cut:
            yield Block(offset, data[:cut], records)
        offset, carry = offset + cut, data[cut:]
    if carry:
        yield Block(offset, carry, split_block(carry, final=True)[0])


def record_bytes(data: bytes, records: Records, index: np.ndarray) -> list[bytes]:
    """The raw bytes of the records at `index`."""
    starts, ends = records.starts[index], records.ends[index]
    return [data[s:e] for s, e in zip(starts.tolist(), ends.tolist(), strict=True)]


def line_numbers(stream: BinaryIO, offsets: list[int]) -> dict[int, int]:
    """The 1-based line number at each byte offset of the stream (offsets sorted), counting newlines."""
    found: dict[int, int] = {}
    pending = sorted(set(offsets))
    lines, base, i = 1, 0, 0
    for block in read_blocks(stream):
        while i < len(pending) and pending[i] < base + len(block):
            found[pending[i]] = lines + block.count(b"\n", 0, pending[i] - base)
            i += 1
        lines += block.count(b"\n")
        base += len(block)
    for offset in pending[i:]:
        found[offset] = lines
    return found


def split_records_by_fields(data: bytes) -> Records:
    """Split as a CSV reader does, field by field: a quote opens a quoted field only at a field's start.

    Slower than `split_records` (a Python loop over the bytes) and used only when a file's quoting is
    irregular, e.g. an unquoted inch mark (`5" gun`), where quote parity would merge two rows. A quote
    still open at the end of the file is cut at its line, as `split_block` does.
    """
    starts: list[int] = []
    ends: list[int] = []
    begin = 0
    while begin < len(data):
        begin = _split_fields_from(data, begin, starts, ends)
    return _trimmed(
        np.array(starts, dtype=np.int64), np.array(ends, dtype=np.int64), np.frombuffer(data, np.uint8)
    )


def _split_fields_from(data: bytes, begin: int, starts: list[int], ends: list[int]) -> int:
    """Split data[begin:] into `starts`/`ends`; returns len(data), or where to resume after cutting an
    open record's first line."""
    starts.append(begin)
    quoted, at_field_start = False, True
    i, n = begin, len(data)
    while i < n:
        byte = data[i]
        if quoted:
            if byte == 0x22:
                quoted = i + 1 < n and data[i + 1] == 0x22
                i += 1 if quoted else 0
        elif byte == 0x22 and at_field_start:
            quoted = True
        elif byte == 0x0A:
            ends.append(i)
            starts.append(i + 1)
        at_field_start = byte in (0x2C, 0x0A) and not quoted
        i += 1
    if not quoted:
        ends.append(n)
        return n
    line_end = data.find(b"\n", starts[-1])
    if line_end < 0:
        ends.append(n)
        return n
    ends.append(line_end)
    return line_end + 1
