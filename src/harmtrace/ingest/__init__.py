"""Importers for the formats monitors exchange; each row is accepted or quarantined, never dropped."""

from typing import TYPE_CHECKING

from harmtrace.lazy import exports

if TYPE_CHECKING:
    from harmtrace.ingest.batch import ImportResult, import_file
    from harmtrace.ingest.checks import PlausibleArea
    from harmtrace.ingest.formats import Format
    from harmtrace.ingest.registry import DEDUPLICATED_FORMATS, FIXED_FORMATS, MAPPED_FORMATS, get_format

__all__ = [
    "DEDUPLICATED_FORMATS",
    "FIXED_FORMATS",
    "MAPPED_FORMATS",
    "Format",
    "ImportResult",
    "PlausibleArea",
    "get_format",
    "import_file",
]
if not TYPE_CHECKING:  # mypy reads the names above; numpy, pyarrow and the formats load on first use
    __getattr__ = exports(
        __name__,
        {
            "harmtrace.ingest.batch": ("ImportResult", "import_file"),
            "harmtrace.ingest.checks": ("PlausibleArea",),
            "harmtrace.ingest.formats": ("Format",),
            "harmtrace.ingest.registry": (
                "DEDUPLICATED_FORMATS",
                "FIXED_FORMATS",
                "MAPPED_FORMATS",
                "get_format",
            ),
        },
    )
