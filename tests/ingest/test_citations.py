"""Citations and codes at import: UCDP's source_article entries ("Airwars,2017-03-01,... (S380)"), a
mapped sheet's `codes` and `cites`, and how both follow a report's versions."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from harmtrace.errors import MappingError
from harmtrace.ingest import get_format, import_file
from harmtrace.ingest.citations import parse_citations
from harmtrace.ingest.history import histories
from harmtrace.ingest.mapping import load_mapping, mapping_problems
from harmtrace.store import Store
from tests.ingest.ucdp_rows import ucdp_rows, write_csv


def _cited(text: str | None) -> list[tuple[str, str, date | None]]:
    return [(c["source"], c["code"], c["day"]) for c in parse_citations(text)]


def test_an_entry_citing_a_code_in_parentheses_amid_arabic_text() -> None:
    cell = (
        '"Airwars,2017-03-01,January 6th 2017: (S380) قرية سويدية كبيرة Sowaydiya Kabira village, '
        'Raqqa governorate, Syria"'
    )
    assert _cited(cell) == [("Airwars", "S380", date(2017, 3, 1))]
    assert parse_citations(cell)[0]["text"].startswith("January 6th 2017: (S380) قرية")


def test_several_entries_each_with_its_own_codes() -> None:
    cell = (
        '"SOHR,2017-06-10,Coalition warplanes strike Raqqa (30 killed)";'
        '"Airwars,2017-07-01,June 10th 2017: (S571a) الرقة Raqqa city";'
        '"Airwars,2017-07-01,June 10th 2017: (S1137A) and (S829) Raqqa, Syria";'
        '"Airwars,2017-03-01,CS480"'
    )
    assert _cited(cell) == [
        ("Airwars", "S571a", date(2017, 7, 1)),
        ("Airwars", "S1137A", date(2017, 7, 1)),
        ("Airwars", "S829", date(2017, 7, 1)),
        ("Airwars", "CS480", date(2017, 3, 1)),
    ]


@pytest.mark.parametrize(
    "cell",
    [
        '"Airwars,2017-05-30,Airwars assessment"',
        '"Airwars,2017-03-01,https://airwars.org/coalitioncivcas2017jan-feb/"',
        '"Airwars,2017-08-01,July 17th 2017: (1069a) Raqqa, Raqqa governorate, Syria"',  # digits only
        '"SOHR,2017-01-02,Clashes with (ISIS) near (Tabqa)"',  # words in parentheses
        '"Airwars,2017-01-02,a code in lower case (s380) is no code"',
        '"SOHR,2017-01-02,Russian jets hit the town"',
        "",
        None,
    ],
)
def test_entries_without_a_code_cite_nothing(cell: str | None) -> None:
    assert _cited(cell) == []


def test_a_semicolon_inside_an_entry_does_not_split_it_and_a_bad_date_is_unknown() -> None:
    cell = '"Airwars,undated,Raqqa; the (S12) strike";"Airwars,2019-11-08,R3919"'
    assert _cited(cell) == [("Airwars", "S12", None), ("Airwars", "R3919", date(2019, 11, 8))]
    # an export without quotes is split at every semicolon
    assert _cited("Airwars,2019-11-08,R3919;Airwars,2019-11-09,TS10a") == [
        ("Airwars", "R3919", date(2019, 11, 8)),
        ("Airwars", "TS10a", date(2019, 11, 9)),
    ]


def _ucdp(tmp_path: Path, articles: list[str], name: str = "ged.csv") -> Path:
    header, rows = ucdp_rows(len(articles))
    for row, article in zip(rows, articles, strict=True):
        row["source_article"] = article
    return write_csv(tmp_path / name, header, rows)


def test_ucdp_events_keep_their_citations(store: Store, tmp_path: Path) -> None:
    path = _ucdp(
        tmp_path, ['"Airwars,2016-01-02,January 1st: (S12) Raqqa";"SOHR,2016-01-02,x"', '"SOHR,x,y"']
    )
    import_file(store, get_format("ucdp-ged"), path)
    rows = store.rows(
        "SELECT r.record_id, c.cited_source, c.cited_code, c.cited_date, c.text FROM report_citation c "
        "JOIN report r USING (report_id)"
    )
    first = ucdp_rows(1)[1][0]["id"]
    assert rows == [
        {"record_id": first, "cited_source": "Airwars", "cited_code": "S12", "cited_date": date(2016, 1, 2),
         "text": "January 1st: (S12) Raqqa"},
    ]  # fmt: skip


def test_citations_follow_the_current_version(store: Store, tmp_path: Path) -> None:
    """A corrected release citing another code: the report's citation is the new one, the old kept in
    its earlier version, and the history says what changed."""
    import_file(store, get_format("ucdp-ged"), _ucdp(tmp_path, ['"Airwars,2016-01-02,(S12) x"']))
    again = import_file(
        store, get_format("ucdp-ged"), _ucdp(tmp_path, ['"Airwars,2016-01-02,(S13) x"'], "b.csv")
    )
    assert (again.rows_changed, again.rows_new) == (1, 0)
    assert store.rows("SELECT cited_code FROM report_citation") == [{"cited_code": "S13"}]
    record = ucdp_rows(1)[1][0]["id"]
    (history,) = histories(store, "report", source="ucdp-ged", record_id=record)
    change = [c for c in history["versions"][-1]["changes"] if c["field"] == "citations"]
    assert change == [{"field": "citations", "old": "Airwars S12", "new": "Airwars S13"}]


def test_a_store_imported_before_citations_gets_them_as_new_versions(store: Store, tmp_path: Path) -> None:
    """Events stored by an earlier harmtrace have no citations and digests of a content without them:
    the next import recomputes every digest, and only the events that cite gain a version."""
    path = _ucdp(tmp_path, ['"Airwars,2016-01-02,(S12) x"', '"SOHR,2016-01-02,y"', '"SOHR,2016-01-03,z"'])
    import_file(store, get_format("ucdp-ged"), path)
    store.con.execute(
        "DELETE FROM report_citation; UPDATE report SET content_sha256 = 'a digest of schema 9'"
    )
    again = import_file(store, get_format("ucdp-ged"), path, withdraw_missing=True)  # the file again
    assert (again.rows_changed, again.rows_unchanged, again.rows_new) == (1, 2, 0)
    assert store.rows("SELECT cited_code FROM report_citation") == [{"cited_code": "S12"}]


SHEET = (
    "id,date,current,previous,ucdp\n"
    'A1,2017-01-05,CS653,"[{""previous_unique_reference_code"":""S571a""},'
    '{""previous_unique_reference_code"":""s571B""}]",186341; 186342\n'
    "A2,2017-01-06,CS654 RS2830,[],\n"
)
MAPPING = """kind: incidents
source: {name: Monitor}
fields:
  record_id: id
  date: date
  codes:
    columns: [current, previous]
    pattern: '\\b[A-Za-z]{1,4}[0-9]+[A-Za-z]?\\b'
  cites: {column: ucdp, split: ";", source: UCDP}
