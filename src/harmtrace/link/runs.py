"""The machinery a linkage run of either kind shares: train, score, write the run and its pairs.

`harmtrace.link.victims` (records into persons) and `harmtrace.link.incidents` (reports into
incidents) each build their feature table and cluster their own way; in between they do the same:

1. `score_features`: train the model of a `LinkageSpec` on the feature table, unsupervised, score the
   candidate pairs of its blocking rules, calibrate the prior on them (`calibrated_prior`) and keep
   the pairs at or above REVIEW_FLOOR;
2. `write_run`: the `link_run` row (kind 'victims' or 'incidents') and its pairs in `link_pair`
   (``id_l < id_r``), each with a JSON ``detail``: per comparison, the level the pair reached and its
   match weight (log2 Bayes factor, term frequencies included), so that a reviewer sees why the pair
   scored as it did, and method 'model' (incident runs add pairs of method 'cited':
   `harmtrace.link.citations`); `finish_run` stamps it done once its clusters are written.

`Clock` times the named steps of a run (seconds, wall clock) and reports each as it starts.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from harmtrace.link.engine import (
    Backend,
    Comparison,
    DuckDBBackend,
    LevelWeights,
    TrainedModel,
    calibrated_prior,
    level_m,
    level_weights,
    predict,
    quiet_splink,
    shift_weights,
    train,
    with_prior,
)
from harmtrace.link.spec import LinkageSpec
from harmtrace.progress import Clock
from harmtrace.store import Store
from harmtrace.version import __version__

REVIEW_FLOOR: Final = 0.01  # pairs below this match probability are not kept
# pairs are predicted from a tenth of it: calibrating the prior may lift a pair above REVIEW_FLOOR
PREDICT_FLOOR: Final = REVIEW_FLOOR / 10
COLLAPSED: Final = 1e-11  # a calibrated prior this low has collapsed to `calibrated_prior`'s floor


def score_features(
    table: pa.Table,
    spec: LinkageSpec,
    comparisons: Sequence[Comparison],
    backend: Backend | None,
    clock: Clock,
    labels: pa.Table | None = None,
) -> tuple[TrainedModel, pa.Table]:
    """Train `spec` and its `comparisons` on the feature `table` (and the labelled pairs `labels`, if
    any: `train`) and score its blocked pairs, on `backend` (closed after); the model with its
    calibrated prior and the pairs at or above REVIEW_FLOOR."""
    backend = backend or DuckDBBackend()
    try:
        frame = backend.register(table)
        with clock("train"):
            model = train(spec, comparisons, frame, clock, labels)
        with clock("predict"), quiet_splink():
            if model.unlabelled is not None and labels is not None and spec.prior_by_source_pair:
                scored = _predict_by_labelled_sources(model, frame, table, labels)
            else:
                scored = predict(model, frame, PREDICT_FLOOR)
        if spec.prior_by_source_pair:
            model, scored = _calibrate_by_source_pair(model, scored, table)
        else:
            model, scored = _calibrate(model, scored, table.num_rows)
    finally:
        backend.close()
    return model, scored


def by_labelled_sources(table: pa.Table, labels: pa.Table, labelled: pa.Table, plain: pa.Table) -> pa.Table:
    """The pairs of the pairs of sources some label names as scored with the labels (`labelled`), the
    others as scored without (`plain`): labels of UCDP against a monitor say how those two sources
    agree on a strike, not how two videos of an archive do."""
    ids, index = table.column("unique_id"), SourceIndex(table)
    inside = pc.and_(pc.is_in(labels.column("unique_id_l"), ids), pc.is_in(labels.column("unique_id_r"), ids))
    named = np.unique(index.classes(labels.filter(inside)))
    keep = np.isin(index.classes(labelled), named)
    other = ~np.isin(index.classes(plain), named)
    return pa.concat_tables([labelled.filter(pa.array(keep)), plain.filter(pa.array(other))])


def _predict_by_labelled_sources(
    model: TrainedModel, frame: Any, table: pa.Table, labels: pa.Table
) -> pa.Table:
    """`by_labelled_sources` of the pairs as `model` and as `model.without_labels()` score them, from
    one prediction where it can: the two differ in m only, so the model whose every level weighs the
    more of the two finds every pair either keeps, and each pair is rescored under both from its levels.
    Should a level of it not weigh at least as much as both (an m Splink reads otherwise), each model
    predicts on its own."""
    plain = model.without_labels()
    ms = level_m(model, frame), level_m(plain, frame)
    widest = model.with_m({name: [_larger(a, b) for a, b in zip(ms[0][name], ms[1][name], strict=True)]
                           for name in ms[0]})  # fmt: skip
    weights = {
        name: level_weights(m, frame) for name, m in (("model", model), ("plain", plain), ("widest", widest))
    }
    if not _dominates(weights["widest"], (weights["model"], weights["plain"])):
        return by_labelled_sources(
            table, labels, predict(model, frame, PREDICT_FLOOR), predict(plain, frame, PREDICT_FLOOR)
        )
    scored = predict(widest, frame, PREDICT_FLOOR)
    return by_labelled_sources(
        table,
        labels,
        _rescored(scored, weights["widest"], weights["model"]),
        _rescored(scored, weights["widest"], weights["plain"]),
    )


def _larger(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else max(a, b)


def _dominates(widest: LevelWeights, others: tuple[LevelWeights, ...]) -> bool:
    return all(
        math.isfinite(w) and all(math.isfinite(o[name][gamma]) and w >= o[name][gamma] for o in others)
        for name, levels in widest.items()
        for gamma, w in levels.items()
    )


def _rescored(scored: pa.Table, before: LevelWeights, after: LevelWeights) -> pa.Table:
    """Pairs predicted with the level weights `before` (`engine.predict`) as a model of the level weights
    `after` scores them: each comparison's weight moves by the difference of its level's weights; the
    pairs below the prediction's floor are dropped."""
    total = scored.column("match_weight").to_numpy(zero_copy_only=False).astype(np.float64)
    for name, levels in after.items():
        gamma = scored.column(f"gamma_{name}").to_numpy(zero_copy_only=False).astype(np.int64)
        delta = _by_gamma(levels, gamma) - _by_gamma(before[name], gamma)
        column = f"w_{name}"
        moved = scored.column(column).to_numpy(zero_copy_only=False).astype(np.float64) + delta
        scored = scored.set_column(scored.schema.get_field_index(column), column, pa.array(moved))
        total = total + delta
    probabilities = 1.0 / (1.0 + np.exp2(-total))
    return _with_weights(scored, total, probabilities).filter(pa.array(probabilities >= PREDICT_FLOOR))


