"""`harmtrace control`, `harmtrace sites`, `stats distance` and `stats targeting` as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import TEST_DATA, UCDP_CSV, run_cli


def _ucdp(db: Path) -> None:
    result = run_cli(db, "ingest", "ucdp-ged", str(UCDP_CSV), "--source", "UCDP")
    assert result.exit_code == 0, result.output


def test_control_commands(db_path: Path, shared_data: Path, tmp_path: Path) -> None:
    _ucdp(db_path)
    admin1 = str(shared_data / "ocha_cod_ab_syria" / "syr_admin1.geojson")
    result = run_cli(db_path, "control", "import", admin1, "--actor", "Government of Syria",
                     "--valid-from", "2016-01-01", "--valid-to", "2019-12-31")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "read 14 = accepted 14 + quarantined 0" in result.output
    result = run_cli(db_path, "control", "derive", "--actor", "IS", "--from-events", "UCDP")
    assert result.exit_code == 0, result.output
    assert "PROXY" in result.output
    listed = run_cli(db_path, "control", "list")
    assert "PROXY (presence from events)" in listed.output and "Government of Syria" in listed.output
    shown = run_cli(db_path, "control", "incidents", "--actor", "IS", "--limit", "3", "--json")
    data = json.loads(shown.output)
    assert data["shown"] == 3 and "distance_km_min" in data["rows"][0]
    out = tmp_path / "control.geojson"
    result = run_cli(db_path, "control", "export", "--format", "geojson", str(out), "--role", "admin")
    assert result.exit_code == 0, result.output
    features = json.loads(out.read_text())["features"]
    assert any(f["properties"]["proxy"] and "proxy" in f["properties"]["label"] for f in features)
    assert {"batch_id", "derivation_id"} <= set(features[0]["properties"])
    public = run_cli(db_path, "control", "export", "--format", "geojson", str(out))
    assert public.output.splitlines()[-1] == (
        "Public export: internal fields left out (batch_id, derivation_id); "
        "outlines coarsened to a 5 km grid."
    )
    coarse = json.loads(out.read_text())["features"]
    assert len(coarse) == len(features) and not {"batch_id", "derivation_id"} & set(coarse[0]["properties"])
    assert coarse[0]["geometry"] != features[0]["geometry"]


def test_stats_distance(db_path: Path, tmp_path: Path) -> None:
    _ucdp(db_path)
    run_cli(db_path, "control", "derive", "--actor", "IS", "--from-events", "UCDP")
    args = ["stats", "distance", "--perpetrator", "Government of Syria", "--actor", "IS", "--km", "10",
            "--from", "2016-01-01", "--to", "2016-06-30"]  # fmt: skip
    text = run_cli(db_path, *args, "--ids")
    assert text.exit_code == 0, text.output
    assert "at least 10 km from the areas of IS (proxy)" in text.output and "min: report:" in text.output
    data = json.loads(run_cli(db_path, *args, "--json").output)
    assert data["certain"] == len(data["ids"]["min"]) and data["possible"] == len(data["ids"]["max"])
    radii = tmp_path / "radii.yaml"
    radii.write_text("town: 20000\n")  # coarser points: the range can only widen
    wider = json.loads(run_cli(db_path, *args, "--json", "--radii", str(radii)).output)
    assert wider["certain"] < data["certain"] and wider["possible"] > data["possible"]
    graded = run_cli(db_path, *args, "--grade", "fair")
    assert graded.exit_code == 1 and "no incident has been graded" in graded.output
    unknown = run_cli(db_path, "stats", "distance", "--perpetrator", "IS", "--actor", "Nobody", "--km", "1")
    assert unknown.exit_code == 1 and "Known actors: IS" in unknown.output


def test_sites_and_targeting(db_path: Path, shared_data: Path, tmp_path: Path) -> None:
    _ucdp(db_path)
    imported = run_cli(db_path, "sites", "import", str(TEST_DATA / "sites_fixture.csv"), "--kind", "hospital")
    assert imported.exit_code == 0, imported.output
    assert "quarantined 1 x coordinates_outside_area (rows 6): " in imported.output
    assert "look swapped" in imported.output and "harmtrace quarantine --batch 2" in imported.output
    # UCDP's "exact place" is a town's point (5 km): a site radius beyond that, and such points admitted
    near = ["--radius-m", "6000", "--max-precision-m", "5000"]
    report = run_cli(db_path, "sites", "report", "--kind", "hospital", "--to", "2016-12-31", *near)
    assert report.exit_code == 0, report.output
    assert "Fixture Hospital North" in report.output and "مستشفى التجربة الشمالي" in report.output
    out = tmp_path / "sites.geojson"
    assert run_cli(db_path, "sites", "export", "--format", "geojson", str(out)).exit_code == 0
    assert len(json.loads(out.read_text())["features"]) == 4
    admin3 = str(shared_data / "ocha_cod_ab_syria" / "syr_admin3.geojson")
    assert run_cli(db_path, "locate", "admin", admin3, "--level", "3").exit_code == 0
    target = run_cli(db_path, "stats", "targeting", "--kind", "hospital", "--to", "2016-03-31",
                     "--simulations", "19", "--seed", "2", "--radius-m", "6000")  # fmt: skip
    assert target.exit_code == 0, target.output
    assert "Assumptions:" in target.output and "p-value" in target.output