"""


def _mapped(tmp_path: Path, mapping: str = MAPPING, sheet: str = SHEET) -> tuple[Path, Path]:
    (tmp_path / "m.yaml").write_text(mapping, encoding="utf-8")
    (tmp_path / "sheet.csv").write_text(sheet, encoding="utf-8")
    return tmp_path / "m.yaml", tmp_path / "sheet.csv"


def test_a_sheet_maps_its_codes_and_its_citations(store: Store, tmp_path: Path) -> None:
    mapping, sheet = _mapped(tmp_path)
    result = import_file(store, get_format("incidents", mapping), sheet)
    assert result.rows_accepted == 2 and not result.field_issues
    codes = store.rows(
        "SELECT r.record_id, list(c.code ORDER BY c.code) AS codes, "
        "list(c.written ORDER BY c.code) AS written FROM report_code c JOIN report r USING (report_id) "
        "GROUP BY 1 ORDER BY 1"
    )
    assert codes == [
        {"record_id": "A1", "codes": ["CS653", "S571A", "S571B"], "written": ["CS653", "S571a", "s571B"]},
        {"record_id": "A2", "codes": ["CS654", "RS2830"], "written": ["CS654", "RS2830"]},
    ]
    cites = store.rows("SELECT cited_source, cited_code, cited_date, text FROM report_citation ORDER BY 2")
    assert cites == [
        {"cited_source": "UCDP", "cited_code": code, "cited_date": None, "text": "186341; 186342"}
        for code in ("186341", "186342")
    ]


def test_a_pattern_with_a_group_takes_the_group(store: Store, tmp_path: Path) -> None:
    mapping = MAPPING.replace(
        "columns: [current, previous]\n    pattern: '\\b[A-Za-z]{1,4}[0-9]+[A-Za-z]?\\b'",
        'column: previous\n    pattern: \'"previous_unique_reference_code":"([^"]+)"\'',
    )
    import_file(store, get_format("incidents", _mapped(tmp_path, mapping)[0]), tmp_path / "sheet.csv")
    assert store.rows("SELECT written FROM report_code ORDER BY 1") == [
        {"written": "S571a"},
        {"written": "s571B"},
    ]


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (("'\\b[A-Za-z]{1,4}[0-9]+[A-Za-z]?\\b'", "'(S[0-9]+'"),
         r"line 8 \(fields.codes.pattern\): '\(S\[0-9\]\+' is not a regular expression \(missing \)"),
        (('source: UCDP}', '}'), r"line 9 \(fields.cites\): `cites` needs `source`"),
        (("columns: [current, previous]", "columns: [current, previous]\n    values: {a: b}"),
         r"line 8 \(fields.codes.values\): `values` does not apply to codes"),
        (("date: date", "date: {column: date, pattern: x}"),
         r"line 5 \(fields.date.pattern\): `pattern` does not apply to date"),
        (("columns: [current, previous]", "columns: [current, previous]\n    column: id"),
         r"line \d+ \(fields.codes\): give exactly one of `column` or `columns`"),
    ],
)  # fmt: skip
def test_a_faulty_code_field_is_a_mapping_problem_naming_it(
    tmp_path: Path, change: tuple[str, str], problem: str
) -> None:
    assert change[0] in MAPPING
    mapping, _ = _mapped(tmp_path, MAPPING.replace(*change))
    problems = mapping_problems(load_mapping(mapping))
    assert len(problems) == 1, problems
    assert re.search(problem, problems[0]), problems


def test_a_missing_code_column_is_named(store: Store, tmp_path: Path) -> None:
    mapping, sheet = _mapped(tmp_path, MAPPING.replace("[current, previous]", "[current, previus]"))
    with pytest.raises(MappingError, match=r"fields.codes.columns\): column 'previus' is not in the file "
                       r"\(did you mean 'previous'\?\)"):  # fmt: skip
        import_file(store, get_format("incidents", mapping), sheet)
