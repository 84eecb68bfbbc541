"""`harmtrace assess ...` (grades, attribution, declared strikes) and `harmtrace incidents ...`."""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import Any

import click

from harmtrace.choices import DEFAULT_PLACE_PRECISION, INCIDENT_FORMATS
from harmtrace.cli.base import (
    audience_note,
    audience_options,
    db_option,
    describe_import,
    emit,
    json_option,
    main,
    store_for,
)
from harmtrace.cli.progress import shown
from harmtrace.display import table
from harmtrace.model import GRADES, LOCATION_PRECISIONS, NOT_ALLEGED
from harmtrace.publish.policy import Audience


@main.group(epilog="Example:\n\n  harmtrace assess incidents")
def assess() -> None:
    """Grade incidents, attribute them, and match them to belligerents' declared strikes."""


@assess.command(
    "incidents",
    epilog="Example:\n\n  harmtrace assess incidents --actors my-actors.yaml --json\n\n"
    "  harmtrace incidents export --help",
)
@click.option(
    "--actors",
    "actors_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="YAML actor table extending (or overriding) the shipped one: canonical name -> other names.",
)
@db_option
@json_option
def assess_incidents_command(actors_file: Path | None, db: Path | None, as_json: bool) -> None:
    """Assess every incident: copies between reports, independent sources, declared strikes nearby,
    attribution per canonical actor and a computed grade with its reasons, and store the per-incident
    rows `stats casualties` reads (one transaction; replaces the last run)."""
    from harmtrace.assess.run import assess_incidents

    with store_for(db) as store, shown("assess incidents", as_json) as progress:
        summary = assess_incidents(store, actors_file=actors_file, progress=progress).as_dict()
    emit(summary, as_json, lambda: _assess_text(summary))


def _assess_text(s: dict[str, Any]) -> str:
    grades = ", ".join(f"{g} {n:,}" for g, n in s["grades"].items() if g != NOT_ALLEGED)
    lines = [
        f"Assessed {s['incidents']:,} incidents: {grades}. No civilian harm alleged (not graded): "
        f"{s['grades'][NOT_ALLEGED]:,}.",
        f"{s['reports_copying']:,} reports repeat another report of their incident; "
        f"{s['declared_matches']:,} incident-strike pairs within the declared-strike tolerances.",
    ]
    if s["actor_names_not_in_table"]:
        named = ", ".join(f"{a['name']} ({a['reports']:,})" for a in s["actors_not_in_table"][:8])
        lines.append(
            f"{s['actor_names_not_in_table']:,} perpetrator names are not in the actor table and are kept as "
            f"written (reports naming them): {named}; add them with --actors FILE."
        )
    return "\n".join([*lines, "See the reasons with: harmtrace incidents show INCIDENT_ID"])


@assess.command(
    "declared-strikes",
    epilog="Example:\n\n  harmtrace assess declared-strikes dashboard-airstrikes.tsv "
    '--places syria-locations.tsv --belligerent "US-led coalition"',
)
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--places",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Places file (name, lat, lng); places not in it are looked up in the gazetteer, else quarantined.",
)
@click.option("--belligerent", required=True, help="Who declared these strikes, e.g. 'US-led coalition'.")
@click.option(
    "--place-precision",
    type=click.Choice(LOCATION_PRECISIONS),
    default=DEFAULT_PLACE_PRECISION,
    show_default=True,
    help="What a named place stands for (a log's 'near X').",
)
@db_option
@json_option
def declared_command(
    file: Path, places: Path | None, belligerent: str, place_precision: str, db: Path | None, as_json: bool
) -> None:
    """Import a belligerent's strike log FILE (columns date, place, strikes; tab- or comma-separated).

    Every row becomes a document; it is accepted or quarantined with every reason found. Run
    `harmtrace assess incidents` afterwards to match incidents to the strikes.
    """
    from harmtrace.assess.declared import import_declared

    with store_for(db, create=True) as store:
        result = import_declared(store, file, places, belligerent, place_precision)
    emit(result.as_dict(), as_json, lambda: describe_import(result))


@main.group(epilog="Example:\n\n  harmtrace incidents export --format csv incidents.csv")
def incidents() -> None:
    """Incidents: show one, grade one, export them."""


@incidents.command(
    "grade", epilog="Example:\n\n  harmtrace incidents grade report:12 fair --reason 'two NGOs'"
)
@click.argument("incident_id")
@click.argument("grade", type=click.Choice(GRADES, case_sensitive=False))
@click.option("--reason", required=True, help="Why: the evidence the grade rests on.")
@click.option("--author", default=None, help="Who decides (default: the login name).")
@db_option
@json_option
def grade_command(
    incident_id: str, grade: str, reason: str, author: str | None, db: Path | None, as_json: bool
) -> None:
    """Record an analyst's GRADE for INCIDENT_ID; it overrides the computed grade and survives re-runs."""
    from harmtrace.assess.decisions import decide_grade

    with store_for(db) as store:
        done = decide_grade(store, incident_id, grade, reason, author or getpass.getuser())
    emit(done, as_json, lambda: _grade_text(done))


