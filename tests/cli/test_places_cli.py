"""`harmtrace places import|list`, `locate places`, `locate admin` without a file, `reports export|map`."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pyarrow.parquet as pq

from tests.conftest import run_cli
from tests.locate.places_fixtures import admin1_geojson, geonames_file, reports_file


def _store_with_places(db: Path, tmp_path: Path) -> None:
    for args in (
        ("ingest", "syrian-archive", str(reports_file(tmp_path / "reports.csv"))),
        ("places", "import", str(admin1_geojson(tmp_path / "admin1.geojson")), "--format", "ocha"),
        ("places", "import", str(geonames_file(tmp_path / "places.txt")), "--format", "geonames"),
    ):
        result = run_cli(db, *args)
        assert result.exit_code == 0, result.output


def test_import_locate_and_relocate(db_path: Path, tmp_path: Path) -> None:
    _store_with_places(db_path, tmp_path)
    listed = json.loads(run_cli(db_path, "places", "list", "--json").output)
    assert [(r["source_file"], r["places"]) for r in listed] == [("admin1.geojson", 2), ("places.txt", 6)]
    result = run_cli(db_path, "locate", "places", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert (data["reports"], data["located"], data["ambiguous_reports"], data["unmatched_reports"]) == (
        8,
        6,
        1,
        1,
    )
    text = run_cli(db_path, "locate", "places")
    assert "Ambiguous (not located)" in text.output and "Tall Nimr" in text.output
    again = run_cli(db_path, "locate", "admin", "--json")
    assert again.exit_code == 0, again.output
    assert json.loads(again.output)["placed"] == 7  # 6 located from text + 1 with its own point


def test_errors_are_plain(db_path: Path, tmp_path: Path) -> None:
    missing = run_cli(db_path, "places", "import", str(tmp_path / "nope.geojson"), "--format", "ocha")
    assert missing.exit_code == 1 and "File not found" in missing.output
    empty = run_cli(db_path, "locate", "places")
    assert empty.exit_code == 1 and "harmtrace places import" in empty.output
    no_areas = run_cli(db_path, "locate", "admin")
    assert no_areas.exit_code == 1 and "No admin areas stored" in no_areas.output


def test_export_formats_free_text_and_radii(db_path: Path, tmp_path: Path) -> None:
    _store_with_places(db_path, tmp_path)
    assert run_cli(db_path, "locate", "places").exit_code == 0
    radii = tmp_path / "radii.yaml"
    radii.write_text("village: 1500\n", encoding="utf-8")
    out = tmp_path / "reports.csv"
    result = run_cli(
        db_path, "reports", "export", "--format", "csv", str(out), "--radii", str(radii), "--role", "admin"
    )
    assert result.exit_code == 0, result.output
    with out.open(encoding="utf-8", newline="") as f:
        rows = {r["record_id"]: r for r in csv.DictReader(f)}
    assert len(rows) == 9 and rows["T_1"]["source"] == "syrian-archive"
    assert (rows["T_1"]["radius_m"], rows["T_1"]["adm1_pcode"], rows["T_1"]["location_method"]) == (
        "1500.0", "XX01", "gazetteer: exact name",
    )  # fmt: skip
    assert rows["T_1"]["place_text"] == "WEST : Kafr Testa" and rows["T_4"]["latitude"] == ""
    public = tmp_path / "public.parquet"
    result = run_cli(db_path, "reports", "export", "--format", "parquet", str(public))  # the public's
    assert result.exit_code == 0, result.output
    table = pq.read_table(public)
    assert table.num_rows == 9 and not {"place_text", "description", "description_ar"} & set(
        table.column_names
    )
    assert table.schema.field("perpetrators").type.value_type.equals("string")
    geo = tmp_path / "reports.geojson"
    assert run_cli(db_path, "reports", "export", "--format", "geojson", str(geo)).exit_code == 0
    features = json.loads(geo.read_text(encoding="utf-8"))["features"]
    located = [f for f in features if f["geometry"]]
    assert len(features) == 9 and len(located) == 7
    assert located[0]["geometry"]["type"] == "Point" and "radius_m" in located[0]["properties"]
    assert not list(tmp_path.glob(".*.tmp"))  # written then renamed: no temporary file left


def test_export_to_a_missing_folder_leaves_nothing(db_path: Path, tmp_path: Path) -> None:
    _store_with_places(db_path, tmp_path)
    result = run_cli(db_path, "reports", "export", "--format", "csv", str(tmp_path / "no" / "r.csv"))
    assert result.exit_code == 1 and "does not exist" in result.output
    bad = tmp_path / "bad.yaml"
    bad.write_text("towns: 1\n", encoding="utf-8")
    wrong = run_cli(
        db_path, "reports", "export", "--format", "csv", str(tmp_path / "r.csv"), "--radii", str(bad)
    )
    assert wrong.exit_code == 2 and "unknown location precision" in wrong.output


def test_map_is_a_deterministic_png(db_path: Path, tmp_path: Path) -> None:
    _store_with_places(db_path, tmp_path)
    assert run_cli(db_path, "locate", "places").exit_code == 0
    first, second = tmp_path / "a.png", tmp_path / "b.png"
    result = run_cli(db_path, "reports", "map", str(first), "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["reports_drawn"] == 7 and summary["reports_without_point"] == 2
    assert sum(summary["by_class"].values()) == 7
    assert run_cli(db_path, "reports", "map", str(second)).exit_code == 0
    assert first.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert first.read_bytes() == second.read_bytes()
    assert summary["role"] == "public" and summary["coarsened_to_m"] == 5000


def test_the_public_map_draws_coarsened_points(db_path: Path, tmp_path: Path) -> None:
    from harmtrace.publish.report_map import _points
    from harmtrace.store import open_store

    _store_with_places(db_path, tmp_path)
    assert run_cli(db_path, "locate", "places").exit_code == 0
    team = run_cli(db_path, "reports", "map", str(tmp_path / "team.png"), "--role", "viewer", "--json")
    assert json.loads(team.output)["coarsened_to_m"] is None
    with open_store(db_path, read_only=True) as store:
        exact = {p["report_id"]: p for p in _points(store, {}, None)}
        public = {p["report_id"]: p for p in _points(store, {}, 5000.0)}
    assert exact.keys() == public.keys()
    fine = [i for i, p in exact.items() if p["radius_m"] is not None and p["radius_m"] < 5000]
    assert fine, "the test store has points finer than the grid"
    for i in fine:
        assert (public[i]["latitude"], public[i]["longitude"]) != (
            exact[i]["latitude"],
            exact[i]["longitude"],
        )
        assert public[i]["radius_m"] >= 3535
