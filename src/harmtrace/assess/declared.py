"""A belligerent's own strike log (place, day, number of strikes) imported as evidence.

The import follows the ingest pipeline's rules: the file is hashed and read once (a re-import of the same
file with the same places and belligerent adds nothing), every data row becomes a document holding its
raw bytes, and is either accepted as a `declared_strike` or quarantined with every reason found, all in
one transaction. The batch records the belligerent and the places file (name and SHA-256) as its mapping.

Strike logs name places, not points (CENTCOM: "near Raqqa, 4 strikes"), so each row's place is looked
up in a places file (name, lat, lng; tab- or comma-separated, e.g. the Guardian's syria-locations.tsv),
else in the gazetteer (`place` table, English or Arabic name, case-insensitive). A place found in neither,
or in the gazetteer more than once, is quarantined: the reason names the place and what to do. A place
stands for a point with location precision `place_precision` (default within 25 km: a log's "near X").
The Guardian file is place-level aggregated counts per day: a row is several strikes, not an incident.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any, Final

import duckdb
import numpy as np
import pyarrow as pa

from harmtrace.choices import DEFAULT_PLACE_PRECISION
from harmtrace.errors import InputError, param
from harmtrace.ingest.intake import ImportResult, InputFile, Intake, import_rows
from harmtrace.ingest.rawfile import RawFile, raw_documents, read_raw, record_bytes, split_records
from harmtrace.model import LOCATION_PRECISIONS
from harmtrace.store import Store, scalar

FORMAT: Final = "declared-strikes"
REQUIRED: Final = ("date", "place", "strikes")


@dataclass(frozen=True)
class Place:
    latitude: float
    longitude: float
    placed_by: str


def read_places(path: Path) -> dict[str, tuple[float, float]]:
    """A places file (columns name, lat, lng or latitude, longitude) as lower-cased name -> (lat, lon)."""
    raw = read_raw(path)
    text = raw.text_utf8.decode("utf-8")
    rows = list(csv.DictReader(io.StringIO(text), delimiter=_delimiter(text)))
    found: dict[str, tuple[float, float]] = {}
    for n, row in enumerate(rows, start=1):
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in row.items()}
        lat, lon = row.get("lat", row.get("latitude")), row.get("lng", row.get("longitude", row.get("lon")))
        try:
            found[row["name"].lower()] = (float(lat or ""), float(lon or ""))
        except (KeyError, ValueError) as exc:
            raise InputError(
                f"{path}, row {n}: a places file needs columns name, lat, lng (or latitude, longitude) "
                f"with numbers ({exc}). Fix the row and import again."
            ) from exc
    return found


def _delimiter(text: str) -> str:
    header = text.lstrip("\r\n").split("\n", 1)[0]
    return "\t" if "\t" in header else ","


def import_declared(
    store: Store,
    path: Path,
    places_path: Path | None,
    belligerent: str,
    place_precision: str = DEFAULT_PLACE_PRECISION,
) -> ImportResult:
    """Import the strike log at `path`, declared by `belligerent`, placing rows by `places_path`."""
    if not belligerent.strip():
        raise InputError(
            f"{param('belligerent')} is empty: name who declared these strikes (e.g. 'US-led coalition')."
        )
    if place_precision not in LOCATION_PRECISIONS:
        raise InputError(
            f"place precision {place_precision!r} is not one of {', '.join(LOCATION_PRECISIONS)}."
        )
    raw = read_raw(path)
    places = read_places(places_path) if places_path else {}
    mapping = _mapping_text(belligerent.strip(), places_path, place_precision)
    intake = Intake(InputFile.of(raw), FORMAT, belligerent.strip(), "declared strike", mapping)
    rows, header, docs = _parse(raw)
    accepted, rejected = _check_rows(store, rows, places, place_precision)

    def write(con: duckdb.DuckDBPyConnection, batch_id: int) -> str:
        _write(con, batch_id, intake.source, accepted)
        return f"SELECT row_number FROM declared_strike WHERE batch_id = {batch_id}"

    result = import_rows(store, intake, header, docs, rejected, write)
    declared = sum(int(a["strikes"]) for a in accepted)
    # by the source, the belligerent
    return replace(result, what="declared strikes", details={**result.details, "strikes_declared": declared})


def _mapping_text(belligerent: str, places_path: Path | None, precision: str) -> str:
    places = "none (gazetteer only)"
    if places_path is not None:
        places = f"{places_path.name} sha256 {read_raw(places_path).sha256}"
    return f"belligerent: {belligerent}\nplaces: {places}\nplace_precision: {precision}\n"


def _parse(raw: RawFile) -> tuple[list[tuple[int, dict[str, str] | str]], list[str], pa.Table]:
    """Rows as (row number, fields by lower-cased column, or a parse problem), the header, documents."""
    records = split_records(raw.data)
    if len(records) < 2:
        raise InputError(f"{raw.path} has a header but no rows: there is nothing to import.")
    encoding = "utf-8" if raw.encoding in ("utf-8", "utf-8-sig") else raw.encoding
    texts = [b.decode(encoding) for b in record_bytes(raw.data, records, np.arange(len(records)))]
    delimiter = _delimiter(texts[0])
    header = [h.strip().lstrip("\ufeff") for h in next(csv.reader([texts[0]], delimiter=delimiter))]
    missing = [c for c in REQUIRED if c not in [h.lower() for h in header]]
    if missing:
        raise InputError(
            f"{raw.path} lacks column(s) {', '.join(missing)} (found: {', '.join(header)}). A strike log "
            "needs date, place and strikes."
        )
    rows: list[tuple[int, dict[str, str] | str]] = []
    for n, text in enumerate(texts[1:], start=1):
        fields = next(csv.reader([text], delimiter=delimiter), [])
        if len(fields) != len(header):
            rows.append((n, f"row_shape: row has {len(fields)} fields, header has {len(header)}"))
        else:
            rows.append((n, {h.lower(): v.strip() for h, v in zip(header, fields, strict=True)}))
    return rows, header, raw_documents(raw.data, records)


def _check_rows(
    store: Store,
    rows: list[tuple[int, dict[str, str] | str]],
    places: dict[str, tuple[float, float]],
    precision: str,
) -> tuple[list[dict[str, Any]], dict[int, list[str]]]:
    accepted: list[dict[str, Any]] = []
    rejected: dict[int, list[str]] = {}
    gazetteer = _gazetteer(store)
    for n, fields in rows:
        if isinstance(fields, str):
            rejected[n] = [fields]
            continue
        day, strikes, place, reasons = _check_fields(fields, places, gazetteer)
        if reasons:
            rejected[n] = reasons
            continue
        assert day is not None and strikes is not None and place is not None
        accepted.append({"row_number": n, "date": day, "place_text": fields["place"],
                         "latitude": place.latitude,
                         "longitude": place.longitude, "precision": precision, "strikes": strikes,
                         "placed_by": place.placed_by})  # fmt: skip
    return accepted, rejected


def _check_fields(
    fields: dict[str, str],
    places: dict[str, tuple[float, float]],
    gazetteer: dict[str, list[tuple[float, float]]],
) -> tuple[date | None, int | None, Place | None, list[str]]:
    """The row's day, strike count and place, and every reason it cannot be accepted."""
    reasons = []
    day = strikes = None
    try:
        day = date.fromisoformat(fields["date"])
    except ValueError:
        reasons.append(f"date_invalid: {fields['date']!r} is not a day written YYYY-MM-DD")
    try:
        strikes = int(fields["strikes"])
        if strikes < 1:
            reasons.append(f"strikes_invalid: {strikes} strikes; a declared row needs at least 1")
    except ValueError:
        reasons.append(f"strikes_invalid: {fields['strikes']!r} is not a whole number of strikes")
    place = _place(fields["place"], places, gazetteer)
    if isinstance(place, str):
        return day, strikes, None, [*reasons, place]
    return day, strikes, place, reasons


