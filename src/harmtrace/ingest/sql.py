"""Building blocks for set-wise parsing and validation in SQL.

A format describes its rows as a `Select`: one SQL expression per normalised field, plus message
expressions that yield a message (or NULL) per row, of three kinds:

- reasons quarantine the row: it cannot be a report or record at all (no id, a report without a date);
- field reasons set one field (a *unit*, see `Select.field_reasons`) aside: its value becomes unknown,
  the message is kept in `field_issue`, and the rest of the row is accepted;
- flags accept the row, values and all, with a note.

Messages start with a stable code and a colon, e.g. ``date_invalid: column "date" value ...``.

Counts are whole numbers, read strictly (`whole_number`): '3', ' 3 ', '1,204' and '3.0' are 3, 1204
and 3; '2.5' is not a whole number (DuckDB's own cast would round it to 3), '1e9' is a spreadsheet's
scientific notation (digits lost), and a count above MAX_COUNT is implausible.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb

from harmtrace.store.sql import lit as lit
from harmtrace.store.sql import q as q
from harmtrace.store.store import WORKSPACE

FORMULA_PREFIX = "ht_formula:"


def formula_column(column: str) -> str:
    """The staging column holding, per row, the uncached-formula message of spreadsheet column `column`
    (see `harmtrace.ingest.spreadsheet`)."""
    return FORMULA_PREFIX + column


def show(expr: str) -> str:
    """A value for a message: quoted, cut to 60 characters."""
    return f"'''' || left(coalesce({expr}, ''), 60) || ''''"


def blank(expr: str) -> str:
    return f"(nullif(trim({expr}), '') IS NULL)"


def text(col: str) -> str:
    """A text column, trimmed, with empty strings as NULL."""
    return f"nullif(trim({q(col)}), '')"


# No single report counts more people than this; a larger count is a typo or a mangled cell
# (a spreadsheet's 1E+09), set aside as `count_implausible`. Ages and other whole numbers share the cap.
MAX_COUNT = 1_000_000
# digits, or digits grouped by thousands with commas, then optionally ".0..."; a sign is allowed so
# that a negative count is read and then refused as negative, not as unreadable
_WHOLE_RE = r"[+-]?(?:[0-9]+|[0-9]{1,3}(?:,[0-9]{3})+)(?:\.0*)?"
_SCIENTIFIC_RE = r"[+-]?[0-9]+(?:[.,][0-9]*)?[eE][+-]?[0-9]+"


def whole_number(text: str) -> str:
    """SQL: the INTEGER written in the text expression `text` (trimmed here), or NULL.

    Accepts '3', ' 3 ', '-2', '1,204' and '3.0'; refuses '2.5', '1,2', '1e9' and anything beyond
    +-MAX_COUNT (see `whole_problem` for the message saying which).
    """
    t = f"trim({text})"
    value = f"TRY_CAST(regexp_replace({t}, '[,]|[.]0*$', '', 'g') AS BIGINT)"
    # fast path: text that is the canonical form of its integer ('3', '-2'), most cells; DuckDB's own
    # cast is lax ('2.5', '1e9', '0x10', '1_000' all cast), hence the round trip
    plain = f"TRY_CAST({text} AS INTEGER)"
    return (
        f"CASE WHEN {plain}::VARCHAR = {text} THEN CASE WHEN abs({plain}) <= {MAX_COUNT} THEN {plain} END "
        f"WHEN regexp_full_match({t}, {lit(_WHOLE_RE)}) AND abs({value}) <= {MAX_COUNT} "
        f"THEN {value}::INTEGER END"
    )


def whole_problem(text: str, column: str, code: str) -> str:
    """SQL: why the non-blank `text` of `column` is not a whole number `whole_number` reads, or NULL.

    `code` is the message's code (count_invalid, value_invalid...); a count beyond MAX_COUNT is
    `count_implausible` when `code` is count_invalid.
    """
    t = f"trim({text})"
    head = lit(f"{code}: column {q(column)} value ")
    big = "count_implausible" if code == "count_invalid" else code
    return (
        f"CASE WHEN nullif({t}, '') IS NULL OR ({whole_number(text)}) IS NOT NULL THEN NULL "
        f"WHEN regexp_full_match({t}, {lit(_SCIENTIFIC_RE)}) THEN {head} || {show(t)} || "
        "' is in scientific notation, as a spreadsheet shows a long number, with digits lost; format the '"
        "|| 'column as a whole number (or text) in the spreadsheet, export it again and import it' "
        f"WHEN regexp_full_match({t}, {lit(_WHOLE_RE)}) THEN {lit(f'{big}: column {q(column)} value ')} || "
        f"{show(t)} || ' is above {MAX_COUNT:,}, more than one report can count; check the cell' "
        f"ELSE {head} || {show(t)} || ' is not a whole number' END"
    )


def integer(col: str) -> str:
    """A whole number from column `col` (see `whole_number`)."""
    return whole_number(q(col))


def number(col: str) -> str:
    return f"TRY_CAST(replace(trim({q(col)}), ',', '.') AS DOUBLE)"


def unparsed_count(col: str, code: str = "count_invalid") -> str:
    """Reason when a non-blank value of `col` is not a whole number (`whole_problem`)."""
    return whole_problem(q(col), col, code)


def unparsed(col: str, parsed: str, code: str, expected: str) -> str:
    """Reason when a non-blank value did not parse."""
    return (
        f"CASE WHEN NOT {blank(q(col))} AND ({parsed}) IS NULL THEN "
        f"{lit(f'{code}: column {q(col)} value ')} || {show(q(col))} || {lit(f' is not {expected}')} END"
    )


def missing(col: str, code: str, what: str) -> str:
    """Reason when a required value is blank."""
    return f"CASE WHEN {blank(q(col))} THEN {lit(f'{code}: column {q(col)} is empty; {what}')} END"


def date_from(col: str, formats: tuple[str, ...] = ("%Y-%m-%d",)) -> str:
    """A date parsed with the first of `formats` that fits (strptime codes); ISO timestamps too."""
    value = f"trim({q(col)})"
    tries = [f"TRY_CAST(try_strptime({value}, {lit(f)}) AS DATE)" for f in formats]
    tries.append(f"TRY_CAST(left({value}, 10) AS DATE)" if "%Y-%m-%d" in formats else "NULL")
    return "coalesce(" + ", ".join(tries) + ")"


def split_list(col: str, sep: str = ",") -> str:
    """A cell holding a list ("Russian Military, U.S.-led Coalition") as a trimmed VARCHAR[]."""
    items = f"string_split(coalesce({q(col)}, ''), {lit(sep)})"
    return f"list_filter(list_transform({items}, lambda x: trim(x)), lambda x: x <> '')"


@dataclass
class Select:
    """The normalised fields of a format, with the reasons, field reasons and flags of each row.

    A field reason is (unit, message expression): when the message is not NULL the unit is set aside
    (`harmtrace.ingest.units`): a harm pair ('killed_men'), 'coordinates', 'age', 'date' (victims),
    or one normalised field ('location_precision').
    """

    fields: dict[str, str] = field(default_factory=dict)
    reasons: list[str] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    field_reasons: list[tuple[str, str]] = field(default_factory=list)
    # source columns whose uncached spreadsheet formulas the format has made field issues of (the
    # others become row flags: `batch._normalise`)
    noted_columns: set[str] = field(default_factory=set)

    def set(self, name: str, expr: str) -> None:
        self.fields[name] = expr

    def set_aside(self, unit: str, message: str) -> None:
        """Set `unit` aside in the rows where the SQL `message` is not NULL."""
        self.field_reasons.append((unit, message))

    def sql(self, table: str = "staged") -> str:
        cols = [f"{expr} AS {q(name)}" for name, expr in self.fields.items()]
        cols.append(f"{message_list(self.reasons)} AS reasons")
        cols.append(f"{message_list(self.flags)} AS flags")
        cols.append(f"{issue_list(self.field_reasons)} AS issues")
        return f"SELECT row_number, {', '.join(cols)} FROM {table}"


def message_list(exprs: list[str]) -> str:
    if not exprs:
        return "[]::VARCHAR[]"
    return f"list_filter([{', '.join(exprs)}]::VARCHAR[], lambda x: x IS NOT NULL)"


ISSUE_TYPE = "STRUCT(field VARCHAR, reason VARCHAR)[]"


def issue_list(pairs: list[tuple[str, str]]) -> str:
    """SQL: the (field, reason) structs whose reason is not NULL, from (unit, message) pairs."""
    if not pairs:
        return f"[]::{ISSUE_TYPE}"
    items = ", ".join(f"{{'field': {lit(unit)}, 'reason': {m}}}" for unit, m in pairs)
    return f"list_filter([{items}]::{ISSUE_TYPE}, lambda x: x.reason IS NOT NULL)"


def drop_relation(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """Drop the temporary table or view `name`, whichever it is, if it exists."""
    kinds = con.execute(
        "SELECT 'VIEW' FROM duckdb_views() WHERE view_name = ? AND temporary "
        "UNION ALL SELECT 'TABLE' FROM duckdb_tables() WHERE table_name = ? AND temporary",
        [name, name],
    ).fetchall()
    for (kind,) in kinds:
        con.execute(f"DROP {kind} IF EXISTS {q(name)}")


def rewrite_staged(con: duckdb.DuckDBPyConnection, table: str, select: str) -> None:
    """Replace the temporary relation `table` (table or view) by a table of `select` (which may read it)."""
    con.execute(f"CREATE OR REPLACE TEMP TABLE ht_rewritten AS {select}")
    drop_relation(con, table)
    con.execute(f"ALTER TABLE ht_rewritten RENAME TO {q(table)}")


SLICE_BYTES_PER_ROW = 1024  # of DuckDB's memory limit, per row a statement writing a wide table takes
_UNITS = {"bytes": 1, "KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30, "TiB": 1 << 40}


def work_table_in_slices(con: duckdb.DuckDBPyConnection, table: str, select: str, rows: int) -> None:
    """Table `table` of `select` (which has a `row_number` column, 1..`rows`) in the store's workspace
    (`Store.workspace`, which must be attached), written a slice of rows a statement (`row_slices`).

    One statement writing a wide table (many columns, lists) held memory that grew with its rows: 3M
    rows of normalised reports failed at 256 MB; written in slices they did not.
    """
    for i, rows_in in enumerate(row_slices(con, rows)):
        part = f"SELECT * FROM ({select}) WHERE {rows_in}"
        if i == 0:
            con.execute(f"CREATE OR REPLACE TABLE {WORKSPACE}.main.{q(table)} AS {part}")
        else:
            con.execute(f"INSERT INTO {WORKSPACE}.main.{q(table)} {part}")


def row_slices(con: duckdb.DuckDBPyConnection, rows: int, column: str = "row_number") -> list[str]:
    """SQL conditions on `column` cutting rows 1..`rows` into slices, one a statement: as many rows a
    slice as DuckDB's memory limit holds kilobytes (each slice reads its source again, filtered)."""
    step = max(50_000, memory_limit(con) // SLICE_BYTES_PER_ROW)
    return [f"{column} > {start} AND {column} <= {start + step}" for start in range(0, max(rows, 1), step)]


def memory_limit(con: duckdb.DuckDBPyConnection) -> int:
    """DuckDB's memory limit in bytes (its setting reads like '488.2 MiB')."""
    text = con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0]
    number, _, unit = str(text).partition(" ")
    return int(float(number) * _UNITS.get(unit, 1))
