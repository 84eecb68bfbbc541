from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from harmtrace.errors import InputError
from harmtrace.ingest.rawfile import (
    detect_encoding,
    read_raw,
    record_bytes,
    split_records,
    split_records_by_fields,
)

# a bare "\r" in an unquoted cell is read as a line ending by every CSV reader: not a case to test
cell = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",), exclude_characters="\r"), max_size=12
)
rows = st.lists(st.lists(cell, min_size=3, max_size=3), min_size=1, max_size=20)


def _csv_bytes(table: list[list[str]], newline: str) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator=newline, quoting=csv.QUOTE_MINIMAL).writerows(table)
    return out.getvalue().encode("utf-8")


@settings(max_examples=200, deadline=None)
@given(rows, st.sampled_from(["\n", "\r\n"]))
def test_records_split_like_a_csv_parser(table: list[list[str]], newline: str) -> None:
    """Each raw record parses back to exactly one row, in order, with no bytes lost or added."""
    table = [["a", "b", "c"], *[r for r in table if any(r)]]
    data = _csv_bytes(table, newline)
    for split in (split_records, split_records_by_fields):
        records = split(data)
        raws = record_bytes(data, records, list(range(len(records))))  # type: ignore[arg-type]
        parsed = [next(csv.reader(io.StringIO(r.decode("utf-8")))) for r in raws]
        assert parsed == table


def test_blank_lines_are_not_records() -> None:
    data = b"a,b\n\n1,2\r\n\r\n3,4"
    records = split_records(data)
    assert record_bytes(data, records, list(range(len(records)))) == [b"a,b", b"1,2", b"3,4"]  # type: ignore[arg-type]


def test_newline_inside_quotes_stays_in_the_record() -> None:
    data = b'a,b\n"line one\nline two",2\n'
    records = split_records(data)
    assert record_bytes(data, records, [1]) == [b'"line one\nline two",2']  # type: ignore[arg-type]


def test_encodings_are_detected(tmp_path: Path) -> None:
    arabic = "المكان,حلب\n"
    assert detect_encoding(tmp_path, arabic.encode("utf-8")) == "utf-8"
    assert detect_encoding(tmp_path, b"\xef\xbb\xbf" + arabic.encode("utf-8")) == "utf-8-sig"
    assert detect_encoding(tmp_path, arabic.encode("cp1256")) == "cp1256"


def test_undecodable_file_names_the_line_and_the_fix(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    # bytes that make no text in any encoding harmtrace reads (control characters and soft hyphens)
    path.write_bytes(b"a,b\n1,2\n\x9d\x81\xad\xad\x9d\x81\x90\x8f,3\n")
    with pytest.raises(InputError, match=r"not UTF-8 .* line 3.*reads as none of.*Save it as UTF-8"):
        read_raw(path)


@pytest.mark.parametrize("content", [b"", b"\n\n", b"\xef\xbb\xbf  \r\n"])
def test_empty_file_is_refused(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(content)
    with pytest.raises(InputError, match="is empty"):
        read_raw(path)


def test_field_wise_split_keeps_an_unquoted_inch_mark_in_its_row() -> None:
    data = b'a,b\n1,the 5" gun\n2,"x\ny"\n3,z'
    records = split_records_by_fields(data)
    assert record_bytes(data, records, list(range(len(records)))) == [  # type: ignore[arg-type]
        b"a,b",
        b'1,the 5" gun',
        b'2,"x\ny"',
        b"3,z",
    ]
