"""Build UCDP-format files for tests from the bundled real file, with chosen cells changed."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from tests.conftest import UCDP_CSV


def ucdp_rows(n: int) -> tuple[list[str], list[dict[str, str]]]:
    """The header and the first `n` rows of the bundled UCDP file."""
    with UCDP_CSV.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        rows = [row for _, row in zip(range(n), reader, strict=False)]
        return list(reader.fieldnames or []), rows


def write_csv(path: Path, header: list[str], rows: list[dict[str, str]], encoding: str = "utf-8") -> Path:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_bytes(out.getvalue().encode(encoding))
    return path
