"""A store another process holds, as two users meet it: real processes on one store file.

The holder opens the store through harmtrace's `open_store` and waits, run as `harmtrace COMMAND`
(`tests.cli.processes.hold`): the command line a user would see in `ps`, read from /proc.
"""

from __future__ import annotations

import os
import pwd
import re
import subprocess
import sys
from pathlib import Path

from harmtrace.store import open_store
from tests.cli.processes import hold, run, ucdp_rows

USER = pwd.getpwuid(os.getuid()).pw_name
SINCE = r"since (\d{4}-\d\d-\d\d )?\d\d:\d\d:\d\d, \d+ (s|min) ago"


def _store(tmp_path: Path) -> Path:
    db = tmp_path / "store.duckdb"
    open_store(db, create=True).close()
    return db


def _told(message: str, before: str, after: str) -> bool:
    """Is `message` `before`, then when the holder started and how long ago, then `after`?"""
    return re.fullmatch(re.escape(before) + SINCE + re.escape(after), message.strip()) is not None


def test_a_command_meeting_a_writing_command_names_it_and_says_what_to_do(tmp_path: Path) -> None:
    db = _store(tmp_path)
    holder = hold(tmp_path, "link victims", db)
    try:
        result = run("batches", db)
    finally:
        holder.communicate("")
    assert result.returncode == 1, result
    assert "Traceback" not in result.stderr and "python" not in result.stderr, result.stderr
    assert _told(
        result.stderr,
        f"Error: Store {db} is busy: `harmtrace link victims --db {db}` (PID {holder.pid}, user {USER}, ",
        ") writes to it, so this command cannot read it. Wait for it to finish, or stop it (Ctrl-C where "
        f"it runs, or kill {holder.pid}). Commands that read can run together, but not while one writes.",
    ), result.stderr


def test_commands_read_together_but_none_writes_while_one_reads(tmp_path: Path) -> None:
    db = _store(tmp_path)
    holder = hold(tmp_path, "stats casualties", db, read_only=True)
    try:
        reader = run("batches", db)
        writer = run("ingest ucdp-ged", db, ucdp_rows(tmp_path / "more.csv", 5))
    finally:
        holder.communicate("")
    assert reader.returncode == 0, reader.stderr
    assert writer.returncode == 1, writer
    assert _told(
        writer.stderr,
        f"Error: Store {db} is busy: `harmtrace stats casualties --db {db}` (PID {holder.pid}, user {USER}, ",
        ") reads it, so this command cannot write to it. Wait for it to finish, or stop it (Ctrl-C where "
        f"it runs, or kill {holder.pid}). Commands that read can run together, but none can write while "
        "one reads.",
    ), writer.stderr


def test_another_program_is_named_by_its_command_line(tmp_path: Path) -> None:
    db = _store(tmp_path)
    code = (
        "import duckdb, sys; con = duckdb.connect(sys.argv[1]); print('open', flush=True); sys.stdin.read()"
    )
    pipes = subprocess.PIPE
    holder = subprocess.Popen([sys.executable, "-c", code, str(db)], stdin=pipes, stdout=pipes, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "open\n"
        result = run("batches", db)
    finally:
        holder.communicate("")
    assert result.returncode == 1
    program = f"{Path(sys.executable).name} -c 'import duckdb, sys; con = duckdb.connect(sys.argv[1]);"
    assert f"is busy: another program, `{program}" in result.stderr, result.stderr
    assert f"{db}` (PID {holder.pid}, user {USER}, since " in result.stderr


def test_a_wrong_busy_wait_is_named_when_the_store_is_busy(tmp_path: Path) -> None:
    db = _store(tmp_path)
    holder = hold(tmp_path, "link victims", db)
    try:
        result = run("batches", db, busy_wait="soon")
    finally:
        holder.communicate("")
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "Error: $HARMTRACE_BUSY_WAIT is 'soon': give the seconds to wait for a busy store, e.g. 30 "
        "(0: do not wait)."
    )
