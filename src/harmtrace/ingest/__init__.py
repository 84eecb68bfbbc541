"""Importers for the formats monitors exchange; each row is accepted or quarantined, never dropped."""

from __future__ import annotations

from pathlib import Path

from harmtrace.errors import InputError
from harmtrace.ingest.batch import ImportResult, import_file
from harmtrace.ingest.checks import PlausibleArea
from harmtrace.ingest.formats import Format
from harmtrace.ingest.ucdp_ged import FORMAT as UCDP_GED

FIXED_FORMATS: dict[str, Format] = {f.name: f for f in (UCDP_GED,)}
MAPPED_FORMATS = ("incidents", "victims")


def get_format(name: str, mapping: Path | None = None) -> Format:
    """The format called `name`; `incidents` and `victims` need a mapping file."""
    if name in FIXED_FORMATS:
        if mapping is not None:
            raise InputError(f"Format {name} has fixed columns and takes no --mapping.")
        return FIXED_FORMATS[name]
    known = ", ".join([*FIXED_FORMATS, *MAPPED_FORMATS])
    raise InputError(f"Unknown format {name!r}. Known formats: {known}.")


__all__ = ["Format", "ImportResult", "PlausibleArea", "get_format", "import_file"]
