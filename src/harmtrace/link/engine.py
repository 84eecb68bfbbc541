"""The linkage engine: Splink trains and scores any kind's model, and is patched only here.

A kind's model is a `LinkageSpec` (`harmtrace.link.spec`) and its Splink comparisons:
`harmtrace.link.victim_model` (victim records into persons, configurations arabic and plain) and
`harmtrace.link.incident_model` (reports into incidents). The engine builds a Splink linker of them
(`settings`), trains it (`train`), and scores candidate pairs (`predict`), on an injectable backend
(`Backend`): `DuckDBBackend` (an in-memory DuckDB beside the store, so Splink's working tables never
touch the store file) now; a Spark backend needs only `register`.

Training is unsupervised (never on truth): u probabilities from random pairs; m probabilities by
expectation maximisation on the spec's training blocks (dense in matches), levels of fixed m left as
they are; a first prior from deterministic rules, then calibrated on the scored pairs
(`calibrated_prior`). At scale EM trains on a random sample of each block's pairs
(`LinkageSpec.training_pairs`), so that its cost stops growing with the blocks (Splink sizes a block
from a tenth of its records on each side). Afterwards every m probability is floored
(`LinkageSpec.m_floors`, `floor_m`), and labelled pairs, when given, update m (`learn_from_labels`).
The trained model is Splink's settings JSON plus the specification (`TrainedModel.to_json`), stored
with each run, so that a run can be scored again without training.

This is the only module of harmtrace that reaches into Splink beyond its public API (`splink`,
`splink.comparison_library`, ...): it imports from `splink.internals`, reads and sets private
attributes of the linker and its settings, and patches one function while EM runs:

- `_em_floor` replaces `splink.internals.expectation_maximisation.compute_proportions_for_new_parameters`;
- `_em_session` copies and restores `linker._settings_obj.core_model_settings`, and catches
  `EMTrainingException`;
- `_usable_prior` reads and sets `linker._settings_obj._probability_two_random_records_match`;
- `label_counts` builds Splink's comparison vectors of labelled pairs itself (`CTEPipeline`,
  `enqueue_df_concat_with_tf`, `block_from_labels`, `compute_comparison_vector_values_sql`,
  `linker._db_api`, the settings' comparisons and their `_gamma_column_name`);
- `level_weights` and `level_m` read each comparison level's `_log2_bayes_factor` and m as Splink does.

`tests/link/test_splink_internals.py` checks each of these against the installed Splink, so that an
upgrade that moves or reshapes one fails there, naming the function here to re-check.
"""

from __future__ import annotations

import json
import logging
import math
import os
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from typing import Any, Final, Protocol

import duckdb
import numpy as np
import numpy.typing as npt
import pyarrow as pa
from splink import DuckDBAPI, Linker, SettingsCreator
from splink.internals import expectation_maximisation as _em
from splink.internals.block_from_labels import block_from_labels
from splink.internals.comparison_creator import ComparisonCreator
from splink.internals.comparison_vector_values import compute_comparison_vector_values_sql
from splink.internals.exceptions import EMTrainingException
from splink.internals.pipeline import CTEPipeline
from splink.internals.splink_dataframe import SplinkDataFrame
from splink.internals.vertically_concatenate import enqueue_df_concat_with_tf

from harmtrace.errors import QueryError
from harmtrace.link.spec import BlockingRule, LinkageSpec

MODEL_FORMAT: Final = 1


Comparison = ComparisonCreator | dict[str, Any]
"""A Splink comparison: a library or custom comparison, or its settings dict."""


def settings(spec: LinkageSpec, comparisons: Sequence[Comparison]) -> SettingsCreator:
    """Splink settings of `spec` and its `comparisons` (its kind's model) before training."""
    return SettingsCreator(
        link_type="dedupe_only",
        comparisons=list(comparisons),
        blocking_rules_to_generate_predictions=[r.creator() for r in spec.blocking_rules],
        retain_matching_columns=True,  # the comparison levels (gamma) come only with them
        retain_intermediate_calculation_columns=True,
        additional_columns_to_retain=["source_dataset"],
    )


# --- backends ---------------------------------------------------------------------------------------


class Backend(Protocol):
    """Where Splink runs: registers the feature table and returns it as Splink's input."""

    def register(self, table: pa.Table) -> SplinkDataFrame: ...

    def close(self) -> None: ...


