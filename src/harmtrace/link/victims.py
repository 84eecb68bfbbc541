"""`link_victims`: every victim record in the store linked into persons, in one run.

A run (one `link_run` row):

1. builds the linkage features of every victim record (`harmtrace.link.features`);
2. trains the model of the chosen configuration, unsupervised (`harmtrace.link.victim_model`, trained by
   `harmtrace.link.engine`);
3. scores the candidate pairs of the blocking rules and keeps those with a match probability of at
   least `REVIEW_FLOOR` in `link_pair` (``id_l < id_r``), each with a JSON ``detail``: per comparison,
   the level the pair reached and its match weight (log2 Bayes factor, term frequencies included),
   so that a reviewer sees why the pair scored as it did (`harmtrace.link.runs`, shared with incidents);
4. clusters the pairs at `threshold`, respecting analyst decisions (`harmtrace.link.clusters`), with
   the guards against chaining of `harmtrace.link.chaining` (a family name alone links nothing; two
   records of one list, or with plainly different names, are not one person through others), and
   gives the clusters stable person ids (`harmtrace.link.identity`).

The run row, its pairs and the persons are written in one transaction (`assign_persons` joins it):
if clustering or identities fail, or the process is killed, the store keeps the previous run and
persons and no half-finished run.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any, Final

import pyarrow as pa

from harmtrace.choices import VICTIM_THRESHOLD as DEFAULT_THRESHOLD
from harmtrace.choices import Config
from harmtrace.errors import QueryError, param
from harmtrace.link.chaining import NAME_COLUMNS, chained_apart, family_only_capped
from harmtrace.link.clusters import Clustering, cluster_records
from harmtrace.link.engine import Backend, TrainedModel
from harmtrace.link.features import FEATURE_TABLE, build_features, features_arrow
from harmtrace.link.identity import IdentityChanges, assign_persons
from harmtrace.link.kinds import VICTIMS
from harmtrace.link.relatives import ELIMINATION, free_relatives, relative_candidates
from harmtrace.link.runs import finish_run, mark_pairs, score_features, write_run
from harmtrace.link.spec import LinkageSpec
from harmtrace.link.victim_model import feature_columns, spec_for, victim_comparisons
from harmtrace.progress import Clock, Progress, silent
from harmtrace.store import Store

KIND: Final = VICTIMS.kind


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
    progress: Progress = silent,
) -> LinkRun:
    """Link every victim record in the store into persons (module docstring); returns the counts.

    `threshold` is the match probability (0-1) at which two records are one person; `spec`
    overrides the configuration's specification; `backend` is where Splink runs (default: a
    private in-memory DuckDB); `progress` is told each step as it starts.
    """
    if not 0.0 < threshold <= 1.0:
        raise QueryError(
            f"{param('threshold')} is a match probability above 0 and at most 1 (got {threshold})."
        )
    spec = spec or spec_for(config)
    started = datetime.now(UTC).replace(tzinfo=None)
    clock = Clock(progress)
    with clock("features"):
        records = build_features(store)
    if not records:
        raise QueryError("No victim records in the store: import a list first (harmtrace ingest victims).")
    model, scored, names = _score(store, spec, backend, clock)
    with store.transaction():
        with clock("write pairs"):
            candidates = relative_candidates(scored, names, threshold)
            capped = family_only_capped(scored, names, threshold, candidates)
            run_id = write_run(store, model, capped, started, records, threshold, KIND)
        with clock("persons"):
            clustering = _persons(store, run_id, threshold, names, candidates)
            identities = assign_persons(
                store, run_id, clustering.representative_of(), clustering.probability_of()
            )
        finish_run(store, run_id, identities.persons)
    return _summary(store, run_id, spec, threshold, scored.num_rows, identities, clock.seconds)


def _score(
    store: Store, spec: LinkageSpec, backend: Backend | None, clock: Clock
) -> tuple[TrainedModel, pa.Table, pa.Table]:
    """Train on the features and score the blocked pairs, on `backend`; also the names that keep
    chained records apart (`chaining.chained_apart`)."""
    table = features_arrow(store, feature_columns(spec), where=spec.linkable)
    store.con.execute(f"DROP TABLE IF EXISTS {FEATURE_TABLE}")  # its copy is all Splink needs
    model, scored = score_features(table, spec, victim_comparisons(spec), backend, clock)
    return model, scored, _chain_names(table, spec)


def _chain_names(table: pa.Table, spec: LinkageSpec) -> pa.Table:
    """unique_id, source_dataset, `chaining.NAME_COLUMNS` (the plain configuration's words stand for
    both key and skeleton), and relation and name_number where the configuration has them."""
    columns = {"unique_id": table["unique_id"], "source_dataset": table["source_dataset"]}
    for name in NAME_COLUMNS:
        part, _ = name.rsplit("_", 1)
        columns[name] = table[f"plain_{part}" if spec.config == "plain" else name]
    for extra in ("relation", "name_number"):
        if extra in table.column_names:
            columns[extra] = table[extra]
    return pa.table(columns)


def _persons(
    store: Store, run_id: int, threshold: float, names: pa.Table, candidates: pa.Table
) -> Clustering:
    """The run's clusters, with records chained through disagreement kept apart (`chaining`); then
    relatives' only free candidates linked (`relatives.free_relatives`) and the clusters made again."""
    clustering = _clusters(store, run_id, threshold, names)
    free = free_relatives(candidates, clustering, names)
    if not free[0].size:
        return clustering
    mark_pairs(store, run_id, free, ELIMINATION)
    return _clusters(store, run_id, threshold, names)


def _clusters(store: Store, run_id: int, threshold: float, names: pa.Table) -> Clustering:
    linked = cluster_records(store, run_id, threshold)
    apart = chained_apart(store, run_id, threshold, linked, names)
    return cluster_records(store, run_id, threshold, apart=apart) if apart[0].size else linked


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
