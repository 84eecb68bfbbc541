"""Time windows shared by every figure: the window a user asks for, and its month or year periods.

A window is inclusive at both ends; `--days N` is the first N days counted from `--from`. Either side
may be open (unbounded). Grouping by month or year cuts the window into periods; an open side ends at
the dated items, but never crosses the window's other bound.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TypedDict

from harmtrace.errors import param

Window = TypedDict("Window", {"from": date | None, "to": date | None, "days": int | None})


def resolve_window(date_from: date | None, date_to: date | None, days: int | None) -> Window:
    """The window's first and last day and its length in days (None where a side is open).

    >>> resolve_window(date(2015, 9, 30), None, 305)["to"]
    datetime.date(2016, 7, 30)
    """
    end = date_to
    if days is not None and date_from is not None:
        end = date_from + timedelta(days=days - 1)
    length = (end - date_from).days + 1 if date_from and end else None
    return {"from": date_from, "to": end, "days": length}


def window_problems(date_from: date | None, date_to: date | None, days: int | None) -> list[str]:
    """Every contradiction among `date_from`, `date_to` and `days`, as messages that say what to do
    (naming the parameters with `param`)."""
    problems = []
    if days is not None and date_to is not None:
        problems.append(
            f"{param('date_to')} and {param('days')} both set the end of the window: give one of them."
        )
    if days is not None and date_from is None:
        frm = param("date_from")
        problems.append(
            f"{param('days')} N counts N days from {frm}: give {frm} too (e.g. {frm} 2015-09-30)."
        )
    if days is not None and days < 1:
        problems.append(f"{param('days')} must be at least 1 (got {days}).")
    elif days is not None and date_from is not None and days - 1 > (date.max - date_from).days:
        problems.append(
            f"{param('days')} {days} from {date_from} ends after the last day a date can have "
            f"({date.max}): give a shorter window, or leave its end open."
        )
    if date_from and date_to and date_to < date_from:
        problems.append(
            f"the window ends ({param('date_to')} {date_to}) "
            f"before it starts ({param('date_from')} {date_from})."
        )
    return problems


def period_ctes(unit: str, given_from: str, given_to: str, known: tuple[str, str], table: str) -> list[str]:
    """SQL CTEs `bounds` and `periods` (i, p_start, g_from, g_to) for grouping by `unit`.

    `given_from`/`given_to` are the window's SQL bounds (NULL where open); `known` the SQL start and
    end of each dated item in `table` (NULL where unknown).
    """
    known_s, known_e = known
    return [
        f"bounds AS (SELECT coalesce({given_from}, least(min(coalesce({known_s}, {known_e})), {given_to})) "
        f"AS lo, coalesce({given_to}, greatest(max(coalesce({known_e}, {known_s})), {given_from})) AS hi "
        f"FROM {table})",
        f"periods AS (SELECT i, p_start, greatest(p_start, lo) AS g_from, "
        f"least((p_start + INTERVAL 1 {unit})::DATE - 1, hi) AS g_to "
        f"FROM (SELECT i, {period_start(unit, 'i')} AS p_start, lo, hi "
        f"FROM bounds, range({period_of(unit, 'lo')}, {period_of(unit, 'hi')} + 1) AS t(i)))",
    ]


def period_of(unit: str, day: str) -> str:
    """SQL: the month (year * 12 + month - 1) or year a day falls in, as an integer (cheaper than
    date_trunc)."""
    return f"(year({day}) * 12 + month({day}) - 1)" if unit == "month" else f"year({day})"


def period_start(unit: str, i: str) -> str:
    """SQL: the first day of period number `i`."""
    return f"make_date({i} // 12, {i} % 12 + 1, 1)" if unit == "month" else f"make_date({i}, 1, 1)"
