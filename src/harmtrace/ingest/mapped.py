"""The `incidents` and `victims` formats: a `Format` built from a YAML mapping (see docs/mapping.md).

Each mapped field becomes one SQL expression over the staged (all text) columns, so a mapped import
parses set-wise like every other format. The mapping is checked against the file's header when the
file is staged (`prepare`); its own problems and the missing columns are then reported together, in
one error. `prepare` also adds, once per used column, its trimmed text and its comparison key, which
the fields' expressions share (a column may feed several fields: VDC's sex_agegroup feeds two).

Cells are trimmed (ASCII whitespace and no-break spaces); a blank cell is unknown. Value maps compare
case- and whitespace-insensitively (`mapping.key_sql`). Dates are intervals: a cell read with a
format that has no day (`%Y-%m`) covers its whole month, one with no month its whole year, and unless
the mapping sets `date_precision` it is derived from the interval (day, month, year, else range).
ISO dates (YYYY-MM-DD, as spreadsheets store date cells) are read after the mapping's own formats.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from harmtrace.errors import MappingError
from harmtrace.ingest.formats import REPORT_FIELDS, SOURCE_FIELD, VICTIM_FIELDS, Format
from harmtrace.ingest.mapping import (
    VOCABULARIES,
    WHITESPACE_RE2,
    FieldSpec,
    FieldType,
    Mapping,
    MappingFile,
    column_problems,
    date_format_grain,
    field_types,
    key_sql,
    load_mapping,
    mapping_problems,
    normalise_keys,
    pattern_group,
    range_fields,
)
from harmtrace.ingest.sql import (
    FORMULA_PREFIX,
    Select,
    formula_column,
    lit,
    q,
    rewrite_staged,
    show,
    whole_number,
    whole_problem,
)
from harmtrace.ingest.units import unit_of
from harmtrace.model import CITES_COLUMN, HARM_COLUMNS

_ITEM = "ht_item"  # lambda parameter: a name no sheet column is likely to shadow
_DATE_FIELDS = ("date", "date_start", "date_end")


def mapped_format(name: str, path: Path) -> Format:
    """The format `name` (incidents or victims) reading files as the mapping at `path` says."""
    located = load_mapping(path)
    problems = mapping_problems(located, expected_kind=name)
    source = located.mapping.source
    return Format(
        name=name,
        kind="report" if name == "incidents" else "victim",
        required_columns=(),  # known only with the header: checked in `prepare`, with every other problem
        select=functools.partial(_select, located),
        prepare=functools.partial(_prepare, located, problems),
        mapping_text=located.text,
        description=f"{name} mapped by {path.name}",
        source=source.name if source else None,
        sheet=located.mapping.sheet,
    )


def _prepare(
    located: MappingFile, static_problems: list[str], con: duckdb.DuckDBPyConnection, table: str
) -> None:
    """Refuse a mapping with any problem (all listed), then add the used columns' text and keys."""
    columns = [
        r[0] for r in con.execute(f"DESCRIBE {table}").fetchall() if not r[0].startswith(FORMULA_PREFIX)
    ]
    problems = [*static_problems, *column_problems(located, columns)]
    if problems:
        raise MappingError(str(located.path), problems)
    used = sorted({column for spec in located.mapping.fields.values() for column in spec.read_columns})
    derived = [f"{_clean(q(c))} AS {q(_text(c))}, {key_sql(_clean(q(c)))} AS {q(_key(c))}" for c in used]
    if derived:
        rewrite_staged(con, table, f"SELECT *, {', '.join(derived)} FROM {table}")


def _text(column: str) -> str:
    """Name of the staged column holding `column`'s trimmed text, blank as NULL."""
    return f"ht_text:{column}"


def _key(column: str) -> str:
    """Name of the staged column holding `column`'s comparison key (`mapping.key_sql`)."""
    return f"ht_key:{column}"


