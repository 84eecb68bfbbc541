"""One intake path for every file harmtrace reads: batch → documents → accepted or quarantined.

Event data, mapped sheets, victim lists, control areas, sites, declared strikes, gazetteers and
boundaries all go the same way, in the importer's transaction:

1. `previous_batch`: the same file (bytes, encoding) read the same way (format, mapping or options)
   was imported before: nothing is added, `already_imported` says what that batch did;
2. `open_batch`: a batch id and the source's id (the source created when new);
3. `write_documents`: every data row of the file as a `document` holding the row as the file gave it
   (its bytes, or a feature's properties and geometry as JSON), SHA-256 addressed;
4. `write_quarantine`: the rows that cannot be accepted, each with every reason found; the importer
   writes the accepted ones into its own tables;
5. `close_batch`: checks read = accepted + quarantined against the store itself, then writes the
   batch row. A batch that breaks the rule raises `AccountingError` (a bug, not a fault of the file)
   before its row is written, and the transaction leaves nothing behind.

`import_rows` runs them all for importers that hold their rows in memory; the event-data importer
(`harmtrace.ingest.batch`) streams its documents and calls the steps itself. Every importer returns an
`ImportResult`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import pyarrow as pa

from harmtrace.store import BATCH_COLUMNS, Store, scalar
from harmtrace.version import __version__

if TYPE_CHECKING:
    from harmtrace.ingest.rawfile import RawFile

SAMPLE_ROWS = 5
# the accepted rows of a batch: a query of their row numbers (one column), or the row numbers
Accepted = str | Sequence[int]


class AccountingError(RuntimeError):
    """A batch breaks read = accepted + quarantined in the store: a bug in harmtrace, not in the file.

    Raised inside the import's transaction, so nothing of the batch is written.
    """


@dataclass(frozen=True)
class ImportResult:
    """What an import did; `reasons` maps a reason code to (rows, first rows), `first_reasons` to the
    whole reason of its first row.

    rows_read = rows_accepted + rows_quarantined. An event or victim import also counts its accepted
    rows as records: rows_accepted = rows_new + rows_unchanged + rows_changed (None for a batch imported
    before versions existed, and for files whose rows are not records); rows_withdrawn counts records
    withdrawn, records_absent the current records of the source the file did not name (withdrawn only
    with `withdraw_missing`); places_changed the changed reports whose place changed (their placements
    were cleared: run `harmtrace locate` again); ids_not_found the rows of a deletions feed naming no
    current record, the first listed. `what` says what the file held in words ("hospital sites",
    default: the format); `details` and `breakdowns` hold a format's own counts (strikes declared,
    places kept, areas by actor...).
    """

    batch_id: int
    file_name: str
    format: str
    already_imported: bool
    rows_read: int = 0
    rows_accepted: int = 0
    rows_quarantined: int = 0
    rows_flagged: int = 0
    rows_with_field_issues: int = 0
    reasons: dict[str, tuple[int, list[int]]] = field(default_factory=dict)
    flags: dict[str, tuple[int, list[int]]] = field(default_factory=dict)
    # accepted rows with a field set aside: reason code -> (rows, first rows)
    field_issues: dict[str, tuple[int, list[int]]] = field(default_factory=dict)
    source: str = ""
    kind: str = "report"
    rows_new: int | None = None
    rows_unchanged: int | None = None
    rows_changed: int | None = None
    rows_withdrawn: int | None = None
    records_absent: int | None = None
    withdraw_missing: bool = False
    places_changed: int = 0
    ids_not_found: int = 0
    ids_not_found_first: list[str] = field(default_factory=list)
    first_reasons: dict[str, str] = field(default_factory=dict)
    what: str = ""
    details: dict[str, int] = field(default_factory=dict)
    breakdowns: dict[str, dict[str, int]] = field(default_factory=dict)
    encoding: str = ""  # of the file's content ("binary": a spreadsheet)
    compressed: str | None = None  # "gzip", "zip member x.csv", or None

    def as_dict(self) -> dict[str, Any]:
        return {
            "encoding": self.encoding,
            "compressed": self.compressed,
            "batch_id": self.batch_id,
            "file": self.file_name,
            "format": self.format,
            "what": self.what or self.format,
            "source": self.source,
            "kind": self.kind,
            "already_imported": self.already_imported,
            "rows_read": self.rows_read,
            "rows_accepted": self.rows_accepted,
            "rows_quarantined": self.rows_quarantined,
            "rows_flagged": self.rows_flagged,
            "rows_with_field_issues": self.rows_with_field_issues,
            "rows_new": self.rows_new,
            "rows_unchanged": self.rows_unchanged,
            "rows_changed": self.rows_changed,
            "rows_withdrawn": self.rows_withdrawn,
            "records_absent": self.records_absent,
            "withdraw_missing": self.withdraw_missing,
            "places_changed": self.places_changed,
            "ids_not_found": {"rows": self.ids_not_found, "first": self.ids_not_found_first},
            "quarantine_reasons": {
                k: {"rows": n, "first_rows": r, "first": self.first_reasons.get(k)}
                for k, (n, r) in self.reasons.items()
            },
            "flags": _counted(self.flags),
            "field_issues": _counted(self.field_issues),
            "details": self.details,
            "breakdowns": self.breakdowns,
        }


def _counted(summary: dict[str, tuple[int, list[int]]]) -> dict[str, dict[str, Any]]:
    return {k: {"rows": n, "first_rows": r} for k, (n, r) in summary.items()}


@dataclass(frozen=True)
class InputFile:
    """The file an import read: where, its SHA-256 and size as given, the encoding of its content and
    how that was packed (None, "gzip", "zip member x.csv")."""

    path: Path
    sha256: str
    size: int
    encoding: str
    compressed: str | None = None

    @classmethod
    def of(cls, raw: RawFile) -> InputFile:
        return cls(raw.path, raw.sha256, raw.size, raw.encoding, raw.compressed)

    @classmethod
    def of_bytes(cls, path: Path, data: bytes, encoding: str) -> InputFile:
        return cls(path, hashlib.sha256(data).hexdigest(), len(data), encoding)


@dataclass(frozen=True)
class Intake:
    """One file's import: the file, its format, the source it is from, what its accepted rows become
    (`kind`) and the mapping or options it is read with (text: part of what makes two imports the same)."""

    file: InputFile
    format: str
    source: str
    kind: str
    mapping: str | None = None

    @property
    def mapping_sha256(self) -> str | None:
        return None if self.mapping is None else hashlib.sha256(self.mapping.encode("utf-8")).hexdigest()


def options_text(options: Mapping[str, Any]) -> str:
    """Import options as the mapping text of a batch: JSON, keys sorted."""
    return json.dumps(options, sort_keys=True, default=str)


@dataclass(frozen=True)
class BatchIds:
    batch_id: int
    source_id: int
    started: datetime


def previous_batch(store: Store, intake: Intake, replaced_by: Sequence[str] = ()) -> int | None:
    """The batch that imported this file before (same bytes, encoding, format, mapping), if any.

    `replaced_by`: formats whose files replace what an earlier file of the same name held (gazetteer
    files): such a batch counts only while no later batch of those formats read a file of its name.
    """
    found = store.scalar(
        "SELECT min(batch_id) FROM batch b WHERE file_sha256 = ? AND format = ? "
        "AND mapping_sha256 IS NOT DISTINCT FROM ? AND encoding = ? AND NOT EXISTS (SELECT 1 FROM batch "
        "later WHERE later.batch_id > b.batch_id AND later.file_name = b.file_name "
        "AND list_contains(?::VARCHAR[], later.format))",
        [intake.file.sha256, intake.format, intake.mapping_sha256, intake.file.encoding, list(replaced_by)],
    )
    return None if found is None else int(found)


def already_imported(store: Store, batch_id: int, intake: Intake) -> ImportResult:
    """The result of an import that found its file imported before as `batch_id`: that batch's counts."""
    row = store.rows(
        "SELECT b.*, s.name AS source FROM batch b JOIN source s USING (source_id) WHERE batch_id = ?",
        [batch_id],
    )[0]
    result = ImportResult(
        batch_id, intake.file.path.name, row["format"], True, row["rows_read"], row["rows_accepted"],
        row["rows_quarantined"], row["rows_flagged"], row["rows_with_field_issues"] or 0,
        source=row["source"], kind=intake.kind, rows_new=row["rows_new"],
        rows_unchanged=row["rows_unchanged"], rows_changed=row["rows_changed"],
        rows_withdrawn=row["rows_withdrawn"],
    )  # fmt: skip
    reasons, first_reasons = quarantine_summary(store.con, batch_id)
    return replace(result, reasons=reasons, first_reasons=first_reasons)


