"""Invented gazetteer and reports for locating tests: two square governorates and a few named places.

Every name here is made up (no real place, no person). West (XX01) and East (XX02) are 1-degree
squares side by side, sharing the meridian 37 E, as in test_admin.py.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

WEST = [(36.0, 34.0), (37.0, 34.0), (37.0, 35.0), (36.0, 35.0), (36.0, 34.0)]
EAST = [(37.0, 34.0), (38.0, 34.0), (38.0, 35.0), (37.0, 35.0), (37.0, 34.0)]

# GeoNames rows: (geonameid, name, alternatenames, lat, lon, feature class, feature code, population)
GEONAMES = [
    ("1001", "Kafr Testa", "كفر تستا", 34.5, 36.5, "P", "PPL", "2000"),
    ("1002", "Tall Nimr", "تل نمر", 34.2, 36.2, "P", "PPL", "900"),
    ("1003", "Tall Nimr", "", 34.8, 37.8, "P", "PPL", "700"),
    ("1004", "Madinat Kabira", "مدينة كبيرة", 34.5, 37.5, "P", "PPLA", "250000"),
    ("1005", "Madinat Kabira", "", 34.4, 37.4, "A", "ADM2", "0"),
    ("1006", "Mustashfa Hill", "", 34.6, 37.6, "S", "HSP", ""),
]

# Collection-layout Syrian Archive rows (invented): (reference_code, location, latitude, longitude)
REPORTS = [
    ("T_1", "WEST : Kafr Testa", "", ""),  # exact Latin name
    ("T_2", "WEST : كفر تستا", "", ""),  # exact Arabic name
    ("T_3", "WEST : Kfar Tasta", "", ""),  # same consonant skeleton
    ("T_4", "Tall Nimr", "", ""),  # two villages of one name, no governorate: ambiguous
    ("T_5", "EAST : Tall Nimr", "", ""),  # the governorate tells them apart
    ("T_6", "EAST : Madinat Kabira", "", ""),  # the city is finer than the district of its name
    ("T_7", "EAST : Unknown Hamlet", "", ""),  # not found: falls back to the governorate
    ("T_8", "NOWHERE : Zzqx", "", ""),  # nothing matches
    ("T_9", "EAST : Somewhere", "34.3", "37.3"),  # has coordinates: not located from text
]
COLLECTION_HEADER = ["youtube_id", "description_en", "acquired_from", "description_ar", "recording_date",
                     "location_latitude", "location_longitude", "weapons", "location", "reference_code",
                     "type_of_violation"]  # fmt: skip


def admin1_geojson(path: Path) -> Path:
    """The two squares as an OCHA-style level-1 boundary file (English and Arabic names)."""
    features: list[dict[str, Any]] = []
    for pcode, en, ar, ring in (("XX01", "West", "الغربية", WEST), ("XX02", "East", "الشرقية", EAST)):
        props = {"adm1_pcode": pcode, "adm1_name": en, "adm1_name1": ar, "adm0_pcode": "XX"}
        geometry = {"type": "Polygon", "coordinates": [[list(p) for p in ring]]}
        features.append({"type": "Feature", "properties": props, "geometry": geometry})
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    return path


def geonames_file(path: Path, rows: Sequence[tuple[Any, ...]] = GEONAMES) -> Path:
    """A GeoNames dump of `rows`: the 19 standard columns, tab-separated, no header."""
    lines = []
    for gid, name, alternates, lat, lon, fclass, fcode, population in rows:
        cells = [gid, name, name, alternates, str(lat), str(lon), fclass, fcode, "XX", "", "01", "", "", "",
                 population, "", "100", "Asia/Damascus", "2024-01-01"]  # fmt: skip
        lines.append("\t".join(cells))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def reports_file(path: Path, rows: list[tuple[str, str, str, str]] = REPORTS) -> Path:
    """A Syrian Archive collection export of invented video records at the given places."""
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=COLLECTION_HEADER)
        writer.writeheader()
        for ref, location, lat, lon in rows:
            writer.writerow(
                {
                    "youtube_id": f"yt{ref}",
                    "description_en": f"Shelling recorded in test video {ref}",
                    "acquired_from": "test",
                    "description_ar": "",
                    "recording_date": "2016-05-01",
                    "location_latitude": lat,
                    "location_longitude": lon,
                    "weapons": "",
                    "location": location,
                    "reference_code": ref,
                    "type_of_violation": "Unlawful attacks",
                }
            )
    return path
