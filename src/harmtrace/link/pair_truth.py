"""How well the current incidents match a truth of labelled pairs across sources, by pair of sources.

Real truth comes as pairs, not clusters: UCDP GED cites the Airwars incidents behind an event, and an
event may cite several (a city's daily toll made of strikes the monitor lists one by one), so the
truth is many-to-many and some of it is containment, not sameness. The truth file is a pair file of
`harmtrace.link.labels` (``source_a, record_id_a, source_b, record_id_b[, relation]``).

A true pair is *found* when its two reports are in one incident, or one's incident is part of the
other's (``incident_part``): both readings keep a part and its whole from being counted twice.

The current incidents *link* two reports of different sources when the same holds for them. For each
pair of sources in the truth, the links measured are those touching a report the truth names: the
truth is taken as complete for the reports it names (an event citing two incidents cites every
incident it drew on). Each such link is

- correct: the pair is in the truth;
- a wrong merge: both reports are named in the truth, but not as a pair (the incident was cited by
  another event, or the event cites others) — certainly wrong if the truth is complete;
- unconfirmed: the other report is named nowhere in the truth (the monitor's incident may be the
  event's without being cited) — counted against precision, not as a wrong merge.

recall = found / true pairs; precision = correct / links; wrong-merge share = wrong merges / links.
`date_from` / `date_to` keep the truth pairs (and links) whose earlier report starts in the window,
so a model trained on labels of one period is scored on another.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa

from harmtrace.errors import QueryError
from harmtrace.link.incidents import window_sql
from harmtrace.link.kinds import INCIDENTS
from harmtrace.link.labels import read_label_rows, resolve_labels
from harmtrace.store import Store


@dataclass(frozen=True)
class SourcePairScores:
    """The measures of one pair of sources (module docstring); None where undefined."""

    source_a: str
    source_b: str
    true_pairs: int
    found: int
    links: int
    correct: int
    wrong_merges: int
    unconfirmed: int
    recall: float | None
    precision: float | None
    wrong_merge_share: float | None


@dataclass(frozen=True)
class PairEvaluation:
    """Per pair of sources, with the truth's rows, those resolved, and the run measured."""

    run_id: int
    truth_rows: int
    unresolved: int
    by_source_pair: list[SourcePairScores]

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def evaluate_incident_pairs(
    store: Store, truth_csv: Path, date_from: date | None = None, date_to: date | None = None
) -> PairEvaluation:
    """Score the current incidents against the pair truth `truth_csv` (module docstring)."""
    run_id = store.scalar(
        "SELECT max(run_id) FROM link_run WHERE kind = ? AND finished_at IS NOT NULL", [INCIDENTS.kind]
    )
    if run_id is None:
        raise QueryError("No incident linkage run to evaluate: run harmtrace link incidents first.")
    return _evaluate(store, truth_csv, _RUN_LINKS, int(run_id), date_from, date_to)


def evaluate_links(
    store: Store, truth_csv: Path, links: pa.Table, date_from: date | None = None, date_to: date | None = None
) -> PairEvaluation:
    """Score given links (report ids ``x``, ``y``: a rule's pairs, a matching) against the pair truth
    `truth_csv` as `evaluate_incident_pairs` scores a run's incidents (run_id 0)."""
    store.con.register("ht_given_links", links.select(["x", "y"]))
    try:
        return _evaluate(store, truth_csv, _GIVEN_LINKS, 0, date_from, date_to)
    finally:
        store.con.unregister("ht_given_links")


def _evaluate(
    store: Store, truth_csv: Path, linked: str, run_id: int, date_from: date | None, date_to: date | None
) -> PairEvaluation:
    labels = resolve_labels(store, read_label_rows(truth_csv))
    store.con.register("ht_truth_pairs", labels.pairs)
    try:
        sql = _SQL.format(linked=linked, window=window_sql(date_from, date_to, "first_day", "first_day"))
        rows = store.rows(sql, {"run": run_id} if linked is _RUN_LINKS else None)
    finally:
        store.con.unregister("ht_truth_pairs")
    return PairEvaluation(run_id, labels.rows, labels.unresolved, [_scores(r) for r in rows])


