"""Charts as inline SVG strings (matplotlib, no display, no pyplot state) for self-contained reports.

Text stays text in the SVG (searchable, small) and ids are salted with a fixed string, so the same
figures give the same bytes: a report can be diffed between runs.
"""

from __future__ import annotations

import html
import io
from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib
import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import StrMethodFormatter

BAND = "#9ecae1"
LINE = "#08519c"
MIN_LINE = "#6b6b6b"
UNDER = "#4d4d4d"  # the band of a count the audience sees as "< k"
HATCH = "////"

_RC: dict[Any, Any] = {
    "svg.fonttype": "none",
    "svg.hashsalt": "harmtrace",
    "font.size": 10,
    "font.family": "sans-serif",
}


def month_band_svg(rows: Sequence[Mapping[str, Any]], title: str) -> str:
    """Killed per month as a band from min to max with the best estimate as a line.

    `rows` are casualty groups by month: `key` "YYYY-MM", `items_max`, `count_min`, `count_best`,
    `count_max`. A month no counted report touches is a gap, not a zero; leading and trailing ones
    are left out. A month with a count the audience sees as "< k" gets a hatched band from 0 to k (its
    tooltip "< k"): the line has a gap there, and a range whose minimum is "< k" starts at k.
    """
    months, low, best, high = month_series(rows)
    shown = _counted(rows)
    hidden = [i for i, r in enumerate(shown) if _under(r) is not None]
    with matplotlib.rc_context(_RC):
        fig = Figure(figsize=(9, 3.6), layout="constrained")
        ax = fig.add_subplot()
        starts = np.array([_start(r) for r in shown], dtype=float)
        ax.fill_between(months, starts, high, step="mid", color=BAND, label="range (min to max)")
        ax.step(months, low, where="mid", color=MIN_LINE, linewidth=0.8, label="min")
        if not np.all(np.isnan(best)):
            ax.step(months, best, where="mid", color=LINE, linewidth=1.4, label="best")
        tooltips = _under_bands(ax, [(str(shown[i]["key"]), months[i], shown[i]) for i in hidden])
        _style(ax, title)
        ax.set_ylabel("killed per month")
        ax.set_ylim(bottom=0)
        ax.yaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
        ax.legend(loc="upper right", frameon=False)
        return to_svg(fig, tooltips)


def month_series(rows: Sequence[Mapping[str, Any]]) -> tuple[np.ndarray, ...]:
    """(months, min, best, max) as arrays for plotting: months as datetime64[D], counts as floats.

    Months before the first and after the last counted report are left out; a month in between that
    no counted report touches, or a value the groups do not give, is NaN (a gap, not a zero), and so
    is a count the audience sees as "< k" (drawn as a band instead).
    """
    shown = _counted(rows)
    months = np.array([f"{r['key']}-01" for r in shown], dtype="datetime64[D]")
    series = [np.array([_drawn(r, key) for r in shown], dtype=float) for key in COUNTS]
    return (months, *series)


def bars_svg(rows: Sequence[Mapping[str, Any]], label_key: str, title: str) -> str:
    """Horizontal bars of the best estimate killed per group and a min-max line, first row on top.

    A group without a best has its range drawn and no bar (no best is invented); a group no counted
    item touches ("no count") is left out of the chart: the table beside it says so. A group with a
    count the audience sees as "< k" gets a hatched band from 0 to k labelled "< k" instead of a bar of
    its height; its line starts at k where its minimum is the one. Bars and bands carry the row's
    index as their SVG id (`best-3`, `under-3`).
    """
    shown = [(i, r) for i, r in reversed(list(enumerate(rows))) if r["items_max"]]
    labels = [str(r[label_key]) for _, r in shown]
    with matplotlib.rc_context(_RC):
        fig = Figure(figsize=(9, 0.3 * len(shown) + 1.2), layout="constrained")
        ax = fig.add_subplot()
        # a group without a key ("not located", "no perpetrator named") is not a place or a side
        colours = [BAND if r.get("key", label_key) is not None else "#d0d0d0" for _, r in shown]
        bars = ax.barh(labels, [_drawn(r, "count_best") for _, r in shown], color=colours)
        for (i, _), bar in zip(shown, bars, strict=True):
            bar.set_gid(f"best-{i}")
        ranges = ax.hlines(labels, [_start(r) for _, r in shown], [_drawn(r, "count_max") for _, r in shown],
                           color=LINE, linewidth=1.2, label="min to max")  # fmt: skip
        hidden = [(str(i), label, r) for (i, r), label in zip(shown, labels, strict=True) if _under(r)]
        tooltips = _under_bands(ax, hidden, horizontal=True)
        _style(ax, title)
        ax.set_xlabel("killed")
        ax.xaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
        # the legend's swatch is the colour of a place or side, whatever colour the last bar has
        handles: list[Any] = [Patch(color=BAND), ranges]
        names = ["best", "min to max"]
        if hidden:
            handles.append(Patch(fill=False, hatch=HATCH, edgecolor=UNDER))
            names.append(_under_legend(hidden))
        ax.legend(handles, names, loc="lower right", frameon=False)
        return to_svg(fig, tooltips)


