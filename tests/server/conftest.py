"""The team server's fixtures: one small store built once, the team's accounts, a real uvicorn server on
loopback and a TestClient.

The store (`build_store`, about 8 s) is built once per session from the bundled data and the tests'
fixtures, with every step a user runs: 400 UCDP events and the UCDP window, ACLED and incident-sheet
fixtures imported, placed in governorates, an analyst's decision that joins two reports, incidents
linked and assessed, and the invented victim list imported and linked into persons. It holds an account
with a password and a token for each role (`Team`). A test that writes gets its own copy (`store_copy`,
per module); the servers (`live_server`, `client`) run on such copies.
"""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi.testclient import TestClient

from harmtrace.assess.run import assess_incidents
from harmtrace.ingest import import_file
from harmtrace.link.decisions import record_decision
from harmtrace.link.incidents import link_incidents
from harmtrace.link.kinds import INCIDENTS
from harmtrace.link.victims import link_victims
from harmtrace.locate import locate_admin
from harmtrace.publish.policy import Role
from harmtrace.server.accounts import add_account, create_token
from harmtrace.server.app import PREFIX, create_app
from harmtrace.server.config import ServerConfig
from harmtrace.store import open_store
from tests.conftest import BUNDLED, ROOT, TEST_DATA, UCDP_CSV

UCDP_EVENTS = 400
TEAM_ROLES = (Role.VIEWER, Role.ANALYST, Role.EDITOR, Role.ADMIN)


@dataclass(frozen=True)
class Member:
    """An account of the test team: its name, role, password and one API token."""

    name: str
    role: Role
    password: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@dataclass(frozen=True)
class Team:
    """The store's accounts, one per role (the public needs none)."""

    members: dict[Role, Member]

    def __getitem__(self, role: Role) -> Member:
        return self.members[role]

    def headers(self, role: Role) -> dict[str, str]:
        """The headers a request as `role` carries (none for the public)."""
        return {} if role == Role.PUBLIC else self.members[role].headers

    def secrets(self) -> list[str]:
        return [s for m in self.members.values() for s in (m.password, m.token)]


def build_store(db: Path, work: Path) -> None:
    """The small store every server test starts from (module docstring)."""
    ucdp = work / "ucdp_400.csv"
    with UCDP_CSV.open(encoding="utf-8") as fh:
        ucdp.write_text("".join(line for _, line in zip(range(UCDP_EVENTS + 1), fh, strict=False)))
    with open_store(db, create=True) as store:
        import_file(store, "ucdp-ged", TEST_DATA / "ucdp_ged_windows.csv")
        import_file(store, "ucdp-ged", ucdp)
        import_file(store, "acled", TEST_DATA / "acled_syria_sample.csv")
        import_file(store, "incidents", TEST_DATA / "incidents_sheet.csv", source="Airwars",
                    mapping=ROOT / "examples" / "mappings" / "airwars_style_incidents.yaml")  # fmt: skip
        import_file(store, "victims", TEST_DATA / "victims_versions.csv", source="VDC",
                    mapping=TEST_DATA / "victims_versions.yaml")  # fmt: skip
        locate_admin(store, BUNDLED / "syr_admin1.geojson")
        first, second = [r["report_id"] for r in store.rows(
            "SELECT report_id FROM report ORDER BY report_id LIMIT 2")]  # fmt: skip
        record_decision(
            store, "same", str(first), str(second), "one strike, two reports", "tester", INCIDENTS
        )
        link_incidents(store)
        assess_incidents(store)
        link_victims(store)


def add_team(db: Path) -> Team:
    members = {}
    with open_store(db) as store:
        for role in TEAM_ROLES:
            name, password = f"test-{role.word}", f"pw-{role.word}-Kq7vZ2xR9m"
            add_account(store, name, role, password)
            members[role] = Member(name, role, password, create_token(store, name, "tests"))
    return Team(members)


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Team]:
    work = tmp_path_factory.mktemp("server-store")
    db = work / "store.duckdb"
    build_store(db, work)
    return db, add_team(db)


@pytest.fixture(scope="session")
def team(built: tuple[Path, Team]) -> Team:
    return built[1]


@pytest.fixture(scope="module")
def store_copy(built: tuple[Path, Team], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This module's own copy of the built store, to write in and serve."""
    db = tmp_path_factory.mktemp("server-copy") / "store.duckdb"
    shutil.copyfile(built[0], db)
    return db


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def running(db: Path, **options: Any) -> Iterator[tuple[str, uvicorn.Server]]:
    """A real uvicorn server on a free loopback port serving `db`, in a background thread: its base URL
    and the server (its app is `server.config.app`); stopped (`should_exit`) on leaving."""
    port = free_port()
    app = create_app(ServerConfig(db=db, port=port, **options))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, name=f"uvicorn-{port}", daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    try:
        while not _answers(url):
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the server on port {port} did not start")
            time.sleep(0.05)
        yield url, server
    finally:
        server.should_exit = True
        thread.join(30)


def _answers(url: str) -> bool:
    try:
        return httpx.get(f"{url}{PREFIX}/me", timeout=1).status_code == 200
    except httpx.TransportError:
        return False


@pytest.fixture(scope="module")
def live_server(store_copy: Path) -> Iterator[str]:
    """The base URL of a real uvicorn server on this module's copy of the store."""
    with running(store_copy) as (url, _):
        yield url


@pytest.fixture
def client(tmp_path: Path, built: tuple[Path, Team]) -> Iterator[TestClient]:
    """A TestClient of the app on a fresh copy of the store (the app started: its lifespan ran)."""
    db = tmp_path / "store.duckdb"
    shutil.copyfile(built[0], db)
    with TestClient(create_app(ServerConfig(db=db))) as test_client:
        yield test_client
