"""`harmtrace review victims` waiting for a key while other commands read and write the store.

Real processes on one store: the review's keys come through a pipe, one at a time, while the test
runs other harmtrace commands between them. The store is test_review_cli's: three pairs of run 1,
(1, 2) first, then (3, 4) and (5, 6).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.cli import test_review_cli
from tests.cli.processes import hold, read_until, run, start, ucdp_rows
from tests.cli.test_review_cli import active

db = test_review_cli.db  # the fixture: a store with three pairs to review

PROMPT = "[k] skip  [q] quit: "


def _review(db: Path, busy_wait: float = 30) -> subprocess.Popen[bytes]:
    """`harmtrace review victims --interactive` by rania, its keys from a pipe."""
    return start("review victims --interactive --author rania", db, busy_wait=busy_wait)


def _press(review: subprocess.Popen[bytes], keys: str) -> None:
    assert review.stdin is not None
    review.stdin.write(keys.encode())
    review.stdin.flush()


def test_others_read_and_write_while_review_waits_for_a_key(db: Path, tmp_path: Path) -> None:
    review = _review(db)
    try:
        shown = read_until(review, PROMPT)
        imported = run("ingest ucdp-ged", db, ucdp_rows(tmp_path / "rows.csv"))
        figures = run("stats casualties", db)
        other = run("decide victims different 3 4 --reason sisters --author b", db)
        _press(review, "s\n")  # pair 1: same, the reason offered
        after = read_until(review, PROMPT)
        _press(review, "q")
        rest, err = review.communicate(timeout=60)
    finally:
        review.kill()
    assert shown.startswith("Pair 1 of 3 (run 1)"), shown
    assert imported.returncode == 0, imported.stderr
    assert figures.returncode == 0 and "ucdp-ged (3 reports)" in figures.stdout, figures.stderr
    assert other.returncode == 0, other.stderr
    assert "Recorded decision 2: 1 same 2." in after
    assert "Pair 2 was decided meanwhile: decision 1 (3 different 4) by b. Skipped." in after
    assert "Pair 3 of 3" in after and "Pair 2 of 3" not in after
    assert review.returncode == 0, err.decode()
    assert "1 decided, 1 skipped, 1 not reached." in rest.decode()
    assert active(db) == [
        (3, 4, "different", "sisters", "b"),
        (1, 2, "same", "reviewed: records agree on given, date", "rania"),
    ]


def test_a_pair_decided_while_the_analyst_looks_at_it_is_not_overwritten(db: Path) -> None:
    review = _review(db)
    try:
        read_until(review, PROMPT)
        other = run("decide victims different 1 2 --reason 'father differs' --author b", db)
        _press(review, "s\n")
        after = read_until(review, PROMPT)
        _, err = review.communicate(b"", timeout=60)
    finally:
        review.kill()
    assert other.returncode == 0, other.stderr
    assert "Not recorded: records 1 and 2 were decided already: decision 1 (1 different 2) by b, " in after
    assert "To supersede it: harmtrace decide victims same 1 2 --reason TEXT" in after
    assert review.returncode == 0, err.decode()
    assert active(db) == [(1, 2, "different", "father differs", "b")]


def test_a_decision_the_busy_store_refuses_is_given_as_a_command_to_run_later(
    db: Path, tmp_path: Path
) -> None:
    review = _review(db, busy_wait=0)
    try:
        read_until(review, PROMPT)
        holder = hold(tmp_path, "link victims", db)  # a long write starts meanwhile
        try:
            _press(review, "s\n")
            out, err = review.communicate(timeout=60)
        finally:
            holder.communicate("")
    finally:
        review.kill()
    told = out.decode()
    assert f"Not recorded: Store {db} is busy: `harmtrace link victims --db {db}` (PID {holder.pid}, " in told
    assert (
        "Record it later with: harmtrace decide victims same 1 2 --reason 'reviewed: records agree on given, "
        "date'" in told
    )
    assert review.returncode == 1 and err.decode().startswith(f"Error: Store {db} is busy: "), err.decode()
    assert active(db) == []
