"""Source independence: which reports of an incident repeat another, so corroboration counts sources once.

Within each incident (reports of different incidents are never compared), a report *copies* an earlier
one (lower report id: the first captured stands as the original) when:

- ``same text``: their descriptions (``description`` and ``description_ar`` together), normalised (case,
  Arabic letter variants and diacritics folded, links and punctuation dropped), share at least
  `TEXT_JACCARD` of their character 5-gram shingles (Jaccard similarity, recorded). Texts shorter than
  `MIN_TEXT_CHARS` (headlines such as "Airstrike on Aleppo kills 5") are alike by chance: they count as
  the same text only when equal;
- ``same media``: they cite the same link or video (a URL, a YouTube video id), whatever the wording;
- ``same wire story``: both credit the same news agency (AFP, Reuters, AP, ...): a wire story re-published
  by several outlets is one source;
- ``same source``: the same source reports the incident again (a correction, an update).

A report is recorded once, against its lowest-numbered original, with the first reason found in the
order above. Detection is set-wise SQL (texts normalised, links, videos and agencies extracted, pairs
formed within incidents), except the shingle similarity of the pairs that need it: Python's sets
intersect 5-character substrings several times faster than DuckDB's list functions (measured by
`benchmarks/assess_incidents.py`: 7 s in DuckDB against under 2 s in Python for 50,000 pairs).
An *independent source* of an incident is a distinct source with at least one report of the
incident that copies no other (`independent_sources_sql`).
"""

from __future__ import annotations

from typing import Final

import pyarrow as pa

from harmtrace.ingest.sql import lit
from harmtrace.store import Store
from harmtrace.store.relations import relation_sql

TEXT_JACCARD: Final = 0.8
MIN_TEXT_CHARS: Final = 40
SHINGLE_CHARS: Final = 5
# agencies whose stories outlets re-publish verbatim or nearly; matched as whole words, case-insensitive
WIRES: Final = {
    "afp": r"afp|agence france[- ]presse|فرانس برس",
    "reuters": r"reuters|رويترز",
    "ap": r"associated press|\(ap\)",
    "anadolu": r"anadolu|الأناضول",
    "sana": r"sana|سانا",
    "dpa": r"dpa",
}
_URL: Final = r"""https?://[^\s"'<>)\]]+"""
_YOUTUBE: Final = r"(?:youtube\.com/(?:watch\?v=|embed/|shorts/)|youtu\.be/)([\w-]{11})"
_NOT_LETTER: Final = r"[^\p{L}\p{N}]"


def normalise_sql(expr: str) -> str:
    """SQL folding text for comparison: links dropped, lower case, Arabic letter variants, Arabic
    diacritics and Latin accents folded, anything but letters and digits a single space."""
    text = f"regexp_replace(lower({expr}), {lit(_URL)}, ' ', 'g')"
    text = f"strip_accents(translate({text}, 'أإآٱىةؤئ', 'اااايهوي'))"
    text = f"regexp_replace({text}, '[\\x{{064B}}-\\x{{065F}}\\x{{0670}}]', '', 'g')"
    return f"trim(regexp_replace({text}, '{_NOT_LETTER}+', ' ', 'g'))"


def media_sql(expr: str) -> str:
    """SQL of the links and videos `expr` cites, as keys: a YouTube video by its id, whatever the URL."""
    videos = f"list_transform(regexp_extract_all({expr}, {lit(_YOUTUBE)}, 1), lambda v: 'youtube:' || v)"
    links = (
        f"list_transform(list_filter(regexp_extract_all({expr}, {lit(_URL)}), "
        f"lambda u: NOT regexp_matches(u, {lit(_YOUTUBE)})), "
        "lambda u: 'url:' || regexp_replace(rtrim(split_part(lower(u), '#', 1), '/.,;'), '^https?://', ''))"
    )
    return f"list_concat({videos}, {links})"


def wires_sql(expr: str) -> str:
    """SQL of the news agencies `expr` credits (names of `WIRES`)."""
    found = [
        f"CASE WHEN regexp_matches({expr}, {lit(f'(?i)(^|{_NOT_LETTER})({p})({_NOT_LETTER}|$)')}) "
        f"THEN '{name}' END"
        for name, p in WIRES.items()
    ]
    return f"list_filter([{', '.join(found)}], lambda w: w IS NOT NULL)"


