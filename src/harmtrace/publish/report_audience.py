"""The HTML report as its audience may read it (`harmtrace.publish.policy`, as every export applies it).

`published` runs what the report prints through the policy: each figure row as a "figure" (a count of
persons under the audience's smallest cell becomes the text "< k", unknown stays None and a known 0
stays 0), each import as a "batch" (file names are internal) and the store's path as "report_html".
The charts draw a "< k" as a band from 0 to k (`harmtrace.publish.charts`). `audience_line` is the
sentence the report and its command print to say whom the report is for and what that changed.

Nothing the report prints is audited (no names, no free text), so writing it leaves no audit row.
A total is shown beside its groups, so the total less the groups shown can narrow a suppressed cell
down: the policy suppresses cells, not their complements (docs/server.md).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Final

from harmtrace.publish.policy import HIDDEN, SUPPRESSED, Audience, Role, apply

if TYPE_CHECKING:
    from harmtrace.publish.report import PerReport, ReportData

ENTITY: Final = "report_html"
LABELS: Final = ("category", "name_ar")  # what a figure row of the report adds to a figure's fields
# the policy's fields the report prints that a role may not see, as its audience line names them
LEFT_OUT: Final = {
    ("batch", "file_name"): "import file names",
    (ENTITY, "store_path"): "the store's file path",
}


def published(data: ReportData, audience: Audience) -> ReportData:
    """`data` as `audience` may read it (see above); its store path None when withheld."""
    return replace(
        data,
        store_path=apply(ENTITY, {"store_path": data.store_path}, audience).get("store_path"),
        totals=figure_rows(data.totals, audience),
        by_year=figure_rows(data.by_year, audience),
        by_side=figure_rows(data.by_side, audience),
        civilians_by_adm1=figure_rows(data.civilians_by_adm1, audience),
        by_month=figure_rows(data.by_month, audience),
        batches=[apply("batch", b, audience) for b in data.batches],
        per_report=data.per_report and _per_report(data.per_report, audience),
    )


def _per_report(figures: PerReport, audience: Audience) -> PerReport:
    return replace(
        figures,
        totals=figure_rows(figures.totals, audience),
        by_year=figure_rows(figures.by_year, audience),
        by_side=figure_rows(figures.by_side, audience),
        civilians_by_adm1=figure_rows(figures.civilians_by_adm1, audience),
    )


def figure_rows(rows: Sequence[Mapping[str, Any]], audience: Audience) -> list[Any]:
    """Casualty groups or totals through the policy: their counts of persons may now be text ("< 5")."""
    return [_figure_row(row, audience) for row in rows]


def _figure_row(row: Mapping[str, Any], audience: Audience) -> dict[str, Any]:
    labels = {k: v for k, v in row.items() if k in LABELS}
    figure = {k: v for k, v in row.items() if k not in LABELS}
    return apply(ENTITY, labels, audience) | apply("figure", figure, audience)


def small_cell(audience: Audience) -> int | None:
    """k when `audience` sees counts of fewer than k persons as "< k", else None (counts exact)."""
    suppressing = audience.treatment("figure", "count_min") == SUPPRESSED and audience.min_cell > 1
    return audience.min_cell if suppressing else None


def audience_line(audience: Audience, lead: str = "Published") -> str:
    """Whom the report is for and what that changed, in a sentence beginning with `lead`.

    >>> for part in audience_line(Audience()).split("; "):
    ...     print(part)
    Published for the public: counts of fewer than 5 people are shown as “< 5”
    import file names and the store's file path are left out.
    >>> audience_line(Audience(Role.VIEWER), lead="The report is published")
    'The report is published for the viewer role: every figure is exact.'
    """
    parts = []
    k = small_cell(audience)
    if k is not None:
        parts.append(f"counts of fewer than {k} people are shown as “< {k}”")
    left = [w for (entity, field), w in LEFT_OUT.items() if audience.treatment(entity, field) == HIDDEN]
    if left:
        parts.append(f"{' and '.join(left)} are left out")
    who = "the public" if audience.role == Role.PUBLIC else f"the {audience.role.word} role"
    return f"{lead} for {who}: {'; '.join(parts) or 'every figure is exact'}."
