"""An input file as bytes: its hash, its encoding, and its records exactly as written.

A CSV record ends at a newline that is outside double quotes; quotes escape by doubling, so the parity
of the quote count before a newline tells whether it ends a record. That works on the original bytes in
UTF-8 and in any encoding that keeps ASCII as is (Windows-1256, Windows-1252, ...), so the raw records
kept as evidence are the source's own bytes, whatever encoding the file came in.

Encodings: UTF-8 (with or without BOM) when the bytes decode as UTF-8. Otherwise the file is one of the
single-byte encodings monitors' exports come in (ENCODINGS): Arabic Windows-1256, Western Windows-1252
(Latin-1), Turkish Windows-1254. Their high bytes mean different letters ("Niño" in Windows-1252 reads
"Niٌo" in Windows-1256), so charset-normalizer compares how plausible the text is in each, looking only
at the lines that hold such bytes; when the readings differ and neither is clearly better, the file is
refused with a sample of each reading, and `--encoding` decides.
"""

from __future__ import annotations

import codecs
import hashlib
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pyarrow as pa
from charset_normalizer import from_bytes

from harmtrace.errors import InputError, param
from harmtrace.ingest.content import (
    SPREADSHEET_SUFFIXES,
    Packing,
    Records,
    open_content,
    packing_of,
    read_blocks,
    record_bytes,
    split_records,
    split_records_by_fields,
)

__all__ = [
    "SPREADSHEET_SUFFIXES",
    "RawFile",
    "Records",
    "detect_encoding",
    "given_encoding",
    "raw_documents",
    "read_raw",
    "record_bytes",
    "split_records",
    "split_records_by_fields",
]

UTF8_BOM = b"\xef\xbb\xbf"
_CONTENT = re.compile(rb"[^ \t\r\n\xef\xbb\xbf]")  # any byte that is not blank space or a BOM
# The single-byte encodings a non-UTF-8 file is told apart among, with what a reader calls them.
ENCODINGS: dict[str, str] = {
    "cp1256": "Arabic (Windows-1256)",
    "cp1252": "Western European (Windows-1252, Latin-1)",
    "cp1254": "Turkish (Windows-1254)",
}
# How readings are compared (`_clearly_better`): the share of odd words (`_odd_share`), charset-normalizer's
# share of implausible characters ("chaos", percent) and of text that looks like a language ("coherence").
_CHAOS_MARGIN = 1.0
_COHERENCE_MARGIN = 10.0
_ODD_MARGIN = 0.25
_ARABIC = "\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff"
_LATIN = "A-Za-z\u00c0-\u024f"
# a word mixing Arabic and Latin letters ("Niٌo"), or three or more Latin letters none of them ASCII
# ("ÏæãÇ", Arabic read as Windows-1252): what no text in one script holds
_ODD_WORD = re.compile(f"(?=.*[{_ARABIC}])(?=.*[{_LATIN}])|^[\u00c0-\u024f]{{3,}}$")
_WORD_SPLIT = re.compile(r"[\s,;\"'()\[\]/|.:\-]+")
_SAMPLE_BYTES = 256_000  # of lines holding high bytes: enough to judge, fast on any file


