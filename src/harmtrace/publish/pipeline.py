"""The main job in order: import the files, place the reports in areas, link reports into incidents,
assess the incidents, write the report.

`run_pipeline` is the sequence the demo (`harmtrace demo`), the notebook example
(`examples/notebook.py`) and their tests share; each step is the library call its command makes
(`harmtrace ingest`, `locate`, `link incidents`, `assess incidents`, `report html`), with that call's
defaults. Steps run in one process on one open store, each committing its own work: a step that fails
leaves the steps before it done, and says what failed.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harmtrace.assess.run import Assessment, assess_incidents
from harmtrace.ingest import ImportResult, import_file
from harmtrace.link.incidents import IncidentRun, link_incidents
from harmtrace.locate import Placement, locate_admin
from harmtrace.progress import Progress, silent
from harmtrace.publish.report import ReportData, per_report_figures, write_report
from harmtrace.results import Result
from harmtrace.store import Store


@dataclass(frozen=True)
class SourceFile:
    """One file to import: its format's name, path, the source it comes from (default: the format's),
    and for the mapped formats ("incidents", "victims") the YAML mapping of its columns."""

    format: str
    path: Path
    source: str | None = None
    mapping: Path | None = None


@dataclass(frozen=True)
class PipelineRun(Result):
    """What each step did (None: the step was not asked for) and its seconds."""

    imports: tuple[ImportResult, ...] = ()
    placement: Placement | None = None
    linkage: IncidentRun | None = None
    assessment: Assessment | None = None
    report: ReportData | None = None
    seconds: Mapping[str, float] = field(default_factory=dict)


def run_pipeline(
    store: Store,
    files: Sequence[SourceFile],
    *,
    boundaries: Path | None = None,
    level: int | None = None,
    link: bool = True,
    assess: bool = True,
    report: Path | None = None,
    progress: Progress = silent,
) -> PipelineRun:
    """Import `files` in order, place the reports in the areas of `boundaries` (a GeoJSON of admin
    areas, at `level`, default: read from the file), link every report into incidents, assess them,
    and write the HTML `report` with the per-incident figures beside the per-report ones."""
    clock = _Clock()
    imports = tuple(_import(store, f, progress) for f in files)
    clock.done("import")
    placement = locate_admin(store, boundaries, level=level) if boundaries else None
    clock.done("place")
    per_report = per_report_figures(store) if report else None  # before linkage: every report counts
    clock.done("per-report figures")
    linkage = link_incidents(store, progress=progress) if link else None
    clock.done("link")
    assessment = assess_incidents(store, progress=progress) if assess else None
    clock.done("assess")
    written = write_report(store, report, per_report) if report else None
    clock.done("report")
    return PipelineRun(
        data=_data(imports, placement, linkage, assessment, written), imports=imports, placement=placement,
        linkage=linkage, assessment=assessment, report=written, seconds=clock.seconds,
    )  # fmt: skip


def _import(store: Store, file: SourceFile, progress: Progress) -> ImportResult:
    return import_file(
        store, file.format, file.path, source=file.source, mapping=file.mapping, progress=progress
    )


def _data(
    imports: tuple[ImportResult, ...],
    placement: Placement | None,
    linkage: IncidentRun | None,
    assessment: Assessment | None,
    report: ReportData | None,
) -> dict[str, Any]:
    return {
        "imports": [r.as_dict() for r in imports],
        "placement": placement.as_dict() if placement else None,
        "linkage": linkage.as_dict() if linkage else None,
        "assessment": assessment.as_dict() if assessment else None,
        "figures": report.as_dict() if report else None,
    }


class _Clock:
    """Seconds per step (linking dominates: Splink trains its model on every report)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.last = time.perf_counter()

    def done(self, step: str) -> None:
        now = time.perf_counter()
        self.seconds[step] = now - self.last
        self.last = now
