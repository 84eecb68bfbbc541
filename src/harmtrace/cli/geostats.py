"""`harmtrace stats distance` and `harmtrace stats targeting`: geographic figures, each a range."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import click

from harmtrace.cli.base import db_option, emit, json_option, store_for, window_options
from harmtrace.cli.radii import radii_option
from harmtrace.cli.stats import stats
from harmtrace.display import table


def _grades(text: str | None) -> tuple[str, ...]:
    return tuple(g.strip().lower() for g in (text or "").split(",") if g.strip())


@stats.command(
    "distance",
    epilog="Example:\n\n  harmtrace stats distance --perpetrator 'Government of Russia (Soviet Union)' "
    "--actor IS --km 10 --from 2015-09-30 --days 305",
)
@click.option("--perpetrator", required=True, help="Alleged perpetrator, as stored (case-insensitive).")
@click.option("--alone", is_flag=True, help="Only incidents attributed to the perpetrator alone.")
@click.option("--actor", required=True, help="Whose areas the distance is measured to.")
@click.option("--km", type=float, required=True, help="At least this many km from the actor's areas.")
@click.option("--proxy/--no-proxy", default=None, help="Use the actor's derived (proxy) or imported areas.")
@window_options
@click.option("--grade", "grades", help="Incident grades, comma-separated (needs harmtrace assess).")
@click.option("--ids", "with_ids", is_flag=True, help="List the incidents behind each bound.")
@radii_option
@db_option
@json_option
def distance_command(
    perpetrator: str,
    alone: bool,
    actor: str,
    km: float,
    proxy: bool | None,
    date_from: date | None,
    date_to: date | None,
    days: int | None,
    grades: str | None,
    with_ids: bool,
    radii: dict[str, float | None],
    db: Path | None,
    as_json: bool,
) -> None:
    """The share of P's incidents at least D km from X's areas on their dates, as a range.

    Minimum: incidents certainly that far (nearest possible place and day); maximum: possibly that far.
    Incidents without a point, of unknown precision or date, or outside X's control data are left out,
    with their ids.
    """
    from harmtrace.analyse.incident_control import distance_share
    from harmtrace.analyse.incident_points import IncidentQuery

    query = IncidentQuery(perpetrator, alone, date_from, date_to, days, _grades(grades), radii)
    with store_for(db, read_only=True) as store:
        result = distance_share(store, query, actor, km, proxy)
    emit(result, as_json, lambda: describe_distance(result, with_ids))


def describe_distance(r: dict[str, Any], with_ids: bool) -> str:
    f = r["filters"]
    share = "-" if r["share_min"] is None else f"{r['share_min']:.1%} to {r['share_max']:.1%}"
    lines = [
        f"Incidents of {f['perpetrator']}{' alone' if f['alone'] else ''} at least {f['km']:g} km "
        f"from the areas of {r['actor_label']}: {share}",
        f"  certainly: {r['certain']:,} of {r['incidents']:,}; "
        f"possibly: {r['possible']:,} of {r['incidents']:,}",
        "",
        table([{"excluded": k, "incidents": v["incidents"]} for k, v in r["excluded"].items()]),
        "",
        *[f"{bound}: {text}" for bound, text in r["definitions"].items()],
        "",
        "Notes:",
        *[f"  - {n}" for n in r["notes"]],
    ]
    if with_ids:
        lines += ["", "min: " + ", ".join(r["ids"]["min"]), "max: " + ", ".join(r["ids"]["max"])]
    return "\n".join(lines)


@stats.command(
    "targeting",
    epilog="Example:\n\n  harmtrace stats targeting --kind hospital --radius-m 500 --simulations 999",
)
@click.option("--kind", required=True, help="Kind of site (as imported with harmtrace sites import).")
@click.option(
    "--radius-m", type=float, default=500.0, show_default=True, help="A strike within this many metres."
)
@click.option("--max-precision-m", type=float, help="Only strikes this precise (default: --radius-m).")
@click.option(
    "--level", type=click.IntRange(1, 3), help="Admin level of the null model (default: finest loaded)."
)
@click.option("--perpetrator", help="Only incidents naming this perpetrator.")
@window_options
@click.option("--grade", "grades", help="Incident grades, comma-separated (needs harmtrace assess).")
@click.option("--simulations", type=int, default=499, show_default=True, help="Null-model simulations.")
@click.option("--seed", type=int, default=1, show_default=True, help="Random seed (same seed, same answer).")
@radii_option
@db_option
@json_option
def targeting_command(
    kind: str,
    radius_m: float,
    max_precision_m: float | None,
    level: int | None,
    perpetrator: str | None,
    date_from: date | None,
    date_to: date | None,
    days: int | None,
    grades: str | None,
    simulations: int,
    seed: int,
    radii: dict[str, float | None],
    db: Path | None,
    as_json: bool,
) -> None:
    """Strikes within R of sites of a kind, observed against strikes moved at random within their
    admin areas: the ratio with a 95% interval, a p-value, and the assumptions."""
    from harmtrace.analyse.incident_points import IncidentQuery
    from harmtrace.analyse.targeting import TargetingQuery, targeting

    tq = TargetingQuery(kind, radius_m, simulations, seed, max_precision_m, level)
    query = IncidentQuery(perpetrator, False, date_from, date_to, days, _grades(grades), radii)
    with store_for(db, read_only=True) as store:
        result = targeting(store, tq, query)
    emit(result, as_json, lambda: describe_targeting(result))


def describe_targeting(r: dict[str, Any]) -> str:
    f, (lo, hi) = r["filters"], ["unbounded" if v is None else v for v in r["ratio_interval_95"]]
    lines = [
        f"Strikes within {f['radius_m']:g} m of a {f['kind']} site ({r['sites']:,} sites, "
        f"{r['strikes']:,} strikes at least {f['max_precision_m']:g} m precise)",
        f"  observed {r['observed']:,}; expected under the null {r['expected']:,.1f} "
        f"({f['simulations']:,} simulations, seed {f['seed']}, admin level {f['admin_level']})",
        f"  ratio {r['ratio']} (95% interval {lo} to {hi}); p-value {r['p_value']}",
        f"  precision-aware: certainly within {r['precision_aware']['certainly_within']:,}, possibly within "
        f"{r['precision_aware']['possibly_within']:,}",
        "Excluded: " + ", ".join(f"{k} {v:,}" for k, v in r["excluded"].items()),
        "",
        "Assumptions:",
        *[f"  - {a}" for a in r["assumptions"]],
    ]
    return "\n".join(lines)
