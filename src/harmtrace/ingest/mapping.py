"""A mapping: how the columns of one monitor's CSV or XLSX become normalised reports or victim records.

A mapping is written in YAML and read into a typed, serialisable object (`Mapping`, pydantic), so the
batch can keep its text and an import can be reproduced later (see docs/mapping.md). Problems are
collected, never raised one at a time: `mapping_problems` finds everything wrong with the mapping itself
and `column_problems` everything wrong against a file's header, each located by line and key.

Scalars are read as text: only `null`/`~` and `true`/`false` are special, so `No`, `0000-00-00` and
`007` stay the words they are (YAML 1.1 would turn them into a boolean, a failed date and 7).
"""

from __future__ import annotations

import difflib
import functools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, Literal

import duckdb
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from harmtrace.errors import MappingError, param
from harmtrace.ingest.formats import REPORT_FIELDS, SOURCE_FIELD, VICTIM_FIELDS
from harmtrace.model import (
    CATEGORIES,
    CITES_COLUMN,
    CODES_COLUMN,
    DATE_PRECISIONS,
    GRADES,
    HARM_COLUMNS,
    HARMS,
    LOCATION_PRECISIONS,
)

MappingKind = Literal["incidents", "victims"]
# "codes": a list of codes read from one or more columns (`codes`: the record's own; `cites`: other
# sources' records it cites), by a regular expression or a separator
FieldType = Literal["text", "word", "integer", "number", "date", "list", "codes"]

# Closed vocabularies of victim fields (model.py has those of reports); "unknown" is the blank value.
VICTIM_STATUSES: Final = ("civilian", "combatant", "unknown")
SEXES: Final = ("female", "male", "unknown")
AGE_GROUPS: Final = ("child", "adult", "unknown")

VOCABULARIES: Final[dict[str, tuple[str, ...]]] = {
    "source_grade": GRADES,
    "location_precision": LOCATION_PRECISIONS,
    "date_precision": DATE_PRECISIONS,
    "status": VICTIM_STATUSES,
    "sex": SEXES,
    "age_group": AGE_GROUPS,
}
DEFAULT_DATE_FORMATS: Final = ("%Y-%m-%d",)
# Whitespace that cells and value-map keys are trimmed of: ASCII whitespace and the no-break space that
# spreadsheets paste in (an RE2 character class: DuckDB applies it).
WHITESPACE_RE2: Final = r"[ \t\n\r\f\v\x{00A0}]"


def key_sql(expr: str) -> str:
    """SQL: how value-map keys and cells are compared: lower case, whitespace runs as one space, trimmed."""
    return f"lower(trim(regexp_replace({expr}, '{WHITESPACE_RE2}+', ' ', 'g')))"


def normalise_keys(texts: list[str]) -> list[str]:
    """`key_sql` of each text, computed by DuckDB itself: Python lower-cases some letters differently
    (e.g. 'İ'), and a key must match the cells it is compared with in SQL.

    >>> normalise_keys(["  Within\u00a0100   M ", "Civilian"])
    ['within 100 m', 'civilian']
    """
    if not texts:
        return []
    with _scratch().cursor() as con:
        rows = con.execute(
            f"SELECT list_transform(?::VARCHAR[], lambda k: {key_sql('k')})", [texts]
        ).fetchall()
    return list(rows[0][0])


@functools.cache
def _scratch() -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB to evaluate small expressions in; each use takes its own cursor."""
    return duckdb.connect()


def normalise_key(text: str) -> str:
    return normalise_keys([text])[0]


class SourceInfo(BaseModel):
    """Who publishes the file. `name` is the default source of the batch (`--source` overrides it)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    url: str | None = None
    terms: str | None = None
    notes: str | None = None


class FieldSpec(BaseModel):
    """Where one normalised field comes from and how its cell text is read.

    A bare string in YAML (`record_id: Code`) is short for `{column: Code}`. `columns`, `pattern` and
    `source` belong to the code fields (`codes`, `cites`).
    """

    model_config = ConfigDict(extra="forbid", frozen=True, coerce_numbers_to_str=True)

    column: str | None = None
    columns: list[str] = Field(default_factory=list)
    pattern: str | None = None
    source: str | None = None
    constant: str | None = None
    values: dict[str, str | None] = Field(default_factory=dict)
    default: str | None = None
    unmapped: Literal["quarantine", "keep", "blank"] = "quarantine"
    null_values: list[str] = Field(default_factory=list)
    formats: list[str] = Field(default_factory=list)
    range_separator: str | None = None
    split: str | None = None
    required: bool = False

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        return {"column": data} if isinstance(data, str) else data

    @property
    def date_formats(self) -> tuple[str, ...]:
        return tuple(self.formats) or DEFAULT_DATE_FORMATS

    @property
    def read_columns(self) -> list[str]:
        """The file's columns this field reads, trimmed (`column`, or every one of `columns`)."""
        named = [self.column] if self.column is not None else self.columns
        return [c.strip() for c in named]


