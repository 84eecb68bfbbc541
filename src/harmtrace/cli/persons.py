"""`harmtrace persons export` and `harmtrace stats persons`: persons out of the store, and counted."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import click

from harmtrace.choices import PERSON_GROUPINGS, PERSON_SEXES, PERSON_STATUSES
from harmtrace.cli.base import (
    audience_note,
    audience_options,
    db_option,
    emit,
    json_option,
    main,
    store_for,
    window_options,
)
from harmtrace.cli.progress import shown
from harmtrace.cli.stats import stats
from harmtrace.display import table
from harmtrace.publish.persons_export import ENTITY, FORMATS, ExportSummary, export_persons
from harmtrace.publish.policy import Audience

if TYPE_CHECKING:
    from harmtrace.analyse.persons import PersonFigure, PersonFigures


@main.group(epilog="Example:\n\n  harmtrace persons export --format csv persons.csv")
def persons() -> None:
    """Persons: victim records linked into people (harmtrace link victims)."""


@persons.command(
    "export",
    epilog="Example:\n\n\b\n  harmtrace persons export --format csv persons.csv\n"
    "  harmtrace persons export --format parquet persons.parquet --role analyst",
)
@click.option("--format", "fmt", type=click.Choice(FORMATS), required=True, help="File format.")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@audience_options
@db_option
@json_option
def export_command(fmt: str, file: Path, audience: Audience, db: Path | None, as_json: bool) -> None:
    """Write one row per victim record: record_id, source, person_id, match_probability.

    record_id is the record's own id in its source, as its mapping read it, so the file joins back to
    the input lists on (source, record_id). Names follow the publication policy for --role
    (docs/server.md): they are shown from --role analyst on, and such an export is written to the
    store's audit log.
    """
    from harmtrace.publish.export_policy import reads_audited

    # an export that reads audited fields writes the audit log: only then is the store opened for writing
    read_only = not reads_audited(ENTITY, audience)
    with store_for(db, read_only=read_only) as store, shown("persons export", as_json) as progress:
        summary = cast("ExportSummary", export_persons(store, file, fmt, audience, progress).as_dict())
    emit(summary, as_json, lambda: _export_text(summary))


def _export_text(s: ExportSummary) -> str:
    lines = [
        f"Wrote {s['rows']:,} victim records ({s['persons']:,} persons) to {s['path']} ({s['format']}).",
        "Columns: " + ", ".join(s["columns"]),
        audience_note(ENTITY, s),
    ]
    if s["unlinked"]:
        lines.append(f"{s['unlinked']:,} records imported since the latest link have no person yet.")
    return "\n".join(lines)


@stats.command(
    "persons",
    epilog="Example:\n\n\b\n  harmtrace stats persons --from 2013-01-01 --to 2013-12-31 --status civilian "
    "--by month\n  harmtrace stats persons --child --by province --json",
)
@window_options
@click.option("--status", type=click.Choice(PERSON_STATUSES), help="Only civilians, or only combatants.")
@click.option("--sex", type=click.Choice(PERSON_SEXES), help="Only women and girls, or men and boys.")
@click.option("--child", is_flag=True, help="Only children (under 18).")
@click.option(
    "--by", type=click.Choice(PERSON_GROUPINGS), help="One figure per month, year, governorate or source."
)
@db_option
@json_option
def persons_command(
    date_from: date | None,
    date_to: date | None,
    days: int | None,
    status: str | None,
    sex: str | None,
    child: bool,
    by: str | None,
    db: Path | None,
    as_json: bool,
) -> None:
    """People killed in a window, each person once however many lists record them: min to max.

    The minimum counts persons whose whole date of death lies inside the window, the maximum those
    whose date touches it; records of one person that disagree widen the range (see --json
    "definitions" and the notes). Also shown: the records and sources behind the persons.
    """
    from harmtrace.analyse.tables import person_counts_table

    with store_for(db, read_only=True) as store:
        figures = person_counts_table(
            store, date_from=date_from, date_to=date_to, days=days, status=status, sex=sex, child=child, by=by
        ).as_dict()
    emit(figures, as_json, lambda: describe_persons(cast("PersonFigures", figures)))


def describe_persons(f: PersonFigures) -> str:
    """The count as a reader sees it: what was counted, the table, the definitions and the caveats."""
    lines = [_headline(f), f["scope"]["text"], "", table(_rows(f)), ""]
    lines += [f"{bound}: {text}" for bound, text in f["definitions"].items()]
    return "\n".join([*lines, "", "Notes:", *(f"  - {note}" for note in f["notes"])])


def _headline(f: PersonFigures) -> str:
    asked = f["filters"]
    who = " ".join(w for w in (asked["status"], asked["sex"], "children" if asked["child"] else None) if w)
    w = f["window"]
    when = "all dates"
    if w["from"] is not None or w["to"] is not None:
        days = f", {w['days']:,} days" if w["days"] else ""
        when = f"{w['from'] or 'the earliest'} to {w['to'] or 'the latest'} (both days inclusive{days})"
    by = f", by {asked['by']}" if asked["by"] else ""
    return f"Persons killed{': ' + who if who else ''}, {when}{by}"


def _rows(f: PersonFigures) -> list[dict[str, Any]]:
    periods = f["filters"]["by"] in ("month", "year")
    rows = [_row("total", f["total"], f["window"] if periods else None)]
    for group in f["groups"] or []:
        rows.append(_row(group["group"], group, group["window"] if periods else None))
    return rows


def _row(name: str, figure: PersonFigure, window: Any) -> dict[str, Any]:
    row: dict[str, Any] = {"group": name}
    if window is not None:
        row |= {"from": window["from"], "to": window["to"]}
    listed = figure["listed_by"]
    several = sum(n for k, n in listed.items() if int(k) > 1)
    return row | {
        "min": figure["persons_min"],
        "max": figure["persons_max"],
        "records min": figure["records_min"],
        "records max": figure["records_max"],
        "sources": figure["sources_max"],
        "in 2+ sources": several,
        "dates disputed": figure["persons_dates_disputed"],
    }
