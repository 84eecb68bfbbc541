"""Grades on the Airwars scale from evidence, with the reasons a reader sees; attribution statuses."""

from __future__ import annotations

from harmtrace.assess.attribution import Attribution, ReportClaim, attribute, same_actor
from harmtrace.assess.grading import Evidence, Nearby, grade

STRIKE = Nearby("US-led coalition", "Ar Raqqah", "2015-10-05", 4, 0, 0.0, 31.2)


def claims(*perpetrators: tuple[str, ...], sources: tuple[str, ...] = ()) -> list[ReportClaim]:
    names = sources or tuple(f"source {i}" for i in range(len(perpetrators)))
    return [ReportClaim(i + 1, names[i], p) for i, p in enumerate(perpetrators)]


def statuses(found: list[Attribution]) -> dict[str, tuple[str, tuple[int, ...]]]:
    return {a.perpetrator: (a.status, a.report_ids) for a in found}


def test_one_report_naming_two_parties_is_no_competing_claim() -> None:
    found = attribute(claims(("Government of Syria", "Syrian insurgents")))
    assert statuses(found) == {
        "Government of Syria": ("alleged", (1,)),
        "Syrian insurgents": ("alleged", (1,)),
    }


def test_reports_blaming_different_parties_contest_each_other() -> None:
    found = attribute(claims(("Russia",), ("Government of Syria",), ("Russia",)))
    assert statuses(found) == {
        "Russia": ("contested", (1, 3)),
        "Government of Syria": ("contested", (2,)),
    }


def test_a_declared_strike_or_the_belligerents_own_report_declares() -> None:
    near = attribute(claims(("Coalition",), ("Russia",)), declaring=["US-led coalition"])
    assert statuses(near)["Coalition"] == ("declared", (1,))
    assert statuses(near)["Russia"][0] == "contested"
    own = attribute(claims(("Russian Military",), sources=("Russian Military",)))
    assert statuses(own)["Russian Military"][0] == "declared"
    assert "reported it itself" in own[0].why


def test_actor_names_match_by_words_not_letters() -> None:
    assert same_actor("coalition", "US-led Coalition")
    assert not same_actor("IS", "Syrian insurgents")


def evidence(**kwargs: object) -> Evidence:
    defaults: dict[str, object] = {"reports": 1, "sources": 1, "independent_sources": 1}
    return Evidence(**(defaults | kwargs))  # type: ignore[arg-type]


def test_a_single_source_is_weak() -> None:
    g, reasons = grade(evidence(attribution=tuple(attribute(claims(("Russia",))))))
    assert g == "weak"
    assert reasons[0] == "weak: a single independent source"
    assert "no declared strike nearby" in reasons


def test_two_independent_sources_with_a_perpetrator_named_are_fair() -> None:
    found = tuple(attribute(claims(("Russia",), ("Russia",))))
    g, reasons = grade(
        evidence(
            reports=3,
            sources=3,
            independent_sources=2,
            attribution=found,
            copies=("report 3 repeats report 1 (same text)",),
        )
    )
    assert g == "fair"
    assert reasons[:3] == [
        "fair: 2 independent sources, with belligerent action likely nearby (named: Russia)",
        "3 report(s) from 3 source(s), 2 independent",
        "report 3 repeats report 1 (same text)",
    ]


def test_two_copies_of_one_story_are_still_weak() -> None:
    g, _ = grade(evidence(reports=2, sources=2, independent_sources=1))
    assert g == "weak"


def test_independent_sources_without_belligerent_action_stay_weak() -> None:
    g, reasons = grade(evidence(reports=2, sources=2, independent_sources=2))
    assert (g, reasons[0]) == (
        "weak",
        "weak: 2 independent sources, but no belligerent named or declared nearby",
    )