def _ctes() -> str:
    """`txt` (reports of incidents with several reports) and `pairs` (of reports within an incident)."""
    raw = "concat_ws(' ', r.description, r.description_ar)"
    return f"""
    mem AS ({relation_sql("incident_membership")}),
    several AS (SELECT incident_id FROM mem GROUP BY incident_id HAVING count(*) > 1),
    txt AS MATERIALIZED (
        SELECT min(r.report_id) OVER (PARTITION BY mem.incident_id) AS ik, r.report_id, r.source_id,
               {normalise_sql(raw)} AS norm, {media_sql(raw)} AS media, {wires_sql(raw)} AS wires
        FROM mem JOIN several USING (incident_id) JOIN report r USING (report_id)
    ),
    pairs AS (
        SELECT l.report_id AS later, e.report_id AS earlier,
               l.norm = e.norm AND length(l.norm) > 0 AS same_norm,
               length(l.norm) >= {MIN_TEXT_CHARS} AND length(e.norm) >= {MIN_TEXT_CHARS} AS both_long,
               l.norm AS l_norm, e.norm AS e_norm,
               list_sort(list_intersect(l.media, e.media))[1] AS media,
               list_sort(list_intersect(l.wires, e.wires))[1] AS wire,
               l.source_id = e.source_id AS same_source
        FROM txt l JOIN txt e ON e.ik = l.ik AND e.report_id < l.report_id
    )"""


def shingles(norm: str) -> set[str]:
    """The distinct character shingles (`SHINGLE_CHARS` long) of a normalised text."""
    return {norm[i : i + SHINGLE_CHARS] for i in range(len(norm) - SHINGLE_CHARS + 1)}


def similarity(a: str, b: str) -> float:
    """Jaccard similarity of two normalised texts' shingle sets, rounded to 4 places.

    >>> similarity("warplanes struck the market", "warplanes struck the markets")
    0.9583
    """
    sa, sb = shingles(a), shingles(b)
    shared = len(sa & sb)
    union = len(sa) + len(sb) - shared
    return round(shared / union, 4) if union else 0.0


def copies_sql() -> str:
    """SQL of report_copy rows: each copying report against its lowest-numbered original, with the first
    reason (in the order of the module docstring) that holds for that pair."""
    reason = """CASE WHEN p.same_norm OR s.similarity IS NOT NULL THEN 'same text'
                     WHEN p.media IS NOT NULL THEN 'same media: ' || p.media
                     WHEN p.wire IS NOT NULL THEN 'same wire story: ' || p.wire
                     WHEN p.same_source THEN 'same source' END"""
    return f"""
    WITH why AS (
        SELECT p.later, p.earlier, {reason} AS reason,
               CASE WHEN p.same_norm THEN 1.0 ELSE s.similarity END AS similarity
        FROM ht_pairs p LEFT JOIN ht_alike s USING (later, earlier)
    )
    SELECT later AS report_id, min(earlier) AS original_id, arg_min(reason, earlier) AS reason,
           arg_min(similarity, earlier) AS similarity
    FROM why WHERE reason IS NOT NULL GROUP BY later"""


def record_copies(store: Store) -> int:
    """Replace `report_copy` with the copies found now; returns how many reports copy another."""
    with store.transaction() as con:
        con.execute(f"CREATE OR REPLACE TEMP TABLE ht_pairs AS WITH {_ctes()} SELECT * FROM pairs")
        con.register("ht_alike", _alike(store))
        con.execute("DELETE FROM report_copy")
        con.execute(f"INSERT INTO report_copy {copies_sql()}")
        con.unregister("ht_alike")
        con.execute("DROP TABLE ht_pairs")
    return int(store.scalar("SELECT count(*) FROM report_copy"))


def _alike(store: Store) -> pa.Table:
    """(later, earlier, similarity) of the pairs of long, unequal texts at least `TEXT_JACCARD` alike
    (equal texts are found in SQL; texts under `MIN_TEXT_CHARS` count only when equal)."""
    found = store.con.sql(
        "SELECT later, earlier, l_norm, e_norm FROM ht_pairs WHERE both_long AND NOT same_norm"
    ).to_arrow_table()
    later, earlier = found["later"].to_pylist(), found["earlier"].to_pylist()
    scores = [similarity(a, b) for a, b in zip(found["l_norm"].to_pylist(), found["e_norm"].to_pylist(),
                                                strict=True)]  # fmt: skip
    keep = [i for i, score in enumerate(scores) if score >= TEXT_JACCARD]
    return pa.table({
        "later": pa.array([later[i] for i in keep], pa.int64()),
        "earlier": pa.array([earlier[i] for i in keep], pa.int64()),
        "similarity": pa.array([scores[i] for i in keep], pa.float64()),
    })  # fmt: skip


def independent_sources_sql() -> str:
    """SQL of (incident_id, sources, independent_sources) for every incident."""
    return f"""
    SELECT mem.incident_id, count(DISTINCT r.source_id) AS sources,
           count(DISTINCT r.source_id) FILTER (c.report_id IS NULL) AS independent_sources
    FROM ({relation_sql("incident_membership")}) mem JOIN report r USING (report_id)
    LEFT JOIN report_copy c USING (report_id)
    GROUP BY mem.incident_id"""
