"""`harmtrace reports history` and `harmtrace persons history`: every version of a record."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from harmtrace.cli.base import Id, db_option, emit, json_option, stacked, store_for
from harmtrace.cli.persons import persons
from harmtrace.cli.reports import reports
from harmtrace.display import table

if TYPE_CHECKING:
    from harmtrace.ingest.formats import Kind

_WHICH = stacked(
    click.option("--source", help="The record's source (as `harmtrace batches` names it)."),
    click.option("--record-id", help="The record's own id in its source (event id, uid...)."),
    db_option,
    json_option,
)


@reports.command(
    "history",
    epilog="Example:\n\n\b\n  harmtrace reports history 42\n"
    "  harmtrace reports history --source UCDP --record-id 186341 --json",
)
@click.argument("report_id", type=Id(), required=False)
@_WHICH
def reports_history(
    report_id: int | None, source: str | None, record_id: str | None, db: Path | None, as_json: bool
) -> None:
    """Every version of a report, the current one included: the batch and row of each, when and how
    it ended (changed by a later import, or withdrawn), and what changed, field by field."""
    _show("report", report_id, source, record_id, db, as_json)


@persons.command(
    "history",
    epilog="Example:\n\n\b\n  harmtrace persons history 1204\n"
    "  harmtrace persons history --source VDC --record-id 54321 --json",
)
@click.argument("victim_id", type=Id(), required=False)
@_WHICH
def persons_history(
    victim_id: int | None, source: str | None, record_id: str | None, db: Path | None, as_json: bool
) -> None:
    """Every version of a victim record, as `reports history` shows a report's; names are withheld
    (a change of name shows as a change, without its values)."""
    _show("victim", victim_id, source, record_id, db, as_json)


def _show(
    kind: Kind, key: int | None, source: str | None, record_id: str | None, db: Path | None, as_json: bool
) -> None:
    from harmtrace.ingest.history import histories

    with store_for(db, read_only=True) as store:
        found = histories(store, kind, key, source, record_id)
    emit(found, as_json, lambda: "\n\n".join(describe_history(h) for h in found))


def describe_history(h: dict[str, Any]) -> str:
    """A record's versions as a table, then the changes each version made."""
    what = "Report" if h["kind"] == "report" else "Victim record"
    versions = h["versions"]
    lines = [
        f"{what} {h['record_key']}: source {h['source']}, record id {h['record_id'] or '-'}; "
        f"{len(versions)} version(s), {_status(versions[-1])}",
        table([_row(v) for v in versions]),
    ]
    for v in versions[1:]:
        lines.append(f"Version {v['version']} (batch {v['batch_id']}, row {v['row_number']}) changed:")
        lines += [f"  {c['field']}: {_value(c['old'])} -> {_value(c['new'])}" for c in v["changes"]]
    return "\n".join(lines)


def _status(last: dict[str, Any]) -> str:
    if last["ended_how"] is None:
        return f"current: version {last['version']}"
    return f"{last['ended_how']} in batch {last['ended_batch']} ({last['ended_at']:%Y-%m-%d %H:%M})"


def _row(v: dict[str, Any]) -> dict[str, Any]:
    ended = "current" if v["ended_how"] is None else f"{v['ended_how']} in batch {v['ended_batch']}"
    return {
        "version": v["version"],
        "batch": v["batch_id"],
        "row": v["row_number"],
        "file": v["file"],
        "imported": f"{v['imported_at']:%Y-%m-%d %H:%M}",
        "ended": ended,
        "ended at": f"{v['ended_at']:%Y-%m-%d %H:%M}" if v["ended_at"] else None,
    }


def _value(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, list):
        return "[" + ", ".join(str(x) for x in value) + "]"
    return repr(value) if isinstance(value, str) else str(value)