def _scores(row: dict[str, Any]) -> SourcePairScores:
    true, found, links = int(row["true_pairs"]), int(row["found"]), int(row["links"])
    correct, wrong = int(row["correct"]), int(row["wrong_merges"])
    return SourcePairScores(
        row["source_a"], row["source_b"], true, found, links, correct, wrong, links - correct - wrong,
        _share(found, true), _share(correct, links), _share(wrong, links),
    )  # fmt: skip


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


# links of a run: two reports of different sources in one incident, or one in a part of the other's
# incident (grp: the whole an incident is part of, else itself)
_RUN_LINKS = """
    WITH member AS (
        SELECT m.report_id, m.incident_id, coalesce(p.whole_id, m.incident_id) AS grp, s.name AS source
        FROM incident_member m JOIN report r USING (report_id) JOIN source s USING (source_id)
        LEFT JOIN incident_part p ON p.run_id = m.run_id AND p.part_id = m.incident_id
        WHERE m.run_id = $run)
    SELECT DISTINCT least(a.report_id, b.report_id) AS x, greatest(a.report_id, b.report_id) AS y
    FROM member a JOIN member b ON a.source <> b.source AND a.report_id < b.report_id
        AND (a.incident_id = b.incident_id
             OR (a.grp = b.grp AND (a.grp = a.incident_id OR a.grp = b.incident_id)))
"""
_GIVEN_LINKS = "SELECT DISTINCT least(x, y) AS x, greatest(x, y) AS y FROM ht_given_links WHERE x <> y"
_SQL = """
WITH member AS (
    SELECT r.report_id, s.name AS source, r.date_start FROM report r JOIN source s USING (source_id)),
truth AS (
    SELECT DISTINCT least(t.unique_id_l, t.unique_id_r) AS x, greatest(t.unique_id_l, t.unique_id_r) AS y
    FROM ht_truth_pairs t),
named AS (SELECT x AS report_id FROM truth UNION SELECT y FROM truth),
linked AS (
    SELECT x, y FROM ({linked}) l
    WHERE x IN (SELECT report_id FROM named) OR y IN (SELECT report_id FROM named)),
pairs AS (
    SELECT x, y, true AS is_true, l.x IS NOT NULL AS is_linked FROM truth t LEFT JOIN linked l USING (x, y)
    UNION ALL
    SELECT x, y, false, true FROM linked l
    WHERE NOT EXISTS (SELECT 1 FROM truth t WHERE t.x = l.x AND t.y = l.y)),
described AS (
    SELECT least(a.source, b.source) AS source_a, greatest(a.source, b.source) AS source_b, p.*,
        least(a.date_start, b.date_start) AS first_day,
        p.x IN (SELECT report_id FROM named) AND p.y IN (SELECT report_id FROM named) AS both_named
    FROM pairs p JOIN member a ON a.report_id = p.x JOIN member b ON b.report_id = p.y)
SELECT source_a, source_b, count(*) FILTER (WHERE is_true) AS true_pairs,
    count(*) FILTER (WHERE is_true AND is_linked) AS found,
    count(*) FILTER (WHERE is_linked) AS links,
    count(*) FILTER (WHERE is_linked AND is_true) AS correct,
    count(*) FILTER (WHERE is_linked AND NOT is_true AND both_named) AS wrong_merges
FROM described WHERE {window}
  AND (source_a, source_b) IN (
      SELECT DISTINCT least(a.source, b.source), greatest(a.source, b.source)
      FROM truth JOIN member a ON a.report_id = truth.x JOIN member b ON b.report_id = truth.y)
GROUP BY ALL ORDER BY ALL
"""
