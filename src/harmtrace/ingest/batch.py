"""One import run: file → documents → reports / victim records or quarantine, all in one transaction.

read = accepted + quarantined, always: every data row of the file becomes a document holding its raw
bytes (SHA-256 addressed), and either an accepted row or a quarantine entry with every reason found.
An accepted row is a new record, an unchanged one or a new version of one (accepted = new + unchanged
+ changed): rows are matched to the source's records by record id, see `harmtrace.ingest.versions`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

import duckdb
import pyarrow as pa

from harmtrace.errors import InputError, StoreError, param
from harmtrace.ingest.checks import PlausibleArea, generic_issues, generic_reasons, placeholder_flag
from harmtrace.ingest.formats import REPORT_FIELDS, SOURCE_FIELD, VICTIM_FIELDS, Format
from harmtrace.ingest.intake import (
    ImportResult,
    InputFile,
    Intake,
    already_imported,
    close_batch,
    create_sources,
    next_batch_id,
    open_batch,
    planned_source_ids,
    previous_batch,
    summarise,
    write_documents,
    write_quarantine,
)
from harmtrace.ingest.rawfile import RawFile, read_raw
from harmtrace.ingest.record_kinds import KINDS
from harmtrace.ingest.sql import (
    FORMULA_PREFIX,
    Select,
    formula_column,
    issue_list,
    lit,
    message_list,
    q,
    work_table_in_slices,
)
from harmtrace.ingest.staging import (
    DocumentSink,
    Parsed,
    Staged,
    drop_staged,
    parsed_csv,
    stage_csv,
)
from harmtrace.ingest.units import set_aside
from harmtrace.ingest.versions import (
    Outcome,
    drop_plan,
    import_records,
    listed_checked,
    plan_records,
    withdraw_listed,
)
from harmtrace.model import (
    CITATION_TYPE,
    CITES_COLUMN,
    CODES_COLUMN,
    HARM_COLUMNS,
    SIDE_HARM_COLUMN,
    SIDE_HARM_TYPE,
)
from harmtrace.progress import Progress, silent
from harmtrace.store import Store, scalar
from harmtrace.store.store import clear_unfinished

__all__ = ["ImportResult", "import_file"]


def import_file(
    store: Store,
    fmt: Format | str,
    path: Path | str,
    source: str | None = None,
    area: PlausibleArea | None = None,
    withdraw_missing: bool = False,
    encoding: str | None = None,
    progress: Progress = silent,
    *,
    mapping: Path | str | None = None,
) -> ImportResult:
    """Import `path` as `fmt` into `store` under `source` (default: the format's source, else its name).

    `fmt` is a `Format` or a format's name ("ucdp-ged", "acled", "syrian-archive", ...; "incidents" and
    "victims" read any sheet through the YAML `mapping` of its columns, docs/mapping.md).

    Rows are matched to the source's records (`harmtrace.ingest.versions`). With `withdraw_missing` the
    file is the source's complete current list of its kind: current records it does not name are
    withdrawn; a file imported before is then imported again (its rows unchanged) to do so.
    `encoding` overrides the detection of a CSV file's encoding (`rawfile.read_raw`); the same bytes
    read in another encoding are another import. `progress` is told the stages, and the rows read.
    """
    chosen = _named(fmt, mapping)
    return _import_format(store, chosen, Path(path), source, area, withdraw_missing, encoding, progress)


def _import_format(
    store: Store,
    fmt: Format,
    path: Path,
    source: str | None,
    area: PlausibleArea | None,
    withdraw_missing: bool,
    encoding: str | None,
    progress: Progress,
) -> ImportResult:
    if withdraw_missing and fmt.withdraws:
        raise InputError(
            f"{param('withdraw_missing')} does not apply to {fmt.name}: "
            "a deletions feed withdraws the records it lists. Leave the option out."
        )
    progress("reading the file")
    raw = read_raw(path, encoding)
    intake = Intake(InputFile.of(raw), fmt.name, source or fmt.source or fmt.name, fmt.kind, fmt.mapping_text)
    previous = previous_batch(store, intake)
    if previous is not None and not withdraw_missing:
        return already_imported(store, previous, intake)
    started = datetime.now()
    progress("parsing")
    try:
        with store.workspace(), import_memory(store.con), _parsed(store.con, raw, fmt) as parsed:
            result = _unfinished_then_batch(
                store, raw, fmt, intake, parsed, area, withdraw_missing, progress, started
            )
    except duckdb.OutOfMemoryException as exc:
        raise StoreError(_out_of_memory(path)) from exc
    finally:
        drop_staged(store.con)
        drop_plan(store.con)
        store.con.execute("DROP TABLE IF EXISTS checked")
    return result


def _unfinished_then_batch(
    store: Store,
    raw: RawFile,
    fmt: Format,
    intake: Intake,
    parsed: Parsed | None,
    area: PlausibleArea | None,
    withdraw_missing: bool,
    progress: Progress,
    started: datetime,
) -> ImportResult:
    """The raw rows first, block by block, each block committed under a batch id marked unfinished (a
    transaction holding them all would hold them in memory); then everything else in one transaction,
    which clears the mark. A failure removes the rows; a crash leaves them to `open_store` to remove."""
    con = store.con
    batch_id = _unfinished_batch(con, started)
    try:
        staged = _stage(con, raw, fmt, parsed, _Documents(con, batch_id), progress)
        progress("checking the rows")
        fmt = fmt.layout_for(staged.header, str(raw.path))
        given = _checked(con, fmt, area, staged.rows_read)
        sources = _planned(con, fmt, intake.source, given, progress)
        with store.transaction() as tx:
            result = _import(tx, raw, fmt, intake, staged, batch_id, sources, withdraw_missing, started)
    except BaseException:
        with suppress(duckdb.Error):  # an outer transaction, aborted, drops them anyway
            clear_unfinished(con, batch_id)
        raise
    # written to the file now, within the import's memory: later (at the next commit or when the store
    # is closed), under DuckDB's default limit, writing 3M rows took 1.3 GB
    con.execute("CHECKPOINT")
    return result


def _checked(con: duckdb.DuckDBPyConnection, fmt: Format, area: PlausibleArea | None, rows: int) -> set[str]:
    """Table `checked` from `staged`, before the import's transaction (tables a transaction writes to
    a workspace would make it write two databases; TEMP ones it holds in memory until it ends).
    Returns the fields the format sets."""
    if fmt.prepare:
        fmt.prepare(con, "staged")
    return listed_checked(con, fmt) if fmt.withdraws else _normalise(con, fmt, area or PlausibleArea(), rows)


def _planned(
    con: duckdb.DuckDBPyConnection, fmt: Format, source: str, given: set[str], progress: Progress
) -> dict[str, int]:
    """Before the import's transaction: each row's source and record (`versions.plan_records`).
    Returns the ids of the sources, the batch's first (those the store lacks are created in the
    transaction)."""
    if fmt.withdraws:
        return planned_source_ids(con, [source])
    sources = _row_sources(con, source)
    progress("matching records")
    plan_records(con, KINDS[fmt.kind], given, sources[source])
    return sources


def _unfinished_batch(con: duckdb.DuckDBPyConnection, started: datetime) -> int:
    """The next batch id, marked unfinished (`store.clear_unfinished`)."""
    batch_id = next_batch_id(con)
    con.execute("INSERT INTO unfinished_batch VALUES (?, ?)", [batch_id, started])
    return batch_id


def _import(
    con: duckdb.DuckDBPyConnection,
    raw: RawFile,
    fmt: Format,
    intake: Intake,
    staged: Staged,
    batch_id: int,
    sources: dict[str, int],
    withdraw_missing: bool,
    started: datetime,
) -> ImportResult:
    """The import's writes but the raw rows, inside its transaction: records, quarantine, the batch."""
    ids = open_batch(con, intake.source, started, batch_id)
    create_sources(con, sources)
    result = _write_outcomes(con, ids.batch_id, ids.source_id, fmt, staged, withdraw_missing, str(raw.path))
    result = close_batch(
        con, ids, intake, result, staged.header, "SELECT row_number FROM checked WHERE len(reasons) = 0"
    )
    con.execute("DELETE FROM unfinished_batch WHERE batch_id = ?", [batch_id])
    return result


