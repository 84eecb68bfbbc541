"""ACLED's deleted-events feed: the events ACLED removed from its dataset, to withdraw them here too.

ACLED deletes an event when new information puts it outside its remit or shows it duplicates another
(two reports of one event are merged). Its API's ``deleted`` endpoint lists them as rows of
``event_id_cnty`` and ``deleted_timestamp`` (a Unix timestamp, seconds; an ISO date-time is read too).

Each row is a document. The current report of the source (default ``acled``, as `harmtrace ingest acled`
names it) with that ``event_id_cnty`` is withdrawn: kept in ``record_version`` and visible in
`harmtrace reports history`, gone from figures and links. An id that names no current report (never
imported, or withdrawn before) is counted and listed, not quarantined; a row without an id or with a
timestamp that is not one is quarantined.
"""

from __future__ import annotations

from harmtrace.ingest.formats import Format
from harmtrace.ingest.sql import Select, blank, missing, q, text, unparsed

REQUIRED = ("event_id_cnty", "deleted_timestamp")


def _deleted_at(col: str) -> str:
    """SQL: the deletion time from Unix seconds ('1658707200') or ISO text ('2022-07-25 00:00:00')."""
    value = f"trim({q(col)})"
    return f"coalesce(to_timestamp(TRY_CAST({value} AS BIGINT))::TIMESTAMP, TRY_CAST({value} AS TIMESTAMP))"


def select(columns: list[str]) -> Select:
    s = Select()
    s.set("record_id", text("event_id_cnty"))
    s.set("deleted_at", _deleted_at("deleted_timestamp"))
    s.reasons += [
        missing("event_id_cnty", "id_missing", "a deletion names the event_id_cnty of the event deleted"),
        missing("deleted_timestamp", "timestamp_missing", "ACLED gives when each event was deleted"),
        unparsed(
            "deleted_timestamp",
            f"CASE WHEN NOT {blank(q('deleted_timestamp'))} THEN {_deleted_at('deleted_timestamp')} END",
            "timestamp_invalid",
            "a Unix timestamp or a date-time",
        ),
    ]
    return s


FORMAT = Format(
    name="acled-deletions",
    kind="report",
    required_columns=REQUIRED,
    select=select,
    source="acled",
    description="ACLED deleted-events feed (event_id_cnty, deleted_timestamp)",
    withdraws=True,
)