def _select(located: MappingFile, columns: list[str]) -> Select:
    """The normalised fields, reasons and flags of every row (`_prepare` has checked the columns).

    A cell's problem sets its field aside (`units`), unless the field is `required` (a faulty required
    field is a missing one) or is a report's date (a report needs one): then it quarantines the row.
    """
    m = located.mapping
    types, ranges = field_types(m.kind), range_fields(m.kind)
    s = Select()
    _add_dates(s, m.fields, row_level=m.kind == "incidents")
    for name, spec in m.fields.items():
        if name in _DATE_FIELDS:
            continue
        if name == SOURCE_FIELD:
            # a record whose list is unknown cannot be placed among the lists (estimation compares them)
            spec = spec.model_copy(update={"required": True})
        if name in ranges:
            _add_range(s, name, spec, ranges[name], types[ranges[name][0]])
        elif types[name] == "codes":
            _add(s, name, spec, _codes(name, spec))
        elif types[name] == "list":
            _add(s, name, spec, _list(name, spec))
        else:
            _add(s, name, spec, _scalar(name, spec, types[name], _code(name, types[name])))
    _check_age_order(s)
    _note_formulas(s, m, columns)
    defaults = REPORT_FIELDS if m.kind == "incidents" else VICTIM_FIELDS
    for name, expr in s.fields.items():
        if not defaults.get(name, "NULL").startswith("NULL"):
            s.set(name, f"coalesce({expr}, {defaults[name]})")
    return s


def _check_age_order(s: Select) -> None:
    """Set aside an age range that is upside down (harm ranges are checked for every format)."""
    if {"age_min", "age_max"} <= set(s.fields):
        low, high = s.fields["age_min"], s.fields["age_max"]
        s.set_aside(
            "age", f"CASE WHEN {low} > {high} THEN 'age_order: age min ' || {low} || ' > max ' || {high} END"
        )


def _note_formulas(s: Select, m: Mapping, columns: list[str]) -> None:
    """A spreadsheet cell holding a formula with no saved value: a problem of each field read from it."""
    for name, spec in m.fields.items():
        for column in spec.read_columns:
            if formula_column(column) not in columns:
                continue
            s.noted_columns.add(column)
            date = name in _DATE_FIELDS
            unit = "date" if date else unit_of(name)
            _note(
                s,
                unit,
                Parsed("", problems=[q(formula_column(column))]),
                spec.required or (date and m.kind == "incidents"),
            )


@dataclass
class Parsed:
    """One field's SQL value with what it raises: `reasons` always quarantine the row (a required
    field is blank), `problems` set the field aside (or quarantine the row, see `_select`), `flags`
    accept it with a note."""

    value: str
    reasons: list[str] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def then(self, value: str, problems: Sequence[str] = (), flags: Sequence[str] = ()) -> Parsed:
        """A later step of the same cell: a new value, notes so far kept."""
        return Parsed(value, self.reasons, [*self.flags, *flags], [*self.problems, *problems])


def _add(s: Select, name: str, spec: FieldSpec, parsed: Parsed) -> None:
    s.set(name, parsed.value)
    _note(s, unit_of(name), parsed, row_level=spec.required)


def _note(s: Select, unit: str, parsed: Parsed, row_level: bool) -> None:
    """Add a cell's notes to `s`: its problems quarantine the row when `row_level`, else set `unit` aside."""
    s.reasons += parsed.reasons
    s.flags += parsed.flags
    if row_level:
        s.reasons += parsed.problems
    else:
        for problem in parsed.problems:
            s.set_aside(unit, problem)


def _code(name: str, kind: FieldType) -> str:
    """The reason code for a cell of field `name` that does not parse."""
    if kind == "date":
        return "date_invalid"
    if name in ("latitude", "longitude"):
        return "coordinates_invalid"
    return "count_invalid" if name in HARM_COLUMNS else "value_invalid"


def _clean(expr: str) -> str:
    """Trimmed text, blank as NULL."""
    return f"nullif(regexp_replace({expr}, '^{WHITESPACE_RE2}+|{WHITESPACE_RE2}+$', '', 'g'), '')"


def _in(key: str, keys: list[str]) -> str:
    """SQL: is the comparison key `key` one of `keys`?"""
    return f"{key} IN ({', '.join(lit(k) for k in keys)})"


