"""One place turns errors into messages (`harmtrace.cli.base.Commands`): every command, in every group,
prints a library error as `Error: ...` with the parameters it names as flags, and exits 1; a bug is
said as one, without its text or a traceback unless $HARMTRACE_DEBUG is set."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner, Result

from harmtrace.cli import main
from harmtrace.cli.base import flag
from harmtrace.errors import QueryError, param

SRC = Path(__file__).parents[2] / "src" / "harmtrace"


def leaves(group: click.Group, prefix: list[str]) -> Iterator[tuple[list[str], click.Command]]:
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            yield from leaves(command, [*prefix, name])
        else:
            yield [*prefix, name], command


COMMANDS = list(leaves(main, []))


def failing(monkeypatch: pytest.MonkeyPatch, command: click.Command, exc: BaseException) -> None:
    """`command` raising `exc` when run, whatever its arguments."""

    def invoke(ctx: click.Context) -> Any:
        raise exc

    monkeypatch.setattr(command, "parse_args", lambda ctx, args: [])
    monkeypatch.setattr(command, "invoke", invoke)


def run(args: list[str]) -> Result:
    return CliRunner().invoke(main, args, catch_exceptions=False)


def test_every_group_has_commands_to_walk() -> None:
    groups = {tuple(path[:-1]) for path, _ in COMMANDS}
    assert len(COMMANDS) > 40 and {("link",), ("review",), ("decisions",), ("stats",)} <= groups


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=[" ".join(p) for p, _ in COMMANDS])
def test_every_command_prints_a_library_error_with_the_flags_it_names(
    monkeypatch: pytest.MonkeyPatch, path: list[str], command: click.Command
) -> None:
    error = QueryError(f"{param('days')} N counts N days from {param('date_from')}: give it too.")
    failing(monkeypatch, command, error)
    result = run(path)
    assert result.exit_code == 1
    assert result.stderr == "Error: --days N counts N days from --from: give it too.\n"
    assert result.stdout == ""


def test_a_bug_is_said_as_one_without_its_text_or_a_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    path, command = COMMANDS[0]
    failing(monkeypatch, command, KeyError("Ahmad Khalil"))
    monkeypatch.delenv("HARMTRACE_DEBUG", raising=False)
    result = run(path)
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: internal error (KeyError), a bug in harmtrace: please report it;")
    assert "HARMTRACE_DEBUG=1" in result.stderr
    assert "Ahmad" not in result.output and "Traceback" not in result.output


def test_harmtrace_debug_shows_the_traceback_of_a_bug(monkeypatch: pytest.MonkeyPatch) -> None:
    path, command = COMMANDS[-1]
    failing(monkeypatch, command, ZeroDivisionError("division by zero"))
    monkeypatch.setenv("HARMTRACE_DEBUG", "1")
    result = run(path)
    assert result.exit_code == 1
    assert "Traceback" in result.stderr and "ZeroDivisionError: division by zero" in result.stderr
    assert result.stderr.endswith("Error: internal error (ZeroDivisionError), a bug in harmtrace: please "
                                  "report it; the details are above.\n")  # fmt: skip


def test_a_file_the_system_refuses_is_named_without_a_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    path, command = COMMANDS[0]
    failing(monkeypatch, command, PermissionError(13, "Permission denied", "/data/out.csv"))
    result = run(path)
    assert (result.exit_code, result.stderr) == (1, "Error: Permission denied: /data/out.csv\n")
    failing(monkeypatch, command, OSError("a bug raising a bare OSError"))
    assert run(path).stderr.startswith("Error: internal error (OSError), a bug in harmtrace")


def test_a_store_file_duckdb_cannot_write_is_said_without_a_traceback(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import duckdb

    path, command = ["batches"], main.commands["batches"]
    failing(
        monkeypatch, command, duckdb.IOException("IO Error: Could not write file: No space left on device")
    )
    result = run(path)
    assert result.exit_code == 1
    said = "Error: the store's files could not be read or written: IO Error: Could not write file"
    assert result.stderr == said + ": No space left on device\n"


def test_clicks_own_errors_are_left_to_click() -> None:
    result = run(["stats", "casualties", "--days", "many"])
    assert result.exit_code == 2 and "Invalid value for '--days'" in result.stderr


def test_every_parameter_a_library_message_names_is_a_flag_of_the_cli() -> None:
    named = set()
    for module in SRC.rglob("*.py"):
        named |= set(re.findall(r"""\bparam\(["'](\w+)["']\)""", module.read_text(encoding="utf-8")))
    named |= {"category", "harm", "by", "status", "sex", "method", "criterion"}  # named through a variable
    flags = {opt for _, command in COMMANDS for p in command.params for opt in p.opts}
    assert len(named) > 30
    assert {name: flag(name) for name in named if flag(name).split("/")[0] not in flags} == {}
