"""Location precision as distance: each precision word stands for a radius in metres around the point.

A report's point with precision P means "the event happened somewhere within radius(P) of this point".
Every distance computed from such a point is therefore a range: [max(0, d - r), d + r] for a point at
centre distance d. The default radii, chosen from what each word covers in Syria, are the vocabulary
``vocabularies/precision.yaml``, one line per word with what it covers (exact 50 m, town 5 km, governorate
100 km, unknown unbounded, ...); `DEFAULT_RADIUS_M`, `radii` and `radius_sql` live in
`harmtrace.store.precision`, below the relations that use them, and are named here too.

They can be changed per run (`radii(overrides)`, or a file: `load_radii`), and every output that uses them
says which were used.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from harmtrace.errors import InputError
from harmtrace.store.precision import DEFAULT_RADIUS_M, radii, radius_sql

__all__ = ["DEFAULT_RADIUS_M", "load_radii", "radii", "radius_sql"]


def load_radii(path: Path) -> dict[str, float | None]:
    """The radius per precision word from a YAML file of ``word: metres`` lines (``null`` = unbounded).

    Words the file leaves out keep their default; the file may hold only the words it changes. The
    result is the full table (`radii`), so a caller can print exactly which radii it used.
    """
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise InputError(f"Radii file not found: {path}. Check the path and try again.") from exc
    except yaml.YAMLError as exc:
        raise InputError(f"{path} is not valid YAML ({exc}). Write one 'word: metres' per line.") from exc
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise InputError(
            f"{path} must map precision words to metres (e.g. 'town: 3000'), not {type(data).__name__}."
        )
    try:
        overrides = {str(w): None if m is None else float(m) for w, m in data.items()}
    except (TypeError, ValueError) as exc:
        raise InputError(f"{path}: every radius must be a number of metres or null ({exc}).") from exc
    return radii(overrides)
