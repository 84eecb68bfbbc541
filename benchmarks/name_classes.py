"""Victim linkage per name class: how each configuration links the names real lists have.

    python benchmarks/name_classes.py [--records 20000] [--seed 1] [--keep DIR]

1. Simulates three lists in the default presets (a Latin-script monitor, an Arabic-script committee
   list, a media compilation) with the realistic name classes (`--name-classes realistic`: other
   transliterations, dropped father's names, relational and unidentified names, mass-casualty
   town-days; docs/simulate.md), about --records records, and a cross-script pair of lists (the
   Latin-script monitor and the Arabic-script list, the same classes, about as many records); writes
   and imports each into a store of its own (timed, not part of the link).
2. Links each store with the arabic configuration and with the plain-Splink baseline, each link in its
   own subprocess on its own copy of the store (benchmarks/linkage_runs.py), so that its peak memory
   is its own.
3. Scores each link against the truth: pairwise over all records (`evaluate_victims`) and per class
   (`evaluate_by_class`: a pair belongs to a class when either record has it; recall is the share of
   the class's true pairs in one person, precision the share of the linked pairs touching the class
   that are true). Pairs are those of the persons (clusters), as `evaluate_victims` counts them.
   Records of the class "unidentified" (no name, no relative: nothing but a day, a place, a sex and
   an age) are left out of the other classes' pairs, so that a class's row says how its own names
   link; the row "of them named" is every pair of two named (or relational) records. A second block
   scores the same links on the records that carry the person's own given name: relational records
   ("Wife of X", "Abu Ahmad") are left out too, as the unidentified ones are from the first.
4. Prints one table: per class of the three lists (in the order of
   `harmtrace.simulate.name_classes.CLASSES`), its records, true pairs, and F1, precision and recall
   of each configuration; then all records of the three lists and of the cross-script pair,
   with each link's seconds and peak MB (the subprocess's VmHWM, taken before the evaluation).
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Any

from linkage_runs import bench_parser, peak_mb, ratio, simulate_and_import, step_or_run

CONFIGS = ("arabic", "plain")
# records no linkage can place by name: left out of the other classes' pairs and of the "named" rows
UNPLACEABLE = "unidentified"
# records that do not carry the person's own given name ("Wife of X", "Abu Ahmad", "Unidentified 3")
NO_OWN_NAME = ("unidentified", "relational")
RUNS = {"three": (0, 1, 2), "cross": (0, 1)}  # preset lists of each simulated store
LABELS = {"three": "all records (3 lists)", "cross": "cross-script (Latin + Arabic list)"}


def prepare(records: int, seed: int, work: Path) -> dict[str, Any]:
    """Simulate, write and import the three lists and the cross-script pair (work/<run>/, <run>.duckdb)."""
    return {run: _prepare_run(run, presets, records, seed, work) for run, presets in RUNS.items()}


def _prepare_run(run: str, presets: tuple[int, ...], records: int, seed: int, work: Path) -> dict[str, Any]:
    from harmtrace.simulate import import_lists, simulate_victims
    from harmtrace.simulate.config import build_config, preset_source, with_name_classes

    styles = [preset_source(i) for i in presets]
    per_person = sum(s.coverage * (1 + s.duplicate_rate) for s in styles)
    config = build_config({"people": round(records / per_person), "seed": seed, "sources": styles})
    config = with_name_classes(config, "realistic")
    done = simulate_and_import(
        lambda: simulate_victims(config), work / run, work / f"{run}.duckdb", import_lists
    )
    return {"people": config.people, "records": done["rows"], "simulate_s": done["simulate_s"],
            "import_s": done["import_s"]}  # fmt: skip


def step_link(step: str, work: Path) -> dict[str, Any]:
    """Link a copy of a run's store with a configuration (step "run:config"), then score it."""
    from harmtrace.link.evaluate import evaluate_by_class, evaluate_victims
    from harmtrace.link.victims import link_victims
    from harmtrace.simulate.name_classes import CLASSES
    from harmtrace.store import open_store

    run, config = step.split(":")
    db = work / f"{run}-{config}.duckdb"
    shutil.copy(work / f"{run}.duckdb", db)
    with open_store(db, create=True) as store:
        started = time.perf_counter()
        linked = link_victims(store, config=config)  # type: ignore[arg-type]
        seconds = time.perf_counter() - started
        peak = peak_mb()
        overall = evaluate_victims(store, work / run / "truth.csv").pairwise
        classes = evaluate_by_class(
            store, work / run / "truth.csv", work / run / "record_classes.csv", without=UNPLACEABLE
        )
        own = evaluate_by_class(
            store, work / run / "truth.csv", work / run / "record_classes.csv", without=NO_OWN_NAME
        )
    db.unlink()
    named = classes.pop()  # every record but the unidentified ones
    classes.sort(key=lambda c: CLASSES.index(c.name))
    own_named = own.pop()
    own = sorted((c for c in own if c.name not in NO_OWN_NAME), key=lambda c: CLASSES.index(c.name))
    return {
        "step": step,
        "records": linked.records,
        "seconds": seconds,
        "peak_mb": peak,
        "overall": _scores(overall, None),
        "named": _scores(named.pairwise, named.name, named.records),
        "classes": [_scores(c.pairwise, c.name, c.records) for c in classes],
        "own": [_scores(c.pairwise, c.name, c.records) for c in own],
        "own_named": _scores(own_named.pairwise, own_named.name, own_named.records),
    }


