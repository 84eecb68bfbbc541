"""`harmtrace sites`: protected sites (hospitals, schools, markets...) and the strikes near them."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import click

from harmtrace.choices import SITE_KINDS
from harmtrace.cli.base import (
    db_option,
    describe_import,
    emit,
    json_option,
    main,
    store_for,
    window_options,
)
from harmtrace.cli.radii import radii_option
from harmtrace.display import table


@main.group(epilog="Example:\n\n  harmtrace sites import hospitals.csv --kind hospital")
def sites() -> None:
    """Protected sites and the strikes near them (repeat strikes, double taps)."""


@sites.command(
    "import",
    epilog="Example:\n\n\b\n  harmtrace sites import hospitals.csv --kind hospital --source WHO\n"
    "  harmtrace sites import schools.geojson --kind school",
)
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--kind", required=True, help=f"Kind of site: {', '.join(SITE_KINDS)} or another word.")
@click.option("--source", help="Who listed the sites (default: the file name).")
@db_option
@json_option
def import_command(file: Path, kind: str, source: str | None, db: Path | None, as_json: bool) -> None:
    """Import sites from CSV (name_en, name_ar, latitude, longitude, open_from, open_to, radius_m, id) or
    GeoJSON / GeoPackage points with those properties. Bad rows are quarantined with their reasons."""
    from harmtrace.analyse.sites import import_sites

    with store_for(db, create=True) as store:
        result = import_sites(store, file, kind, source)
    emit(result.as_dict(), as_json, lambda: describe_import(result))


@sites.command(
    "report",
    epilog="Example:\n\n  harmtrace sites report --kind hospital --radius-m 300 --double-tap-days 1",
)
@click.option("--kind", help="Only sites of this kind.")
@click.option(
    "--radius-m", type=float, default=500.0, show_default=True, help="A strike within this many metres."
)
@click.option(
    "--max-precision-m",
    type=float,
    default=2000.0,
    show_default=True,
    help="Incidents less precise than this are not matched.",
)
@click.option(
    "--double-tap-days", type=int, default=1, show_default=True, help="Two strikes this close in days."
)
@click.option("--perpetrator", help="Only incidents naming this perpetrator.")
@window_options
@click.option("--limit", type=int, default=50, show_default=True, help="Show at most this many sites.")
@radii_option
@db_option
@json_option
def report_command(
    kind: str | None,
    radius_m: float,
    max_precision_m: float,
    double_tap_days: int,
    perpetrator: str | None,
    date_from: date | None,
    date_to: date | None,
    days: int | None,
    limit: int,
    radii: dict[str, float | None],
    db: Path | None,
    as_json: bool,
) -> None:
    """Sites with the incidents near them: certainly / possibly within, repeat strikes, double taps."""
    from harmtrace.analyse.incident_points import IncidentQuery
    from harmtrace.analyse.sites import SiteQuery, sites_report

    sq = SiteQuery(kind, radius_m, max_precision_m, double_tap_days)
    with store_for(db, read_only=True) as store:
        result = sites_report(
            store, sq, IncidentQuery(perpetrator, False, date_from, date_to, days, (), radii)
        )
    emit(result, as_json, lambda: describe_sites(result, limit))


def describe_sites(r: dict[str, Any], limit: int) -> str:
    cols = [
        "site_id",
        "kind",
        "name_en",
        "name_ar",
        "strikes_certain",
        "strikes_possible",
        "double_taps_certain",
        "double_taps_possible",
    ]
    hits = r["reported_hits"]
    lines = [
        f"{r['sites_struck']:,} of {r['sites']:,} sites with incidents within {r['filters']['radius_m']:g} m "
        f"({r['incidents']:,} incidents; {r['incidents_too_imprecise']:,} too imprecise to match)",
        table(r["per_site"][:limit], cols),
        "",
        f"Reports saying a site was hit: {hits['incidents']:,} incidents, "
        f"{hits['near_a_known_site']:,} near a listed site.",
        "",
        *[f"Note: {n}" for n in r["notes"]],
    ]
    return "\n".join(lines)


@sites.command("export", epilog="Example:\n\n  harmtrace sites export --format geojson sites.geojson")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["geojson"]), default="geojson", show_default=True)
@db_option
def export_command(file: Path, fmt: str, db: Path | None) -> None:
    """Write every site as GeoJSON points (WGS84 lon/lat) with kind, names, period and source."""
    from harmtrace.analyse.sites import sites_geojson
    from harmtrace.files import write_json

    with store_for(db, read_only=True) as store:
        collection = sites_geojson(store)
    write_json(collection, file)
    click.echo(f"Wrote {len(collection['features']):,} sites to {file}.")
