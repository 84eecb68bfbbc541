"""The answer cache computes each answer once, even when asked for it many times at once, and a failed
computation leaves nothing behind."""

from __future__ import annotations

import threading
import time

import pytest

from harmtrace.server.cache import AnswerCache


def test_an_answer_asked_for_at_once_is_computed_once() -> None:
    cache = AnswerCache()
    calls = 0

    def compute() -> dict[str, int]:
        nonlocal calls
        calls += 1
        time.sleep(0.05)
        return {"total": 7}

    start = threading.Barrier(16)
    got: list[dict[str, int]] = []

    def ask() -> None:
        start.wait()
        got.append(cache.get("figure", compute))

    threads = [threading.Thread(target=ask) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert calls == 1 and got == [{"total": 7}] * 16


def test_a_failed_computation_is_tried_again_and_the_oldest_answer_goes_first() -> None:
    cache = AnswerCache(size=2)

    def fail() -> dict[str, int]:
        raise RuntimeError("store busy")

    with pytest.raises(RuntimeError, match="store busy"):
        cache.get("a", fail)
    assert not cache._computing  # no lock left behind for the failed key
    assert cache.get("a", lambda: {"n": 1}) == {"n": 1}
    cache.get("b", lambda: {"n": 2})
    cache.get("a", lambda: {"n": 9})  # a is used again: b is now the oldest
    cache.get("c", lambda: {"n": 3})
    assert len(cache) == 2 and cache.get("b", lambda: {"n": 4}) == {"n": 4}
