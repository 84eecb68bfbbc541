"""The command group and the options every command shares."""

from __future__ import annotations

import errno
import functools
import os
import sys
import traceback
from collections.abc import Callable, Mapping
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, NoReturn, TypeVar, cast

import click

from harmtrace import __version__
from harmtrace.display import separator_hint, to_json
from harmtrace.errors import HarmtraceError, InputError
from harmtrace.publish.policy import CLASSES, ROLE_WORDS, Audience, Role, field_class
from harmtrace.store import Store, open_store

if TYPE_CHECKING:  # the CLI's startup does not load the ingest package for a type
    from harmtrace.ingest.intake import ImportResult

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


class Id(click.ParamType[int, Any]):
    """A record, batch or run id: digits only. One written with thousands separators ("16,840") is
    refused, saying how to write it: a comma could also be a list of two ids."""

    name = "ID"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        if isinstance(value, int):
            return value
        text = str(value).strip()
        if text.isdigit():
            return int(text)
        hint = separator_hint(text) or "Ids are whole numbers, e.g. 16840."
        self.fail(f"{value!r} is not an id. {hint}", param, ctx)


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


def audience_options(func: F) -> F:
    """--role, --grid-m and --min-cell: whom an export is for (`harmtrace.publish.policy.Audience`),
    given to the command as `audience`. The switches --role replaced are refused, saying so."""

    @functools.wraps(func)
    def command(
        *args: Any, role: str, grid_m: float, min_cell: int, free_text: bool | None, with_names: bool | None,
        **kwargs: Any,
    ) -> Any:  # fmt: skip
        _refuse_replaced(free_text, with_names)
        return func(*args, audience=Audience(Role.parse(role), grid_m, min_cell), **kwargs)

    return stacked(
        click.option(
            "--role",
            type=click.Choice(ROLE_WORDS, case_sensitive=False),
            default=Role.PUBLIC.word,
            show_default=True,
            help="Who the file is for: what it shows follows the publication policy (docs/server.md).",
        ),
        click.option(
            "--grid-m",
            type=float,
            default=Audience.grid_m,
            show_default=True,
            help=f"Below --role {CLASSES['location'].exact_from.word}, points are moved to the centre of a "
            "grid cell this wide (metres).",
        ),
        click.option(
            "--min-cell",
            type=int,
            default=Audience.min_cell,
            show_default=True,
            help=f"Below --role {CLASSES['small_count'].exact_from.word}, counts of fewer persons than this "
            "are shown as '< N'.",
        ),
        click.option("--free-text/--no-free-text", default=None, hidden=True),
        click.option("--with-names/--no-names", default=None, hidden=True),
    )(cast(F, command))


def _refuse_replaced(free_text: bool | None, with_names: bool | None) -> None:
    """The switches of exports before the publication policy, refused with the --role that does it."""
    if with_names is not None:
        flag = "--with-names" if with_names else "--no-names"
        raise InputError(
            f"{flag} is replaced by --role: names are shown from --role "
            f"{CLASSES['personal'].exact_from.word} on (see docs/server.md)."
        )
    if free_text is not None:
        flag = "--free-text" if free_text else "--no-free-text"
        raise InputError(
            f"{flag} is replaced by --role: free text is shown from --role "
            f"{CLASSES['free_text'].exact_from.word} on (see docs/server.md)."
        )


# what the policy's classes hold, as an export's summary names what it left out
CLASS_WORDS: Final = {
    "personal": "names",
    "free_text": "free text",
    "internal": "internal fields",
    "raw": "raw rows",
    "witness": "witnesses",
    "account": "accounts",
}


def audience_note(entity: str, data: Mapping[str, Any]) -> str:
    """What an export's policy did, as its command says it, e.g. "Public export: free text left out;
    points coarsened to a 5 km grid." (`harmtrace.publish.export_policy.summary` gives `data`)."""
    kinds = dict.fromkeys(CLASS_WORDS.get(field_class(entity, c), c) for c in data["withheld"])
    parts = [f"{', '.join(kinds)} left out ({', '.join(data['withheld'])})" if kinds else "nothing left out"]
    if data["coarsened"]:
        what = "outlines" if "geometry" in data["coarsened"] else "points"
        parts.append(f"{what} coarsened to a {data['grid_m'] / 1000:g} km grid")
    note = f"{data['role'].capitalize()} export: {'; '.join(parts)}."
    if data["audited"]:
        note += (
            f"\nIt holds {', '.join(data['audited'])} (personal data or free text that may name people): "
            "keep it private. This export was written to the store's audit log."
        )
    return note


NAMES_LEFT_OUT: Final = "Names left out (--with-names adds them)."