def default_memory_limit() -> str:
    """DuckDB memory for Splink: 40% of physical memory, at most 2 GB.

    DuckDB's own default (80%) let a million-record link peak at 8.3 GB; with a cap it spills what
    does not fit. At a million simulated reports (`benchmarks/link_incidents.py`, 2 cores) 3 GB
    peaked at 4,628 MB for the whole process in 259.6 s, 2 GB at 4,009 MB in 239.5 s; at a million
    victim records (`benchmarks/link_victims.py`) 3,930 MB in 35.4 s against 3,315 MB in 35.7 s.
    """
    try:
        physical = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return "3GB"
    return f"{max(256, min(2 * 1024, int(physical * 0.4) // 2**20))}MB"


@dataclass
class DuckDBBackend:
    """Splink on a private in-memory DuckDB that spills to a temporary folder.

    `threads` defaults to DuckDB's choice (one per core), `memory_limit` (DuckDB's words, e.g.
    "6GB") to `default_memory_limit`.
    """

    threads: int | None = None
    memory_limit: str | None = field(default_factory=default_memory_limit)
    _spill: tempfile.TemporaryDirectory[str] = field(init=False)
    _con: duckdb.DuckDBPyConnection = field(init=False)

    def __post_init__(self) -> None:
        self._spill = tempfile.TemporaryDirectory(prefix="harmtrace-link-")
        self._con = duckdb.connect(":memory:")
        self._con.execute(f"SET temp_directory = '{self._spill.name}'")
        self._con.execute("SET preserve_insertion_order = false")
        if self.threads:
            self._con.execute(f"SET threads = {int(self.threads)}")
        if self.memory_limit:
            self._con.execute(f"SET memory_limit = '{self.memory_limit}'")

    def register(self, table: pa.Table) -> SplinkDataFrame:
        return DuckDBAPI(self._con).register(table, dataset_display_name="victim_records")

    def close(self) -> None:
        self._con.close()
        self._spill.cleanup()


# --- the trained model ------------------------------------------------------------------------------


@dataclass(frozen=True)
class TrainedModel:
    """A specification and Splink's trained settings (m, u, prior): enough to score pairs again."""

    spec: LinkageSpec
    splink: dict[str, Any]
    # "source a | source b" -> the prior of that pair of sources (`LinkageSpec.prior_by_source_pair`)
    priors: dict[str, float] = field(default_factory=dict)
    # the settings before labels updated m (`learn_from_labels`), for the pairs of sources no label
    # names (`harmtrace.link.runs.score_features`); None when no label trained the model
    unlabelled: dict[str, Any] | None = None

    def to_json(self) -> str:
        return json.dumps(
            {
                "format": MODEL_FORMAT,
                "spec": self.spec.to_dict(),
                "splink": self.splink,
                "priors": self.priors,
                "unlabelled": self.unlabelled,
            }
        )

    def without_labels(self) -> TrainedModel:
        """The model as it was before labels updated m (itself when none did)."""
        if self.unlabelled is None:
            return self
        splink = {**self.unlabelled, "probability_two_random_records_match": self.prior}
        return TrainedModel(self.spec, splink, self.priors)

    @property
    def prior(self) -> float:
        return float(self.splink["probability_two_random_records_match"])

    def with_m(self, m: dict[str, list[float | None]]) -> TrainedModel:
        """This model with the m probabilities given per comparison and level (None: as it was)."""
        splink = json.loads(json.dumps(self.splink))
        for comparison in splink["comparisons"]:
            for level, given in zip(comparison["comparison_levels"], m[comparison["output_column_name"]],
                                    strict=True):  # fmt: skip
                if given is not None:
                    level["m_probability"] = given
        return TrainedModel(self.spec, splink, self.priors)

    @classmethod
    def from_json(cls, text: str) -> TrainedModel:
        data = json.loads(text)
        if data.get("format") != MODEL_FORMAT:
            raise QueryError(
                f"Linkage model format {data.get('format')!r} is not {MODEL_FORMAT}: link again."
            )
        priors = dict(data.get("priors") or {})
        return cls(LinkageSpec.from_dict(data["spec"]), data["splink"], priors, data.get("unlabelled"))

    def linker(self, frame: SplinkDataFrame) -> Linker:
        """A Splink linker scoring with these parameters (no training)."""
        return Linker(frame, json.loads(json.dumps(self.splink)), log_level=None)

    def level_labels(self) -> dict[str, dict[int, str]]:
        """comparison -> comparison vector value (gamma) -> level label; -1 is the NULL level."""
        labels: dict[str, dict[int, str]] = {}
        for comparison in self.splink["comparisons"]:
            levels = comparison["comparison_levels"]
            counted = [lv for lv in levels if not lv.get("is_null_level")]
            values = {len(counted) - 1 - i: str(lv.get("label_for_charts")) for i, lv in enumerate(counted)}
            labels[comparison["output_column_name"]] = {-1: _null_label(levels), **values}
        return labels


