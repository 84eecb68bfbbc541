"""Records that name a person by a relative, linked when nothing else can be the one they name.

"Daughter of Ahmad Hasan al-Ali" names one of Ahmad's daughters, not which: her record and a named
"Fatima Ahmad al-Ali" of another list agree on the father's names, the family, the day and the town,
and so would her sister's. `harmtrace.link.chaining.family_only_capped` therefore caps such pairs
below any threshold. Two steps take a pair back from the cap, both within two lists and only for
pairs that clear the threshold on their own, whose sexes and ages do not disagree:

1. **Only candidates** (`only_relatives`, before clustering): the two records are each other's only
   candidate (`relative_candidates`) across their two lists.
2. **Only free candidates** (`free_relatives`, after clustering): a recorder's elimination. Once the
   records that agree on their own given names are linked, a candidate whose person already holds a
   record of the other list is taken: Fatima, linked to "Fatima Ahmad al-Ali" of the relational
   list, is not the one its "Daughter of Ahmad" names. A pair whose two persons hold no record of
   each other's list, and are each other's only such candidate (person by person, both ways), is
   linked: `link_pair` marks it method 'elimination'; its probability stays the capped one.

Candidates are two records of one relation to one man ("Wife of X" in both lists: the relation
comparison's weight positive), or a child's record ("Son / Daughter / Child of X") and a named record
agreeing on the father's and family names. A wife's, a mother's or a family's record and a named one
share no name of the person (Syrian women keep their father's family name), and nothing here links
them: the family name alone carries no match.
"""

from __future__ import annotations

from typing import Final

import duckdb
import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from harmtrace.link.clusters import Clustering
from harmtrace.link.victim_model import DISAGREEMENT_LEVELS

CHILD_RELATIONS: Final = ("son", "daughter", "child")
ELIMINATION: Final = "elimination"  # link_pair.method of a pair linked by `free_relatives`
CANDIDATE_COLUMNS: Final = ("row", "l", "r", "l_list", "r_list")
IntArray = npt.NDArray[np.int64]


def relative_candidates(scored: pa.Table, names: pa.Table | None, threshold: float) -> pa.Table:
    """The scored pairs (by row) that are candidates (module docstring) in two lists, with their
    records and lists: columns CANDIDATE_COLUMNS. `names` has unique_id, source_dataset and relation
    (and name_number) per record; without relations there are none."""
    need = ("w_father", "w_family", "w_relation", "unique_id_l", "unique_id_r")
    if (
        names is None
        or "relation" not in names.column_names
        or not all(c in scored.column_names for c in need)
    ):
        return _no_candidates()
    pairs = _evidence(scored, threshold)
    return _query(_CANDIDATES_SQL, {"pairs": pairs, "names": _name_columns(names)}, [list(CHILD_RELATIONS)])


def only_relatives(
    scored: pa.Table, names: pa.Table, threshold: float, candidates: pa.Table | None = None
) -> npt.NDArray[np.bool_]:
    """Per scored pair: is it a candidate that is each other's only one across the two lists (step 1),
    or two relational records of one relative with the same counter ("Son of X 3" twice: one record
    entered twice; within one list two such records are otherwise two relatives)? `candidates`: the
    `relative_candidates` of `scored`, if already found."""
    if candidates is None:
        candidates = relative_candidates(scored, names, threshold)
    rows = _query(_ONLY_SQL, {"candidates": candidates}).column("row").to_numpy(zero_copy_only=False)
    if "name_number" in names.column_names and "w_relation" in scored.column_names:
        pairs = _evidence(scored, threshold)
        twice = _query(_COUNTED_TWICE_SQL, {"pairs": pairs, "names": _name_columns(names)})
        rows = np.concatenate([rows, twice.column("row").to_numpy(zero_copy_only=False)])
    found = np.zeros(scored.num_rows, dtype=bool)
    found[np.asarray(rows, dtype=np.int64)] = True
    return found


def free_relatives(
    candidates: pa.Table, clustering: Clustering, names: pa.Table
) -> tuple[IntArray, IntArray]:
    """The candidate pairs (id_l, id_r) step 2 links: their persons in `clustering` hold no record of
    each other's list and are each other's only such candidate, person by person."""
    if not candidates.num_rows:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    members = pa.table({"unique_id": clustering.victim_ids, "rep": clustering.representatives})
    tables = {"candidates": candidates, "members": members, "names": _name_columns(names)}
    found = _query(_FREE_SQL, tables)
    return (np.asarray(found["l"].to_numpy(zero_copy_only=False), dtype=np.int64),
            np.asarray(found["r"].to_numpy(zero_copy_only=False), dtype=np.int64))  # fmt: skip


def positive(scored: pa.Table, column: str) -> npt.NDArray[np.bool_]:
    """Per pair: is the comparison's weight above 0 (no column, a null: no)?"""
    if column not in scored.column_names:
        return np.zeros(scored.num_rows, dtype=bool)
    weights = pc.fill_null(scored[column].cast(pa.float64()), 0.0)
    return np.asarray(np.nan_to_num(weights.to_numpy(), nan=0.0) > 0)


