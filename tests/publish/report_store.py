"""A store whose report has small cells, and the report's tables and chart elements read back from its HTML.

Three bundled UCDP rows with their counts set, imported and placed in governorates with the CLI:
2016 in Homs, 3 civilians killed by the government alone (a cell of 1-4 people: the public sees "< 5");
2017 in Idleb, no one killed (a known 0); 2018 in Aleppo, a clash of two sides killing 100 fighters
and 20 civilians (UCDP does not say which side killed the civilians, so the sides have no best).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from tests.conftest import BUNDLED, run_ok
from tests.ingest.ucdp_rows import ucdp_rows, write_csv

CSV_NAME = "ged_small_cells.csv"
# (day, deaths_a, deaths_b, civilians, type of violence: 3 one-sided, 1 state-based)
ROWS = (("2016-03-05", 0, 0, 3, "3"), ("2017-06-01", 0, 0, 0, "3"), ("2018-02-01", 50, 50, 20, "1"))
SVG = "{http://www.w3.org/2000/svg}"


def small_cells_store(folder: Path) -> Path:
    """The store described above, in `folder`."""
    header, rows = ucdp_rows(len(ROWS))  # their points: Homs, Idleb, Aleppo governorates
    for row, (day, a, b, civilians, violence) in zip(rows, ROWS, strict=True):
        total = str(a + b + civilians)
        row.update(date_start=day, date_end=day, year=day[:4], deaths_a=str(a), deaths_b=str(b),
                   deaths_civilians=str(civilians), deaths_unknown="0", low=total, best=total, high=total,
                   type_of_violence=violence)  # fmt: skip
    db = folder / "store.duckdb"
    run_ok(db, "ingest", "ucdp-ged", str(write_csv(folder / CSV_NAME, header, rows)))
    run_ok(db, "locate", "admin", str(BUNDLED / "syr_admin1.geojson"))
    return db


class _Tables(HTMLParser):
    """Every <table> outside the charts as rows of cell texts."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[list[list[str]]] = []
        self.cell: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self.cell = ""

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self.cell is not None:
            self.tables[-1][-1].append(self.cell.strip())
            self.cell = None

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.cell += data


def tables(html: str) -> dict[str, dict[str, dict[str, str]]]:
    """The report's tables by the heading of their first column ("year", "side", ...): each row by its
    first cell, as {column heading: cell}."""
    parser = _Tables()
    parser.feed(html)
    out = {}
    for table in parser.tables:
        head, *rows = table
        out[head[0]] = {row[0]: dict(zip(head, row, strict=True)) for row in rows}
    return out


def svgs(html: str) -> list[ElementTree.Element]:
    """The report's charts, parsed."""
    return [ElementTree.fromstring(m) for m in re.findall(r"<svg.*?</svg>", html, flags=re.DOTALL)]


def element(svg: ElementTree.Element, gid: str) -> ElementTree.Element | None:
    return next((g for g in svg.iter(f"{SVG}g") if g.get("id") == gid), None)


def width(svg: ElementTree.Element, gid: str) -> float:
    """The width in SVG units of the bar or band drawn with id `gid` (0 for a bar not drawn)."""
    found = element(svg, gid)
    assert found is not None, f"no element {gid} in the chart"
    path = found.find(f"{SVG}path")
    assert path is not None
    xs = [float(x) for x in re.findall(r"[ML] ([-\d.]+) [-\d.]+", path.get("d", ""))]
    return max(xs) - min(xs) if xs else 0.0


def tooltip(svg: ElementTree.Element, gid: str) -> Any:
    found = element(svg, gid)
    title = found.find(f"{SVG}title") if found is not None else None
    return title.text if title is not None else None
