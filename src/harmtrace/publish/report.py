"""A self-contained HTML report of a store: casualty figures as ranges, charts, sources and methods.

One file, no JavaScript, no external CSS, fonts or network: charts are inline SVG (see `charts`),
tables are HTML. Figures are deaths (everyone killed, as each source counts them) unless a table says
civilians. The report reads whatever the store holds: sources it has no attribution text for are
listed with a reminder to check their terms before publishing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Final

import jinja2
from markupsafe import Markup

import harmtrace
from harmtrace.analyse.casualties import CasualtyQuery, Group, casualties
from harmtrace.ingest.records import batches
from harmtrace.locate.crosswalk import adm1_agreement
from harmtrace.store import Store

TOP_SIDES: Final = 20

# Attribution each licence requires, by import format (see data/README.md).
ATTRIBUTION: Final[dict[str, str]] = {
    "ucdp-ged": (
        "UCDP Georeferenced Event Dataset (GED), Uppsala Conflict Data Program, Uppsala University. "
        "Licensed CC BY 4.0. Sundberg, Ralph and Erik Melander (2013) “Introducing the UCDP Georeferenced "
        "Event Dataset”, Journal of Peace Research 50(4); Högbladh, Stina (2019) UCDP GED Codebook "
        "version 19.1."
    ),
    "syrian-archive": (
        "The Syrian Archive (Mnemonic e.V.), verified-video records, via the R package "
        "seankross/syrianarchive. Licensed CC BY-SA 4.0: material derived from it shares alike."
    ),
}
OCHA_ATTRIBUTION: Final = (
    "Administrative boundaries: OCHA, Syrian Arab Republic Common Operational Dataset (COD-AB), via HDX. "
    "Licensed CC BY-IGO."
)


@dataclass
class ReportData:
    """Everything the report shows; `as_dict` is its `--json` form. Figures are casualty groups."""

    generated_at: datetime
    store_path: str
    totals: list[dict[str, Any]]
    by_year: list[Group]
    by_side: list[Group]
    sides_total: int
    civilians_by_adm1: list[dict[str, Any]]
    by_month: list[Group]
    batches: list[dict[str, Any]]
    notes: list[str] = field(default_factory=list)
    placement: dict[str, Any] | None = None
    attributions: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def collect(store: Store) -> ReportData:
    """Read the figures (harmtrace.analyse.casualties), the import accounting and the attributions."""
    figures = {
        name: casualties(store, CasualtyQuery(category=category, by=by))
        for name, category, by in (
            ("all", "all", None), ("civilians", "civilians", None), ("year", "all", "year"),
            ("month", "all", "month"), ("side", "all", "perpetrator"), ("adm1", "civilians", "adm1"),
        )
    }  # fmt: skip
    sides = figures["side"]["groups"] or []
    return ReportData(
        generated_at=datetime.now().replace(microsecond=0),
        store_path=str(store.path),
        totals=[{"category": name} | dict(figures[name]["total"]) for name in ("all", "civilians")],
        by_year=figures["year"]["groups"] or [],
        by_side=sides[:TOP_SIDES],
        sides_total=len(sides),
        civilians_by_adm1=_with_arabic(store, list(figures["adm1"]["groups"] or [])),
        by_month=figures["month"]["groups"] or [],
        batches=batches(store),
        notes=list(dict.fromkeys(note for f in figures.values() for note in f["notes"])),
        placement=placement(store),
        attributions=attributions(store),
    )


def _with_arabic(store: Store, groups: list[Group]) -> list[dict[str, Any]]:
    names = {r["pcode"]: r["name_ar"] for r in store.rows("SELECT pcode, name_ar FROM admin_area")}
    return [dict(g) | {"name_ar": names.get(g["key"])} for g in groups]


def placement(store: Store) -> dict[str, Any] | None:
    """How many reports were placed in a governorate, and the agreement with the sources' own names."""
    counts = store.rows(
        "SELECT count(*) AS reports, count(pcode) AS placed FROM report_admin WHERE level = 1"
    )
    if not counts[0]["reports"]:
        return None
    return counts[0] | {"agreement": adm1_agreement(store)}


def attributions(store: Store) -> list[str]:
    """The attribution of every source in the store, and a reminder for those without one."""
    texts = []
    for row in store.rows("SELECT DISTINCT b.format, s.name FROM batch b JOIN source s USING (source_id)"):
        known = ATTRIBUTION.get(row["format"])
        texts.append(known or f"{row['name']} ({row['format']}): check its terms before publishing.")
    if store.scalar("SELECT count(*) FROM admin_area"):
        texts.append(OCHA_ATTRIBUTION)
    return sorted(set(texts))


def render_html(data: ReportData) -> str:
    """The report as one HTML string."""
    from harmtrace.publish import charts  # matplotlib takes a second to import: only when drawing

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("harmtrace.publish", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["num"] = _num
    month_chart = data.by_month and charts.month_band_svg(data.by_month, "Killed per month")
    adm1_chart = data.civilians_by_adm1 and charts.bars_svg(
        data.civilians_by_adm1, "group", "Civilians killed by governorate (OCHA boundaries)"
    )
    return env.get_template("report.html.j2").render(
        d=data,
        version=harmtrace.__version__,
        month_chart=Markup(month_chart) if month_chart else None,
        adm1_chart=Markup(adm1_chart) if adm1_chart else None,
    )


def write_report(store: Store, out: Path) -> ReportData:
    """Collect the figures from `store` and write the HTML report to `out`."""
    data = collect(store)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render_html(data), encoding="utf-8")
    return data


def _num(value: Any) -> str:
    """Thousands separators; a dash for unknown."""
    if value is None:
        return "–"
    return f"{value:,}" if isinstance(value, int) else str(value)
