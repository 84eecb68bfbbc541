"""`harmtrace places import` and `harmtrace places list`: the gazetteer."""

from __future__ import annotations

from pathlib import Path

import click

from harmtrace.choices import PLACE_FILE_FORMATS
from harmtrace.cli.base import db_option, describe_import, emit, json_option, main, store_for
from harmtrace.display import table


@main.group(epilog="Example:\n\n  harmtrace places import syr_admin3.geojson --format ocha")
def places() -> None:
    """The gazetteer: places with their names in Arabic and Latin script, for locating reports."""


@places.command(
    "import",
    epilog="Example:\n\n\b\n  harmtrace places import syr_admin1.geojson --format ocha\n"
    "  harmtrace places import syr_admincapitals.geojson --format ocha\n"
    "  harmtrace places import syrian_archive_locations_gazetteer_2015.csv --format syrian-archive\n"
    "  harmtrace places import SY.txt --format geonames --json",
)
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--format", "fmt", type=click.Choice(PLACE_FILE_FORMATS), required=True, help="Kind of gazetteer file."
)
@db_option
@json_option
def import_command(file: Path, fmt: str, db: Path | None, as_json: bool) -> None:
    """Import places from FILE, replacing those from a file of the same name (ids kept).

    ocha: OCHA COD-AB layers (GeoJSON, Shapefile, GeoPackage): admin0-3 boundaries (which also load
    the admin areas and re-place reports at that level), admin points, admin capitals, neighbourhoods.
    syrian-archive: the 2015 locations gazetteer or syrian_places CSV. geonames: a GeoNames dump.
    """
    from harmtrace.locate.gazetteer import import_places

    with store_for(db, create=True) as store:
        summary = import_places(store, file, fmt)
    emit(summary.as_dict(), as_json, lambda: describe_import(summary))


@places.command("list", epilog="Example:\n\n  harmtrace places list --json")
@db_option
@json_option
def list_command(db: Path | None, as_json: bool) -> None:
    """Places and names per imported file."""
    from harmtrace.locate.gazetteer import gazetteer_summary

    with store_for(db, read_only=True) as store:
        rows = gazetteer_summary(store)
    emit(rows, as_json, lambda: table(rows, ["source_file", "source_format", "places", "names", "with_adm1"]))
