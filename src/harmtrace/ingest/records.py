"""Reading back what imports wrote: batches, quarantined rows and fields set aside."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from harmtrace.store import Store


def batches(store: Store) -> list[dict[str, Any]]:
    """Every batch with its source name and counts, oldest first (rows_new ... None before versions)."""
    return store.rows(
        "SELECT b.batch_id, s.name AS source, b.format, b.file_name, b.file_sha256, b.encoding, "
        "b.rows_read, b.rows_accepted, b.rows_quarantined, b.rows_flagged, b.rows_new, b.rows_unchanged, "
        # NULL (shown "-"): a batch from before that count existed, or an importer that does not keep it
        "b.rows_changed, b.rows_withdrawn, b.rows_with_field_issues, b.started_at, "
        "b.finished_at, b.mapping_sha256 FROM batch b JOIN source s USING (source_id) "
        "ORDER BY b.batch_id"
    )


def quarantined(
    store: Store, batch_id: int | None, limit: int, with_raw: bool = False
) -> list[dict[str, Any]]:
    """Quarantined rows and fields set aside, in file order (raw bytes decoded when asked).

    Each entry is one row ("field": "row", quarantined) or one unit of an accepted row ("field" names
    it: 'killed_men', 'coordinates'...) with its reasons.
    """
    raw = ", d.raw" if with_raw else ""
    rows = store.rows(
        f"SELECT i.batch_id, i.row_number, i.field, i.reasons, d.sha256{raw}, b.encoding FROM ("
        "SELECT batch_id, row_number, 'row' AS field, reasons, 0 AS kind FROM quarantine UNION ALL "
        "SELECT batch_id, row_number, field, list(reason ORDER BY rowid), 1 FROM field_issue GROUP BY ALL"
        ") i JOIN document d USING (batch_id, row_number) JOIN batch b USING (batch_id) "
        "WHERE ? IS NULL OR i.batch_id = ? ORDER BY i.batch_id, i.row_number, i.kind, i.field LIMIT ?",
        [batch_id, batch_id, limit],
    )
    for row in rows:
        encoding = row.pop("encoding")
        if with_raw:
            # the raw bytes are the source's own; decode them as the file was read
            text_encoding = "utf-8" if encoding == "binary" else encoding
            row["raw"] = bytes(row["raw"]).decode(text_encoding, errors="replace")
    return rows


def field_issues_by_report(
    store: Store, report_ids: Sequence[int] | None = None
) -> dict[int, list[dict[str, str]]]:
    """Report id -> the fields set aside when its row was imported: [{"field", "reason"}], in order.

    `report_ids` limits the answer to those reports (default: every report with a field set aside);
    a report with none is absent. A figure can say how many of its reports lack a value this way.
    """
    rows = store.rows(
        "SELECT r.report_id, f.field, f.reason FROM field_issue f JOIN report r USING (batch_id, row_number) "
        "WHERE ?::BIGINT[] IS NULL OR list_contains(?::BIGINT[], r.report_id) "
        "ORDER BY r.report_id, f.field, f.rowid",
        [report_ids, report_ids],
    )
    found: dict[int, list[dict[str, str]]] = {}
    for row in rows:
        found.setdefault(int(row["report_id"]), []).append({"field": row["field"], "reason": row["reason"]})
    return found
