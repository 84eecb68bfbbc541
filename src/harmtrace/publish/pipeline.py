"""The main job in order: import the files, place the reports in areas, link reports into incidents,
assess the incidents, write the report.

`run_pipeline` is the sequence the demo (`harmtrace demo`), the notebook example
(`examples/notebook.py`) and their tests share; each step is the library call its command makes
(`harmtrace ingest`, `locate`, `link incidents`, `assess incidents`, `report html`), with that call's
defaults. Steps run in one process on one open store, each committing its own work: a step that fails
leaves the steps before it done, and says what failed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harmtrace.assess.run import Assessment, assess_incidents
from harmtrace.ingest import ImportResult, import_file
from harmtrace.link.incidents import IncidentRun, link_incidents
from harmtrace.locate import Placement, locate_admin
from harmtrace.progress import Clock, Progress, silent
from harmtrace.publish.export_policy import PUBLIC
from harmtrace.publish.policy import Audience
from harmtrace.publish.report import ReportData, per_report_figures, write_report
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
class PipelineRun:
    """What each step did (None: the step was not asked for) and its seconds."""

    imports: tuple[ImportResult, ...] = ()
    placement: Placement | None = None
    linkage: IncidentRun | None = None
    assessment: Assessment | None = None
    report: ReportData | None = None
    seconds: Mapping[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """Each step's own `as_dict()` (None for a step not asked for), and the seconds per step."""
        return {
            "imports": [r.as_dict() for r in self.imports],
            "placement": self.placement.as_dict() if self.placement else None,
            "linkage": self.linkage.as_dict() if self.linkage else None,
            "assessment": self.assessment.as_dict() if self.assessment else None,
            "figures": self.report.as_dict() if self.report else None,
            "seconds": dict(self.seconds),
        }


def run_pipeline(
    store: Store,
    files: Sequence[SourceFile],
    *,
    boundaries: Path | None = None,
    level: int | None = None,
    link: bool = True,
    assess: bool = True,
    report: Path | None = None,
    audience: Audience = PUBLIC,
    progress: Progress = silent,
) -> PipelineRun:
    """Import `files` in order, place the reports in the areas of `boundaries` (a GeoJSON of admin
    areas, at `level`, default: read from the file), link every report into incidents, assess them,
    and write the HTML `report` for `audience` (the public unless said) with the per-incident figures
    beside the per-report ones."""
    clock = Clock()  # the steps report their own stages to `progress`
    with clock("import"):
        imports = tuple(_import(store, f, progress) for f in files)
    with clock("place"):
        placement = locate_admin(store, boundaries, level=level) if boundaries else None
    with clock("per-report figures"):
        per_report = per_report_figures(store) if report else None  # before linkage: every report counts
    with clock("link"):
        linkage = link_incidents(store, progress=progress) if link else None
    with clock("assess"):
        assessment = assess_incidents(store, progress=progress) if assess else None
    with clock("report"):
        written = write_report(store, report, per_report, audience) if report else None
    return PipelineRun(imports, placement, linkage, assessment, written, clock.seconds)


def _import(store: Store, file: SourceFile, progress: Progress) -> ImportResult:
    return import_file(
        store, file.format, file.path, source=file.source, mapping=file.mapping, progress=progress
    )
