"""A real monitor's incident sheet (Airwars, Syria, 2017; read from ../shared/data, never copied): the
issue's cases are in it. Row 699 gives men killed 24-1 and row 1164 a longitude of 4239.00416; before,
each row was quarantined whole and its civilian toll left every figure. Now only the faulty field is
set aside, and the civilians killed are those the sheet gives, recomputed here from its own columns."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from harmtrace.analyse.casualties import CasualtyQuery, casualties
from harmtrace.ingest import get_format, import_file
from harmtrace.store import Store
from tests.conftest import ROOT

MAPPING = ROOT / "examples" / "mappings" / "airwars_incidents.yaml"


@pytest.fixture
def sheet(shared_data: Path) -> Path:
    return shared_data / "airwars_syria_2017" / "airwars_syria_incidents_2017.csv"


def _number(text: str) -> int | None:
    return int(text) if text.strip() else None


def test_a_faulty_secondary_field_keeps_the_incident_in_the_figures(store: Store, sheet: Path) -> None:
    result = import_file(store, get_format("incidents", MAPPING), sheet)
    assert (result.rows_read, result.rows_accepted, result.rows_quarantined) == (2284, 2283, 1)
    assert set(result.reasons) == {"date_order"}  # an end before its start: no date, no report
    issues = store.rows(
        "SELECT row_number, field, split_part(reason, ':', 1) AS code FROM field_issue ORDER BY 1"
    )
    assert [tuple(i.values()) for i in issues] == [
        (699, "killed_men", "count_order"), (1164, "coordinates", "coordinates_outside"),
    ]  # fmt: skip
    with sheet.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    kept = [r for n, r in enumerate(rows, start=1) if n != 1785]
    lows = [_number(r["civilians_killed_min"]) for r in kept]
    highs = [_number(r["civilians_killed_max"]) for r in kept]
    given = [(lo, hi) for lo, hi in zip(lows, highs, strict=True) if lo is not None or hi is not None]
    figure = casualties(store, CasualtyQuery(category="civilians"))["total"]
    assert figure["items_max"] == len(given)
    assert figure["count_min"] == sum(lo or 0 for lo, _ in given)
    assert figure["count_max"] == sum(hi if hi is not None else lo or 0 for lo, hi in given)
    # the two rows with a field set aside are counted, with their civilians
    row_699, row_1164 = rows[698], rows[1163]
    assert (_number(row_699["civilians_killed_min"]) or 0) > 0 and (
        _number(row_1164["civilians_killed_max"]) or 0
    ) > 0
    # Airwars gives ranges without a best: no best, and the reason
    assert figure["count_best"] is None and "without a best estimate" in (figure["best_missing"] or "")
