"""`harmtrace locate admin`: place reports in administrative areas (OCHA P-codes)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from harmtrace.choices import DEFAULT_AMBIGUITY_KM, DEFAULT_TOLERANCE_KM, PLACE_MATCH_THRESHOLD
from harmtrace.cli.base import db_option, describe_import, emit, json_option, main, store_for
from harmtrace.display import table

if TYPE_CHECKING:
    from harmtrace.locate import Placement
    from harmtrace.locate.matching import PlaceLocating


@main.group(epilog="Example:\n\n  harmtrace locate admin data/syr_admin1.geojson")
def locate() -> None:
    """Place reports: in administrative areas, and from their place text with the gazetteer."""


@locate.command(
    "admin",
    epilog="Example:\n\n  harmtrace locate admin data/syr_admin1.geojson\n\n"
    "  harmtrace locate admin syr_admin2.geojson --level 2 --json\n\n"
    "  harmtrace locate admin        # re-place every report in the stored areas, levels 1-3",
)
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path), required=False)
@click.option("--level", type=click.IntRange(1, 3), help="1 governorate, 2 district, 3 sub-district "
              "(default: the finest level the file has).")  # fmt: skip
@click.option(
    "--tolerance-km",
    type=float,
    default=DEFAULT_TOLERANCE_KM,
    show_default=True,
    help="A point this close outside every area goes to the nearest one.",
)
@click.option(
    "--source-names/--no-source-names",
    default=True,
    show_default=True,
    help="At level 1, give a report the point cannot place the governorate its source names.",
)
@db_option
@json_option
def admin(
    file: Path | None,
    level: int | None,
    tolerance_km: float,
    source_names: bool,
    db: Path | None,
    as_json: bool,
) -> None:
    """Load OCHA boundary polygons from FILE (GeoJSON, GeoPackage, Shapefile) and place every report in them.

    A report is placed at a level only when its location precision is at least as fine as that
    level's unit; its point is its own, else its gazetteer location (harmtrace locate places).
    Re-running replaces that level's areas and placements. Without FILE, every stored level is
    re-placed (e.g. after harmtrace locate places).
    """
    from harmtrace.locate import locate_admin
    from harmtrace.locate.admin import relocate_admin
    from harmtrace.locate.crosswalk import adm1_agreement

    with store_for(db) as store:
        if file is None:
            results = relocate_admin(store, tolerance_km, source_names, level)
        else:
            results = [locate_admin(store, file, level, tolerance_km, source_names)]
        agreement = adm1_agreement(store) if any(r.level == 1 for r in results) else None
    imported = results[0].imported
    if len(results) == 1:
        data = results[0].as_dict() | {"source_agreement": agreement}
    else:
        data = {"levels": [r.as_dict() for r in results], "source_agreement": agreement}
    if imported is not None:
        data["import"] = imported.as_dict()
    texts = [describe_import(imported)] if imported is not None else []
    texts += [describe_placement(r, agreement if r.level == 1 else None) for r in results]
    emit(data, as_json, lambda: "\n\n".join(texts))


@locate.command(
    "places",
    epilog="Example:\n\n\b\n  harmtrace places import syr_admincapitals.geojson --format ocha\n"
    "  harmtrace locate places --threshold 92 --json",
)
@click.option(
    "--threshold",
    type=float,
    default=PLACE_MATCH_THRESHOLD,
    show_default=True,
    help="Least fuzzy score (0-100, rapidfuzz ratio of the place keys) accepted as a match.",
)
@click.option(
    "--ambiguity-km",
    type=float,
    default=DEFAULT_AMBIGUITY_KM,
    show_default=True,
    help="Places of one name farther apart than this are different places: such a match is ambiguous.",
)
@db_option
@json_option
def places_command(threshold: float, ambiguity_km: float, db: Path | None, as_json: bool) -> None:
    """Locate reports that have place text but no coordinates, from the gazetteer (both scripts).

    Each located report gets the matched place's point and precision, the method and score; ambiguous
    names (one name, places far apart) are not guessed but listed. Every stored admin level is then
    re-placed, so located reports get their P-codes. Re-running replaces all gazetteer locations.
    """
    from harmtrace.locate.matching import locate_places

    with store_for(db) as store:
        result = locate_places(store, threshold, ambiguity_km)
    emit(result.as_dict(), as_json, lambda: describe_locating(result))


def describe_locating(r: PlaceLocating) -> str:
    """Counts by method, precision and stated governorate; the most frequent ambiguous and unmatched texts."""
    data = r.as_dict()
    lines = [
        f"Reports with place text and no coordinates: {r.reports:,} = located {r.located:,} "
        f"+ ambiguous {data['ambiguous_reports']:,} + unmatched {data['unmatched_reports']:,}",
        "By method: " + ", ".join(f"{k} {v:,}" for k, v in r.by_method.items()),
        "By precision: " + ", ".join(f"{k} {v:,}" for k, v in r.by_precision.items()),
        "Stated governorate: " + ", ".join(f"{k} {v:,}" for k, v in r.by_stated.items()),
        f"Admin levels re-placed: {', '.join(map(str, r.admin_levels)) or 'none (no areas stored)'}",
    ]
    if r.ambiguous:
        rows = [a | {"candidates": "; ".join(f"{c['name']} ({c['adm1_pcode']})" for c in a["candidates"])}
                for a in r.ambiguous[:15]]  # fmt: skip
        lines += ["", "Ambiguous (not located):", table(rows, ["place_text", "reports", "candidates"])]
    if r.unmatched:
        lines += ["", "Unmatched:", table(r.unmatched[:15], ["place_text", "adm1_source", "reports"])]
    return "\n".join(lines)


def describe_placement(r: Placement, agreement: dict[str, Any] | None) -> str:
    """Reports per area, the ones not placed and why, and the agreement with the source's own names."""
    from harmtrace.locate.admin import LEVEL_NAMES

    lines = [
        f"Level {r.level} ({LEVEL_NAMES[r.level]}): {r.areas_loaded} areas from {r.source_file}",
        f"reports {r.reports:,} = placed {r.placed:,} + not placed {r.reports - r.placed:,}",
    ]
    if r.placed_by_name:
        lines.append(
            f"  {r.placed_by_name:,} placed by the governorate their source names (method 'source name')"
        )
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
