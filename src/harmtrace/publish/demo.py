"""The demo: a fresh store from the open data bundled in the repository, placed, summarised, reported.

Bundled files (data/README.md has their terms): UCDP GED Syria, the Syrian Archive's CC BY-SA
records, OCHA governorate boundaries. Each import keeps every row as a document; the report is
written beside the store.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from harmtrace.errors import InputError
from harmtrace.ingest import Format, ImportResult, get_format, import_file
from harmtrace.locate import Placement, locate_admin
from harmtrace.publish.report import ReportData, write_report
from harmtrace.store import open_store

# (format, file in the data folder, source name), imported in this order
DEMO_IMPORTS: Final = (
    ("ucdp-ged", "ucdp_ged_syria_2016-01_2019-11.csv", "UCDP"),
    ("syrian-archive", "seankross_violations.csv", "Syrian Archive"),
    ("syrian-archive", "seankross_syrian_archive_raw.csv", "Syrian Archive"),
)
ADMIN1_FILE: Final = "syr_admin1.geojson"
# What a reader of the demo's figures must know about these particular files.
DEMO_NOTES: Final = (
    "Reports are not yet deduplicated across sources; UCDP's dyadic events count for both sides.",
    "The two Syrian Archive files are two exports of one archive: every record of the second is also in the "
    "first, and is counted twice. They give no death counts ('no count'), so no death figure changes.",
)
STORE_NAME: Final = "demo.duckdb"
REPORT_NAME: Final = "report.html"


@dataclass
class DemoResult:
    """What the demo built: paths, each import's accounting, the placement and the report's figures."""

    store_path: Path
    report_path: Path
    imports: list[ImportResult]
    placement: Placement
    report: ReportData
    seconds: float
    skipped: list[dict[str, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "store": str(self.store_path),
            "report": str(self.report_path),
            "seconds": round(self.seconds, 2),
            "imports": [r.as_dict() for r in self.imports],
            "skipped": self.skipped,
            "notes": list(DEMO_NOTES),
            "placement": self.placement.as_dict(),
            "figures": self.report.as_dict(),
        }


def bundled_data_dir() -> Path:
    """The repository's data/ folder (src/harmtrace/publish/demo.py -> repository root)."""
    return Path(__file__).resolve().parents[3] / "data"


def build_demo(out_dir: Path, db: Path | None = None, data_dir: Path | None = None) -> DemoResult:
    """Build a fresh store at `db` (default OUT_DIR/demo.duckdb) and write OUT_DIR/report.html."""
    started = time.perf_counter()
    data = data_dir or bundled_data_dir()
    _check_data(data)
    store_path = _fresh_store_path(out_dir, db)
    imports: list[ImportResult] = []
    skipped: list[dict[str, str]] = []
    with open_store(store_path) as store:
        for format_name, file_name, source in DEMO_IMPORTS:
            fmt = _available_format(format_name)
            if fmt is None:
                skipped.append({"format": format_name, "file": file_name, "why": "format not available yet"})
                continue
            imports.append(import_file(store, fmt, data / file_name, source=source))
        placement = locate_admin(store, data / ADMIN1_FILE, level=1)
        report = write_report(store, out_dir / REPORT_NAME)
    return DemoResult(
        store_path, out_dir / REPORT_NAME, imports, placement, report, time.perf_counter() - started, skipped
    )


def _check_data(data: Path) -> None:
    needed = [f for _, f, _ in DEMO_IMPORTS] + [ADMIN1_FILE]
    missing = [f for f in needed if not (data / f).is_file()]
    if missing:
        raise InputError(
            f"The demo data is missing from {data}: {', '.join(missing)}. Run the demo from a full "
            "checkout of the repository (its data/ folder), or pass --data DIR."
        )


def _fresh_store_path(out_dir: Path, db: Path | None) -> Path:
    """The demo's own store is rebuilt on every run; a store named with --db is never overwritten."""
    out_dir.mkdir(parents=True, exist_ok=True)
    if db is not None:
        if db.exists():
            raise InputError(
                f"{db} already exists. The demo builds a fresh store: delete that file or give another --db."
            )
        return db
    path = out_dir / STORE_NAME
    for stale in (path, path.with_name(path.name + ".wal")):
        stale.unlink(missing_ok=True)
    return path


def _available_format(name: str) -> Format | None:
    """The import format `name`, or None while it is not part of this harmtrace yet."""
    try:
        return get_format(name)
    except InputError:
        return None
