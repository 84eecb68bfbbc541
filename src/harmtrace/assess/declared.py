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
import hashlib
import io
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Final

import numpy as np
import pyarrow as pa

import harmtrace
from harmtrace.choices import DEFAULT_PLACE_PRECISION
from harmtrace.errors import InputError
from harmtrace.ingest.rawfile import RawFile, raw_documents, read_raw, record_bytes, split_records
from harmtrace.model import LOCATION_PRECISIONS
from harmtrace.store import BATCH_COLUMNS, Store, scalar

FORMAT: Final = "declared-strikes"
REQUIRED: Final = ("date", "place", "strikes")


@dataclass(frozen=True)
class Place:
    latitude: float
    longitude: float
    placed_by: str


@dataclass
class DeclaredImport:
    """What a declared-strike import did; `reasons` maps a reason code to (rows, first rows)."""

    batch_id: int
    file_name: str
    belligerent: str
    already_imported: bool
    rows_read: int = 0
    rows_accepted: int = 0
    rows_quarantined: int = 0
    strikes: int = 0
    reasons: dict[str, tuple[int, list[int]]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "batch_id": self.batch_id,
            "file": self.file_name,
            "format": FORMAT,
            "belligerent": self.belligerent,
            "already_imported": self.already_imported,
            "rows_read": self.rows_read,
            "rows_accepted": self.rows_accepted,
            "rows_quarantined": self.rows_quarantined,
            "strikes": self.strikes,
            "quarantine_reasons": {k: {"rows": n, "first_rows": r} for k, (n, r) in self.reasons.items()},
        }


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
) -> DeclaredImport:
    """Import the strike log at `path`, declared by `belligerent`, placing rows by `places_path`."""
    if not belligerent.strip():
        raise InputError("--belligerent is empty: name who declared these strikes (e.g. 'US-led coalition').")
    if place_precision not in LOCATION_PRECISIONS:
        raise InputError(
            f"place precision {place_precision!r} is not one of {', '.join(LOCATION_PRECISIONS)}."
        )
    raw = read_raw(path)
    places = read_places(places_path) if places_path else {}
    mapping = _mapping_text(belligerent.strip(), places_path, place_precision)
    mapping_sha = hashlib.sha256(mapping.encode("utf-8")).hexdigest()
    previous = store.scalar(
        "SELECT min(batch_id) FROM batch WHERE file_sha256 = ? AND format = ? AND mapping_sha256 = ?",
        [raw.sha256, FORMAT, mapping_sha],
    )
    if previous is not None:
        return _already(store, int(previous), raw, belligerent)
    started = datetime.now()
    with store.transaction() as con:
        batch_id = int(scalar(con, "SELECT coalesce(max(batch_id), 0) + 1 FROM batch"))
        result = DeclaredImport(batch_id, raw.path.name, belligerent.strip(), False)
        rows, header, docs = _parse(raw)
        con.register("ht_docs", docs)
        con.execute("INSERT INTO document SELECT ?, row_number, sha256, raw FROM ht_docs", [batch_id])
        con.unregister("ht_docs")
        accepted, rejected = _check_rows(store, rows, places, place_precision)
        _write(store, result, accepted, rejected)
        source_id = _source_id(store, result.belligerent)
        con.execute(
            f"INSERT INTO batch ({BATCH_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?)",
            [batch_id, source_id, FORMAT, raw.path.name, raw.sha256, len(raw.data), raw.encoding,
             mapping_sha, mapping, header, result.rows_read, result.rows_accepted, result.rows_quarantined,
             started, datetime.now(), harmtrace.__version__],
        )  # fmt: skip
    return result


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
    store: Store, result: DeclaredImport, accepted: list[dict[str, Any]], rejected: dict[int, list[str]]
) -> None:
    con = store.con
    result.rows_read = len(accepted) + len(rejected)
    result.rows_accepted, result.rows_quarantined = len(accepted), len(rejected)
    result.strikes = sum(int(a["strikes"]) for a in accepted)
    if rejected:
        numbers = sorted(rejected)
        con.register(
            "ht_rejected", pa.table({"row_number": numbers, "reasons": [rejected[n] for n in numbers]})
        )
        con.execute(
            "INSERT INTO quarantine SELECT ?, row_number, reasons FROM ht_rejected", [result.batch_id]
        )
        con.unregister("ht_rejected")
    if accepted:
        base = int(store.scalar("SELECT coalesce(max(strike_id), 0) FROM declared_strike"))
        con.register("ht_strikes", pa.Table.from_pylist(accepted))
        con.execute(
            "INSERT INTO declared_strike SELECT ? + row_number() OVER (ORDER BY row_number), ?, "
            "row_number, ?, "
            "date, date, place_text, latitude, longitude, precision, strikes, placed_by FROM ht_strikes",
            [base, result.batch_id, result.belligerent],
        )
        con.unregister("ht_strikes")
    result.reasons = _summarise(rejected)


def _summarise(rejected: dict[int, list[str]]) -> dict[str, tuple[int, list[int]]]:
    by_code: dict[str, list[int]] = {}
    for n in sorted(rejected):
        for code in dict.fromkeys(r.split(":", 1)[0] for r in rejected[n]):
            by_code.setdefault(code, []).append(n)
    ordered = sorted(by_code.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    return {code: (len(rows), rows[:5]) for code, rows in ordered}


def _source_id(store: Store, name: str) -> int:
    found = store.scalar("SELECT source_id FROM source WHERE name = ?", [name])
    if found is not None:
        return int(found)
    new_id = int(store.scalar("SELECT coalesce(max(source_id), 0) + 1 FROM source"))
    store.con.execute("INSERT INTO source (source_id, name) VALUES (?, ?)", [new_id, name])
    return new_id


def _already(store: Store, batch_id: int, raw: RawFile, belligerent: str) -> DeclaredImport:
    row = store.rows("SELECT * FROM batch WHERE batch_id = ?", [batch_id])[0]
    return DeclaredImport(
        batch_id, raw.path.name, belligerent.strip(), True, row["rows_read"], row["rows_accepted"],
        row["rows_quarantined"],
        int(store.scalar(
            "SELECT coalesce(sum(strikes), 0) FROM declared_strike WHERE batch_id = ?", [batch_id]
        )),
    )  # fmt: skip
