"""Speed of clustering, stable person ids, person counts, export and review on synthetic linkage output.

    python benchmarks/persons.py [--records N] [--pairs N] [--decisions N] [--seed S] [--keep FILE]

No model runs here: the benchmark writes what a linkage run leaves behind and times what follows it.

1. A store with --records victim records from three lists (dated 2011-2019), drawn as people listed
   1-3 times, and a run of --pairs scored pairs: every pair of records of one person (match
   probability 0.7-1.0) and random pairs of different people (probability Beta(0.5, 5): mostly low, a
   few above the 0.5 threshold, so that chains form as they do in real linkage).
2. Run 1: `cluster_records` at threshold 0.5 and `assign_persons` (every person new). Baseline in the
   same process: a plain Python union-find over the same links.
3. Run 2: a fourth list adds 10% more records, each a person of the first lists listed again; the
   run is scored afresh (new random pairs: some chains break, others form); --decisions analyst
   decisions are recorded (half 'same' on random pairs, half 'different' on pairs that run 1 put in
   one person, so that clusters must be split). Then
   `cluster_records` and `assign_persons` again (kept, merged, split ids).
4. `person_counts` (total, by month, by province), `export_persons` (CSV, Parquet) and `review_queue`.

Prints one table: step, rows, seconds, and the process's peak memory (VmHWM, MB) after the step.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from harmtrace.analyse.persons import PersonQuery, person_counts
from harmtrace.link.clusters import cluster_records
from harmtrace.link.identity import assign_persons
from harmtrace.link.review import review_queue
from harmtrace.publish.persons_export import export_persons
from harmtrace.store import Store, open_store

Rows = list[tuple[str, int, float, float]]


def peak_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def timed(rows: Rows, step: str, count: int, work: Callable[[], Any]) -> Any:
    started = time.perf_counter()
    result = work()
    rows.append((step, count, time.perf_counter() - started, peak_mb()))
    return result


def add_records(
    store: Store, first: int, count: int, rng: np.random.Generator, source: int | None
) -> np.ndarray:
    """Records first..first+count-1; returns the person of each (people listed 1-3 times, consecutive)."""
    person = np.repeat(np.arange(count), rng.integers(1, 4, count))[:count] + first
    days = rng.integers(0, 9 * 365, count)
    sources = np.full(count, source) if source else rng.integers(1, 4, count)
    provinces = np.array(["Aleppo", "Halab", "حلب", "Rif Dimashq", "Idlib", "Homs", "Daraa", "Hama"])
    table = pa.table({
        "victim_id": np.arange(first, first + count), "source_id": sources, "day": days,
        "province": provinces[rng.integers(0, provinces.size, count)],
        "status": np.array(["civilian", "combatant", "unknown"])[rng.integers(0, 3, count)],
    })  # fmt: skip
    store.con.register("new_records", table)
    store.con.execute(
        "INSERT INTO victim_record (victim_id, batch_id, row_number, source_id, record_id, status, "
        "date_start, date_end, date_precision, province, perpetrators, flags) SELECT victim_id, source_id, "
        "victim_id, source_id, 'R' || victim_id, status, DATE '2011-03-15' + day::INTEGER, "
        "DATE '2011-03-15' + day::INTEGER, 'day', province, [], [] FROM new_records"
    )
    store.con.unregister("new_records")
    return person


def add_pairs(store: Store, run_id: int, person: np.ndarray, pairs: int, rng: np.random.Generator) -> int:
    ids = np.arange(1, person.size + 1)
    order = np.argsort(person, kind="stable")  # records of one person side by side: chain them
    same = person[order][1:] == person[order][:-1]
    true_l, true_r = ids[order][:-1][same], ids[order][1:][same]
    k = max(pairs - true_l.size, 0)
    a, b = rng.integers(1, ids.size + 1, k), rng.integers(1, ids.size + 1, k)
    keep = (a != b) & (person[a - 1] != person[b - 1])
    left = np.concatenate([true_l, np.minimum(a, b)[keep]])
    right = np.concatenate([true_r, np.maximum(a, b)[keep]])
    p = np.concatenate([rng.uniform(0.7, 1.0, true_l.size), rng.beta(0.5, 5.0, int(keep.sum()))])
    store.con.execute(
        "INSERT INTO link_run (run_id, kind, started_at, finished_at, threshold, harmtrace_version) "
        "VALUES (?, 'victims', now(), now(), 0.5, 'benchmark')",
        [run_id],
    )
    table = pa.table({"l": left, "r": right, "p": p})
    store.con.register("new_pairs", table)
    store.con.execute(
        "INSERT INTO link_pair (run_id, kind, id_l, id_r, match_weight, match_probability, detail) "
        "SELECT ?, 'victims', l, r, log2(p / (1 - p + 1e-12)), p, NULL FROM new_pairs",
        [run_id],
    )
    store.con.unregister("new_pairs")
    return int(left.size)


def add_decisions(store: Store, n: int, rng: np.random.Generator) -> None:
    """Half 'same' on random pairs, half 'different' on pairs that share a person now."""
    records = int(store.scalar("SELECT count(*) FROM victim_record"))
    same = rng.integers(1, records + 1, (n // 2, 2))
    apart = store.rows(
        "SELECT min(victim_id) AS a, max(victim_id) AS b FROM person_member GROUP BY person_id "
        "HAVING count(*) >= 3 ORDER BY hash(person_id) LIMIT ?",
        [n - n // 2],
    )
    now = datetime.now(UTC).replace(tzinfo=None)
    rows = [("same", int(min(a, b)), int(max(a, b))) for a, b in same if a != b]
    rows += [("different", r["a"], r["b"]) for r in apart]
    table = pa.table({"decision_id": np.arange(1, len(rows) + 1), "verdict": [r[0] for r in rows],
                      "a": [r[1] for r in rows], "b": [r[2] for r in rows]})  # fmt: skip
    store.con.register("new_decisions", table)
    # written in bulk: record_decision checks each against all others, which is for people, not benchmarks
    store.con.execute(
        "INSERT INTO decision SELECT decision_id, 'victims', verdict, a, b, 'benchmark', 'benchmark', ?, "
        "NULL FROM new_decisions",
        [now],
    )
    store.con.unregister("new_decisions")


def python_union_find(store: Store, run_id: int, threshold: float) -> int:
    """The baseline: components of the same links with a dict-free, list-based Python union-find."""
    pairs = store.con.execute(
        "SELECT id_l, id_r FROM link_pair WHERE run_id = ? AND match_probability >= ?", [run_id, threshold]
    ).fetchnumpy()
    n = int(store.scalar("SELECT max(victim_id) FROM victim_record")) + 1
    parent = list(range(n))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in zip(pairs["id_l"].tolist(), pairs["id_r"].tolist(), strict=True):
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return len({find(x) for x in range(1, n)})


def link(rows: Rows, store: Store, run_id: int, label: str) -> None:
    records = int(store.scalar("SELECT count(*) FROM victim_record"))
    result = timed(rows, f"{label}: cluster_records", records, lambda: cluster_records(store, run_id, 0.5))
    clusters = timed(rows, f"{label}: clusters as dicts", records,
                     lambda: (result.representative_of(), result.probability_of()))  # fmt: skip
    changes = timed(
        rows, f"{label}: assign_persons", records, lambda: assign_persons(store, run_id, *clusters)
    )
    print(f"{label}: {result.clusters:,} clusters, {result.links_cut:,} links cut; {changes}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--pairs", type=int, default=3_000_000)
    parser.add_argument("--decisions", type=int, default=1_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", type=Path, help="Keep the store in this file (default: a temporary one).")
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    rows: Rows = []
    with (
        tempfile.TemporaryDirectory() as tmp,
        open_store(args.keep or Path(tmp) / "bench.duckdb", create=True) as store,
    ):
        for i, name in enumerate(("list_a", "list_b", "list_c", "list_d"), start=1):
            store.con.execute("INSERT INTO source (source_id, name) VALUES (?, ?)", [i, name])
        person = timed(
            rows, "setup: records", args.records, lambda: add_records(store, 1, args.records, rng, None)
        )
        timed(rows, "setup: pairs of run 1", args.pairs, lambda: add_pairs(store, 1, person, args.pairs, rng))
        link(rows, store, 1, "run 1")
        timed(rows, "baseline: Python union-find", args.pairs, lambda: python_union_find(store, 1, 0.5))

        extra = args.records // 10
        again = rng.choice(person, extra)  # the new list lists known people again
        add_records(store, args.records + 1, extra, rng, 4)
        timed(rows, "setup: pairs of run 2", args.pairs,
              lambda: add_pairs(store, 2, np.concatenate([person, again]), args.pairs, rng))  # fmt: skip
        add_decisions(store, args.decisions, rng)
        link(rows, store, 2, "run 2")

        records = int(store.scalar("SELECT count(*) FROM victim_record"))
        for by in (None, "month", "province"):
            query = PersonQuery(status="civilian", by=by)
            timed(rows, f"stats persons --by {by}", records, lambda q=query: person_counts(store, q))
        for fmt in ("csv", "parquet"):
            out = Path(tmp) / f"persons.{fmt}"
            timed(rows, f"persons export {fmt}", records, lambda o=out, f=fmt: export_persons(store, o, f))
        timed(rows, "review queue (20 pairs)", 20, lambda: review_queue(store, None, 20))
    print(f"\n{'step':<34} {'rows':>10} {'seconds':>8} {'peak MB':>8}")
    for step, count, seconds, peak in rows:
        print(f"{step:<34} {count:>10,} {seconds:>8.2f} {peak:>8,.0f}")


if __name__ == "__main__":
    main()