def _place(
    name: str, places: dict[str, tuple[float, float]], gazetteer: dict[str, list[tuple[float, float]]]
) -> Place | str:
    key = name.strip().lower()
    if not key:
        return "place_missing: the row names no place"
    if key in places:
        return Place(*places[key], placed_by="places file")
    found = gazetteer.get(key, [])
    if len(found) == 1:
        return Place(*found[0], placed_by="gazetteer")
    if len(found) > 1:
        return (f"place_ambiguous: {name!r} is not in the places file and names {len(found)} gazetteer "
                "places; "
                "add it to the places file with its coordinates")  # fmt: skip
    return (f"place_unknown: {name!r} is in neither the places file nor the gazetteer; add it to the places "
            "file (name, lat, lng) if it is in the area studied")  # fmt: skip


def _gazetteer(store: Store) -> dict[str, list[tuple[float, float]]]:
    """Lower-cased gazetteer names (English, Arabic, variants) -> the points of the places they name."""
    rows = store.rows(
        "SELECT DISTINCT lower(trim(n)) AS name, place_id, latitude, longitude FROM ("
        "SELECT name_en AS n, place_id, latitude, longitude FROM place UNION ALL "
        "SELECT name_ar, place_id, latitude, longitude FROM place UNION ALL "
        "SELECT pn.name, p.place_id, p.latitude, p.longitude FROM place_name pn "
        "JOIN place p USING (place_id)) "
        "WHERE n IS NOT NULL AND latitude IS NOT NULL AND longitude IS NOT NULL"
    )
    found: dict[str, dict[int, tuple[float, float]]] = {}
    for r in rows:
        found.setdefault(r["name"], {})[r["place_id"]] = (r["latitude"], r["longitude"])
    return {name: list(points.values()) for name, points in found.items()}


def _write(
    con: duckdb.DuckDBPyConnection, batch_id: int, belligerent: str, accepted: list[dict[str, Any]]
) -> None:
    if not accepted:
        return
    base = int(scalar(con, "SELECT coalesce(max(strike_id), 0) FROM declared_strike"))
    con.register("ht_strikes", pa.Table.from_pylist(accepted))
    con.execute(
        "INSERT INTO declared_strike SELECT ? + row_number() OVER (ORDER BY row_number), ?, "
        "row_number, ?, "
        "date, date, place_text, latitude, longitude, precision, strikes, placed_by FROM ht_strikes",
        [base, batch_id, belligerent],
    )
    con.unregister("ht_strikes")
