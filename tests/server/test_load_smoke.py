"""`benchmarks/server_load.py` in small: 20,000 reports, 10 clients for 5 s, as a user runs it; and its
check of the writes, which must notice a write lost, duplicated, or refused yet stored."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from harmtrace.assess.decisions import decide_grade
from harmtrace.store import open_store
from tests.conftest import ROOT
from tests.server.conftest import Team

BENCHMARK = ROOT / "benchmarks" / "server_load.py"
sys.path.insert(0, str(BENCHMARK.parent))
import server_load  # noqa: E402


def test_a_quick_run_prints_the_table_and_loses_no_write(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(BENCHMARK), "--reports", "20000", "--seconds", "5", "--clients", "10",
         "--keep", str(tmp_path)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    head = next(i for i, line in enumerate(lines) if line.startswith("endpoint"))
    assert lines[head].split() == [
        "endpoint",
        "requests",
        "errors",
        "p50",
        "ms",
        "p95",
        "ms",
        "max",
        "ms",
        "req/s",
    ]
    rows = {line[:38].strip(): line[38:].split() for line in lines[head + 2 :] if "client" in line[:38]}
    for label in ("GET /me (1 client)", "GET /incidents (1 client)", "GET /incidents (10 clients)",
                  "GET /incidents/{id} (10 clients)"):  # fmt: skip
        requests, errors = (int(v.replace(",", "")) for v in rows[label][:2])
        assert requests > 0 and errors == 0, (label, rows[label])
    assert any(line.startswith("server peak RSS (VmHWM): ") and line.endswith(" MB") for line in lines)
    assert "write check: every write answered 2xx is stored exactly once; no refused write is stored" in lines
    assert (tmp_path / server_load.STORE_NAME).exists() and not list(tmp_path.glob("*.csv"))


def test_the_write_check_finds_lost_duplicated_and_refused_writes(
    built: tuple[Path, Team], tmp_path: Path
) -> None:
    db = tmp_path / "store.duckdb"
    shutil.copyfile(built[0], db)
    reason = f"load test {server_load.RUN_TAG} client 1 write {{}}"
    with open_store(db) as store:
        incident = store.scalar("SELECT min(incident_id) FROM incident_item")
        for n in (1, 2, 2, 4):
            decide_grade(store, incident, "weak", reason.format(n), "load")
    results = server_load.Results()
    assert server_load.check_writes(db, results) == []
    results.written += [reason.format(1), reason.format(3)]
    results.refused.append(reason.format(5))
    assert server_load.check_writes(db, results) == [f"written (2xx) but stored 0 times: {reason.format(3)}"]
    results.written.append(reason.format(2))
    results.refused.append(reason.format(4))
    assert server_load.check_writes(db, results) == [
        f"written (2xx) but stored 0 times: {reason.format(3)}",
        f"written (2xx) but stored 2 times: {reason.format(2)}",
        f"refused but stored: {reason.format(4)}",
    ]
