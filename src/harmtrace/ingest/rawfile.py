"""An input file as bytes: its hash, its encoding, and its records exactly as written.

A CSV record ends at a newline that is outside double quotes; quotes escape by doubling, so the parity
of the quote count before a newline tells whether it ends a record. That works on the original bytes in
UTF-8 and in Windows-1256 alike (both keep ASCII as is), so the raw records kept as evidence are the
source's own bytes, whatever encoding the file came in.
"""

from __future__ import annotations

import hashlib
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa

from harmtrace.errors import InputError

UTF8_BOM = b"\xef\xbb\xbf"
_CONTENT = re.compile(rb"[^ \t\r\n\xef\xbb\xbf]")  # any byte that is not blank space or a BOM
# Spreadsheets are zip archives, not text: they have no encoding to detect ("binary").
SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm")
# Letters that only Arabic-script text in Windows-1256 produces in quantity (0xC1-0xFE range).
_CP1256_ARABIC = bytes(range(0xC1, 0xFF))


@dataclass(frozen=True)
class RawFile:
    """The bytes of one input file and what was learnt from them."""

    path: Path
    data: bytes
    sha256: str
    encoding: str  # "utf-8", "utf-8-sig", "cp1256", or "binary" for a spreadsheet

    @property
    def text_utf8(self) -> bytes:
        """The file as UTF-8 bytes without BOM, for parsers."""
        if self.encoding == "utf-8":
            return self.data
        if self.encoding == "utf-8-sig":
            return self.data[len(UTF8_BOM) :]
        return self.data.decode(self.encoding).encode("utf-8")


def read_raw(path: Path) -> RawFile:
    """Read `path`, hash it and detect its encoding; refuse empty or undecodable files."""
    if not path.exists():
        raise InputError(f"File not found: {path}. Check the path and try again.")
    data = path.read_bytes()
    if _CONTENT.search(data) is None:
        raise InputError(f"{path} is empty: there is nothing to import. Check the export.")
    # hashing releases the GIL, so it runs beside the (GIL-bound) encoding check
    with ThreadPoolExecutor(max_workers=1) as pool:
        digest = pool.submit(lambda: hashlib.sha256(data).hexdigest())
        binary = path.suffix.lower() in SPREADSHEET_SUFFIXES
        encoding = "binary" if binary else detect_encoding(path, data)
        return RawFile(path, data, digest.result(), encoding)


def detect_encoding(path: Path, data: bytes) -> str:
    """UTF-8 (with or without BOM) if it decodes; else Windows-1256 if it looks Arabic; else fail."""
    if data.startswith(UTF8_BOM):
        _decode_or_fail(path, data[len(UTF8_BOM) :], "utf-8")
        return "utf-8-sig"
    try:
        if not data.isascii():  # the check is ten times faster than decoding
            data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        utf8_error = exc
    high = sum(data.count(bytes([b])) for b in _CP1256_ARABIC)
    # NUL bytes never occur in Windows-1256 text; they do in UTF-16 ("Unicode text" exports)
    if high and b"\x00" not in data and _decodes(data, "cp1256"):
        return "cp1256"
    line = data[: utf8_error.start].count(b"\n") + 1
    raise InputError(
        f"{path} is not UTF-8 (byte 0x{data[utf8_error.start]:02x} at line {line}) and does not "
        "look like Windows-1256 Arabic text either. Save it as UTF-8 and import it again."
    )


def _decodes(data: bytes, encoding: str) -> bool:
    try:
        data.decode(encoding)
    except UnicodeDecodeError:
        return False
    return True


def _decode_or_fail(path: Path, data: bytes, encoding: str) -> None:
    try:
        data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(
            f"{path} starts with a UTF-8 byte-order mark but has invalid UTF-8 at line {line}. "
            "Re-export it as UTF-8."
        ) from exc


@dataclass(frozen=True)
class Records:
    """Record boundaries in a CSV buffer: record i is data[starts[i]:ends[i]] (no line ending).

    Blank lines are not records. Record 0 is the header.
    """

    starts: np.ndarray
    ends: np.ndarray

    def __len__(self) -> int:
        return len(self.starts)


def split_records(data: bytes) -> Records:
    """Quote-aware split of a CSV buffer into records, vectorised (no Python loop per row)."""
    buf = np.frombuffer(data, dtype=np.uint8)
    newlines = np.flatnonzero(buf == 0x0A)
    quotes = np.flatnonzero(buf == 0x22)
    closing = newlines[np.searchsorted(quotes, newlines) % 2 == 0]
    ends_nl = np.append(closing, len(buf))
    starts = np.concatenate(([0], closing + 1))
    return _trimmed(starts, ends_nl, data)


def raw_documents(data: bytes, records: Records, first: int = 1) -> pa.Table:
    """Records `first`.. as a table (row_number, sha256, raw): the bytes exactly as in the file."""
    raws = record_bytes(data, records, np.arange(first, len(records)))
    hashes = [hashlib.sha256(r).hexdigest() for r in raws]
    rows = pa.array(np.arange(first, len(records), dtype=np.int64))
    return pa.table(
        {"row_number": rows, "sha256": pa.array(hashes, pa.string()), "raw": pa.array(raws, pa.binary())}
    )


def record_bytes(data: bytes, records: Records, index: np.ndarray) -> list[bytes]:
    """The raw bytes of the records at `index`."""
    starts, ends = records.starts[index], records.ends[index]
    return [data[s:e] for s, e in zip(starts.tolist(), ends.tolist(), strict=True)]


def split_records_by_fields(data: bytes) -> Records:
    """Split as a CSV reader does, field by field: a quote opens a quoted field only at a field's start.

    Slower than `split_records` (a Python loop over the bytes) and used only when a file's quoting is
    irregular, e.g. an unquoted inch mark (`5" gun`), where quote parity would merge two rows.
    """
    starts, ends = [0], []
    quoted, at_field_start = False, True
    i, n = 0, len(data)
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
    ends.append(n)
    return _trimmed(np.array(starts, dtype=np.int64), np.array(ends, dtype=np.int64), data)


def _trimmed(starts: np.ndarray, ends: np.ndarray, data: bytes) -> Records:
    """Drop a trailing "\\r" from each record and drop blank records."""
    buf = np.frombuffer(data, dtype=np.uint8)
    has_cr = (ends > starts) & (buf[np.maximum(ends - 1, 0)] == 0x0D) if len(buf) else ends > starts
    ends = ends - has_cr
    keep = ends > starts
    return Records(starts[keep], ends[keep])
