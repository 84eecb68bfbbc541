"""`make demo` correctness: the demo's numbers against figures computed here from the bundled files.

The per-report figures (read before linking) are computed independently of harmtrace: the UCDP CSV
read with the csv module, governorates by matplotlib's point-in-polygon on the GeoJSON rings, the 1 km
tolerance by numpy point-to-segment distances. The rules they implement are issue 2's (min: wholly
inside and attributed to one side alone; max: touching, side among the perpetrators) and the locate
rule (precision at least 'governorate', nearest governorate within 1 km).

The per-incident part has no independent figures to compare with (linkage is a model's judgement), so
it is checked by what must hold whatever the model decides: every report in exactly one incident (counted
in the store), incidents no more than reports, grade counts adding up to the incidents, and an
incident's minimum (the lowest any of its reports gives) never lifting a group above its per-report sum.
"""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner
from matplotlib.path import Path as PolygonPath

from harmtrace.cli import main
from harmtrace.cli.demo import describe_demo
from harmtrace.display import to_json
from harmtrace.errors import QueryError
from harmtrace.ingest import FIXED_FORMATS
from harmtrace.model import GRADES, NOT_ALLEGED
from harmtrace.publish.demo import DemoResult, build_demo
from harmtrace.publish.report import per_report_figures
from harmtrace.store import open_store
from tests.conftest import BUNDLED, UCDP_CSV, run_cli

CHROMIUM = Path("/usr/bin/chromium")
PLACED_PRECISIONS = {"1", "2", "3", "4"}  # UCDP where_prec: exact .. governorate
TOLERANCE_DEG = 1.0 / 111.32