def _message(code: str, column: str, value: str, tail: str) -> str:
    return f"{lit(f'{code}: column {q(column)} value ')} || {show(value)} || {lit(tail)}"


# --- cells ---------------------------------------------------------------------------------------------


def _cell(name: str, spec: FieldSpec) -> Parsed:
    """The cell's text: trimmed, blank or one of `null_values` as NULL (flagged), required if asked."""
    if spec.column is None:
        return Parsed(lit(spec.constant or ""))
    column = spec.column.strip()
    text, key = q(_text(column)), q(_key(column))
    parsed = Parsed(text)
    if spec.null_values:
        nulls = sorted(set(normalise_keys(spec.null_values)))
        flag = _message("value_as_unknown", column, text, f" read as unknown (null_values of {name})")
        parsed = Parsed(f"CASE WHEN {_in(key, nulls)} THEN NULL ELSE {text} END")
        parsed.flags.append(f"CASE WHEN {_in(key, nulls)} THEN {flag} END")
    if spec.required:
        parsed.reasons.append(
            f"CASE WHEN {parsed.value} IS NULL THEN "
            f"{lit(f'value_missing: column {q(column)} is empty; the mapping requires {name}')} END"
        )
    return parsed


def _value_map(name: str, spec: FieldSpec, kind: FieldType) -> dict[str, str | None]:
    """Normalised key -> target; a word field also reads its own words ('within 100m' = within_100m)."""
    words = VOCABULARIES.get(name, ()) if kind == "word" else ()
    implicit = [(w, w) for w in words] + [(w.replace("_", " "), w) for w in words]
    pairs = [*implicit, *spec.values.items()]
    return dict(zip(normalise_keys([k for k, _ in pairs]), [t for _, t in pairs], strict=True))


def _mapped(name: str, spec: FieldSpec, kind: FieldType, cell: Parsed) -> Parsed:
    """Apply the value map to a scalar cell; unmapped values are quarantined, defaulted or kept."""
    values = _value_map(name, spec, kind)
    if not values or spec.column is None:
        return cell
    v, column = cell.value, spec.column.strip()
    key = q(_key(column))  # the key of v wherever v is not NULL
    whens = " ".join(f"WHEN {lit(k)} THEN {_target(t)}" for k, t in values.items())
    fallback = {"keep": v, "blank": "NULL", "quarantine": "NULL"}[spec.unmapped]
    if spec.default is not None:
        fallback = lit(spec.default)
    mapped = f"CASE WHEN {v} IS NOT NULL THEN CASE {key} {whens} ELSE {fallback} END END"
    unmapped = f"{v} IS NOT NULL AND NOT {_in(key, list(values))}"
    return cell.then(mapped, *_unmapped_notes(name, spec, column, v, unmapped))


def _target(target: str | None) -> str:
    return "NULL" if target is None else lit(target)


def _unmapped_notes(
    name: str, spec: FieldSpec, column: str, shown: str, condition: str
) -> tuple[list[str], list[str]]:
    """(problems, flags) for values the map does not name: a problem by default, else a flag."""
    if spec.unmapped == "keep" and spec.default is None:
        return [], []
    if spec.default is None and spec.unmapped == "quarantine":
        tail = f" is not in the values for {name}; add it to the mapping's `values` or set a `default`"
        return [f"CASE WHEN {condition} THEN {_message('value_unmapped', column, shown, tail)} END"], []
    read_as = "unknown" if spec.default is None else repr(spec.default)
    tail = f" is not in the values for {name}; read as {read_as}"
    return [], [f"CASE WHEN {condition} THEN {_message('value_default', column, shown, tail)} END"]


# --- typed fields ----------------------------------------------------------------------------------------


def _scalar(name: str, spec: FieldSpec, kind: FieldType, code: str) -> Parsed:
    """A text, word, integer or number field."""
    cell = _cell(name, spec)
    text = _mapped(name, spec, kind, cell)
    if kind == "integer":
        return text.then(whole_number(text.value), _whole_problem(spec, text.value, code))
    if kind != "number":
        return text
    value = _number(text.value)
    return text.then(value, _unparsed(spec, text.value, value, code, " is not a number"))


