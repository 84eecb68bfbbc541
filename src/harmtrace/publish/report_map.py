"""A static map of located reports (PNG): governorate outlines, one dot per report, precision by colour.

Dots are coloured by the radius their precision stands for (`harmtrace.locate.precision`, or the
radii given), in four classes, and sized by the most people the report says were killed (square root,
so area grows with the count; reports giving no count get the smallest dot). Coarse reports are drawn
first and fine ones on top. Coordinates are plotted as lon/lat with the aspect of Syria's middle
latitude (35 N). The output is deterministic: same store, same radii, same bytes (no timestamp, fixed
size and order).

The map is an export like the others (`harmtrace.publish.policy`): for the public (the default) each
point is drawn where the policy coarsens it, its radius, and so its colour, grown to the grid's.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final, TypedDict

import shapely

from harmtrace.errors import InputError, QueryError
from harmtrace.files import replacing
from harmtrace.locate.precision import radii as radius_table
from harmtrace.publish.policy import COARSENED, Audience, coarsen_sql
from harmtrace.store import Store
from harmtrace.store.relations import relation_sql

# (label, largest radius in metres of the class, colour); unbounded radii fall in the last class
CLASSES: Final = (
    ("within 1 km", 1_000.0, "#b2182b"),
    ("within 10 km", 10_000.0, "#ef8a62"),
    ("within 50 km", 50_000.0, "#67a9cf"),
    ("coarser or unbounded", math.inf, "#bdbdbd"),
)
MIDDLE_LATITUDE: Final = 35.0


class MapSummary(TypedDict):
    path: str
    reports_drawn: int
    reports_without_point: int
    by_class: dict[str, int]
    radii_m: dict[str, float | None]
    role: str
    coarsened_to_m: float | None  # the grid points were moved to (the public's), or None: as stored


def _points(store: Store, radii: Mapping[str, float | None], grid_m: float | None) -> list[dict[str, Any]]:
    point = "p.longitude, p.latitude, p.radius_m"
    if grid_m is not None:
        coarse = coarsen_sql("p.latitude", "p.longitude", "p.radius_m", grid_m)
        point = ", ".join(f"{coarse[c]} AS {c}" for c in ("longitude", "latitude", "radius_m"))
    return store.rows(
        f"SELECT * FROM (SELECT p.report_id, {point}, "
        "(SELECT max(coalesce(h.count_max, h.count_best, h.count_min)) FROM harm h "
        "WHERE h.report_id = p.report_id AND h.harm = 'killed') AS killed "
        f"FROM ({relation_sql('report_points', overrides=radii)}) p) "
        "ORDER BY coalesce(radius_m, 'Infinity'::DOUBLE) DESC, report_id"
    )


def precision_class(radius_m: float | None) -> int:
    """Index in CLASSES of a radius (None = unbounded).

    >>> precision_class(50.0), precision_class(25_000.0), precision_class(None)
    (0, 2, 3)
    """
    r = math.inf if radius_m is None else radius_m
    return next(i for i, (_, top, _) in enumerate(CLASSES) if r <= top)


def draw_report_map(
    store: Store,
    path: Path,
    radii: Mapping[str, float | None] | None = None,
    title: str | None = None,
    audience: Audience | None = None,
) -> MapSummary:
    """Draw the map to `path` (PNG) for `audience` (default: the public) and say what was drawn."""
    audience = audience or Audience()
    grid_m = audience.grid_m if audience.treatment("reports_export", "latitude") == COARSENED else None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    if not path.parent.is_dir():
        raise InputError(f"Cannot write {path}: folder {path.parent} does not exist.")
    outlines = store.rows("SELECT pcode, geometry_wkb FROM admin_area WHERE level = 1 ORDER BY pcode")
    if not outlines:
        raise QueryError(
            "No governorate outlines in the store: harmtrace places import syr_admin1.geojson --format ocha"
        )
    table = radius_table(radii)
    points = _points(store, table, grid_m)
    fig, ax = plt.subplots(figsize=(8, 7), dpi=120)
    _outlines(ax, [shapely.from_wkb(bytes(o["geometry_wkb"])) for o in outlines])
    by_class = _dots(ax, points)
    without = int(store.scalar("SELECT count(*) FROM report") or 0) - len(points)
    ax.set_aspect(1 / math.cos(math.radians(MIDDLE_LATITUDE)))
    ax.set_xlabel("longitude (°E)")
    ax.set_ylabel("latitude (°N)")
    ax.set_title(title or f"{len(points):,} located reports ({without:,} without a point not shown)")
    ax.legend(loc="lower left", fontsize=8, title="location precision", title_fontsize=8, frameon=True)
    fig.tight_layout()
    try:
        with replacing(path) as tmp:
            fig.savefig(tmp, format="png", metadata={"Software": None})
    finally:
        plt.close(fig)
    return {
        "path": str(path),
        "reports_drawn": len(points),
        "reports_without_point": without,
        "by_class": by_class,
        "radii_m": table,
        "role": audience.role.word,
        "coarsened_to_m": grid_m,
    }


def _outlines(ax: Any, shapes: list[Any]) -> None:
    for shape in shapes:
        for polygon in getattr(shape, "geoms", [shape]):
            if polygon.geom_type != "Polygon":
                continue
            x, y = polygon.exterior.xy
            ax.plot(x, y, color="#525252", linewidth=0.6, zorder=1)


def _dots(ax: Any, points: list[dict[str, Any]]) -> dict[str, int]:
    """One scatter per precision class, coarse first; returns the reports per class label."""
    by_class: dict[str, int] = {}
    for index in range(len(CLASSES) - 1, -1, -1):
        label, _, colour = CLASSES[index]
        chosen = [p for p in points if precision_class(p["radius_m"]) == index]
        by_class[label] = len(chosen)
        if not chosen:
            continue
        sizes = [4 + 3 * math.sqrt(max(0, p["killed"] or 0)) for p in chosen]
        ax.scatter(
            [p["longitude"] for p in chosen], [p["latitude"] for p in chosen], s=sizes, c=colour,
            alpha=0.6, linewidths=0, zorder=2 + (len(CLASSES) - index), label=f"{label} ({len(chosen):,})",
        )  # fmt: skip
    return by_class
