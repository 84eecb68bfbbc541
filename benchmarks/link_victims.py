"""Victim linkage at scale: about N records from three overlapping simulated lists, linked into persons.

    python benchmarks/link_victims.py [--records 1000000] [--seed 1] [--keep DIR]

1. Simulates the people and three lists (`harmtrace.simulate`, the default presets: a Latin-script
   monitor, an Arabic-script committee list, a media compilation) so that the lists hold about
   --records records, writes them and imports them into a store (timed, not part of the link).
2. Links the store twice, each in its own subprocess on its own copy of the store, so that its peak
   memory is its own: `link_victims` with the arabic configuration (the whole link: features, training,
   scoring, pairs written, clusters, person ids), then the plain-Splink baseline.
3. Scores each run against the simulation's truth (`evaluate_victims`; not timed).
4. Prints one table: configuration, records, pairs kept, persons, seconds, records/s, peak MB (the
   subprocess's VmHWM: interpreter and libraries included; taken before the evaluation), seconds per
   step, pairwise F1 and blocking recall, and the time of each run as a multiple of the arabic one.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Any

from linkage_runs import bench_parser, peak_mb, print_table, simulate_and_import, step_or_run, step_row

CONFIGS = ("arabic", "plain")


def prepare(records: int, seed: int, work: Path) -> dict[str, Any]:
    """Simulate about `records` records in three lists, write them and import them into work/lists.duckdb."""
    from harmtrace.simulate import default_config, import_lists, simulate_victims

    template = default_config(people=1, sources=3)
    per_person = sum(s.coverage * (1 + s.duplicate_rate) for s in template.sources)
    config = default_config(people=round(records / per_person), sources=3, seed=seed)
    done = simulate_and_import(
        lambda: simulate_victims(config), work / "lists", work / "lists.duckdb", import_lists
    )
    return {"people": config.people, "records": done["rows"], "simulate_s": done["simulate_s"],
            "import_s": done["import_s"]}  # fmt: skip


def step_link(config: str, work: Path) -> dict[str, Any]:
    """Link a copy of the store with `config`, then evaluate it against the truth."""
    from harmtrace.link.evaluate import evaluate_victims
    from harmtrace.link.victims import link_victims
    from harmtrace.store import open_store

    db = work / f"{config}.duckdb"
    shutil.copy(work / "lists.duckdb", db)
    with open_store(db, create=True) as store:
        started = time.perf_counter()
        run = link_victims(store, config=config)  # type: ignore[arg-type]
        seconds = time.perf_counter() - started
        peak = peak_mb()
        evaluation = evaluate_victims(store, work / "lists" / "truth.csv")
    db.unlink()
    return step_row(
        config, (run.records, run.pairs_scored, run.persons), seconds, peak, run.seconds, evaluation
    )


def print_summary(prepared: dict[str, Any], rows: list[dict[str, Any]]) -> None:
    print(
        f"{prepared['records']:,} records of {prepared['people']:,} people in 3 lists: simulated and "
        f"written in {prepared['simulate_s']:.1f} s, imported in {prepared['import_s']:.1f} s"
    )
    print_table(rows, ("link", "records", "persons"))


def main() -> None:
    parser = bench_parser(__doc__, "the lists and the store")
    parser.add_argument(
        "--records", type=int, default=1_000_000, help="records to simulate (default 1,000,000)"
    )
    args = parser.parse_args()
    steps = list(CONFIGS)
    step_or_run(
        args, __file__, step_link, lambda work: prepare(args.records, args.seed, work), steps, print_summary
    )


if __name__ == "__main__":
    main()
