"""A UCDP GED file without one publisher's citations: every trace of it leaves the source columns, and
nothing else changes."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from harmtrace.errors import InputError
from harmtrace.ingest.strip_citations import strip_publisher
from tests.conftest import TEST_DATA

CITING = {
    "source_article": '"SOHR,2017-01-07,Coalition warplanes kill 11 civilians";'
    '"Airwars,2017-03-01,January 6th 2017: (S380) قرية سويدية كبيرة  Sowaydiya Kabira village"',
    "source_headline": "Coalition warplanes kill 11 civilians;January 6th 2017: (S380) قرية سويدية كبيرة  "
    "Sowaydiya Kabira village",
    "source_date": "2017-01-07;2017-03-01",
    "source_office": "SOHR;Airwars",
    "source_original": "SOHR, Airwars",
    "date_start": "2017-01-06",
}


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_a_publishers_entries_leave_every_source_column(tmp_path: Path) -> None:
    rows = _rows(TEST_DATA / "ucdp_ged_windows.csv")
    rows[0].update(CITING)
    alone = {"source_article": '"Airwars,2017-03-01,CS480"', "source_headline": "CS480"}
    rows[1].update({**CITING, **alone, "source_date": "2017-03-01", "source_office": "Airwars"})
    rows[1]["source_original"] = "Airwars"
    given = tmp_path / "ucdp.csv"
    with given.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    out = tmp_path / "stripped.csv"
    assert strip_publisher(given, out, "Airwars") == 2
    got = _rows(out)
    assert len(got) == len(rows)
    assert got[0]["source_article"] == '"SOHR,2017-01-07,Coalition warplanes kill 11 civilians"'
    assert (got[0]["source_headline"], got[0]["source_date"]) == (
        "Coalition warplanes kill 11 civilians",
        "2017-01-07",
    )
    assert (got[0]["source_office"], got[0]["source_original"]) == ("SOHR", "SOHR")
    assert all(v == "" for k, v in got[1].items() if k.startswith("source_"))
    assert not any("airwars" in v.lower() or "S380" in v for r in got for v in r.values())
    # the other columns are untouched
    assert [{k: v for k, v in r.items() if not k.startswith("source_")} for r in got] == [
        {k: v for k, v in r.items() if not k.startswith("source_")} for r in rows
    ]
    assert len(_rows(out)) == len(rows)
    strip_publisher(given, out, "Airwars", year=2016)
    assert [r["id"] for r in _rows(out)] == [r["id"] for r in rows if r["date_start"].startswith("2016")]


def test_a_file_that_is_not_ucdp_is_refused(tmp_path: Path) -> None:
    other = tmp_path / "x.csv"
    other.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(InputError, match="not a UCDP GED CSV"):
        strip_publisher(other, tmp_path / "y.csv", "Airwars")
