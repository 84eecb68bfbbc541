"""Building blocks for set-wise parsing and validation in SQL.

A format describes its rows as a `Select`: one SQL expression per normalised field, plus reason
expressions that yield a message (or NULL) per row. Reasons quarantine a row; flags accept it with a
note. Messages start with a stable code and a colon, e.g. ``date_invalid: column "date" value ...``.
"""

from __future__ import annotations

from dataclasses import dataclass, field


def q(name: str) -> str:
    """Quote an identifier for DuckDB."""
    return '"' + name.replace('"', '""') + '"'


def lit(text: str) -> str:
    """Quote a string literal for DuckDB."""
    return "'" + text.replace("'", "''") + "'"


def show(expr: str) -> str:
    """A value for a message: quoted, cut to 60 characters."""
    return f"'''' || left(coalesce({expr}, ''), 60) || ''''"


def blank(expr: str) -> str:
    return f"(nullif(trim({expr}), '') IS NULL)"


def text(col: str) -> str:
    """A text column, trimmed, with empty strings as NULL."""
    return f"nullif(trim({q(col)}), '')"


def integer(col: str) -> str:
    """A whole number, accepting '3', ' 3 ', '3.0' and '1,204'."""
    cleaned = f"replace(trim({q(col)}), ',', '')"
    return f"coalesce(TRY_CAST({cleaned} AS INTEGER), TRY_CAST(TRY_CAST({cleaned} AS DOUBLE) AS INTEGER))"


def number(col: str) -> str:
    return f"TRY_CAST(replace(trim({q(col)}), ',', '.') AS DOUBLE)"


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
    """The normalised fields of a format, with the reasons and flags of each row."""

    fields: dict[str, str] = field(default_factory=dict)
    reasons: list[str] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)

    def set(self, name: str, expr: str) -> None:
        self.fields[name] = expr

    def sql(self, table: str = "staged") -> str:
        cols = [f"{expr} AS {q(name)}" for name, expr in self.fields.items()]
        cols.append(f"{message_list(self.reasons)} AS reasons")
        cols.append(f"{message_list(self.flags)} AS flags")
        return f"SELECT row_number, {', '.join(cols)} FROM {table}"


def message_list(exprs: list[str]) -> str:
    if not exprs:
        return "[]::VARCHAR[]"
    return f"list_filter([{', '.join(exprs)}]::VARCHAR[], lambda x: x IS NOT NULL)"
