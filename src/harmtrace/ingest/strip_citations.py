"""A UCDP GED file without one publisher's citations: to measure linkage that may not use them.

UCDP GED lists the sources behind each event in parallel ';'-separated columns: ``source_article``
(quoted entries "PUBLISHER,DATE,HEADLINE"), ``source_headline``, ``source_date``, ``source_office``,
and ``source_original`` (the publishers' names). An event citing an Airwars incident names it in the
article entry and in the headline ("January 6th 2017: (S380) ... Sowaydiya Kabira village ..."): the
incident's code, date and place, so a model reading them would be handed the answer. `strip_publisher`
writes a copy of the file in which every trace of one publisher is gone from those columns (entries
removed, not blanked), and nothing else changed.

The copy is an input for `harmtrace ingest ucdp-ged`, not an export: its cells are copied as UCDP wrote
them, without the spreadsheet quoting of exports (`harmtrace.store.export.spreadsheet_safe`), which
would change what the import reads.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Final

from harmtrace.errors import InputError

PARALLEL: Final = ("source_headline", "source_date", "source_office")
_ENTRY: Final = re.compile(r'"((?:[^"]|"")*)"')


def strip_publisher(source: Path, target: Path, publisher: str, year: int | None = None) -> int:
    """Write `source` (a UCDP GED CSV) to `target` without `publisher`'s citations, keeping only the
    events of `year` when given; the number of events whose sources named the publisher."""
    stripped = 0
    with (
        source.open(newline="", encoding="utf-8") as fh,
        target.open("w", newline="", encoding="utf-8") as out,
    ):
        reader = csv.DictReader(fh)
        missing = {"source_article", "source_original", "date_start", *PARALLEL} - set(
            reader.fieldnames or ()
        )
        if missing:
            raise InputError(f"{source} is not a UCDP GED CSV: it lacks {', '.join(sorted(missing))}.")
        writer = csv.DictWriter(out, reader.fieldnames or [])
        writer.writeheader()
        for row in _rows(reader, year):
            changed = _strip(row, publisher.lower())
            stripped += changed
            writer.writerow(row)
    return stripped


def _rows(reader: csv.DictReader[str], year: int | None) -> Iterator[dict[str, str]]:
    for row in reader:
        if year is None or row["date_start"][:4] == str(year):
            yield row


def _strip(row: dict[str, str], publisher: str) -> bool:
    """Remove `publisher` (lower case) from the row's source columns in place; whether it was there."""
    entries = _ENTRY.findall(row["source_article"])
    cited = [i for i, e in enumerate(entries) if e.lower().startswith(publisher + ",")]
    named = publisher in row["source_original"].lower()
    if not cited and not named:
        return False
    headlines = {e.split(",", 2)[-1].strip() for i, e in enumerate(entries) if i in cited}
    for column in PARALLEL:
        parts = row[column].split(";")
        if len(parts) == len(entries):
            parts = [p for i, p in enumerate(parts) if i not in cited]
        parts = [p for p in parts if p.strip() not in headlines and p.strip().lower() != publisher]
        row[column] = ";".join(parts)
    row["source_article"] = ";".join(f'"{e}"' for i, e in enumerate(entries) if i not in cited)
    words = re.split(r"(,\s*|;\s*|\s+)", row["source_original"])
    row["source_original"] = "".join(w for w in words if w.lower() != publisher).strip(" ,;")
    return True