def _whole_problem(spec: FieldSpec, text: str, code: str) -> list[str]:
    """Why a cell is not a whole number (`sql.whole_problem`); none for a constant."""
    return [] if spec.column is None else [whole_problem(text, spec.column.strip(), code)]


def _number(text: str) -> str:
    """A decimal number; a decimal comma ('36,2') is read as a point."""
    return f"TRY_CAST(replace({text}, ',', '.') AS DOUBLE)"


def _unparsed(spec: FieldSpec, text: str, value: str, code: str, expected: str) -> list[str]:
    if spec.column is None:
        return []
    message = _message(code, spec.column.strip(), text, expected)
    return [f"CASE WHEN {text} IS NOT NULL AND ({value}) IS NULL THEN {message} END"]


def _list(name: str, spec: FieldSpec) -> Parsed:
    """A list cell ("Russian Military, U.S.-led Coalition"): split, trimmed, each item mapped."""
    if spec.column is None:
        return Parsed(f"[{lit(spec.constant or '')}]")
    column = spec.column.strip()
    raw = q(_text(column))
    pieces = f"string_split({raw}, {lit(spec.split)})" if spec.split else f"[{raw}]"
    items = _no_nulls(f"list_transform({pieces}, lambda {_ITEM}: {_clean(_ITEM)})")
    parsed = Parsed(items)
    if spec.null_values:
        nulls = sorted(set(normalise_keys(spec.null_values)))
        kept = f"list_filter({items}, lambda {_ITEM}: NOT {_in(key_sql(_ITEM), nulls)})"
        flag = _message(
            "value_as_unknown", column, raw, f" has items read as unknown (null_values of {name})"
        )
        parsed = Parsed(kept, flags=[f"CASE WHEN len({kept}) < len({items}) THEN {flag} END"])
    if spec.required:
        message = lit(f"value_missing: column {q(column)} is empty; the mapping requires {name}")
        parsed.reasons.append(f"CASE WHEN len({parsed.value}) = 0 THEN {message} END")
    return _mapped_items(name, spec, column, parsed)


def _no_nulls(items: str) -> str:
    return f"list_filter({items}, lambda {_ITEM}: {_ITEM} IS NOT NULL)"


def _mapped_items(name: str, spec: FieldSpec, column: str, items: Parsed) -> Parsed:
    values = _value_map(name, spec, "list")
    if not values:
        return items
    whens = " ".join(f"WHEN {lit(k)} THEN {_target(t)}" for k, t in values.items())
    fallback = {"keep": _ITEM, "blank": "NULL", "quarantine": "NULL"}[spec.unmapped]
    if spec.default is not None:
        fallback = lit(spec.default)
    mapped = (
        f"list_transform({items.value}, lambda {_ITEM}: CASE {key_sql(_ITEM)} {whens} ELSE {fallback} END)"
    )
    # two items mapped to one value (e.g. "Russia, Russian Military") count once, first-named first
    kept = _no_nulls(mapped)
    value = f"list_filter({kept}, lambda {_ITEM}, i: list_position({kept}, {_ITEM}) = i)"
    others = f"list_filter({items.value}, lambda {_ITEM}: NOT {_in(key_sql(_ITEM), list(values))})"
    shown = f"array_to_string({others}, ', ')"
    return items.then(value, *_unmapped_notes(name, spec, column, shown, f"len({others}) > 0"))


