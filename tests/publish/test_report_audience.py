"""The HTML report through the publication policy: small cells as "< 5" in tables and as bands in charts
for the public, exact for the team; a known 0 and an unknown kept as they are; file names left out."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from harmtrace.publish import write_report
from harmtrace.publish.charts import bars_svg, month_band_svg, month_series
from harmtrace.publish.policy import Audience, Role
from harmtrace.publish.report_audience import figure_rows
from harmtrace.store import open_store
from tests.publish.report_store import CSV_NAME, small_cells_store, svgs, tables, tooltip, width

COUNTS = ("min", "best", "max")


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return small_cells_store(tmp_path_factory.mktemp("report_audience"))


@pytest.fixture(scope="module")
def reports(db: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[Role, str]:
    """The report's HTML for the public (the default), a viewer and admin."""
    folder = tmp_path_factory.mktemp("reports")
    out = {}
    with open_store(db, read_only=True) as store:
        for role in (None, Role.VIEWER, Role.ADMIN):
            path = folder / f"{role}.html"
            if role is None:
                write_report(store, path)
            else:
                write_report(store, path, audience=Audience(role))
            out[role or Role.PUBLIC] = path.read_text(encoding="utf-8")
    return out


def cells(html: str, table: str, row: str) -> tuple[str, ...]:
    found = tables(html)[table][row]
    return tuple(found[c] for c in COUNTS)


def test_the_public_sees_a_small_cell_as_under_5_the_team_exactly(reports: dict[Role, str]) -> None:
    public, viewer, admin = reports[Role.PUBLIC], reports[Role.VIEWER], reports[Role.ADMIN]
    assert cells(public, "year", "2016") == ("< 5", "< 5", "< 5")
    assert cells(public, "governorate", "Homs") == ("< 5", "< 5", "< 5")
    # the government's minimum counts only its own one-sided killing of 3; its maximum is large
    assert cells(public, "side", "Government of Syria") == ("< 5", "no best", "73")
    for team in (viewer, admin):
        assert cells(team, "year", "2016") == ("3", "3", "3")
        assert cells(team, "governorate", "Homs") == ("3", "3", "3")
        assert cells(team, "side", "Government of Syria") == ("3", "no best", "73")
    # figures of 5 or more are exact for everyone
    assert cells(public, "year", "2018") == cells(admin, "year", "2018") == ("120", "120", "120")
    assert cells(public, "who", "civilians killed") == ("23", "23", "23")


def test_a_known_zero_stays_zero_and_an_unknown_stays_unknown(reports: dict[Role, str]) -> None:
    public = reports[Role.PUBLIC]
    assert cells(public, "year", "2017") == ("0", "0", "0")
    assert cells(public, "governorate", "Idleb") == ("0", "0", "0")
    # UCDP does not say which side killed the clash's civilians: no best, never a number
    assert cells(public, "side", "Syrian insurgents") == ("0", "no best", "70")


def test_the_report_says_whom_it_is_for_and_leaves_out_file_names(db: Path, reports: dict[Role, str]) -> None:
    public, viewer = reports[Role.PUBLIC], reports[Role.VIEWER]
    assert "Published for the public: counts of fewer than 5 people are shown as “&lt; 5”" in public
    assert "Small counts." in public and "Small counts." not in viewer
    assert "Published for the viewer role: every figure is exact." in viewer
    assert "file" not in tables(public)["batch"]["1"] and CSV_NAME not in public and str(db) not in public
    assert tables(viewer)["batch"]["1"]["file"] == CSV_NAME and str(db) in viewer


def test_a_suppressed_bar_is_drawn_as_a_band_to_5_not_at_its_height(reports: dict[Role, str]) -> None:
    """The governorate chart (rows: Aleppo 20, Homs 3, Idleb 0): Homs' bar for the public is the band
    from 0 to 5, a quarter of Aleppo's bar; for admin a bar of 3, three twentieths of it."""
    public = svgs(reports[Role.PUBLIC])[-1]
    admin = svgs(reports[Role.ADMIN])[-1]
    aleppo = width(public, "best-0")
    assert aleppo == pytest.approx(width(admin, "best-0")) and aleppo > 100
    assert width(public, "best-1") == 0.0
    assert width(public, "under-1") == pytest.approx(aleppo * 5 / 20, rel=1e-3)
    assert tooltip(public, "under-1") == "< 5"
    assert width(admin, "best-1") == pytest.approx(aleppo * 3 / 20, rel=1e-3)
    assert tooltip(admin, "under-1") is None and "not shown exactly" not in reports[Role.ADMIN]
    assert "fewer than 5: not shown exactly" in reports[Role.PUBLIC]


def test_a_suppressed_month_is_a_band_and_a_gap_in_the_line(reports: dict[Role, str]) -> None:
    months = svgs(reports[Role.PUBLIC])[0]
    assert tooltip(months, "under-2016-03") == "< 5"
    assert tooltip(months, "under-2018-02") is None  # 120 killed: drawn exactly
    assert tooltip(svgs(reports[Role.ADMIN])[0], "under-2016-03") is None


def test_bars_of_policed_rows() -> None:
    """The chart of rows as the policy gives them: a best of 2 is a band to 5 (half of a bar of 10),
    its range starting at 5; a best of 0 stays a bar of 0; a group without a count is left out."""
    rows = [
        {"group": "A", "key": "A", "items_max": 2, "count_min": 10, "count_best": 10, "count_max": 10},
        {"group": "B", "key": "B", "items_max": 1, "count_min": 2, "count_best": 2, "count_max": 9},
        {"group": "C", "key": "C", "items_max": 1, "count_min": 0, "count_best": 0, "count_max": 0},
        {"group": "D", "key": "D", "items_max": 0, "count_min": None, "count_best": None, "count_max": None},
    ]  # fmt: skip
    public = svgs(bars_svg(figure_rows(rows, Audience()), "group", "t"))[0]
    exact = svgs(bars_svg(figure_rows(rows, Audience(Role.ANALYST)), "group", "t"))[0]
    ten = width(public, "best-0")
    assert width(public, "under-1") == pytest.approx(ten / 2, rel=1e-3) and width(public, "best-1") == 0.0
    assert width(exact, "best-1") == pytest.approx(ten / 5, rel=1e-3)
    assert width(public, "best-2") == 0.0 and tooltip(public, "under-2") is None
    assert 'id="best-3"' not in public_text(rows) and 'id="under-3"' not in public_text(rows)


def public_text(rows: list[dict[str, object]]) -> str:
    return bars_svg(figure_rows(rows, Audience()), "group", "t")


def test_month_series_leave_suppressed_counts_out() -> None:
    def month(key: str, n: int) -> dict[str, object]:
        return {"key": key, "items_max": 1, "count_min": n, "count_best": n, "count_max": n + 3}

    rows = figure_rows([month("2016-01", 2), month("2016-02", 40)], Audience())
    _, low, best, high = month_series(rows)
    assert np.isnan(low[0]) and np.isnan(best[0]) and high[0] == 5.0  # 2 + 3: not below 5
    assert (low[1], best[1], high[1]) == (40.0, 40.0, 43.0)
    chart = month_band_svg(rows, "t")
    assert 'id="under-2016-01"' in chart and 'id="under-2016-02"' not in chart
