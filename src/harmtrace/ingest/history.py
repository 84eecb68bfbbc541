"""Every version of a record: the current one and those kept in `record_version`, and what changed.

A record's versions are read whole (row, flags, harm and side rows, codes and citations) and flattened
into fields, harm counts named as in imports (``killed_civilians_max``), side counts (``side Government
of Syria: killed_best``), a report's ``codes`` and ``citations`` (``Airwars S380``), so a change reads
field by field: name, old value, new value. Victim records' names
are withheld unless asked for (`with_personal`): a history is shown on screens and in logs.
"""

from __future__ import annotations

import json
from typing import Any, Final

from harmtrace.errors import QueryError, param
from harmtrace.ingest.record_kinds import KINDS, RecordKind, stored_sql
from harmtrace.model import BOUNDS, harm_column
from harmtrace.store import Store

WITHHELD: Final = "(withheld)"


def histories(
    store: Store,
    kind_name: str,
    record_key: int | None = None,
    source: str | None = None,
    record_id: str | None = None,
    with_personal: bool = False,
) -> list[dict[str, Any]]:
    """The history of record `record_key`, or of every record `source` gave `record_id` (one record,
    unless it was withdrawn and given again, or stored twice before versions existed)."""
    kind = KINDS[kind_name]
    by_source = source is not None or record_id is not None
    if (record_key is None) != by_source or (by_source and (source is None or record_id is None)):
        raise QueryError(
            f"Name one {kind.name}: by its id (e.g. 42), "
            f"or by {param('source')} NAME and {param('record_id')} ID, not both."
        )
    keys = [record_key] if record_key is not None else _keys(store, kind, str(source), str(record_id))
    if not keys:
        raise QueryError(
            f"Source {source!r} has no {kind.name} with record id {record_id!r}, current or earlier. "
            "Sources and their files are listed by: harmtrace batches"
        )
    return [record_history(store, kind, key, with_personal) for key in keys]


def _keys(store: Store, kind: RecordKind, source: str, record_id: str) -> list[int]:
    rows = store.rows(
        f"SELECT {kind.key} AS k FROM {kind.table} JOIN source s USING (source_id) "
        "WHERE s.name = ? AND record_id = ? UNION "
        "SELECT record_key FROM record_version JOIN source s USING (source_id) "
        "WHERE kind = ? AND s.name = ? AND record_id = ? ORDER BY k",
        [source, record_id, kind.name, source, record_id],
    )
    return [int(r["k"]) for r in rows]


def record_history(store: Store, kind: RecordKind, key: int, with_personal: bool = False) -> dict[str, Any]:
    """Versions of one record, oldest first, each with the changes from the one before."""
    versions = _versions(store, kind, key)
    if not versions:
        raise QueryError(
            f"No {kind.name} {key}, current or earlier. Find one by its source's id with "
            f"{param('source')} NAME {param('record_id')} ID."
        )
    previous: dict[str, Any] | None = None
    for v in versions:
        flat = _flat(kind, v.pop("content"))
        v["changes"] = _changes(previous, flat) if previous is not None else []
        v["content"], previous = flat, flat
    if not with_personal:
        _withhold(kind, versions)
    last = versions[-1]
    return {
        "kind": kind.name,
        "record_key": key,
        "source": last["source"],
        "record_id": last["content"]["record_id"],
        "status": "current" if last["ended_how"] is None else last["ended_how"],
        "versions": versions,
    }


def _versions(store: Store, kind: RecordKind, key: int) -> list[dict[str, Any]]:
    """Earlier versions from record_version, then the current one (ended_* None), with their batches."""
    rows = store.rows(
        "SELECT v.version, v.batch_id, v.row_number, b.file_name AS file, b.finished_at AS imported_at, "
        "s.name AS source, v.ended_batch, v.ended_how, v.ended_at, v.content FROM record_version v "
        "JOIN batch b USING (batch_id) JOIN source s ON s.source_id = v.source_id "
        "WHERE v.kind = ? AND v.record_key = ? ORDER BY v.version, v.ended_at",
        [kind.name, key],
    )
    rows += store.rows(
        "SELECT c.version, c.batch_id, c.row_number, b.file_name AS file, b.finished_at AS imported_at, "
        "s.name AS source, NULL AS ended_batch, NULL AS ended_how, NULL AS ended_at, to_json(c) AS content "
        f"FROM ({stored_sql(kind, str(int(key)))}) c JOIN batch b USING (batch_id) "
        "JOIN source s ON s.source_id = c.source_id"
    )
    for row in rows:
        row["content"] = json.loads(row["content"])
    return rows


def _flat(kind: RecordKind, content: dict[str, Any]) -> dict[str, Any]:
    """A version's fields, flags, harm counts and side counts as one flat mapping."""
    flat = {f: content.get(f) for f in (*kind.fields, "flags")}
    for row in content.get("harm", []):
        for b in BOUNDS:
            flat[harm_column(row["harm"], row["category"], b)] = row[f"count_{b}"]
    for row in content.get("harm_side", []):
        for b in BOUNDS:
            flat[f"side {row['side']}: {row['harm']}_{b}"] = row[f"count_{b}"]
    if kind.name == "report":
        codes = sorted(c["written"] for c in content.get("report_code") or [])
        cites = sorted(f"{c['cited_source']} {c['cited_code']}" for c in content.get("report_citation") or [])
        flat["codes"], flat["citations"] = ", ".join(codes) or None, "; ".join(cites) or None
    return flat


def _changes(old: dict[str, Any], new: dict[str, Any]) -> list[dict[str, Any]]:
    """Fields whose value differs, in field order (harm and side counts in the order they appear)."""
    names = [*old, *(n for n in new if n not in old)]
    return [{"field": n, "old": old.get(n), "new": new.get(n)} for n in names if old.get(n) != new.get(n)]


def _withhold(kind: RecordKind, versions: list[dict[str, Any]]) -> None:
    """Replace every given personal value (names) by WITHHELD, in contents and changes alike: a change
    of name still shows as a change, its values do not."""

    def hide(value: Any) -> Any:
        return None if value is None else WITHHELD

    for v in versions:
        for f in kind.personal_fields:
            v["content"][f] = hide(v["content"].get(f))
        for change in v["changes"]:
            if change["field"] in kind.personal_fields:
                change["old"], change["new"] = hide(change["old"]), hide(change["new"])
