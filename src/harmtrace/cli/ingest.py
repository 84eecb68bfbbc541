"""`harmtrace ingest`, `harmtrace batches`, `harmtrace quarantine`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from harmtrace.cli.base import Id, db_option, emit, handles_errors, json_option, main, store_for
from harmtrace.display import table

if TYPE_CHECKING:
    from harmtrace.ingest import ImportResult, PlausibleArea


@main.command(
    epilog="Example:\n\n  harmtrace ingest ucdp-ged ged_syria.csv --source UCDP\n\n"
    "  harmtrace ingest victims vdc.csv --mapping examples/mappings/vdc_victims.yaml\n\n"
    "  harmtrace ingest victims lists.csv --mapping examples/mappings/combined_lists.yaml\n\n"
    "  harmtrace ingest acled acled_syria_2024-06.csv --withdraw-missing\n\n"
    "  harmtrace ingest acled-deletions acled_deleted_2024-06.csv"
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
@handles_errors
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
    """
    from harmtrace.ingest import get_format, import_file

    fmt = get_format(format_name, mapping)
    plausible = _area(area)
    with store_for(db, create=True) as store:
        result = import_file(
            store, fmt, file, source=source, area=plausible, withdraw_missing=withdraw_missing,
            encoding=encoding,
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


def describe_import(r: ImportResult) -> str:
    """The summary a user reads after an import: counts, reasons by kind, where to look next."""
    if r.already_imported:
        return (
            f"{r.file_name} was already imported as batch {r.batch_id} ({r.format}): nothing added.\n"
            + _accounting(r)
        )
    lines = [f"Batch {r.batch_id}: {r.file_name} ({r.format}, source {r.source})", _accounting(r)]
    lines += _reading(r)
    for code, (n, rows) in r.reasons.items():
        lines.append(f"  quarantined {n:,} x {code} (rows {_rows(rows, n)})")
    for code, (n, rows) in r.field_issues.items():
        lines.append(f"  accepted with a field set aside: {n:,} x {code} (rows {_rows(rows, n)})")
    for code, (n, rows) in r.flags.items():
        lines.append(f"  accepted with flag {n:,} x {code} (rows {_rows(rows, n)})")
    lines += _record_notes(r)
    if r.rows_quarantined or r.rows_with_field_issues:
        lines.append(f"See them with: harmtrace quarantine --batch {r.batch_id}")
    return "\n".join(lines)


def _reading(r: ImportResult) -> list[str]:
    """How the file was read, when it was not plain UTF-8 text: its encoding, its packing."""
    from harmtrace.ingest.rawfile import ENCODINGS

    notes = []
    if r.encoding not in ("", "utf-8", "utf-8-sig", "binary"):
        notes.append(
            f"  read in the encoding {r.encoding} ({ENCODINGS.get(r.encoding, r.encoding)}), not UTF-8"
        )
    if r.compressed:
        notes.append(f"  unpacked: {r.compressed}")
    return notes


def _accounting(r: ImportResult) -> str:
    """read = accepted (new, unchanged, changed) + quarantined; withdrawn. Batches from before versions
    existed have no outcome counts: only read = accepted + quarantined."""
    accepted = f"accepted {r.rows_accepted:,}"
    if r.rows_new is not None and r.rows_unchanged is not None and r.rows_changed is not None:
        accepted += f" (new {r.rows_new:,}, unchanged {r.rows_unchanged:,}, changed {r.rows_changed:,})"
    line = f"read {r.rows_read:,} = {accepted} + quarantined {r.rows_quarantined:,}"
    return line + (f"; withdrawn {r.rows_withdrawn:,}" if r.rows_withdrawn is not None else "")


def _record_notes(r: ImportResult) -> list[str]:
    """What the versions of this import ask of the user: placing again, withdrawing, looking back."""
    history = "persons" if r.kind == "victim" else "reports"
    notes = []
    if r.places_changed:
        notes.append(
            f"  {r.places_changed:,} changed reports have another place: their governorates and gazetteer "
            "places were cleared. Place them again with: harmtrace locate places; harmtrace locate admin"
        )
    if r.records_absent and not r.withdraw_missing:
        notes.append(
            f"  {r.records_absent:,} current records of source {r.source} are not in this file: none "
            "withdrawn. If the file is the source's complete list, import it again with --withdraw-missing."
        )
    if r.ids_not_found:
        notes.append(
            f"  {r.ids_not_found:,} rows name no current record of source {r.source}, nothing to withdraw: "
            + _rows(r.ids_not_found_first, r.ids_not_found)
        )
    if r.rows_changed or r.rows_withdrawn:
        notes.append(f"Earlier versions are kept: harmtrace {history} history --source {_quoted(r.source)} "
                     "--record-id ID")  # fmt: skip
    return notes


def _quoted(text: str) -> str:
    return f'"{text}"' if " " in text else text


def _rows(rows: list[int] | list[str], n: int) -> str:
    text = ", ".join(str(x) for x in rows)
    return text + (", ..." if n > len(rows) else "")


@main.command("batches", epilog="Example:\n\n  harmtrace batches --json")
@db_option
@json_option
@handles_errors
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
@handles_errors
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