def test_a_declared_strike_nearby_makes_a_source_fair_or_the_belligerent_confirmed() -> None:
    g, reasons = grade(evidence(reports=2, sources=2, independent_sources=2, nearby=(STRIKE,)))
    assert g == "fair"
    assert (
        "US-led coalition declared 4 strike(s) near Ar Raqqah on 2015-10-05 (the same day, 0-31.2 km away)"
        in reasons
    )
    found = tuple(attribute(claims(("Coalition",)), declaring=["US-led coalition"]))
    g, reasons = grade(evidence(attribution=found, nearby=(STRIKE,)))
    assert g == "confirmed"
    assert reasons[0] == (
        "confirmed: a belligerent accepted responsibility: Coalition declared a strike near it"
    )


def test_competing_claims_are_contested() -> None:
    found = tuple(attribute(claims(("Russia",), ("Government of Syria",))))
    g, reasons = grade(evidence(reports=2, sources=2, independent_sources=2, attribution=found))
    assert g == "contested"
    assert reasons[0] == (
        "contested: competing claims of responsibility: Russia (reports 1); Government of Syria (reports 2)"
    )


def test_combatant_deaths_only_allege_no_civilian_harm() -> None:
    # a battle: every report gives figures, none a civilian; even a declared strike is not graded
    found = tuple(attribute(claims(("Coalition",)), declaring=["US-led coalition"]))
    g, reasons = grade(
        evidence(
            attribution=found,
            civilians_killed_max=0,
            combatants_killed=12,
            with_figures=1,
            counting_combatants=(1,),
        )
    )
    assert (g, reasons[0]) == (
        "not_alleged",
        "no civilian harm alleged: every report gives figures and none alleges civilian harm (up to 12 "
        "combatants killed); not a civilian-harm claim, so not graded",
    )
    # a report without any figure (a monitor's record of an attack) keeps the incident graded
    g, _ = grade(
        evidence(
            reports=2,
            sources=2,
            independent_sources=2,
            civilians_killed_max=0,
            combatants_killed=12,
            with_figures=1,
            counting_combatants=(1,),
        )
    )
    assert g == "weak"
    # a tied person not known to be a combatant is harm to account for
    g, _ = grade(evidence(with_figures=1, persons=3, combatant_persons=2))
    assert g == "weak"


def test_alleged_civilian_harm_is_discounted_only_on_evidence_of_combatants() -> None:
    # report 1 counts 5 killed without saying who; report 2 says 0 civilians and 5 combatants
    g, reasons = grade(
        evidence(
            reports=2,
            sources=2,
            independent_sources=2,
            with_figures=2,
            alleging=(1,),
            civilians_killed_max=0,
            combatants_killed=5,
            counting_combatants=(2,),
        )
    )
    assert (g, reasons[0]) == (
        "discounted",
        "discounted: the victims were combatants: report 1 alleged civilian harm without saying who the "
        "victims were; report 2 counts up to 5 combatants killed and no one else",
    )
    g, reasons = grade(evidence(with_figures=1, alleging=(1,), persons=3, combatant_persons=3))
    assert (g, reasons[0]) == (
        "discounted",
        "discounted: report 1 alleged civilian harm, but all 3 persons tied to it were combatants",
    )
    # one tied combatant does not outweigh a report counting civilians killed
    g, _ = grade(
        evidence(with_figures=1, alleging=(1,), civilians_killed_max=4, persons=1, combatant_persons=1)
    )
    assert g == "weak"
    # reports that disagree (civilians killed against combatants only) are not discounted by rule
    g, reasons = grade(
        evidence(
            reports=2,
            sources=2,
            independent_sources=2,
            with_figures=2,
            alleging=(1,),
            civilians_killed_max=4,
            combatants_killed=5,
            counting_combatants=(2,),
        )
    )
    assert g == "weak"
    assert any(r.startswith("the reports disagree on who the victims were: report 1") for r in reasons)


def test_a_source_grade_is_kept_beside_the_computed_one() -> None:
    _, reasons = grade(evidence(source_grades=("Airwars: fair", "NGO: weak")))
    assert reasons[-2:] == [
        "Airwars graded it fair (differs from the computed weak; both are kept)",
        "NGO graded it weak (agrees)",
    ]
