"""Records over time: which rows of an import are new, unchanged or changed, and withdrawn records.

A row is identified by its source (the batch's, or the row's own when a file combining several lists
maps `source`) and record id (`record_id`, the source's own id), for reports and victim records alike.
Importing a file again, or a corrected version of it:

- a row whose record is not in the store adds it (``new``);
- a row whose record is in the store with the same content adds nothing (``unchanged``); its document
  is kept in the batch like every row's, and the record keeps pointing at the document of its version;
- a row whose record is in the store with other content is a new *version* of it (``changed``): the
  record keeps its id (so incident links, ties and decisions stay), its live rows are replaced with
  version + 1 pointing at the new document, and the version replaced is kept whole in
  ``record_version`` (the row with its child rows: harm, harm_side, codes and citations, as JSON;
  ``ended_how = 'changed'``).

The live tables (report and its child tables, victim_record) hold current versions only, so no reader
elsewhere filters. ``batch_match`` has one row per data row that was a record already in the store
(or given by an earlier row of the file): outcome 'unchanged' or 'changed'; a deletions feed's rows
that withdrew a record have outcome 'withdrawn'.

Content is compared by a digest of the *normalised* record (`record_kinds.digest_sql`: every field,
the flags, the harm and side rows, the codes and citations), stored as ``content_sha256``: a re-export
that quotes or orders columns otherwise changes nothing. Records imported before versions existed get
theirs on first match; when what a digest covers grows (codes and citations, schema 10), every stored
digest of the source is recomputed once (`_backfill_digests`), so only records whose content did grow
(a UCDP event's citations, read by this version) become a new version.

Rows without a record id are identified by content within the source: the k-th such row of a file with
content C is the k-th such record of the source with content C. Identical content is unchanged, other
content new. Counting occurrences matters: a list without ids (the VDC 2011-2012 export) holds thousands
of identical rows that are different people (civilians of one town killed on one day by one cause).

One record id twice in one file: a repeat with the same content is the same record (``unchanged``); a
repeat with other content is quarantined (``record_id_repeated``), the first row being the record.

Withdrawn: with ``withdraw_missing`` the file is the source's complete current list of its kind, and
current records of the source it does not name are withdrawn (a record named by a quarantined row is
not: its row is faulty, not gone; when a quarantined row's id cannot be read at all, the import is
refused rather than withdraw blindly). A withdrawn record leaves the live tables, and every table
keyed by its id (`RecordKind.links`), for ``record_version`` (``ended_how = 'withdrawn'``). Ids are
never given again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import duckdb

from harmtrace.errors import InputError, param
from harmtrace.ingest.formats import SOURCE_FIELD, Format
from harmtrace.ingest.record_kinds import (
    CITATION_ROW,
    CODE_ROW,
    COUNTS,
    HARM_ROW,
    REPORT,
    SIDE_ROW,
    RecordKind,
    digest_sql,
    stored_sql,
)
from harmtrace.ingest.sql import row_slices, work_table_in_slices
from harmtrace.model import (
    BOUNDS,
    CATEGORIES,
    CITES_COLUMN,
    CODES_COLUMN,
    HARMS,
    SIDE_HARM_COLUMN,
    harm_column,
)
from harmtrace.store import scalar
from harmtrace.store.store import WORKSPACE

OUTCOMES = ("new", "unchanged", "changed")
SAMPLE_IDS = 5


@dataclass
class Outcome:
    """What an import did to the records of its source (counts of rows, and of records for the rest)."""

    new: int = 0
    unchanged: int = 0
    changed: int = 0
    withdrawn: int = 0
    absent: int = 0  # current records of the source the file does not name
    places_changed: int = 0  # changed reports whose place changed: their placements were cleared
    not_found: int = 0  # rows of a deletions feed naming no current record
    not_found_ids: list[str] = field(default_factory=list)


def plan_records(con: duckdb.DuckDBPyConnection, kind: RecordKind, given: set[str], source_id: int) -> None:
    """Before the import's transaction: which accepted rows of table `checked` are new, unchanged or
    changed records of their source (the row's own, from its `source` field and TEMP table
    `ht_row_sources` (name, id), else the batch's, `source_id`), as tables (`ht_plan` and what it is made
    of); rows repeating a record id with other content get a reason in `checked`. Temporary tables a
    transaction writes stay in memory until it ends, and these grow with the file.

    The stored records of the file's sources that lack a digest get theirs first, each statement
    committed on its own: a digest is derived from the record, so filling it in changes no record even
    if the import then fails. The caller holds the store, so nothing changes it before `import_records`.
    """
    _incoming(con, kind, given, source_id)
    for sid in _sources(con):
        _backfill_digests(con, kind, sid)
    _plan(con, kind)
    _quarantine_repeats(con)


def import_records(
    con: duckdb.DuckDBPyConnection,
    kind: RecordKind,
    batch_id: int,
    withdraw_missing: bool,
    where: str = "the file",
) -> Outcome:
    """Inside the import's transaction: write what `plan_records` planned (new records, new versions of
    changed ones), then find the absent records (withdrawn when asked). Call it before writing the
    quarantine of `checked`."""
    new, unchanged, changed = _counts(con)
    out = Outcome(new, unchanged, changed)
    at = datetime.now()
    _end_versions(
        con, kind, "SELECT record_key FROM ht_plan WHERE outcome = 'changed'", batch_id, "changed", at
    )
    out.places_changed = _clear_moved_placements(con, kind)
    _write_current(con, kind, batch_id)
    con.execute(
        "INSERT INTO batch_match SELECT ?, row_number, ?, record_key, outcome FROM ht_plan "
        "WHERE outcome <> 'new'",
        [batch_id, kind.name],
    )
    out.absent = _absent(con, kind)
    if withdraw_missing and out.absent:
        _refuse_blind_withdrawal(con, batch_id, out.absent, where)
        out.withdrawn = withdraw(con, kind, "SELECT record_key FROM ht_absent", batch_id, at)
    return out


def drop_plan(con: duckdb.DuckDBPyConnection) -> None:
    """Drop the TEMP relations `plan_records` and `import_records` leave."""
    con.execute("DROP VIEW IF EXISTS ht_in")
    _drop(con, "ht_in_rows", "ht_digest", "ht_anon", "ht_repeat", "ht_plan", "ht_absent", "ht_sources")
    _drop(con, "ht_row_sources", "ht_live", "ht_live_anon")


def _of_file_sources(con: duckdb.DuckDBPyConnection) -> str:
    """SQL: `source_id` is one of the file's sources (a list of ids: a subquery over the rows built a
    table of ten million)."""
    return f"source_id IN ({', '.join(str(s) for s in _sources(con)) or 'NULL'})"


def _sources(con: duckdb.DuckDBPyConnection) -> list[int]:
    """The sources of the file's rows (one, unless the file combines lists)."""
    return [int(r[0]) for r in con.execute("SELECT DISTINCT source_id FROM ht_sources ORDER BY 1").fetchall()]


