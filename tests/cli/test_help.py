"""Every command can be found and learnt from its help: an example, --db, --json where it prints a table."""

from __future__ import annotations

from collections.abc import Iterator

import click
import pytest
from click.testing import CliRunner

from harmtrace.cli import main
from tests.conftest import ROOT

NO_STORE = {"harmtrace simulate victims", "harmtrace policy"}  # commands that need no store


def _commands(group: click.Group, prefix: str = "harmtrace") -> Iterator[tuple[str, click.Command]]:
    for name, command in sorted(group.commands.items()):
        path = f"{prefix} {name}"
        if isinstance(command, click.Group):
            yield from _commands(command, path)
        else:
            yield path, command


COMMANDS = list(_commands(main))


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=[p for p, _ in COMMANDS])
def test_help_ends_with_an_example(path: str, command: click.Command) -> None:
    args = [*path.split()[1:], "--help"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "Example" in result.output.split("Options:")[-1], f"{path} --help has no example at its end"
    example_lines = [ln.strip() for ln in result.output.splitlines() if ln.strip().startswith("harmtrace ")]
    assert example_lines, f"{path} --help shows no runnable harmtrace command"


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=[p for p, _ in COMMANDS])
def test_every_command_takes_a_store_path(path: str, command: click.Command) -> None:
    options = {o for p in command.params for o in getattr(p, "opts", [])}
    if path not in NO_STORE:
        assert "--db" in options, f"{path} has no --db option"


def test_readme_mentions_every_command() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [path for path, _ in COMMANDS if path not in readme]
    assert not missing, f"README.md does not document: {missing}"