def _by_gamma(weights: dict[int, float], gamma: np.ndarray) -> np.ndarray:
    """Each pair's level weight, by its gamma (a lookup table indexed from -1)."""
    table = np.zeros(max(weights) + 2)
    for value, weight in weights.items():
        table[value + 1] = weight
    found: np.ndarray = table[gamma + 1]
    return found


def _calibrate(model: TrainedModel, scored: pa.Table, records: int) -> tuple[TrainedModel, pa.Table]:
    """The model with its prior calibrated on the scored pairs (`calibrated_prior`), and the pairs
    rescored with it, those below REVIEW_FLOOR dropped."""
    prior = model.prior
    weights = scored.column("match_weight").to_numpy(zero_copy_only=False).astype(np.float64)
    calibrated = calibrated_prior(weights, prior, records * (records - 1) / 2)
    weights = shift_weights(weights, prior, calibrated)
    probabilities = 1.0 / (1.0 + np.exp2(-weights))
    scored = _with_weights(scored, weights, probabilities)
    return with_prior(model, calibrated), scored.filter(pa.array(probabilities >= REVIEW_FLOOR))


def _calibrate_by_source_pair(
    model: TrainedModel, scored: pa.Table, table: pa.Table
) -> tuple[TrainedModel, pa.Table]:
    """The model with one prior per pair of sources, each calibrated on the scored pairs of that pair of
    sources against all its pairs (`calibrated_prior`), and the pairs rescored with it.

    Two reports of one source match far less often than a source's report and another's: a monitor
    lists a strike once, while event data and a monitor both list most strikes they share. One prior
    for all pairs is set by the many pairs within sources, and pairs across sources never recover.

    A pair of two sources gets at least the prior calibrated on all pairs: a report is assumed to
    match one of another source's at least as often as two reports taken at random. Without the floor,
    weak evidence across two sources (no labels, EM trained on one source's duplicates) drives their
    prior to 0, the only fixed point when the pairs' Bayes factors sum to less than the pairs there are.
    Where all pairs together collapse so, the first guess of the blocking rules stands (`_or_guess`).
    """
    prior = model.prior
    weights = scored.column("match_weight").to_numpy(zero_copy_only=False).astype(np.float64)
    overall = _or_guess(calibrated_prior(weights, prior, table.num_rows * (table.num_rows - 1) / 2), prior)
    classes, totals, names = source_pair_classes(table, scored)
    priors = np.full(len(totals), overall)
    width = math.isqrt(len(totals))
    for k, total in enumerate(totals):
        mask = classes == k
        if mask.any():
            calibrated = calibrated_prior(weights[mask], prior, total)
            priors[k] = calibrated if k // width == k % width else max(calibrated, overall)
    prior_weights = np.log2(priors / (1 - priors))[classes] if classes.size else np.zeros(0)
    weights = weights - math.log2(prior / (1 - prior)) + prior_weights
    probabilities = 1.0 / (1.0 + np.exp2(-weights))
    scored = _with_weights(scored, weights, probabilities).append_column("w_prior", pa.array(prior_weights))
    scored = scored.append_column("prior_of", pa.array([f"pairs of {names[k]}" for k in classes.tolist()]))
    used = {names[k]: float(priors[k]) for k in np.unique(classes)}
    return with_prior(model, prior, used), scored.filter(pa.array(probabilities >= REVIEW_FLOOR))


