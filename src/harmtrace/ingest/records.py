"""Reading back what imports wrote: batches and quarantined rows."""

from __future__ import annotations

from typing import Any

from harmtrace.store import Store


def batches(store: Store) -> list[dict[str, Any]]:
    """Every batch with its source name and counts, oldest first (rows_new ... None before versions)."""
    return store.rows(
        "SELECT b.batch_id, s.name AS source, b.format, b.file_name, b.file_sha256, b.encoding, "
        "b.rows_read, b.rows_accepted, b.rows_quarantined, b.rows_flagged, b.rows_new, b.rows_unchanged, "
        "b.rows_changed, b.rows_withdrawn, b.started_at, "
        "b.finished_at, b.mapping_sha256 FROM batch b JOIN source s USING (source_id) "
        "ORDER BY b.batch_id"
    )


def quarantined(
    store: Store, batch_id: int | None, limit: int, with_raw: bool = False
) -> list[dict[str, Any]]:
    """Quarantined rows (with their raw bytes decoded when asked), in file order."""
    raw = ", d.raw" if with_raw else ""
    rows = store.rows(
        f"SELECT q.batch_id, q.row_number, q.reasons, d.sha256{raw}, b.encoding FROM quarantine q "
        "JOIN document d USING (batch_id, row_number) JOIN batch b USING (batch_id) "
        "WHERE ? IS NULL OR q.batch_id = ? ORDER BY q.batch_id, q.row_number LIMIT ?",
        [batch_id, batch_id, limit],
    )
    for row in rows:
        encoding = row.pop("encoding")
        if with_raw:
            # the raw bytes are the source's own; decode them as the file was read
            text_encoding = "utf-8" if encoding == "binary" else encoding
            row["raw"] = bytes(row["raw"]).decode(text_encoding, errors="replace")
    return rows