@dataclass(frozen=True)
class RawFile:
    """One input file: where it is, its hash and size as given, how its content is packed, and the
    encoding of that content. The content is read from the file when needed, never held whole by the
    import of a CSV file (`open`, `content.blocks`)."""

    path: Path
    sha256: str
    size: int
    encoding: str  # "utf-8", "utf-8-sig", "cp1256", or "binary" for a spreadsheet
    packing: Packing = field(default_factory=Packing)

    @contextmanager
    def open(self) -> Iterator[BinaryIO]:
        """The content as a binary stream (unpacked when the file is compressed)."""
        with open_content(self.path, self.packing) as stream:
            yield stream

    @cached_property
    def data(self) -> bytes:
        """The whole content, read once and kept: only for the files read whole (spreadsheets, strike
        logs, place lists, a CSV needing the field-by-field split); a CSV import reads blocks (`open`)."""
        with self.open() as stream:
            return stream.read()

    @property
    def text_utf8(self) -> bytes:
        """The whole content as UTF-8 bytes without BOM, for parsers."""
        return self.to_utf8(self.data)

    def to_utf8(self, block: bytes, first: bool = True) -> bytes:
        """A block of whole records of the content as UTF-8 without BOM (`first`: the content's start)."""
        if self.encoding == "utf-8":
            return block
        if self.encoding == "utf-8-sig":
            return block[len(UTF8_BOM) :] if first and block.startswith(UTF8_BOM) else block
        return block.decode(self.encoding).encode("utf-8")

    @property
    def compressed(self) -> str | None:
        """How the file was packed, in words ("gzip", "zip member x.csv"), None when it was not."""
        if self.packing.compression == "zip":
            return f"zip member {self.packing.member}"
        return self.packing.compression


def read_raw(path: Path, encoding: str | None = None) -> RawFile:
    """Hash `path` and detect the encoding of its content (or check `encoding`), reading it in blocks;
    refuse missing, empty or undecodable files. A content that is not UTF-8 is read whole to tell its
    encoding (single-byte encodings: legacy exports, small)."""
    if not path.is_file():
        what = "is a folder, not a file" if path.is_dir() else "not found"
        raise InputError(f"{path}: {what}. Check the path and try again.")
    packing = packing_of(path)
    binary = path.suffix.lower() in SPREADSHEET_SUFFIXES and packing.compression is None
    if binary and encoding is not None:
        raise InputError(
            f"{path} is a spreadsheet, which has no text encoding: leave out {param('encoding')}."
        )
    sha, size, utf8, empty = _scan(path, packing, binary)
    if empty:
        raise InputError(f"{path} is empty: there is nothing to import. Check the export.")
    if binary:
        return RawFile(path, sha, size, "binary", packing)
    if encoding is None and utf8 is not None:
        return RawFile(path, sha, size, utf8, packing)
    data = RawFile(path, sha, size, "binary", packing).data
    found = given_encoding(path, data, encoding) if encoding is not None else detect_encoding(path, data)
    return RawFile(path, sha, size, found, packing)


def _scan(path: Path, packing: Packing, binary: bool) -> tuple[str, int, str | None, bool]:
    """(sha256 and size of the file as given, "utf-8" / "utf-8-sig" when the content decodes as UTF-8
    else None, whether the content is blank), in one pass when the file is not packed."""
    digest, size = hashlib.sha256(), 0
    check = None if binary else _Utf8Check()
    with path.open("rb") as fh:
        for block in read_blocks(fh):
            digest.update(block)
            size += len(block)
            if check is not None and packing.compression is None:
                check.feed(block)
    if check is None:
        return digest.hexdigest(), size, None, size == 0
    if packing.compression is not None:
        with open_content(path, packing) as stream:
            for block in read_blocks(stream):
                check.feed(block)
    return digest.hexdigest(), size, check.result(), check.blank


class _Utf8Check:
    """Fed a content block by block: is it UTF-8 (with a BOM?), is it blank."""

    def __init__(self) -> None:
        self.decoder = codecs.getincrementaldecoder("utf-8")()
        self.blank, self.bom, self.valid, self.started = True, False, True, False

    def feed(self, block: bytes) -> None:
        if not self.started:
            self.bom, self.started = block.startswith(UTF8_BOM), True
        self.blank = self.blank and _CONTENT.search(block) is None
        # an ASCII block needs no decoding unless a character was cut at the previous block's end
        if self.valid and not (block.isascii() and not self.decoder.getstate()[0]):
            try:
                self.decoder.decode(block)
            except UnicodeDecodeError:
                self.valid = False

    def result(self) -> str | None:
        try:
            self.decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            self.valid = False
        return ("utf-8-sig" if self.bom else "utf-8") if self.valid else None


