"""What one person may not hold: guards against chaining on common names and shared family names.

Pairwise links are transitive once clustered: on a mass-casualty day "Hassan" links to "Hassan Ali"
and "Hassan Omar", and the three become one person although the last two plainly differ. Two guards,
both applied by `harmtrace.link.victims.link_victims`:

1. **A family name alone carries no match** (`family_only_capped`): a scored pair that does not
   agree on the given name (its `harmtrace.link.victim_model` weight positive) has its match probability
   capped at `FAMILY_ONLY_CAP`, below any sensible threshold: relatives killed together share the
   family and father's names, date, town and cause, and those say nothing of which relative a record
   is ("Son of Ahmad al-Hariri" is any of his sons; "Daughter of X" any of his daughters), unless the
   two records are each other's only candidate across two lists, before clustering or once the
   others are linked (`harmtrace.link.relatives`: one relation to one man in both, or a child's
   record and a named child of the same father). The pair stays in `link_pair` (with its capped
   probability) for the review queue.
2. **No chaining through disagreement** (`chained_apart`): two records that a cluster of three or
   more joins only through others (no link of their own at the threshold, no analyst's 'same') are
   kept apart when they are of one list (a list seldom names one person twice, and then both
   records link directly: same spelling, same facts), or when their given or family names plainly
   differ (keys and consonant skeletons differ, Jaro-Winkler of the keys below 0.7 for given names,
   0.6 for family names: "Hassan Ali" and "Hassan Omar" chained through a "Hassan"). Clustering
   then keeps the strongest links that respect this (`harmtrace.link.clusters`, rule 3: Kruskal
   with cannot-link constraints), so A~B strong, B~C weaker and A, C apart leaves A with B and C
   alone.
"""

from __future__ import annotations

import math
from typing import Final

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from harmtrace.link.clusters import LINKED, Clustering
from harmtrace.link.kinds import VICTIMS
from harmtrace.link.relatives import only_relatives, positive
from harmtrace.store import Store

FAMILY_ONLY_CAP: Final = 0.5
# Only the given name names the person, not only the family: a pair needs its agreement, or to be the
# only pair of its relative (`only_relatives`). A father's name does not: siblings share it ("Son of
# Ahmad al-Hariri" and "Omar Ahmad al-Hariri" linked so on the real VDC list,
# docs/linkage_handcheck_vdc.md), nor does a relative's: a man's two daughters are both "Daughter of X"
# name parts whose plain disagreement keeps two chained records apart, with the Jaro-Winkler bound
# under which two keys are "plainly different". Chosen on simulated lists (seed 1, 20,000 people in
# four lists; seed 3, two lists in two scripts): the model's own bounds (0.88, 0.8, father's names
# too) cut true links of names with typos (pairwise recall -0.009); these lose 0.002.
APART_PARTS: Final = (("given", 0.7), ("family", 0.6))
NAME_COLUMNS: Final = tuple(f"{p}_{k}" for p, _ in APART_PARTS for k in ("key", "skel"))
IntArray = npt.NDArray[np.int64]


def family_only_capped(
    scored: pa.Table,
    names: pa.Table | None = None,
    threshold: float = 1.0,
    candidates: pa.Table | None = None,
) -> pa.Table:
    """`scored` (runs' prediction columns: match_weight, match_probability, w_<comparison>) with the
    pairs whose given names do not agree (weight not positive) capped at FAMILY_ONLY_CAP, but for a
    relative's only pair (`relatives.only_relatives`, given `names` with relation and source_dataset
    per record, and the `relatives.relative_candidates` if already found)."""
    if "w_given" not in scored.column_names or not scored.num_rows:
        return scored
    agrees = positive(scored, "w_given")
    if names is not None and "relation" in names.column_names:
        agrees |= only_relatives(scored, names, threshold, candidates)
    probability = scored["match_probability"].to_numpy(zero_copy_only=False)
    capped = ~agrees & (probability > FAMILY_ONLY_CAP)
    if not capped.any():
        return scored
    cap_weight = math.log2(FAMILY_ONLY_CAP / (1 - FAMILY_ONLY_CAP))
    weight = scored["match_weight"].to_numpy(zero_copy_only=False)
    scored = _replace(scored, "match_probability", np.where(capped, FAMILY_ONLY_CAP, probability))
    return _replace(scored, "match_weight", np.where(capped, np.minimum(weight, cap_weight), weight))


def _replace(table: pa.Table, name: str, values: npt.NDArray[np.float64]) -> pa.Table:
    index = table.column_names.index(name)
    return table.set_column(index, name, pa.array(values, table.schema.field(name).type))


def chained_apart(
    store: Store, run_id: int, threshold: float, clustering: Clustering, names: pa.Table
) -> tuple[IntArray, IntArray]:
    """Pairs of victim ids that `clustering` chains into one person and that must stay apart (module
    docstring, guard 2). `names` holds unique_id, source_dataset and NAME_COLUMNS per linkable record."""
    reps = pa.table({"unique_id": clustering.victim_ids, "rep": clustering.representatives})
    sizes = pc.value_counts(reps["rep"])
    big = pc.filter(sizes.field("values"), pc.greater_equal(sizes.field("counts"), 3))
    members = reps.filter(pc.is_in(reps["rep"], big))
    if not members.num_rows:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    con = store.con
    con.register("ht_chain_members", members)
    con.register("ht_chain_names", names)
    try:
        found = con.execute(_apart_sql(), [run_id, VICTIMS.kind, threshold, VICTIMS.kind]).fetchnumpy()
    finally:
        con.unregister("ht_chain_members")
        con.unregister("ht_chain_names")
    return np.asarray(found["id_a"], dtype=np.int64), np.asarray(found["id_b"], dtype=np.int64)


def _apart_sql() -> str:
    differ = " OR ".join(_differ(part, bound) for part, bound in APART_PARTS)
    return f"""
        WITH m AS (SELECT c.unique_id, c.rep, n.* EXCLUDE (unique_id) FROM ht_chain_members c
                   LEFT JOIN ht_chain_names n USING (unique_id))
        SELECT a.unique_id AS id_a, b.unique_id AS id_b
        FROM m a JOIN m b ON b.rep = a.rep AND b.unique_id > a.unique_id
        WHERE (a.source_dataset = b.source_dataset OR {differ})
          AND NOT EXISTS (SELECT 1 FROM link_pair p WHERE p.run_id = ? AND p.kind = ?
                          AND p.id_l = a.unique_id AND p.id_r = b.unique_id AND {LINKED})
          AND NOT EXISTS (SELECT 1 FROM decision d WHERE d.kind = ? AND d.superseded_by IS NULL
                          AND d.verdict = 'same' AND least(d.id_a, d.id_b) = a.unique_id
                          AND greatest(d.id_a, d.id_b) = b.unique_id)
    """


def _differ(part: str, bound: float) -> str:
    key, skel = f"{part}_key", f"{part}_skel"
    return (
        f"(a.{key} <> b.{key} AND a.{skel} IS DISTINCT FROM b.{skel} "
        f"AND jaro_winkler_similarity(a.{key}, b.{key}) < {bound})"
    )
