"""`harmtrace demo` and `harmtrace report html`: the bundled-data demo and the HTML report."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from harmtrace.cli.base import audience_options, chosen_db, db_option, emit, json_option, main, store_for
from harmtrace.display import table
from harmtrace.publish.policy import Audience

if TYPE_CHECKING:
    from harmtrace.analyse.casualties import Group
    from harmtrace.publish.demo import DemoResult

SUMMARY_SIDES = 10
LEGEND = (
    "'no count': no incident touching the group gives a figure for it (unknown, not zero); the column "
    "'no count' counts the incidents touching the group that give none.",
    "'no best': the sources give only ranges, or do not say which side caused the deaths of incidents "
    "the side shares with another; best estimates are prorated by the days of an incident inside the "
    "period (docs/figures.md).",
)


@main.command(epilog="Example:\n\n  harmtrace demo --out demo-out\n\n  open demo-out/report.html")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("demo-out"),
              show_default=True, help="Folder for the store and report.html.")  # fmt: skip
@click.option("--data", "data_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder with the bundled open data (default: the repository's data/).")  # fmt: skip
@db_option
@json_option
def demo(out_dir: Path, data_dir: Path | None, db: Path | None, as_json: bool) -> None:
    """Build a fresh store from the bundled open data, print a summary and write an HTML report.

    Imports UCDP GED Syria and the Syrian Archive records, places reports in OCHA governorates, links
    every report into incidents and grades them (about a minute: linking trains a model), and writes
    OUT/report.html with the figures per incident beside those per report, for the public (a count of
    fewer than 5 people shown as "< 5"; see harmtrace report html --role). The store is
    OUT/demo.duckdb unless --db names a new file.
    """
    from harmtrace.publish.demo import build_demo

    result = build_demo(out_dir, chosen_db(db), data_dir)
    emit(result.as_dict(), as_json, lambda: describe_demo(result))


def describe_demo(r: DemoResult) -> str:
    """The demo's summary: whom its report is for, imports, incidents and grades, deaths by year and
    governorate per report and per incident, deaths by side per incident (exact: the summary is the
    terminal of whoever built the store, the report the file they publish)."""
    from harmtrace.publish.demo import DEMO_AUDIENCE
    from harmtrace.publish.report_audience import audience_line

    f = r.report
    batches = [b | {"balanced": "yes" if _balanced(b) else "NO"} for b in f.batches]
    columns = ["batch_id", "source", "file_name", "rows_read", "rows_accepted", "rows_new", "rows_unchanged",
               "rows_changed", "rows_quarantined"]  # fmt: skip
    steps = ", ".join(f"{step} {s:.1f}" for step, s in r.steps.items())
    lines = [
        f"Store {r.store_path}, report {r.report_path} ({r.seconds:.1f} s: {steps})",
        audience_line(DEMO_AUDIENCE, lead="The report is published"),
        "",
        "Imports (read = accepted + quarantined; accepted = new + unchanged + changed records):",
        table(batches, [*columns, "rows_flagged", "balanced"]),
    ]
    lines += [f"  skipped {s['file']}: {s['format']} {s['why']}" for s in r.skipped]
    p = r.placement
    lines += [f"Governorates: {p.placed:,} of {p.reports:,} reports placed ({_why_not(p.not_placed)}).", ""]
    lines += _incident_lines(r)
    per_report = f.per_report
    if per_report is not None:
        years = _compared(per_report.by_year, f.by_year, "year")
        lines += ["", "Killed by year, per report and per incident (deduplicated):", table(years)]
        lines.append(f.scopes["year"]["text"])
    sides = f"top {SUMMARY_SIDES} of {f.sides_total}" if f.sides_total > SUMMARY_SIDES else "all"
    lines += ["", f"Killed by alleged perpetrator, per incident ({sides}; sides overlap, do not add up):"]
    lines.append(table(_figure_rows(f.by_side[:SUMMARY_SIDES], "side"), _cols("side")))
    lines.append(f.scopes["side"]["text"])
    if per_report is not None:
        civilians = _compared(per_report.civilians_by_adm1, f.civilians_by_adm1, "governorate")
        lines += [
            "",
            "Civilians killed by governorate (OCHA), per report and per incident (not_alleged left out):",
            table(civilians),
            f.scopes["adm1"]["text"],
        ]
    lines += ["", *r.notes, *LEGEND]
    return "\n".join(lines)


def _incident_lines(r: DemoResult) -> list[str]:
    """How reports were linked, and the incidents per grade."""
    i = r.report.incidents
    if i is None:
        return ["Incidents: no incident link run (figures count reports)."]
    line = (
        f"Incidents: {i['reports']:,} reports linked into {i['incidents']:,} incidents; "
        f"{i['multi_report']:,} incidents of several reports ({i['reports_in_multi']:,} reports), "
        f"{i['joining_sources']:,} joining sources, {r.linkage.parts.recorded:,} recorded as part of another "
        f"(link run {r.linkage.run_id}, threshold {r.linkage.threshold})."
    )
    return [line, "Grades (incidents):", table(i["grades"], ["grade", "incidents", "meaning"])]


def _compared(
    reports: Sequence[Mapping[str, Any]], incidents: Sequence[Mapping[str, Any]], label: str
) -> list[dict[str, Any]]:
    """Per-report groups with the per-incident group of the same key beside them (also groups only
    one side has: incidents are placed by their lead report, so a governorate may lose all)."""
    now = {g["key"]: g for g in incidents}
    keys = [g["key"] for g in reports]
    before = {g["key"]: g for g in reports}
    rows = []
    for key in [*keys, *(k for k in now if k not in before)]:
        b, a = before.get(key), now.get(key)
        group = (b or a or {}).get("group")
        rows.append({label: _short(str(group)), **_side("reports", b), **_side("incidents", a)})
    return rows


def _side(items: str, g: Mapping[str, Any] | None) -> dict[str, Any]:
    """items counted in the maximum and low / best / high; the incident columns are prefixed "inc."."""
    prefix = "inc. " if items == "incidents" else ""
    bounds = _bounds(g) if g else dict.fromkeys(("low", "best", "high"))
    return {items: g["items_max"] if g else None} | {prefix + k: v for k, v in bounds.items()}


def _balanced(b: dict[str, Any]) -> bool:
    return bool(b["rows_read"] == b["rows_accepted"] + b["rows_quarantined"])


def _short(text: str, width: int = 48) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _figure_rows(groups: Sequence[Group], label: str) -> list[dict[str, Any]]:
    """Casualty groups as summary rows: incidents counted in the maximum, and low / best / high."""
    return [{label: _short(str(g["group"])), "incidents": g["items_max"], **_bounds(g),
             "no count": g["items_without_category"]} for g in groups]  # fmt: skip


def _bounds(g: Mapping[str, Any]) -> dict[str, Any]:
    """low / best / high; "no count" where no report with a count was found (never a zero), "no best"
    where the figure has no best estimate."""
    if not g["items_max"]:
        return dict.fromkeys(("low", "best", "high"), "no count")
    best = "no best" if g["count_best"] is None else g["count_best"]
    return {"low": g["count_min"], "best": best, "high": g["count_max"]}


def _cols(label: str) -> list[str]:
    return [label, "incidents", "low", "best", "high", "no count"]


def _why_not(not_placed: list[dict[str, Any]]) -> str:
    parts: dict[str, int] = {}
    for n in not_placed:
        reason = n["reason"].replace("_", " ")
        parts[reason] = parts.get(reason, 0) + n["reports"]
    return "not placed: " + ", ".join(f"{n:,} {reason}" for reason, n in parts.items()) if parts else "all"


@main.group(epilog="Example:\n\n  harmtrace report html report.html")
def report() -> None:
    """Write reports of what the store holds."""


@report.command(
    "html",
    epilog="Examples:\n\n  harmtrace report html out/report.html --db demo-out/demo.duckdb\n\n"
    "  harmtrace report html team.html --role viewer",
)
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@audience_options
@db_option
def html(out: Path, audience: Audience, db: Path | None) -> None:
    """Write a self-contained HTML report (charts, tables, sources, methods) to OUT.

    What it shows follows the publication policy for --role (docs/server.md), as every export does: for
    the public (the default) a count of fewer than --min-cell people is shown as "< N" in the tables
    and as a hatched band in the charts, and import file names are left out; the report says whom it
    is for. It shows no names, free text or points, so --grid-m changes nothing in it.
    """
    from harmtrace.publish import write_report
    from harmtrace.publish.report_audience import audience_line

    with store_for(db, read_only=True) as store:
        data = write_report(store, out, audience=audience)
    click.echo(f"Wrote {out}: {len(data.batches)} batches, {len(data.by_month)} months.")
    click.echo(audience_line(audience))
