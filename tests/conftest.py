"""Shared fixtures: a fresh store per test, the bundled data, and the shared real data (or a skip)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from harmtrace.cli import main
from harmtrace.store import Store, open_store

ROOT = Path(__file__).resolve().parents[1]
BUNDLED = ROOT / "data"
TEST_DATA = Path(__file__).resolve().parent / "data"
SHARED = ROOT.parent / "shared" / "data"
UCDP_CSV = BUNDLED / "ucdp_ged_syria_2016-01_2019-11.csv"


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "store.duckdb"


@pytest.fixture
def store(db_path: Path) -> Iterator[Store]:
    with open_store(db_path, create=True) as s:
        yield s


@pytest.fixture
def shared_data() -> Path:
    """The real data folder beside the project; tests using it skip with a reason when it is absent."""
    if not SHARED.is_dir():
        pytest.skip(f"real data not found at {SHARED} (CI has it; a clone elsewhere may not)")
    return SHARED


def run_cli(db: Path, *args: str) -> Result:
    """Run `harmtrace ARGS --db DB` as a user would, output included in assertion messages."""
    return CliRunner().invoke(main, [*args, "--db", str(db)], catch_exceptions=False)


def run_ok(db: Path, *args: str) -> str:
    """`run_cli` that must succeed; its output."""
    result = run_cli(db, *args)
    assert result.exit_code == 0, result.output
    return result.output
