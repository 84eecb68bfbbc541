"""`harmtrace report html --role`: the public by default, exact counts for the team, as the exports."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import run_cli, run_ok
from tests.publish.report_store import small_cells_store, tables


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return small_cells_store(tmp_path_factory.mktemp("report_cli"))


def year_2016(path: Path) -> tuple[str, str, str]:
    row = tables(path.read_text(encoding="utf-8"))["year"]["2016"]
    return row["min"], row["best"], row["max"]


def test_the_report_is_for_the_public_by_default(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    said = run_ok(db, "report", "html", str(out))
    assert f"Wrote {out}" in said and "Published for the public: counts of fewer than 5 people" in said
    assert year_2016(out) == ("< 5", "< 5", "< 5")


@pytest.mark.parametrize("role", ["admin", "viewer"])
def test_a_team_role_gets_exact_counts(db: Path, tmp_path: Path, role: str) -> None:
    out = tmp_path / "report.html"
    said = run_ok(db, "report", "html", str(out), "--role", role)
    assert f"Published for the {role} role: every figure is exact." in said
    assert year_2016(out) == ("3", "3", "3")


def test_min_cell_sets_the_smallest_count_shown(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    said = run_ok(db, "report", "html", str(out), "--min-cell", "3")
    assert "fewer than 3 people" in said and year_2016(out) == ("3", "3", "3")
    run_ok(db, "report", "html", str(out), "--min-cell", "4")
    assert year_2016(out) == ("< 4", "< 4", "< 4")


def test_an_unknown_role_is_refused(db: Path, tmp_path: Path) -> None:
    result = run_cli(db, "report", "html", str(tmp_path / "r.html"), "--role", "journalist")
    assert result.exit_code == 2 and "'journalist' is not one of" in result.output
    assert not (tmp_path / "r.html").exists()
