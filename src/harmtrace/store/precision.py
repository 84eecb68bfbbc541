"""Precision radii: the radius in metres each location precision word stands for, and the SQL CASE that
turns a precision column into radii.

The defaults are the vocabulary ``vocabularies/precision.yaml`` (word: metres, null = unbounded, with
what each word covers); `harmtrace.locate.precision` says what a radius means and reads a user's own
table. They sit in the store because the store's `report_points` relation (`harmtrace.store.relations`)
gives each point its radius.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Final

from harmtrace import vocabulary
from harmtrace.errors import InputError
from harmtrace.model import LOCATION_PRECISIONS

VOCABULARY: Final = "precision"


def default_radii(data: object) -> dict[str, float | None]:
    """The radius table a parsed precision vocabulary holds, checked: every word of
    `harmtrace.model.LOCATION_PRECISIONS` once, each a non-negative number of metres or null.

    >>> default_radii({w: None for w in LOCATION_PRECISIONS})["town"] is None
    True
    """
    where = vocabulary.path_of(VOCABULARY)
    if not isinstance(data, dict):
        raise InputError(
            f"{where} must map precision words to metres (e.g. 'town: 5000'), not {type(data).__name__}."
        )
    unknown = [str(w) for w in data if w not in LOCATION_PRECISIONS]
    missing = [w for w in LOCATION_PRECISIONS if w not in data]
    if unknown or missing:
        raise InputError(
            f"{where} must give a radius for each precision word, and only those "
            f"({', '.join(LOCATION_PRECISIONS)}): unknown {', '.join(unknown) or 'none'}; "
            f"missing {', '.join(missing) or 'none'}."
        )
    table: dict[str, float | None] = {}
    for word, metres in data.items():
        if metres is not None and (
            isinstance(metres, bool)
            or not isinstance(metres, int | float)
            or not math.isfinite(metres)
            or metres < 0
        ):
            raise InputError(
                f"{where}: the radius of {word!r} must be a non-negative number of metres or null, "
                f"not {metres!r}."
            )
        table[word] = None if metres is None else float(metres)
    return table


DEFAULT_RADIUS_M: Final[Mapping[str, float | None]] = default_radii(vocabulary.load(VOCABULARY))


def radii(overrides: Mapping[str, float | None] | None = None) -> dict[str, float | None]:
    """The radius per precision word, defaults updated by `overrides` (metres; None = unbounded).

    >>> radii({"town": 3000})["town"]
    3000.0
    """
    table = dict(DEFAULT_RADIUS_M)
    for word, metres in (overrides or {}).items():
        if word not in LOCATION_PRECISIONS:
            raise InputError(
                f"unknown location precision {word!r}: use one of {', '.join(LOCATION_PRECISIONS)}"
            )
        if metres is not None and (not math.isfinite(float(metres)) or float(metres) < 0):
            raise InputError(f"radius for {word!r} must be a non-negative number of metres, not {metres!r}")
        table[word] = None if metres is None else float(metres)
    return table


def radius_sql(column: str, overrides: Mapping[str, float | None] | None = None) -> str:
    """A SQL CASE giving the radius in metres of the precision word in `column` (NULL = unbounded).

    >>> radius_sql("p", {"exact": 10}).startswith("CAST(CASE p WHEN 'exact' THEN 10.0")
    True
    """
    table = radii(overrides)
    whens = " ".join(f"WHEN '{w}' THEN {r!r}" for w, r in table.items() if r is not None)
    return f"CAST(CASE {column} {whens} ELSE NULL END AS DOUBLE)"