def _codes(name: str, spec: FieldSpec) -> Parsed:
    """A code field: the codes of every column it reads, in order (`codes`: as VARCHAR[]; `cites`: as
    citations of `spec.source`, each with its cell as the citation's text)."""
    per_column = []
    for column in spec.read_columns:
        codes = _column_codes(spec, column)
        if name == CITES_COLUMN:
            cite = (
                f"struct_pack(source := {lit(spec.source or '')}, code := {_ITEM}, day := NULL::DATE, "
                f"text := {q(_text(column))})"
            )
            codes = f"list_transform({codes}, lambda {_ITEM}: {cite})"
        per_column.append(codes)
    value = f"flatten([{', '.join(per_column)}])"
    parsed = Parsed(value)
    if spec.required:
        message = lit(
            f"value_missing: no code in {', '.join(map(q, spec.read_columns))}; the mapping requires {name}"
        )
        parsed.reasons.append(f"CASE WHEN len({value}) = 0 THEN {message} END")
    return parsed


def _column_codes(spec: FieldSpec, column: str) -> str:
    """SQL: the codes in one column's cell: split at `split`, then each piece's matches of `pattern` (its
    first capture group, if it has one), trimmed; blanks and `null_values` dropped."""
    raw = q(_text(column))
    pieces = f"string_split({raw}, {lit(spec.split)})" if spec.split else f"[{raw}]"
    if spec.pattern is not None:
        group = pattern_group(spec.pattern)
        matches = f"regexp_extract_all({_ITEM}, {lit(spec.pattern)}, {group})"
        pieces = f"flatten(list_transform({pieces}, lambda {_ITEM}: {matches}))"
    codes = _no_nulls(f"list_transform({pieces}, lambda {_ITEM}: {_clean(_ITEM)})")
    if spec.null_values:
        nulls = sorted(set(normalise_keys(spec.null_values)))
        codes = f"list_filter({codes}, lambda {_ITEM}: NOT {_in(key_sql(_ITEM), nulls)})"
    return f"coalesce({codes}, [])"


def _parts(text: str, separator: str | None) -> str:
    """A cell split at a range separator: one or two parts when well formed."""
    return f"string_split({text}, {lit(separator)})" if separator else f"[{text}]"


def _add_range(s: Select, name: str, spec: FieldSpec, bounds: tuple[str, str], kind: FieldType) -> None:
    """One cell, "3-5" or "3", filling the `bounds` whole-number fields (a single value fills both)."""
    low, high = bounds
    text = _mapped(name, spec, kind, _cell(name, spec))
    parts = _parts(text.value, spec.range_separator)
    lo, hi = _clean(f"{parts}[1]"), _clean(f"{parts}[-1]")
    s.set(low, f"CASE WHEN len({parts}) <= 2 THEN {whole_number(lo)} END")
    s.set(high, f"CASE WHEN len({parts}) <= 2 THEN {whole_number(hi)} END")
    _note(
        s,
        name,
        text.then(text.value, _range_problems(spec, text.value, parts, _code(low, kind))),
        spec.required,
    )


def _range_problems(spec: FieldSpec, text: str, parts: str, code: str) -> list[str]:
    """Why a range cell ("3-5", "3") is not one: too many parts, or a bound not a whole number."""
    if spec.column is None:
        return []
    column = spec.column.strip()
    lo, hi = _clean(f"{parts}[1]"), _clean(f"{parts}[-1]")
    sep = f" or a range low{spec.range_separator}high" if spec.range_separator else ""
    bad_shape = f"{text} IS NOT NULL AND (len({parts}) > 2 OR {lo} IS NULL OR {hi} IS NULL)"
    shape = f"CASE WHEN {bad_shape} THEN {_message(code, column, text, f' is not a whole number{sep}')} END"
    bound = f"coalesce({whole_problem(lo, column, code)}, {whole_problem(hi, column, code)})"
    return [f"coalesce({shape}, {bound})"]


# --- dates -------------------------------------------------------------------------------------------


def _add_dates(s: Select, fields: dict[str, FieldSpec], row_level: bool) -> None:
    """date_start, date_end and (unless mapped) date_precision, from `date` or `date_start`/`date_end`.

    A date that does not parse quarantines the row when `row_level` (a report needs a date), else it
    sets the date aside.
    """
    if "date" in fields:
        start, end = _dates_from_cell(s, fields["date"], row_level)
    elif "date_start" in fields:
        start, end = _dates_from_columns(s, fields["date_start"], fields.get("date_end"), row_level)
    else:
        return
    s.set("date_start", start)
    s.set("date_end", end)
    if "date_precision" not in fields:
        s.set("date_precision", _interval_precision(start, end))


