"""A store another process holds: waiting a little for it, then saying who holds it and what to do.

DuckDB lets one process open a file to write, or several processes open it to read, never both at
once. A command that finds the file locked retries for up to $HARMTRACE_BUSY_WAIT seconds (default
BUSY_WAIT_S), so the short writes of two analysts take turns; after that it fails with a StoreError
naming the holder as its user would recognise it: the harmtrace command line read from
/proc/PID/cmdline (not the Python interpreter DuckDB names), its user, and since when it runs.
When the holder is the team server (`harmtrace serve`), which holds the store as long as it runs, the
message gives the server's API address instead, to read and decide through, or says to stop it.
"""

from __future__ import annotations

import os
import re
import shlex
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Final

import duckdb

from harmtrace.errors import StoreError

ENV_BUSY_WAIT: Final = "HARMTRACE_BUSY_WAIT"
BUSY_WAIT_S: Final = 5.0
LOCK_ERROR: Final = "Could not set lock on file"
# DuckDB says so when the holder has the file open to read: a reader could still open it
HOLDER_READS: Final = "you would be able to open this database in read-only mode"
SHOWN_CHARS: Final = 200  # a longer command line (python -c CODE) is cut
# where `harmtrace serve` listens unless told (`harmtrace.server.config`; a test keeps them equal)
SERVE_HOST: Final = "127.0.0.1"
SERVE_PORT: Final = 8740


def connect(db: Path, read_only: bool) -> duckdb.DuckDBPyConnection:
    """Open `db` with DuckDB, retrying while another process holds its lock (module docstring).

    Raises StoreError naming the holder when the wait runs out; other DuckDB errors pass through.
    """
    deadline: float | None = None  # set when the store is first found busy
    pause_s = 0.05
    while True:
        try:
            return duckdb.connect(str(db), read_only=read_only)
        except duckdb.IOException as exc:
            if LOCK_ERROR not in str(exc):
                raise
            deadline = time.monotonic() + busy_wait_s() if deadline is None else deadline
            left_s = deadline - time.monotonic()
            if left_s <= 0:
                raise StoreError(busy_message(db, str(exc), read_only, busy_wait_s())) from exc
            time.sleep(min(pause_s, left_s))
            pause_s = min(pause_s * 2, 0.5)


def busy_wait_s() -> float:
    """Seconds to wait for a busy store: $HARMTRACE_BUSY_WAIT, else BUSY_WAIT_S."""
    text = os.environ.get(ENV_BUSY_WAIT, "").strip()
    if not text:
        return BUSY_WAIT_S
    try:
        seconds = float(text)
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds < float("inf"):
        raise StoreError(
            f"${ENV_BUSY_WAIT} is {text!r}: give the seconds to wait for a busy store, e.g. 30 "
            "(0: do not wait)."
        )
    return seconds


def busy_message(db: Path, duckdb_message: str, read_only: bool, waited_s: float) -> str:
    """What to tell a user whose command found `db` locked by another process."""
    found = re.search(r"\(PID (\d+)\)", duckdb_message)
    holder = describe_holder(int(found.group(1))) if found else "another program"
    stop = f"Ctrl-C where it runs, or kill {found.group(1)}" if found else "Ctrl-C where it runs"
    reads = HOLDER_READS in duckdb_message
    rule = "none can write while one reads" if reads else "not while one writes"
    waited = f" (waited {waited_s:g} s; ${ENV_BUSY_WAIT} sets how long)" if waited_s else ""
    doing = "read" if read_only else "write to"
    api = server_api(int(found.group(1))) if found else None
    if api is not None:
        return (
            f"Store {db} is busy: {holder} is the team server holding it, so this command cannot {doing} "
            f"it{waited}. Read and decide through its API ({api}, as given on its command line), or stop "
            f"it to run this command ({stop})."
        )
    return (
        f"Store {db} is busy: {holder} {'reads' if reads else 'writes to'} it, so this command cannot "
        f"{doing} it{waited}. Wait for it to finish, or stop it ({stop}). "
        f"Commands that read can run together, but {rule}."
    )


def server_api(pid: int) -> str | None:
    """The API's address when process `pid` is `harmtrace serve`, read from its command line; else None."""
    found = Holder.read(pid)
    if found is None or not found.harmtrace:
        return None
    return serve_address(found.command)


def serve_address(command: str) -> str | None:
    """http://HOST:PORT/api/v1 of a `harmtrace serve` command line (its defaults where not given);
    None for any other command.

    >>> serve_address("harmtrace serve --db x.duckdb --port 8761")
    'http://127.0.0.1:8761/api/v1'
    >>> serve_address("harmtrace serve --host=0.0.0.0"), serve_address("harmtrace batches")
    ('http://0.0.0.0:8740/api/v1', None)
    """
    try:
        words = shlex.split(command)
    except ValueError:  # cut short inside quotes
        words = command.split()
    if words[1:2] != ["serve"]:
        return None
    given = {"--host": SERVE_HOST, "--port": str(SERVE_PORT)}
    for i, word in enumerate(words):
        name, equals, value = word.partition("=")
        if name in given:
            given[name] = value if equals else (words[i + 1] if i + 1 < len(words) else given[name])
    host = f"[{given['--host']}]" if ":" in given["--host"] else given["--host"]
    return f"http://{host}:{given['--port']}/api/v1"