class Mapping(BaseModel):
    """A whole mapping: what the file holds (`kind`), who publishes it, and one spec per field."""

    model_config = ConfigDict(extra="forbid", frozen=True, coerce_numbers_to_str=True)

    version: int = 1
    kind: MappingKind
    source: SourceInfo | None = None
    sheet: str | None = None
    fields: dict[str, FieldSpec]


@dataclass(frozen=True)
class KeyLines:
    """The line (1-based) of every key of a YAML file, by its path of keys."""

    lines: dict[tuple[str, ...], int] = field(default_factory=dict)

    def where(self, *keys: str) -> str:
        """ "line 12 (fields.grade.values)": the line of the deepest of `keys` found in the file."""
        for end in range(len(keys), 0, -1):
            if keys[:end] in self.lines:
                return f"line {self.lines[keys[:end]]} ({'.'.join(keys)})"
        return ".".join(keys) or "top level"


@dataclass(frozen=True)
class MappingFile:
    """A mapping as loaded: the object, its exact text (kept by the batch), and where each key is."""

    path: Path
    text: str
    mapping: Mapping
    lines: KeyLines

    def where(self, *keys: str) -> str:
        return self.lines.where(*keys)


# --- reading -----------------------------------------------------------------------------------------


class _Loader(yaml.SafeLoader):
    """SafeLoader that keeps every scalar as text except null and true/false (see module docstring)."""


_BOOL = "tag:yaml.org,2002:bool"
_TEXT_ONLY = {_BOOL, "tag:yaml.org,2002:int", "tag:yaml.org,2002:float", "tag:yaml.org,2002:timestamp"}
_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag not in _TEXT_ONLY]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(_BOOL, re.compile(r"^(?:true|false)$"), list("tf"))


def load_mapping(path: Path) -> MappingFile:
    """Read and type-check the mapping at `path`; every structural problem is reported at once."""
    if not path.is_file():
        raise MappingError(str(path), [f"the mapping file does not exist; check the {param('mapping')} path"])
    text = path.read_text(encoding="utf-8-sig")
    try:
        document = yaml.load(text, Loader=_Loader)  # a SafeLoader
        lines = KeyLines(_key_lines(yaml.compose(text, Loader=_Loader)))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else "the file"
        raise MappingError(str(path), [f"{where}: not valid YAML ({getattr(exc, 'problem', exc)})"]) from exc
    if not isinstance(document, dict):
        raise MappingError(str(path), ["the file must be a YAML mapping with `kind:` and `fields:` keys"])
    try:
        mapping = Mapping.model_validate(document)
    except ValidationError as exc:
        raise MappingError(str(path), [_pydantic_problem(lines, e) for e in exc.errors()]) from exc
    return MappingFile(path, text, mapping, lines)


def dump_mapping(mapping: Mapping) -> str:
    """The mapping as YAML that `load_mapping` reads back to an equal object."""
    data = mapping.model_dump(mode="json", exclude_defaults=True)
    data.setdefault("kind", mapping.kind)
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def _key_lines(node: yaml.Node | None, path: tuple[str, ...] = ()) -> dict[tuple[str, ...], int]:
    """Line (1-based) of every key and list item, by its path of keys."""
    lines: dict[tuple[str, ...], int] = {}
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            here = (*path, str(key.value))
            lines[here] = key.start_mark.line + 1
            lines.update(_key_lines(value, here))
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            lines[(*path, str(i))] = item.start_mark.line + 1
            lines.update(_key_lines(item, (*path, str(i))))
    return lines


def _pydantic_problem(lines: KeyLines, error: Any) -> str:
    keys = tuple(str(k) for k in error["loc"])
    if error["type"] == "extra_forbidden":
        known = list(_model_at(keys).model_fields)
        hint = _hint(keys[-1], known)
        return f"{lines.where(*keys)}: unknown key {keys[-1]!r}{hint}; keys: {', '.join(known)}"
    if error["type"] == "missing":
        return f"{lines.where(*keys)}: required key {keys[-1]!r} is missing"
    return f"{lines.where(*keys)}: {error['msg']}"


def _model_at(keys: tuple[str, ...]) -> type[BaseModel]:
    if keys[0] == "fields" and len(keys) >= 3:
        return FieldSpec
    return SourceInfo if keys[0] == "source" and len(keys) >= 2 else Mapping