def given_encoding(path: Path, data: bytes, name: str) -> str:
    """The codec name of `name` (as `--encoding` gives it), once the whole file decodes with it."""
    try:
        codec = codecs.lookup(name).name
    except LookupError:
        raise InputError(
            f"{param('encoding')} {name!r} is not an encoding Python knows; use a name such as "
            f"{', '.join(ENCODINGS)} or utf-8."
        ) from None
    if not _keeps_ascii(codec):
        raise InputError(
            f"{param('encoding')} {name}: harmtrace reads CSV files in encodings that keep ASCII as is "
            "(UTF-8, Windows-125x, ISO-8859-x). Save the file as UTF-8 and import it again."
        )
    if codec == "utf-8" and data.startswith(UTF8_BOM):
        codec = "utf-8-sig"
    _decode_or_fail(
        path,
        data,
        codec,
        f"does not decode as {codec}",
        f"Check the {param('encoding')} name, or leave it out to let harmtrace detect the encoding.",
    )
    return codec


def _keeps_ascii(codec: str) -> bool:
    """Does `codec` read ASCII bytes as themselves (the records are split on the raw bytes)?"""
    ascii_bytes = bytes(range(0x20, 0x7F)) + b"\r\n\t"
    try:
        return ascii_bytes.decode(codec) == ascii_bytes.decode("ascii")
    except (LookupError, UnicodeDecodeError):
        return False


def detect_encoding(path: Path, data: bytes) -> str:
    """UTF-8 (with or without BOM) if it decodes; else the one of ENCODINGS whose reading is clearly
    the most plausible (see the module docstring); else refuse, saying what to do."""
    if data.startswith(UTF8_BOM):
        _decode_or_fail(
            path,
            data[len(UTF8_BOM) :],
            "utf-8",
            "starts with a UTF-8 byte-order mark but has invalid UTF-8",
            "Re-export it as UTF-8.",
        )
        return "utf-8-sig"
    try:
        if not data.isascii():  # the check is ten times faster than decoding
            data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        utf8_error = exc
    # NUL bytes never occur in single-byte text; they do in UTF-16 ("Unicode text" exports)
    readings = [] if b"\x00" in data else _readings(data)
    if not readings:
        raise InputError(
            f"{path} is not UTF-8 ({_bad_byte(data, utf8_error.start)}) and reads as none of "
            f"{', '.join(ENCODINGS.values())}. Save it as UTF-8 and import it again."
        )
    best, *others = readings
    doubtful = [r for r in others if not _clearly_better(best, r)]
    if doubtful:
        raise InputError(_ambiguous(path, data, [best, *doubtful]))
    return best.encoding


@dataclass(frozen=True)
class _Reading:
    """One way to decode a file: the encoding, and how plausible its text is (see `_clearly_better`)."""

    encoding: str
    chaos: float
    coherence: float
    odd: float


def _readings(data: bytes) -> list[_Reading]:
    """The distinct plausible readings of `data` among ENCODINGS that decode the whole file, best first."""
    sample = _high_byte_lines(data)
    readings = []
    for match in from_bytes(sample, cp_isolation=list(ENCODINGS), preemptive_behaviour=False):
        # the encodings that read the sample alike, charset-normalizer's pick first
        alike = dict.fromkeys([match.encoding, *match.could_be_from_charset])
        whole = [e for e in alike if e in ENCODINGS and _decodes(data, e)]
        if whole:
            odd = _odd_share(sample.decode(whole[0]))
            readings.append(_Reading(whole[0], match.percent_chaos, match.percent_coherence, odd))
    return sorted(readings, key=lambda r: (r.odd, r.chaos, -r.coherence))


def _odd_share(text: str) -> float:
    """The share of the words holding non-ASCII letters that no single-script text would hold.

    >>> _odd_share("Niño Pérez"), _odd_share("Niٌo Pérez"), _odd_share("ÏæãÇ دوما")
    (0.0, 0.5, 0.5)
    """
    words = [w for w in _WORD_SPLIT.split(text) if not w.isascii()]
    return sum(1 for w in words if _ODD_WORD.search(w)) / len(words) if words else 0.0