def _ucdp() -> list[dict[str, Any]]:
    """The bundled UCDP rows with the counts as harmtrace reads them (range widened to include best)."""
    rows = []
    with UCDP_CSV.open(newline="", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            low, best, high = int(r["low"]), int(r["best"]), int(r["high"])
            sides = [r["side_a"]] if r["type_of_violence"] == "3" else [r["side_a"], r["side_b"]]
            rows.append(r | {"lo": min(low, best, high), "hi": max(low, best, high), "best_n": best,
                             "sides": [s for s in sides if s.strip()]})  # fmt: skip
    return rows


def _expected_by_year(rows: list[dict[str, Any]]) -> dict[str, tuple[int, int, int, int]]:
    """year -> (reports, low, best, high); no bundled event spans two years (asserted)."""
    assert all(r["date_start"][:4] == r["date_end"][:4] for r in rows)
    out: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for r in rows:
        acc = out[r["date_start"][:4]]
        acc[0], acc[1], acc[2], acc[3] = acc[0] + 1, acc[1] + r["lo"], acc[2] + r["best_n"], acc[3] + r["hi"]
    return {y: (a[0], a[1], a[2], a[3]) for y, a in out.items()}


def _expected_by_side(rows: list[dict[str, Any]]) -> dict[str, tuple[int, int, int | None, int]]:
    """side -> (reports, low: that side alone, best, high: side among the perpetrators), by the rules of
    docs/figures.md: a side's own dead (deaths_a / deaths_b) out of its high and best; no best once a
    shared event has dead UCDP assigns to neither side (civilians, unknown)."""
    out: dict[str, list[Any]] = defaultdict(lambda: [0, 0, 0, 0])
    for r in rows:
        shared = len(r["sides"]) > 1
        assigned = int(r["deaths_a"]) + int(r["deaths_b"])
        for side in r["sides"]:
            own = (int(r["deaths_a"]) if side == r["side_a"] else int(r["deaths_b"])) if shared else 0
            acc = out[side]
            acc[0] += 1
            acc[1] += 0 if shared else r["lo"]
            unattributable = shared and r["best_n"] > assigned
            acc[2] = None if acc[2] is None or unattributable else acc[2] + r["best_n"] - own
            acc[3] += r["hi"] - own
    return {s: (a[0], a[1], a[2], a[3]) for s, a in out.items()}


def _governorates() -> list[tuple[str, list[np.ndarray]]]:
    """(English name, outer rings as (n, 2) lon/lat arrays), ordered by P-code (the tie rule)."""
    features = json.loads((BUNDLED / "syr_admin1.geojson").read_text(encoding="utf-8"))["features"]
    areas = []
    for f in sorted(features, key=lambda f: f["properties"]["adm1_pcode"]):
        geometry = f["geometry"]
        polygons = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
        areas.append((f["properties"]["adm1_name"], [np.array(p[0], dtype=float) for p in polygons]))
    return areas


def _distance_to_rings(point: np.ndarray, rings: list[np.ndarray]) -> float:
    """Smallest distance in degrees from `point` to the edges of `rings` (numpy, per segment)."""
    best = np.inf
    for ring in rings:
        a, b = ring[:-1], ring[1:]
        ab = b - a
        t = np.clip(((point - a) * ab).sum(axis=1) / np.maximum((ab * ab).sum(axis=1), 1e-18), 0, 1)
        best = min(best, float(np.sqrt((((a + t[:, None] * ab) - point) ** 2).sum(axis=1)).min()))
    return best


def _expected_civilians(rows: list[dict[str, Any]]) -> dict[str | None, int]:
    """Governorate name (None: not located) -> civilians killed."""
    areas = _governorates()
    eligible = [r for r in rows if r["where_prec"] in PLACED_PRECISIONS]
    points = np.array([[float(r["longitude"]), float(r["latitude"])] for r in eligible])
    hits = np.stack([np.any([PolygonPath(ring).contains_points(points) for ring in rings], axis=0)
                     for _, rings in areas], axis=1)  # fmt: skip
    out: dict[str | None, int] = defaultdict(int)
    for r, row_hits, point in zip(eligible, hits, points, strict=True):
        name = areas[int(np.argmax(row_hits))][0] if row_hits.any() else _nearest(point, areas)
        out[name] += int(r["deaths_civilians"])
    for r in rows:
        if r["where_prec"] not in PLACED_PRECISIONS:
            out[None] += int(r["deaths_civilians"])
    return dict(out)


def _nearest(point: np.ndarray, areas: list[tuple[str, list[np.ndarray]]]) -> str | None:
    distances = [_distance_to_rings(point, rings) for _, rings in areas]
    i = int(np.argmin(distances))
    return areas[i][0] if distances[i] <= TOLERANCE_DEG else None


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> DemoResult:
    """One demo for the module: linking the bundled reports takes about a minute."""
    return build_demo(tmp_path_factory.mktemp("demo"))


@pytest.fixture(scope="module")
def demo_json(demo_run: DemoResult) -> tuple[Path, dict[str, Any]]:
    """The demo's output folder and what `harmtrace demo --json` prints for it."""
    return demo_run.report_path.parent, json.loads(to_json(demo_run.as_dict()))


def test_demo_imports_every_bundled_row(demo_json: tuple[Path, dict[str, Any]]) -> None:
    _, data = demo_json
    batches = data["figures"]["batches"]
    assert all(b["rows_read"] == b["rows_accepted"] + b["rows_quarantined"] for b in batches)
    assert batches[0]["file_name"] == UCDP_CSV.name and batches[0]["rows_read"] == len(_ucdp())
    if "syrian-archive" in FIXED_FORMATS:
        expected = {}
        for name in ("seankross_violations.csv", "seankross_syrian_archive_raw.csv"):
            with (BUNDLED / name).open(newline="", encoding="utf-8") as fh:
                expected[name] = sum(1 for _ in csv.DictReader(fh))
        expected["syr_admin1.geojson"] = 14  # the governorates: a batch like the others
        assert {b["file_name"]: b["rows_read"] for b in batches[1:]} == expected
        assert data["skipped"] == []
    else:
        assert [s["format"] for s in data["skipped"]] == ["syrian-archive", "syrian-archive"]


def test_the_demo_note_on_overlapping_archive_files_holds() -> None:
    codes = {}
    for name, column in (("seankross_violations.csv", "Reference_Code"),
                         ("seankross_syrian_archive_raw.csv", "reference_code")):  # fmt: skip
        with (BUNDLED / name).open(newline="", encoding="utf-8") as fh:
            codes[name] = {row[column].strip() for row in csv.DictReader(fh)}
    assert codes["seankross_syrian_archive_raw.csv"] <= codes["seankross_violations.csv"]


def test_deaths_by_year_match_the_csv(demo_json: tuple[Path, dict[str, Any]]) -> None:
    _, data = demo_json
    got = {
        g["group"]: (g["items_max"], g["count_min"], g["count_best"], g["count_max"])
        for g in data["figures"]["per_report"]["by_year"]
        if g["items_max"]
    }
    assert got == _expected_by_year(_ucdp())
    assert got["2016"] == (6170, 43489, 48710, 49693)


def test_deaths_by_side_match_the_csv(demo_json: tuple[Path, dict[str, Any]]) -> None:
    _, data = demo_json
    expected = _expected_by_side(_ucdp())
    per_report = data["figures"]["per_report"]
    shown = per_report["by_side"]
    assert per_report["sides_total"] >= len(expected)
    for g in shown:
        assert (g["items_max"], g["count_min"], g["count_best"], g["count_max"]) == expected[g["group"]]
    top = sorted(expected, key=lambda s: (-expected[s][3], s))[: len(shown)]
    assert [g["group"] for g in shown] == top


def test_civilians_by_governorate_match_an_independent_placement(
    demo_json: tuple[Path, dict[str, Any]],
) -> None:
    _, data = demo_json
    expected = _expected_civilians(_ucdp())
    got = {
        g["key"] and g["group"]: g["count_max"] for g in data["figures"]["per_report"]["civilians_by_adm1"]
    }
    assert got == expected
    assert sum(got.values()) == sum(int(r["deaths_civilians"]) for r in _ucdp())


def test_summary_prints_the_figures(demo_run: DemoResult) -> None:
    """The text `harmtrace demo` prints (describe_demo: the same function, without a second demo run)."""
    output = describe_demo(demo_run)
    tmp_path = demo_run.report_path.parent
    reports, low, best, high = _expected_by_year(_ucdp())["2017"]
    year = next(line.split() for line in output.splitlines() if line.startswith("2017 "))
    assert year[:5] == ["2017", f"{reports:,}", f"{low:,}", f"{best:,}", f"{high:,}"]
    assert next(line.split() for line in output.splitlines() if line.startswith("2015 "))[2:4] == [
        "no",
        "count",
    ]
    assert "Sources: UCDP (16,566 reports)" in output and "no best" in output
    assert "Civilians killed by governorate" in output and "Rural Damascus" in output
    assert "balanced" in output and " NO " not in output
    assert "The report is published for the public: counts of fewer than 5 people" in output
    assert (tmp_path / "report.html").is_file() and (tmp_path / "demo.duckdb").is_file()
    with open_store(tmp_path / "demo.duckdb", read_only=True) as store:
        reports = store.scalar("SELECT count(*) FROM report")
        incidents = store.scalar("SELECT count(DISTINCT incident_id) FROM incident_member")
    assert f"Incidents: {reports:,} reports linked into {incidents:,} incidents" in output
    assert "per report and per incident" in output and "not_alleged" in output
    assert "not yet deduplicated" not in output


def test_report_is_self_contained_with_chart_and_tables(demo_json: tuple[Path, dict[str, Any]]) -> None:
    out, data = demo_json
    html = (out / "report.html").read_text(encoding="utf-8")
    assert html.count("<svg") >= 2 and html.count("<table") >= 5
    for heading in ("Killed by year", "Killed by alleged perpetrator", "Civilians killed by governorate"):
        assert heading in html
    for needle in ("CC BY 4.0", "CC BY-IGO", "Sundberg", "ريف دمشق", "Deduplicated by incident"):
        assert needle in html
    assert "not yet deduplicated" not in html
    # the headline carries its period and its sources; a year without counts reads "no count", never 0
    assert "<h1>People killed, 1 January 2016 to 1 December 2019: 104,742–119,193</h1>" in html
    assert "Sources: UCDP (16,566 reports), Syrian Archive" in html.split("</p>")[0]
    assert html.count('<p class="scope">') >= 4
    years = html.split("<h2>Killed by year</h2>")[1].split("</table>")[0]
    assert "<td>2015</td>" in years and '<td class="n nocount" colspan="3">no count</td>' in years
    if data["imports"][1:]:
        assert "CC BY-SA 4.0" in html
    assert "<script" not in html and "<link" not in html and 'src="http' not in html
    # written for the public: file names and the store's path left out (the figures hold no cell of 1-4)
    assert "Published for the public: counts of fewer than 5 people" in html
    assert UCDP_CSV.name not in html and "demo.duckdb" not in html
    assert "48,710" in html  # UCDP best estimate for 2016


def test_report_command_writes_the_same_report(
    demo_json: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    out, _ = demo_json
    copy = tmp_path / "demo.duckdb"
    shutil.copy(out / "demo.duckdb", copy)
    result = run_cli(copy, "report", "html", str(tmp_path / "again.html"))
    assert result.exit_code == 0, result.output
    again = (tmp_path / "again.html").read_text(encoding="utf-8")
    assert again.count("<svg") >= 2 and "Reports linked into incidents" in again
    # per-report figures are read before linking: a linked store no longer gives them
    assert "What deduplication changed" not in again
    with open_store(copy, read_only=True) as store, pytest.raises(QueryError, match="before running"):
        per_report_figures(store)


def test_demo_never_overwrites_a_named_store(tmp_path: Path) -> None:
    existing = tmp_path / "mine.duckdb"
    existing.write_bytes(b"not yours to delete")
    result = CliRunner().invoke(main, ["demo", "--out", str(tmp_path), "--db", str(existing)])
    assert result.exit_code == 1 and "already exists" in result.output
    assert existing.read_bytes() == b"not yours to delete"


def test_report_reads_well_in_a_browser(demo_json: tuple[Path, dict[str, Any]], tmp_path: Path) -> None:
    """Headless Chromium renders the report to a PNG (kept in tmp_path for a person to look at)."""
    if not CHROMIUM.exists():
        pytest.skip(f"headless Chromium not installed at {CHROMIUM}")
    out, _ = demo_json
    png = tmp_path / "report.png"
    subprocess.run(
        [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
         f"--screenshot={png}", "--window-size=1280,3000", (out / "report.html").as_uri()],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    assert png.stat().st_size > 10_000


def _incidents_in_store(out: Path) -> dict[str, int]:
    with open_store(out / "demo.duckdb", read_only=True) as store:
        return store.rows(
            "SELECT (SELECT count(*) FROM report) AS reports, count(*) AS memberships, "
            "count(DISTINCT report_id) AS members, count(DISTINCT incident_id) AS incidents, "
            "count(*) FILTER (report_id NOT IN (SELECT report_id FROM report)) AS strangers "
            "FROM incident_member"
        )[0]


def test_every_report_is_in_exactly_one_incident(demo_json: tuple[Path, dict[str, Any]]) -> None:
    out, data = demo_json
    got = _incidents_in_store(out)
    assert got["memberships"] == got["members"] == got["reports"] and got["strangers"] == 0
    assert 0 < got["incidents"] <= got["reports"]
    shown = data["figures"]["incidents"]
    assert (shown["reports"], shown["incidents"]) == (got["reports"], got["incidents"])
    assert data["linkage"]["incidents"] == got["incidents"]
    assert shown["multi_report"] <= shown["incidents"] and shown["joining_sources"] <= shown["multi_report"]
    # a multi-report incident holds at least two reports; the others hold exactly one
    singles = shown["incidents"] - shown["multi_report"]
    assert shown["reports_in_multi"] >= 2 * shown["multi_report"]
    assert shown["reports_in_multi"] + singles == shown["reports"]


def test_grade_counts_add_up_to_the_incidents(demo_json: tuple[Path, dict[str, Any]]) -> None:
    out, data = demo_json
    grades = {g["grade"]: g["incidents"] for g in data["figures"]["incidents"]["grades"]}
    assert list(grades)[: len(GRADES) + 1] == [*GRADES, NOT_ALLEGED]
    assert sum(grades.values()) == _incidents_in_store(out)["incidents"]
    assert data["assessment"]["grades"] == {g: grades[g] for g in (*GRADES, NOT_ALLEGED)}
    assert data["figures"]["incidents"]["fresh"] is True
    with open_store(out / "demo.duckdb", read_only=True) as store:
        # UCDP battles that count no civilian (deaths_civilians and deaths_unknown 0) allege no civilian harm
        assert store.scalar("SELECT count(*) FROM incident_assessment WHERE grade = ?", [NOT_ALLEGED]) > 0


def test_incident_minimum_never_exceeds_the_per_report_minimum(
    demo_json: tuple[Path, dict[str, Any]],
) -> None:
    """An incident's minimum is the lowest any of its reports gives, so summed over incidents it cannot
    exceed the reports' sum: for the totals (every item inside an unbounded window), and by year because
    no bundled report with a count spans two years (asserted in `_expected_by_year`)."""
    _, data = demo_json
    figures, per_report = data["figures"], data["figures"]["per_report"]
    assert figures["deduplicated"] is True
    _expected_by_year(_ucdp())
    for now, before in zip(figures["totals"], per_report["totals"], strict=True):
        assert now["category"] == before["category"]
        assert now["count_min"] <= before["count_min"] and now["items_max"] <= before["items_max"]
    years = {g["key"]: g for g in per_report["by_year"]}
    assert {g["key"] for g in figures["by_year"] if g["items_max"]} <= set(years)
    for g in figures["by_year"]:
        if g["items_max"]:
            assert g["count_min"] <= years[g["key"]]["count_min"], g["key"]
        else:  # no count (null), never 0
            assert (g["count_min"], g["count_best"], g["count_max"]) == (None, None, None)
    # UCDP events are never joined to one another (UCDP codes each event once) and the archive gives no
    # counts, so everyone killed must add up exactly as per report: a difference is a count lost or merged
    everyone = [(n, b) for n, b in zip(figures["totals"], per_report["totals"], strict=True)]
    everyone = [(n, b) for n, b in everyone if n["category"] == "all"]
    assert everyone, "the totals include everyone killed"
    for now, before in everyone:
        assert (now["count_min"], now["count_max"]) == (before["count_min"], before["count_max"])


def test_report_shows_incidents_grades_and_what_deduplication_changed(
    demo_json: tuple[Path, dict[str, Any]],
) -> None:
    out, data = demo_json
    html = (out / "report.html").read_text(encoding="utf-8")
    shown = data["figures"]["incidents"]
    assert "Reports linked into incidents" in html and "What deduplication changed" in html
    assert f"linked into <strong>{shown['incidents']:,} incidents</strong>" in html
    for g in shown["grades"]:
        assert f'<td>{g["grade"]}</td><td class="n">{g["incidents"]:,}</td>' in html
    total_now, total_before = data["figures"]["totals"][0], data["figures"]["per_report"]["totals"][0]
    row = (
        f'<td class="n">{total_before["items_max"]:,}</td>',
        f'<td class="n">{total_now["items_max"]:,}</td>',
    )
    assert all(cell in html for cell in row)
    assert "48,710" in html  # UCDP best estimate for 2016, per report


def test_demo_notes_hold(demo_json: tuple[Path, dict[str, Any]]) -> None:
    _, data = demo_json
    notes = " ".join(data["notes"])
    assert "not yet deduplicated" not in notes and "linked into incidents" in notes
    checks = data["checks"]
    if data["imports"][1:]:
        # the second export's rows are the first's records (same source and record id): only those that
        # are new or another version are current reports of the copy for linkage to join
        copy = data["imports"][2]
        assert 0 <= checks["archive_copies_joined"] <= checks["archive_copies"]
        assert checks["archive_copies"] == copy["rows_new"] + copy["rows_changed"]
        assert copy["rows_new"] + copy["rows_unchanged"] + copy["rows_changed"] == copy["rows_accepted"]
        if checks["archive_copies"]:
            assert f"{checks['archive_copies_joined']:,} of the {checks['archive_copies']:,} records" in notes


def test_ucdp_events_stay_apart_so_no_counted_item_is_lost(demo_json: tuple[Path, dict[str, Any]]) -> None:
    """Only UCDP reports give death counts and UCDP codes each event once (never joined by linkage), so
    every UCDP event is still counted per incident, and the demo has no merge to warn about."""
    _, data = demo_json
    checks = data["checks"]
    assert (checks["ucdp_incidents"], checks["ucdp_events"]) == (0, 0)
    now, before = data["figures"]["totals"][0], data["figures"]["per_report"]["totals"][0]
    assert before["items_max"] == len(_ucdp()) == now["items_max"]
    assert "UCDP events. UCDP codes each event once" not in " ".join(data["notes"])