def open_batch(
    con: duckdb.DuckDBPyConnection, source: str, started: datetime | None = None, batch_id: int | None = None
) -> BatchIds:
    """A new batch id (or `batch_id`, taken for the raw rows written first) and the id of `source`
    (created when new), inside the caller's transaction."""
    if batch_id is None:
        batch_id = next_batch_id(con)
    return BatchIds(batch_id, source_id(con, source), started or datetime.now())


def next_batch_id(con: duckdb.DuckDBPyConnection) -> int:
    """The id the next batch takes: past every batch, finished or not (`unfinished_batch`)."""
    return int(
        scalar(
            con,
            "SELECT coalesce(max(batch_id), 0) + 1 FROM "
            "(SELECT batch_id FROM batch UNION ALL SELECT batch_id FROM unfinished_batch)",
        )
    )


def source_id(con: duckdb.DuckDBPyConnection, name: str) -> int:
    """The id of the source called `name`, added to the store when it is new."""
    found = scalar(con, "SELECT source_id FROM source WHERE name = ?", [name])
    if found is not None:
        return int(found)
    new_id = int(scalar(con, "SELECT coalesce(max(source_id), 0) + 1 FROM source"))
    con.execute("INSERT INTO source (source_id, name) VALUES (?, ?)", [new_id, name])
    return new_id