def _high_byte_lines(data: bytes) -> bytes:
    """The lines of `data` that hold bytes above 0x7F (the only ones that tell encodings apart)."""
    lines, size = [], 0
    for line in data.splitlines():
        if not line.isascii():
            lines.append(line)
            size += len(line)
            if size > _SAMPLE_BYTES:
                break
    return b"\n".join(lines)


def _clearly_better(best: _Reading, other: _Reading) -> bool:
    """Odd words or chaos favour `best` by their margin and neither favours `other` so; when both are
    even, coherence decides (it weighs whole texts, so in mixed-script files it only breaks ties)."""
    gains = ((other.odd - best.odd) / _ODD_MARGIN, (other.chaos - best.chaos) / _CHAOS_MARGIN)
    if min(gains) <= -1:
        return False
    return max(gains) >= 1 or best.coherence - other.coherence >= _COHERENCE_MARGIN


def _ambiguous(path: Path, data: bytes, readings: list[_Reading]) -> str:
    """The refusal: the candidate encodings, one cell read each way, and the fix."""
    line_no, line = _first_differing_line(data, [r.encoding for r in readings])
    word = _differing_word(line, [r.encoding for r in readings])
    ways = "; ".join(f"{r.encoding} ({ENCODINGS[r.encoding]}): {word.decode(r.encoding)!r}" for r in readings)
    return (
        f"{path} is not UTF-8, and it reads plausibly in more than one encoding. Line {line_no} has a "
        f"value that reads as {ways}. Say which is right with {param('encoding')} (e.g. {param('encoding')} "
        f"{readings[0].encoding}), or save the file as UTF-8 and import it again."
    )


def _first_differing_line(data: bytes, encodings: list[str]) -> tuple[int, bytes]:
    for number, line in enumerate(data.splitlines(), start=1):
        if not line.isascii() and len({line.decode(e, errors="replace") for e in encodings}) > 1:
            return number, line
    return 1, data.splitlines()[0]


def _differing_word(line: bytes, encodings: list[str]) -> bytes:
    """The first word of `line` whose readings differ, cut to 24 bytes: enough to judge an encoding by,
    without showing the rest of a cell or a row (which may name a person).

    >>> _differing_word("7,Juan Ni\xf1o Perez,Idlib".encode("cp1252"), ["cp1252", "cp1256"])
    b'Ni\xf1o'
    """
    for word in line.replace(b",", b" ").split():
        if len({word.decode(e, errors="replace") for e in encodings}) > 1:
            return word[:24]
    return line[:24]


def _decodes(data: bytes, encoding: str) -> bool:
    try:
        data.decode(encoding)
    except UnicodeDecodeError:
        return False
    return True


def _decode_or_fail(path: Path, data: bytes, encoding: str, problem: str, fix: str) -> None:
    """Refuse `data` unless it decodes as `encoding`: the problem, where (byte and line), the fix."""
    try:
        data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise InputError(f"{path} {problem} ({_bad_byte(data, exc.start)}). {fix}") from exc


def _bad_byte(data: bytes, start: int) -> str:
    r""" "byte 0xf1 at line 3": where a decoding failed.

    >>> _bad_byte(b"a\nb\xf1", 3)
    'byte 0xf1 at line 2'
    """
    line = data[:start].count(b"\n") + 1
    return f"byte 0x{data[start]:02x} at line {line}"


def raw_documents(data: bytes, records: Records, first: int = 1) -> pa.Table:
    """Records `first`.. as a table (row_number, raw): the bytes exactly as in the file (hashed where
    they are written, `intake.write_documents`)."""
    raws = record_bytes(data, records, np.arange(first, len(records)))
    rows = pa.array(np.arange(first, len(records), dtype=np.int64))
    return pa.table({"row_number": rows, "raw": pa.array(raws, pa.binary())})
