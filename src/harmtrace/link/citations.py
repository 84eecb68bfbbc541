"""Reports that cite one another: a UCDP event whose source list reads "Airwars,2017-03-01,... (S380)".

A citation (`report_citation`: the cited source as written and the cited code) names a record of
another source. It matches every report of a source of that name (compared trimmed and case-
insensitively) whose record id, or one of whose codes (`report_code`: its current and earlier codes),
is the cited code (compared trimmed and upper-cased). So a citation may match several reports (a code
Airwars gave one incident before splitting it in two), and a report may cite several (a UCDP event
that sums up a day's strikes on one town): every match is a pair. A citation matching no stored report
is counted, never an error: the cited record may not be imported, or its code may be mistyped.

`cited_pairs` returns the pairs as arrays (citing report, cited report) and leaves their meaning to
the caller: a report that sums up others may one day be read as containing them. Incident linkage
(`harmtrace.link.incidents`) makes each a link with `write_cited_links`: a `link_pair` of method
'cited' with match probability 1.0 (a link at any threshold; an analyst's 'different' decision still
keeps the two apart) and a detail JSON naming the citations; a pair the model scored too keeps the
model's detail, probability and weight in it:

    {"method": "cited", "citations": [{"citing": 12, "source": "Airwars", "code": "S380"}],
     "model": {...the model's detail, or null...}, "model_probability": 0.42, "model_weight": -0.3}
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from harmtrace.store import Store

IntArray = npt.NDArray[np.int64]

# every citation of a report in the window, with each stored report it names (NULL: none) and whether
# that report is in the window; `{where}` is a condition on report `r`
_MATCHES: Final = """
WITH citing AS (
    SELECT c.report_id AS id_citing, c.cited_source, c.cited_code, lower(trim(c.cited_source)) AS source_key
    FROM report_citation c JOIN report r USING (report_id) WHERE {where}),
known AS (
    SELECT r.report_id AS id_cited, lower(trim(s.name)) AS source_key, upper(trim(r.record_id)) AS code,
           {where} AS inside
    FROM report r JOIN source s USING (source_id) WHERE r.record_id IS NOT NULL
    UNION
    SELECT r.report_id, lower(trim(s.name)), k.code, {where}
    FROM report_code k JOIN report r USING (report_id) JOIN source s USING (source_id))
SELECT c.*, k.id_cited, coalesce(k.inside, false) AS inside
FROM citing c LEFT JOIN known k ON k.source_key = c.source_key AND k.code = c.cited_code
"""


@dataclass(frozen=True)
class CitedPairs:
    """The pairs the citations of a window's reports make, one row per (citing, cited, code): `table`
    has columns id_citing, id_cited, cited_source (as the first citation writes it) and cited_code.

    Citations are counted once per (citing report, cited source, code): `unmatched` name no stored
    report, `outside` name only reports outside the window (no pair in this run).
    """

    table: pa.Table
    unmatched: int
    outside: int

    @property
    def citing(self) -> IntArray:
        return np.asarray(self.table.column("id_citing").to_numpy(), dtype=np.int64)

    @property
    def cited(self) -> IntArray:
        return np.asarray(self.table.column("id_cited").to_numpy(), dtype=np.int64)

    def pairs(self) -> tuple[IntArray, IntArray]:
        """The distinct pairs as (smaller id, larger id) arrays, sorted: a pair cited both ways is one."""
        low, high = np.minimum(self.citing, self.cited), np.maximum(self.citing, self.cited)
        unique = np.unique(np.stack([low, high], axis=1).reshape(-1, 2), axis=0)
        return unique[:, 0].astype(np.int64), unique[:, 1].astype(np.int64)


def cited_pairs(store: Store, where: str = "true") -> CitedPairs:
    """Every pair of reports in the window (`where`, a condition on report ``r``) of which one cites
    the other (module docstring); a report citing its own code makes no pair."""
    store.con.execute(f"CREATE OR REPLACE TEMP TABLE ht_cited AS {_MATCHES.format(where=where)}")
    try:
        counts = store.con.execute(
            "SELECT count(*) FILTER (WHERE NOT matched), count(*) FILTER (WHERE matched AND NOT inside) "
            "FROM (SELECT id_citing, source_key, cited_code, bool_or(id_cited IS NOT NULL) AS matched, "
            "bool_or(inside) AS inside FROM ht_cited GROUP BY ALL)"
        ).fetchall()[0]
        table = store.con.sql(
            "SELECT id_citing, id_cited, min(cited_source) AS cited_source, cited_code FROM ht_cited "
            "WHERE inside AND id_cited <> id_citing GROUP BY id_citing, id_cited, cited_code ORDER BY ALL"
        ).to_arrow_table()
    finally:
        store.con.execute("DROP TABLE IF EXISTS ht_cited")
    return CitedPairs(table, int(counts[0]), int(counts[1]))


def write_cited_links(store: Store, run_id: int, kind: str, cited: CitedPairs) -> int:
    """Make every pair of `cited` a link of run `run_id` (module docstring); returns how many pairs."""
    store.con.register("ht_cited_pairs", cited.table)
    try:
        store.con.execute(
            "CREATE OR REPLACE TEMP TABLE ht_cited_links AS SELECT least(id_citing, id_cited) AS id_l, "
            "greatest(id_citing, id_cited) AS id_r, to_json(list(struct_pack(citing := id_citing, "
            "source := cited_source, code := cited_code) ORDER BY id_citing, cited_code)) AS citations "
            "FROM ht_cited_pairs GROUP BY ALL"
        )
        same = "p.run_id = ? AND p.kind = ? AND p.id_l = c.id_l AND p.id_r = c.id_r"
        store.con.execute(
            "UPDATE link_pair p SET method = 'cited', match_probability = 1.0, match_weight = 'inf', "
            "detail = json_object('method', 'cited', 'citations', c.citations, 'model', json(p.detail), "
            "'model_probability', p.match_probability, 'model_weight', p.match_weight)::VARCHAR "
            f"FROM ht_cited_links c WHERE {same}",
            [run_id, kind],
        )
        store.con.execute(
            "INSERT INTO link_pair (run_id, kind, id_l, id_r, match_weight, match_probability, detail, "
            "method) SELECT ?, ?, id_l, id_r, 'inf', 1.0, json_object('method', 'cited', 'citations', "
            "citations, 'model', NULL)::VARCHAR, 'cited' FROM ht_cited_links c "
            f"WHERE NOT EXISTS (SELECT 1 FROM link_pair p WHERE {same})",
            [run_id, kind, run_id, kind],
        )
        return int(store.scalar("SELECT count(*) FROM ht_cited_links"))
    finally:
        store.con.unregister("ht_cited_pairs")
        store.con.execute("DROP TABLE IF EXISTS ht_cited_links")