def _incoming(con: duckdb.DuckDBPyConnection, kind: RecordKind, given: set[str], source_id: int) -> None:
    """TEMP view `ht_in`: the accepted rows in the stored types, with their source, child lists and
    digest; `ht_sources`: the source of every row of the file, quarantined ones included."""
    rows = int(scalar(con, "SELECT coalesce(max(row_number), 0) FROM checked"))
    with_source = (
        f"checked c LEFT JOIN ht_row_sources rs ON rs.name = c.{SOURCE_FIELD}",
        f"coalesce(rs.id, {int(source_id)}) AS source_id",
    )
    work_table_in_slices(
        con,
        "ht_sources",
        f"SELECT c.row_number, {with_source[1]}, c.record_id, len(c.reasons) > 0 AS quarantined "
        f"FROM {with_source[0]}",
        rows,
    )
    types = dict(
        con.execute(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = 'main' AND table_name = ?",
            [kind.table],
        ).fetchall()
    )
    fields = ", ".join(f"CAST(c.{f} AS {types[f]}) AS {f}" for f in kind.fields)
    lists = (
        f", {_harm_list(given)} AS harm, {_side_list(given)} AS harm_side, "
        f"{_code_list(given)} AS report_code, {_citation_list(given)} AS report_citation"
        if kind is REPORT
        else ""
    )
    # the digest in a table of its own: one statement writing the wide rows and their JSON ran out of
    # memory where the two apart did not
    work_table_in_slices(
        con,
        "ht_in_rows",
        f"SELECT c.row_number, {with_source[1]}, {fields}, c.flags{lists} FROM {with_source[0]} "
        "WHERE len(c.reasons) = 0",
        rows,
    )
    work_table_in_slices(
        con, "ht_digest", f"SELECT row_number, {digest_sql(kind)} AS content_sha256 FROM ht_in_rows", rows
    )
    con.execute(
        "CREATE OR REPLACE TEMP VIEW ht_in AS SELECT * FROM ht_in_rows JOIN ht_digest USING (row_number)"
    )


