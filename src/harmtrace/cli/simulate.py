"""`harmtrace simulate victims`: overlapping victim lists with known truth (see docs/simulate.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from harmtrace.cli.base import db_option, emit, handles_errors, json_option, main, store_for
from harmtrace.cli.ingest import describe_import
from harmtrace.display import table
from harmtrace.simulate import SimulationConfig, default_config, import_lists, load_config, simulate_victims
from harmtrace.simulate.config import build_config


@main.group(epilog="Example:\n\n  harmtrace simulate victims --people 10000 --sources 3 --seed 1 --out sim/")
def simulate() -> None:
    """Simulated data with known truth, for tests, benchmarks and methodologists."""


@simulate.command(
    epilog="Example:\n\n\b\n  harmtrace simulate victims --people 10000 --sources 3 --seed 1 --out sim/\n"
    "  harmtrace simulate victims --config sim/simulation.yaml --seed 2 --out sim2/ --import"
)
@click.option("--people", type=click.IntRange(min=1), help="People killed, listed or not [10000].")
@click.option("--sources", type=click.IntRange(min=1), help="Number of lists, in the preset styles [3].")
@click.option("--seed", type=click.IntRange(min=0), help="Seed of every random draw [0].")
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="A simulation.yaml to start from (options given here override it).",
)
@click.option("--coverage", help="Coverage of each list, comma-separated (e.g. 0.6,0.45,0.35).")
@click.option("--heterogeneity", type=click.FloatRange(min=0), help="Sd of people's capture log-odds [0.8].")
@click.option(
    "--dependence",
    multiple=True,
    metavar="LIST:ON:LOGODDS",
    help="LIST is more (negative: less) likely to list people ON has, e.g. list_b:list_a:1.5.",
)
@click.option("--typo-rate", type=click.FloatRange(0, 1), help="Typing errors per name part, every list.")
@click.option("--duplicate-rate", type=click.FloatRange(0, 1), help="Within-list duplicates, every list.")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("simulated-victims"),
    show_default=True,
    help="Folder for the lists, mappings, truth.csv and people.csv.",
)
@click.option("--import", "import_", is_flag=True, help="Also import every list into the store.")
@db_option
@json_option
@handles_errors
def victims(
    people: int | None,
    sources: int | None,
    seed: int | None,
    config_path: Path | None,
    coverage: str | None,
    heterogeneity: float | None,
    dependence: tuple[str, ...],
    typo_rate: float | None,
    duplicate_rate: float | None,
    out: Path,
    import_: bool,
    db: Path | None,
    as_json: bool,
) -> None:
    """Simulate victim lists of the same people, written as real Syrian lists are, with the truth.

    Writes one CSV and one ingest mapping per list, truth.csv (source, record_id, person_id),
    people.csv (everyone, listed or not) and simulation.yaml (the settings, to repeat the run).
    """
    if config_path is not None and sources is not None:
        raise click.UsageError("give --sources or --config, not both (the config lists its sources)")
    base = load_config(config_path) if config_path else default_config(sources=sources or 3)
    config = with_options(base, people, seed, coverage, heterogeneity, dependence, typo_rate, duplicate_rate)
    sim = simulate_victims(config)
    written = sim.write(out)
    result: dict[str, Any] = {"folder": str(written.folder), "sources": sim.summary(), "imports": []}
    if import_:
        with store_for(db) as store:
            imports = import_lists(store, written)
        result["imports"] = [r.as_dict() for r in imports]
    emit(result, as_json, lambda: _describe(result, imports if import_ else []))


def with_options(
    config: SimulationConfig,
    people: int | None,
    seed: int | None,
    coverage: str | None,
    heterogeneity: float | None,
    dependence: tuple[str, ...],
    typo_rate: float | None,
    duplicate_rate: float | None,
) -> SimulationConfig:
    """`config` with the command-line options that were given applied (checked again as a whole)."""
    data = config.model_dump()
    top = {"people": people, "seed": seed, "heterogeneity": heterogeneity}
    data.update({k: v for k, v in top.items() if v is not None})
    per_source = {"typo_rate": typo_rate, "duplicate_rate": duplicate_rate}
    for source in data["sources"]:
        source.update({k: v for k, v in per_source.items() if v is not None})
    if coverage:
        _set_coverage(data["sources"], coverage)
    for spec in dependence:
        _set_dependence(data["sources"], spec)
    return build_config(data)


def _set_coverage(sources: list[dict[str, Any]], text: str) -> None:
    try:
        values = [float(v) for v in text.split(",")]
    except ValueError as exc:
        raise click.BadParameter(
            f"expected numbers like 0.6,0.45,0.35, got {text!r}", param_hint="--coverage"
        ) from exc
    if len(values) != len(sources):
        raise click.BadParameter(f"{len(values)} value(s) for {len(sources)} lists", param_hint="--coverage")
    for source, value in zip(sources, values, strict=True):
        source["coverage"] = value


def _set_dependence(sources: list[dict[str, Any]], spec: str) -> None:
    parts = spec.split(":")
    names = [s["name"] for s in sources]
    if len(parts) != 3 or parts[0] not in names:
        raise click.BadParameter(f"expected LIST:ON:LOGODDS with lists {', '.join(names)}, got {spec!r}",
                                 param_hint="--dependence")  # fmt: skip
    try:
        strength = float(parts[2])
    except ValueError as exc:
        raise click.BadParameter(f"{parts[2]!r} is not a number", param_hint="--dependence") from exc
    source = sources[names.index(parts[0])]
    source["depends_on"], source["dependence"] = parts[1], strength


def _describe(result: dict[str, Any], imports: list[Any]) -> str:
    columns = ["source", "script", "records", "people_listed", "duplicates", "coverage_configured",
               "coverage_realised"]  # fmt: skip
    # coverage is a probability: three decimals, where the table's default shows one
    rows = [
        {k: f"{v:.3f}" if k.startswith("coverage") else v for k, v in r.items()} for r in result["sources"]
    ]
    lines = [table(rows, columns), f"Wrote the lists, mappings and truth.csv to {result['folder']}"]
    lines += [describe_import(r) for r in imports]
    return "\n".join(lines)
