"""`harmtrace link victims-to-reports`: tie victim records to the reports of the events they died in."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

import click

from harmtrace.choices import TIE_METHODS
from harmtrace.cli.base import db_option, emit, json_option, store_for
from harmtrace.cli.link import link
from harmtrace.display import table
from harmtrace.errors import InputError

if TYPE_CHECKING:
    from harmtrace.link.ties import TieRun


@link.command(
    "victims-to-reports",
    epilog="Example:\n\n\b\n  harmtrace link victims-to-reports\n"
    "  harmtrace link victims-to-reports --method media --json\n"
    "  harmtrace link victims-to-reports --declared-column incident_code --declared-source Airwars",
)
@click.option(
    "--method",
    "methods",
    type=click.Choice(TIE_METHODS),
    multiple=True,
    help="Evidence to tie by (repeatable; default: media and date_place). Only these ties are replaced.",
)
@click.option(
    "--declared-column", help="Column of the victim list naming each victim's report (its record id)."
)
@click.option("--declared-source", help="Source of the reports that --declared-column names.")
@click.option("--show", type=click.IntRange(0), default=20, show_default=True, help="Review rows to print.")
@db_option
@json_option
def victims_to_reports(
    methods: tuple[str, ...],
    declared_column: str | None,
    declared_source: str | None,
    show: int,
    db: Path | None,
    as_json: bool,
) -> None:
    """Tie victim records to reports by shared media, by day and place, or as their list declares.

    A tie is written only when the evidence points to one incident (run `harmtrace link incidents`
    first); otherwise the record is listed for review with its candidate incidents, never guessed.
    Re-running replaces the ties of the methods run, in one transaction. `harmtrace assess incidents`
    then floors each incident's minimum killed at its distinct tied persons. No names are printed.
    """
    from harmtrace.link.ties import Declared, tie_victims

    if (declared_column is None) != (declared_source is None):
        raise InputError("--declared-column and --declared-source go together: give both, or neither.")
    declared = Declared(declared_column, declared_source) if declared_column and declared_source else None
    with store_for(db) as store:
        run = tie_victims(store, methods or TIE_METHODS, declared)
    emit(run.as_dict(), as_json, lambda: _describe(run, show))


def _describe(run: TieRun, show: int) -> str:
    methods = [
        {"method": m, "ties": run.ties[m], "victim_records": run.victims[m], "incidents": run.incidents[m]}
        for m in run.ties
    ]
    reasons = Counter((r.method, r.reason) for r in run.review)
    lines = [table(methods, ["method", "ties", "victim_records", "incidents"])]
    if not run.review:
        return "\n".join([*lines, "Nothing left for review."])
    lines += [f"\n{len(run.review):,} victim records left for review (not tied):"]
    lines += [table([{"method": m, "reason": r, "records": n} for (m, r), n in sorted(reasons.items())])]
    rows = [
        {"victim_id": str(r.victim_id), "record_id": r.record_id, "died_on": r.died_on, "place": r.place,
         "method": r.method, "incidents": _few(r.incident_ids)}
        for r in run.review[:show]
    ]  # fmt: skip
    if rows:
        lines += [table(rows), f"(first {len(rows)}; all, with their reports: --json)"]
    return "\n".join(lines)


def _few(items: list[str], at_most: int = 3) -> str:
    more = f" +{len(items) - at_most}" if len(items) > at_most else ""
    return ", ".join(items[:at_most]) + more
