"""Speed of `harmtrace estimate` from the store: capture histories, strata, fits and linkage draws.

    python benchmarks/estimate_store.py [--records N] [--pairs N] [--draws N] [--seed S]

The store is what a linkage run leaves behind (`benchmarks/persons.py` writes it: --records victim
records of three lists, people listed 1-3 times, --pairs scored pairs, clustered at 0.5 with stable
ids). Then, timed:

1. `read_records`: every record with its person, date, governorate (names matched once per distinct
   text) and sex, as numpy arrays;
2. `store_histories`: persons and which lists record them; `stratify` by governorate x year;
3. the log-linear fit of the total (8 models, profile intervals), and `estimate_store` with
   --strata adm1 --strata year (the whole command: checks, every stratum's fit, their sum);
4. one linkage draw (`draw_labels` + `person_histories` + the fit), the unit of --linkage-draws.

Baseline, in the same process: the capture table alone as one DuckDB GROUP BY over person_member and
victim_record (the least any implementation must do).

Prints one table: step, rows, seconds, and the process's peak memory (VmHWM, MB) after the step.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np
from persons import Rows, add_pairs, add_records, timed  # benchmarks/persons.py, beside this file

from harmtrace.analyse.mse.captures import CaptureTable
from harmtrace.analyse.mse.estimation import EstimateOptions, estimate_store, fit
from harmtrace.analyse.mse.histories import person_histories, read_records, store_histories, stratify
from harmtrace.analyse.mse.uncertainty import RunPairs, draw_labels
from harmtrace.display import table
from harmtrace.link.clusters import cluster_records
from harmtrace.link.identity import assign_persons
from harmtrace.store import Store, open_store


def sql_capture_table(store: Store) -> int:
    """The baseline: persons per pattern of lists, in SQL."""
    rows = store.rows(
        "SELECT pattern, count(*) AS n FROM (SELECT person_id, bit_or(1 << (source_id - 1)) AS pattern "
        "FROM person_member JOIN victim_record USING (victim_id) GROUP BY person_id) GROUP BY pattern"
    )
    return len(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--pairs", type=int, default=3_000_000)
    parser.add_argument("--draws", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    rows: Rows = []
    with tempfile.TemporaryDirectory() as tmp, open_store(Path(tmp) / "bench.duckdb", create=True) as store:
        for i, name in enumerate(("list_a", "list_b", "list_c"), start=1):
            store.con.execute("INSERT INTO source (source_id, name) VALUES (?, ?)", [i, name])
        person = add_records(store, 1, args.records, rng, None)
        add_pairs(store, 1, person, args.pairs, rng)
        clusters = cluster_records(store, 1, 0.5)
        assign_persons(store, 1, clusters.representative_of(), clusters.probability_of())
        n = args.records
        options = EstimateOptions(strata=("adm1", "year"))
        timed(rows, "baseline: capture table in SQL", n, lambda: sql_capture_table(store))
        records = timed(rows, "read_records", n, lambda: read_records(store))
        persons = timed(rows, "store_histories", n, lambda: store_histories(records, (0, 1, 2)))
        strata = timed(
            rows, "stratify adm1 x year", len(persons), lambda: stratify(persons, ("adm1", "year"))
        )
        table_ = CaptureTable.from_histories(persons.listed, lists=persons.lists)
        timed(rows, "fit log-linear (total)", len(persons), lambda: fit(table_, options))
        result = timed(rows, "estimate_store --strata adm1 year", n, lambda: estimate_store(store, options))
        pairs = timed(
            rows, "linkage: read the run's pairs", args.pairs, lambda: RunPairs(store, records, 0.0)
        )
        draw_rng = np.random.default_rng(args.seed)
        for i in range(args.draws):
            timed(rows, f"linkage draw {i + 1} (cluster + histories + fit)", n, lambda: fit(
                CaptureTable.from_histories(
                    person_histories(records, draw_labels(pairs, records, draw_rng), (0, 1, 2)).listed,
                    lists=persons.lists,
                ),
                options,
            ))  # fmt: skip
    print(f"{args.records:,} records, {len(persons):,} persons, {len(strata)} strata; total estimate "
          f"{result['total']['estimate']:,.0f} ({result['total']['model']})")  # fmt: skip
    print(table([{"step": s, "rows": r, "seconds": f"{t:.2f}", "peak MB": round(m)} for s, r, t, m in rows]))


if __name__ == "__main__":
    main()