def with_names_option(help_text: str, default: bool | None = False) -> Callable[[F], F]:
    """--with-names/--no-names: whether output shows victims' names
    (`harmtrace.publish.persons_export.shown_columns`); `default` None leaves the choice to the command."""
    return click.option(
        "--with-names/--no-names", default=default, show_default=default is not None, help=help_text
    )


def json_option(func: F) -> F:
    return click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")(func)


def emit(data: Any, as_json: bool, text: Callable[[], str]) -> None:
    click.echo(to_json(data) if as_json else text())


def store_for(db: Path | None, read_only: bool = False, create: bool = False) -> Store:
    """The store of `--db` (or $HARMTRACE_DB, or ./harmtrace.duckdb). Only commands that import data
    pass `create`: any other command given a path with no store fails, saying so."""
    return open_store(chosen_db(db), read_only=read_only, create=create)


def chosen_db(db: Path | None) -> Path | None:
    """The command's own --db, else the one given before the command (``harmtrace --db X stats ...``).

    Both given and naming different files is refused: the command would work on one of two stores
    the user named, and the wrong one is easily changed by mistake."""
    ctx = click.get_current_context(silent=True)
    before = ctx.find_root().params.get("db") if ctx is not None else None
    if db is not None and before is not None and db.resolve() != before.resolve():
        raise click.UsageError(
            f"--db names two stores: {before} before the command, {db} after it. Give one."
        )
    return db if db is not None else before


# the flag of each parameter a library message names (`harmtrace.errors.param`) whose flag is not
# --name-with-dashes
FLAGS: Final = {
    "date_from": "--from",
    "date_to": "--to",
    "grades": "--grade",
    "fmt": "--format",
    "data_dir": "--data",
    "path": "--db",  # the store's path (`open_store`): no other message names a `path`
    "proxy": "--proxy/--no-proxy",
}
DEBUG_ENV: Final = "HARMTRACE_DEBUG"


def flag(name: str) -> str:
    """The command-line flag of the library parameter `name`.

    >>> flag("date_from"), flag("tolerance_km")
    ('--from', '--tolerance-km')
    """
    return FLAGS.get(name, "--" + name.replace("_", "-"))


def message(exc: HarmtraceError) -> str:
    """A library error as the command line says it: the parameters it names written as flags."""
    return exc.worded(flag)


class Commands(click.Group):
    """The `harmtrace` group, the one place where errors become messages, for every command and group
    under it: a HarmtraceError's message (what, where, what to do) is printed and the command exits 1;
    anything else is a bug, said as such, its traceback printed only when $HARMTRACE_DEBUG is set."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except HarmtraceError as exc:
            click.echo(f"Error: {message(exc)}", err=True)
            sys.exit(1)
        except (click.ClickException, click.exceptions.Exit, click.Abort, EOFError):
            raise  # click's own: usage errors, --help, Ctrl-C
        except OSError as exc:
            if exc.errno == errno.EPIPE:
                raise  # output piped into a program that stopped reading: click leaves quietly
            if not exc.strerror:
                _internal(exc)
            # the system refused a file (permissions, a full disk): the user can act on it
            where = f": {exc.filename}" if exc.filename else ""
            click.echo(f"Error: {exc.strerror}{where}", err=True)
            sys.exit(1)
        except Exception as exc:  # a bug: said plainly, never as a traceback
            if _is_duckdb_io(exc):
                _store_io(exc)
            _internal(exc)


def _is_duckdb_io(exc: Exception) -> bool:
    duckdb = sys.modules.get("duckdb")  # loaded by whatever raised it; the CLI does not load it itself
    return duckdb is not None and isinstance(exc, duckdb.IOException)


def _store_io(exc: Exception) -> NoReturn:
    """DuckDB could not read or write a file (a full disk, a file removed or unreadable): the user can
    act on it. Its first line is shown with quoted text left out, as for a refused statement."""
    from harmtrace.store.failures import reason

    click.echo(f"Error: the store's files could not be read or written: {reason(exc)}", err=True)
    sys.exit(1)


def _internal(exc: Exception) -> NoReturn:
    """Say that harmtrace failed, without the exception's text (it may hold names from the store)."""
    if os.environ.get(DEBUG_ENV):
        traceback.print_exception(exc, file=sys.stderr)
        details = "the details are above"
    else:
        details = f"run again with {DEBUG_ENV}=1 for the details (they may show data: check before sharing)"
    click.echo(
        f"Error: internal error ({type(exc).__name__}), a bug in harmtrace: please report it; {details}.",
        err=True,
    )
    sys.exit(1)


