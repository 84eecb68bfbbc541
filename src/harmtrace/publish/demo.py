"""The demo: a fresh store from the open data bundled in the repository, run through the main job.

Bundled files (data/README.md has their terms): UCDP GED Syria, the Syrian Archive's CC BY-SA
records, OCHA governorate boundaries. Steps: import (each row kept as a document), place in
governorates, read the per-report figures, link every report into incidents (default model and
threshold, unsupervised), assess the incidents (grades, attribution), and write the report beside the
store with the per-incident figures next to the per-report ones, for the public (`DEMO_AUDIENCE`: small
counts shown as "< 5"): `harmtrace.publish.pipeline`, the sequence every user of the main job shares.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from harmtrace.errors import InputError, param
from harmtrace.ingest import ImportResult
from harmtrace.link.incidents import IncidentRun
from harmtrace.locate import Placement
from harmtrace.publish.export_policy import PUBLIC
from harmtrace.publish.pipeline import SourceFile, run_pipeline
from harmtrace.publish.report import ReportData
from harmtrace.store import Store, open_store

# (format, file in the data folder, source name), imported in this order
DEMO_IMPORTS: Final = (
    ("ucdp-ged", "ucdp_ged_syria_2016-01_2019-11.csv", "UCDP"),
    ("syrian-archive", "seankross_violations.csv", "Syrian Archive"),
    ("syrian-archive", "seankross_syrian_archive_raw.csv", "Syrian Archive"),
)
ADMIN1_FILE: Final = "syr_admin1.geojson"
# What a reader of the demo's figures must know about these particular files.
DEMO_NOTES: Final = (
    "Reports are linked into incidents within and across sources by the default model and threshold, "
    "unsupervised and unreviewed: some links are wrong (harmtrace review incidents). Figures count "
    "incidents; the per-report figures beside them count every report as its own event.",
    "UCDP's dyadic events name both sides as alleged perpetrators, so they count for both sides.",
    "The two Syrian Archive files are two exports of one archive (one source): every record of the second "
    "is also in the first, so its rows are recognised by record id as records already imported (unchanged, "
    "or a new version where the second export's fields differ) and none is counted twice. They give no "
    "death counts ('no count'), so no death figure changes.",
)
UCDP_FILE: Final = DEMO_IMPORTS[0][1]
# the two Syrian Archive exports: linkage should join each record of the copy to its original
ARCHIVE_ORIGINAL: Final = DEMO_IMPORTS[1][1]
ARCHIVE_COPY: Final = DEMO_IMPORTS[2][1]
STORE_NAME: Final = "demo.duckdb"
REPORT_NAME: Final = "report.html"
DEMO_AUDIENCE: Final = PUBLIC  # the demo's report is the public's: demo-out/ may be shared as it is


@dataclass
class DemoResult:
    """What the demo built: paths, each import's accounting, the placement and the report's figures."""

    store_path: Path
    report_path: Path
    imports: list[ImportResult]
    placement: Placement
    linkage: IncidentRun
    assessment: dict[str, Any]
    report: ReportData
    seconds: float
    steps: dict[str, float] = field(default_factory=dict)
    skipped: list[dict[str, str]] = field(default_factory=list)
    checks: dict[str, int] = field(default_factory=dict)

    @property
    def notes(self) -> list[str]:
        """DEMO_NOTES, with what linkage did to the two cases the files make checkable (`linkage_checks`)."""
        c = self.checks
        notes = list(DEMO_NOTES)
        if c.get("ucdp_incidents"):
            notes.append(
                f"{c['ucdp_incidents']:,} incidents join {c['ucdp_events']:,} UCDP events. UCDP codes each "
                "event once, so these join events UCDP kept apart; as the archive gives no death counts, "
                "they make all of the change in the death totals, and where such a link is wrong the "
                "per-incident figures are too low."
            )
        if c.get("archive_copies"):
            notes.append(
                f"Linkage put {c['archive_copies_joined']:,} of the {c['archive_copies']:,} records of "
                f"{ARCHIVE_COPY} in one incident with a record of the first export; the rest stand apart."
            )
        return notes

    def as_dict(self) -> dict[str, Any]:
        return {
            "store": str(self.store_path),
            "report": str(self.report_path),
            "seconds": round(self.seconds, 2),
            "steps": {k: round(v, 2) for k, v in self.steps.items()},
            "imports": [r.as_dict() for r in self.imports],
            "skipped": self.skipped,
            "notes": self.notes,
            "placement": self.placement.as_dict(),
            "linkage": self.linkage.as_dict(),
            "assessment": self.assessment,
            "checks": self.checks,
            "figures": self.report.as_dict(),
        }


def bundled_data_dir() -> Path:
    """The repository's data/ folder (src/harmtrace/publish/demo.py -> repository root)."""
    return Path(__file__).resolve().parents[3] / "data"


