"""The formats harmtrace imports, by name: the fixed ones and the two read through a mapping."""

from __future__ import annotations

from pathlib import Path

from harmtrace.errors import InputError, param
from harmtrace.ingest.acled import FORMAT as ACLED
from harmtrace.ingest.acled_deletions import FORMAT as ACLED_DELETIONS
from harmtrace.ingest.formats import Format
from harmtrace.ingest.mapped import mapped_format
from harmtrace.ingest.syrian_archive import FORMAT as SYRIAN_ARCHIVE
from harmtrace.ingest.ucdp_ged import FORMAT as UCDP_GED

FIXED_FORMATS: dict[str, Format] = {f.name: f for f in (UCDP_GED, ACLED, ACLED_DELETIONS, SYRIAN_ARCHIVE)}
MAPPED_FORMATS = ("incidents", "victims")
# formats whose publisher codes each event once (`Format.deduplicated`)
DEDUPLICATED_FORMATS: tuple[str, ...] = tuple(n for n, f in FIXED_FORMATS.items() if f.deduplicated)


def get_format(name: str, mapping: Path | None = None) -> Format:
    """The format called `name`; `incidents` and `victims` need a mapping file."""
    if name in FIXED_FORMATS:
        if mapping is not None:
            raise InputError(f"Format {name} has fixed columns and takes no {param('mapping')}.")
        return FIXED_FORMATS[name]
    if name in MAPPED_FORMATS:
        if mapping is None:
            raise InputError(
                f"Format {name} reads any CSV or XLSX through a YAML mapping of its columns: add "
                f"{param('mapping')} MAPPING.yaml (see docs/mapping.md; examples in examples/mappings/)."
            )
        return mapped_format(name, mapping)
    known = ", ".join([*FIXED_FORMATS, *MAPPED_FORMATS])
    raise InputError(f"Unknown format {name!r}. Known formats: {known}.")
