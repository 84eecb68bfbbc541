"""Packages that name their public API up front but import it on first use (PEP 562).

`import harmtrace.locate` then costs nothing; `harmtrace.locate.locate_admin` imports
harmtrace.locate.admin (and shapely) the first time it is read. The `harmtrace` command starts in a
fraction of a second because no package drags in its heavy modules before a command needs them.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from typing import Any


def exports(package: str, modules: Mapping[str, tuple[str, ...]]) -> Callable[[str], Any]:
    """A module `__getattr__` for `package`: `modules` maps each module to the public names it defines.

    Each name is imported from its module when first read, then kept on the package. A name written
    ``public=attr`` is the module's `attr` under the package's name `public`.
    """
    where = {_public(n): (module, _attr(n)) for module, names in modules.items() for n in names}

    def __getattr__(name: str) -> Any:
        if name not in where:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        module, attr = where[name]
        value = getattr(importlib.import_module(module), attr)
        setattr(sys.modules[package], name, value)
        return value

    return __getattr__


def _public(name: str) -> str:
    return name.partition("=")[0]


def _attr(name: str) -> str:
    public, _, attr = name.partition("=")
    return attr or public
