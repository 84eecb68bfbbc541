"""`harmtrace locate admin`: place reports in administrative areas (OCHA P-codes)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from harmtrace.cli.base import db_option, emit, handles_errors, json_option, main, store_for
from harmtrace.display import table
from harmtrace.locate import Placement, locate_admin
from harmtrace.locate.admin import DEFAULT_TOLERANCE_KM, LEVEL_NAMES
from harmtrace.locate.crosswalk import adm1_agreement


@main.group(epilog="Example:\n\n  harmtrace locate admin data/syr_admin1.geojson")
def locate() -> None:
    """Place reports: administrative areas now, a gazetteer later."""


@locate.command(
    "admin",
    epilog="Example:\n\n  harmtrace locate admin data/syr_admin1.geojson\n\n"
    "  harmtrace locate admin syr_admin2.geojson --level 2 --json",
)
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--level", type=click.IntRange(1, 3), help="1 governorate, 2 district, 3 sub-district "
              "(default: the finest level the file has).")  # fmt: skip
@click.option(
    "--tolerance-km",
    type=float,
    default=DEFAULT_TOLERANCE_KM,
    show_default=True,
    help="A point this close outside every area goes to the nearest one.",
)
@db_option
@json_option
@handles_errors
def admin(file: Path, level: int | None, tolerance_km: float, db: Path | None, as_json: bool) -> None:
    """Load OCHA boundary polygons from FILE (GeoJSON) and place every report in them.

    A report is placed at a level only when its location precision is at least as fine as that
    level's unit; re-running replaces that level's areas and placements.
    """
    with store_for(db) as store:
        result = locate_admin(store, file, level, tolerance_km)
        agreement = adm1_agreement(store) if result.level == 1 else None
    data = result.as_dict() | {"source_agreement": agreement}
    emit(data, as_json, lambda: describe_placement(result, agreement))


def describe_placement(r: Placement, agreement: dict[str, Any] | None) -> str:
    """Reports per area, the ones not placed and why, and the agreement with the source's own names."""
    lines = [
        f"Level {r.level} ({LEVEL_NAMES[r.level]}): {r.areas_loaded} areas from {r.source_file}",
        f"reports {r.reports:,} = placed {r.placed:,} + not placed {r.reports - r.placed:,}",
    ]
    if r.placed_by_tolerance:
        lines.append(
            f"  {r.placed_by_tolerance:,} placed in the nearest area from at most {r.max_tolerance_km} km "
            f"outside (tolerance {r.tolerance_km:g} km)"
        )
    lines += ["", table(r.per_area, ["pcode", "name_en", "name_ar", "reports"])]
    if r.not_placed:
        lines += ["", "Not placed:", table(r.not_placed, ["reason", "detail", "reports"])]
    if agreement and agreement["compared"]:
        lines += [
            "",
            "Agreement with the governorate each source names (crosswalk: harmtrace.locate.crosswalk):",
        ]
        rates = [
            s | {"agreement": f"{s['agreement_rate']:.1%}"} for s in agreement["by_source"] if s["compared"]
        ]
        lines.append(table(rates, ["source", "compared", "agree", "agreement", "unmatched_names"]))
    return "\n".join(lines)
