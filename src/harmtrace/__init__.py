"""harmtrace: documenting and analysing civilian harm in armed conflict.

The library behind the `harmtrace` command: a DuckDB store that loses nothing, importers for the
formats monitors exchange, and figures that carry their uncertainty.
"""

from harmtrace.errors import HarmtraceError, InputError, MappingError, StoreError

__version__ = "0.1.0"

__all__ = ["HarmtraceError", "InputError", "MappingError", "StoreError", "__version__"]
