"""harmtrace as its users run it: the installed command in a process of its own, beside others."""

from __future__ import annotations

import csv
import itertools
import os
import select
import shlex
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import UCDP_CSV

HARMTRACE = str(Path(sys.executable).with_name("harmtrace"))  # the console script of this environment


def env(busy_wait: float | str) -> dict[str, str]:
    """This environment, without $HARMTRACE_DB, waiting `busy_wait` seconds for a busy store."""
    given = {k: v for k, v in os.environ.items() if k != "HARMTRACE_DB"}
    return given | {"HARMTRACE_BUSY_WAIT": str(busy_wait), "PYTHONIOENCODING": "utf-8"}


def argv(command: str, db: Path, files: tuple[Path, ...] = ()) -> list[str]:
    """`harmtrace COMMAND FILES --db DB`, COMMAND split as a shell would."""
    return [HARMTRACE, *shlex.split(command), *map(str, files), "--db", str(db)]


def run(command: str, db: Path, *files: Path, busy_wait: float | str = 0) -> subprocess.CompletedProcess[str]:
    """`harmtrace COMMAND FILES --db DB`, finished: its exit code, stdout and stderr."""
    return subprocess.run(
        argv(command, db, files), capture_output=True, text=True, env=env(busy_wait), timeout=120, check=False
    )


def start(command: str, db: Path, busy_wait: float = 0) -> subprocess.Popen[bytes]:
    """`harmtrace COMMAND --db DB`, started: stdin, stdout and stderr are pipes."""
    pipes = subprocess.PIPE
    return subprocess.Popen(argv(command, db), stdin=pipes, stdout=pipes, stderr=pipes, env=env(busy_wait))


HOLDER = """import sys
from harmtrace.store import open_store
store = open_store(sys.argv[sys.argv.index("--db") + 1], read_only={read_only})
print("open", flush=True)
sys.stdin.read()  # holds the store until its stdin is closed
"""


def hold(folder: Path, command: str, db: Path, read_only: bool = False) -> subprocess.Popen[str]:
    """A process holding `db` as `harmtrace COMMAND --db DB` would, until its stdin is closed: a script
    named harmtrace in `folder`, run as `python FOLDER/harmtrace COMMAND --db DB`."""
    script = folder / "harmtrace"
    script.write_text(HOLDER.format(read_only=read_only), encoding="utf-8")
    pipes = subprocess.PIPE
    command_line = [sys.executable, str(script), *argv(command, db)[1:]]
    proc = subprocess.Popen(command_line, stdin=pipes, stdout=pipes, text=True)
    assert proc.stdout is not None and proc.stdout.readline() == "open\n"
    return proc


def read_until(proc: subprocess.Popen[bytes], text: str, timeout_s: float = 60) -> str:
    """What `proc` printed until it printed `text` (a prompt: no newline after it)."""
    assert proc.stdout is not None
    out = b""
    deadline = time.monotonic() + timeout_s
    while text.encode() not in out:
        ready, _, _ = select.select([proc.stdout], [], [], max(deadline - time.monotonic(), 0))
        chunk = os.read(proc.stdout.fileno(), 65536) if ready else b""
        if not chunk:
            raise AssertionError(f"{text!r} not printed; printed: {out.decode()}")
        out += chunk
    return out.decode()


def ucdp_rows(path: Path, rows: int = 3) -> Path:
    """The first `rows` events of the bundled UCDP GED file, as a file to import."""
    with (
        UCDP_CSV.open(encoding="utf-8", newline="") as given,
        path.open("w", encoding="utf-8", newline="") as out,
    ):
        csv.writer(out).writerows(itertools.islice(csv.reader(given), rows + 1))
    return path
