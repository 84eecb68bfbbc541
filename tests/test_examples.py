"""examples/notebook.py runs as a reader would run it, using only `harmtrace.__all__`, and prints the
figures it promises."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import harmtrace

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "notebook.py"


def test_the_example_uses_only_the_public_api() -> None:
    tree = ast.parse(EXAMPLE.read_text(encoding="utf-8"))
    imported = {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
        if (node.module if isinstance(node, ast.ImportFrom) else alias.name).startswith("harmtrace")
    }
    assert imported == {"harmtrace"}, f"the example imports more than harmtrace itself: {imported}"
    used = {
        node.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "ht"
    }
    assert used <= set(harmtrace.__all__), used - set(harmtrace.__all__)


def test_the_example_runs_and_prints_its_figures(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(EXAMPLE), str(tmp_path)], capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr[-2000:]
    out = done.stdout
    low, best, high = map(int, re.search(r"305 days: min (\d+), best (\d+), max (\d+)", out).groups())  # type: ignore[union-attr]
    assert 0 < low <= best <= high
    assert "Period of the reports giving all killed: 2016-01-01" in out  # the data begin after the window
    assert re.search(r"^\s+Aleppo SY02 +\d+ +\d+ +\d+$", out, re.M), out
    estimate = float(
        re.search(r"MSE \(loglinear.*\): ([\d,]+) dead estimated; truth 2,000", out)[1].replace(",", "")
    )  # type: ignore[index]
    assert 1_500 < estimate < 3_000  # three simulated lists of 2,000 dead: the estimate is near the truth
