"""How well the persons in the store match a known truth: pairwise and B-cubed measures, blocking recall.

The truth is a CSV with columns ``source``, ``record_id`` and ``person_id`` (as `harmtrace simulate
victims` writes truth.csv): each row names a record by its source and its own id in that source, and
the person it truly is. Truth rows are matched to the stored victim records on (source name,
record_id); a source that lists one record id twice has both records take that row's person.

What is counted, and how:

- Only records both in the store and in the truth are evaluated; the others are reported as
  ``truth_not_stored`` and ``stored_not_in_truth``, never silently counted.
- The clustering evaluated is the current one (`person_member`, written by the last linkage run); a
  stored record no person holds counts as a cluster of its own.
- A pair is two evaluated records, whatever their sources: two records of one person in the same
  source (a within-source duplicate) are a true pair like two records in different sources, and a
  cluster joining two records of one source is a predicted pair like any other.
- Pairwise: true pairs are the pairs of records of one true person, predicted pairs those of one
  cluster; precision = shared / predicted, recall = shared / true, F1 their harmonic mean. A person
  listed once (a singleton) adds no true pair; a singleton cluster adds no predicted pair. A measure
  whose denominator is 0 is None (undefined), not 0 or 1.
- B-cubed (Bagga and Baldwin 1998): for each evaluated record, precision is the share of its cluster
  that is its true person and recall the share of its true person that is in its cluster; both are
  averaged over records. Singletons count here: a correct singleton scores 1 and 1.
- Run pairs (`threshold` given): the run's scored pairs at or above the threshold, taken as they are
  (before clustering), against the true pairs.
- Blocking recall: the share of true pairs that the run's blocking rules generate as candidates
  (before any scoring), per rule and together; a pair the rules never generate cannot be linked
  except through other records of its cluster.

Incidents (`evaluate_incidents`) are measured the same way: the truth names each report's incident
in a column ``incident_id`` (as `harmtrace simulate reports` writes truth.csv), the clustering is
`incident_member`, and blocking recall applies the incident model's rules to the report features.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Final

from harmtrace.errors import InputError, QueryError
from harmtrace.link.engine import TrainedModel
from harmtrace.link.features import FEATURE_TABLE, build_features
from harmtrace.link.incident_features import INCIDENT_FEATURE_TABLE, build_incident_features
from harmtrace.link.kinds import INCIDENTS, VICTIMS, EntityKind
from harmtrace.link.spec import BlockingRule
from harmtrace.store import Store

TRUTH_COLUMNS: Final = ("source", "record_id", "person_id")
_TRUTH: Final = "ht_eval_truth"  # evaluated records: victim_id, person (truth), cluster (current)


@dataclass(frozen=True)
class Scores:
    """Precision, recall and F1 (None where undefined) with the counts behind them."""

    precision: float | None
    recall: float | None
    f1: float | None
    shared: int | None = None
    predicted: int | None = None
    true: int | None = None


@dataclass(frozen=True)
class VictimEvaluation:
    """Every measure of `evaluate_victims`, with the counts needed to read them."""

    truth_rows: int
    records: int
    truth_not_stored: int
    stored_not_in_truth: int
    persons_true: int
    clusters: int
    pairwise: Scores
    bcubed: Scores
    run_id: int | None = None
    threshold: float | None = None
    run_pairs: Scores | None = None
    blocking_recall: float | None = None
    blocking_by_rule: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def evaluate_victims(
    store: Store, truth_csv: Path, *, run_id: int | None = None, threshold: float | None = None
) -> VictimEvaluation:
    """Score the store's current persons against `truth_csv` (module docstring).

    `run_id` (default: the latest finished victims run) gives the blocking rules measured for
    blocking recall and, with `threshold`, the scored pairs measured as they are.
    """
    return _evaluate(store, truth_csv, run_id, threshold, VICTIMS)


def evaluate_incidents(
    store: Store, truth_csv: Path, *, run_id: int | None = None, threshold: float | None = None
) -> VictimEvaluation:
    """Score the store's current incidents against `truth_csv` (source, record_id, incident_id), as
    `evaluate_victims` does persons (``persons_true`` then counts the true incidents)."""
    return _evaluate(store, truth_csv, run_id, threshold, INCIDENTS)


def _evaluate(
    store: Store, truth_csv: Path, run_id: int | None, threshold: float | None, kind: EntityKind
) -> VictimEvaluation:
    truth_rows = _load_truth(store, truth_csv, kind)
    try:
        run = _run(store, run_id, kind)
        counts = _counts(store, truth_rows, kind)
        pairwise = _pairwise(store)
        evaluation = VictimEvaluation(
            **counts, pairwise=pairwise, bcubed=_bcubed(store), run_id=run[0] if run else None
        )
        if run is not None:
            evaluation = _with_run(store, evaluation, run, threshold, pairwise.true, kind)
    finally:
        store.con.execute(f"DROP TABLE IF EXISTS {_TRUTH}")
    return evaluation


def _load_truth(store: Store, truth_csv: Path, kind: EntityKind = VICTIMS) -> int:
    """Match the truth to stored records in a temporary table; the truth's row count.

    The table's columns keep the victims' names: victim_id is the record's id (a report id for
    incidents), person its true cluster, cluster its current one."""
    wanted = (*TRUTH_COLUMNS[:2], kind.entity_key)
    if not truth_csv.is_file():
        raise InputError(f"Truth file {truth_csv} not found: give a CSV with columns {', '.join(wanted)}.")
    relation = store.con.read_csv(str(truth_csv), all_varchar=True, header=True)
    missing = [c for c in wanted if c not in relation.columns]
    if missing:
        raise InputError(
            f"Truth file {truth_csv} lacks column(s) {', '.join(missing)} (it has "
            f"{', '.join(relation.columns)}): it needs {', '.join(wanted)}, one row per record."
        )
    table, key, member, entity = kind.record_table, kind.record_key, kind.member_table, kind.entity_key
    store.con.register("ht_eval_truth_csv", relation)
    try:
        rows = int(store.scalar("SELECT count(*) FROM ht_eval_truth_csv"))
        store.con.execute(
            f"CREATE OR REPLACE TEMP TABLE {_TRUTH} AS SELECT v.{key} AS victim_id, t.{entity} AS person, "
            f"coalesce(m.{entity}, 'record ' || v.{key}) AS cluster FROM ht_eval_truth_csv t "
            "JOIN source s ON s.name = t.source "
            f"JOIN {table} v ON v.source_id = s.source_id AND v.record_id = t.record_id "
            f"LEFT JOIN {member} m ON m.{key} = v.{key}"
        )
        store.con.execute(
            "CREATE OR REPLACE TEMP TABLE ht_eval_truth_unmatched AS SELECT count(*) AS n "
            "FROM ht_eval_truth_csv t WHERE NOT EXISTS (SELECT 1 FROM source s "
            f"JOIN {table} v ON v.source_id = s.source_id "
            "WHERE s.name = t.source AND v.record_id = t.record_id)"
        )
    finally:
        store.con.unregister("ht_eval_truth_csv")
    return rows


def _counts(store: Store, truth_rows: int, kind: EntityKind = VICTIMS) -> dict[str, Any]:
    row = store.rows(
        "SELECT count(*) AS records, count(DISTINCT person) AS persons_true, "
        "count(DISTINCT cluster) AS clusters, (SELECT n FROM ht_eval_truth_unmatched) AS truth_not_stored, "
        f"(SELECT count(*) FROM {kind.record_table}) - count(DISTINCT victim_id) AS stored_not_in_truth "
        f"FROM {_TRUTH}"
    )[0]
    store.con.execute("DROP TABLE IF EXISTS ht_eval_truth_unmatched")
    return {"truth_rows": truth_rows, **{k: int(v) for k, v in row.items()}}


def _pairs_sql(group: str) -> str:
    """Number of record pairs within each group of `group` columns, summed."""
    groups = f"SELECT count(*) AS n FROM {_TRUTH} GROUP BY {group}"
    return f"SELECT coalesce(sum(n * (n - 1) // 2), 0) FROM ({groups})"


def _pairwise(store: Store) -> Scores:
    shared = int(store.scalar(_pairs_sql("person, cluster")))
    predicted = int(store.scalar(_pairs_sql("cluster")))
    true = int(store.scalar(_pairs_sql("person")))
    return scores(shared, predicted, true)


def scores(shared: int, predicted: int, true: int) -> Scores:
    """Precision shared / predicted, recall shared / true, and F1; None where a denominator is 0.

    >>> scores(3, 4, 6)
    Scores(precision=0.75, recall=0.5, f1=0.6, shared=3, predicted=4, true=6)
    """
    precision = shared / predicted if predicted else None
    recall = shared / true if true else None
    return Scores(_round(precision), _round(recall), _round(_f1(precision, recall)), shared, predicted, true)


def _f1(precision: float | None, recall: float | None) -> float | None:
    if precision is None or recall is None:
        return None
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 6)


def _bcubed(store: Store) -> Scores:
    """Mean over records of |cluster ∩ person| / |cluster| and / |person|."""
    row = store.rows(
        f"WITH cells AS (SELECT person, cluster, count(*) AS n FROM {_TRUTH} GROUP BY ALL), "
        "sizes AS (SELECT person, cluster, n, sum(n) OVER (PARTITION BY cluster) AS in_cluster, "
        "sum(n) OVER (PARTITION BY person) AS in_person FROM cells) "
        "SELECT sum(n * n / in_cluster) / sum(n) AS precision, "
        "sum(n * n / in_person) / sum(n) AS recall FROM sizes"
    )[0]
    precision, recall = row["precision"], row["recall"]
    return Scores(_round(precision), _round(recall), _round(_f1(precision, recall)))


# --- a run: its pairs and its blocking rules ---------------------------------------------------------


def _run(
    store: Store, run_id: int | None, kind: EntityKind = VICTIMS
) -> tuple[int, TrainedModel | None] | None:
    """The run asked for, else the latest finished victims run, with its model (None when the run
    stored none); None when there is no run."""
    where = "run_id = ?" if run_id is not None else "finished_at IS NOT NULL"
    rows = store.rows(
        f"SELECT run_id, model_json FROM link_run WHERE kind = ? AND {where} ORDER BY run_id DESC LIMIT 1",
        [kind.kind, *([run_id] if run_id is not None else [])],
    )
    if not rows:
        if run_id is not None:
            raise QueryError(f"No {kind.kind} linkage run {run_id}. Runs are listed in the link_run table.")
        return None
    text = rows[0]["model_json"]
    return int(rows[0]["run_id"]), TrainedModel.from_json(text) if text else None


def _with_run(
    store: Store,
    evaluation: VictimEvaluation,
    run: tuple[int, TrainedModel | None],
    threshold: float | None,
    true: int | None,
    kind: EntityKind = VICTIMS,
) -> VictimEvaluation:
    run_id, model = run
    recall, by_rule = blocking_recall(store, model.spec.blocking_rules, kind) if model else (None, [])
    pairs = _run_pairs(store, run_id, threshold, true or 0, kind) if threshold is not None else None
    return replace(
        evaluation, threshold=threshold, run_pairs=pairs, blocking_recall=recall, blocking_by_rule=by_rule
    )


def _run_pairs(store: Store, run_id: int, threshold: float, true: int, kind: EntityKind = VICTIMS) -> Scores:
    row = store.rows(
        f"SELECT count(*) AS predicted, count(*) FILTER (WHERE a.person = b.person) AS shared "
        f"FROM link_pair p JOIN {_TRUTH} a ON a.victim_id = p.id_l JOIN {_TRUTH} b ON b.victim_id = p.id_r "
        "WHERE p.run_id = ? AND p.kind = ? AND p.match_probability >= ?",
        [run_id, kind.kind, threshold],
    )[0]
    return scores(int(row["shared"]), int(row["predicted"]), true)


def blocking_recall(
    store: Store, rules: tuple[BlockingRule, ...], kind: EntityKind = VICTIMS
) -> tuple[float | None, list[dict[str, Any]]]:
    """Share of the true pairs (evaluated records) that `rules` generate, together and per rule.

    Rebuilds the linkage features (a temporary table) to apply the rules as the run did.
    """
    features = INCIDENT_FEATURE_TABLE if kind is INCIDENTS else FEATURE_TABLE
    if kind is INCIDENTS:
        build_incident_features(store)
    else:
        build_features(store)
    kept = [f"count(*) FILTER (WHERE coalesce({r.sql()}, false)) AS r{i}" for i, r in enumerate(rules)]
    together = " OR ".join(f"coalesce({r.sql()}, false)" for r in rules) or "false"
    row = store.rows(
        f"SELECT count(*) AS true_pairs, count(*) FILTER (WHERE {together}) AS kept, "
        f"{', '.join(kept) or '0 AS r'} "
        f"FROM {_TRUTH} a JOIN {_TRUTH} b ON a.person = b.person AND a.victim_id < b.victim_id "
        f"JOIN {features} l ON l.unique_id = a.victim_id "
        f"JOIN {features} r ON r.unique_id = b.victim_id"
    )[0]
    store.con.execute(f"DROP TABLE IF EXISTS {features}")
    total = int(row["true_pairs"])
    by_rule = [
        {
            "rule": r.sql(),
            "true_pairs_kept": int(row[f"r{i}"]),
            "recall": _round(row[f"r{i}"] / total if total else None),
        }
        for i, r in enumerate(rules)
    ]
    return _round(row["kept"] / total if total else None), by_rule


# --- per class of record -----------------------------------------------------------------------------

CLASS_COLUMNS: Final = ("source", "record_id", "class")
_CLASSES: Final = "ht_eval_classes"  # victim_id, class


@dataclass(frozen=True)
class ClassScores:
    """Pairwise scores of the pairs that touch a record of one class (`Scores` counts pairs)."""

    name: str
    records: int
    pairwise: Scores


def evaluate_by_class(
    store: Store, truth_csv: Path, classes_csv: Path, without: str | Sequence[str] = ()
) -> list[ClassScores]:
    """Pairwise precision and recall of the store's current persons, per class of record.

    `classes_csv` has columns source, record_id, class (as `harmtrace simulate victims` writes
    record_classes.csv): one row per record and class, a record in several classes on several rows.
    A pair (true or predicted, as in `evaluate_victims`) belongs to a class when either of its records
    has the class: recall is the share of the class's true pairs in one cluster, precision the share
    of its predicted pairs that are true. Classes come in the order the file first names them.

    `without` names classes whose records are left out of every other class's pairs (records no
    linkage can place by name, "unidentified"); a last score "all but <without>" then covers every
    other record. A class of `without` keeps its own records in its own row, less the other
    classes of `without`.
    """
    left_out = [without] if isinstance(without, str) else list(without)
    _load_truth(store, truth_csv, VICTIMS)
    store.con.execute("DROP TABLE IF EXISTS ht_eval_truth_unmatched")
    try:
        names = _load_classes(store, classes_csv)
        scored = [_class_scores(store, name, [c for c in left_out if c != name]) for name in names]
        return scored + ([_class_scores(store, None, left_out)] if left_out else [])
    finally:
        store.con.execute(f"DROP TABLE IF EXISTS {_TRUTH}")
        store.con.execute(f"DROP TABLE IF EXISTS {_CLASSES}")


def _load_classes(store: Store, classes_csv: Path) -> list[str]:
    """Match the class rows to stored records in a temporary table; the class names, in file order."""
    if not classes_csv.is_file():
        raise InputError(
            f"Class file {classes_csv} not found: give a CSV with columns {', '.join(CLASS_COLUMNS)}."
        )
    relation = store.con.read_csv(str(classes_csv), all_varchar=True, header=True)
    missing = [c for c in CLASS_COLUMNS if c not in relation.columns]
    if missing:
        raise InputError(f"Class file {classes_csv} lacks column(s) {', '.join(missing)}: it needs "
                         f"{', '.join(CLASS_COLUMNS)}, one row per record and class.")  # fmt: skip
    store.con.register("ht_eval_classes_csv", relation)
    try:
        store.con.execute(
            f"CREATE OR REPLACE TEMP TABLE {_CLASSES} AS SELECT DISTINCT v.victim_id, c.class "
            "FROM ht_eval_classes_csv c JOIN source s ON s.name = c.source "
            "JOIN victim_record v ON v.source_id = s.source_id AND v.record_id = c.record_id"
        )
        rows = store.con.execute(
            "SELECT class FROM (SELECT class, row_number() OVER () AS n FROM ht_eval_classes_csv) "
            "GROUP BY class ORDER BY min(n)"
        ).fetchall()
    finally:
        store.con.unregister("ht_eval_classes_csv")
    return [str(r[0]) for r in rows]


def _class_scores(store: Store, name: str | None, without: list[str]) -> ClassScores:
    """Pairs within each group that touch a record of the class (every record when `name` is None),
    records of the classes `without` left out: all pairs less those of the others."""
    has = "true" if name is None else "c.victim_id IS NOT NULL"
    marked = (
        f"SELECT e.person, e.cluster, {has} AS has FROM {_TRUTH} e "
        f"LEFT JOIN (SELECT victim_id FROM {_CLASSES} WHERE class = $name) c USING (victim_id) "
        f"WHERE e.victim_id NOT IN (SELECT victim_id FROM {_CLASSES} WHERE list_contains($without, class))"
    )

    def touching(group: str) -> str:
        counts = f"SELECT count(*) AS n, count(*) FILTER (WHERE has) AS m FROM marked GROUP BY {group}"
        return f"(SELECT coalesce(sum(n * (n - 1) // 2 - (n - m) * (n - m - 1) // 2), 0) FROM ({counts}))"

    row = store.rows(
        f"WITH marked AS ({marked}) SELECT (SELECT count(*) FILTER (WHERE has) FROM marked) AS records, "
        f"{touching('person, cluster')} AS shared, {touching('cluster')} AS predicted, "
        f"{touching('person')} AS true_pairs",
        {"name": name or "", "without": without},
    )[0]
    pairwise = scores(int(row["shared"]), int(row["predicted"]), int(row["true_pairs"]))
    return ClassScores(name or f"all but {', '.join(without)}", int(row["records"]), pairwise)