def _hint(word: str, choices: list[str] | tuple[str, ...]) -> str:
    """ " (did you mean 'x'?)" for the closest choice: similar spelling, other case, or a longer name."""
    close = difflib.get_close_matches(word, list(choices), n=1)
    lower = word.lower()
    close = close or [c for c in choices if c.lower() == lower]
    close = close or [c for c in choices if lower and c.lower().startswith(lower)]
    return f" (did you mean {close[0]!r}?)" if close else ""


# --- what each field is ------------------------------------------------------------------------------


def field_types(kind: MappingKind) -> dict[str, FieldType]:
    """Every normalised field a mapping of `kind` may set, with its type."""
    defaults = REPORT_FIELDS if kind == "incidents" else VICTIM_FIELDS
    types = {name: _type_of(name, sql) for name, sql in defaults.items()}
    if kind == "incidents":
        types.update(dict.fromkeys(HARM_COLUMNS, "integer"))
        types.update(dict.fromkeys((CODES_COLUMN, CITES_COLUMN), "codes"))
    types[SOURCE_FIELD] = "text"  # the row's list, when a file combines several (see formats.SOURCE_FIELD)
    return types


def _type_of(name: str, default_sql: str) -> FieldType:
    if name in VOCABULARIES:
        return "word"
    for suffix, kind in (
        ("[]", "list"),
        ("::DATE", "date"),
        ("::INTEGER", "integer"),
        ("::DOUBLE", "number"),
    ):
        if default_sql.endswith(suffix):
            return kind  # type: ignore[return-value]
    return "text"


def range_fields(kind: MappingKind) -> dict[str, tuple[str, str]]:
    """Pseudo-fields whose one cell fills a low and a high field ("2016-10-01 - 2016-10-03", "3-5")."""
    ranges = {"date": ("date_start", "date_end")}
    if kind == "incidents":
        for harm in HARMS:
            for category in CATEGORIES:
                ranges[f"{harm}_{category}"] = (f"{harm}_{category}_min", f"{harm}_{category}_max")
    else:
        ranges["age"] = ("age_min", "age_max")
    return ranges


def spec_type(kind: MappingKind, name: str) -> FieldType | None:
    """Type of field (or range pseudo-field) `name`, None when unknown."""
    ranges = range_fields(kind)
    return field_types(kind).get(ranges[name][0] if name in ranges else name)


# --- problems ----------------------------------------------------------------------------------------


def mapping_problems(located: MappingFile, expected_kind: str | None = None) -> list[str]:
    """Everything wrong with the mapping itself, whatever file it is used on."""
    m = located.mapping
    problems: list[str] = []
    if m.version != 1:
        problems.append(f"{located.where('version')}: version {m.version} is unknown; this harmtrace reads 1")
    if expected_kind and m.kind != expected_kind:
        problems.append(
            f"{located.where('kind')}: the mapping is for {m.kind!r} but the import format is "
            f"{expected_kind!r}; use `harmtrace ingest {m.kind}` or fix `kind:`"
        )
    if not m.fields:
        problems.append(f"{located.where('fields')}: no fields are mapped")
    problems += _field_name_problems(located)
    for name, spec in m.fields.items():
        kind = spec_type(m.kind, name)
        if kind is not None:
            problems += _spec_problems(located, name, spec, kind)
    return problems


def _field_name_problems(located: MappingFile) -> list[str]:
    m = located.mapping
    known = [*field_types(m.kind), *range_fields(m.kind)]
    problems = [
        f"{located.where('fields', name)}: unknown field {name!r}{_hint(name, known)} for {m.kind} "
        "(see docs/mapping.md for the fields)"
        for name in m.fields
        if name not in known
    ]
    for pseudo, (low, high) in range_fields(m.kind).items():
        both = [f for f in (low, high) if f in m.fields]
        if pseudo in m.fields and both:
            problems.append(
                f"{located.where('fields', pseudo)}: {pseudo!r} already sets {low} and {high}; "
                f"remove it or {', '.join(both)}"
            )
    dated = {"date", "date_start", "date_end"} & set(m.fields)
    if m.kind == "incidents" and not dated:
        problems.append(
            f"{located.where('fields')}: an incident sheet needs a date: map `date` (one cell, maybe a "
            "range) or `date_start` (and `date_end`)"
        )
    if "date_end" in m.fields and "date_start" not in m.fields:
        problems.append(f"{located.where('fields', 'date_end')}: date_end needs date_start")
    return problems