def planned_source_ids(con: duckdb.DuckDBPyConnection, names: Sequence[str]) -> dict[str, int]:
    """The ids the sources called `names` have, or get when `source_id` creates them in this order
    (`create_sources`): an import plans with them before its transaction."""
    ids: dict[str, int] = {}
    next_id = int(scalar(con, "SELECT coalesce(max(source_id), 0) + 1 FROM source"))
    for name in names:
        if name in ids:
            continue
        found = scalar(con, "SELECT source_id FROM source WHERE name = ?", [name])
        ids[name] = next_id if found is None else int(found)
        next_id += found is None
    return ids


def create_sources(con: duckdb.DuckDBPyConnection, planned: Mapping[str, int]) -> None:
    """Create the planned sources the store lacks, in order; each must get its planned id."""
    for name, planned_id in planned.items():
        if source_id(con, name) != planned_id:
            raise RuntimeError(f"source {name!r} did not get its planned id {planned_id}: the store changed")


def write_documents(
    con: duckdb.DuckDBPyConnection, batch_id: int, table: pa.Table | pa.RecordBatchReader
) -> None:
    """Rows (row_number int64, raw binary) of the batch's file as documents, SHA-256 computed here.

    `table` may be a stream of record batches (written in one statement as it yields them), and this
    may be called several times per batch; any other column of `table` is ignored.
    """
    # keep the raw row: the source's own bytes are the evidence
    with _registered(con, "ht_docs", table):
        con.execute("INSERT INTO document SELECT ?, row_number, sha256(raw), raw FROM ht_docs", [batch_id])


def write_quarantine(
    con: duckdb.DuckDBPyConnection, batch_id: int, rows: Mapping[int, list[str]] | str
) -> None:
    """Quarantine rows of the batch, each with every reason found: row number -> reasons, or a query of
    (row_number, reasons)."""
    if isinstance(rows, str):
        con.execute(f"INSERT INTO quarantine SELECT ?, * FROM ({rows})", [batch_id])
        return
    if not rows:
        return
    numbers = sorted(rows)
    table = pa.table(
        {"row_number": pa.array(numbers, pa.int64()), "reasons": [list(rows[n]) for n in numbers]}
    )
    with _registered(con, "ht_rejected", table):
        con.execute("INSERT INTO quarantine SELECT ?, row_number, reasons FROM ht_rejected", [batch_id])


@contextmanager
def _registered(
    con: duckdb.DuckDBPyConnection, name: str, table: pa.Table | pa.RecordBatchReader
) -> Iterator[None]:
    """`table` visible to SQL as `name` while the block runs."""
    con.register(name, table)
    try:
        yield
    except BaseException:
        # a failed statement aborted the transaction: the rollback drops the name, and unregistering
        # now would only raise again, hiding what failed
        with suppress(duckdb.Error):
            con.unregister(name)
        raise
    con.unregister(name)


