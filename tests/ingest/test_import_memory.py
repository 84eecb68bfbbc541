"""An import's memory does not grow with its file: three million rows (2 GB) import within a 256 MB cap
on DuckDB's memory, where the checked rows, typed rows, records and accounting each ran it out before
they were moved to the workspace and written in slices (issue 14). Slow (about two minutes, 2 GB in
the test's folder, removed): `make test-scale`."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from harmtrace.ingest import get_format, import_file
from harmtrace.store import open_store
from harmtrace.store.store import workspace_path
from tests.conftest import BUNDLED

ROWS = 3_000_000


def _many_rows(out: Path) -> None:
    """ROWS rows of the bundled UCDP file, copied with fresh ids."""
    source = BUNDLED / "ucdp_ged_syria_2016-01_2019-11.csv"
    con = duckdb.connect()
    base = int(con.execute(f"SELECT count(*) FROM read_csv('{source}', all_varchar=true)").fetchall()[0][0])
    con.execute(
        f"COPY (SELECT * REPLACE ((10000000 + row_number() OVER ())::VARCHAR AS id) "
        f"FROM read_csv('{source}', all_varchar=true), range({-(-ROWS // base)}) LIMIT {ROWS}) "
        f"TO '{out}' (HEADER, DELIMITER ',')"
    )
    con.close()


@pytest.mark.scale
def test_three_million_rows_import_within_a_256mb_cap(
    db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "many.csv"
    _many_rows(path)
    monkeypatch.setenv("HARMTRACE_IMPORT_MEMORY", "256MB")
    with open_store(db_path, create=True) as store:
        done = import_file(store, get_format("ucdp-ged"), path)
        assert (done.rows_read, done.rows_accepted, done.rows_new) == (ROWS, ROWS, ROWS)
        assert store.scalar("SELECT count(*) FROM report") == ROWS
        assert not workspace_path(db_path).exists()
    path.unlink()
