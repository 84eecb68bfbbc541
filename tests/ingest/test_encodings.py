"""Encodings: Western text is not read as Arabic, Arabic is still read as Arabic, and a file whose
encoding cannot be told is refused with both readings and the fix (`--encoding`)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from harmtrace.errors import InputError
from harmtrace.ingest import get_format, import_file
from harmtrace.ingest.rawfile import read_raw
from harmtrace.store import Store
from tests.conftest import BUNDLED, run_cli

# Invented people; the accents are what matters.
WESTERN = [
    ["id", "name", "place", "died"],
    ["W1", "Niño Pérez", "Idlib", "2013-04-02"],
    ["W2", "Hélène Dubois", "Aleppo", "2013-04-03"],
    ["W3", "Jürgen Müller", "Homs", "2013-04-04"],
]
TURKISH = [["id", "name", "place", "died"], ["T1", "Ali Veli", "Şam", "2013-04-02"]]
MAPPING = "kind: victims\nfields:\n  record_id: id\n  name: name\n  place_of_death: place\n  date: died\n"


def _csv(path: Path, rows: list[list[str]], encoding: str) -> Path:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    path.write_bytes(out.getvalue().encode(encoding))
    return path


def _victims(store: Store, tmp_path: Path, data: Path, encoding: str | None = None) -> object:
    mapping = tmp_path / "victims.yaml"
    mapping.write_text(MAPPING, encoding="utf-8")
    return import_file(store, get_format("victims", mapping), data, encoding=encoding)


@pytest.mark.parametrize("encoding", ["latin-1", "cp1252"])
def test_western_text_is_not_read_as_arabic(store: Store, tmp_path: Path, encoding: str) -> None:
    path = _csv(tmp_path / "western.csv", WESTERN, encoding)
    _victims(store, tmp_path, path)
    names = store.scalar("SELECT list(name ORDER BY row_number) FROM victim_record")
    assert names == [r[1] for r in WESTERN[1:]]
    assert store.scalar("SELECT encoding FROM batch") == "cp1252"
    assert (
        bytes(store.scalar("SELECT raw FROM document WHERE row_number = 1"))
        == b"W1,Ni\xf1o P\xe9rez,Idlib,2013-04-02"
    )


def test_a_real_windows_1256_arabic_file_still_imports_as_arabic(store: Store, tmp_path: Path) -> None:
    """Syrian Archive records (bundled, CC BY-SA) with Arabic text, saved as Windows-1256."""
    with (BUNDLED / "seankross_syrian_archive_raw.csv").open(encoding="utf-8", newline="") as fh:
        header, *rows = list(csv.reader(fh))
    arabic = [r for r in rows if any("\u0600" <= ch <= "\u06ff" for cell in r for ch in cell)]
    sample = [r for r in arabic if _encodes(r, "cp1256")][:200]
    assert len(sample) == 200
    utf8 = _csv(tmp_path / "archive_utf8.csv", [header, *sample], "utf-8")
    cp1256 = _csv(tmp_path / "archive_cp1256.csv", [header, *sample], "cp1256")
    archive = get_format("syrian-archive")
    # two sources: under one, the second file's rows would be the first's records, unchanged
    first = import_file(store, archive, utf8, source="archive as UTF-8")
    second = import_file(store, archive, cp1256, source="archive as Windows-1256")
    assert store.scalar("SELECT encoding FROM batch WHERE batch_id = ?", [second.batch_id]) == "cp1256"
    columns = "row_number, record_id, place_text, description, perpetrators, means"
    read = [
        store.rows(f"SELECT {columns} FROM report WHERE batch_id = ? ORDER BY row_number", [b.batch_id])
        for b in (first, second)
    ]
    assert read[0] == read[1] and first.rows_accepted == second.rows_accepted


def _encodes(row: list[str], encoding: str) -> bool:
    try:
        ",".join(row).encode(encoding)
    except UnicodeEncodeError:
        return False
    return True


def test_a_file_whose_encoding_cannot_be_told_is_refused_with_both_readings(tmp_path: Path) -> None:
    path = _csv(tmp_path / "turkish.csv", TURKISH, "cp1254")
    with pytest.raises(InputError) as caught:
        read_raw(path)
    message = str(caught.value)
    assert "reads plausibly in more than one encoding" in message and "Line 2" in message
    assert "cp1252 (Western European (Windows-1252, Latin-1)): 'Þam'" in message
    assert "cp1254 (Turkish (Windows-1254)): 'Şam'" in message
    assert "with encoding (e.g. encoding cp1252)" in message  # the parameter: the CLI says --encoding
    assert "Ali Veli" not in message  # the cell only, not the row


def test_the_encoding_option_decides_and_is_recorded(db_path: Path, tmp_path: Path) -> None:
    path = _csv(tmp_path / "turkish.csv", TURKISH, "cp1254")
    mapping = tmp_path / "victims.yaml"
    mapping.write_text(MAPPING, encoding="utf-8")
    args = ["ingest", "victims", str(path), "--mapping", str(mapping)]
    refused = run_cli(db_path, *args)
    assert (
        refused.exit_code == 1
        and "with --encoding (e.g. --encoding cp1252)" in refused.output
        and "Traceback" not in refused.output
    )
    assert run_cli(db_path, *args, "--encoding", "cp1254").exit_code == 0
    again = run_cli(db_path, *args, "--encoding", "windows-1254")
    assert "already imported as batch 1" in again.output
    other = run_cli(db_path, *args, "--encoding", "cp1252")
    assert other.exit_code == 0 and "Batch 2" in other.output  # the same bytes read another way
    batches = json.loads(run_cli(db_path, "batches", "--json").output)
    assert [b["encoding"] for b in batches] == ["cp1254", "cp1252"]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("klingon", "is not an encoding Python knows"),
        ("utf-16", "encodings that keep ASCII as is"),
        ("utf-8", r"does not decode as utf-8 \(byte 0xde at line 2\)"),
    ],
)
def test_a_wrong_encoding_option_says_what_to_do(tmp_path: Path, name: str, expected: str) -> None:
    path = _csv(tmp_path / "turkish.csv", TURKISH, "cp1254")
    with pytest.raises(InputError, match=expected):
        read_raw(path, name)
