"""Units of doubt: what a field issue sets aside in a normalised row, and nothing more.

A field issue names a unit:

- a harm pair, e.g. ``killed_men``: killed_men_min, killed_men_max and killed_men_best become unknown;
- ``coordinates``: latitude and longitude become unknown and location_precision 'unknown'; the place
  text stays, so the gazetteer can still place the report;
- ``age``: age_min and age_max;
- ``date`` (victim records only: a report without a date is quarantined): date_start and date_end,
  and date_precision 'unknown';
- any other normalised field, e.g. ``location_precision``: it takes its default (unknown, blank or an
  empty list).

A unit that names no normalised field (a source column no field keeps, such as UCDP's deaths_unknown)
sets nothing aside; its issue is still recorded.

>>> unit_of("killed_men_max"), unit_of("longitude"), unit_of("age_min"), unit_of("source_grade")
('killed_men', 'coordinates', 'age', 'source_grade')
>>> set_aside("coordinates", {"latitude": "NULL::DOUBLE", "longitude": "NULL::DOUBLE",
...                           "location_precision": "'unknown'"})
{'latitude': 'NULL::DOUBLE', 'longitude': 'NULL::DOUBLE', 'location_precision': "'unknown'"}
"""

from __future__ import annotations

from typing import Final

from harmtrace.model import BOUNDS, CATEGORIES, HARMS, harm_column

_GROUPS: Final[dict[str, tuple[str, ...]]] = {
    "coordinates": ("latitude", "longitude", "location_precision"),
    "age": ("age_min", "age_max"),
    "date": ("date_start", "date_end", "date_precision"),
    **{f"{h}_{c}": tuple(harm_column(h, c, b) for b in BOUNDS) for h in HARMS for c in CATEGORIES},
}
_UNIT_OF: Final[dict[str, str]] = {
    **{f: unit for unit, fields in _GROUPS.items() for f in fields if f not in ("location_precision",)},
    "date_precision": "date_precision",
}


def unit_of(field: str) -> str:
    """The unit a problem with normalised field `field` sets aside (the pair or group it belongs to)."""
    return _UNIT_OF.get(field, field)


def set_aside(unit: str, defaults: dict[str, str]) -> dict[str, str]:
    """Field -> the SQL value it takes when `unit` is set aside, for the fields of `defaults` it covers."""
    fields = _GROUPS.get(unit, (unit,))
    return {f: defaults[f] for f in fields if f in defaults}