def _harm_list(given: set[str]) -> str:
    """SQL: a row's harm counts (wide columns of `checked`) as the sorted list of its harm rows."""
    rows = []
    for h in HARMS:
        for c in CATEGORIES:
            cols = [harm_column(h, c, b) for b in BOUNDS]
            if set(cols) & given:
                counts = ", ".join(f"{n} := {col}::INTEGER" for n, col in zip(COUNTS, cols, strict=True))
                rows.append(f"struct_pack(category := '{c}', harm := '{h}', {counts})")
    if not rows:
        return f"[]::{HARM_ROW}[]"
    given_any = "lambda x: coalesce(x.count_min, x.count_max, x.count_best) IS NOT NULL"
    return f"list_sort(list_filter([{', '.join(rows)}], {given_any}))"


def _side_list(given: set[str]) -> str:
    if SIDE_HARM_COLUMN not in given:
        return f"[]::{SIDE_ROW}[]"
    return f"list_sort(list_filter({SIDE_HARM_COLUMN}::{SIDE_ROW}[], lambda s: s.side IS NOT NULL))"


def _code_list(given: set[str]) -> str:
    """SQL: a row's own codes (the normalised `codes` column) as the sorted list of its report_code rows:
    each code trimmed and upper-cased, as citations are compared, and as written."""
    if CODES_COLUMN not in given:
        return f"[]::{CODE_ROW}[]"
    codes = f"list_filter({CODES_COLUMN}, lambda x: nullif(trim(x), '') IS NOT NULL)"
    rows = f"list_transform({codes}, lambda x: struct_pack(code := upper(trim(x)), written := trim(x)))"
    return _unless_empty(CODES_COLUMN, f"list_sort(list_distinct({rows}))", f"{CODE_ROW}[]")


def _citation_list(given: set[str]) -> str:
    """SQL: a row's citations (the normalised `cites` column) as the sorted list of its report_citation
    rows, the cited code trimmed and upper-cased; a citation without a source or a code is none."""
    if CITES_COLUMN not in given:
        return f"[]::{CITATION_ROW}[]"
    rows = (
        f"list_transform({CITES_COLUMN}, lambda x: struct_pack(cited_source := nullif(trim(x.source), ''), "
        "cited_code := nullif(upper(trim(x.code)), ''), cited_date := x.day, text := x.text))"
    )
    given_rows = f"list_filter({rows}, lambda x: x.cited_source IS NOT NULL AND x.cited_code IS NOT NULL)"
    return _unless_empty(CITES_COLUMN, f"list_sort(list_distinct({given_rows}))", f"{CITATION_ROW}[]")


def _unless_empty(column: str, rows: str, list_type: str) -> str:
    """SQL: `rows` built from list `column`, skipped where it is empty (most rows cite nothing)."""
    return f"CASE WHEN coalesce(len({column}), 0) = 0 THEN []::{list_type} ELSE ({rows})::{list_type} END"


def _backfill_digests(con: duckdb.DuckDBPyConnection, kind: RecordKind, source_id: int) -> None:
    """Give the source's stored records the digest an incoming row of the same content gets now.

    Records stored before versions existed have none. And should the digest of a content change (a
    DuckDB upgrade that writes JSON otherwise), every stored digest would differ from every incoming
    one and each record would get a spurious version: a sample of stored records is digested again,
    and when one differs, all of the source's are.
    """
    where = f"WHERE source_id = {int(source_id)}"
    sample = f"SELECT {kind.key} FROM {kind.table} {where} AND content_sha256 IS NOT NULL ORDER BY 1 LIMIT 20"
    drifted = f"SELECT count(*) FROM ({stored_sql(kind, sample)}) WHERE {digest_sql(kind)} <> content_sha256"
    if scalar(con, drifted):
        con.execute(f"UPDATE {kind.table} SET content_sha256 = NULL {where}")
    keys = f"SELECT {kind.key} FROM {kind.table} {where} AND content_sha256 IS NULL"
    if not scalar(con, f"SELECT count(*) FROM ({keys})"):
        return
    con.execute(
        f"UPDATE {kind.table} SET content_sha256 = d.sha FROM (SELECT {kind.key} AS k, {digest_sql(kind)} "
        f"AS sha FROM ({stored_sql(kind, keys)})) d WHERE {kind.table}.{kind.key} = d.k"
    )


