"""The gazetteer in the store: places and every name of each, keyed for matching in both scripts.

`import_places` reads one file (`harmtrace.locate.place_files`) and replaces what the store holds
from a file of that name, in one transaction. A place keeps its `place_id` across re-imports (it is
identified by the file name and the entry's own id in the file: P-code, pk, geonameid), so reports
located by it stay located; a place gone from the file is removed with the locations that used it.
An OCHA boundary layer also fills `admin_area` and re-places reports at its level, so one import
serves both the gazetteer and `harmtrace locate admin`. Each file is a batch (`harmtrace.ingest.intake`):
its rows are documents, those without a name or a point quarantined; the same file imported again
adds nothing unless another file of its name has been imported since.

Places without admin codes (GeoNames, the Syrian Archive) get them from the stored OCHA polygons by
point in polygon (`code_places`), now and whenever `harmtrace locate places` runs.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any, Final

import duckdb
import numpy as np
import pyarrow as pa
import shapely

from harmtrace.choices import DEFAULT_TOLERANCE_KM, PLACE_FILE_FORMATS
from harmtrace.ingest.intake import ImportResult, Intake, import_rows
from harmtrace.locate.admin import (
    assign_points,
    place_reports,
    precisions_placed,
    store_areas,
)
from harmtrace.locate.place_files import Place, PlaceFile, read_place_file
from harmtrace.locate.place_keys import place_key, place_skeleton, script_of
from harmtrace.store import Store, scalar

PLACE_FORMATS: Final = {fmt: f"places-{fmt}" for fmt in PLACE_FILE_FORMATS}  # the format of each file's batch
PUBLISHERS: Final = {"ocha": "OCHA COD-AB", "syrian-archive": "Syrian Archive", "geonames": "GeoNames"}


def import_places(store: Store, path: Path, fmt: str) -> ImportResult:
    """Read `path` (format `fmt`) and replace the places of that file name in the store, atomically.

    The file is a batch like any other (rows without a name or a point quarantined); the same file
    imported again, with no other file of its name since, adds nothing.
    """
    found = read_place_file(path, fmt)
    intake = Intake(found.rows.file, PLACE_FORMATS[fmt], PUBLISHERS[fmt], "place")
    places = _unique_refs(found.places)
    done: dict[str, Any] = {}

    def write(con: duckdb.DuckDBPyConnection, batch_id: int) -> list[int]:
        done.update(_store_file(con, path.name, fmt, found, places))
        return [p.row_number for p in places]

    rows, replaced_by = found.rows, tuple(PLACE_FORMATS.values())
    result = import_rows(store, intake, rows.header, rows.documents(), found.rejected, write, replaced_by)
    result = replace(result, what=found.layer)
    if result.already_imported:
        return result
    details = {"places": len(places), **done["counts"]}
    if found.areas:
        details["admin_areas"] = len(found.areas)  # and the reports placed again at their level
    breakdowns = {
        "by_precision": dict(Counter(p.precision for p in places).most_common()),
        "coded": done["coded"],
    }
    return replace(result, details=details, breakdowns=breakdowns)


def _store_file(
    con: duckdb.DuckDBPyConnection, source_file: str, fmt: str, found: PlaceFile, places: list[Place]
) -> dict[str, Any]:
    """The file's admin areas (reports re-placed at their level), places and names; places coded."""
    if found.areas:
        store_areas(con, found.areas, source_file)
        place_reports(con, found.areas[0].level, DEFAULT_TOLERANCE_KM, source_file=source_file)
    counts = _replace_places(con, source_file, fmt, places)
    counts["names"] = _store_names(con, source_file, places)
    return {"counts": counts, "coded": code_places(con)}


def _unique_refs(places: list[Place]) -> list[Place]:
    """Places whose ref repeats in one file get '#2', '#3'... in file order, so each is kept."""
    seen: Counter[str] = Counter()
    for p in places:
        seen[p.source_ref] += 1
        if seen[p.source_ref] > 1:
            p.source_ref = f"{p.source_ref}#{seen[p.source_ref]}"
    return places


def _places_table(places: list[Place], source_file: str, fmt: str) -> pa.Table:
    geometries = [p.geometry for p in places]
    wkb = [None if g is None else shapely.to_wkb(g) for g in geometries]
    return pa.table(
        {
            "source_file": [source_file] * len(places),
            "source_format": [fmt] * len(places),
            "source_ref": [p.source_ref for p in places],
            "kind": [p.kind for p in places],
            "name_en": pa.array([p.name_en for p in places], pa.string()),
            "name_ar": pa.array([p.name_ar for p in places], pa.string()),
            "latitude": [float(p.latitude) for p in places],
            "longitude": [float(p.longitude) for p in places],
            "precision": [p.precision for p in places],
            "population": pa.array([p.population for p in places], pa.int64()),
            "geometry_wkb": pa.array(wkb, pa.binary()),
            "pcode": pa.array([p.pcode for p in places], pa.string()),
            **{
                f"adm{n}_pcode": pa.array([p.adm_pcodes.get(n) for p in places], pa.string())
                for n in (1, 2, 3)
            },
        }
    )