def _named(fmt: Format | str, mapping: Path | str | None) -> Format:
    """`fmt`, or the format of that name (`registry.get_format`)."""
    if isinstance(fmt, Format):
        return fmt
    from harmtrace.ingest.registry import get_format  # every format loads: only when one is named

    return get_format(fmt, None if mapping is None else Path(mapping))


def _out_of_memory(path: Path) -> str:
    limit = os.environ.get("HARMTRACE_IMPORT_MEMORY", DEFAULT_IMPORT_MEMORY)
    return (
        f"Importing {path} needed more memory than the import may use ($HARMTRACE_IMPORT_MEMORY, now "
        f"{limit}). Nothing was imported. Allow more (e.g. HARMTRACE_IMPORT_MEMORY=2GB) and import again."
    )


@dataclass
class _Documents:
    """The batch's documents, written as staging hands them over (`staging.DocumentSink`)."""

    con: duckdb.DuckDBPyConnection
    batch_id: int

    def write(self, tables: Iterator[pa.Table]) -> None:
        # one statement a block: outside a transaction each is committed, so memory stays flat
        for table in tables:
            write_documents(self.con, self.batch_id, table)

    def clear(self) -> None:
        self.con.execute("DELETE FROM document WHERE batch_id = ?", [self.batch_id])