def close_batch(
    con: duckdb.DuckDBPyConnection,
    ids: BatchIds,
    intake: Intake,
    result: ImportResult,
    header: Sequence[str],
    accepted: Accepted,
) -> ImportResult:
    """Check read = accepted + quarantined in the store (`check_accounting`), then write the batch row.

    Returns the result with its file name, source, kind and quarantine reasons (from the store).
    """
    reasons, first_reasons = quarantine_summary(con, ids.batch_id)
    file = intake.file
    result = replace(
        result, file_name=file.path.name, source=intake.source, kind=intake.kind, encoding=file.encoding,
        compressed=file.compressed, reasons=reasons, first_reasons=first_reasons,
    )  # fmt: skip
    check_accounting(con, ids.batch_id, result, accepted)
    con.execute(
        f"INSERT INTO batch ({BATCH_COLUMNS}, rows_with_field_issues, rows_new, rows_unchanged, "
        f"rows_changed, rows_withdrawn) VALUES ({', '.join(['?'] * 22)})",
        [
            ids.batch_id, ids.source_id, intake.format, file.path.name, file.sha256, file.size,
            file.encoding, intake.mapping_sha256, intake.mapping, list(header),
            result.rows_read, result.rows_accepted, result.rows_quarantined, result.rows_flagged,
            ids.started, datetime.now(), __version__, result.rows_with_field_issues,
            result.rows_new, result.rows_unchanged, result.rows_changed, result.rows_withdrawn,
        ],
    )  # fmt: skip
    return result


def check_accounting(
    con: duckdb.DuckDBPyConnection, batch_id: int, result: ImportResult, accepted: Accepted
) -> None:
    """read = accepted + quarantined, checked against the store: the batch's documents are the rows
    read, one each; its quarantine rows are the rows quarantined, one each, every one with a reason;
    the `accepted` rows are the rows accepted; and every document is either accepted or quarantined,
    never both. Raises `AccountingError` naming what does not add up."""
    with _accepted_relation(con, accepted) as relation:
        counts = _accounting_counts(con, batch_id, relation)
    wrong = _accounting_problems(counts, result)
    if wrong:
        raise AccountingError(
            f"Batch {batch_id} ({result.file_name}): read = accepted + quarantined does not hold: "
            f"{'; '.join(wrong)}. This is a bug in harmtrace, not in the file; nothing was written."
        )


def _accounting_counts(con: duckdb.DuckDBPyConnection, batch_id: int, accepted: str) -> dict[str, int]:
    """The counts `check_accounting` compares, in one grouping of every row number by where it occurs
    (an aggregate DuckDB spills to disk: joins and NOT IN over ten million rows ran out of memory)."""
    row = con.execute(
        f"""WITH tagged AS (
            SELECT row_number, 'd' AS part, false AS empty FROM document WHERE batch_id = $b
            UNION ALL SELECT row_number, 'q', len(reasons) = 0 FROM quarantine WHERE batch_id = $b
            UNION ALL SELECT DISTINCT row_number, 'a', false FROM ({accepted}) t(row_number)),
        per_row AS (
            SELECT count(*) FILTER (part = 'd') AS nd, count(*) FILTER (part = 'q') AS nq,
                   count(*) FILTER (part = 'a') AS na, count(*) FILTER (empty) AS empty
            FROM tagged GROUP BY row_number)
        SELECT coalesce(sum(nd), 0), count(*) FILTER (nd > 0), coalesce(sum(nq), 0),
               count(*) FILTER (nq > 0), coalesce(sum(empty), 0), count(*) FILTER (na > 0),
               coalesce(sum(nq) FILTER (na > 0), 0), coalesce(sum(nd) FILTER (na = 0 AND nq = 0), 0),
               count(*) FILTER (nd = 0)
        FROM per_row""",
        {"b": batch_id},
    ).fetchall()[0]
    names = ("documents", "distinct_documents", "quarantined", "distinct_quarantined", "without_reason",
             "accepted", "both", "neither", "without_document")  # fmt: skip
    return dict(zip(names, (int(v) for v in row), strict=True))


