"""The `harmtrace` command: thin commands over the library (parse options, open the store, call, print).

One module per command group; importing them registers their commands on `main`.
"""

from harmtrace.cli import control as _control  # noqa: F401
from harmtrace.cli import demo as _demo  # noqa: F401
from harmtrace.cli import estimate as _estimate  # noqa: F401
from harmtrace.cli import geostats as _geostats  # noqa: F401
from harmtrace.cli import history as _history  # noqa: F401
from harmtrace.cli import incidents as _incidents  # noqa: F401
from harmtrace.cli import ingest as _ingest  # noqa: F401
from harmtrace.cli import link as _link  # noqa: F401
from harmtrace.cli import locate as _locate  # noqa: F401
from harmtrace.cli import persons as _persons  # noqa: F401
from harmtrace.cli import places as _places  # noqa: F401
from harmtrace.cli import policy as _policy  # noqa: F401
from harmtrace.cli import reports as _reports  # noqa: F401
from harmtrace.cli import review as _review  # noqa: F401
from harmtrace.cli import serve as _serve  # noqa: F401
from harmtrace.cli import simulate as _simulate  # noqa: F401
from harmtrace.cli import sites as _sites  # noqa: F401
from harmtrace.cli import stats as _stats  # noqa: F401
from harmtrace.cli import ties as _ties  # noqa: F401
from harmtrace.cli.base import main

__all__ = ["main"]