@click.group(
    cls=Commands,
    epilog="Example:\n\n\b\n  harmtrace ingest ucdp-ged ged_syria.csv\n"
    "  harmtrace stats casualties --from 2016-01-01 --days 305",
)
@click.version_option(__version__, prog_name="harmtrace")
@db_option
def main(db: Path | None) -> None:
    """harmtrace: document and analyse civilian harm in armed conflict.

    Every command works on one store file (--db, $HARMTRACE_DB, or ./harmtrace.duckdb). --db goes
    before the command (harmtrace --db X stats casualties) or after it (harmtrace stats casualties
    --db X); given in both places it must name the same file.
    """


def describe_import(r: ImportResult) -> str:
    """What any import did, as a user reads it: the batch, what the file held, read = accepted +
    quarantined with the format's own counts, reasons with their first rows, and where to look next."""
    if r.already_imported:
        return (
            f"{r.file_name} was already imported as batch {r.batch_id} ({r.format}): nothing added.\n"
            + _accounting(r)
        )
    lines = [f"Batch {r.batch_id}: {r.file_name} ({r.what or r.format}, source {r.source})", _accounting(r)]
    lines += _reading(r)
    for code, (n, rows) in r.reasons.items():
        first = r.first_reasons.get(code, "").partition(":")[2].strip()
        lines.append(
            f"  quarantined {n:,} x {code} (rows {_rows(rows, n)})" + (f": {first}" if first else "")
        )
    for code, (n, rows) in r.field_issues.items():
        lines.append(f"  accepted with a field set aside: {n:,} x {code} (rows {_rows(rows, n)})")
    for code, (n, rows) in r.flags.items():
        lines.append(f"  accepted with flag {n:,} x {code} (rows {_rows(rows, n)})")
    lines += [
        f"{_words(name).capitalize()}: {_counts(counts)}" for name, counts in r.breakdowns.items() if counts
    ]
    lines += _record_notes(r)
    if r.rows_quarantined or r.rows_with_field_issues:
        lines.append(f"See them with: harmtrace quarantine --batch {r.batch_id}")
    return "\n".join(lines)


def _reading(r: ImportResult) -> list[str]:
    """How the file was read, when it was not plain UTF-8 text: its encoding, its packing."""
    from harmtrace.ingest.rawfile import ENCODINGS

    notes = []
    if r.encoding not in ("", "utf-8", "utf-8-sig", "binary"):
        notes.append(
            f"  read in the encoding {r.encoding} ({ENCODINGS.get(r.encoding, r.encoding)}), not UTF-8"
        )
    if r.compressed:
        notes.append(f"  unpacked: {r.compressed}")
    return notes


def _accounting(r: ImportResult) -> str:
    """read = accepted (new, unchanged, changed) + quarantined; withdrawn; the format's counts. Batches
    from before versions existed, and files whose rows are not records, have no record counts."""
    accepted = f"accepted {r.rows_accepted:,}"
    if r.rows_new is not None and r.rows_unchanged is not None and r.rows_changed is not None:
        accepted += f" (new {r.rows_new:,}, unchanged {r.rows_unchanged:,}, changed {r.rows_changed:,})"
    line = f"read {r.rows_read:,} = {accepted} + quarantined {r.rows_quarantined:,}"
    line += f"; withdrawn {r.rows_withdrawn:,}" if r.rows_withdrawn is not None else ""
    details = ", ".join(f"{n:,} {_words(name)}" for name, n in r.details.items())
    return line + (f"; {details}" if details else "")


def _words(name: str) -> str:
    return name.replace("_", " ")


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{k} {n:,}" for k, n in counts.items())


def _record_notes(r: ImportResult) -> list[str]:
    """What the versions of this import ask of the user: placing again, withdrawing, looking back."""
    history = "persons" if r.kind == "victim" else "reports"
    notes = []
    if r.places_changed:
        notes.append(
            f"  {r.places_changed:,} changed reports have another place: their governorates and gazetteer "
            "places were cleared. Place them again with: harmtrace locate places; harmtrace locate admin"
        )
    if r.records_absent and not r.withdraw_missing:
        notes.append(
            f"  {r.records_absent:,} current records of source {r.source} are not in this file: none "
            "withdrawn. If the file is the source's complete list, import it again with --withdraw-missing."
        )
    if r.ids_not_found:
        notes.append(
            f"  {r.ids_not_found:,} rows name no current record of source {r.source}, nothing to withdraw: "
            + _rows(r.ids_not_found_first, r.ids_not_found)
        )
    if r.rows_changed or r.rows_withdrawn:
        notes.append(f"Earlier versions are kept: harmtrace {history} history --source {_quoted(r.source)} "
                     "--record-id ID")  # fmt: skip
    return notes


def _quoted(text: str) -> str:
    return f'"{text}"' if " " in text else text


def _rows(rows: list[int] | list[str], n: int) -> str:
    text = ", ".join(str(x) for x in rows)
    return text + (", ..." if n > len(rows) else "")
