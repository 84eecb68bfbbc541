"""The change feed's refresh (`harmtrace.server.feed.refresh`) on a large synthetic served table.

    python benchmarks/feed_refresh.py [--incidents 500000]

Builds the served incident table of an empty store, fills it with N synthetic incidents, then times:
the first refresh (every incident new), a refresh with nothing changed, and one after 1% of the
incidents changed grade and 1% stopped being served (retired into another), as after a link run.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from harmtrace.publish.policy import Audience
from harmtrace.server import feed, served
from harmtrace.store import Store, open_store


def fill(store: Store, n: int) -> None:
    served.attach(store)
    served.build(store, 5000.0)
    store.con.execute(
        f"""INSERT INTO {served.TABLE} BY NAME
        SELECT printf('I%07d', i) AS incident_id, true AS linked, 2 AS reports,
               DATE '2016-01-01' + CAST(i % 1400 AS INTEGER) AS date_start,
               DATE '2016-01-01' + CAST(i % 1400 AS INTEGER) AS date_end,
               32 + (i % 5000) / 1000.0 AS latitude, 36 + (i % 3000) / 1000.0 AS longitude,
               100.0 AS radius_m, 'exact' AS precision, 32 + (i % 5000) / 1000.0 AS public_latitude,
               36 + (i % 3000) / 1000.0 AS public_longitude, 3536.0 AS public_radius_m,
               ['Russia'] AS perpetrators, ['Russia'] AS actors, ['airstrike'] AS means,
               ['residential'] AS site_kinds, ['Aleppo'] AS governorates, ['SY02'] AS adm1_pcodes,
               'weak' AS grade, 'weak' AS grade_computed, ['a single independent source'] AS grade_reasons,
               i % 7 AS persons, i % 11 AS killed_min, i % 13 AS killed_max, i % 12 AS killed_best
        FROM range({n}) t(i)"""
    )
    store.con.execute(
        f"INSERT INTO incident SELECT incident_id, 1, NULL, NULL FROM {served.TABLE}; "
        f"INSERT INTO incident_member SELECT incident_id, 0, 1, 1.0 FROM {served.TABLE}"
    )


def timed(label: str, store: Store, public: Audience) -> None:
    start = time.perf_counter()
    with store.transaction():
        counts = feed.refresh(store, public)
    print(f"{label:<44} {time.perf_counter() - start:6.2f} s  {counts}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=500_000)
    n = parser.parse_args().incidents
    public = Audience()
    with tempfile.TemporaryDirectory() as folder, open_store(Path(folder) / "s.duckdb", create=True) as store:
        fill(store, n)
        timed(f"first refresh, {n:,} incidents all new", store, public)
        timed("refresh, nothing changed", store, public)
        store.con.execute(f"UPDATE {served.TABLE} SET grade = 'fair' WHERE hash(incident_id) % 100 = 0")
        gone = f"(SELECT incident_id FROM {served.TABLE} WHERE hash(incident_id) % 100 = 1)"
        store.con.execute(f"UPDATE incident SET retired_run = 2, retired_into = 'I0000000' "
                          f"WHERE incident_id IN {gone}")  # fmt: skip
        store.con.execute(f"DELETE FROM {served.TABLE} WHERE incident_id IN {gone}")
        timed("refresh, 1% changed and 1% retired", store, public)


if __name__ == "__main__":
    main()
