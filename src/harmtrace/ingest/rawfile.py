"""An input file as bytes: its hash, its encoding, and its records exactly as written.

A CSV record ends at a newline that is outside double quotes; quotes escape by doubling, so the parity
of the quote count before a newline tells whether it ends a record. That works on the original bytes in
UTF-8 and in Windows-1256 alike (both keep ASCII as is), so the raw records kept as evidence are the
source's own bytes, whatever encoding the file came in.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from harmtrace.errors import InputError

UTF8_BOM = b"\xef\xbb\xbf"
# Letters that only Arabic-script text in Windows-1256 produces in quantity (0xC1-0xFE range).
_CP1256_ARABIC = bytes(range(0xC1, 0xFF))


@dataclass(frozen=True)
class RawFile:
    """The bytes of one input file and what was learnt from them."""

    path: Path
    data: bytes
    sha256: str
    encoding: str  # "utf-8", "utf-8-sig" or "cp1256"

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
    if not data.strip(b" \t\r\n" + UTF8_BOM):
        raise InputError(f"{path} is empty: there is nothing to import. Check the export.")
    return RawFile(path, data, hashlib.sha256(data).hexdigest(), detect_encoding(path, data))


def detect_encoding(path: Path, data: bytes) -> str:
    """UTF-8 (with or without BOM) if it decodes; else Windows-1256 if it looks Arabic; else fail."""
    if data.startswith(UTF8_BOM):
        _decode_or_fail(path, data[len(UTF8_BOM) :], "utf-8")
        return "utf-8-sig"
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        utf8_error = exc
    high = sum(data.count(bytes([b])) for b in _CP1256_ARABIC)
    if high and _decodes(data, "cp1256"):
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
    ends = ends_nl.copy()
    # drop a "\r" before the newline from the record
    has_cr = (ends > starts) & (buf[np.maximum(ends - 1, 0)] == 0x0D)
    ends[has_cr] -= 1
    keep = ends > starts
    return Records(starts[keep], ends[keep])


def record_bytes(data: bytes, records: Records, index: np.ndarray) -> list[bytes]:
    """The raw bytes of the records at `index`."""
    starts, ends = records.starts[index], records.ends[index]
    return [data[s:e] for s, e in zip(starts.tolist(), ends.tolist(), strict=True)]
