"""Long commands show their progress on a terminal, and nothing more when piped or with --json.

`harmtrace assess incidents` runs as a user runs it: a real process, its output on a pseudo-terminal
(the display goes to stderr only when stderr is a terminal), or into pipes.
"""

from __future__ import annotations

import json
import os
import pty
import re
import select
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import TEST_DATA
from tests.conftest import run_ok as ok

HARMTRACE = str(Path(sys.executable).with_name("harmtrace"))
ESCAPES = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")  # colours, cursor moves, line clears
SUMMARY = "Assessed 8 incidents: confirmed 0, fair 0, weak 7"


@pytest.fixture
def db(db_path: Path) -> Path:
    ok(db_path, "ingest", "ucdp-ged", str(TEST_DATA / "ucdp_ged_windows.csv"))
    return db_path


def in_terminal(*args: str) -> str:
    """Run `harmtrace ARGS` with stdin, stdout and stderr on a pseudo-terminal; what it showed, without
    the escape sequences (an exit code other than 0 fails)."""
    parent, child = pty.openpty()
    # a terminal as rich recognises one, wide enough for the stage and its count
    env = {k: v for k, v in os.environ.items() if k not in ("TTY_INTERACTIVE", "TTY_COMPATIBLE")}
    env |= {"TERM": "xterm", "COLUMNS": "120"}
    process = subprocess.Popen([HARMTRACE, *args], stdin=child, stdout=child, stderr=child, env=env)
    os.close(child)
    shown = b""
    while select.select([parent], [], [], 120)[0]:
        try:
            chunk = os.read(parent, 65536)
        except OSError:  # the terminal closed: the process has ended
            break
        if not chunk:
            break
        shown += chunk
    os.close(parent)
    assert process.wait(timeout=60) == 0, shown.decode(errors="replace")
    return ESCAPES.sub("", shown.decode())


def test_a_terminal_shows_each_stage_and_the_count(db: Path) -> None:
    shown = in_terminal("assess", "incidents", "--db", str(db))
    assert "assess incidents: copies between reports" in shown
    assert re.search(r"assess incidents: grading incidents\W+0 of 8", shown), shown
    assert SUMMARY in shown


def test_piped_output_is_the_summary_alone(db: Path) -> None:
    done = subprocess.run(
        [HARMTRACE, "assess", "incidents", "--db", str(db)], capture_output=True, text=True, check=True
    )
    assert done.stdout.startswith(SUMMARY) and done.stderr == ""


def test_json_on_a_terminal_shows_no_progress(db: Path) -> None:
    shown = in_terminal("assess", "incidents", "--db", str(db), "--json")
    assert "grading incidents" not in shown
    assert json.loads(shown)["incidents"] == 8


def test_an_import_on_a_terminal_shows_its_stages(db_path: Path) -> None:
    shown = in_terminal("ingest", "ucdp-ged", str(TEST_DATA / "ucdp_ged_windows.csv"), "--db", str(db_path))
    assert "ingest: keeping the raw rows" in shown and "ingest: matching records" in shown, shown
    piped = subprocess.run(
        [HARMTRACE, "ingest", "ucdp-ged", str(TEST_DATA / "ucdp_ged_windows.csv"), "--db", str(db_path)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert "already imported" in piped.stdout and piped.stderr == ""
