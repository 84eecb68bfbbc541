"""harmtrace from Python, as a statistician would use it in a notebook: only `harmtrace.__all__`.

    python examples/notebook.py [WORK_DIR]        (default: a temporary folder, removed afterwards)

1. Import the open data bundled in data/ (UCDP GED Syria 2016-2019, two Syrian Archive exports),
   place the reports in governorates, link them into incidents and assess them: `run_pipeline`.
2. The 305-day figure the Syria work quotes (30 September 2015 + 305 days), as a range with its scope:
   the bundled UCDP data begin on 1 January 2016, so the scope says what the figure rests on.
3. Civilians killed in 2017 by governorate, as a pandas DataFrame.
4. A multiple-systems estimate. The bundled data hold no victim lists (no open multi-list data could be
   shipped with the code), so this step simulates three lists of the same 2,000 dead, imports, links
   and estimates them: the true number is known, and the estimate is printed beside it.
"""

from __future__ import annotations

import sys
import tempfile
from datetime import date
from pathlib import Path

import pandas as pd

import harmtrace as ht

DATA = Path(__file__).resolve().parents[1] / "data"
EVENT_FILES = [
    ht.SourceFile("ucdp-ged", DATA / "ucdp_ged_syria_2016-01_2019-11.csv", "UCDP"),
    ht.SourceFile("syrian-archive", DATA / "seankross_violations.csv", "Syrian Archive"),
    ht.SourceFile("syrian-archive", DATA / "seankross_syrian_archive_raw.csv", "Syrian Archive"),
]
PEOPLE = 2_000


def events(work: Path) -> tuple[ht.PipelineRun, ht.CasualtyTable, pd.DataFrame]:
    """Steps 1-3 on the bundled event data: the pipeline's run, the 305-day figure, the table."""
    with ht.open_store(work / "events.duckdb", create=True) as store:
        run = ht.run_pipeline(store, EVENT_FILES, boundaries=DATA / "syr_admin1.geojson", level=1)
        first_305 = ht.casualty_figures(store, date_from=date(2015, 9, 30), days=305)
        by_governorate = ht.casualty_figures(
            store, date_from=date(2017, 1, 1), date_to=date(2017, 12, 31), category="civilians", by="adm1"
        ).to_pandas()
    return run, first_305, by_governorate


def estimation(work: Path) -> ht.Estimation:
    """Step 4: simulated lists -> import -> link -> estimate."""
    lists = ht.simulate_victim_lists(work / "lists", people=PEOPLE, seed=1)
    with ht.open_store(work / "victims.duckdb", create=True) as store:
        for name, path in lists.lists.items():
            ht.import_file(store, "victims", path, source=name, mapping=lists.mappings[name])
        ht.link_victims(store)
        return ht.estimate(store)


def main(work: Path) -> None:
    run, first_305, by_governorate = events(work)
    incidents = f"{run.linkage.incidents:,} incidents" if run.linkage else "not linked"
    print(f"Imported {sum(r.rows_read for r in run.imports):,} rows; {incidents}.")
    total = first_305.total
    print(f"Killed, 30 Sep 2015 + 305 days: min {total.min}, best {total.best}, max {total.max}")
    print(f"  scope: {first_305.scope}")
    print("Civilians killed in 2017 by governorate:")
    print(by_governorate[["label", "key", "min", "best", "max"]].to_string(index=False))
    est = estimation(work)
    point = est.total["estimate"] if est.total else float("nan")
    print(f"MSE ({est.method}, lists {', '.join(est.lists)}): {point:,.0f} dead estimated; truth {PEOPLE:,}")


if __name__ == "__main__":
    if len(sys.argv) > 1:
        main(Path(sys.argv[1]))
    else:
        with tempfile.TemporaryDirectory(prefix="harmtrace-notebook-") as tmp:
            main(Path(tmp))