def _grade_text(d: dict[str, Any]) -> str:
    moved = "" if d["asked"] == d["incident_id"] else f" (now {d['incident_id']})"
    superseded = f"; supersedes decision(s) {', '.join(map(str, d['superseded']))}" if d["superseded"] else ""
    return f"Decision {d['decision_id']}: {d['asked']}{moved} graded {d['grade']}{superseded}."


@incidents.command(
    "show", epilog="Example:\n\n\b\n  harmtrace incidents show I0000042\n  harmtrace incidents show report:12"
)
@click.argument("incident_id")
@db_option
@json_option
def show_command(incident_id: str, db: Path | None, as_json: bool) -> None:
    """Show INCIDENT_ID: its reports, grades with reasons, attribution, declared strikes nearby, the
    incident it is part of or its parts, the links that joined its reports (by the model, or cited),
    their citations, and the fields of its reports set aside at import."""
    from harmtrace.assess.detail import incident_detail

    with store_for(db, read_only=True) as store:
        detail = incident_detail(store, incident_id)
    emit(detail, as_json, lambda: _show_text(detail))


def _show_text(d: dict[str, Any]) -> str:
    lines = [f"Incident {d['incident_id']}: grade {d['grade'] or '(none)'}"]
    lines += [f"  computed: {d['grade_computed'] or '(not assessed: run harmtrace assess incidents)'}"]
    if d["grade_analyst"]:
        lines.append(f"  analyst: {d['grade_analyst']['grade']} ({d['grade_analyst']['reason']})")
    if d["part_of"]:
        lines.append(f"Part of {_containment(d['part_of'])}: figures count the two once, as one item.")
    if d["parts"]:
        parts = ", ".join(_containment(p) for p in d["parts"])
        lines.append(f"Parts: {parts}: figures count this incident and its parts once, as one item.")
    lines += ["Reasons:", *(f"  - {r}" for r in d["grade_reasons"])]
    lines += ["", table(d["reports"])] if d["reports"] else []
    if d["links"]:
        lines += [
            "",
            "Links between its reports (method: model; cited: one report cites the other; assigned: a "
            "report assigned to a curated event):",
        ]
        lines += [table(d["links"])]
    if d["citations"]:
        cited = table(d["citations"], ["report_id", "cited_source", "cited_code", "cited_date"])
        lines += ["", "Citations of other sources' records (the text in --json):", cited]
    if d["fields_set_aside"]:
        lines += ["", "Fields set aside at import (unknown in these reports; see harmtrace quarantine):"]
        lines += [f"  report {f['report_id']}: {f['field']}: {f['reason']}" for f in d["fields_set_aside"]]
    if d["declared"]:
        lines += ["", "Declared strikes nearby:", table(d["declared"])]
    return "\n".join(lines)


def _containment(link: dict[str, Any]) -> str:
    """``I0000012 (decision)`` or ``I0000012 (model, 0.93)``: an incident of a containment and how."""
    sure = (
        f", {link['probability']:.2f}"
        if link["method"] != "decision" and link["probability"] is not None
        else ""
    )
    return f"{link['incident_id']} ({link['method']}{sure})"


@incidents.command(
    "export",
    epilog="Example:\n\n\b\n  harmtrace incidents export --format geojson incidents.geojson\n"
    "  harmtrace incidents export --format parquet team.parquet --role analyst",
)
@click.option("--format", "fmt", type=click.Choice(INCIDENT_FORMATS), required=True, help="File format.")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@audience_options
@db_option
@json_option
def export_command(fmt: str, file: Path, audience: Audience, db: Path | None, as_json: bool) -> None:
    """Write one row per report with its incident's grades, attribution, dates, place and harm ranges.

    What the file shows follows the publication policy for --role (docs/server.md): the public (the
    default) gets no free text and points coarsened to a grid.
    """
    from harmtrace.publish.export_policy import reads_audited
    from harmtrace.publish.incidents_export import ENTITY, export_incidents

    # an export that reads audited fields writes the audit log: only then is the store opened for writing
    read_only = not reads_audited(ENTITY, audience)
    with store_for(db, read_only=read_only) as store, shown("incidents export", as_json) as progress:
        done = export_incidents(store, file, fmt, audience, progress=progress)
    text = f"Wrote {done.rows:,} rows (one per report) to {file} ({fmt}).\n{audience_note(ENTITY, done.data)}"
    emit(done.as_dict(), as_json, lambda: text)