def _scores(s: Any, name: str | None, records: int | None = None) -> dict[str, Any]:
    return {"name": name, "records": records, "true": s.true, "f1": s.f1, "precision": s.precision,
            "recall": s.recall}  # fmt: skip


# --- the table ---------------------------------------------------------------------------------------

HEADER = ("class", "records", "true pairs", *(f"{c} {m}" for c in CONFIGS for m in ("F1", "P", "R")),
          *(f"{c} {m}" for c in CONFIGS for m in ("s", "MB")))  # fmt: skip
WIDTHS = (36, 8, 10, 9, 8, 8, 8, 7, 7, 8, 9, 7, 8)


def print_summary(prepared: dict[str, Any], rows: list[dict[str, Any]]) -> None:
    for run, p in prepared.items():
        print(f"{LABELS[run]}: {p['records']:,} records of {p['people']:,} people, simulated and written in "
              f"{p['simulate_s']:.1f} s, imported in {p['import_s']:.1f} s")  # fmt: skip
    by_step = {r["step"]: r for r in rows}
    header = " ".join(
        f"{h:<{w}}" if i == 0 else f"{h:>{w}}" for i, (h, w) in enumerate(zip(HEADER, WIDTHS, strict=True))
    )
    print(header)
    print("-" * len(header))
    three = [by_step[f"three:{c}"] for c in CONFIGS]
    for i, first in enumerate(three[0]["classes"]):
        print(_line(first["name"], first["records"], first["true"], [r["classes"][i] for r in three], None))
    for run in RUNS:
        runs = [by_step[f"{run}:{c}"] for c in CONFIGS]
        records = prepared[run]["records"]
        print(_line(LABELS[run], records, runs[0]["overall"]["true"], [r["overall"] for r in runs], runs))
        named = runs[0]["named"]
        print(_line(f"  of them named (no {UNPLACEABLE})", named["records"], named["true"],
                    [r["named"] for r in runs], None))  # fmt: skip
    print(
        f"\nPairs of records that carry the person's own given name (no {' or '.join(NO_OWN_NAME)} record):"
    )
    for i, first in enumerate(three[0]["own"]):
        print(_line(first["name"], first["records"], first["true"], [r["own"][i] for r in three], None))
    for run in RUNS:
        runs = [by_step[f"{run}:{c}"] for c in CONFIGS]
        own = runs[0]["own_named"]
        print(_line(LABELS[run], own["records"], own["true"], [r["own_named"] for r in runs], None))


def _line(
    name: str, records: int, true: int, scored: list[dict[str, Any]], runs: list[dict[str, Any]] | None
) -> str:
    cells = [f"{name:<{WIDTHS[0]}}", f"{records:>{WIDTHS[1]},}", f"{true:>{WIDTHS[2]},}"]
    widths = iter(WIDTHS[3:])
    for s in scored:
        cells += [ratio(s[k], next(widths)) for k in ("f1", "precision", "recall")]
    for r in runs or [None] * len(CONFIGS):
        seconds, mb = next(widths), next(widths)
        cells += [f"{'-':>{seconds}}", f"{'-':>{mb}}"] if r is None else [
            f"{r['seconds']:>{seconds}.1f}", f"{r['peak_mb']:>{mb},.0f}"]  # fmt: skip
    return " ".join(cells)


def main() -> None:
    parser = bench_parser(__doc__, "the lists and the stores")
    parser.add_argument("--records", type=int, default=20_000, help="records to simulate (default 20,000)")
    args = parser.parse_args()
    steps = [f"{run}:{config}" for run in RUNS for config in CONFIGS]
    step_or_run(
        args, __file__, step_link, lambda work: prepare(args.records, args.seed, work), steps, print_summary
    )


if __name__ == "__main__":
    main()
