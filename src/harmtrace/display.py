"""Plain-text tables and JSON for the terminal: every table a command prints has a `--json` twin."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any


def to_json(value: Any) -> str:
    """Stable, strict JSON: sorted keys, ISO dates; an unbounded number is the string "inf" / "-inf".

    Python would write ``Infinity``, which is not JSON (JavaScript's JSON.parse refuses it); a string
    keeps the meaning (an open interval bound, an unreachable distance) without passing for a number.

    >>> json.loads(to_json({"interval": [3, float("inf")], "x": float("nan")}))
    {'interval': [3, 'inf'], 'x': None}
    """
    return json.dumps(_strict(value), default=_default, sort_keys=True, ensure_ascii=False, indent=2,
                      allow_nan=False)  # fmt: skip


def _strict(value: Any) -> Any:
    """`value` with non-finite floats replaced: inf by "inf", -inf by "-inf", NaN by None."""
    if isinstance(value, float) and not math.isfinite(value):
        return None if math.isnan(value) else ("inf" if value > 0 else "-inf")
    if isinstance(value, Mapping):
        return {k: _strict(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_strict(v) for v in value]
    return value


def _default(value: Any) -> Any:
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return int(value) if value == int(value) else float(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    if isinstance(value, set | tuple):
        return sorted(value) if isinstance(value, set) else list(value)
    raise TypeError(f"cannot serialise {type(value).__name__}")


def table(rows: Sequence[dict[str, Any]], columns: Sequence[str] | None = None) -> str:
    """A fixed-width text table; numbers right-aligned, None shown as '-'."""
    if not rows:
        return "(no rows)"
    cols = list(columns or rows[0].keys())
    cells = [[_cell(r.get(c)) for c in cols] for r in rows]
    widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(cols)]
    numeric = [all(_is_number(r.get(c)) for r in rows) for c in cols]
    lines = ["  ".join(c.ljust(w) for c, w in zip(cols, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    for row in cells:
        lines.append("  ".join(_pad(v, w, n) for v, w, n in zip(row, widths, numeric, strict=True)))
    return "\n".join(lines)


def _is_number(value: Any) -> bool:
    return value is None or (isinstance(value, int | float | Decimal) and not isinstance(value, bool))


def _pad(value: str, width: int, numeric: bool) -> str:
    return value.rjust(width) if numeric else value.ljust(width)


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, list | tuple):
        return ", ".join(_cell(v) for v in value)
    if isinstance(value, float):
        return f"{value:,.1f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)