def _plan(con: duckdb.DuckDBPyConnection, kind: RecordKind) -> None:
    """Table `ht_plan` (row_number, record_key, outcome, old_version) for every accepted row but the
    repeats with other content (`ht_repeat` where not same); a record is its source's. The live records
    of the file's sources (`ht_live`, `ht_live_anon`) and the plan are workspace tables, the plan
    written a slice of rows a statement: at 10M records, one statement ran out of memory."""
    _repeats(con)
    live = f"FROM {kind.table} WHERE {_of_file_sources(con)}"
    base = _last_key(con, kind)
    # a record the store holds twice (imports before versions added every row again) matches once,
    # at its lowest id; the other copy is absent, and --withdraw-missing withdraws it
    con.execute(
        f"""CREATE OR REPLACE TABLE {WORKSPACE}.main.ht_live AS
        SELECT source_id, record_id, min({kind.key}) AS record_key,
               arg_min(content_sha256, {kind.key}) AS sha, arg_min(version, {kind.key}) AS version
        {live} AND record_id IS NOT NULL GROUP BY source_id, record_id"""
    )
    con.execute(
        f"""CREATE OR REPLACE TABLE {WORKSPACE}.main.ht_live_anon AS
        SELECT source_id, {kind.key} AS record_key, content_sha256 AS sha, version,
               row_number() OVER (PARTITION BY source_id, content_sha256 ORDER BY {kind.key}) AS occurrence
        {live} AND record_id IS NULL"""
    )
    rows = int(scalar(con, "SELECT coalesce(max(row_number), 0) FROM ht_sources"))
    work_table_in_slices(
        con,
        "ht_plan",
        f"""SELECT l.row_number, coalesce(v.record_key, {base} + l.row_number) AS record_key,
               CASE WHEN v.record_key IS NULL THEN 'new' WHEN v.sha = l.content_sha256 THEN 'unchanged'
                    ELSE 'changed' END AS outcome, coalesce(v.version, 0) AS old_version
        FROM (SELECT i.row_number, i.source_id, i.record_id, i.content_sha256 FROM ht_in i
              ANTI JOIN ht_repeat r USING (row_number) WHERE i.record_id IS NOT NULL) l
        LEFT JOIN ht_live v USING (source_id, record_id)
        UNION ALL
        SELECT a.row_number, coalesce(v.record_key, {base} + a.row_number),
               CASE WHEN v.record_key IS NULL THEN 'new' ELSE 'unchanged' END, coalesce(v.version, 0)
        FROM ht_anon a LEFT JOIN ht_live_anon v
             ON v.source_id = a.source_id AND v.sha = a.content_sha256 AND v.occurrence = a.occurrence""",
        rows,
    )
    con.execute(
        "INSERT INTO ht_plan SELECT r.row_number, p.record_key, 'unchanged', p.old_version FROM ht_repeat r "
        "JOIN ht_plan p ON p.row_number = r.lead_row WHERE r.same"
    )


def _repeats(con: duckdb.DuckDBPyConnection) -> None:
    """TEMP tables `ht_repeat` (later rows of a record id the file gives more than once, with the first
    row and whether the content is the same) and `ht_anon` (rows without an id, numbered by content)."""
    con.execute(
        """CREATE OR REPLACE TEMP TABLE ht_repeat AS
        SELECT i.row_number, i.record_id, l.lead_row, i.content_sha256 = l.lead_sha AS same
        FROM ht_in i JOIN (SELECT source_id, record_id, min(row_number) AS lead_row,
                                  arg_min(content_sha256, row_number) AS lead_sha
                           FROM ht_in WHERE record_id IS NOT NULL GROUP BY source_id, record_id
                           HAVING count(*) > 1) l
        USING (source_id, record_id) WHERE i.row_number <> l.lead_row"""
    )
    con.execute(
        "CREATE OR REPLACE TEMP TABLE ht_anon AS SELECT row_number, source_id, content_sha256, "
        "row_number() OVER (PARTITION BY source_id, content_sha256 ORDER BY row_number) AS occurrence "
        "FROM ht_in WHERE record_id IS NULL"
    )


def _last_key(con: duckdb.DuckDBPyConnection, kind: RecordKind) -> int:
    """The highest id a record of `kind` ever had: a withdrawn record's id is never given again."""
    return int(
        scalar(
            con,
            f"SELECT greatest((SELECT coalesce(max({kind.key}), 0) FROM {kind.table}), "
            "(SELECT coalesce(max(record_key), 0) FROM record_version WHERE kind = ?))",
            [kind.name],
        )
    )


