"""Whether the last assessment run's stored rows still describe the store: a fingerprint of what a run
reads, compared with the one it stored (`harmtrace.assess.snapshot`)."""

from __future__ import annotations

from typing import Any, Final

from harmtrace.store import Store

# what a run reads, as (table, SQL of a digest of its rows). An import adds reports with new ids, and
# every version it records or record it withdraws adds a row to record_version (a changed report also
# counts one more in sum(version)); every link run writes its memberships under a new run id: so counts
# and id bounds tell a change without reading every row; victim ties carry no run id and are hashed whole.
_DIGESTS: Final = (
    (
        "report",
        "count(*) || ':' || coalesce(max(report_id), 0) || ':' || coalesce(max(batch_id), 0) || ':' || "
        "coalesce(sum(version), 0)",
    ),
    ("record_version", "count(*) || ':' || coalesce(max(ended_batch), 0)"),
    ("incident_member", "count(*) || ':' || coalesce(min(run_id), 0) || ':' || coalesce(max(run_id), 0)"),
    ("person_member", "count(*) || ':' || coalesce(min(run_id), 0) || ':' || coalesce(max(run_id), 0)"),
    ("victim_report", "count(*) || ':' || coalesce(sum(hash(victim_id, report_id, method)), 0)"),
)


def fingerprint(store: Store) -> str:
    """A digest of the reports, incident and person memberships and victim ties in the store."""
    parts = " UNION ALL ".join(
        f"SELECT {n} AS i, '{t}:' || {d} AS part FROM {t}" for n, (t, d) in enumerate(_DIGESTS)
    )
    return str(store.scalar(f"SELECT string_agg(part, ' ' ORDER BY i) FROM ({parts})"))


def state(store: Store) -> dict[str, Any] | None:
    """The last run's state, with ``fresh`` (its rows still describe the store); None before any run."""
    rows = store.rows("SELECT * FROM assessment_state")
    if not rows:
        return None
    return {**rows[0], "fresh": rows[0]["fingerprint"] == fingerprint(store)}
