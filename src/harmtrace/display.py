"""Plain-text tables and JSON for the terminal: every table a command prints has a `--json` twin.

Counts print with thousands separators (12,345); ids never do (16840), so an id copied from a table
pastes back into a command: `is_id_column` says which columns hold ids, `separator_hint` what to say
when an id comes back written with separators anyway.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Final

# columns holding ids: anything named id or *_id (report_id, id_a, "report ids"), batch, row, run,
# version, year and the decision a decision was superseded by
_ID_COLUMN: Final = re.compile(r"(^|[_ ])ids?([_ ]|$)|^(batch|row|run|version|year)([_ ]|$)|^superseded_by$")
# an integer written with thousands separators: 16,840 / 16.840 / 16 840 / 16'840 / 16_840
_SEPARATED: Final = re.compile(r"\d{1,3}(?:[,.' _\u00a0\u202f]\d{3})+")


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
    cells = [[_cell(r.get(c), is_id_column(c)) for c in cols] for r in rows]
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


def is_id_column(name: str) -> bool:
    """Whether column `name` holds ids, printed without thousands separators.

    >>> [is_id_column(c) for c in ("batch_id", "id_a", "row_number", "superseded_by", "rows_read", "persons")]
    [True, True, True, True, False, False]
    """
    return bool(_ID_COLUMN.search(name.lower()))


def separator_hint(text: str) -> str:
    """What to tell a user who wrote an id with thousands separators ("16,840"); "" for any other text.

    >>> separator_hint("16,840")
    'Write ids without separators, e.g. 16840.'
    >>> separator_hint("list_a:16,840")
    ''
    """
    if not _SEPARATED.fullmatch(text.strip()):
        return ""
    digits = "".join(c for c in text if c.isdigit())
    return f"Write ids without separators, e.g. {digits}."


def _cell(value: Any, plain: bool = False) -> str:
    """A value as the table shows it; `plain`: an id, whose digits are never grouped."""
    if value is None:
        return "-"
    if isinstance(value, list | tuple):
        return ", ".join(_cell(v, plain) for v in value)
    if isinstance(value, float):
        return f"{value:,.1f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value) if plain else f"{value:,}"
    return str(value)
