"""The "Python" section of every docs page runs, in order, as a reader would paste it.

Each page's section (from its "## Python" heading, the README's "## From Python", to the next "## "
heading) runs its ```python blocks in one namespace, in a fresh folder holding links to the repository's
data/ and examples/. Blocks elsewhere on a page are sketches of internal calls and are not run.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

import harmtrace

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
# pages that are not how-to pages, and why
WITHOUT_PYTHON = {
    "linkage_handcheck_2016.md": "a hand-check report",
    "linkage_handcheck_demo.md": "a hand-check report",
    "linkage_handcheck_vdc.md": "a hand-check report",
}
PAGES = sorted(p.name for p in DOCS.glob("*.md"))
README = "README.md"  # its "From Python" section


def python_section(page: str) -> list[str]:
    path, heading = (ROOT / page, "From Python") if page == README else (DOCS / page, "Python")
    found = re.search(rf"^## {heading}\n(.*?)(?=^## |\Z)", path.read_text(encoding="utf-8"), re.M | re.S)
    return re.findall(r"^```python\n(.*?)^```$", found[1], re.M | re.S) if found else []


@pytest.mark.parametrize("page", PAGES)
def test_every_how_to_page_has_a_python_section(page: str) -> None:
    if page in WITHOUT_PYTHON:
        pytest.skip(WITHOUT_PYTHON[page])
    assert python_section(page), f"docs/{page} has no '## Python' section with a python block"


@pytest.mark.parametrize("page", [README] + [p for p in PAGES if p not in WITHOUT_PYTHON])
def test_the_python_section_runs(page: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for folder in ("data", "examples"):
        os.symlink(ROOT / folder, tmp_path / folder)
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {"__name__": f"docs_{page}"}
    for n, block in enumerate(python_section(page), 1):
        code = compile(block, f"docs/{page} (python block {n} of its Python section)", "exec")
        exec(code, namespace)


def test_every_public_call_is_shown_running() -> None:
    """Each function of `harmtrace.__all__` is called in a docs Python section or the notebook example."""
    shown = "\n".join(b for p in [README, *PAGES] for b in python_section(p))
    shown += (ROOT / "examples" / "notebook.py").read_text(encoding="utf-8")
    calls = [n for n in harmtrace.__all__ if n[0].islower() and not n.startswith("_")]
    missing = [n for n in calls if not re.search(rf"\bht\.{n}\(", shown)]
    assert not missing, f"public calls no docs snippet or example runs: {missing}"
