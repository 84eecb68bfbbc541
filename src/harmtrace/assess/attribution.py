"""Attribution: per incident, each alleged perpetrator with a status and the reports behind it.

Statuses, per perpetrator P named by at least one report of the incident:

- ``declared``: P itself accepted it: a report of the incident comes from P (its source is P), or P
  declared a strike near the incident (`harmtrace.assess.nearby`);
- ``contested``: not declared, and another report of the incident names perpetrators among which P is
  not: a competing claim of responsibility (one report naming two parties, as UCDP names both sides of a
  dyad, is not a competing claim);
- ``alleged``: named, neither declared nor contested.

Names are canonical actors (`harmtrace.actors`: the assessment run maps "Russian Military" and
"الطيران الروسي" to Russia before attributing), so a perpetrator is one actor whatever its spelling.
Names the actor table does not know also match case-insensitively by words: "Coalition" matches
"US-led coalition" because its words are a subset of the other's.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final

STATUSES: Final = ("declared", "alleged", "contested")
_WORD: Final = re.compile(r"\w+")


@dataclass(frozen=True)
class ReportClaim:
    """What one report of an incident says about who did it."""

    report_id: int
    source: str
    perpetrators: tuple[str, ...]


@dataclass(frozen=True)
class Attribution:
    perpetrator: str
    status: str
    report_ids: tuple[int, ...]
    why: str


@functools.lru_cache(maxsize=65536)
def actor_words(name: str) -> frozenset[str]:
    return frozenset(_WORD.findall(name.lower()))


@functools.lru_cache(maxsize=65536)
def same_actor(a: str, b: str) -> bool:
    """True when one name's words are all in the other's.

    >>> same_actor("Coalition", "US-led coalition"), same_actor("IS", "Government of Syria")
    (True, False)
    """
    wa, wb = actor_words(a), actor_words(b)
    return bool(wa and wb) and (wa <= wb or wb <= wa)


def attribute(claims: Sequence[ReportClaim], declaring: Iterable[str] = ()) -> list[Attribution]:
    """The attribution of one incident from its reports' claims and the belligerents that declared a
    strike near it; perpetrators in the order first named (by report id)."""
    declaring = list(declaring)
    found = []
    for perpetrator in _named_in_order(claims):
        naming = [c for c in claims if _names(perpetrator, c.perpetrators)]
        status, why = _status(perpetrator, claims, naming, declaring)
        found.append(Attribution(perpetrator, status, tuple(c.report_id for c in naming), why))
    return found


def _names(actor: str, names: Sequence[str]) -> bool:
    """True when `names` name `actor`; the same name (the common case: canonical actors) is checked first,
    as this runs for every perpetrator of every report of a million incidents."""
    return actor in names or any(same_actor(actor, n) for n in names)


def _named_in_order(claims: Sequence[ReportClaim]) -> list[str]:
    named: list[str] = []
    for claim in sorted(claims, key=lambda c: c.report_id):
        for p in claim.perpetrators:
            if not _names(p, named):
                named.append(p)
    return named


def _status(
    perpetrator: str, claims: Sequence[ReportClaim], naming: list[ReportClaim], declaring: list[str]
) -> tuple[str, str]:
    """(status, why) of one perpetrator, given the claims `naming` it."""
    own = [c.report_id for c in claims if same_actor(perpetrator, c.source)]
    if own:
        return "declared", f"{perpetrator} reported it itself (report {', '.join(map(str, own))})"
    if any(same_actor(perpetrator, b) for b in declaring):
        return "declared", f"{perpetrator} declared a strike near it"
    named_by = {c.report_id for c in naming}
    rivals = [c for c in claims if c.perpetrators and c.report_id not in named_by]
    if rivals:
        others = sorted({p for c in rivals for p in c.perpetrators})
        ids = ", ".join(str(c.report_id) for c in rivals)
        return "contested", f"report {ids} blames {', '.join(others)} instead"
    return "alleged", f"named by its reports, not declared by {perpetrator}"
