"""Where a long step is: the stage it is in and, in a loop, how many of how many it has done.

A library function that can run for minutes (linking, assessing, estimating, exporting) takes a
``progress`` argument and calls it as it goes: ``progress("train")`` when a stage starts, and
``progress("grading", done, total)`` as a loop advances (incidents, draws, rows of a chunked read).
The default, `silent`, says nothing, so a library caller sees no difference; the command line passes
a reporter that draws the stage on a terminal (`harmtrace.cli.progress`).

A bottom module: every package may import it, and it imports nothing.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Protocol, TypeVar

T = TypeVar("T")


class Progress(Protocol):
    """Told the current `stage`, and `done` of `total` items where the stage counts (None: unknown)."""

    def __call__(self, stage: str, done: int = 0, total: int | None = None) -> None: ...


def silent(stage: str, done: int = 0, total: int | None = None) -> None:
    """The reporter that says nothing: the default of every library function taking `progress`."""


def counted(progress: Progress, stage: str, items: Sequence[T]) -> Iterator[T]:
    """`items` one by one, telling `progress` how many are done before each one and after the last.

    >>> said = []
    >>> list(counted(lambda stage, done, total: said.append((stage, done, total)), "draws", "ab"))
    ['a', 'b']
    >>> said
    [('draws', 0, 2), ('draws', 1, 2), ('draws', 2, 2)]
    """
    for done, item in enumerate(items):
        progress(stage, done, len(items))
        yield item
    progress(stage, len(items), len(items))


class Clock:
    """Seconds per named step; `progress` is told each step as it starts."""

    def __init__(self, progress: Progress = silent) -> None:
        self.seconds: dict[str, float] = {}
        self.progress = progress

    @contextmanager
    def __call__(self, step: str) -> Iterator[None]:
        self.progress(step)
        started = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[step] = self.seconds.get(step, 0.0) + time.perf_counter() - started