def _spec_problems(located: MappingFile, name: str, spec: FieldSpec, kind: FieldType) -> list[str]:
    def at(*keys: str) -> str:
        return located.where("fields", name, *keys)

    if kind == "codes":
        return _code_problems(located, name, spec)
    problems: list[str] = []
    if (spec.column is None) == (spec.constant is None):
        problems.append(f"{at()}: give exactly one of `column` (read from the file) or `constant`")
    is_range = name in range_fields(located.mapping.kind)
    not_here = {
        "formats": spec.formats and kind != "date",
        "range_separator": spec.range_separator is not None and not is_range,
        "split": spec.split is not None and kind != "list",
        "values": spec.values and kind == "date",
        "default": spec.default is not None and kind == "date",
        **_code_options(spec),
    }
    for option, wrong in not_here.items():
        if wrong:
            problems.append(
                f"{at(option)}: `{option}` does not apply to {name} ({_describe(kind, is_range)})"
            )
    if spec.split == "" or spec.range_separator == "":
        problems.append(f"{at()}: a separator cannot be empty")
    if spec.default is not None and spec.unmapped != "quarantine":
        problems.append(f"{at('unmapped')}: give either `default` or `unmapped`, not both")
    if spec.unmapped == "keep" and kind == "word":
        problems.append(f"{at('unmapped')}: {name} takes only the words {_words(name)}; use a default")
    problems += _value_problems(located, name, spec, kind)
    if kind == "date":
        problems += _date_format_problems(located, name, spec)
    return problems


def _code_options(spec: FieldSpec) -> dict[str, bool]:
    """The options only code fields take, and whether `spec` gives each."""
    return {
        "columns": bool(spec.columns),
        "pattern": spec.pattern is not None,
        "source": spec.source is not None,
    }


def _code_problems(located: MappingFile, name: str, spec: FieldSpec) -> list[str]:
    """A code field (`codes`, `cites`): read from `column` or `columns`, split and/or matched by `pattern`;
    `cites` names the cited source."""

    def at(*keys: str) -> str:
        return located.where("fields", name, *keys)

    problems: list[str] = []
    if (spec.column is None) == (not spec.columns):
        problems.append(f"{at()}: give exactly one of `column` or `columns` (a list) for {name}")
    others = {
        "constant": spec.constant is not None,
        "values": bool(spec.values),
        "default": spec.default is not None,
        "unmapped": spec.unmapped != "quarantine",
        "formats": bool(spec.formats),
        "range_separator": spec.range_separator is not None,
        "source": spec.source is not None and name != CITES_COLUMN,
    }
    for option, wrong in others.items():
        if wrong:
            problems.append(f"{at(option)}: `{option}` does not apply to {name} (codes, read as written)")
    if name == CITES_COLUMN and not (spec.source or "").strip():
        problems.append(
            f"{at()}: `cites` needs `source`: the name of the source whose records the column cites, as "
            "the store names it (e.g. UCDP, Airwars)"
        )
    if spec.split == "":
        problems.append(f"{at('split')}: a separator cannot be empty")
    if spec.pattern is not None:
        problems += _pattern_problems(at("pattern"), name, spec.pattern)
    return problems


def _pattern_problems(where: str, name: str, pattern: str) -> list[str]:
    try:
        pattern_group(pattern)
    except duckdb.Error as exc:
        detail = str(exc).splitlines()[0].removeprefix("Invalid Input Error: ")
        return [
            f"{where}: {pattern!r} is not a regular expression ({detail}); {name} takes RE2 syntax, e.g. "
            r"'[A-Z]{1,3}[0-9]+[a-z]?'"
        ]
    return []


@functools.cache
def pattern_group(pattern: str) -> int:
    """Which group of a match of `pattern` is the code: 1 when the pattern has a capture group, else 0
    (the whole match). The pattern is checked by DuckDB itself (RE2), which applies it: a bad pattern
    raises duckdb.Error.

    >>> pattern_group("[A-Z]+[0-9]+"), pattern_group('"code":"([^"]+)"'), pattern_group("(?:S|R)[0-9]+")
    (0, 1, 0)
    """
    with _scratch().cursor() as con:
        con.execute("SELECT regexp_matches('', ?)", [pattern]).fetchall()
    return 1 if _capture_groups(pattern) else 0


def _capture_groups(pattern: str) -> int:
    """How many capture groups `pattern` opens: "(" not escaped, not in a character class, and not
    "(?" unless a named group "(?P<"."""
    groups, escaped, in_class = 0, False, False
    for i, char in enumerate(pattern):
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char == "(" and (not pattern.startswith("?", i + 1) or pattern.startswith("?P<", i + 1)):
            groups += 1
    return groups


