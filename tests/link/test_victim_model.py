"""The victim model: its configurations, their comparisons, rules and feature columns, the vetoes."""

from __future__ import annotations

import pytest

from harmtrace.errors import QueryError
from harmtrace.link.engine import settings
from harmtrace.link.spec import LinkageSpec
from harmtrace.link.victim_model import (
    ARABIC,
    DISAGREEMENT_LEVELS,
    NAME_PARTS,
    PLAIN,
    VETO_M,
    feature_columns,
    spec_for,
    victim_comparisons,
)


def test_configurations_are_named_and_unknown_ones_refused() -> None:
    assert spec_for("arabic") is ARABIC and spec_for("plain") is PLAIN
    with pytest.raises(QueryError, match="arabic, plain"):
        spec_for("fuzzy")


@pytest.mark.parametrize("spec", [ARABIC, PLAIN], ids=["arabic", "plain"])
def test_comparisons_rules_and_columns_agree(spec: LinkageSpec) -> None:
    made = settings(spec, victim_comparisons(spec)).create_settings_dict("duckdb")
    names = [c["output_column_name"] for c in made["comparisons"]]
    parts = (
        [*NAME_PARTS, "name_number", "relation"] if spec.config == "arabic" else ["given", "father", "family"]
    )
    assert names == [*parts, "date_of_death", "place_of_death", "sex", "age", "status", "cause"]
    columns = set(feature_columns(spec))
    for rule in spec.blocking_rules + spec.training_rules + spec.prior_rules:
        assert set(rule.columns) <= columns, rule
    assert len(victim_comparisons(spec)) == len(names)


def test_the_arabic_given_name_vetoes_different_names_and_the_plain_one_does_not() -> None:
    def veto_levels(spec: LinkageSpec) -> list[str]:
        given = settings(spec, victim_comparisons(spec)).create_settings_dict("duckdb")["comparisons"][0]
        return [
            lv["label_for_charts"] for lv in given["comparison_levels"] if lv.get("m_probability") == VETO_M
        ]

    assert veto_levels(ARABIC) == ["names and sexes differ", "different names"]
    assert veto_levels(PLAIN) == []


@pytest.mark.parametrize("spec", [ARABIC, PLAIN], ids=["arabic", "plain"])
def test_the_disagreement_levels_the_guards_read_are_the_lowest_levels(spec: LinkageSpec) -> None:
    # harmtrace.link.chaining takes a pair's sexes or ages to disagree from its gamma below these
    made = settings(spec, victim_comparisons(spec)).create_settings_dict("duckdb")
    labels = {
        c["output_column_name"]: [lv.get("label_for_charts") for lv in c["comparison_levels"]
                                  if not lv.get("is_null_level")]
        for c in made["comparisons"]
    }  # fmt: skip
    assert labels["sex"][-DISAGREEMENT_LEVELS["sex"] :] == ["different"]
    assert labels["age"][-DISAGREEMENT_LEVELS["age"] :] == ["ages disagree", "ages over 30 years apart"]