def _or_guess(calibrated: float, guess: float) -> float:
    """`calibrated`, unless calibration collapsed to its floor (the model saw no evidence of matches
    strong enough to keep any prior): then `guess`, the prior of the deterministic rules."""
    return guess if calibrated <= COLLAPSED else calibrated


class SourceIndex:
    """The source of every record of a feature table, to class pairs of records by pair of sources."""

    def __init__(self, table: pa.Table) -> None:
        ids = table.column("unique_id").to_numpy(zero_copy_only=False)
        sources = table.column("source_dataset").fill_null("").to_numpy(zero_copy_only=False)
        order = np.argsort(ids)
        self.names, self.codes = np.unique(sources[order], return_inverse=True)
        self.sizes = np.bincount(self.codes, minlength=len(self.names)).astype(np.float64)
        self.sorted_ids = ids[order]

    def classes(self, pairs: pa.Table) -> np.ndarray:
        """Per pair (``unique_id_l``, ``unique_id_r``), the index of its pair of sources."""
        a, b = (self.codes[np.searchsorted(self.sorted_ids, pairs.column(c).to_numpy(zero_copy_only=False))]
                for c in ("unique_id_l", "unique_id_r"))  # fmt: skip
        found: np.ndarray = np.minimum(a, b) * len(self.names) + np.maximum(a, b)
        return found


def source_pair_classes(table: pa.Table, scored: pa.Table) -> tuple[np.ndarray, list[float], list[str]]:
    """Per scored pair, the index of its pair of sources; per index, how many pairs of records that pair
    of sources has (n_a * n_b, or n (n - 1) / 2 within one source) and its name "a | b" (sorted)."""
    index = SourceIndex(table)
    count, sizes, names = len(index.names), index.sizes, index.names
    totals = [
        sizes[i] * (sizes[i] - 1) / 2 if i == j else sizes[i] * sizes[j]
        for i in range(count)
        for j in range(count)
    ]
    labels = [f"{names[i]} | {names[j]}" for i in range(count) for j in range(count)]
    return index.classes(scored), totals, labels


