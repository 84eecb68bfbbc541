"""`harmtrace control`: territory held over time (imported areas and event-derived proxies)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import click

from harmtrace.cli.base import (
    Day,
    audience_note,
    audience_options,
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
from harmtrace.publish.policy import Audience


@main.group(
    epilog="Example:\n\n  harmtrace control import areas.geojson --actor IS --valid-from 2016-01-01 "
    "--valid-to 2016-03-31"
)
def control() -> None:
    """Territory held over time: who held each incident's location on its date."""


@control.command(
    "import",
    epilog="Example:\n\n\b\n  harmtrace control import is_2016q1.geojson --actor IS --valid-from 2016-01-01 "
    "--valid-to 2016-03-31\n  harmtrace control import snapshots.gpkg --actor-field holder "
    "--from-field start --to-field end",
)
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--actor", help="The actor holding every polygon (else each feature's --actor-field).")
@click.option("--valid-from", type=Day(), help="First day held, inclusive (else --from-field).")
@click.option("--valid-to", type=Day(), help="Last day held, inclusive (else --to-field).")
@click.option("--actor-field", default="actor", show_default=True, help="Feature property naming the actor.")
@click.option("--from-field", default="valid_from", show_default=True, help="Property: first day held.")
@click.option("--to-field", default="valid_to", show_default=True, help="Property: last day held.")
@click.option("--source", help="Who drew the map (default: the file name).")
@db_option
@json_option
def import_command(
    file: Path,
    actor: str | None,
    valid_from: date | None,
    valid_to: date | None,
    actor_field: str,
    from_field: str,
    to_field: str,
    source: str | None,
    db: Path | None,
    as_json: bool,
) -> None:
    """Import polygons of who held what, when (GeoJSON, GeoPackage, Shapefile).

    With --valid-from/--valid-to the file describes the actor's whole holding in that period: a place
    outside its polygons was not held by it. Bad features are quarantined with their reasons.
    """
    from harmtrace.analyse.control import ControlImport, import_control

    options = ControlImport(actor, valid_from, valid_to, actor_field, from_field, to_field, source)
    with store_for(db, create=True) as store:
        result = import_control(store, file, options)
    emit(result.as_dict(), as_json, lambda: describe_import(result))


@control.command(
    "derive",
    epilog="Example:\n\n  harmtrace control derive --actor IS --from-events UCDP --window-days 60",
)
@click.option("--actor", required=True, help="The actor, as stored among report perpetrators (e.g. IS).")
@click.option("--from-events", "events_source", help="Only events of this source (default: every source).")
@click.option("--window-days", type=int, default=60, show_default=True, help="Events within this many days.")
@click.option("--step-days", type=int, default=15, show_default=True, help="One area per this many days.")
@click.option("--reach-km", type=float, default=5.0, show_default=True, help="Presence around each event.")
@click.option(
    "--max-radius-km",
    type=float,
    default=25.0,
    show_default=True,
    help="Events less precise than this are left out.",
)
@click.option("--from", "date_from", type=Day(), help="First day (default: the first event).")
@click.option("--to", "date_to", type=Day(), help="Last day (default: the last event).")
@radii_option
@db_option
@json_option
def derive_command(
    actor: str,
    events_source: str | None,
    window_days: int,
    step_days: int,
    reach_km: float,
    max_radius_km: float,
    date_from: date | None,
    date_to: date | None,
    radii: dict[str, float | None],
    db: Path | None,
    as_json: bool,
) -> None:
    """Derive an actor's presence areas (a PROXY for control) from its own recorded events.

    Each step's area is the union of discs around the actor's events in the window centred on it
    (radius = the event's precision radius + --reach-km). Replaces earlier derived areas of the actor.
    """
    from harmtrace.analyse.control import Derivation, derive_presence

    spec = Derivation(
        actor, events_source, window_days, step_days, reach_km, max_radius_km, date_from, date_to, radii
    )
    with store_for(db) as store:
        result = derive_presence(store, spec)
    emit(result, as_json, lambda: _describe_derivation(result))


def _describe_derivation(r: dict[str, Any]) -> str:
    skipped = ", ".join(f"{k} {v:,}" for k, v in r["events_skipped"].items() if v) or "none"
    return "\n".join(
        [
            f"Derived {r['areas']:,} presence areas of {r['actor']} (PROXY: {r['label']}), "
            f"{r['from']} to {r['to']}",
            f"events used {r['events_used']:,}; skipped: {skipped}",
        ]
    )


@control.command("list", epilog="Example:\n\n  harmtrace control list --json")
@db_option
@json_option
def list_command(db: Path | None, as_json: bool) -> None:
    """Control layers per actor: areas, first and last day, sources (proxies marked)."""
    from harmtrace.analyse.control import control_summary

    with store_for(db, read_only=True) as store:
        rows = control_summary(store)
    for r in rows:
        r["kind"] = "PROXY (presence from events)" if r["proxy"] else "control"
    emit(rows, as_json, lambda: table(rows, ["actor", "kind", "areas", "first_day", "last_day", "sources"]))


@control.command(
    "incidents",
    epilog="Example:\n\n  harmtrace control incidents --perpetrator 'Government of Russia (Soviet Union)' "
    "--actor IS --limit 20",
)
@click.option("--perpetrator", help="Only incidents naming this perpetrator.")
@window_options
@click.option("--actor", help="Also give the distance range (km) to this actor's areas.")
@click.option("--limit", type=int, default=50, show_default=True, help="Show at most this many incidents.")
@radii_option
@db_option
@json_option
def incidents_command(
    perpetrator: str | None,
    date_from: date | None,
    date_to: date | None,
    days: int | None,
    actor: str | None,
    limit: int,
    radii: dict[str, float | None],
    db: Path | None,
    as_json: bool,
) -> None:
    """Who held each incident's location on its date (its date interval and precision radius)."""
    from harmtrace.analyse.incident_control import incident_control
    from harmtrace.analyse.incident_points import IncidentQuery

    query = IncidentQuery(perpetrator, False, date_from, date_to, days, (), radii)
    with store_for(db, read_only=True) as store:
        result = incident_control(store, query, actor, limit)
    columns = ["incident_id", "date_start", "date_end", "radius_m", "held"]
    columns += ["distance_km_min", "distance_km_max"] if actor else []
    text = lambda: "\n".join(  # noqa: E731
        [
            f"{result['shown']:,} of {result['incidents']:,} incidents",
            table(result["rows"], columns),
            "",
            *result["notes"],
        ]
    )
    emit(result, as_json, text)


@control.command(
    "export",
    epilog="Example:\n\n\b\n  harmtrace control export --format geojson control.geojson\n"
    "  harmtrace control export --format geojson team.geojson --role viewer",
)
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["geojson"]), default="geojson", show_default=True)
@audience_options
@db_option
@json_option
def export_command(file: Path, fmt: str, audience: Audience, db: Path | None, as_json: bool) -> None:
    """Write every control area (proxies labelled) as GeoJSON, WGS84 lon/lat.

    What the file shows follows the publication policy for --role (docs/server.md): for the public (the
    default) outlines are snapped to a grid, since a presence area's discs give its events' points.
    """
    from harmtrace.analyse.control import PROXY_LABEL
    from harmtrace.publish.control_export import ENTITY, export_control
    from harmtrace.publish.export_policy import reads_audited

    with store_for(db, read_only=not reads_audited(ENTITY, audience)) as store:
        done = export_control(store, file, fmt, audience)
    data = done.data
    text = (
        f"Wrote {done.rows:,} areas to {file} ({data['proxies']:,} are proxies: {PROXY_LABEL}).\n"
        + audience_note(ENTITY, data)
    )
    emit(done.as_dict(), as_json, lambda: text)