def _null_label(levels: list[dict[str, Any]]) -> str:
    """What a pair at a comparison's null level (gamma -1) was: its null levels' own labels, "unknown"
    for Splink's ("given_key is NULL") or none (a UCDP dyad against another striker is no evidence,
    but it is not unknown).

    >>> _null_label([{"is_null_level": True, "label_for_charts": "unknown"},
    ...              {"is_null_level": True, "label_for_charts": "a fighting pair and another striker"}])
    'unknown or a fighting pair and another striker'
    >>> _null_label([{"is_null_level": True, "label_for_charts": "given_key is NULL"}])
    'unknown'
    """
    nulls = [str(lv.get("label_for_charts") or "") for lv in levels if lv.get("is_null_level")]
    named = ["unknown" if not label or label.endswith(" is NULL") else label for label in nulls]
    return " or ".join(dict.fromkeys(named)) or "unknown"


# --- scoring ----------------------------------------------------------------------------------------


def predict(model: TrainedModel, frame: SplinkDataFrame, floor: float) -> pa.Table:
    """Pairs at or above match probability `floor`: ids, weight, probability, and per comparison gamma
    and weight (term frequencies included)."""
    linker = model.linker(frame)
    predictions = linker.inference.predict(threshold_match_probability=floor, warning_mode="never")
    columns = ["unique_id_l", "unique_id_r", "match_weight", "match_probability"]
    for name, tf in _comparison_columns(model):
        weight = f"mw_{name} + coalesce(mw_tf_adj_{name}, 0)" if tf else f"mw_{name}"
        columns += [f"gamma_{name}", f"{weight} AS w_{name}"]
    selected = predictions.query_sql(f"SELECT {', '.join(columns)} FROM {{this}}")
    table: pa.Table = selected.as_pyarrow_table()  # type: ignore[no-untyped-call]
    return table


def _comparison_columns(model: TrainedModel) -> list[tuple[str, bool]]:
    """(comparison name, has term-frequency adjustments) for each comparison of the model."""
    return [
        (c["output_column_name"], any(lv.get("tf_adjustment_column") for lv in c["comparison_levels"]))
        for c in model.splink["comparisons"]
    ]


LevelWeights = dict[str, dict[int, float]]


def level_weights(model: TrainedModel, frame: SplinkDataFrame) -> LevelWeights:
    """comparison -> gamma -> the level's match weight as Splink scores it (log2 of m / u; the NULL
    level 0), before term-frequency adjustments, which do not depend on m."""
    settings_obj = model.linker(frame)._settings_obj
    return {
        c.output_column_name: {
            lv.comparison_vector_value: float(lv._log2_bayes_factor) for lv in c.comparison_levels
        }
        for c in settings_obj.comparisons
    }


def level_m(model: TrainedModel, frame: SplinkDataFrame) -> dict[str, list[float | None]]:
    """comparison -> each level's m as Splink reads it (its default for a level no pair trained; None
    for the NULL level), in the order of the model's levels."""
    settings_obj = model.linker(frame)._settings_obj
    return {
        c.output_column_name: [None if lv.is_null_level else lv.m_probability for lv in c.comparison_levels]
        for c in settings_obj.comparisons
    }


# --- training ---------------------------------------------------------------------------------------


Step = Callable[[str], AbstractContextManager[None]]


@contextmanager
def _untimed(step: str) -> Iterator[None]:
    yield


