"""Precision radii from a YAML file: partial tables, unbounded radii, errors that say how to fix them."""

from __future__ import annotations

from pathlib import Path

import pytest

from harmtrace.errors import InputError
from harmtrace.locate.precision import DEFAULT_RADIUS_M, load_radii, radius_sql


def test_a_file_changes_only_the_words_it_names(tmp_path: Path) -> None:
    path = tmp_path / "radii.yaml"
    path.write_text("# tighter towns for a city-level study\ntown: 3000\ncountry: null\n", encoding="utf-8")
    table = load_radii(path)
    assert table["town"] == 3000.0 and table["country"] is None
    assert {w: r for w, r in table.items() if w not in ("town", "country")} == {
        w: r for w, r in DEFAULT_RADIUS_M.items() if w not in ("town", "country")
    }
    assert "WHEN 'town' THEN 3000.0" in radius_sql("p", table) and "'country'" not in radius_sql("p", table)


def test_an_empty_file_is_the_defaults(tmp_path: Path) -> None:
    path = tmp_path / "radii.yaml"
    path.write_text("", encoding="utf-8")
    assert load_radii(path) == dict(DEFAULT_RADIUS_M)


@pytest.mark.parametrize(
    ("content", "message"),
    [("towns: 3000\n", "unknown location precision 'towns'"), ("town: -5\n", "non-negative"),
     ("town: far\n", "number of metres"), ("- town\n", "must map precision words"),
     ("town: [\n", "not valid YAML")],
)  # fmt: skip
def test_bad_files_say_what_to_write(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "radii.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError, match=message):
        load_radii(path)
    with pytest.raises(InputError, match="not found"):
        load_radii(tmp_path / "missing.yaml")