def _quarantine_repeats(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        "UPDATE checked SET reasons = list_append(checked.reasons, 'record_id_repeated: record ' || "
        "r.record_id || ' is also row ' || r.lead_row || ' of this file, with other content; row ' || "
        "r.lead_row || ' was imported') FROM ht_repeat r "
        "WHERE checked.row_number = r.row_number AND NOT r.same"
    )


def _counts(con: duckdb.DuckDBPyConnection) -> list[int]:
    found = dict(con.execute("SELECT outcome, count(*) FROM ht_plan GROUP BY outcome").fetchall())
    return [int(found.get(o, 0)) for o in OUTCOMES]


def _clear_moved_placements(con: duckdb.DuckDBPyConnection, kind: RecordKind) -> int:
    """Delete the placements (governorates, gazetteer places) of changed records whose place changed;
    returns how many records moved."""
    if not kind.place_fields:
        return 0
    moved = " OR ".join(f"r.{f} IS DISTINCT FROM i.{f}" for f in kind.place_fields)
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE ht_moved AS SELECT p.record_key FROM ht_plan p "
        f"JOIN ht_in i USING (row_number) JOIN {kind.table} r ON r.{kind.key} = p.record_key "
        f"WHERE p.outcome = 'changed' AND ({moved})"
    )
    for table in kind.placements:
        con.execute(f"DELETE FROM {table} WHERE {kind.key} IN (SELECT record_key FROM ht_moved)")
    moved_count = int(scalar(con, "SELECT count(*) FROM ht_moved"))
    _drop(con, "ht_moved")
    return moved_count


def _write_current(con: duckdb.DuckDBPyConnection, kind: RecordKind, batch_id: int) -> None:
    """Replace the changed records' live rows and add the new ones, children included."""
    changed = "SELECT record_key FROM ht_plan WHERE outcome = 'changed'"
    for child, _, _ in kind.children:
        con.execute(f"DELETE FROM {child} WHERE {kind.key} IN ({changed})")
    con.execute(f"DELETE FROM {kind.table} WHERE {kind.key} IN ({changed})")
    cols, values = ", ".join(kind.fields), ", ".join(f"i.{f}" for f in kind.fields)
    # a slice of rows a statement: one statement for them all ran out of memory at 10M rows
    last = int(scalar(con, "SELECT coalesce(max(row_number), 0) FROM ht_plan"))
    for rows_in in row_slices(con, last, "p.row_number"):
        written = (
            "FROM ht_in i JOIN ht_plan p USING (row_number) "
            f"WHERE p.outcome IN ('new', 'changed') AND {rows_in}"
        )
        con.execute(
            f"INSERT INTO {kind.table} ({kind.key}, batch_id, row_number, source_id, {cols}, flags, "
            f"version, content_sha256) SELECT p.record_key, ?, i.row_number, i.source_id, {values}, "
            f"i.flags, p.old_version + 1, i.content_sha256 {written}",
            [batch_id],
        )
        for child, columns, _ in kind.children:
            rows = f"SELECT p.record_key, unnest(i.{child}) AS c {written} AND len(i.{child}) > 0"
            con.execute(
                f"INSERT INTO {child} ({kind.key}, {', '.join(columns)}) SELECT record_key, "
                f"{', '.join(f'c.{c}' for c in columns)} FROM ({rows})"
            )


