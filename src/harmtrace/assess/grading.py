"""Grades on the Airwars scale, computed from the evidence of an incident and explained in plain words.

Airwars grades *allegations of civilian harm*. An incident none of whose reports alleges any (a battle
whose reports count combatant deaths only) is no such allegation: it gets the status ``not_alleged``
(`harmtrace.model.NOT_ALLEGED`, "no civilian harm alleged") instead of a grade, and stays out of graded
and civilian figures. A report *alleges civilian harm* when it gives a civilian, child, woman or man
killed or injured, or counts victims without saying whether they were civilians or combatants
(UCDP's ``deaths_unknown``; a toll with no breakdown), or codes the event as violence against
civilians (UCDP one-sided violence). A report that gives no figure at all is read as
a possible allegation (a monitor's record of an attack), so an incident is ``not_alleged`` only when
every report gives figures, none alleges civilian harm, and no person tied to it was other than a
combatant.

Otherwise the first rule that holds gives the grade:

1. **Discounted**: civilian harm was alleged, but the victims were combatants: every civilian figure any
   report gives is 0 and another report counts combatants killed and no one else (the allegation counted
   victims without saying who they were; another report says they were fighters), or every person tied
   to the incident was a combatant and no report gives civilians killed (a few tied persons do not
   outweigh a civilian toll). Reports that disagree (one gives civilians killed, another 0 civilians and
   combatants) are not discounted: the disagreement is a reason shown, the judgement an analyst's.
   ("Another party most likely responsible" needs a judgement too: an analyst records it as a decision.)
2. **Confirmed**: a belligerent accepted responsibility: a perpetrator's status is ``declared`` (it
   reported the incident itself, or declared a strike near it: see `harmtrace.assess.attribution`).
3. **Contested**: competing claims of responsibility: two or more perpetrators are ``contested``.
4. **Fair**: two or more independent sources (`harmtrace.assess.independence`), with belligerent action
   likely nearby: a perpetrator is named, or a belligerent declared a strike near it. Every imported source
   is taken as credible; an analyst downgrades one that is not with a decision.
5. **Weak**: otherwise: a single independent source, or several without belligerent action established.

A grade given by an imported source (``report.source_grade``) is never replaced: it is kept and shown
next to the computed one, and a reason says when they differ. An analyst's decision
(`harmtrace.assess.decisions`) overrides both in figures and exports; all three are exported.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from harmtrace.assess.attribution import Attribution
from harmtrace.model import NOT_ALLEGED


@dataclass(frozen=True)
class Nearby:
    """A declared strike near the incident, as `harmtrace.assess.nearby` found it."""

    belligerent: str
    place: str
    day: str
    strikes: int
    days_apart: int
    distance_min_km: float
    distance_max_km: float

    def describe(self) -> str:
        when = "the same day" if self.days_apart == 0 else f"{self.days_apart} day(s) apart"
        return (
            f"{self.belligerent} declared {self.strikes} strike(s) near {self.place} on {self.day} ({when}, "
            f"{self.distance_min_km:g}-{self.distance_max_km:g} km away)"
        )


@dataclass(frozen=True)
class Evidence:
    """What is known about one incident, as the grading rules read it."""

    reports: int
    sources: int
    independent_sources: int
    copies: tuple[str, ...] = ()  # "report 7 repeats report 5 (same text)"
    attribution: tuple[Attribution, ...] = ()
    nearby: tuple[Nearby, ...] = ()
    civilians_killed_max: int | None = None  # highest civilian figure (killed or injured) any report gives
    combatants_killed: int | None = None  # highest combatant death toll any report gives
    persons: int = 0
    combatant_persons: int = 0
    alleging: tuple[int, ...] = ()  # reports alleging civilian harm (see the module docstring)
    counting_combatants: tuple[int, ...] = ()  # reports counting combatants killed and no one else
    with_figures: int = 0  # reports giving some harm figure (the others give none at all)
    source_grades: tuple[str, ...] = field(default=())  # "Airwars: fair"


def grade(e: Evidence) -> tuple[str, list[str]]:
    """The computed grade of an incident and the reasons for it, the deciding reason first."""
    computed, why = _decide(e)
    return computed, [why, *_context(e), *_source_grade_notes(e, computed)]


def _decide(e: Evidence) -> tuple[str, str]:
    for rule in (_not_alleged, _discounted, _confirmed, _contested, _fair):
        decided = rule(e)
        if decided is not None:
            return decided
    if e.independent_sources >= 2:
        return "weak", (
            f"weak: {e.independent_sources} independent sources, but no belligerent named or declared nearby"
        )
    return "weak", "weak: a single independent source"


def _source_grade_notes(e: Evidence, computed: str) -> list[str]:
    notes = []
    for given in e.source_grades:
        source, _, theirs = given.rpartition(": ")
        agree = "agrees" if theirs == computed else f"differs from the computed {computed}; both are kept"
        notes.append(f"{source} graded it {theirs} ({agree})")
    return notes


def _not_alleged(e: Evidence) -> tuple[str, str] | None:
    if e.alleging or e.with_figures < e.reports or e.persons > e.combatant_persons:
        return None
    who = (
        f"up to {e.combatants_killed} combatants killed"
        if e.combatants_killed
        else "no victim in their central figures"
    )
    return NOT_ALLEGED, (
        f"no civilian harm alleged: every report gives figures and none alleges civilian harm ({who}); "
        "not a civilian-harm claim, so not graded"
    )


def _discounted(e: Evidence) -> tuple[str, str] | None:
    if not e.alleging:
        return None
    alleged = f"report {', '.join(map(str, e.alleging))} alleged civilian harm"
    # persons tied are often fewer than the toll: they outweigh no report's civilian count
    if e.persons and e.combatant_persons == e.persons and not e.civilians_killed_max:
        return "discounted", f"discounted: {alleged}, but all {e.persons} persons tied to it were combatants"
    if not e.civilians_killed_max and e.counting_combatants:
        which = ", ".join(map(str, e.counting_combatants))
        return "discounted", (
            f"discounted: the victims were combatants: {alleged} without saying who the victims were; "
            f"report {which} counts up to {e.combatants_killed} combatants killed and no one else"
        )
    return None


def _confirmed(e: Evidence) -> tuple[str, str] | None:
    declared = [a for a in e.attribution if a.status == "declared"]
    if not declared:
        return None
    return "confirmed", "confirmed: a belligerent accepted responsibility: " + "; ".join(
        a.why for a in declared
    )


def _contested(e: Evidence) -> tuple[str, str] | None:
    contested = [a for a in e.attribution if a.status == "contested"]
    if len(contested) < 2:
        return None
    claims = "; ".join(f"{a.perpetrator} (reports {', '.join(map(str, a.report_ids))})" for a in contested)
    return "contested", f"contested: competing claims of responsibility: {claims}"


def _fair(e: Evidence) -> tuple[str, str] | None:
    if e.independent_sources < 2:
        return None
    action = [a.perpetrator for a in e.attribution]
    if not action and not e.nearby:
        return None
    what = f"named: {', '.join(action)}" if action else "a declared strike nearby"
    return "fair", (
        f"fair: {e.independent_sources} independent sources, with belligerent action likely nearby ({what})"
    )


def _context(e: Evidence) -> list[str]:
    """The facts behind the grade, whatever it is."""
    lines = [f"{e.reports} report(s) from {e.sources} source(s), {e.independent_sources} independent"]
    lines += list(e.copies)
    lines += [f"{a.perpetrator}: {a.status} ({a.why})" for a in e.attribution]
    lines += [n.describe() for n in e.nearby] or ["no declared strike nearby"]
    if e.persons:
        lines.append(f"{e.persons} distinct person(s) tied to it")
    if e.alleging and e.civilians_killed_max and e.counting_combatants:
        lines.append(
            f"the reports disagree on who the victims were: report {', '.join(map(str, e.alleging))} "
            f"alleges civilian harm, report {', '.join(map(str, e.counting_combatants))} counts combatants "
            "and no one else (an analyst may discount it)"
        )
    return lines