def _replace_places(
    con: duckdb.DuckDBPyConnection, source_file: str, fmt: str, places: list[Place]
) -> dict[str, int]:
    """Upsert the file's places keeping ids; drop the ones gone (and locations that used them)."""
    con.register("ht_new_places", _places_table(places, source_file, fmt))
    try:
        gone = (
            "SELECT place_id FROM place WHERE source_file = ? "
            "AND source_ref NOT IN (SELECT source_ref FROM ht_new_places)"
        )
        removed = int(scalar(con, f"SELECT count(*) FROM ({gone})", [source_file]))
        con.execute(f"DELETE FROM report_location WHERE place_id IN ({gone})", [source_file])
        con.execute(
            "CREATE OR REPLACE TEMP TABLE ht_place_ids AS SELECT n.source_ref, coalesce(p.place_id, "
            "(SELECT coalesce(max(place_id), 0) FROM place) "
            "+ row_number() OVER (PARTITION BY p.place_id IS NULL ORDER BY n.source_ref)) AS place_id, "
            "p.place_id IS NOT NULL AS kept FROM ht_new_places n "
            "LEFT JOIN place p ON p.source_file = n.source_file AND p.source_ref = n.source_ref"
        )
        kept = int(scalar(con, "SELECT count(*) FILTER (WHERE kept) FROM ht_place_ids", []))
        con.execute(
            "DELETE FROM place_name WHERE place_id IN (SELECT place_id FROM place WHERE source_file = ?)",
            [source_file],
        )
        con.execute("DELETE FROM place WHERE source_file = ?", [source_file])
        con.execute(
            "INSERT INTO place BY NAME SELECT i.place_id, n.* FROM ht_new_places n "
            "JOIN ht_place_ids i USING (source_ref)"
        )
        # a kept place may have moved or changed precision: the locations it gave follow it
        con.execute(
            "UPDATE report_location l SET latitude = p.latitude, longitude = p.longitude, "
            "precision = p.precision FROM place p WHERE p.place_id = l.place_id AND p.source_file = ?",
            [source_file],
        )
    finally:
        con.unregister("ht_new_places")
        con.execute("DROP TABLE IF EXISTS ht_place_ids")
    return {"new": len(places) - kept, "kept": kept, "removed": removed}


def _store_names(con: duckdb.DuckDBPyConnection, source_file: str, places: list[Place]) -> int:
    """One place_name row per distinct (place, name) with a non-empty key."""
    ids = dict(
        con.execute("SELECT source_ref, place_id FROM place WHERE source_file = ?", [source_file]).fetchall()
    )
    rows: list[tuple[int, str, str, str, str]] = []
    for p in places:
        for name in p.names:
            key = place_key(name)
            if key:
                rows.append((ids[p.source_ref], name, script_of(name), key, place_skeleton(key)))
    table = pa.table(
        {
            c: [r[i] for r in rows]
            for i, c in enumerate(("place_id", "name", "script", "name_key", "skeleton"))
        }
    )
    con.register("ht_names", table)
    try:
        con.execute("INSERT INTO place_name SELECT DISTINCT * FROM ht_names")
    finally:
        con.unregister("ht_names")
    return len(rows)


def code_places(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Fill missing adm1-3 P-codes of places from the stored OCHA polygons; returns how many per level.

    A place is coded at a level only when its precision is fine enough for that level
    (`harmtrace.locate.admin.precisions_placed`): a governorate's point says nothing of its district.
    """
    coded: dict[str, int] = {}
    for level in (1, 2, 3):
        rows = con.execute(
            "SELECT pcode, geometry_wkb FROM admin_area WHERE level = ? ORDER BY pcode", [level]
        ).fetchall()
        todo = con.execute(
            f"SELECT place_id, longitude, latitude FROM place WHERE adm{level}_pcode IS NULL "
            "AND list_contains(?, precision) ORDER BY place_id",
            [list(precisions_placed(level))],
        ).fetchnumpy()
        if not rows or not len(todo["place_id"]):
            continue
        pcodes = np.array([r[0] for r in rows], dtype=object)
        areas = shapely.from_wkb([bytes(r[1]) for r in rows])
        index, _ = assign_points(
            np.asarray(todo["longitude"], float),
            np.asarray(todo["latitude"], float),
            areas,
            DEFAULT_TOLERANCE_KM,
        )
        found = index >= 0
        table = pa.table(
            {"place_id": np.asarray(todo["place_id"])[found], "pcode": pcodes[index[found]].astype(str)}
        )
        con.register("ht_coded", table)
        try:
            con.execute(
                f"UPDATE place SET adm{level}_pcode = c.pcode FROM ht_coded c "
                "WHERE c.place_id = place.place_id"
            )
        finally:
            con.unregister("ht_coded")
        coded[f"adm{level}"] = int(found.sum())
    return coded


def gazetteer_summary(store: Store) -> list[dict[str, Any]]:
    """Places and names per file, with the precision words they carry."""
    return store.rows(
        "SELECT p.source_file, p.source_format, count(DISTINCT p.place_id) AS places, "
        "count(n.name) AS names, "
        "count(DISTINCT p.place_id) FILTER (WHERE p.adm1_pcode IS NOT NULL) AS with_adm1 "
        "FROM place p LEFT JOIN place_name n USING (place_id) GROUP BY ALL ORDER BY p.source_file"
    )
