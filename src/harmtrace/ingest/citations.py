"""Citations in a source's own reference lists: "PUBLISHER,DATE,TEXT" entries that name another
source's record by its code.

UCDP GED lists the sources of an event in `source_article`, one quoted entry per source joined by
semicolons: ``"SOHR,2017-03-02,...";"Airwars,2017-03-01,January 6th 2017: (S380) قرية سويدية ..."``.
An entry cites a record when its TEXT holds a code in parentheses, ``(S380)``, ``(S1137A)``, or is a
bare code, ``CS480``; a code is capital letters, digits and maybe one letter (`CITED_CODE_RE2`), so
``(ISIS)``, ``(1069a)`` and words are no codes. Each code of an entry is one citation: the publisher as
written, the code, the entry's DATE when it is one, and the entry's text. Entries are split at ``";"``
(a semicolon between quotes: an entry's own text may hold a semicolon), or at every semicolon when the
cell is not quoted. Set-wise SQL, evaluated by DuckDB over the staged rows.

>>> [(c["source"], c["code"], str(c["day"])) for c in parse_citations(
...     '"SOHR,2017-03-02,Raids on Raqqa";"Airwars,2017-03-01,January 6th: (S380) قرية, (S381a) Raqqa";'
...     '"Airwars,2017-03-01,CS480"')]
[('Airwars', 'S380', '2017-03-01'), ('Airwars', 'S381a', '2017-03-01'), ('Airwars', 'CS480', '2017-03-01')]
"""

from __future__ import annotations

import functools
from typing import Any, Final

import duckdb

from harmtrace.ingest.sql import lit
from harmtrace.model import CITATION_TYPE, CITED_CODE_RE2

# PUBLISHER , DATE , TEXT (the text may hold commas); spaces around each part are not part of it
_ENTRY_RE2: Final = r"(?s)^\s*([^,]*[^,\s])\s*,\s*([^,]*?)\s*,\s*(.*?)\s*$"
_IN_PARENTHESES_RE2: Final = rf"\(\s*({CITED_CODE_RE2})\s*\)"
_QUOTES: Final = ' "\t\r\n'


def cited_codes_sql(expr: str) -> str:
    """SQL: the citations (`model.CITATION_TYPE`) of the reference list in the text expression `expr`."""
    text = f"coalesce({expr}, '')"
    entries = (
        f"CASE WHEN starts_with(ltrim({text}), '\"') THEN string_split({text}, '\";\"') "
        f"ELSE string_split({text}, ';') END"
    )
    parts = f"regexp_extract(trim(ht_e, {lit(_QUOTES)}), {lit(_ENTRY_RE2)}, ['source', 'day', 'text'])"
    codes = (
        f"CASE WHEN regexp_full_match(ht_p.text, {lit(CITED_CODE_RE2)}) THEN [ht_p.text] "
        f"ELSE regexp_extract_all(ht_p.text, {lit(_IN_PARENTHESES_RE2)}, 1) END"
    )
    cite = (
        "struct_pack(source := ht_p.source, code := ht_c, day := TRY_CAST(ht_p.day AS DATE), "
        "text := ht_p.text)"
    )
    per_entry = f"list_transform({codes}, lambda ht_c: {cite})"
    found = (
        f"flatten(list_transform(list_transform({entries}, lambda ht_e: {parts}), lambda ht_p: {per_entry}))"
    )
    # most reference lists cite no code: one scan for a code-like word decides whether to parse the cell
    return (
        f"CASE WHEN regexp_matches({text}, {lit(CITED_CODE_RE2)}) THEN {found} ELSE [] END::{CITATION_TYPE}"
    )


def parse_citations(text: str | None) -> list[dict[str, Any]]:
    """The citations of one reference list, as `cited_codes_sql` reads them (for tests and tools)."""
    with _scratch().cursor() as con:
        rows = con.execute(f"SELECT {cited_codes_sql('$1::VARCHAR')}", [text]).fetchall()
    return list(rows[0][0])


@functools.cache
def _scratch() -> duckdb.DuckDBPyConnection:
    return duckdb.connect()
