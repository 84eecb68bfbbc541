"""Mapping files: loading, round trips, and every problem reported at once with its line and key."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from harmtrace.errors import MappingError
from harmtrace.ingest.mapping import (
    FieldSpec,
    Mapping,
    SourceInfo,
    column_problems,
    date_format_grain,
    dump_mapping,
    field_types,
    load_mapping,
    mapping_problems,
    normalise_key,
    range_fields,
)
from tests.conftest import ROOT

EXAMPLES = ROOT / "examples" / "mappings"
DOCS = ROOT / "docs" / "mapping.md"
SHIPPED = ["vdc_victims.yaml", "airwars_style_incidents.yaml", "airwars_incidents.yaml"]


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "m.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_mappings_have_no_problems(name: str) -> None:
    located = load_mapping(EXAMPLES / name)
    assert mapping_problems(located) == []


@pytest.mark.parametrize("name", SHIPPED)
def test_mappings_round_trip_through_yaml_and_json(name: str, tmp_path: Path) -> None:
    original = load_mapping(EXAMPLES / name).mapping
    again = load_mapping(_write(tmp_path, dump_mapping(original))).mapping
    assert again == original
    assert Mapping.model_validate_json(original.model_dump_json()) == original


def test_every_problem_of_a_mapping_is_reported_with_its_line(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "kind: incidents\n"  # 1
        "fields:\n"  # 2
        "  date:\n"  # 3
        "    column: Date\n"  # 4
        "    formats: ['%Y-%m-%d', '%Q']\n"  # 5
        "    range_separator: '-'\n"  # 6
        "  lattitude: Lat\n"  # 7
        "  source_grade:\n"  # 8
        "    column: Grade\n"  # 9
        "    values: {Probable: likely}\n"  # 10
        "  number_of_sources: {column: Sources, constant: '3'}\n"  # 11
        "  place_text: {column: Place, split: ','}\n"  # 12
        "  killed_civilians: {column: Killed}\n"  # 13
        "  killed_civilians_min: {column: Min}\n",  # 14
    )
    problems = mapping_problems(load_mapping(path))
    expected = [
        r"^line 7 \(fields.lattitude\): unknown field 'lattitude' \(did you mean 'latitude'\?\)",
        r"^line 13 \(fields.killed_civilians\): 'killed_civilians' already sets killed_civilians_min",
        r"^line 5 \(fields.date.formats.1\): '%Q' is not a strptime format",
        r"^line 6 \(fields.date.range_separator\): the separator '-' also appears inside dates",
        r"^line 10 \(fields.source_grade.values.Probable\): 'likely' is not a source_grade word; use one of: "
        "confirmed, fair, weak, contested, discounted",
        r"^line 11 \(fields.number_of_sources\): give exactly one of `column`",
        r"^line 12 \(fields.place_text.split\): `split` does not apply to place_text \(a text field\)",
    ]
    assert len(problems) == len(expected), problems
    for pattern in expected:
        assert any(re.search(pattern, p) for p in problems), (pattern, problems)


def test_structural_problems_are_all_reported_when_loading(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "kinds: victims\nfields:\n  name: {colum: Name}\n  sex: {column: Sex, formats: '%Y'}\nsheet: [1]\n",
    )
    with pytest.raises(MappingError) as caught:
        load_mapping(path)
    problems = caught.value.problems
    assert str(path) in str(caught.value)
    assert any(
        p.startswith("line 3 (fields.name.colum): unknown key 'colum' (did you mean 'column'?)")
        for p in problems
    )
    assert any(p.startswith("line 4 (fields.sex.formats): Input should be a valid list") for p in problems)
    assert any(p.startswith("line 1 (kinds): unknown key 'kinds' (did you mean 'kind'?)") for p in problems)
    assert any(p.startswith("kind: required key 'kind' is missing") for p in problems)
    assert any(p.startswith("line 5 (sheet)") for p in problems)
    assert len(problems) == 5, problems


def test_invalid_yaml_names_the_line(tmp_path: Path) -> None:
    path = _write(tmp_path, "kind: victims\nfields:\n  name: [unclosed\n  sex: Sex\n")
    with pytest.raises(MappingError, match=r"line \d+: not valid YAML"):
        load_mapping(path)


def test_missing_mapping_file_says_so(tmp_path: Path) -> None:
    with pytest.raises(MappingError, match="does not exist"):
        load_mapping(tmp_path / "nowhere.yaml")


def test_scalars_stay_text_as_written(tmp_path: Path) -> None:
    """YAML 1.1 would read No as false, 0000-00-00 as a (failed) date and 007 as 7."""
    path = _write(
        tmp_path,
        "kind: victims\nfields:\n  record_id: 007\n  status:\n    column: Combatant?\n"
        "    values: {No: civilian, Yes: combatant}\n    required: true\n"
        "  date: {column: Died, null_values: [0000-00-00]}\n",
    )
    m = load_mapping(path).mapping
    assert m.fields["record_id"].column == "007"
    assert m.fields["status"].values == {"No": "civilian", "Yes": "combatant"}
    assert m.fields["status"].required is True
    assert m.fields["date"].null_values == ["0000-00-00"]


def test_value_keys_equal_but_for_case_and_spaces_must_agree(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "kind: victims\nfields:\n  sex:\n    column: Sex\n    values: {'Male': male, ' male ': female}\n",
    )
    problems = mapping_problems(load_mapping(path))
    assert len(problems) == 1 and "are the same key once case and spaces are ignored" in problems[0]


def test_a_mapping_for_the_other_kind_is_refused(tmp_path: Path) -> None:
    located = load_mapping(EXAMPLES / "vdc_victims.yaml")
    problems = mapping_problems(located, expected_kind="incidents")
    assert len(problems) == 1
    assert "the mapping is for 'victims' but the import format is 'incidents'" in problems[0]


def test_an_incident_mapping_needs_a_date(tmp_path: Path) -> None:
    located = load_mapping(_write(tmp_path, "kind: incidents\nfields:\n  record_id: Code\n"))
    assert [p for p in mapping_problems(located) if "needs a date" in p]


def test_missing_columns_are_named_with_hints_and_the_columns_found() -> None:
    located = load_mapping(EXAMPLES / "airwars_style_incidents.yaml")
    header = [c.column for c in located.mapping.fields.values() if c.column]
    header = [h for h in header if h not in ("Latitude", "Grade")] + ["Lat", "grade"]
    problems = column_problems(located, ["row_number", *header])
    assert len(problems) == 2
    assert re.match(r"line \d+ \(fields.latitude.column\): column 'Latitude' is not in the file", problems[0])
    assert "(did you mean 'grade'?)" in problems[1] and "the file's columns are: Code, Date" in problems[1]


@pytest.mark.parametrize(
    ("fmt", "grain"),
    [("%Y-%m-%d", "day"), ("%d/%m/%y", "day"), ("%B %d, %Y", "day"), ("%Y-%m", "month"), ("%Y", "year")],
)
def test_date_format_grain_is_what_duckdb_reads_back(fmt: str, grain: str) -> None:
    assert date_format_grain(fmt)[0] == grain


def test_a_format_without_a_year_is_a_problem(tmp_path: Path) -> None:
    path = _write(tmp_path, "kind: victims\nfields:\n  date: {column: D, formats: ['%d/%m']}\n")
    problems = mapping_problems(load_mapping(path))
    assert len(problems) == 1 and "does not read a whole date back" in problems[0]


def test_normalise_key_ignores_case_and_whitespace() -> None:
    assert normalise_key("\tWithin  100\u00a0M\n") == normalise_key("within 100 m") == "within 100 m"


def test_docs_describe_every_option_and_field() -> None:
    """A key or field missing from docs/mapping.md is a key nobody can find."""
    docs = DOCS.read_text(encoding="utf-8")
    keys = {*FieldSpec.model_fields, *Mapping.model_fields, *SourceInfo.model_fields}
    fields = {*field_types("victims"), *range_fields("victims"), *range_fields("incidents")}
    fields |= {f for f in field_types("incidents") if not f.startswith(("killed_", "injured_"))}
    missing = sorted(k for k in keys | fields if f"`{k}`" not in docs)
    assert missing == []


def test_the_documented_example_is_a_valid_mapping(tmp_path: Path) -> None:
    example = DOCS.read_text(encoding="utf-8").split("```yaml\n", 1)[1].split("```", 1)[0]
    located = load_mapping(_write(tmp_path, example))
    assert mapping_problems(located, expected_kind="incidents") == []
    assert located.mapping.fields["killed_children"].range_separator == "-"