def _evidence(scored: pa.Table, threshold: float) -> pa.Table:
    """Per scored pair (row, l, r): ok (`_unopposed`), relative (the relation comparison agrees),
    parent (father's and family names agree)."""
    return pa.table({
        "row": np.arange(scored.num_rows), "l": scored["unique_id_l"], "r": scored["unique_id_r"],
        "ok": _unopposed(scored, threshold), "relative": positive(scored, "w_relation"),
        "parent": positive(scored, "w_father") & positive(scored, "w_family"),
    })  # fmt: skip


def _unopposed(scored: pa.Table, threshold: float) -> npt.NDArray[np.bool_]:
    """Pairs at or above `threshold` whose sexes and ages do not disagree."""
    ok = ~_disagrees(scored, "sex") & ~_disagrees(scored, "age")
    return np.asarray(ok & (scored["match_probability"].to_numpy(zero_copy_only=False) >= threshold))


def _disagrees(scored: pa.Table, comparison: str) -> npt.NDArray[np.bool_]:
    """Pairs at one of the comparison's disagreement levels (`victim_model.DISAGREEMENT_LEVELS`, its lowest
    levels by Splink's gamma: null -1, the last level 0)."""
    column = f"gamma_{comparison}"
    if column not in scored.column_names:
        return np.zeros(scored.num_rows, dtype=bool)
    gamma = pc.fill_null(scored[column].cast(pa.int64()), -1).to_numpy()
    return np.asarray((gamma >= 0) & (gamma < DISAGREEMENT_LEVELS[comparison]))


def _name_columns(names: pa.Table) -> pa.Table:
    columns = ("unique_id", "source_dataset", "relation", "name_number")
    return names.select([c for c in columns if c in names.column_names])


def _no_candidates() -> pa.Table:
    types = (pa.int64(), pa.int64(), pa.int64(), pa.string(), pa.string())
    return pa.table({c: pa.array([], t) for c, t in zip(CANDIDATE_COLUMNS, types, strict=True)})


def _query(sql: str, tables: dict[str, pa.Table], params: list[object] | None = None) -> pa.Table:
    """`sql` over `tables` in a private DuckDB connection, as an Arrow table."""
    con = duckdb.connect()
    try:
        for name, table in tables.items():
            con.register(name, table)
        return con.sql(sql, params=params or None).to_arrow_table()
    finally:
        con.close()


_CANDIDATES_SQL: Final = """
    SELECT p.row, p.l, p.r, a.source_dataset AS l_list, b.source_dataset AS r_list
    FROM pairs p JOIN names a ON a.unique_id = p.l JOIN names b ON b.unique_id = p.r
    WHERE p.ok AND a.source_dataset <> b.source_dataset
      AND ((p.relative AND a.relation IS NOT NULL AND b.relation IS NOT NULL)
           OR (p.parent AND list_contains($1, a.relation) AND b.relation IS NULL)
           OR (p.parent AND list_contains($1, b.relation) AND a.relation IS NULL))
"""
_ONLY_SQL: Final = """
    SELECT row FROM candidates
    QUALIFY count(*) OVER (PARTITION BY l, r_list) = 1 AND count(*) OVER (PARTITION BY r, l_list) = 1
"""
_COUNTED_TWICE_SQL: Final = """
    SELECT p.row FROM pairs p JOIN names a ON a.unique_id = p.l JOIN names b ON b.unique_id = p.r
    WHERE p.ok AND p.relative AND a.relation IS NOT NULL AND b.relation IS NOT NULL
      AND a.name_number = b.name_number
"""
# persons (by representative) and the lists they hold; candidates between two persons that hold no
# record of each other's list, unique person by person both ways
_FREE_SQL: Final = """
    WITH m AS (SELECT c.unique_id, c.rep, n.source_dataset FROM members c JOIN names n USING (unique_id)),
    held AS (SELECT DISTINCT rep, source_dataset FROM m),
    free AS (
        SELECT k.l, k.r, ml.rep AS rep_l, mr.rep AS rep_r, k.l_list, k.r_list
        FROM candidates k JOIN m ml ON ml.unique_id = k.l JOIN m mr ON mr.unique_id = k.r
        WHERE ml.rep <> mr.rep
          AND NOT EXISTS (SELECT 1 FROM held h WHERE h.rep = ml.rep AND h.source_dataset = k.r_list)
          AND NOT EXISTS (SELECT 1 FROM held h WHERE h.rep = mr.rep AND h.source_dataset = k.l_list)),
    one_l AS (SELECT rep_l, r_list FROM free GROUP BY ALL HAVING count(DISTINCT rep_r) = 1),
    one_r AS (SELECT rep_r, l_list FROM free GROUP BY ALL HAVING count(DISTINCT rep_l) = 1)
    SELECT least(f.l, f.r) AS l, greatest(f.l, f.r) AS r FROM free f
    JOIN one_l USING (rep_l, r_list) JOIN one_r USING (rep_r, l_list)
    ORDER BY l, r
"""
