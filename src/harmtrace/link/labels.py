"""Labelled pairs of reports: a truth file and analysts' decisions, for training and evaluation.

A pair file is a CSV with the columns ``source_a``, ``record_id_a``, ``source_b``, ``record_id_b`` and,
optionally, ``relation``: ``same`` (one incident: the default) or ``part-of`` (report a is part of the
event report b gives whole: one strike of a city's daily toll). Each row names two reports by their
source and their own id in it. A file in the cluster layout of `harmtrace simulate reports` (``source``,
``record_id``, ``incident_id``) is read as the pairs of reports of one incident.

`resolve_labels` turns the rows into report ids of the store (current versions); rows naming a report
the store does not hold are counted, never guessed. `decision_labels` gives the analysts' active
'same' and 'part-of' decisions on reports as pairs of the same kind, so a run trains on what analysts
decided (`harmtrace decide incidents ...`).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import pyarrow as pa

from harmtrace.errors import InputError
from harmtrace.link.kinds import INCIDENTS
from harmtrace.store import Store

PAIR_COLUMNS: Final = ("source_a", "record_id_a", "source_b", "record_id_b")
CLUSTER_COLUMNS: Final = ("source", "record_id", "incident_id")
RELATIONS: Final = ("same", "part-of")
LABEL_SCHEMA: Final = pa.schema(
    [("unique_id_l", pa.int64()), ("unique_id_r", pa.int64()), ("relation", pa.string())]
)


@dataclass(frozen=True)
class LabelRow:
    """One labelled pair as written: (source, record id) twice, and the relation of a to b."""

    source_a: str
    record_a: str
    source_b: str
    record_b: str
    relation: str = "same"


@dataclass(frozen=True)
class Labels:
    """Labelled pairs as report ids (``unique_id_l < unique_id_r`` is not implied: a part-of pair keeps
    its direction, a the part), with what could not be resolved."""

    pairs: pa.Table
    rows: int
    unresolved: int

    @property
    def resolved(self) -> int:
        return int(self.pairs.num_rows)


def is_pair_file(path: Path) -> bool:
    """Whether `path` is a CSV whose header names the pair columns (else, a cluster file or nothing)."""
    if not path.is_file():
        return False
    with path.open(newline="", encoding="utf-8-sig") as fh:
        header = next(csv.reader(fh), [])
    return set(PAIR_COLUMNS) <= {h.strip() for h in header}


def read_label_rows(path: Path) -> list[LabelRow]:
    """The rows of a pair file or a cluster file (module docstring)."""
    if not path.is_file():
        raise InputError(f"Label file {path} does not exist.")
    with path.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        header = set(reader.fieldnames or ())
        if set(PAIR_COLUMNS) <= header:
            return [_pair_row(path, n, row) for n, row in enumerate(reader, start=2)]
        if set(CLUSTER_COLUMNS) <= header:
            return _cluster_pairs(list(reader))
    raise InputError(
        f"{path}: a label file needs the columns {', '.join(PAIR_COLUMNS)} (pairs, with an optional "
        f"'relation': same or part-of) or {', '.join(CLUSTER_COLUMNS)} (reports of one incident)."
    )


def _pair_row(path: Path, line: int, row: dict[str, str]) -> LabelRow:
    a, rec_a, b, rec_b = [(row.get(c) or "").strip() for c in PAIR_COLUMNS]
    relation = (row.get("relation") or "same").strip() or "same"
    if not all((a, rec_a, b, rec_b)) or relation not in RELATIONS:
        raise InputError(
            f"{path}, line {line}: every pair needs {', '.join(PAIR_COLUMNS)}, and a relation of "
            f"{' or '.join(RELATIONS)} (got {relation!r}). Fix the line and run again."
        )
    return LabelRow(a, rec_a, b, rec_b, relation)


def _cluster_pairs(rows: list[dict[str, str]]) -> list[LabelRow]:
    by_incident: dict[str, list[tuple[str, str]]] = {}
    for row in rows:
        by_incident.setdefault(row["incident_id"], []).append((row["source"], row["record_id"]))
    return [
        LabelRow(members[i][0], members[i][1], members[j][0], members[j][1])
        for members in by_incident.values()
        for i in range(len(members))
        for j in range(i + 1, len(members))
    ]


def resolve_labels(store: Store, rows: list[LabelRow]) -> Labels:
    """`rows` as pairs of current report ids; rows naming a report the store lacks are counted."""
    table = pa.Table.from_pylist(
        [vars(r) for r in rows],
        schema=pa.schema(
            [(c, pa.string()) for c in ("source_a", "record_a", "source_b", "record_b", "relation")]
        ),
    )
    store.con.register("ht_label_rows", table)
    try:
        found = store.con.sql(
            f"SELECT a.report_id AS unique_id_l, b.report_id AS unique_id_r, x.relation "
            f"FROM ht_label_rows x JOIN ({_CURRENT}) a ON a.source = x.source_a AND a.record_id = x.record_a "
            f"JOIN ({_CURRENT}) b ON b.source = x.source_b AND b.record_id = x.record_b "
            "WHERE a.report_id <> b.report_id"
        ).to_arrow_table()
    finally:
        store.con.unregister("ht_label_rows")
    pairs = found.cast(LABEL_SCHEMA)
    return Labels(pairs, len(rows), len(rows) - pairs.num_rows)


# reports by source name and record id (the live table holds current versions only, one per record)
_CURRENT: Final = (
    "SELECT s.name AS source, r.record_id, r.report_id FROM report r JOIN source s USING (source_id) "
    "WHERE r.record_id IS NOT NULL"
)


def decision_labels(store: Store) -> pa.Table:
    """Analysts' active decisions that two reports are one incident, or one part of the other, as
    labelled pairs (LABEL_SCHEMA)."""
    return (
        store.con.sql(
            "SELECT id_a AS unique_id_l, id_b AS unique_id_r, verdict AS relation FROM decision "
            f"WHERE kind = '{INCIDENTS.kind}' AND superseded_by IS NULL AND verdict IN ('same', 'part-of')"
        )
        .to_arrow_table()
        .cast(LABEL_SCHEMA)
    )


def all_labels(store: Store, path: Path | None) -> Labels:
    """The decisions, and the pairs of the file at `path` when given, as one set of labels. A file of
    which no pair names two stored reports is refused: it would train nothing, silently."""
    decided = decision_labels(store)
    if path is None:
        return Labels(decided, decided.num_rows, 0)
    read = resolve_labels(store, read_label_rows(path))
    if read.rows and not read.resolved:
        sources = ", ".join(r["name"] for r in store.rows("SELECT name FROM source ORDER BY name"))
        raise InputError(
            f"{path}: none of its {read.rows:,} pairs names two stored reports. Its source_a / source_b "
            f"must be source names as stored ({sources or 'no source yet'}) and record_id_a / "
            "record_id_b the sources' own record ids."
        )
    return Labels(pa.concat_tables([read.pairs, decided]), read.rows + decided.num_rows, read.unresolved)
