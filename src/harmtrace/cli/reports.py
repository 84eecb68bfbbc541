"""`harmtrace reports export` and `harmtrace reports map`: reports out of the store, as data and as a map."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, cast

import click

from harmtrace.choices import REPORT_FORMATS
from harmtrace.cli.base import (
    audience_note,
    audience_options,
    db_option,
    emit,
    json_option,
    main,
    store_for,
)
from harmtrace.cli.progress import shown
from harmtrace.cli.radii import radii_option
from harmtrace.publish.policy import Audience

if TYPE_CHECKING:
    from harmtrace.publish.report_map import MapSummary
    from harmtrace.publish.reports_export import ReportExport


@main.group(epilog="Example:\n\n  harmtrace reports export --format geojson reports.geojson")
def reports() -> None:
    """Reports: one row per report, located and coded, as a file or a map."""


@reports.command(
    "export",
    epilog="Example:\n\n\b\n  harmtrace reports export --format csv reports.csv\n"
    "  harmtrace reports export --format geojson public.geojson --radii radii.yaml\n"
    "  harmtrace reports export --format parquet team.parquet --role viewer",
)
@click.option("--format", "fmt", type=click.Choice(REPORT_FORMATS), required=True, help="File format.")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@audience_options
@radii_option
@db_option
@json_option
def export_command(
    fmt: str, file: Path, audience: Audience, radii: dict[str, float | None], db: Path | None, as_json: bool
) -> None:
    """Write one row per report: record_id, source, point, precision radius, how located, P-codes, dates,
    perpetrators, means, harm counts. Written to a temporary file, then renamed into place.

    What the file shows follows the publication policy for --role (docs/server.md): the public (the
    default) gets no free text and points coarsened to a grid.
    """
    from harmtrace.publish.export_policy import reads_audited
    from harmtrace.publish.reports_export import ENTITY, export_reports

    # an export that reads audited fields writes the audit log: only then is the store opened for writing
    read_only = not reads_audited(ENTITY, audience)
    with store_for(db, read_only=read_only) as store, shown("reports export", as_json) as progress:
        done = export_reports(store, file, fmt, audience, radii, progress)
    summary = cast("ReportExport", done.as_dict())
    emit(summary, as_json, lambda: _export_text(summary, audience_note(ENTITY, summary)))


def _export_text(s: ReportExport, note: str) -> str:
    return "\n".join(
        [
            f"Wrote {s['rows']:,} reports to {s['path']} ({s['format']}): {s['located']:,} with a point, "
            f"{s['with_adm1']:,} with a governorate.",
            note,
            "Radii (m): "
            + ", ".join(f"{w} {r:g}" if r is not None else f"{w} unbounded" for w, r in s["radii_m"].items()),
        ]
    )


@reports.command(
    "map",
    epilog="Example:\n\n\b\n  harmtrace reports map reports.png\n"
    "  harmtrace reports map reports.png --radii radii.yaml --json",
)
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--title", help="Title above the map (default: how many reports are drawn).")
@radii_option
@audience_options
@db_option
@json_option
def map_command(
    out: Path, title: str | None, radii: dict[str, float | None], audience: Audience, db: Path | None,
    as_json: bool,
) -> None:  # fmt: skip
    """Draw located reports on governorate outlines (PNG), coloured by precision, sized by people killed;
    for the public (the default) points are drawn where the publication policy coarsens them."""
    from harmtrace.publish.report_map import draw_report_map

    with store_for(db, read_only=True) as store:
        summary = draw_report_map(store, out, radii, title, audience)
    emit(summary, as_json, lambda: _map_text(summary))


def _map_text(s: MapSummary) -> str:
    classes = ", ".join(f"{label} {n:,}" for label, n in s["by_class"].items())
    return (
        f"Wrote {s['path']}: {s['reports_drawn']:,} reports ({classes}); "
        f"{s['reports_without_point']:,} without a point."
        + (
            f" Points coarsened to a {s['coarsened_to_m']:g} m grid ({s['role']})."
            if s["coarsened_to_m"]
            else ""
        )
    )
