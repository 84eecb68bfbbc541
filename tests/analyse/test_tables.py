"""The typed results for notebooks: their rows say what `casualties` says, and a figure no source gives is
null in Arrow and pandas, never 0."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pyarrow as pa

from harmtrace.analyse.casualties import CasualtyQuery, casualties
from harmtrace.analyse.tables import casualty_figures
from harmtrace.ingest import get_format, import_file
from harmtrace.store import Store
from tests.conftest import TEST_DATA

MONTHS = {"date_from": date(2016, 1, 1), "date_to": date(2016, 3, 31), "by": "month"}


def test_rows_are_the_groups_of_the_figure_with_no_count_kept_null(store: Store) -> None:
    import_file(store, get_format("ucdp-ged"), TEST_DATA / "ucdp_ged_windows.csv")
    table = casualty_figures(store, **MONTHS)
    assert table.as_dict() == casualties(store, CasualtyQuery(**MONTHS))  # the command's --json
    frame = table.to_pandas()
    assert list(frame["label"]) == ["2016-01", "2016-02", "2016-03"]
    january = frame.iloc[0]
    # no event touches January: no count, which must stay unknown, not become 0
    assert pd.isna(january["min"]) and pd.isna(january["best"]) and pd.isna(january["max"])
    assert str(frame["min"].dtype) == "Int64"
    arrow = table.to_arrow()
    assert arrow.column("max").null_count == 1 and arrow.schema.field("date_from").type == pa.date32()
    march = next(g for g in table.groups if g.label == "2016-03")
    assert frame.iloc[2]["max"] == march.max == table.as_dict()["groups"][2]["count_max"]


def test_an_ungrouped_figure_is_one_row_for_the_whole_window(store: Store) -> None:
    import_file(store, get_format("ucdp-ged"), TEST_DATA / "ucdp_ged_windows.csv")
    table = casualty_figures(store, date_from=date(2016, 3, 1), date_to=date(2016, 3, 31), grades=[])
    assert table.groups == () and len(table.to_arrow()) == 1
    row = table.to_arrow().to_pylist()[0]
    assert (row["label"], row["min"], row["max"]) == ("total", table.total.min, table.total.max)
    assert table.scope.startswith("Sources: ")
