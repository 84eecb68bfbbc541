"""The command group and the options every command shares."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import click

from harmtrace import __version__
from harmtrace.display import to_json
from harmtrace.errors import HarmtraceError
from harmtrace.store import Store, open_store

F = TypeVar("F", bound=Callable[..., Any])


def stacked(*decorators: Callable[[Any], Any]) -> Callable[[F], F]:
    """One decorator applying `decorators` as if written above a command in this order: the options
    that several commands share (victims and incidents alike) are declared once."""

    def apply(command: F) -> F:
        for decorator in reversed(decorators):
            command = decorator(command)
        return command

    return apply


def db_option(func: F) -> F:
    return click.option(
        "--db",
        "db",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help="Store file (default: $HARMTRACE_DB, else ./harmtrace.duckdb).",
    )(func)


class Day(click.ParamType[date, Any]):
    """A calendar day written YYYY-MM-DD, given to the command as a `date`."""

    name = "YYYY-MM-DD"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> date:
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(str(value))
        except ValueError:
            self.fail(f"{value!r} is not a day written YYYY-MM-DD (e.g. 2015-09-30).", param, ctx)


def window_options(func: F) -> F:
    """--from, --to and --days: the window of every figure (see harmtrace.analyse.window)."""
    options = [
        click.option("--from", "date_from", type=Day(), help="First day of the window, inclusive."),
        click.option("--to", "date_to", type=Day(), help="Last day of the window, inclusive."),
        click.option(
            "--days", type=int, help="The first N days counted from --from inclusive (instead of --to)."
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def json_option(func: F) -> F:
    return click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")(func)


def handles_errors(func: F) -> F:
    """Print a HarmtraceError's message (what, where, what to do) and exit 1, without a traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except HarmtraceError as exc:
            click.echo(f"Error: {exc}", err=True)
            sys.exit(1)

    return wrapper  # type: ignore[return-value]


def emit(data: Any, as_json: bool, text: Callable[[], str]) -> None:
    click.echo(to_json(data) if as_json else text())


def store_for(db: Path | None, read_only: bool = False, create: bool = False) -> Store:
    """The store of `--db` (or $HARMTRACE_DB, or ./harmtrace.duckdb). Only commands that import data
    pass `create`: any other command given a path with no store fails, saying so."""
    return open_store(db, read_only=read_only, create=create)


@click.group(
    epilog="Example:\n\n\b\n  harmtrace ingest ucdp-ged ged_syria.csv\n"
    "  harmtrace stats casualties --from 2016-01-01 --days 305"
)
@click.version_option(__version__, prog_name="harmtrace")
def main() -> None:
    """harmtrace: document and analyse civilian harm in armed conflict.

    Every command works on one store file (--db, $HARMTRACE_DB, or ./harmtrace.duckdb).
    """


def describe_import(r: dict[str, Any], what: str, raw: bool = False) -> str:
    """The text of a file import's result: batch, what it holds, read = accepted + quarantined, reasons."""
    if r["already_imported"]:
        return f"{r['file']} was already imported with these options as batch {r['batch_id']}: nothing added."
    lines = [
        f"Batch {r['batch_id']}: {r['file']} ({what})",
        f"read {r['rows_read']:,} = accepted {r['rows_accepted']:,} + quarantined {r['rows_quarantined']:,}",
    ]
    lines += [f"  row {row}: {'; '.join(reasons)}" for row, reasons in r["quarantined"].items()]
    if r["rows_quarantined"]:
        lines.append(
            f"See them all with: harmtrace quarantine --batch {r['batch_id']}{' --raw' if raw else ''}"
        )
    return "\n".join(lines)
