"""Answers kept in memory: the last CACHE_SIZE, least recently used dropped first, each computed once
(requests asking for an answer being computed wait for it). Keys carry the generations an answer
holds for (`harmtrace.server.holder.Change`), so a write that changes what it shows makes new keys;
figures and the incident list's totals use them."""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Any, Final

from fastapi import FastAPI

CACHE_SIZE: Final = 256


class AnswerCache:
    """The last CACHE_SIZE answers, least recently used dropped first."""

    def __init__(self, size: int = CACHE_SIZE) -> None:
        self.size = size
        self._answers: dict[Hashable, dict[str, Any]] = {}
        self._computing: dict[Hashable, threading.Lock] = {}  # a lock per answer being computed
        self._lock = threading.Lock()

    def get(self, key: Hashable, compute: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        """The answer of `key`, computed once: requests asking for it while it is computed wait for it."""
        with self._lock:
            found = self._answers.pop(key, None)
            if found is not None:
                self._answers[key] = found
                return found
            computing = self._computing.setdefault(key, threading.Lock())
        with computing:
            with self._lock:
                found = self._answers.get(key)
            if found is not None:
                return found
            try:
                answer = compute()
            finally:
                with self._lock:
                    self._computing.pop(key, None)
            with self._lock:
                self._answers[key] = answer
                while len(self._answers) > self.size:
                    del self._answers[next(iter(self._answers))]
        return answer

    def __len__(self) -> int:
        return len(self._answers)


def cache_of(app: FastAPI) -> AnswerCache:
    """The app's cache (made with the app, `harmtrace.server.app.create_app`)."""
    cache: AnswerCache = app.state.answers
    return cache
