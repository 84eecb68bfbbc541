"""The HTML report on stores other than the demo's: empty, and UCDP without governorates."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from harmtrace.errors import QueryError
from harmtrace.ingest import get_format, import_file
from harmtrace.publish import collect, write_report
from harmtrace.publish.charts import month_band_svg, month_series
from harmtrace.publish.report import per_report_figures
from harmtrace.store import Store
from tests.conftest import UCDP_CSV, run_cli


def test_an_empty_store_gives_no_report_and_says_why(store: Store, tmp_path: Path) -> None:
    with pytest.raises(QueryError, match="holds no reports, so there is no figure to give"):
        write_report(store, tmp_path / "empty.html")
    assert not (tmp_path / "empty.html").exists()
    store.close()
    result = run_cli(store.path, "report", "html", str(tmp_path / "empty.html"))
    assert result.exit_code == 1 and "Import reports first" in result.output


def test_without_locate_every_report_is_not_located(store: Store, tmp_path: Path) -> None:
    import_file(store, get_format("ucdp-ged"), UCDP_CSV)
    data = collect(store)
    assert [g["group"] for g in data.civilians_by_adm1] == ["(not located)"]
    assert data.civilians_by_adm1[0]["count_max"] == 26653
    assert data.placement is None
    assert any("run the locate step first" in n for n in data.notes)


def test_months_without_counted_reports_are_gaps_not_zeros() -> None:
    def month(key: str, items: int, n: int | None) -> dict[str, object]:
        return {"key": key, "items_max": items, "count_min": n or 0, "count_best": n, "count_max": n or 0}

    rows = [month("2015-12", 0, None), month("2016-01", 2, 5), month("2016-02", 0, None),
            month("2016-03", 1, 7), month("2016-04", 0, None)]  # fmt: skip
    months, low, best, high = month_series(rows)
    assert [str(m) for m in months] == ["2016-01-01", "2016-02-01", "2016-03-01"]
    assert np.isnan(best[1]) and np.isnan(low[1]) and np.isnan(high[1])
    assert high[[0, 2]].tolist() == [5.0, 7.0]
    svg = month_band_svg(rows, "test")
    assert svg.startswith("<svg") and "killed per month" in svg


def test_report_command_needs_an_existing_store(tmp_path: Path) -> None:
    result = run_cli(tmp_path / "none.duckdb", "report", "html", str(tmp_path / "r.html"))
    assert result.exit_code == 1 and "No store at" in result.output


def test_before_linking_the_figures_are_the_per_report_ones(store: Store, tmp_path: Path) -> None:
    import_file(store, get_format("ucdp-ged"), UCDP_CSV)
    per_report = per_report_figures(store)
    data = write_report(store, tmp_path / "r.html", per_report)
    assert not data.deduplicated and data.incidents is None
    assert data.by_year == per_report.by_year and data.totals == per_report.totals
    # nothing to compare before linking: the report says figures are not yet deduplicated instead
    assert data.compared("year") == [] and data.compared("all") == []
    html = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "not yet deduplicated" in html and "What deduplication changed" not in html
    assert "Reports linked into incidents" not in html


def test_governorate_bars_leave_out_no_count_and_invent_no_best() -> None:
    from harmtrace.publish.charts import bars_svg

    rows = [
        {"group": "Aleppo", "key": "SY02", "items_max": 3, "count_min": 2, "count_best": 4, "count_max": 9},
        {"group": "Hama", "key": "SY05", "items_max": 2, "count_min": 1, "count_best": None, "count_max": 5},
        {"group": "Homs", "key": "SY04", "items_max": 0, "count_min": None, "count_best": None,
         "count_max": None},
    ]  # fmt: skip
    svg = bars_svg(rows, "group", "Civilians killed")
    assert "Aleppo" in svg and "Hama" in svg and "Homs" not in svg
