"""A command meeting the team server on its store: told to go through the server's API, or to stop it."""

from __future__ import annotations

import socket
import subprocess
import time
from pathlib import Path

import httpx

from harmtrace.server.config import DEFAULT_PORT
from harmtrace.store import open_store
from harmtrace.store.busy import SERVE_HOST, SERVE_PORT
from tests.cli.processes import argv, env, run


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _serving(server: subprocess.Popen[bytes], url: str, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        assert server.poll() is None, "harmtrace serve stopped"
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.2)
    raise AssertionError(f"harmtrace serve did not answer at {url}")


def test_a_writing_command_is_told_to_use_the_servers_api_or_stop_it(tmp_path: Path) -> None:
    db = tmp_path / "store.duckdb"
    open_store(db, create=True).close()
    port = _free_port()
    command = argv(f"serve --port {port}", db)
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env(0))
    try:
        _serving(server, f"http://127.0.0.1:{port}/api/v1/me")
        result = run("decide incidents same 1 2 --reason 'one strike'", db, busy_wait=0)
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert result.returncode == 1
    assert f"Error: Store {db} is busy: `harmtrace serve --port {port} --db {db}` (PID {server.pid}, " in (
        result.stderr
    )
    assert result.stderr.strip().endswith(
        f") is the team server holding it, so this command cannot write to it. Read and decide through "
        f"its API (http://127.0.0.1:{port}/api/v1, as given on its command line), or stop it to run this "
        f"command (Ctrl-C where it runs, or kill {server.pid})."
    ), result.stderr


def test_the_address_defaults_are_the_servers() -> None:
    assert (SERVE_HOST, SERVE_PORT) == ("127.0.0.1", DEFAULT_PORT)
