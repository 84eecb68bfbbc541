"""A small store for the server's write and feed tests, built as a user builds one, and its team."""

from __future__ import annotations

import shutil
from pathlib import Path

from fastapi.testclient import TestClient

from harmtrace.server.accounts import add_account, create_token
from harmtrace.server.app import create_app
from harmtrace.server.config import ServerConfig
from harmtrace.store import open_store
from tests.conftest import TEST_DATA, run_ok

REPORTS = TEST_DATA / "ucdp_ged_windows.csv"  # 8 reports, each its own incident once linked
VICTIMS = TEST_DATA / "victims_versions.csv"
TEAM = {"ana": "analyst", "ben": "analyst", "vic": "viewer"}


def build(folder: Path) -> Path:
    """8 reports linked into 8 incidents (I0000001..I0000008) and assessed, and a small victim list."""
    db = folder / "built.duckdb"
    run_ok(db, "ingest", "ucdp-ged", str(REPORTS))
    run_ok(db, "ingest", "victims", str(VICTIMS), "--mapping", str(TEST_DATA / "victims_versions.yaml"))
    run_ok(db, "link", "incidents")
    run_ok(db, "assess", "incidents")
    return db


def with_team(built: Path, folder: Path) -> tuple[Path, dict[str, dict[str, str]]]:
    """A copy of `built` with the accounts of TEAM; each account's request headers (its token)."""
    db = folder / "store.duckdb"
    shutil.copy(built, db)
    headers = {}
    with open_store(db) as store:
        for name, role in TEAM.items():
            add_account(store, name, role, None)
            headers[name] = {"Authorization": f"Bearer {create_token(store, name, 'test')}"}
    return db, headers


def client(db: Path) -> TestClient:
    """A client of the server of `db` (use it as a context manager: the server starts and stops)."""
    return TestClient(create_app(ServerConfig(db=db)), raise_server_exceptions=False)