def train(
    spec: LinkageSpec,
    comparisons: Sequence[Comparison],
    frame: SplinkDataFrame,
    step: Step = _untimed,
    labels: pa.Table | None = None,
) -> TrainedModel:
    """Estimate the model of `spec` and its `comparisons` on the records of `frame` (module docstring):
    unsupervised, then, when `labels` (pairs of unique ids known to match: ``unique_id_l``,
    ``unique_id_r``) holds pairs, with m updated from them (`learn_from_labels`).

    `step` times the parts ("train: prior", "train: u", "train: m"), e.g. a `harmtrace.progress.Clock`.
    """
    linker = Linker(frame, settings(spec, comparisons), log_level=None)
    training = linker.training
    with quiet_splink(), _em_floor():
        with step("train: prior"):
            training.estimate_probability_two_random_records_match(
                [r.creator() for r in spec.prior_rules],
                recall=spec.prior_recall,
            )
            _usable_prior(linker)
        with step("train: u"):
            training.estimate_u_using_random_sampling(max_pairs=spec.u_max_pairs, seed=spec.seed)
        with step("train: m"):
            for rule in spec.training_rules:
                _em_session(linker, rule, spec.training_pairs)
    model = floor_m(linker.misc.save_model_to_json(), dict(spec.m_floors))
    before = disagreement_not_for(model, spec.disagreements) if spec.disagreements else model
    if labels is None or not labels.num_rows:
        return TrainedModel(spec, before)
    with step("train: labels"):
        model = learn_from_labels(model, label_counts(linker, labels), spec.unlabelled)
    if spec.disagreements:
        model = disagreement_not_for(model, spec.disagreements)
    return TrainedModel(spec, model, unlabelled=before)