def _absent(con: duckdb.DuckDBPyConnection, kind: RecordKind) -> int:
    """TEMP table `ht_absent`: current records of the file's sources that no row of the file names (a
    row quarantined with its record id names it); returns how many."""
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE ht_absent AS SELECT r.{kind.key} AS record_key
        FROM {kind.table} r ANTI JOIN ht_plan p ON p.record_key = r.{kind.key}
        WHERE r.{_of_file_sources(con)}
          AND (r.record_id IS NULL OR (r.source_id, r.record_id) NOT IN
               (SELECT (source_id, record_id) FROM ht_sources WHERE quarantined AND record_id IS NOT NULL))"""
    )
    return int(scalar(con, "SELECT count(*) FROM ht_absent"))


def _refuse_blind_withdrawal(con: duckdb.DuckDBPyConnection, batch_id: int, absent: int, where: str) -> None:
    """Refuse to withdraw when a quarantined row's record id could not be read (a row CSV could not
    split, a blank id): it may name one of the absent records, and a faulty row is no withdrawal."""
    rows = con.execute(
        "SELECT list(row_number ORDER BY row_number) FROM (SELECT row_number FROM quarantine "
        "WHERE batch_id = ? UNION ALL "
        "SELECT row_number FROM checked WHERE len(reasons) > 0 AND record_id IS NULL)",
        [batch_id],
    ).fetchall()[0][0]
    if not rows:
        return
    shown = ", ".join(str(r) for r in rows[:SAMPLE_IDS]) + (", ..." if len(rows) > SAMPLE_IDS else "")
    option = param("withdraw_missing")
    raise InputError(
        f"{option} would withdraw {absent:,} records of this source, but {len(rows):,} rows of "
        f"{where} (rows {shown}) are quarantined without a readable record id: they may be some of those "
        f"records. Nothing was imported. Import the file without {option} to see why "
        f"(harmtrace quarantine), fix those rows, then import the fixed file with {option}."
    )


def withdraw(con: duckdb.DuckDBPyConnection, kind: RecordKind, keys: str, batch_id: int, at: datetime) -> int:
    """Withdraw the records whose id is in `keys` (a SELECT of ids): kept in `record_version`, deleted
    from the live tables and every table keyed by their id. Returns how many."""
    count = _end_versions(con, kind, keys, batch_id, "withdrawn", at)
    con.execute(f"CREATE OR REPLACE TEMP TABLE ht_gone AS {keys}")
    gone = "SELECT * FROM ht_gone"
    for child, _, _ in kind.children:
        con.execute(f"DELETE FROM {child} WHERE {kind.key} IN ({gone})")
    for table, column in kind.links:
        con.execute(f"DELETE FROM {table} WHERE {column} IN ({gone})")
    con.execute(f"DELETE FROM {kind.table} WHERE {kind.key} IN ({gone})")
    _drop(con, "ht_gone")
    return count


def _end_versions(
    con: duckdb.DuckDBPyConnection, kind: RecordKind, keys: str, batch_id: int, how: str, at: datetime
) -> int:
    """Copy the current versions of the records in `keys` to `record_version`, ended by `batch_id`."""
    inserted = con.execute(
        f"INSERT INTO record_version SELECT ?, s.{kind.key}, s.version, s.source_id, s.record_id, "
        f"s.batch_id, s.row_number, to_json(s), ?, ?, ? FROM ({stored_sql(kind, keys)}) s",
        [kind.name, batch_id, how, at],
    ).fetchall()
    return int(inserted[0][0])


def withdraw_listed(
    con: duckdb.DuckDBPyConnection, kind: RecordKind, batch_id: int, source_id: int
) -> Outcome:
    """A deletions feed: withdraw the current records of the source whose record id an accepted row of
    TEMP table `checked` gives (the first row giving it is matched in `batch_match`, outcome
    'withdrawn'); rows naming no current record are counted and the first ids listed, not quarantined."""
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE ht_plan AS
        SELECT c.row_number, c.record_id, r.{kind.key} AS record_key, 'withdrawn' AS outcome
        FROM (SELECT record_id, min(row_number) AS row_number FROM checked WHERE len(reasons) = 0
              GROUP BY record_id) c
        JOIN {kind.table} r ON r.record_id = c.record_id AND r.source_id = ?""",
        [source_id],
    )
    con.execute(
        "INSERT INTO batch_match SELECT ?, row_number, ?, record_key, outcome FROM ht_plan",
        [batch_id, kind.name],
    )
    missing = con.execute(
        f"SELECT count(*), list(record_id ORDER BY row_number)[1:{SAMPLE_IDS}] FROM checked "
        "WHERE len(reasons) = 0 AND record_id NOT IN (SELECT record_id FROM ht_plan)"
    ).fetchall()[0]
    out = Outcome(not_found=int(missing[0]), not_found_ids=list(missing[1] or []))
    out.withdrawn = withdraw(con, kind, "SELECT record_key FROM ht_plan", batch_id, datetime.now())
    _drop(con, "ht_plan")
    return out


def listed_checked(con: duckdb.DuckDBPyConnection, fmt: Format) -> set[str]:
    """TEMP table `checked` of a deletions feed (`Format.withdraws`): each row's record id and reasons.

    A feed names records, it describes none: the checks of reports and victim records do not apply.
    """
    columns = [r[0] for r in con.execute("DESCRIBE staged").fetchall()]
    select = fmt.select(columns)
    con.execute(f"CREATE OR REPLACE TEMP TABLE checked AS {select.sql('staged')}")
    return set(select.fields)


def _drop(con: duckdb.DuckDBPyConnection, *tables: str) -> None:
    con.execute("; ".join(f"DROP TABLE IF EXISTS {t}" for t in tables))
