"""`/api/v1/figures`: casualty figures and person counts, as `harmtrace stats casualties --json` and
`harmtrace stats persons --json` give them for the same choices, through the publication policy.

A figure takes 50-300 ms on a large store, so answers are kept in memory (`FigureCache`) per query,
role and the holder's generation: a write moves the generation on, and the next request computes
the figure afresh.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Hashable
from datetime import date
from typing import Annotated, Any, Final

from fastapi import APIRouter, Depends, FastAPI, Query, Request

from harmtrace.analyse.casualties import CasualtyQuery, casualties
from harmtrace.analyse.casualty_sql import CIVILIAN_CATEGORIES
from harmtrace.analyse.persons import PersonQuery, person_counts
from harmtrace.choices import CASUALTY_GROUPINGS, PERSON_GROUPINGS
from harmtrace.display import to_json
from harmtrace.model import CATEGORIES, HARMS
from harmtrace.publish.policy import FIELDS, HIDDEN, SUPPRESSED, Audience, Role, apply
from harmtrace.server.accounts import Principal
from harmtrace.server.auth import require
from harmtrace.server.errors import ERROR_RESPONSES
from harmtrace.server.listing import csv_values
from harmtrace.server.schemas_reads import CasualtyFigures, PersonFigures
from harmtrace.store import Store

router = APIRouter(tags=["figures"], responses=ERROR_RESPONSES)
CACHE_SIZE: Final = 256
# `by` as the API also words it: a governorate is what the library calls adm1
BY_WORDS: Final = {"governorate": "adm1"}


class FigureCache:
    """The last CACHE_SIZE answers, least recently used dropped first."""

    def __init__(self, size: int = CACHE_SIZE) -> None:
        self.size = size
        self._answers: dict[Hashable, dict[str, Any]] = {}
        self._computing: dict[Hashable, threading.Lock] = {}  # a lock per answer being computed
        self._lock = threading.Lock()

    def get(self, key: Hashable, compute: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        """The answer of `key`, computed once: requests asking for it while it is computed wait for it."""
        with self._lock:
            found = self._answers.pop(key, None)
            if found is not None:
                self._answers[key] = found
                return found
            computing = self._computing.setdefault(key, threading.Lock())
        with computing:
            with self._lock:
                found = self._answers.get(key)
            if found is not None:
                return found
            answer = compute()
            with self._lock:
                self._answers[key] = answer
                self._computing.pop(key, None)
                while len(self._answers) > self.size:
                    del self._answers[next(iter(self._answers))]
        return answer

    def __len__(self) -> int:
        return len(self._answers)


_CACHE_LOCK: Final = threading.Lock()


def cache_of(app: FastAPI) -> FigureCache:
    """The app's figure cache (made on first use)."""
    state = app.state
    with _CACHE_LOCK:
        cache: FigureCache | None = getattr(state, "figure_cache", None)
        if cache is None:
            cache = state.figure_cache = FigureCache()
    return cache


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
    return _cached(
        request, who, ("persons", query), "person_count", lambda store: dict(person_counts(store, query))
    )


def _cached(request: Request, who: Principal, query: Hashable, entity: str,
            compute: Callable[[Store], dict[str, Any]]) -> dict[str, Any]:  # fmt: skip
    audience: Audience = request.app.state.config.audience(who.role)
    holder = request.app.state.holder

    def answer() -> dict[str, Any]:
        with holder.reading() as store:
            return dict(json.loads(to_json(compute(store))))  # the values `--json` prints

    # computed once for every role, each role's view cut from it
    figures = cache_of(request.app).get((query, _generation(holder, query)), answer)
    return shown(entity, figures, audience)


def _generation(holder: Any, query: Hashable) -> int:
    """The generation a figure's cached answer holds for. Through the server only a grade decision can
    change a figure (imports, link runs and assessments run with it stopped), and only a figure that
    filters by grade or counts civilians (an incident graded by an analyst is no longer 'not alleged'),
    so other figures stay cached across writes."""
    if isinstance(query, tuple) and isinstance(query[-1], CasualtyQuery):
        asked = query[-1]
        if asked.grades or asked.category in CIVILIAN_CATEGORIES:
            return int(holder.figures_generation)
    return 0


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
        "withheld": sorted(f for f in keys if audience.treatment(entity, f) == HIDDEN),
    }


def _figure(entity: str, figure: dict[str, Any], audience: Audience) -> dict[str, Any]:
    # a mapping of counts (persons listed by 1, 2, ... sources): each count suppressed on its own
    mappings = {
        k for k, v in figure.items() if isinstance(v, dict) and audience.treatment(entity, k) == SUPPRESSED
    }
    out = apply(entity, {k: v for k, v in figure.items() if k not in mappings}, audience)
    suppressed = {k: {n: audience.count(c) for n, c in figure[k].items()} for k in mappings}
    return {k: out[k] if k in out else suppressed[k] for k in figure if k in out or k in suppressed}
