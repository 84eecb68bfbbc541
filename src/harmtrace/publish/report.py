"""A self-contained HTML report of a store: casualty figures as ranges, charts, sources and methods.

One file, no JavaScript, no external CSS, fonts or network: charts are inline SVG (see `charts`),
tables are HTML. Figures are deaths (everyone killed, as each source counts them) unless a table says
civilians. They count incidents once an incident link run has clustered the reports (deduplicated:
`harmtrace.analyse.casualties`), else reports. The report reads whatever the store holds: sources it
has no attribution text for are listed with a reminder to check their terms before publishing.

Once reports are linked, the store no longer gives per-report figures; a caller that read them before
linking (`per_report_figures`, as the demo does) passes them to `collect` and the report sets them
beside the per-incident figures, so a reader sees what deduplication changed.

The report is written for an audience, the public by default, as every export is: what it prints goes
through the publication policy (`harmtrace.publish.report_audience`), so a public report shows a count
of fewer than 5 people as "< 5" and leaves out file names, and says so in its header. `collect` and the
`ReportData` it returns hold the figures as the store gives them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Final

import jinja2
from markupsafe import Markup

from harmtrace.analyse.casualties import CasualtyFigures, CasualtyQuery, Group, casualties
from harmtrace.analyse.scope import Scope
from harmtrace.assess.freshness import state
from harmtrace.errors import QueryError
from harmtrace.files import replacing
from harmtrace.ingest.records import batches
from harmtrace.locate.crosswalk import adm1_agreement
from harmtrace.model import GRADES, NOT_ALLEGED
from harmtrace.publish.export_policy import PUBLIC
from harmtrace.publish.policy import Audience
from harmtrace.publish.report_audience import audience_line, published, small_cell
from harmtrace.store import Store
from harmtrace.store.relations import relation_sql
from harmtrace.version import __version__

TOP_SIDES: Final = 20
# (name, category, by) of each casualty figure the report shows
FIGURES: Final = (
    ("all", "all", None), ("civilians", "civilians", None), ("year", "all", "year"),
    ("month", "all", "month"), ("side", "all", "perpetrator"), ("adm1", "civilians", "adm1"),
)  # fmt: skip
# What each grade says (docs/assessment.md: Airwars' scale; NOT_ALLEGED is no grade)
GRADE_MEANINGS: Final = {
    "confirmed": "a belligerent accepted responsibility",
    "fair": "two or more independent credible sources, belligerent action likely nearby",
    "weak": "a single source",
    "contested": "competing claims of responsibility",
    "discounted": "victims were combatants, or another party most likely responsible",
    NOT_ALLEGED: "no civilian harm alleged: left out of civilian figures",
}
NOT_ASSESSED: Final = "(not assessed)"

# Attribution each licence requires, by import format (see data/README.md).
OCHA_ATTRIBUTION: Final = (
    "Administrative boundaries: OCHA, Syrian Arab Republic Common Operational Dataset (COD-AB), via HDX. "
    "Licensed CC BY-IGO."
)
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
    # boundary and gazetteer files are batches too (harmtrace.ingest.intake)
    "boundaries": OCHA_ATTRIBUTION,
    "places-ocha": OCHA_ATTRIBUTION,
    "places-geonames": "Place names: GeoNames (geonames.org). Licensed CC BY 4.0.",
}


@dataclass
class PerReport:
    """Casualty figures with every report counted as its own event (read before any incident link run)."""

    totals: list[dict[str, Any]]
    by_year: list[Group]
    by_side: list[Group]
    sides_total: int
    civilians_by_adm1: list[dict[str, Any]]

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class ReportData:
    """Everything the report shows; `as_dict` is its `--json` form. Figures are casualty groups, of
    incidents when `deduplicated` (then `incidents` says how reports were linked and graded), else of
    reports; `per_report` holds the per-report figures when the caller read them before linking.
    `store_path` is None in the data an audience that may not see it reads (`report_audience.published`)."""

    generated_at: datetime
    store_path: str | None
    deduplicated: bool
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
    incidents: dict[str, Any] | None = None
    per_report: PerReport | None = None
    # per figure shown (FIGURES' names): the sources, period and filters it rests on
    scopes: dict[str, Scope] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__) | {"per_report": self.per_report and self.per_report.as_dict()}

    def compared(self, name: str) -> list[dict[str, Any]]:
        """Per-report and per-incident figures side by side: rows of `per_report` ("all" / "civilians"
        totals, "year" groups) with the incident figure of the same key as ``incidents``; [] without
        per-report figures or before linking."""
        if self.per_report is None or not self.deduplicated:
            return []
        if name == "year":
            years: dict[Any, Any] = {g["key"]: g for g in self.by_year}
            return [dict(g) | {"incidents": years.get(g["key"])} for g in self.per_report.by_year]
        totals = {t["category"]: t for t in self.totals}
        return [dict(t) | {"incidents": totals.get(t["category"])} for t in self.per_report.totals]


def _figures(store: Store) -> dict[str, CasualtyFigures]:
    return {
        name: casualties(store, CasualtyQuery(category=category, by=by)) for name, category, by in FIGURES
    }


def per_report_figures(store: Store) -> PerReport:
    """The figures with each report its own event; only a store no incident link run has touched has them
    (after a run, `casualties` counts incidents), so read them before linking."""
    figures = _figures(store)
    if any(f["deduplicated"] for f in figures.values()):
        raise QueryError(
            f"{store.path} has incident links, so its figures count incidents: read the per-report "
            "figures before running harmtrace link incidents."
        )
    sides = figures["side"]["groups"] or []
    return PerReport(
        totals=[{"category": name} | dict(figures[name]["total"]) for name in ("all", "civilians")],
        by_year=figures["year"]["groups"] or [],
        by_side=sides[:TOP_SIDES],
        sides_total=len(sides),
        civilians_by_adm1=_with_arabic(store, list(figures["adm1"]["groups"] or [])),
    )


def collect(store: Store, per_report: PerReport | None = None) -> ReportData:
    """Read the figures (harmtrace.analyse.casualties), the incidents and their grades, the import
    accounting and the attributions; `per_report` figures, read before linking, are shown beside."""
    figures = _figures(store)
    sides = figures["side"]["groups"] or []
    deduplicated = any(f["deduplicated"] for f in figures.values())
    return ReportData(
        generated_at=datetime.now().replace(microsecond=0),
        store_path=str(store.path),
        deduplicated=deduplicated,
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
        incidents=incidents(store) if deduplicated else None,
        per_report=per_report,
        scopes={name: f["scope"] for name, f in figures.items()},
    )


def incidents(store: Store) -> dict[str, Any]:
    """How the reports were linked into incidents, and the incidents per grade in force.

    reports, incidents; multi_report (incidents of two or more reports) and reports_in_multi;
    joining_sources (incidents whose reports come from two or more sources); assessed_at and fresh (of
    the last assessment run, None before one); grades: [{grade, incidents, meaning}] for every grade and
    `NOT_ALLEGED`, then any other grade in force, then NOT_ASSESSED for incidents no run graded.
    """
    counts = store.rows(
        "SELECT count(*) AS incidents, coalesce(sum(n), 0) AS reports, "
        "count(*) FILTER (n > 1) AS multi_report, coalesce(sum(n) FILTER (n > 1), 0) AS reports_in_multi, "
        "count(*) FILTER (sources > 1) AS joining_sources FROM (SELECT incident_id, count(*) AS n, "
        "count(DISTINCT r.source_id) AS sources "
        f"FROM ({relation_sql('incident_membership')}) JOIN report r USING (report_id) "
        "GROUP BY incident_id)"
    )[0]
    last = state(store)
    return {k: int(v) for k, v in counts.items()} | {
        "grades": grade_counts(store),
        "assessed_at": last and last["assessed_at"],
        "fresh": last and last["fresh"],
    }


def grade_counts(store: Store) -> list[dict[str, Any]]:
    """Incidents per grade in force (the analyst's, else the last assessment run's), every grade listed."""
    found = {
        r["grade"]: int(r["n"])
        for r in store.rows(
            f"SELECT coalesce(d.grade, a.grade, '{NOT_ASSESSED}') AS grade, count(*) AS n "
            f"FROM (SELECT DISTINCT incident_id FROM ({relation_sql('incident_membership')})) "
            "LEFT JOIN incident_assessment a USING (incident_id) "
            f"LEFT JOIN ({relation_sql('decided_grades')}) d USING (incident_id) GROUP BY ALL"
        )
    }
    listed = (*GRADES, NOT_ALLEGED, NOT_ASSESSED)
    order = [*GRADES, NOT_ALLEGED, *sorted(g for g in found if g not in listed)]
    order += [NOT_ASSESSED] if NOT_ASSESSED in found else []
    return [{"grade": g, "incidents": found.get(g, 0), "meaning": GRADE_MEANINGS.get(g, "")} for g in order]


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


def render_html(data: ReportData, audience: Audience = PUBLIC) -> str:
    """The report as one HTML string, `data` shown as `audience` may read it (`report_audience`)."""
    from harmtrace.publish import charts  # matplotlib takes a second to import: only when drawing

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("harmtrace.publish", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["num"] = _num
    env.filters["best"] = _best
    env.filters["day"] = _day
    shown = published(data, audience)
    month_chart = shown.by_month and charts.month_band_svg(shown.by_month, "Killed per month")
    adm1_chart = shown.civilians_by_adm1 and charts.bars_svg(
        shown.civilians_by_adm1, "group", "Civilians killed by governorate (OCHA boundaries)"
    )
    return env.get_template("report.html.j2").render(
        d=shown,
        published_for=audience_line(audience),
        small_cell=small_cell(audience),
        version=__version__,
        month_chart=Markup(month_chart) if month_chart else None,
        adm1_chart=Markup(adm1_chart) if adm1_chart else None,
    )


def write_report(
    store: Store, out: Path | str, per_report: PerReport | None = None, audience: Audience = PUBLIC
) -> ReportData:
    """Collect the figures from `store` (and `per_report`, see `collect`); write the HTML report for
    `audience` (the public unless said) to `out`. The data returned are the figures as collected."""
    out = Path(out)
    data = collect(store, per_report)
    out.parent.mkdir(parents=True, exist_ok=True)
    with replacing(out) as tmp:
        tmp.write_text(render_html(data, audience), encoding="utf-8")
    return data


def _best(value: Any) -> str:
    """A best estimate, or "no best" where the figure has none (its best_missing says why)."""
    return "no best" if value is None else _num(value)


def _day(value: Any) -> str:
    """A day written out: 1 January 2016."""
    return f"{value.day} {value:%B %Y}"


def _num(value: Any) -> str:
    """Thousands separators; a dash for unknown."""
    if value is None:
        return "–"
    return f"{value:,}" if isinstance(value, int) else str(value)
