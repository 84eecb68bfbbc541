"""Files harmtrace publishes (exports, maps, GeoJSON): written whole or not at all.

Every export goes through `replacing`: the data is written to a hidden temporary file beside the
target, which replaces the target only once complete, so a crash or a full disk never leaves a
half-written export under the real name (and never spoils an earlier good one). `copy_query` writes
a query as CSV or Parquet by DuckDB's COPY; `write_features` writes rows carrying ``latitude`` and
``longitude`` as a GeoJSON FeatureCollection (RFC 7946: a Point, or a null geometry when unplaced).

CSV is opened in spreadsheets, which run a cell beginning with ``=``, ``+``, ``-`` or ``@`` as a
formula (OWASP, "CSV Injection"): `spreadsheet_safe` makes every text cell read as text, and
`copy_query` is the one CSV writer of every export. Parquet and GeoJSON are not run by spreadsheets:
they keep the text as stored.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any, Final

from harmtrace.errors import InputError
from harmtrace.ingest.sql import lit, q
from harmtrace.store import Store

# first characters a spreadsheet reads as the start of a formula (or that hide one: tab, line breaks)
FORMULA_STARTS: Final = ("=", "+", "-", "@", "\t", "\r", "\n")


@contextmanager
def replacing(path: Path) -> Iterator[Path]:
    """Yield a temporary path to write; on success it replaces `path`, on failure it is removed."""
    if not path.parent.is_dir():
        raise InputError(f"Cannot write {path}: folder {path.parent} does not exist. Create it first.")
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def copy_query(store: Store, select: str, path: Path, fmt: str) -> None:
    """Write the rows of `select` to `path` as CSV (with a header) or Parquet, atomically.

    CSV goes through `spreadsheet_safe`: text cells quoted, formula-like ones made text. Parquet holds
    the rows as selected.
    """
    options = "FORMAT parquet"
    if fmt == "csv":
        select, text = spreadsheet_safe(store, select)
        options = "FORMAT csv, HEADER" + (f", FORCE_QUOTE ({', '.join(map(q, text))})" if text else "")
    with replacing(path) as tmp:
        # COPY takes no parameter for its target: the path is quoted as a SQL string literal
        quoted = "'" + str(tmp).replace("'", "''") + "'"
        store.con.execute(f"COPY ({select}) TO {quoted} ({options})").fetchall()


def spreadsheet_safe(store: Store, select: str) -> tuple[str, list[str]]:
    """`select` with every text (VARCHAR) cell a spreadsheet would run as a formula made text, and the
    names of its text columns, which the CSV writer quotes.

    As OWASP's CSV Injection page advises: a cell beginning with one of FORMULA_STARTS gets a single
    quote in front (``'=1+2``), which spreadsheets show as text; every text cell is wrapped in double
    quotes, its own double quotes doubled, so a separator (``,`` or ``;``) or quote inside it cannot
    start a new cell. Numbers, dates and booleans are left as they are (a count of -3 stays -3). Only
    the file changes: the store keeps the text as the source wrote it.
    """
    text = [r["column_name"] for r in store.rows(f"DESCRIBE ({select})") if r["column_type"] == "VARCHAR"]
    if not text:
        return select, text
    starts = ", ".join(lit(c) for c in FORMULA_STARTS)
    quote = lit("'")
    cells = ", ".join(
        f"CASE WHEN left({q(c)}, 1) IN ({starts}) THEN {quote} || {q(c)} ELSE {q(c)} END AS {q(c)}"
        for c in text
    )
    return f"SELECT * REPLACE ({cells}) FROM ({select})", text


def write_json(document: Mapping[str, Any], path: Path) -> None:
    """Write `document` as UTF-8 JSON (non-ASCII kept as is), atomically."""
    with replacing(path) as tmp, tmp.open("w", encoding="utf-8") as fh:
        json.dump(document, fh, ensure_ascii=False)


def write_features(rows: Iterable[Mapping[str, Any]], path: Path) -> int:
    """Write `rows` as a GeoJSON FeatureCollection, atomically; returns the features written."""
    features = [feature(row) for row in rows]
    write_json({"type": "FeatureCollection", "features": features}, path)
    return len(features)


def feature(row: Mapping[str, Any]) -> dict[str, Any]:
    """A GeoJSON Feature: a Point at the row's longitude/latitude (null geometry when either is
    missing), every other column a property, dates as ISO text.

    >>> feature({"latitude": 36.2, "longitude": 37.1, "day": date(2016, 2, 15)})["geometry"]
    {'type': 'Point', 'coordinates': [37.1, 36.2]}
    """
    props = {k: v.isoformat() if isinstance(v, date) else v for k, v in row.items()}
    lat, lon = props.pop("latitude", None), props.pop("longitude", None)
    geometry = None if lat is None or lon is None else {"type": "Point", "coordinates": [lon, lat]}
    return {"type": "Feature", "geometry": geometry, "properties": props}
