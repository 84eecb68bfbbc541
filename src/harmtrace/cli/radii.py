"""`--radii FILE`: the option every command that turns precision into distance takes.

The file is YAML, one ``word: metres`` per line (``null`` = unbounded); words left out keep the
defaults of `harmtrace.locate.precision`. The command receives the full table as ``radii``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from harmtrace.errors import InputError

F = TypeVar("F", bound=Callable[..., Any])


def _load(ctx: click.Context, param: click.Parameter, value: Path | None) -> dict[str, float | None]:
    from harmtrace.locate.precision import load_radii, radii

    try:
        return load_radii(value) if value is not None else radii()
    except InputError as exc:
        raise click.BadParameter(str(exc), ctx, param) from exc


def radii_option(func: F) -> F:
    """Add ``--radii FILE`` (YAML word: metres) and pass the radius table as ``radii``."""
    return click.option(
        "--radii",
        "radii",
        type=click.Path(dir_okay=False, path_type=Path),
        callback=_load,
        help="YAML file of precision word: radius in metres (null = unbounded); "
        "defaults in docs/geography.md.",
    )(func)