def describe_holder(pid: int) -> str:
    """`harmtrace link victims --db x.duckdb` (PID 12, user rania, since 14:02:10, 3 min ago), or, when
    /proc cannot tell (a process gone, hidden, or not on Linux), "another program (PID 12)".

    >>> describe_holder(0)
    'another program (PID 0)'
    """
    found = Holder.read(pid)
    if found is None:
        return f"another program (PID {pid})"
    what = f"`{found.command}`" if found.harmtrace else f"another program, `{found.command}`"
    about = [f"PID {pid}"] + ([f"user {found.user}"] if found.user else [])
    if found.started is not None:
        about.append(_since(found.started, datetime.now()))
    return f"{what} ({', '.join(about)})"


@dataclass(frozen=True)
class Holder:
    """A process as /proc shows it: its command line as typed, its user, and when it started."""

    command: str
    harmtrace: bool
    user: str | None
    started: datetime | None

    @classmethod
    def read(cls, pid: int) -> Holder | None:
        """What /proc says of `pid`; None when it cannot be read (gone, hidden, not Linux)."""
        proc = Path("/proc") / str(pid)
        try:
            argv = [a.decode(errors="replace") for a in (proc / "cmdline").read_bytes().split(b"\0") if a]
        except OSError:
            return None
        if not argv:
            return None
        command, harmtrace = command_line(argv)
        return cls(command, harmtrace, _user(proc), _started(proc))


def command_line(argv: list[str]) -> tuple[str, bool]:
    """The command line as its user typed it, and whether it is a harmtrace command.

    >>> command_line(["/venv/bin/python", "/venv/bin/harmtrace", "link", "victims", "--db", "x.duckdb"])
    ('harmtrace link victims --db x.duckdb', True)
    >>> command_line(["harmtrace", "decide", "victims", "same", "1", "2", "--reason", "same town"])
    ("harmtrace decide victims same 1 2 --reason 'same town'", True)
    >>> command_line(["/usr/bin/duckdb", "x.duckdb"])
    ('duckdb x.duckdb', False)
    """
    for i, arg in enumerate(argv[:2]):  # the script itself, or python running it
        if Path(arg).name == "harmtrace":
            return _cut(shlex.join(["harmtrace", *argv[i + 1 :]])), True
    return _cut(shlex.join([Path(argv[0]).name, *argv[1:]])), False


def _cut(text: str) -> str:
    """On one line (python -c CODE spans several), at most SHOWN_CHARS long."""
    text = " ".join(text.split())
    return text if len(text) <= SHOWN_CHARS else text[: SHOWN_CHARS - 3] + "..."


def _user(proc: Path) -> str | None:
    try:
        return proc.owner()
    except (OSError, KeyError, NotImplementedError):  # gone, a uid without a name, Windows
        return None


def _started(proc: Path) -> datetime | None:
    """When the process started: its start in clock ticks after boot (/proc/PID/stat field 22)."""
    try:
        ticks = int((proc / "stat").read_text().rsplit(")", 1)[1].split()[19])
        boot = next(
            int(line.split()[1])
            for line in Path("/proc/stat").read_text().splitlines()
            if line.startswith("btime")
        )
        return datetime.fromtimestamp(boot + ticks / os.sysconf("SC_CLK_TCK"))
    except (OSError, ValueError, IndexError, StopIteration):
        return None


def _since(started: datetime, now: datetime) -> str:
    """'since 14:02, 3 min ago' (the day too when not today).

    >>> _since(datetime(2024, 5, 1, 14, 2, 30), datetime(2024, 5, 1, 14, 5, 40))
    'since 14:02:30, 3 min ago'
    >>> _since(datetime(2024, 4, 30, 23, 0), datetime(2024, 5, 1, 1, 30))
    'since 2024-04-30 23:00:00, 2 h 30 min ago'
    """
    shown = started.strftime("%H:%M:%S" if started.date() == now.date() else "%Y-%m-%d %H:%M:%S")
    return f"since {shown}, {_duration(now - started)} ago"


def _duration(elapsed: timedelta) -> str:
    minutes = int(elapsed.total_seconds() // 60)
    if minutes < 1:
        return f"{max(int(elapsed.total_seconds()), 0)} s"
    return f"{minutes} min" if minutes < 60 else f"{minutes // 60} h {minutes % 60} min"
