"""Audit entries of reads are committed together, and each read returns only once its entry is stored."""

from __future__ import annotations

import threading
from pathlib import Path

from harmtrace.publish.policy import Role
from harmtrace.server import audit
from harmtrace.server.accounts import Principal
from harmtrace.server.holder import StoreHolder
from harmtrace.store import open_store


def test_concurrent_reads_are_each_logged_once_before_they_return(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    open_store(db, create=True).close()
    holder = StoreHolder(db)
    commits = 0
    writing = holder.writing

    def counted(*args: object, **kwargs: object) -> object:
        nonlocal commits
        commits += 1
        return writing(*args, **kwargs)  # type: ignore[arg-type]

    holder.writing = counted  # type: ignore[method-assign]
    seen_after_return: list[bool] = []
    start = threading.Barrier(24)

    def reader(n: int) -> None:
        who = Principal(f"analyst{n}", Role.ANALYST)
        start.wait()
        audit.read(holder, who, "person", [n], ["name"])
        with holder.reading() as store:  # the entry is there when the read returns
            seen_after_return.append(
                bool(store.scalar("SELECT count(*) FROM audit_log WHERE actor = ?", [who.name]))
            )

    threads = [threading.Thread(target=reader, args=(n,)) for n in range(24)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with holder.reading() as store:
        rows = store.rows("SELECT actor, entity_ids, fields FROM audit_log ORDER BY actor")
    holder.close()
    assert sorted(r["actor"] for r in rows) == sorted(f"analyst{n}" for n in range(24))
    assert all(r["fields"] == ["name"] for r in rows) and seen_after_return == [True] * 24
    assert commits <= 24  # grouped when they overlap; never more than one commit per read


def test_a_failed_commit_fails_every_read_waiting_for_it(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    open_store(db, create=True).close()
    holder = StoreHolder(db)
    holder.store.con.execute("DROP TABLE audit_log")  # the commit cannot succeed
    who = Principal("a", Role.ANALYST)
    try:
        audit.read(holder, who, "person", [1], ["name"])
    except Exception as exc:  # the read is refused rather than served unlogged
        assert "audit_log" in str(exc)
    else:
        raise AssertionError("a read whose audit entry could not be stored was served")
    finally:
        holder.close()
