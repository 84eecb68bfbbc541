"""`harmtrace stats`: figures from the store, each a range with the reports behind it."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import click

from harmtrace.choices import CASUALTY_GROUPINGS
from harmtrace.cli.base import db_option, emit, json_option, main, store_for, window_options
from harmtrace.display import table
from harmtrace.model import CATEGORIES, HARMS

if TYPE_CHECKING:
    from harmtrace.analyse.casualties import CasualtyFigures, Figure
    from harmtrace.analyse.window import Window

LABEL_WIDTH = 48
NO_COUNT = "no count"  # no item gives a figure for the category: unknown, never 0
NO_BEST = "no best"  # the sources cannot support a best for this figure (see its notes)
FIGURE_COLUMNS = {
    "items_min": "items min",
    "items_max": "items max",
    "count_min": "min",
    "count_best": "best",
    "count_max": "max",
    "items_best": "items with best",
    "items_without_category": "items without category",
}


@main.group(epilog="Example:\n\n  harmtrace stats casualties --from 2015-09-30 --days 305 --by perpetrator")
def stats() -> None:
    """Figures from the store, each a range with the reports behind it."""


@stats.command(
    "casualties",
    epilog="Example:\n\n\b\n  harmtrace stats casualties --from 2015-09-30 --days 305 --category civilians "
    "--by perpetrator\n  harmtrace stats casualties --perpetrator IS --from 2016-01-01 --to 2016-12-31 "
    "--by month --ids",
)
@click.option(
    "--perpetrator",
    help="Alleged perpetrator: after `assess incidents` any name of an actor in the actor table (Russian "
    "warplanes = Russia); before, as stored (case-insensitive).",
)
@window_options
@click.option(
    "--grade",
    "grades",
    help="Incident grades, comma-separated (confirmed, fair, weak, contested, discounted, or not_alleged: "
    "no civilian harm alleged); ungraded incidents are then left out.",
)
@click.option("--means", help="Only reports listing this means (airstrike, shelling, ...).")
@click.option("--category", type=click.Choice(CATEGORIES), default="all", show_default=True)
@click.option("--harm", type=click.Choice(HARMS), default="killed", show_default=True)
@click.option(
    "--by",
    type=click.Choice(CASUALTY_GROUPINGS),
    help="One figure per month, year, governorate or perpetrator.",
)
@click.option(
    "--ids",
    "with_ids",
    is_flag=True,
    help="List the incidents, their reports and documents behind each bound.",
)
@click.option(
    "--unprorated",
    is_flag=True,
    help="Also give the best estimates summed whole, without prorating items that run beyond the window.",
)
@db_option
@json_option
def casualties_command(
    perpetrator: str | None,
    date_from: date | None,
    date_to: date | None,
    days: int | None,
    grades: str | None,
    means: str | None,
    category: str,
    harm: str,
    by: str | None,
    with_ids: bool,
    unprorated: bool,
    db: Path | None,
    as_json: bool,
) -> None:
    """People killed or injured in a window, as a range: min, best and max.

    The minimum counts incidents wholly inside the window and attributed to the perpetrator alone; the
    maximum every incident touching the window that names the perpetrator among others. The best
    prorates each incident's best estimate by the share of its days inside the window, and is left out
    where the sources cannot support one (docs/figures.md). Reports an incident link run clustered count
    once; a report it has not seen counts as its own incident. "no count" means no source gives a figure.
    """
    from harmtrace.analyse.tables import casualty_figures

    with store_for(db, read_only=True) as store:
        figures = casualty_figures(
            store, perpetrator=perpetrator, date_from=date_from, date_to=date_to, days=days,
            grades=(grades or "").split(","), means=means, category=category, harm=harm, by=by,
            with_ids=with_ids, unprorated=unprorated,
        ).as_dict()  # fmt: skip
    emit(figures, as_json, lambda: describe_casualties(cast("CasualtyFigures", figures)))


def describe_casualties(f: CasualtyFigures) -> str:
    """The figure as a reader sees it: what was counted, the table, the definitions and the caveats."""
    lines = [_headline(f), _filters_line(f), f["scope"]["coverage"], "", table(_figure_rows(f)), ""]
    lines += [f"{bound}: {text}" for bound, text in f["definitions"].items()]
    lines += ["", "Notes:", *(f"  - {note}" for note in f["notes"])]
    if f["total"]["ids"] is not None:
        lines += ["", "Reports behind the figures:", table(_id_rows(f))]
    return "\n".join(lines)


def _headline(f: CasualtyFigures) -> str:
    what = f"{f['filters']['category']} {f['filters']['harm']}"
    if f["filters"]["category"] == "all":
        what = f"all {f['filters']['harm']} (everyone, as each source counts them)"
    return f"Casualties: {what}, {_window_text(f['window'])}"


def _window_text(w: Window) -> str:
    if w["from"] is None and w["to"] is None:
        return "all dates"
    span = f"{w['from'] or 'the earliest report'} to {w['to'] or 'the latest report'}"
    days = f", {w['days']:,} days" if w["days"] else ""
    return f"{span} (both days inclusive{days})"


def _filters_line(f: CasualtyFigures) -> str:
    asked = f["filters"]
    parts = [f"perpetrator {asked['perpetrator']}" if asked["perpetrator"] else "any perpetrator"]
    if asked["grades"]:
        parts.append("grades " + ", ".join(asked["grades"]))
    if asked["means"]:
        parts.append(f"means {asked['means']}")
    if asked["by"]:
        parts.append(f"by {asked['by']}")
    return "Filters: " + "; ".join(parts)


def _figure_rows(f: CasualtyFigures) -> list[dict[str, Any]]:
    periods = f["filters"]["by"] in ("month", "year")
    unprorated = bool(f["filters"]["unprorated"])
    rows = [_figure_row("total", f["total"], f["window"] if periods else None, unprorated)]
    for group in f["groups"] or []:
        rows.append(_figure_row(group["group"], group, group["window"] if periods else None, unprorated))
    return rows


def _short(name: str) -> str:
    # UCDP names coalitions in one string of up to 150 characters; --json keeps them whole
    return name if len(name) <= LABEL_WIDTH else name[: LABEL_WIDTH - 1] + "…"


def _figure_row(name: str, figure: Figure, window: Window | None, unprorated: bool) -> dict[str, Any]:
    row: dict[str, Any] = {"group": _short(name)}
    if window is not None:
        row |= {"from": window["from"], "to": window["to"]}
    values: dict[str, Any] = dict(figure)
    if not figure["items_max"]:
        values |= dict.fromkeys(("count_min", "count_best", "count_max"), NO_COUNT)
    elif figure["count_best"] is None:
        values["count_best"] = NO_BEST
    columns = list(FIGURE_COLUMNS.items())
    if unprorated:
        at = columns.index(("count_best", "best")) + 1
        columns.insert(at, ("count_best_unprorated", "best unprorated"))
    return row | {label: values[key] for key, label in columns}


def _id_rows(f: CasualtyFigures) -> list[dict[str, Any]]:
    """One row per (group, report): the report, its document, and the bounds it counts in."""
    figures: list[tuple[str, Figure]] = [("total", f["total"])]
    figures += [(g["group"], g) for g in f["groups"] or []]
    rows = []
    for name, figure in figures:
        ids = figure["ids"] or {"min": [], "max": [], "best": []}
        in_min = {ref["report_id"] for ref in ids["min"]}
        in_best = {ref["report_id"] for ref in ids["best"]}
        for ref in ids["max"]:
            bounds = (
                ["min"] * (ref["report_id"] in in_min) + ["max"] + ["best"] * (ref["report_id"] in in_best)
            )
            rows.append({"group": _short(name), **ref, "counts in": ", ".join(bounds)})
    if not any(row["part_of"] for row in rows):  # no whole with parts among them: no empty column
        rows = [{k: v for k, v in row.items() if k != "part_of"} for row in rows]
    return rows
