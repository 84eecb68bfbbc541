"""`link_victims`: every victim record in the store linked into persons, in one run.

A run (one `link_run` row):

1. builds the linkage features of every victim record (`harmtrace.link.features`);
2. trains the model of the chosen configuration, unsupervised (`harmtrace.link.model`);
3. scores the candidate pairs of the blocking rules and keeps those with a match probability of at
   least `REVIEW_FLOOR` in `link_pair` (``id_l < id_r``), each with a JSON ``detail``: per comparison,
   the level the pair reached and its match weight (log2 Bayes factor, term frequencies included),
   so that a reviewer sees why the pair scored as it did;
4. clusters the pairs at `threshold`, respecting analyst decisions (`harmtrace.link.clusters`), and
   gives the clusters stable person ids (`harmtrace.link.identity`).

The run row, its pairs and the persons are written in one transaction (`assign_persons` joins it):
if clustering or identities fail, or the process is killed, the store keeps the previous run and
persons and no half-finished run.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any, Final

import numpy as np
import pyarrow as pa

from harmtrace import __version__
from harmtrace.errors import QueryError
from harmtrace.link.clusters import cluster_records
from harmtrace.link.features import FEATURE_TABLE, build_features, features_arrow
from harmtrace.link.identity import IdentityChanges, assign_persons
from harmtrace.link.model import (
    Backend,
    Config,
    DuckDBBackend,
    LinkageSpec,
    TrainedModel,
    calibrated_prior,
    feature_columns,
    quiet_splink,
    shift_weights,
    spec_for,
    train,
    with_prior,
)
from harmtrace.store import Store

KIND: Final = "victims"
REVIEW_FLOOR: Final = 0.01  # pairs below this match probability are not kept
DEFAULT_THRESHOLD: Final = 0.9  # the best pairwise F1 on simulated lists (docs/linkage.md)


@dataclass(frozen=True)
class LinkRun:
    """What a run did: records, pairs kept and linked, persons, identity changes, seconds per step."""

    run_id: int
    config: str
    threshold: float
    records: int
    pairs_scored: int
    pairs_linked: int
    persons: int
    duplicate_persons: int
    identities: IdentityChanges
    seconds: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def link_victims(
    store: Store,
    *,
    config: Config = "arabic",
    threshold: float = DEFAULT_THRESHOLD,
    backend: Backend | None = None,
    spec: LinkageSpec | None = None,
) -> LinkRun:
    """Link every victim record in the store into persons (module docstring); returns the counts.

    `threshold` is the match probability (0-1) at which two records are one person; `spec`
    overrides the configuration's specification; `backend` is where Splink runs (default: a
    private in-memory DuckDB).
    """
    if not 0.0 < threshold <= 1.0:
        raise QueryError(f"--threshold is a match probability above 0 and at most 1 (got {threshold}).")
    spec = spec or spec_for(config)
    started = datetime.now(UTC).replace(tzinfo=None)
    clock = Clock()
    with clock("features"):
        records = build_features(store)
    if not records:
        raise QueryError("No victim records in the store: import a list first (harmtrace ingest victims).")
    model, scored = _score(store, spec, backend, clock)
    with store.transaction():
        with clock("write pairs"):
            run_id = _write_run(store, model, scored, started, records, threshold)
        with clock("persons"):
            clustering = cluster_records(store, run_id, threshold)
            identities = assign_persons(
                store, run_id, clustering.representative_of(), clustering.probability_of()
            )
        _finish_run(store, run_id, identities.persons)
    return _summary(store, run_id, spec, threshold, scored.num_rows, identities, clock.seconds)


def _score(
    store: Store, spec: LinkageSpec, backend: Backend | None, clock: Clock
) -> tuple[TrainedModel, pa.Table]:
    """Train on the features and score the blocked pairs, on `backend`."""
    table = features_arrow(store, feature_columns(spec), where=spec.linkable)
    store.con.execute(f"DROP TABLE IF EXISTS {FEATURE_TABLE}")  # its copy is all Splink needs
    return score_features(table, spec, backend, clock)


def score_features(
    table: pa.Table, spec: LinkageSpec, backend: Backend | None, clock: Clock
) -> tuple[TrainedModel, pa.Table]:
    """Train `spec` on the feature `table` and score its blocked pairs, on `backend` (closed after);
    the model with its calibrated prior and the pairs at or above REVIEW_FLOOR. Shared by incidents."""
    backend = backend or DuckDBBackend()
    try:
        frame = backend.register(table)
        with clock("train"):
            model = train(spec, frame)
        with clock("predict"), quiet_splink():
            scored = _predict(model, frame)
        model, scored = _calibrate(model, scored, table.num_rows)
    finally:
        backend.close()
    return model, scored


def _predict(model: TrainedModel, frame: Any) -> pa.Table:
    """Pairs at or above REVIEW_FLOOR: ids, weight, probability, and per comparison gamma and weight."""
    linker = model.linker(frame)
    # below the floor too: calibrating the prior may lift a pair above it
    predictions = linker.inference.predict(
        threshold_match_probability=REVIEW_FLOOR / 10, warning_mode="never"
    )
    columns = ["unique_id_l", "unique_id_r", "match_weight", "match_probability"]
    for name, tf in _comparison_columns(model):
        weight = f"mw_{name} + coalesce(mw_tf_adj_{name}, 0)" if tf else f"mw_{name}"
        columns += [f"gamma_{name}", f"{weight} AS w_{name}"]
    selected = predictions.query_sql(f"SELECT {', '.join(columns)} FROM {{this}}")
    table: pa.Table = selected.as_pyarrow_table()  # type: ignore[no-untyped-call]
    return table


def _calibrate(model: TrainedModel, scored: pa.Table, records: int) -> tuple[TrainedModel, pa.Table]:
    """The model with its prior calibrated on the scored pairs (`calibrated_prior`), and the pairs
    rescored with it, those below REVIEW_FLOOR dropped."""
    prior = float(model.splink["probability_two_random_records_match"])
    weights = scored.column("match_weight").to_numpy(zero_copy_only=False).astype(np.float64)
    calibrated = calibrated_prior(weights, prior, records * (records - 1) / 2)
    weights = shift_weights(weights, prior, calibrated)
    probabilities = 1.0 / (1.0 + np.exp2(-weights))
    scored = scored.set_column(
        scored.schema.get_field_index("match_weight"), "match_weight", pa.array(weights)
    )
    scored = scored.set_column(
        scored.schema.get_field_index("match_probability"), "match_probability", pa.array(probabilities)
    )
    return with_prior(model, calibrated), scored.filter(pa.array(probabilities >= REVIEW_FLOOR))


def _comparison_columns(model: TrainedModel) -> list[tuple[str, bool]]:
    """(comparison name, has term-frequency adjustments) for each comparison of the model."""
    return [
        (c["output_column_name"], any(lv.get("tf_adjustment_column") for lv in c["comparison_levels"]))
        for c in model.splink["comparisons"]
    ]


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
    prior = float(model.splink["probability_two_random_records_match"])
    parts.append(f"'prior', {round(math.log2(prior / (1 - prior)), 2)}")
    return f"CAST(json_object({', '.join(parts)}) AS VARCHAR)"


def _write_run(
    store: Store,
    model: TrainedModel,
    scored: pa.Table,
    started: datetime,
    records: int,
    threshold: float,
    kind: str = KIND,
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
                f"INSERT INTO link_pair SELECT ?, ?, least(unique_id_l, unique_id_r), "
                f"greatest(unique_id_l, unique_id_r), match_weight, match_probability, {_detail_sql(model)} "
                "FROM ht_scored_pairs",
                [run_id, kind],
            )
    finally:
        store.con.unregister("ht_scored_pairs")
    return run_id


def _finish_run(store: Store, run_id: int, persons: int) -> None:
    store.con.execute(
        "UPDATE link_run SET finished_at = ?, clusters = ? WHERE run_id = ?",
        [datetime.now(UTC).replace(tzinfo=None), persons, run_id],
    )


def _summary(
    store: Store,
    run_id: int,
    spec: LinkageSpec,
    threshold: float,
    pairs: int,
    identities: IdentityChanges,
    seconds: dict[str, float],
) -> LinkRun:
    linked = store.scalar(
        "SELECT count(*) FROM link_pair WHERE run_id = ? AND kind = ? AND match_probability >= ?",
        [run_id, KIND, threshold],
    )
    duplicates = store.scalar(
        "SELECT count(*) FROM (SELECT person_id FROM person_member WHERE run_id = ? "
        "GROUP BY person_id HAVING count(*) > 1)",
        [run_id],
    )
    return LinkRun(
        run_id=run_id,
        config=spec.config,
        threshold=threshold,
        records=identities.records,
        pairs_scored=pairs,
        pairs_linked=int(linked),
        persons=identities.persons,
        duplicate_persons=int(duplicates),
        identities=identities,
        seconds={k: round(v, 2) for k, v in seconds.items()},
    )


class Clock:
    """Seconds per named step."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    @contextmanager
    def __call__(self, step: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[step] = self.seconds.get(step, 0.0) + time.perf_counter() - started


write_run = _write_run  # shared with `harmtrace.link.incidents`
finish_run = _finish_run
