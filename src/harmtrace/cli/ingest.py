"""`harmtrace ingest`, `harmtrace batches`, `harmtrace quarantine`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from harmtrace.cli.base import (
    Id,
    db_option,
    describe_import,
    emit,
    json_option,
    main,
    store_for,
)
from harmtrace.cli.progress import shown
from harmtrace.display import table

if TYPE_CHECKING:
    from harmtrace.ingest import PlausibleArea


@main.command(
    epilog="Example:\n\n  harmtrace ingest ucdp-ged ged_syria.csv --source UCDP\n\n"
    "  harmtrace ingest victims vdc.csv --mapping examples/mappings/vdc_victims.yaml\n\n"
    "  harmtrace ingest victims lists.csv --mapping examples/mappings/combined_lists.yaml\n\n"
    "  harmtrace ingest acled acled_syria_2024-06.csv --withdraw-missing\n\n"
    "  harmtrace ingest acled-deletions acled_deleted_2024-06.csv\n\n"
    "  HARMTRACE_IMPORT_MEMORY=2GB harmtrace ingest ucdp-ged ged_global.csv.gz"
)
@click.argument("format_name", metavar="FORMAT")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--source", help="Name of the publishing organisation (default: the format name).")
@click.option("--mapping", type=click.Path(dir_okay=False, path_type=Path), help="YAML mapping.")
@click.option(
    "--area",
    default=None,
    help="Plausible area lon_min,lat_min,lon_max,lat_max (default: Syria with a margin).",
)
@click.option(
    "--encoding",
    default=None,
    help="The CSV file's text encoding (e.g. cp1256, cp1252, cp1254), when detection cannot tell.",
)
@click.option(
    "--withdraw-missing",
    is_flag=True,
    help="FILE is the source's complete current list: withdraw the source's records it does not name "
    "(each kept in its history).",
)
@db_option
@json_option
def ingest(
    format_name: str,
    file: Path,
    source: str | None,
    mapping: Path | None,
    area: str | None,
    encoding: str | None,
    withdraw_missing: bool,
    db: Path | None,
    as_json: bool,
) -> None:
    """Import FILE in FORMAT: ucdp-ged, acled, acled-deletions, syrian-archive, incidents or victims.

    Every row becomes a document; it is accepted (a faulty field set aside, with its reason) or
    quarantined with every reason found. A row is identified by its source and record id: a record
    already in the store is left alone when the row is unchanged and gets a new version when it
    changed, so a corrected file can be imported again. Importing the very same file again adds
    nothing. acled-deletions withdraws the events it lists.

    FILE may be CSV, XLSX or legacy XLS, and may come as .gz or as a .zip holding that one file. A large
    CSV is read in blocks; DuckDB's memory is capped by $HARMTRACE_IMPORT_MEMORY (default 512MB), and an
    import that needs more is refused, nothing written, saying so.
    """
    from harmtrace.ingest import get_format, import_file

    fmt = get_format(format_name, mapping)
    plausible = _area(area)
    with store_for(db, create=True) as store, shown("ingest", as_json) as progress:
        result = import_file(
            store, fmt, file, source=source, area=plausible, withdraw_missing=withdraw_missing,
            encoding=encoding, progress=progress,
        )  # fmt: skip
    emit(result.as_dict(), as_json, lambda: describe_import(result))


def _area(text: str | None) -> PlausibleArea | None:
    from harmtrace.ingest import PlausibleArea

    if text is None:
        return None
    try:
        return PlausibleArea.parse(text)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--area") from exc


@main.command("batches", epilog="Example:\n\n  harmtrace batches --json")
@db_option
@json_option
def batches_command(db: Path | None, as_json: bool) -> None:
    """List import batches: file, hash, format, read = accepted + quarantined, and of the accepted rows how
    many were new, unchanged and changed records; withdrawn records. "-": a batch from before versions."""
    with store_for(db, read_only=True) as store:
        from harmtrace.ingest.records import batches

        rows = batches(store)
    columns = ["batch_id", "source", "format", "file_name", "rows_read", "rows_accepted", "rows_new",
               "rows_unchanged", "rows_changed", "rows_quarantined", "rows_withdrawn", "rows_flagged",
               "rows_with_field_issues", "finished_at"]  # fmt: skip
    emit(rows, as_json, lambda: table(rows, columns))


@main.command(epilog="Example:\n\n  harmtrace quarantine --batch 3 --raw")
@click.option("--batch", "batch_id", type=Id(), help="Only this batch.")
@click.option("--raw", is_flag=True, help="Show each row's raw content too.")
@click.option("--limit", type=int, default=200, show_default=True, help="At most this many entries.")
@db_option
@json_option
def quarantine(batch_id: int | None, raw: bool, limit: int, db: Path | None, as_json: bool) -> None:
    """List quarantined rows and the fields set aside in accepted rows, with every reason.

    The field column says what was set aside: "row" (the whole row was quarantined) or the field of an
    accepted row (killed_men, coordinates, ...), whose value is unknown in the store. Fix the file and
    import it again: the rows accepted before are recognised by their record id (unchanged), the fixed
    rows added or recorded as a new version.
    """
    with store_for(db, read_only=True) as store:
        from harmtrace.ingest.records import quarantined

        rows = quarantined(store, batch_id, limit, with_raw=raw)
    columns = ["batch_id", "row_number", "field", "reasons"] + (["raw"] if raw else [])
    emit(rows, as_json, lambda: _quarantine_text(rows, columns))


def _quarantine_text(rows: list[dict[str, Any]], columns: list[str]) -> str:
    return table(rows, columns) if rows else "No quarantined rows and no fields set aside."
