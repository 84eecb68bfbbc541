"""The progress of a long command on the terminal (`harmtrace.progress` says what a step reports).

On stderr, one line: the command, its stage, a bar (moving by itself where the stage does not count),
how many of how many, and the seconds spent in the stage; it is cleared when the command ends. Shown
only when stderr is a terminal and --json was not given: piped, redirected and machine-readable runs
print exactly what they printed before. rich draws it, imported only when it is shown.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from harmtrace.progress import Progress, silent

if TYPE_CHECKING:
    from rich.progress import Progress as Display
    from rich.progress import TaskID


@contextmanager
def shown(title: str, as_json: bool) -> Iterator[Progress]:
    """A reporter drawing the stages of the long step `title` on stderr; `silent` when stderr is not a
    terminal or with --json."""
    if as_json or not sys.stderr.isatty():
        yield silent
        return
    from rich.console import Console
    from rich.progress import BarColumn, SpinnerColumn, TextColumn, TimeElapsedColumn
    from rich.progress import Progress as Display

    columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
               TextColumn("{task.fields[count]}"), TimeElapsedColumn())  # fmt: skip
    with Display(*columns, console=Console(stderr=True), transient=True) as display:
        yield _Line(display, title)


class _Line:
    """One line per stage: a new stage replaces the line of the one before."""

    def __init__(self, display: Display, title: str) -> None:
        self.display, self.title = display, title
        self.stage: str | None = None
        self.task: TaskID | None = None

    def __call__(self, stage: str, done: int = 0, total: int | None = None) -> None:
        count = f"{done:,} of {total:,}" if total is not None else ""
        if stage == self.stage and self.task is not None:
            self.display.update(self.task, completed=done, total=total, count=count)
            return
        if self.task is not None:
            self.display.remove_task(self.task)
        self.stage = stage
        self.task = self.display.add_task(f"{self.title}: {stage}", total=total, completed=done, count=count)
        self.display.refresh()  # a stage shorter than a refresh is still shown
