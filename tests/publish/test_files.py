"""Published files are written whole or not at all (`harmtrace.files`, `harmtrace.store.export`)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harmtrace.errors import InputError
from harmtrace.files import replacing, write_features
from harmtrace.store import Store
from harmtrace.store.export import copy_query


def test_a_failed_write_keeps_the_earlier_file_and_leaves_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "export.csv"
    target.write_text("earlier, complete export\n", encoding="utf-8")
    with pytest.raises(RuntimeError), replacing(target) as tmp:
        tmp.write_text("half of a new ", encoding="utf-8")
        raise RuntimeError("disk full")
    assert target.read_text(encoding="utf-8") == "earlier, complete export\n"
    assert [p.name for p in tmp_path.iterdir()] == ["export.csv"]


def test_a_missing_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist"), replacing(tmp_path / "nowhere" / "x.geojson"):
        pass


def test_features_put_coordinates_in_the_geometry(tmp_path: Path) -> None:
    path = tmp_path / "points.geojson"
    rows = [{"id": 1, "latitude": 36.2, "longitude": 37.1}, {"id": 2, "latitude": None, "longitude": None}]
    assert write_features(rows, path) == 2
    placed, unplaced = json.loads(path.read_text(encoding="utf-8"))["features"]
    assert placed["geometry"] == {"type": "Point", "coordinates": [37.1, 36.2]}
    assert placed["properties"] == {"id": 1} and unplaced["geometry"] is None


def test_a_failed_copy_leaves_nothing_behind(store: Store, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    path = out / "rows.csv"
    copy_query(store, "SELECT 1 AS a UNION ALL SELECT 2", path, "csv")
    assert path.read_text(encoding="utf-8").split() == ["a", "1", "2"]
    with pytest.raises(Exception, match="no_such_table"):
        copy_query(store, "SELECT * FROM no_such_table", path, "parquet")
    assert path.read_text(encoding="utf-8").split() == ["a", "1", "2"]
    assert [p.name for p in out.iterdir()] == ["rows.csv"]