def _describe(kind: FieldType, is_range: bool) -> str:
    return f"a {kind} field" + (" range" if is_range else "")


def _words(name: str) -> str:
    return ", ".join(VOCABULARIES[name])


def _value_problems(located: MappingFile, name: str, spec: FieldSpec, kind: FieldType) -> list[str]:
    problems: list[str] = []
    seen: dict[str, tuple[str, str | None]] = {}
    for (key, target), norm in zip(spec.values.items(), normalise_keys(list(spec.values)), strict=True):
        if norm in seen and seen[norm][1] != target:
            problems.append(
                f"{located.where('fields', name, 'values', key)}: {key!r} and {seen[norm][0]!r} are the same "
                f"key once case and spaces are ignored, but map to {seen[norm][1]!r} and {target!r}"
            )
        seen.setdefault(norm, (key, target))
        problems += _target_problems(located, ("fields", name, "values", key), name, kind, target)
    for option in ("default", "constant"):
        problems += _target_problems(located, ("fields", name, option), name, kind, getattr(spec, option))
    return problems


def _target_problems(
    located: MappingFile, keys: tuple[str, ...], name: str, kind: FieldType, target: str | None
) -> list[str]:
    """A value the mapping writes into `name` must be one the field can hold."""
    if target is None:
        return []
    where = located.where(*keys)
    if kind == "word" and target not in VOCABULARIES[name]:
        hint = _hint(target, VOCABULARIES[name])
        return [f"{where}: {target!r} is not a {name} word{hint}; use one of: {_words(name)}"]
    if kind == "integer" and not re.fullmatch(r"\d+", target.strip()):
        return [f"{where}: {target!r} is not a whole number of 0 or more, as {name} needs"]
    if kind == "number" and _float(target) is None:
        return [f"{where}: {target!r} is not a number, as {name} needs"]
    if kind == "date" and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", target):
        return [f"{where}: a constant date is written YYYY-MM-DD, not {target!r}"]
    return []


def _float(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


SAMPLE_DAY: Final = "2016-10-03"
_GRAINS: Final = {"2016-10-03": "day", "2016-10-01": "month", "2016-01-01": "year"}


@functools.cache
def date_format_grain(fmt: str) -> tuple[str | None, str]:
    """How much of a date `fmt` reads ('day', 'month', 'year'), and a sample date written with it.

    Checked by DuckDB itself, which parses the cells: the grain is None when DuckDB does not read back
    the date it wrote with `fmt`; an unknown directive raises duckdb.Error.

    >>> date_format_grain("%d/%m/%Y"), date_format_grain("%B %Y"), date_format_grain("%Y")
    (('day', '03/10/2016'), ('month', 'October 2016'), ('year', '2016'))
    """
    with _scratch().cursor() as con:
        rendered, back = con.execute(
            "SELECT strftime(?::TIMESTAMP, ?) AS s, try_strptime(s, ?)::DATE::VARCHAR",
            [SAMPLE_DAY, fmt, fmt],
        ).fetchall()[0]
    return _GRAINS.get(back), rendered


def _date_format_problems(located: MappingFile, name: str, spec: FieldSpec) -> list[str]:
    problems: list[str] = []
    for i, fmt in enumerate(spec.formats):
        where = located.where("fields", name, "formats", str(i))
        try:
            grain, rendered = date_format_grain(fmt)
        except duckdb.Error as exc:
            problems.append(f"{where}: {fmt!r} is not a strptime format ({str(exc).splitlines()[0]})")
            continue
        if grain is None:
            problems.append(
                f"{where}: {fmt!r} does not read a whole date back (it needs a year %Y or %y, and a month "
                "%m/%b/%B when it has a day %d)"
            )
        sep = spec.range_separator
        if sep and sep in rendered:
            problems.append(
                f"{located.where('fields', name, 'range_separator')}: the separator {sep!r} also appears "
                f"inside dates written as {fmt!r} ({rendered!r}); use one with spaces around it, e.g. ' - '"
            )
    return problems


def column_problems(located: MappingFile, columns: list[str]) -> list[str]:
    """Every mapped column missing from a file whose header (trimmed) is `columns`."""
    present = [c for c in columns if c != "row_number"]
    problems = []
    for name, spec in located.mapping.fields.items():
        key = "column" if spec.column is not None else "columns"
        for column in spec.read_columns:
            if column not in present:
                problems.append(
                    f"{located.where('fields', name, key)}: column {column!r} is not in the file"
                    f"{_hint(column, present)}"
                )
    if problems:
        problems[-1] += f"; the file's columns are: {', '.join(present)}"
    return problems