COUNTS = ("count_min", "count_best", "count_max")


def suppressed_below(value: Any) -> int | None:
    """k of a count the publication policy shows as "< k" (`harmtrace.publish.policy.Audience.count`),
    else None.

    >>> suppressed_below("< 5"), suppressed_below(3), suppressed_below(None)
    (5, None, None)
    """
    return int(value[2:]) if isinstance(value, str) and value.startswith("< ") else None


def _under(row: Mapping[str, Any]) -> int | None:
    """k when a count of `row` is shown as "< k" (one audience: one k)."""
    return max((k for k in (suppressed_below(row[c]) for c in COUNTS) if k is not None), default=None)


def _drawn(row: Mapping[str, Any], key: str) -> float:
    """`row[key]` drawn exactly: NaN where no counted item touches the group, the value is unknown, or
    the audience sees it as "< k" (drawn as a band instead)."""
    value = row[key]
    if not row["items_max"] or value is None or suppressed_below(value) is not None:
        return np.nan
    return float(value)


def _start(row: Mapping[str, Any]) -> float:
    """Where the range of `row` starts: its minimum, or k when that is "< k" (the band shows below)."""
    k = suppressed_below(row["count_min"]) if row["items_max"] else None
    return _drawn(row, "count_min") if k is None else float(k)


def _counted(rows: Sequence[Mapping[str, Any]]) -> Sequence[Mapping[str, Any]]:
    counted = [i for i, r in enumerate(rows) if r["items_max"]]
    return rows[counted[0] : counted[-1] + 1] if counted else []


Hidden = Sequence[tuple[str, Any, Mapping[str, Any]]]  # (SVG id, position on the axis, row) of each band


def _under_bands(ax: Any, hidden: Hidden, horizontal: bool = False) -> dict[str, str]:
    """Draw a hatched band from 0 to k at each position of `hidden`, labelled "< k" beside it when
    `horizontal`; the SVG id -> tooltip of each band."""
    if not hidden:
        return {}
    ks = [_under(r) or 0 for _, _, r in hidden]
    where = [p for _, p, _ in hidden]
    style = {"fill": False, "hatch": HATCH, "edgecolor": UNDER, "linewidth": 0.6}
    if horizontal:
        bands = ax.barh(where, ks, **style)
        for position, k in zip(where, ks, strict=True):
            ax.text(k, position, f" < {k}", va="center", fontsize=8, color=UNDER)
    else:
        bands = ax.bar(where, ks, width=np.timedelta64(28, "D"), label=_under_legend(hidden), **style)
    tooltips = {}
    for (gid, _, _), band, k in zip(hidden, bands, ks, strict=True):
        band.set_gid(f"under-{gid}")
        tooltips[f"under-{gid}"] = f"< {k}"
    return tooltips


def _under_legend(hidden: Hidden) -> str:
    k = max(_under(r) or 0 for _, _, r in hidden)
    return f"fewer than {k}: not shown exactly"


def to_svg(fig: Figure, tooltips: Mapping[str, str] | None = None) -> str:
    """The figure as an `<svg>` element, without the XML prologue, for inlining in HTML; `tooltips` maps
    an element's id (its artist's gid) to the text a reader sees on hovering it."""
    buf = io.StringIO()
    fig.savefig(buf, format="svg")
    text = buf.getvalue()
    for gid, tip in (tooltips or {}).items():
        opening = f'<g id="{gid}">'
        text = text.replace(opening, f"{opening}\n    <title>{html.escape(tip)}</title>", 1)
    return text[text.index("<svg") :]


def _style(ax: Any, title: str) -> None:
    ax.set_title(title, loc="left", fontsize=11)
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(axis="both", color="#e5e5e5", linewidth=0.6)
    ax.set_axisbelow(True)
