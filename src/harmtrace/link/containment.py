"""Which reports are parts of another's event: a city's daily toll and the strikes a monitor lists.

Curated event data (UCDP GED: `harmtrace.ingest.DEDUPLICATED_FORMATS`) often codes one event for a
city and a day, where a monitor lists each strike of that day apart. Forcing those into one incident
loses the monitor's strikes; keeping them apart counts the dead twice. A *whole* is a report of a
curated source to which two or more reports of one other source are matched (assigned to it:
`harmtrace.link.assignment`, or cited by it; when a run links by the threshold alone, each at least at
the threshold and better than to any other report of the curated source), and which clustering keeps
apart from each other (two strikes, not one report twice): those reports are its *parts*.

`detect_parts` returns them as (part report, whole report, method, match probability), the method
'cited' when the whole cites the part (`harmtrace.link.citations`: its pair is a cited link), else
'model'; the caller keeps each part apart from its whole when clustering and records the relation
between their incidents.
"""

from __future__ import annotations

from typing import Final

from harmtrace.link.kinds import INCIDENTS
from harmtrace.link.parts import PartPair
from harmtrace.store import Store

MIN_PARTS: Final = 2


def detect_parts(store: Store, run_id: int, threshold: float, curated: str) -> list[PartPair]:
    """(part, whole, method, probability) of run `run_id` (module docstring); `curated` is an SQL list
    literal of the formats whose sources code each event once."""
    rows = store.rows(
        _SQL.format(curated=curated),
        {"run": run_id, "kind": INCIDENTS.kind, "threshold": threshold, "parts": MIN_PARTS},
    )
    return [(int(r["part"]), int(r["whole"]), str(r["method"]), float(r["p"])) for r in rows]


# per report of a non-curated source, its best match among reports of curated sources (ties: the
# lower id); a curated report so matched by two or more reports of one source, none of which the
# run linked to each other directly (two strikes, not one report twice), is their whole
_SQL: Final = """
WITH side AS (
    SELECT r.report_id, r.source_id, list_contains({curated}, b.format) AS curated
    FROM report r JOIN batch b USING (batch_id)),
cand AS (
    SELECT CASE WHEN sl.curated THEN p.id_r ELSE p.id_l END AS part,
        CASE WHEN sl.curated THEN p.id_l ELSE p.id_r END AS whole, p.match_probability AS p,
        CASE WHEN p.method = 'cited' THEN 'cited' ELSE 'model' END AS method
    FROM link_pair p JOIN side sl ON sl.report_id = p.id_l JOIN side sr ON sr.report_id = p.id_r
    WHERE p.run_id = $run AND p.kind = $kind AND sl.curated <> sr.curated
        AND (p.method IN ('assigned', 'cited') OR p.method = 'model' AND p.match_probability >= $threshold)),
best AS (
    SELECT part, arg_max(whole, p * 1e12 - whole) AS whole, max(p) AS p,
        arg_max(method, p * 1e12 - whole) AS method FROM cand GROUP BY part),
grouped AS (
    SELECT b.*, s.source_id FROM best b JOIN side s ON s.report_id = b.part),
twins AS (
    SELECT DISTINCT a.whole, a.source_id
    FROM grouped a JOIN grouped c ON a.whole = c.whole AND a.source_id = c.source_id AND a.part < c.part
    JOIN link_pair q ON q.run_id = $run AND q.kind = $kind AND q.id_l = a.part AND q.id_r = c.part
        AND q.match_probability >= $threshold),
wholes AS (
    SELECT whole, source_id FROM grouped GROUP BY ALL HAVING count(*) >= $parts
    EXCEPT SELECT whole, source_id FROM twins)
SELECT g.part, g.whole, g.method, g.p FROM grouped g JOIN wholes w USING (whole, source_id)
ORDER BY g.whole, g.part
"""
