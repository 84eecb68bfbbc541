"""What defines a linkage model before training: its blocking rules and settings, serialisable
(`LinkageSpec.to_dict` / `from_dict`); the engine that trains it is `harmtrace.link.engine`, the
models of each kind `harmtrace.link.victim_model` and `harmtrace.link.incident_model`."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from splink.blocking_rule_library import CustomRule

from harmtrace.choices import Config


@dataclass(frozen=True)
class BlockingRule:
    """Candidate pairs: records equal on every column of `columns` (both not NULL), and `when`.

    `when` is an extra condition in portable SQL on ``l.`` and ``r.`` columns, or None.
    """

    columns: tuple[str, ...]
    when: str | None = None

    def sql(self) -> str:
        """The rule as Splink's SQL condition on ``l`` and ``r``."""
        equal = [f"l.{c} = r.{c}" for c in self.columns]
        return " AND ".join([*equal, f"({self.when})"] if self.when else equal)

    def creator(self) -> CustomRule:
        return CustomRule(self.sql())


@dataclass(frozen=True)
class LinkageSpec:
    """Everything that defines a linkage model before training; `to_dict` / `from_dict` round-trip.

    `linkable` is the SQL condition (on the feature table) a record must meet to be linked by the
    model at all: a record without a given name or a relative's name ("Unidentified 3") has nothing
    that tells two such people apart, so it stays a person of its own unless an analyst links it.
    `prior_rules` are near-deterministic rules whose share of the true pairs is assumed to be
    `prior_recall` (Splink's `estimate_probability_two_random_records_match`; the prior is then
    calibrated, see `calibrated_prior`); `u_max_pairs` random pairs estimate u; each of
    `training_rules` blocks one EM session; `m_floors` maps a comparison to the least m probability
    any of its levels keeps after training.

    `training_pairs` bounds the work of training at any size: each EM session trains on about that
    many of its block's pairs, a random sample (Splink's ``max_pairs``: a hash of the record id keeps
    a record on each side of the join, so matches and non-matches are thinned alike and m keeps its
    expectation). None trains on every pair (small data; the default).
    """

    config: Config
    blocking_rules: tuple[BlockingRule, ...]
    training_rules: tuple[BlockingRule, ...]
    prior_rules: tuple[BlockingRule, ...]
    linkable: str = "given_key IS NOT NULL"
    prior_recall: float = 0.6
    u_max_pairs: float = 1e7
    seed: int = 1
    training_pairs: float | None = None
    m_floors: tuple[tuple[str, float], ...] = ()
    given_name_veto: bool = False
    strict_parts: tuple[str, ...] = ()
    # comparisons whose m labelled pairs never change (`learn_from_labels`)
    unlabelled: tuple[str, ...] = ()
    # calibrate one prior per pair of sources (`harmtrace.link.runs`), not one for all pairs
    prior_by_source_pair: bool = False
    # comparisons whose last level (a disagreement) never counts for a match (`disagreement_not_for`)
    disagreements: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LinkageSpec:
        rules = {
            k: tuple(_rule(r) for r in data[k]) for k in ("blocking_rules", "training_rules", "prior_rules")
        }
        floors = tuple((str(name), float(m)) for name, m in data.get("m_floors", ()))
        names = {
            k: tuple(str(p) for p in data.get(k, ())) for k in ("strict_parts", "unlabelled", "disagreements")
        }
        return cls(**{**data, **rules, "m_floors": floors, **names})


def _rule(data: dict[str, Any]) -> BlockingRule:
    return BlockingRule(tuple(data["columns"]), data.get("when"))


def level(condition: str, label: str, null: bool = False) -> dict[str, Any]:
    """One comparison level as Splink reads it: its SQL condition, its label in charts, and whether it
    is the level of a missing value (no evidence either way)."""
    return {"sql_condition": condition, "label_for_charts": label, "is_null_level": null}
