"""A kill or a failure in the middle of an import (a first one, or a re-import that records versions and
withdraws) leaves no partial batch behind."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from harmtrace.ingest import get_format, import_file, versions
from harmtrace.store import open_store
from tests.conftest import ROOT, UCDP_CSV
from tests.ingest.ucdp_rows import ucdp_rows, write_csv

COPIES = 12  # ~200,000 rows: long enough to be killed mid-import


def _big_ucdp_file(path: Path) -> Path:
    header, _, body = UCDP_CSV.read_bytes().rstrip(b"\n").partition(b"\n")
    path.write_bytes(b"\n".join([header] + [body] * COPIES))
    return path


def _import_in_child(db: Path, csv_path: Path, withdraw_missing: bool = False) -> subprocess.Popen[bytes]:
    """`import_file` of a UCDP file in a child process (to be killed mid-import)."""
    code = (
        "import sys; from pathlib import Path; from harmtrace.store import open_store; "
        "from harmtrace.ingest import get_format, import_file; s = open_store(sys.argv[1], create=True); "
        "import_file(s, get_format('ucdp-ged'), Path(sys.argv[2]), withdraw_missing=sys.argv[3] == '1')"
    )
    flag = "1" if withdraw_missing else "0"
    return subprocess.Popen([sys.executable, "-c", code, str(db), str(csv_path), flag], cwd=ROOT)


def test_killed_import_leaves_nothing_and_can_be_redone(tmp_path: Path) -> None:
    db, csv_path = tmp_path / "crash.duckdb", _big_ucdp_file(tmp_path / "big.csv")
    with open_store(db, create=True):
        pass
    child = _import_in_child(db, csv_path)
    time.sleep(2.5)
    assert child.poll() is None, "the import finished before it could be killed: make the file larger"
    child.send_signal(signal.SIGKILL)
    child.wait()
    with open_store(db, create=True) as store:
        counts = [store.scalar(f"SELECT count(*) FROM {t}") for t in ("batch", "document", "report", "harm")]
        assert counts == [0, 0, 0, 0]
    child = _import_in_child(db, csv_path)
    assert child.wait(timeout=300) == 0
    with open_store(db, create=True) as store:
        assert store.scalar("SELECT rows_read FROM batch") == 16566 * COPIES
        assert store.scalar("SELECT count(*) FROM document") == 16566 * COPIES


# ---- a re-import that records versions and withdraws -------------------------------------------------

TABLES = ("batch", "document", "quarantine", "report", "harm", "harm_side", "record_version", "batch_match")


def _distinct_copies(path: Path, changed: bool = False) -> Path:
    """COPIES copies of the bundled events with distinct ids (copy c adds c * 10,000,000 to its ids);
    the `changed` release raises one event's deaths and leaves out the last copy's final 1,000 events."""
    header, rows = ucdp_rows(20_000)
    copies = [dict(r, id=str(c * 10_000_000 + int(r["id"]))) for c in range(COPIES) for r in rows]
    if changed:
        copies[0]["best"] = copies[0]["high"] = str(int(copies[0]["high"]) + 2)
        copies = copies[:-1000]
    return write_csv(path, header, copies)


def _state(db: Path) -> list[object]:
    with open_store(db) as store:
        counts = [store.scalar(f"SELECT count(*) FROM {t}") for t in TABLES]
        digest = store.scalar("SELECT sum(hash(report_id, version, batch_id, content_sha256)) FROM report")
        return [*counts, digest]


def test_killed_reimport_leaves_the_records_and_versions_as_they_were(tmp_path: Path) -> None:
    db = tmp_path / "crash.duckdb"
    with open_store(db, create=True) as store:
        import_file(store, get_format("ucdp-ged"), _distinct_copies(tmp_path / "release1.csv"))
    before = _state(db)
    release2 = _distinct_copies(tmp_path / "release2.csv", changed=True)
    child = _import_in_child(db, release2, withdraw_missing=True)
    time.sleep(3.0)
    assert child.poll() is None, "the re-import finished before it could be killed: make the file larger"
    child.send_signal(signal.SIGKILL)
    child.wait()
    assert _state(db) == before
    assert _import_in_child(db, release2, withdraw_missing=True).wait(timeout=300) == 0
    with open_store(db) as store:
        counts = store.rows(
            "SELECT rows_new, rows_unchanged, rows_changed, rows_withdrawn FROM batch WHERE batch_id = 2"
        )
        assert counts == [{"rows_new": 0, "rows_unchanged": 16566 * COPIES - 1001, "rows_changed": 1,
                           "rows_withdrawn": 1000}]  # fmt: skip


def test_a_failure_after_the_versions_are_written_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    header, rows = ucdp_rows(6)
    db = tmp_path / "fail.duckdb"
    with open_store(db, create=True) as store:
        import_file(store, get_format("ucdp-ged"), write_csv(tmp_path / "a.csv", header, rows))
    before = _state(db)
    rows[0]["best"] = rows[0]["high"] = str(int(rows[0]["high"]) + 1)

    def crash(*args: object) -> int:
        raise RuntimeError("disk gone")

    # withdrawing comes last: by then the changed record's old version and new rows are written
    monkeypatch.setattr(versions, "withdraw", crash)
    with open_store(db) as store, pytest.raises(RuntimeError, match="disk gone"):
        import_file(store, get_format("ucdp-ged"), write_csv(tmp_path / "b.csv", header, rows[:5]),
                    withdraw_missing=True)  # fmt: skip
    assert _state(db) == before