def disagreement_not_for(model: dict[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    """`model` with the last level of each comparison of `names` (its disagreement: another
    perpetrator, far apart, different counts) weighing at most 0: where u is small (UCDP names both
    sides of a dyad, so two random reports seldom name disjoint actors) a fixed m could exceed it and
    make a disagreement evidence *for* a match. Its m becomes its u; the comparison's m no longer sum to 1
    exactly, which scoring does not need."""
    model = json.loads(json.dumps(model))
    for comparison in model["comparisons"]:
        if comparison["output_column_name"] not in names:
            continue
        levels = [lv for lv in comparison["comparison_levels"] if not lv.get("is_null_level")]
        last = levels[-1] if levels else None
        if last and _is_number(last.get("m_probability")) and _is_number(last.get("u_probability")):
            last["m_probability"] = min(last["m_probability"], last["u_probability"])
    return model


# how many labelled pairs the m probabilities before labels weigh as: with 20, a comparison seen on
# 400 labelled pairs takes 95% of its m from them, one seen on 10 a third
LABEL_PSEUDO_PAIRS: Final = 20.0
# an m learned from labels is at least this (a level no labelled pair reached is rare, not impossible)
LABEL_M_FLOOR: Final = 0.002


def label_counts(linker: Linker, labels: pa.Table) -> dict[str, dict[int, int]]:
    """comparison -> comparison vector value (gamma) -> how many labelled pairs reach that level.

    The pairs are compared as Splink compares any pair (its own SQL for labelled pairs, as its
    `estimate_m_from_pairwise_labels` does), whatever the blocking rules: a labelled pair no rule
    generates still tells what matches look like.
    """
    name = "ht_labelled_pairs"
    linker.table_management.register_table(
        labels.select(["unique_id_l", "unique_id_r"]), name, overwrite=True
    )
    pipeline = CTEPipeline()
    enqueue_df_concat_with_tf(linker, pipeline)
    pipeline.enqueue_list_of_sqls(block_from_labels(linker, name))
    settings_obj = linker._settings_obj
    pipeline.enqueue_sql(
        compute_comparison_vector_values_sql(settings_obj._columns_to_select_for_comparison_vector_values),
        "__splink__df_comparison_vectors",
    )
    gammas = [c._gamma_column_name for c in settings_obj.comparisons]
    names = [c.output_column_name for c in settings_obj.comparisons]
    pipeline.enqueue_sql(f"SELECT {', '.join(gammas)} FROM __splink__df_comparison_vectors", "ht_gammas")
    rows = linker._db_api.sql_pipeline_to_splink_dataframe(pipeline).as_record_list()
    counts: dict[str, dict[int, int]] = {n: {} for n in names}
    for row in rows:
        for name_, gamma in zip(names, gammas, strict=True):
            value = int(row[gamma])
            counts[name_][value] = counts[name_].get(value, 0) + 1
    return counts


def learn_from_labels(
    model: dict[str, Any], counts: dict[str, dict[int, int]], keep: tuple[str, ...] = ()
) -> dict[str, Any]:
    """`model` with the m probabilities of each comparison (but those in `keep`) updated from the
    labelled pairs' `counts` (`label_counts`): m = (n_level + k * m_before) / (n + k), n counting the
    labelled pairs whose comparison is not null and k = LABEL_PSEUDO_PAIRS, so the m before (fixed,
    floored or estimated by EM) is a prior the labels outweigh as they grow. Fixed m are updated too:
    a fixed m is a judgement, and labelled pairs are evidence against which to revise it."""
    model = json.loads(json.dumps(model))
    for comparison in model["comparisons"]:
        name = comparison["output_column_name"]
        seen = counts.get(name, {})
        n = sum(c for gamma, c in seen.items() if gamma >= 0)
        if name in keep or not n:
            continue
        levels = [lv for lv in comparison["comparison_levels"] if not lv.get("is_null_level")]
        for i, level in enumerate(levels):
            before = level.get("m_probability")
            if level.get("fix_m_probability") and _is_number(before) and before < LABEL_M_FLOOR:
                continue  # a veto (different given names) stays one
            prior = float(before) if _is_number(before) else LABEL_M_FLOOR
            learned = (seen.get(len(levels) - 1 - i, 0) + LABEL_PSEUDO_PAIRS * prior) / (
                n + LABEL_PSEUDO_PAIRS
            )
            level["m_probability"] = max(learned, LABEL_M_FLOOR)
    return model


FALLBACK_PRIOR: Final = 1e-4


def _usable_prior(linker: Linker) -> None:
    """A prior strictly between 0 and 1: deterministic rules that no pair meets (real reports whose
    sources never give the same fields) estimate it as 0, which Splink cannot score with. FALLBACK_PRIOR
    stands in; the prior is calibrated on the scored pairs afterwards (`calibrated_prior`) anyway."""
    settings_obj = linker._settings_obj
    prior = settings_obj._probability_two_random_records_match
    if not 0.0 < prior < 1.0:
        logging.getLogger(__name__).warning("prior %s from the deterministic rules: using %s", prior,
                                            FALLBACK_PRIOR)  # fmt: skip
        settings_obj._probability_two_random_records_match = FALLBACK_PRIOR


# Splink counts a session's pairs on this share of the records (each side: 1% of the pairs) to choose
# its sample; its default (1%, 0.01% of the pairs) finds no pair in a block of a few thousand.
EM_PROBE: Final = 0.1


def _em_session(linker: Linker, rule: BlockingRule, max_pairs: float | None = None) -> None:
    """One EM session on the pairs of `rule` (about `max_pairs` of them at random, if given); skipped
    when it cannot run.

    A block can hold no pair (Splink's EMTrainingException), or pairs that all look alike (real
    reports: one source's rows with the same counts and means), and EM then drives the prior to 0
    or 1, where Splink fails with a ValueError (a log of 0). The other sessions still estimate the
    model; a comparison no session trained keeps its fixed or floored m (`floor_m`).

    A session takes the comparisons of its blocking columns out of the linker's settings while it
    runs and puts them back only when it ends well: a failed session would leave the model without
    them (on real reports: every comparison but two), so the settings are restored from a copy.
    """
    saved = linker._settings_obj.core_model_settings.copy()  # type: ignore[no-untyped-call]
    try:
        linker.training.estimate_parameters_using_expectation_maximisation(
            rule.creator(),
            estimate_without_term_frequencies=True,
            max_pairs=max_pairs,
            record_sample_proportion=EM_PROBE,
        )
    except (ValueError, ZeroDivisionError, EMTrainingException) as exc:
        linker._settings_obj.core_model_settings = saved
        logging.getLogger(__name__).info("EM session on %s skipped: %s", rule.sql(), exc)


def floor_m(model: dict[str, Any], floors: dict[str, float]) -> dict[str, Any]:
    """`model` with every m probability of the comparisons in `floors` at least the floor.

    A level that occurs in the data (it has a u probability) but that EM never saw among matches
    has no m; it gets the floor too (Splink would otherwise score it with an arbitrary default). The
    other levels of such a comparison are scaled down so that its m probabilities keep their sum.
    Levels whose m was fixed (the given-name veto) are left alone.
    """
    model = json.loads(json.dumps(model))
    for comparison in model["comparisons"]:
        floor = floors.get(comparison["output_column_name"])
        if floor is None:
            continue
        for level in comparison["comparison_levels"]:
            if level.get("m_probability") is None and _is_number(level.get("u_probability")):
                level["m_probability"] = 0.0
        levels = [lv for lv in comparison["comparison_levels"] if _has_m(lv)]
        if not levels:
            continue
        total = sum(lv["m_probability"] for lv in levels)
        low = [lv for lv in levels if lv["m_probability"] < floor]
        high = [lv for lv in levels if lv["m_probability"] >= floor]
        rest = sum(lv["m_probability"] for lv in high)
        scale = (total - floor * len(low)) / rest if rest > 0 else 1.0
        for lv in low:
            lv["m_probability"] = floor
        for lv in high:
            lv["m_probability"] *= max(scale, 0.5)
    return model


def _has_m(level: dict[str, Any]) -> bool:
    return _is_number(level.get("m_probability")) and not level.get("fix_m_probability")


def _is_number(value: Any) -> bool:
    return isinstance(value, float | int) and not isinstance(value, bool) and math.isfinite(value)


def calibrated_prior(match_weights: npt.NDArray[np.float64], prior: float, total_pairs: float) -> float:
    """The prior (probability that two random records match) at which the model expects as many
    matches among all pairs as its scored pairs hold: lambda * total = sum of match probabilities.

    This is the expectation-maximisation update of the prior over every pair (pairs the blocking
    rules never generate count as non-matches), run to its fixed point on the scored pairs'
    `match_weights` (computed with `prior`). It replaces the guess of the deterministic rules'
    recall that `estimate_probability_two_random_records_match` needs: on simulated lists it moved
    the prior from 2.4e-5 to 4.1e-5, the truth being 4.3e-5.
    """
    if not match_weights.size or total_pairs <= 0:
        return prior
    base = match_weights - _logit2(prior)
    current = prior
    for _ in range(50):
        expected = float((1.0 / (1.0 + np.exp2(-(base + _logit2(current))))).sum())
        updated = min(max(expected / total_pairs, 1e-12), 0.5)
        if abs(updated - current) <= 1e-6 * current:
            return updated
        current = updated
    return current


def _logit2(p: float) -> float:
    return math.log2(p / (1.0 - p))


def with_prior(model: TrainedModel, prior: float, priors: dict[str, float] | None = None) -> TrainedModel:
    """`model` with its prior replaced (and its priors per pair of sources, when given)."""
    splink = {**model.splink, "probability_two_random_records_match": prior}
    return TrainedModel(model.spec, splink, model.priors if priors is None else priors, model.unlabelled)


def shift_weights(match_weights: npt.NDArray[np.float64], old: float, new: float) -> npt.NDArray[np.float64]:
    """Match weights rescored from prior `old` to prior `new` (the prior adds log2 odds)."""
    return match_weights + (_logit2(new) - _logit2(old))


EM_FLOOR: Final = 1e-12  # an m or u estimate below this is 0 for linkage (a weight beyond 40 bits)


@contextmanager
def _em_floor() -> Iterator[None]:
    """EM estimates floored at EM_FLOOR while training.

    On a small list a level can hold only pairs whose match posterior underflows (pairs of the
    given-name veto, 2^-60), and EM then estimates its m as 0.0 or a denormal; Splink 5 refuses
    such a value with a ValueError in the middle of the session (its setters reject m < 1e-300).
    The floor keeps the estimate a tiny positive number instead, which is what it means.
    """
    original = _em.compute_proportions_for_new_parameters

    def floored(df_params: SplinkDataFrame) -> list[dict[str, Any]]:
        records: list[dict[str, Any]] = original(df_params)
        for record in records:
            for key in ("m_probability", "u_probability"):
                value = record.get(key)
                if isinstance(value, float) and value < EM_FLOOR:
                    record[key] = EM_FLOOR
        return records

    _em.compute_proportions_for_new_parameters = floored
    try:
        yield
    finally:
        _em.compute_proportions_for_new_parameters = original


@contextmanager
def quiet_splink() -> Iterator[None]:
    """Splink's progress and advice stay out of harmtrace's output; its errors still raise."""
    logger = logging.getLogger("splink")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)
