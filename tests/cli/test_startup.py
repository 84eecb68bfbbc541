"""The command answers at once: help and --version load none of the heavy libraries (issue 14).

A fresh interpreter runs `harmtrace --version`, `harmtrace --help` and the --help of every group and
command, then reports which heavy modules it loaded and which harmtrace module imported each first.
duckdb and click load none of these themselves (checked when this list was written).
"""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest

# rich draws the progress of long commands: loaded only when it shows one (harmtrace.cli.progress)
HEAVY = ("pandas", "geopandas", "pyogrio", "scipy", "splink", "statsmodels", "shapely", "pyproj",
         "matplotlib", "sklearn", "jinja2", "numpy", "pyarrow", "rich")  # fmt: skip

WALK = """
import contextlib, io, json, sys

heavy = set(sys.argv[1].split(","))
first = {}


def importer():
    frame = sys._getframe(2)
    while frame is not None:
        name = frame.f_globals.get("__name__", "")
        if name.startswith("harmtrace"):
            return name
        frame = frame.f_back
    return "(not harmtrace)"


class Spy:
    def find_spec(self, name, path=None, target=None):
        top = name.partition(".")[0]
        if top in heavy and top not in first:
            first[top] = importer()
        return None


sys.meta_path.insert(0, Spy())
import click
from harmtrace.cli import main


def paths(group, prefix):
    for name, command in sorted(group.commands.items()):
        yield [*prefix, name]
        if isinstance(command, click.Group):
            yield from paths(command, [*prefix, name])


runs = [["--version"], ["--help"], *([*p, "--help"] for p in paths(main, []))]
codes = {}
for args in runs:
    with contextlib.redirect_stdout(io.StringIO()) as out:
        code = main(args, prog_name="harmtrace", standalone_mode=False)
    codes[" ".join(args)] = {"exit": code, "printed": bool(out.getvalue())}
loaded = {m: first.get(m, "(before the spy)") for m in sorted(heavy) if m in sys.modules}
print(json.dumps({"codes": codes, "loaded": loaded}))
"""


@pytest.fixture(scope="module")
def walked() -> dict[str, Any]:
    """What a fresh `harmtrace` process loaded to answer --version and every --help."""
    done = subprocess.run(
        [sys.executable, "-c", WALK, ",".join(HEAVY)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    return dict(json.loads(done.stdout))


def test_every_help_answers(walked: dict[str, Any]) -> None:
    codes = walked["codes"]
    assert len(codes) > 50 and {"--version", "--help", "stats casualties --help"} <= set(codes)
    failed = {args: run for args, run in codes.items() if run["exit"] != 0 or not run["printed"]}
    assert not failed, failed


def test_help_loads_no_heavy_module(walked: dict[str, Any]) -> None:
    assert not walked["loaded"], f"--help or --version loaded (module: first imported by): {walked['loaded']}"