DEFAULT_IMPORT_MEMORY = "512MB"
CHECKPOINT_EVERY = "256MB"  # of write-ahead log, during an import


@contextmanager
def import_memory(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """DuckDB's memory limit for an import ($HARMTRACE_IMPORT_MEMORY, default 512MB): past it DuckDB
    spills to a temporary folder beside the store, so an import's memory does not grow with the file."""
    before = con.execute(
        "SELECT current_setting('memory_limit'), current_setting('preserve_insertion_order'), "
        "current_setting('checkpoint_threshold')"
    ).fetchall()[0]
    con.execute(f"SET memory_limit = {lit(os.environ.get('HARMTRACE_IMPORT_MEMORY', DEFAULT_IMPORT_MEMORY))}")
    # rows are numbered by the file's order once, where DuckDB parses it (staging); past that, every
    # step orders by row number itself, and letting DuckDB write out of order keeps its memory down
    con.execute("SET preserve_insertion_order = false")
    # a commit past the threshold checkpoints, rewriting the table's last, partly filled row group: at
    # DuckDB's default (16 MB) the raw rows, committed block by block, took 1.6x as long to write and
    # left the store 40% larger (benchmarks/ingest.py, 1M rows)
    con.execute(f"SET checkpoint_threshold = {lit(CHECKPOINT_EVERY)}")
    try:
        yield
    finally:
        con.execute(f"SET memory_limit = {lit(str(before[0]))}")
        con.execute(f"SET preserve_insertion_order = {bool(before[1])}")
        con.execute(f"SET checkpoint_threshold = {lit(str(before[2]))}")


@contextmanager
def _parsed(con: duckdb.DuckDBPyConnection, raw: RawFile, fmt: Format) -> Iterator[Parsed | None]:
    """A CSV file parsed by DuckDB before the import's transaction; None for a spreadsheet."""
    if raw.encoding == "binary":
        yield None
        return
    with parsed_csv(con, raw, fmt.required_columns) as parsed:
        yield parsed


def _stage(
    con: duckdb.DuckDBPyConnection,
    raw: RawFile,
    fmt: Format,
    parsed: Parsed | None,
    sink: DocumentSink,
    progress: Progress,
) -> Staged:
    """Stage a parsed CSV file, or a spreadsheet."""
    if parsed is None:
        from harmtrace.ingest.spreadsheet import stage_xlsx

        return stage_xlsx(con, raw, fmt.required_columns, sink, fmt.sheet)
    return stage_csv(con, parsed, sink, progress)


def _normalise(con: duckdb.DuckDBPyConnection, fmt: Format, area: PlausibleArea, rows: int) -> set[str]:
    """Workspace table `checked` (`Store.workspace`): every normalised field, with format and generic
    checks merged.

    `reasons` quarantine a row; `issues` (field, reason) set a unit of it aside (`units`), its fields
    taking their defaults in the same pass; `flags` are notes. Returns the fields the format sets.
    """
    columns = [r[0] for r in con.execute("DESCRIBE staged").fetchall()]
    select = fmt.select(columns)
    select.flags += _formula_flags(select, columns)
    defaults = _defaults(fmt)
    unknown = set(select.fields) - set(defaults)
    if unknown:
        raise ValueError(f"format {fmt.name} sets unknown fields {sorted(unknown)}")
    fields = [f"{n if n in select.fields else d} AS {n}" for n, d in defaults.items()]
    units, issues = _generic_issues(select, fmt, area)
    merged = (
        f"SELECT row_number, {', '.join(fields)}, "
        f"list_concat(reasons, {message_list(generic_reasons(fmt.kind))}) AS reasons, "
        f"list_concat(flags, {message_list([placeholder_flag()])}) AS flags, "
        f"list_concat(issues, {issues}) AS issues, {placeholder_flag()} IS NOT NULL AS placeholder "
        f"FROM ({_with_units(select.sql('staged'))})"
    )
    work_table_in_slices(
        con,
        "checked",
        f"SELECT * EXCLUDE (placeholder, ht_units) REPLACE ({_set_aside_sql(units, defaults)}) "
        f"FROM ({_with_units(merged)})",
        rows,
    )
    return set(select.fields)


def _generic_issues(select: Select, fmt: Format, area: PlausibleArea) -> tuple[set[str], str]:
    """(every unit the import may set aside, SQL list of the generic checks' issues)."""
    harm = set(HARM_COLUMNS) if fmt.kind == "report" else set()  # victims have no harm counts
    own_units = {unit for unit, _ in select.field_reasons}
    generic = generic_issues(fmt.kind, area, harm)
    # a unit the format has already set aside is not checked again (a half-read coordinate pair is
    # coordinates_invalid, not also coordinates_partial)
    issues = issue_list([(u, _unless_set_aside(u, m) if u in own_units else m) for u, m in generic])
    return own_units | {u for u, _ in generic}, issues


def _formula_flags(select: Select, columns: list[str]) -> list[str]:
    """Row flags for spreadsheet formulas with no saved value in columns no field of the format noted."""
    noted = {formula_column(c) for c in select.noted_columns}
    return [q(c) for c in columns if c.startswith(FORMULA_PREFIX) and c not in noted]


def _with_units(sql: str) -> str:
    """`sql` (with an `issues` column) plus `ht_units`: the units its issues set aside."""
    return f"SELECT *, list_transform(issues, lambda x: x.field) AS ht_units FROM ({sql})"


def _defaults(fmt: Format) -> dict[str, str]:
    """Every normalised field of `fmt`'s kind with the value it takes when not given (or set aside)."""
    if fmt.kind == "victim":
        return VICTIM_FIELDS | {SOURCE_FIELD: "NULL::VARCHAR"}
    defaults = REPORT_FIELDS | {c: "NULL::INTEGER" for c in HARM_COLUMNS}
    defaults[SIDE_HARM_COLUMN] = f"[]::{SIDE_HARM_TYPE}"
    defaults[CODES_COLUMN] = "[]::VARCHAR[]"
    defaults[CITES_COLUMN] = f"[]::{CITATION_TYPE}"
    defaults[SOURCE_FIELD] = "NULL::VARCHAR"
    return defaults


def _unless_set_aside(unit: str, message: str) -> str:
    return f"CASE WHEN NOT list_contains(ht_units, {lit(unit)}) THEN {message} END"


def _set_aside_sql(units: set[str], defaults: dict[str, str]) -> str:
    """REPLACE items: each field of a unit that may be set aside takes its default where it is; a
    placeholder date (1970-01-01) is unknown."""
    by_field: dict[str, list[str]] = {}
    for unit in sorted(units):
        for name in set_aside(unit, defaults):
            by_field.setdefault(name, []).append(unit)
    for name in ("date_start", "date_end", "date_precision"):
        by_field.setdefault(name, [])
    items = []
    for name, field_units in by_field.items():
        when = [f"list_has_any(ht_units, {_varchar_list(field_units)})"] if field_units else []
        if name.startswith("date_"):
            when.append("placeholder")
        default = "'unknown'" if name == "date_precision" else defaults[name]
        items.append(f"CASE WHEN {' OR '.join(when)} THEN {default} ELSE {name} END AS {name}")
    return ", ".join(items)


def _varchar_list(values: list[str]) -> str:
    return f"[{', '.join(lit(v) for v in values)}]::VARCHAR[]"


def _row_sources(con: duckdb.DuckDBPyConnection, batch_source: str) -> dict[str, int]:
    """The planned ids (`intake.planned_source_ids`) of the batch's source, first, and of the sources
    rows name in their `source` field (a file combining several lists): those in TEMP table
    `ht_row_sources` (name, id)."""
    names = [r[0] for r in con.execute(
        f"SELECT DISTINCT {SOURCE_FIELD} FROM checked WHERE {SOURCE_FIELD} IS NOT NULL ORDER BY 1"
    ).fetchall()]  # fmt: skip
    ids = planned_source_ids(con, [batch_source, *names])
    con.execute("CREATE OR REPLACE TEMP TABLE ht_row_sources (name VARCHAR, id INTEGER)")
    if names:
        con.executemany("INSERT INTO ht_row_sources VALUES (?, ?)", [[n, ids[n]] for n in names])
    return ids


def _write_outcomes(
    con: duckdb.DuckDBPyConnection,
    batch_id: int,
    source_id: int,
    fmt: Format,
    staged: Staged,
    withdraw_missing: bool = False,
    where: str = "the file",
) -> ImportResult:
    write_quarantine(con, batch_id, staged.rejected)
    kind = KINDS[fmt.kind]
    if not fmt.withdraws:
        # before the quarantine: a row repeating a record id with other content is quarantined here
        outcome = import_records(con, kind, batch_id, withdraw_missing, where)
    # a quarantined row lists every reason found, its fields' included
    write_quarantine(
        con, batch_id, "SELECT row_number, list_concat(reasons, list_transform(issues, lambda x: x.reason)) "
        "FROM checked WHERE len(reasons) > 0",
    )  # fmt: skip
    if fmt.withdraws:
        outcome = withdraw_listed(con, kind, batch_id, source_id)
    quarantined = scalar(con, "SELECT count(*) FROM quarantine WHERE batch_id = ?", [batch_id])
    result = ImportResult(
        batch_id, "", fmt.name, False, staged.rows_read,
        rows_accepted=staged.rows_read - quarantined,
        rows_quarantined=quarantined,
        rows_flagged=scalar(con, "SELECT count(*) FROM checked WHERE len(reasons) = 0 AND len(flags) > 0"),
        flags=summarise(con, "SELECT row_number, flags FROM checked WHERE len(reasons) = 0"),
    )  # fmt: skip
    result = _with_outcome(result, outcome, fmt, withdraw_missing)
    return _with_field_issues(con, batch_id, result)


def _with_field_issues(con: duckdb.DuckDBPyConnection, batch_id: int, result: ImportResult) -> ImportResult:
    """The field issues of the accepted rows, into `field_issue` and the result's summary."""
    con.execute(
        "INSERT INTO field_issue SELECT ?, row_number, i.field, i.reason FROM "
        "(SELECT row_number, unnest(issues) AS i FROM checked WHERE len(reasons) = 0 AND len(issues) > 0)",
        [batch_id],
    )
    return replace(
        result,
        field_issues=summarise(
            con,
            "SELECT row_number, list(reason) FROM field_issue WHERE batch_id = ? GROUP BY row_number",
            [batch_id],
        ),
        rows_with_field_issues=scalar(
            con, "SELECT count(DISTINCT row_number) FROM field_issue WHERE batch_id = ?", [batch_id]
        ),
    )


def _with_outcome(result: ImportResult, out: Outcome, fmt: Format, withdraw_missing: bool) -> ImportResult:
    """The record counts of `out`; a deletions feed adds no records (new, unchanged, changed None)."""
    if not fmt.withdraws:
        result = replace(
            result, rows_new=out.new, rows_unchanged=out.unchanged, rows_changed=out.changed,
            records_absent=out.absent,
        )  # fmt: skip
    return replace(
        result, kind=fmt.kind, rows_withdrawn=out.withdrawn, withdraw_missing=withdraw_missing,
        places_changed=out.places_changed, ids_not_found=out.not_found, ids_not_found_first=out.not_found_ids,
    )  # fmt: skip
