"""`harmtrace simulate victims|reports`: victim lists or incident reports, with known truth.

See docs/simulate.md.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from harmtrace.choices import NAME_CLASSES
from harmtrace.cli.base import db_option, describe_import, emit, json_option, main, store_for
from harmtrace.display import table

if TYPE_CHECKING:
    from harmtrace.simulate import SimulationConfig


@main.group(epilog="Example:\n\n  harmtrace simulate victims --people 10000 --sources 3 --seed 1 --out sim/")
def simulate() -> None:
    """Simulated data with known truth, for tests, benchmarks and methodologists."""


@simulate.command(
    epilog="Example:\n\n\b\n  harmtrace simulate victims --people 10000 --sources 3 --seed 1 --out sim/\n"
    "  harmtrace simulate victims --config sim/simulation.yaml --seed 2 --out sim2/ --import\n"
    "  harmtrace simulate victims --name-classes realistic --out sim-real/"
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
    "--name-classes",
    type=click.Choice(NAME_CLASSES),
    default="none",
    show_default=True,
    help="Name classes of real lists: 'realistic' adds other transliterations, dropped father's names, "
    "relational and unidentified names and mass-casualty days at the rates of real lists.",
)
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
    name_classes: str,
    out: Path,
    import_: bool,
    db: Path | None,
    as_json: bool,
) -> None:
    """Simulate victim lists of the same people, written as real Syrian lists are, with the truth.

    Writes one CSV and one ingest mapping per list, truth.csv (source, record_id, person_id),
    record_classes.csv (source, record_id, class: each record's name classes), people.csv (everyone,
    listed or not) and simulation.yaml (the settings, to repeat the run).
    """
    from harmtrace.simulate import default_config, import_lists, load_config, simulate_victims
    from harmtrace.simulate.config import with_name_classes

    if config_path is not None and sources is not None:
        raise click.UsageError("give --sources or --config, not both (the config lists its sources)")
    base = load_config(config_path) if config_path else default_config(sources=sources or 3)
    config = with_options(base, people, seed, coverage, heterogeneity, dependence, typo_rate, duplicate_rate)
    config = with_name_classes(config, name_classes)
    sim = simulate_victims(config)
    written = sim.write(out)
    result: dict[str, Any] = {"folder": str(written.folder), "sources": sim.summary(), "imports": []}
    if import_:
        with store_for(db, create=True) as store:
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
    from harmtrace.simulate.config import build_config

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


@simulate.command(
    "captures",
    epilog="Example:\n\n\b\n"
    "  harmtrace simulate captures sim-captures/ --n 5000 --lists 4 --capture 0.3 --seed 1\n"
    "  harmtrace simulate captures het/ --heterogeneity 0.8:0.15 --heterogeneity 0.2:0.6 --dependence 1:2:4\n"
    "  harmtrace simulate captures victims/ --n 2000 --lists 3 --victim-lists\n"
    "  harmtrace estimate --histories sim-captures/captures.csv",
)
@click.argument("out", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--n",
    "people",
    type=click.IntRange(min=1),
    default=10_000,
    show_default=True,
    help="People in the population, listed or not (the truth to estimate).",
)
@click.option(
    "--lists", type=click.IntRange(min=2, max=12), default=3, show_default=True, help="Number of lists."
)
@click.option(
    "--capture",
    help="Probability a list records a person: one for all lists or one per list "
    "(0.5,0.3,0.2) [0.3; with --victim-lists the presets' 0.6,0.45,0.35...].",
)
@click.option(
    "--heterogeneity",
    multiple=True,
    metavar="WEIGHT:PROBS",
    help="A latent class: its share of people and its capture probability (one, or one per list "
    "separated by /), e.g. 0.8:0.15 and 0.2:0.6; with --victim-lists, one number: the sd of "
    "people's capture log-odds.",
)
@click.option(
    "--dependence",
    multiple=True,
    metavar="A:B:ODDS",
    help="People on list A are ODDS times likelier (odds ratio) to be on list B (lists numbered from "
    "1, A < B), e.g. 1:2:4; below 1 the lists divide the work.",
)
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True, help="Seed of every draw.")
@click.option(
    "--victim-lists",
    is_flag=True,
    help="Write the lists as victim lists (with ingest mappings) for the whole pipeline.",
)
@db_option
@json_option
def captures_command(
    out: Path,
    people: int,
    lists: int,
    capture: str | None,
    heterogeneity: tuple[str, ...],
    dependence: tuple[str, ...],
    seed: int,
    victim_lists: bool,
    db: Path | None,
    as_json: bool,
) -> None:
    """Simulate who is on which list in a population of known size, with known heterogeneity and
    dependence between lists: captures.csv (patterns and counts) and truth.json.

    For tests and for learning the methods: estimate the total with harmtrace estimate --histories
    OUT/captures.csv and compare it with truth.json. With --victim-lists the lists are also written
    as victim lists (names, dates, places; see harmtrace simulate victims) to ingest, link and estimate.
    """
    from harmtrace.simulate.capture_files import capture_files, victim_files

    probs = _numbers(capture, "--capture") if capture else []
    pairs = dict(_pair(spec, lists) for spec in dependence)
    if victim_lists:
        sd = _numbers(heterogeneity[0], "--heterogeneity")[0] if heterogeneity else None
        if len(heterogeneity) > 1:
            raise click.BadParameter(
                "with --victim-lists give one number (an sd)", param_hint="--heterogeneity"
            )
        result = victim_files(out, people, lists, probs, sd, pairs, seed)
    else:
        classes = [_latent_class(spec) for spec in heterogeneity] or None
        result = capture_files(out, people, lists, probs or [0.3], classes, pairs, seed)
    emit(result, as_json, lambda: _describe_captures(result))


def _numbers(text: str, hint: str, sep: str = ",") -> list[float]:
    try:
        return [float(v) for v in text.split(sep)]
    except ValueError as exc:
        raise click.BadParameter(
            f"expected numbers like 0.3 or 0.5{sep}0.3, got {text!r}", param_hint=hint
        ) from exc


def _latent_class(spec: str) -> tuple[float, list[float]]:
    weight, sep, probs = spec.partition(":")
    if not sep:
        raise click.BadParameter(
            f"expected WEIGHT:PROBS such as 0.8:0.15, got {spec!r}", param_hint="--heterogeneity"
        )
    return _numbers(weight, "--heterogeneity")[0], _numbers(probs, "--heterogeneity", "/")


def _pair(spec: str, lists: int) -> tuple[tuple[int, int], float]:
    parts = spec.split(":")
    try:
        a, b, ratio = int(parts[0]), int(parts[1]), float(parts[2])
    except (ValueError, IndexError) as exc:
        raise click.BadParameter(
            f"expected A:B:ODDS such as 1:2:4, got {spec!r}", param_hint="--dependence"
        ) from exc
    if not (1 <= a < b <= lists and ratio > 0):
        raise click.BadParameter(
            f"{spec!r}: need 1 <= A < B <= {lists} and ODDS > 0", param_hint="--dependence"
        )
    return (a - 1, b - 1), ratio


def _describe_captures(result: dict[str, Any]) -> str:
    truth = result["truth"]
    lines = [
        f"Population {truth['population']:,}: {truth['observed']:,} on at least one of {truth['lists']} "
        "lists, "
        f"{truth['unobserved']:,} on none (the number to estimate).",
        f"Wrote {result['captures']} ({result['patterns']} capture patterns with counts) and "
        f"{result['truth_file']}.",
    ]
    if truth["model"] == "victims":
        lines.append(
            f"Victim lists and mappings in {result['folder']}: ingest each with harmtrace ingest victims "
            "FILE --mapping FILE.yaml --source NAME, then harmtrace link victims and harmtrace estimate."
        )
    lines.append(f"Estimate it with: harmtrace estimate --histories {result['captures']}")
    return "\n".join(lines)


@simulate.command(
    "reports",
    epilog="Example:\n\n\b\n  harmtrace simulate reports sim-reports/ --incidents 2000 --seed 1\n"
    "  harmtrace simulate reports sim-reports/ --incidents 2000 --import --db sim.duckdb\n"
    "  harmtrace simulate reports sim-reports/ --incidents 2000 --event-data --import --db sim.duckdb",
)
@click.argument("out_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--incidents", type=click.IntRange(min=1), default=1000, show_default=True, help="True incidents."
)
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True, help="Seed of every draw.")
@click.option(
    "--same-day-share",
    type=click.FloatRange(0, 1, max_open=True),
    default=0.35,
    show_default=True,
    help="Share of incidents on the day and in the town of an earlier one (strikes of one wave).",
)
@click.option(
    "--event-data",
    is_flag=True,
    help="Also a source of curated event data in UCDP GED's CSV (some events a town's daily toll).",
)
@click.option("--import", "import_", is_flag=True, help="Also import every source's reports into the store.")
@db_option
@json_option
def reports(
    out_dir: Path,
    incidents: int,
    seed: int,
    same_day_share: float,
    event_data: bool,
    import_: bool,
    db: Path | None,
    as_json: bool,
) -> None:
    """Simulate reports of the same incidents by several sources, written differently, with the truth.

    Writes reports_<source>.csv per source (import each with examples/mappings/simulated_reports.yaml
    and --source), truth.csv (source, record_id, incident_id, copied_from, duplicate_of) and
    incidents.csv (the true incidents); with --event-data also events_event_data.csv (UCDP GED's
    columns, imported as source event_data) and truth_pairs.csv (its events' pairs with the other
    sources' reports, same or part-of). See docs/simulate.md.
    """
    from harmtrace.simulate.reports import EventData, ReportsConfig, import_reports, simulate_reports

    config = ReportsConfig(
        incidents=incidents,
        seed=seed,
        same_day_share=same_day_share,
        event_data=EventData() if event_data else None,
    )
    sim = simulate_reports(config)
    written = sim.write(out_dir)
    result: dict[str, Any] = {"folder": str(written.folder), "sources": sim.summary(), "imports": []}
    if written.event_data is not None:
        result |= {"event_data": str(written.event_data), "truth_pairs": str(written.truth_pairs)}
    imported = []
    if import_:
        with store_for(db, create=True) as store:
            imported = import_reports(store, written)
        result["imports"] = [r.as_dict() for r in imported]
    lines = [table(result["sources"], ["source", "reports", "incidents", "copies", "duplicates"])]
    lines.append(f"Wrote the reports, truth.csv and incidents.csv to {written.folder}")
    if "event_data" in result:
        lines.append(f"Event data: {result['event_data']}, its truth pairs: {result['truth_pairs']}")
    emit(result, as_json, lambda: "\n".join(lines + [describe_import(r) for r in imported]))
