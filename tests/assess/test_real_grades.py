"""Grades of the real UCDP GED Syria events: battles whose reports count combatant deaths only are no
civilian-harm claim (not graded, not Discounted), checked against the CSV's own columns."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from harmtrace.assess.run import assess_incidents
from harmtrace.ingest import get_format, import_file
from harmtrace.store import Store

UCDP = Path("ucdp_ged_syria") / "ucdp_ged_syria_2016-01_2019-11.csv"


@pytest.mark.scale
def test_ucdp_events_without_civilian_harm_are_not_graded(store: Store, shared_data: Path) -> None:
    import_file(store, get_format("ucdp-ged"), shared_data / UCDP)
    summary = assess_incidents(store).as_dict()
    with (shared_data / UCDP).open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    # UCDP alleges no civilian harm when it counts no civilian and no victim of unknown status in its
    # best estimate and does not code the event as violence against civilians (one-sided, type 3)
    expected = sum(
        1
        for r in rows
        if int(r["deaths_civilians"]) == 0 and int(r["deaths_unknown"]) == 0 and r["type_of_violence"] != "3"
    )
    grades = summary["grades"]
    assert summary["incidents"] == len(rows) == 16_566
    assert grades["not_alleged"] == expected
    # one source per event: nothing corroborates or counters an allegation, so everything else is weak
    assert grades["weak"] == len(rows) - expected
    assert grades["discounted"] == grades["fair"] == grades["confirmed"] == grades["contested"] == 0
    reasons = store.rows(
        "SELECT grade_reasons[1] AS why FROM incident_assessment WHERE grade = 'not_alleged' LIMIT 1"
    )
    assert reasons[0]["why"].startswith("no civilian harm alleged: every report gives figures")
