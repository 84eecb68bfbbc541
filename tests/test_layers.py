"""Imports point one way (cli > server > publish | simulate > analyse > assess > link > locate > ingest >
store > bottom modules): import-linter's layers contract in pyproject.toml, run by `make lint`, holds, and an
upward import breaks it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT

LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _lint_imports(src: Path, config: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(src)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--config", str(config)],
        capture_output=True, text=True, env=env, cwd=config.parent, check=False,
    )  # fmt: skip


def test_the_layers_contract_holds() -> None:
    done = _lint_imports(ROOT / "src", ROOT / "pyproject.toml")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 kept, 0 broken" in done.stdout


def test_an_upward_import_breaks_the_contract(tmp_path: Path) -> None:
    src = tmp_path / "src"
    shutil.copytree(
        ROOT / "src" / "harmtrace", src / "harmtrace", ignore=shutil.ignore_patterns("__pycache__")
    )
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    with (src / "harmtrace" / "store" / "sql.py").open("a", encoding="utf-8") as fh:
        fh.write("\nfrom harmtrace.cli import base  # noqa: E402,F401\n")  # the store importing the CLI
    done = _lint_imports(src, tmp_path / "pyproject.toml")
    assert done.returncode != 0
    assert "BROKEN" in done.stdout and "harmtrace.store.sql -> harmtrace.cli.base" in done.stdout
