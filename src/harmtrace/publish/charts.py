"""Charts as inline SVG strings (matplotlib, no display, no pyplot state) for self-contained reports.

Text stays text in the SVG (searchable, small) and ids are salted with a fixed string, so the same
figures give the same bytes: a report can be diffed between runs.
"""

from __future__ import annotations

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
    are left out.
    """
    months, low, best, high = month_series(rows)
    with matplotlib.rc_context(_RC):
        fig = Figure(figsize=(9, 3.6), layout="constrained")
        ax = fig.add_subplot()
        ax.fill_between(months, low, high, step="mid", color=BAND, label="range (min to max)")
        ax.step(months, low, where="mid", color=MIN_LINE, linewidth=0.8, label="min")
        if not np.all(np.isnan(best)):
            ax.step(months, best, where="mid", color=LINE, linewidth=1.4, label="best")
        _style(ax, title)
        ax.set_ylabel("killed per month")
        ax.set_ylim(bottom=0)
        ax.yaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
        ax.legend(loc="upper right", frameon=False)
        return to_svg(fig)


def month_series(rows: Sequence[Mapping[str, Any]]) -> tuple[np.ndarray, ...]:
    """(months, min, best, max) as arrays for plotting: months as datetime64[D], counts as floats.

    Months before the first and after the last counted report are left out; a month in between that
    no counted report touches, or a value the groups do not give, is NaN (a gap, not a zero).
    """
    counted = [i for i, r in enumerate(rows) if r["items_max"]]
    shown = rows[counted[0] : counted[-1] + 1] if counted else []
    months = np.array([f"{r['key']}-01" for r in shown], dtype="datetime64[D]")
    series = [
        np.array([r[k] if r["items_max"] and r[k] is not None else np.nan for r in shown], dtype=float)
        for k in ("count_min", "count_best", "count_max")
    ]
    return (months, *series)


def bars_svg(rows: Sequence[Mapping[str, Any]], label_key: str, title: str) -> str:
    """Horizontal bars of the best estimate killed per group and a min-max line, first row on top.

    A group without a best has its range drawn and no bar (no best is invented); a group no counted
    item touches ("no count") is left out of the chart: the table beside it says so.
    """
    shown = [r for r in reversed(rows) if r["items_max"]]
    labels = [str(r[label_key]) for r in shown]
    best = [np.nan if r["count_best"] is None else r["count_best"] for r in shown]
    with matplotlib.rc_context(_RC):
        fig = Figure(figsize=(9, 0.3 * len(shown) + 1.2), layout="constrained")
        ax = fig.add_subplot()
        # a group without a key ("not located", "no perpetrator named") is not a place or a side
        colours = [BAND if r.get("key", label_key) is not None else "#d0d0d0" for r in shown]
        ax.barh(labels, best, color=colours)
        ranges = ax.hlines(labels, [r["count_min"] for r in shown], [r["count_max"] for r in shown],
                           color=LINE, linewidth=1.2, label="min to max")  # fmt: skip
        _style(ax, title)
        ax.set_xlabel("killed")
        ax.xaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
        # the legend's swatch is the colour of a place or side, whatever colour the last bar has
        ax.legend([Patch(color=BAND), ranges], ["best", "min to max"], loc="lower right", frameon=False)
        return to_svg(fig)


def to_svg(fig: Figure) -> str:
    """The figure as an `<svg>` element, without the XML prologue, for inlining in HTML."""
    buf = io.StringIO()
    fig.savefig(buf, format="svg")
    text = buf.getvalue()
    return text[text.index("<svg") :]


def _style(ax: Any, title: str) -> None:
    ax.set_title(title, loc="left", fontsize=11)
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(axis="both", color="#e5e5e5", linewidth=0.6)
    ax.set_axisbelow(True)
