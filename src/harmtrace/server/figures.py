"""`/api/v1/figures`: casualty figures and person counts, as `harmtrace stats casualties --json` and
`harmtrace stats persons --json` give them for the same choices, through the publication policy.

A figure takes 50-300 ms on a large store, so answers are kept in memory (`harmtrace.server.cache`),
computed once for every role (each role's view is cut from it) and kept until a write that can change
the figure (`_generation`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Hashable
from datetime import date
from typing import Annotated, Any, Final

from fastapi import APIRouter, Depends, Query, Request

from harmtrace.analyse.casualties import CasualtyQuery, casualties
from harmtrace.analyse.casualty_sql import CIVILIAN_CATEGORIES
from harmtrace.analyse.persons import PersonQuery, person_counts
from harmtrace.analyse.window import Window
from harmtrace.choices import CASUALTY_GROUPINGS, PERSON_GROUPINGS
from harmtrace.display import to_json
from harmtrace.model import CATEGORIES, HARMS
from harmtrace.publish.policy import FIELDS, SUPPRESSED, Audience, Role, apply
from harmtrace.server.accounts import Principal
from harmtrace.server.auth import audience_of, require
from harmtrace.server.cache import cache_of
from harmtrace.server.errors import ERROR_RESPONSES, ApiError
from harmtrace.server.listing import csv_values
from harmtrace.server.schemas_reads import CasualtyFigures, PersonFigures
from harmtrace.store import Store

router = APIRouter(tags=["figures"], responses=ERROR_RESPONSES)
# `by` as the API also words it: a governorate is what the library calls adm1
BY_WORDS: Final = {"governorate": "adm1"}
# the most months or years one answer groups by: 100 years of months. The window 0001-9999 by month
# would be 119,988 groups and seconds of work, which anyone could ask for again with another window
MAX_PERIODS: Final = 1_200


@router.get("/figures/casualties", response_model=CasualtyFigures, response_model_exclude_unset=True)
def casualty_figures(
    request: Request,
    who: Annotated[Principal, Depends(require(Role.PUBLIC))],
    perpetrator: Annotated[
        str | None, Query(description="An alleged perpetrator (after an assessment, any name of an actor)")
    ] = None,
    date_from: Annotated[date | None, Query(alias="from", description="First day of the window")] = None,
    date_to: Annotated[date | None, Query(alias="to", description="Last day of the window")] = None,
    days: Annotated[int | None, Query(description="The window's length in days, from `from`")] = None,
    grade: Annotated[str | None, Query(description="Incident grades, comma-separated")] = None,
    means: Annotated[str | None, Query(description="Only reports listing this means")] = None,
    category: Annotated[str, Query(description=f"One of {', '.join(CATEGORIES)}")] = "all",
    harm: Annotated[str, Query(description=f"One of {', '.join(HARMS)}")] = "killed",
    by: Annotated[
        str | None, Query(description=f"One figure per {', '.join(CASUALTY_GROUPINGS)} (or governorate)")
    ] = None,
    ids: Annotated[bool, Query(description="The incidents and reports behind each bound")] = False,
    unprorated: Annotated[bool, Query(description="Also the best estimates summed whole")] = False,
) -> dict[str, Any]:
    """People killed or injured in a window as min, best and max (docs/figures.md), with its scope."""
    query = CasualtyQuery(
        perpetrator=perpetrator, date_from=date_from, date_to=date_to, days=days,
        grades=tuple(csv_values(grade, "grade")), means=means, category=category, harm=harm,
        by=BY_WORDS.get(by or "", by), with_ids=ids, unprorated=unprorated,
    )  # fmt: skip
    _bounded(query.by, query.window)
    return _cached(
        request, who, ("casualties", query), "figure", lambda store: dict(casualties(store, query))
    )


@router.get("/figures/persons", response_model=PersonFigures, response_model_exclude_unset=True)
def person_figures(
    request: Request,
    who: Annotated[Principal, Depends(require(Role.PUBLIC))],
    date_from: Annotated[date | None, Query(alias="from", description="First day of the window")] = None,
    date_to: Annotated[date | None, Query(alias="to", description="Last day of the window")] = None,
    days: Annotated[int | None, Query(description="The window's length in days, from `from`")] = None,
    status: Annotated[str | None, Query(description="civilian or combatant")] = None,
    sex: Annotated[str | None, Query(description="female or male")] = None,
    child: Annotated[bool, Query(description="Only children (under 18)")] = False,
    by: Annotated[str | None, Query(description=f"One count per {', '.join(PERSON_GROUPINGS)}")] = None,
) -> dict[str, Any]:
    """Persons killed in a window, each once however many lists record them: min to max."""
    query = PersonQuery(
        date_from=date_from, date_to=date_to, days=days, status=status, sex=sex, child=child, by=by
    )
    _bounded(query.by, query.window)
    return _cached(
        request, who, ("persons", query), "person_count", lambda store: dict(person_counts(store, query))
    )


def _bounded(by: str | None, window: Window) -> None:
    """Refuse a grouping by month or year of a window with more than MAX_PERIODS of them (an open side
    ends at the data, which bounds it)."""
    first, last = window["from"], window["to"]
    if by not in ("month", "year") or first is None or last is None:
        return
    periods = last.year - first.year + 1
    if by == "month":
        periods = (last.year - first.year) * 12 + last.month - first.month + 1
    if periods > MAX_PERIODS:
        raise ApiError(
            400,
            f"The window {first} to {last} holds {periods:,} {by}s; one answer groups at most "
            f"{MAX_PERIODS:,}: narrow the window{' or group by year' if by == 'month' else ''}.",
            "by",
        )


def _cached(request: Request, who: Principal, query: Hashable, entity: str,
            compute: Callable[[Store], dict[str, Any]]) -> dict[str, Any]:  # fmt: skip
    audience = audience_of(request, who)
    holder = request.app.state.holder

    def answer() -> dict[str, Any]:
        with holder.reading() as store:
            return dict(json.loads(to_json(compute(store))))  # the values `--json` prints

    # computed once for every role, each role's view cut from it
    figures = cache_of(request.app).get((query, _generation(holder, query)), answer)
    return shown(entity, figures, audience)


def _generation(holder: Any, query: Hashable) -> tuple[int, int]:
    """The generations a figure's cached answer holds for. Through the server only a grade decision can
    change a figure (imports, link runs and assessments run with it stopped): a figure that filters by
    grade changes with any grade, one that counts civilians when an incident that was 'not alleged' is
    graded (`harmtrace.server.holder.Change`); other figures stay cached across writes."""
    if isinstance(query, tuple) and isinstance(query[-1], CasualtyQuery):
        asked = query[-1]
        grades = holder.grades_generation if asked.grades else 0
        civilian = holder.civilian_generation if asked.category in CIVILIAN_CATEGORIES else 0
        return int(grades), int(civilian)
    return 0, 0


def shown(entity: str, figures: dict[str, Any], audience: Audience) -> dict[str, Any]:
    """`figures` as `audience` may see them: the answer, its total and each group through the policy."""
    out = apply(entity, figures, audience)
    parts = [figures.get("total"), *(figures.get("groups") or [])]
    if "total" in out and out["total"] is not None:
        out["total"] = _figure(entity, out["total"], audience)
    if out.get("groups") is not None:
        out["groups"] = [_figure(entity, g, audience) for g in out["groups"]]
    keys = set(figures) | {k for p in parts if p for k in p}
    suppressing = any(audience.treatment(entity, f) == SUPPRESSED for f in FIELDS[entity])
    return out | {
        "role": audience.role.word,
        "suppressed_below": audience.min_cell if suppressing else None,
        "withheld": sorted(audience.withheld(entity, keys)),
    }


def _figure(entity: str, figure: dict[str, Any], audience: Audience) -> dict[str, Any]:
    # a mapping of counts (persons listed by 1, 2, ... sources): each count suppressed on its own
    mappings = {
        k for k, v in figure.items() if isinstance(v, dict) and audience.treatment(entity, k) == SUPPRESSED
    }
    out = apply(entity, {k: v for k, v in figure.items() if k not in mappings}, audience)
    suppressed = {k: {n: audience.count(c) for n, c in figure[k].items()} for k in mappings}
    return {k: out[k] if k in out else suppressed[k] for k in figure if k in out or k in suppressed}