def _with_weights(scored: pa.Table, weights: np.ndarray, probabilities: np.ndarray) -> pa.Table:
    for name, values in (("match_weight", weights), ("match_probability", probabilities)):
        scored = scored.set_column(scored.schema.get_field_index(name), name, pa.array(values))
    return scored


def _detail_sql(model: TrainedModel) -> str:
    """SQL building the detail JSON of a scored pair: {comparison: {"level": label, "weight": w}, ...,
    "prior": w0}; the weights (log2 Bayes factors) and the prior's log2 odds add up to match_weight."""
    parts = []
    for name, labels in model.level_labels().items():
        cases = " ".join(f"WHEN {value} THEN '{label.replace(chr(39), chr(39) * 2)}'" for value, label in
                         labels.items())  # fmt: skip
        parts.append(
            f"'{name}', json_object('level', CASE gamma_{name} {cases} END, 'weight', round(w_{name}, 2))"
        )
    prior = model.prior
    prior_sql = "round(w_prior, 2)" if model.priors else str(round(math.log2(prior / (1 - prior)), 2))
    parts.append(f"'prior', {prior_sql}")
    if model.priors:
        parts.append("'prior_of', prior_of")
    return f"CAST(json_object({', '.join(parts)}) AS VARCHAR)"


def write_run(
    store: Store,
    model: TrainedModel,
    scored: pa.Table,
    started: datetime,
    records: int,
    threshold: float,
    kind: str,
) -> int:
    """The link_run row and its pairs (of `kind`), in one transaction; the new run id."""
    rules = [r.sql() for r in model.spec.blocking_rules]
    store.con.register("ht_scored_pairs", scored)
    try:
        with store.transaction() as con:
            run_id = int(store.scalar("SELECT coalesce(max(run_id), 0) + 1 FROM link_run"))
            con.execute(
                "INSERT INTO link_run VALUES (?, ?, ?, NULL, ?, ?, NULL, ?, ?, ?, ?)",
                [
                    run_id,
                    kind,
                    started,
                    records,
                    scored.num_rows,
                    threshold,
                    model.to_json(),
                    rules,
                    __version__,
                ],
            )
            con.execute(
                "INSERT INTO link_pair (run_id, kind, id_l, id_r, match_weight, match_probability, detail) "
                f"SELECT ?, ?, least(unique_id_l, unique_id_r), "
                f"greatest(unique_id_l, unique_id_r), match_weight, match_probability, {_detail_sql(model)} "
                "FROM ht_scored_pairs",
                [run_id, kind],
            )
    finally:
        store.con.unregister("ht_scored_pairs")
    return run_id


def mark_pairs(
    store: Store, run_id: int, pairs: tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]], method: str
) -> None:
    """Set the method of the run's pairs (id_l < id_r, as two arrays) to `method`."""
    store.con.register("ht_marked_pairs", pa.table({"id_l": pairs[0], "id_r": pairs[1]}))
    try:
        store.con.execute(
            "UPDATE link_pair p SET method = ? FROM ht_marked_pairs m "
            "WHERE p.run_id = ? AND p.id_l = m.id_l AND p.id_r = m.id_r",
            [method, run_id],
        )
    finally:
        store.con.unregister("ht_marked_pairs")


def finish_run(store: Store, run_id: int, clusters: int) -> None:
    """Stamp run `run_id` finished with its number of clusters (persons or incidents)."""
    store.con.execute(
        "UPDATE link_run SET finished_at = ?, clusters = ? WHERE run_id = ?",
        [datetime.now(UTC).replace(tzinfo=None), clusters, run_id],
    )
