"""A kill in the middle of an import leaves no partial batch behind."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

from harmtrace.store import open_store
from tests.conftest import ROOT, UCDP_CSV

COPIES = 12  # ~200,000 rows: long enough to be killed mid-import


def _big_ucdp_file(path: Path) -> Path:
    header, _, body = UCDP_CSV.read_bytes().rstrip(b"\n").partition(b"\n")
    path.write_bytes(b"\n".join([header] + [body] * COPIES))
    return path


def _import_in_child(db: Path, csv_path: Path) -> subprocess.Popen[bytes]:
    code = (
        "import sys; from pathlib import Path; from harmtrace.store import open_store; "
        "from harmtrace.ingest import get_format, import_file; "
        "s = open_store(sys.argv[1], create=True); import_file(s, get_format('ucdp-ged'), Path(sys.argv[2]))"
    )
    return subprocess.Popen([sys.executable, "-c", code, str(db), str(csv_path)], cwd=ROOT)


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