def build_demo(out_dir: Path, db: Path | None = None, data_dir: Path | None = None) -> DemoResult:
    """Build a fresh store at `db` (default OUT_DIR/demo.duckdb), link and assess its reports, and write
    OUT_DIR/report.html."""
    started = time.perf_counter()
    data = data_dir or bundled_data_dir()
    _check_data(data)
    store_path = _fresh_store_path(out_dir, db)
    files = [SourceFile(fmt, data / name, source) for fmt, name, source in DEMO_IMPORTS]
    with open_store(store_path, create=True) as store:
        report = out_dir / REPORT_NAME
        run = run_pipeline(
            store, files, boundaries=data / ADMIN1_FILE, level=1, report=report, audience=DEMO_AUDIENCE
        )
        checks = linkage_checks(store)
    if not (run.placement and run.linkage and run.assessment and run.report):
        raise RuntimeError("the demo asked for every step of the pipeline, and one did not run")
    return DemoResult(
        store_path, out_dir / REPORT_NAME, list(run.imports), run.placement, run.linkage,
        run.assessment.as_dict(), run.report, time.perf_counter() - started, dict(run.seconds), [], checks,
    )  # fmt: skip


def linkage_checks(store: Store) -> dict[str, int]:
    """What linkage did where the bundled files say what to expect: ucdp_incidents / ucdp_events
    (incidents of two or more UCDP events, and their events: UCDP codes each event once), and
    archive_copies / archive_copies_joined (records of ARCHIVE_COPY, and those in one incident with a
    record of ARCHIVE_ORIGINAL, which holds them all)."""
    row = store.rows(
        "WITH m AS (SELECT m.incident_id, b.file_name = ? AS ucdp, b.file_name = ? AS original, "
        "b.file_name = ? AS copy FROM incident_member m JOIN report r USING (report_id) "
        "JOIN batch b USING (batch_id)), "
        "per AS (SELECT incident_id, count(*) FILTER (ucdp) AS ucdp, count(*) FILTER (original) AS originals "
        "FROM m GROUP BY incident_id) "
        "SELECT count(*) FILTER (per.ucdp > 1) AS ucdp_incidents, "
        "coalesce(sum(per.ucdp) FILTER (per.ucdp > 1), 0) AS ucdp_events, "
        "(SELECT count(*) FILTER (copy) FROM m) AS archive_copies, "
        "(SELECT count(*) FILTER (copy AND originals > 0) FROM m JOIN per USING (incident_id)) "
        "AS archive_copies_joined FROM per",
        [UCDP_FILE, ARCHIVE_ORIGINAL, ARCHIVE_COPY],
    )[0]
    return {k: int(v) for k, v in row.items()}


def _check_data(data: Path) -> None:
    needed = [f for _, f, _ in DEMO_IMPORTS] + [ADMIN1_FILE]
    missing = [f for f in needed if not (data / f).is_file()]
    if missing:
        raise InputError(
            f"The demo data is missing from {data}: {', '.join(missing)}. Run the demo from a full "
            f"checkout of the repository (its data/ folder), or pass {param('data_dir')} DIR."
        )


def _fresh_store_path(out_dir: Path, db: Path | None) -> Path:
    """The demo's own store is rebuilt on every run; a store named with --db is never overwritten."""
    out_dir.mkdir(parents=True, exist_ok=True)
    if db is not None:
        if db.exists():
            raise InputError(
                f"{db} already exists. The demo builds a fresh store: "
                f"delete that file or give another {param('db')}."
            )
        return db
    path = out_dir / STORE_NAME
    for stale in (path, path.with_name(path.name + ".wal")):
        stale.unlink(missing_ok=True)
    return path