def _dates_from_cell(s: Select, spec: FieldSpec, row_level: bool) -> tuple[str, str]:
    """One cell holding a date or a range "2016-10-01 - 2016-10-03"."""
    text = _cell("date", spec)
    parts = _parts(text.value, spec.range_separator)
    first, last = _clean(f"{parts}[1]"), _clean(f"{parts}[-1]")
    start = f"CASE WHEN len({parts}) <= 2 THEN {_date_start(spec, first)} END"
    end = f"CASE WHEN len({parts}) <= 2 THEN {_date_end(spec, last)} END"
    parsed = f"CASE WHEN ({start}) IS NOT NULL AND ({end}) IS NOT NULL THEN 1 END"
    problems = _unparsed(spec, text.value, parsed, "date_invalid", _expected_date(spec))
    _note(s, "date", text.then(text.value, problems), row_level or spec.required)
    return start, end


def _dates_from_columns(
    s: Select, start_spec: FieldSpec, end_spec: FieldSpec | None, row_level: bool
) -> tuple[str, str]:
    """A start column and an optional end column; a blank end is the end of the start date."""
    text = _cell("date_start", start_spec)
    start, end = _date_start(start_spec, text.value), _date_end(start_spec, text.value)
    problems = _unparsed(start_spec, text.value, start, "date_invalid", _expected_date(start_spec))
    _note(s, "date", text.then(text.value, problems), row_level or start_spec.required)
    if end_spec is None:
        return start, end
    end_text = _cell("date_end", end_spec)
    end_value = _date_end(end_spec, end_text.value)
    problems = _unparsed(end_spec, end_text.value, end_value, "date_invalid", _expected_date(end_spec))
    _note(s, "date", end_text.then(end_text.value, problems), row_level or end_spec.required)
    return start, f"coalesce({end_value}, {end})"


def _expected_date(spec: FieldSpec) -> str:
    sep = f" (or a range start{spec.range_separator}end)" if spec.range_separator else ""
    return f" is not a date in the formats {', '.join(spec.date_formats)}{sep}"


def _date_tries(spec: FieldSpec, text: str) -> list[tuple[str, str]]:
    """(timestamp expression, grain) for each format in order, then ISO."""
    if spec.column is None:
        return [(f"TRY_CAST({lit(spec.constant or '')} AS TIMESTAMP)", "day")]
    tries = [(f"try_strptime({text}, {lit(f)})", date_format_grain(f)[0] or "day") for f in spec.date_formats]
    return [*tries, (f"TRY_CAST({text} AS TIMESTAMP)", "day")]


def _date_start(spec: FieldSpec, text: str) -> str:
    """First day of the date in `text`."""
    return f"CAST(coalesce({', '.join(t for t, _ in _date_tries(spec, text))}) AS DATE)"


def _date_end(spec: FieldSpec, text: str) -> str:
    """Last day of the date in `text`: the day, or the end of its month or year if the format has no day."""
    ends = {
        "day": "CAST({t} AS DATE)",
        "month": "last_day(CAST({t} AS DATE))",
        "year": "make_date(year({t}), 12, 31)",
    }
    whens = " ".join(
        f"WHEN {t} IS NOT NULL THEN {ends[grain].format(t=t)}" for t, grain in _date_tries(spec, text)
    )
    return f"CASE {whens} END"


def _interval_precision(start: str, end: str) -> str:
    """'day', 'month' or 'year' when the interval is exactly one of them, else 'range'."""
    return (
        f"CASE WHEN ({start}) IS NULL THEN NULL WHEN ({end}) = ({start}) THEN 'day' "
        f"WHEN day({start}) = 1 AND ({end}) = last_day({start}) THEN 'month' "
        f"WHEN month({start}) = 1 AND day({start}) = 1 AND ({end}) = make_date(year({start}), 12, 31) "
        "THEN 'year' ELSE 'range' END"
    )