def _accounting_problems(c: dict[str, int], r: ImportResult) -> list[str]:
    checks = [
        (r.rows_accepted + r.rows_quarantined == r.rows_read,
         f"the result says read {r.rows_read} = accepted {r.rows_accepted} "
         f"+ quarantined {r.rows_quarantined}"),
        (c["documents"] == r.rows_read, f"{c['documents']} documents for {r.rows_read} rows read"),
        (c["distinct_documents"] == c["documents"], "a row number has several documents"),
        (c["quarantined"] == r.rows_quarantined,
         f"{c['quarantined']} quarantine rows for {r.rows_quarantined} rows quarantined"),
        (c["distinct_quarantined"] == c["quarantined"], "a row is quarantined twice"),
        (c["without_reason"] == 0, f"{c['without_reason']} quarantined rows without a reason"),
        (c["accepted"] == r.rows_accepted, f"{c['accepted']} rows stored for {r.rows_accepted} accepted"),
        (c["both"] == 0, f"{c['both']} rows both accepted and quarantined"),
        (c["neither"] == 0, f"{c['neither']} documents neither accepted nor quarantined"),
        (c["without_document"] == 0,
         f"{c['without_document']} rows accepted or quarantined without a document"),
    ]  # fmt: skip
    return [problem for ok, problem in checks if not ok]


@contextmanager
def _accepted_relation(con: duckdb.DuckDBPyConnection, accepted: Accepted) -> Iterator[str]:
    """`accepted` as SQL: a query as given; row numbers registered as a table while the check runs."""
    if isinstance(accepted, str):
        yield accepted
        return
    with _registered(con, "ht_accepted", pa.table({"row_number": pa.array(accepted, pa.int64())})):
        yield "SELECT row_number FROM ht_accepted"


def quarantine_summary(
    con: duckdb.DuckDBPyConnection, batch_id: int
) -> tuple[dict[str, tuple[int, list[int]]], dict[str, str]]:
    """The batch's quarantine by reason code: (rows, first rows), and the whole reason of the first row."""
    sql = "SELECT row_number, reasons FROM quarantine WHERE batch_id = ?"
    first = con.execute(
        "SELECT code, arg_min(reason, row_number) FROM (SELECT row_number, unnest(reasons) AS reason, "
        "split_part(reason, ':', 1) AS code FROM quarantine WHERE batch_id = ?) GROUP BY code",
        [batch_id],
    ).fetchall()
    return summarise(con, sql, [batch_id]), {code: reason for code, reason in first}


def summarise(
    con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] = ()
) -> dict[str, tuple[int, list[int]]]:
    """Reason code -> (rows, first rows), from `sql`'s (row number, messages "code: detail")."""
    rows = con.execute(
        f"SELECT code, count(*), list(row_number ORDER BY row_number)[1:{SAMPLE_ROWS}] FROM "
        f"(SELECT DISTINCT row_number, split_part(unnest(m), ':', 1) AS code FROM ({sql}) t(row_number, m)) "
        "GROUP BY code ORDER BY count(*) DESC, code",
        list(params),
    ).fetchall()
    return {code: (int(n), list(first)) for code, n, first in rows}


def import_rows(
    store: Store,
    intake: Intake,
    header: Sequence[str],
    documents: pa.Table,
    rejected: Mapping[int, list[str]],
    write: Callable[[duckdb.DuckDBPyConnection, int], Accepted],
    replaced_by: Sequence[str] = (),
) -> ImportResult:
    """Import a file read into memory, in one transaction: its documents, its `rejected` rows (row
    number -> reasons) quarantined, the others written by `write(con, batch_id)`, which returns them
    (`Accepted`), and the batch row once read = accepted + quarantined holds in the store.

    A file imported before (`previous_batch`, `replaced_by` passed on) is not imported again: the
    result is that batch's (`already_imported`).
    """
    previous = previous_batch(store, intake, replaced_by)
    if previous is not None:
        return already_imported(store, previous, intake)
    started = datetime.now()
    with store.transaction() as con:
        ids = open_batch(con, intake.source, started)
        write_documents(con, ids.batch_id, documents)
        write_quarantine(con, ids.batch_id, rejected)
        accepted = write(con, ids.batch_id)
        read = documents.num_rows
        result = ImportResult(ids.batch_id, intake.file.path.name, intake.format, False, read,
                              read - len(rejected), len(rejected))  # fmt: skip
        return close_batch(con, ids, intake, result, header, accepted)
