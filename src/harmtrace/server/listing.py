"""Paging and field selection shared by the API's lists.

Lists are paged by keyset: `cursor` is the opaque position after the last row of the page before
(`next_cursor` of its answer), so a page never repeats or skips a row when rows are added in between,
and the deep pages cost what the first does. `fields` picks the fields of each row; unknown ones are
an error naming the fields there are.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Sequence
from typing import Any

from harmtrace.server.errors import ApiError


def encode_cursor(key: Sequence[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(key), default=str).encode()).decode().rstrip("=")


def keyset_page(
    rows: list[dict[str, Any]], limit: int, key: Callable[[dict[str, Any]], Sequence[Any]]
) -> tuple[list[dict[str, Any]], str | None]:
    """The first `limit` of `rows` (read `limit + 1` to know whether more follow) and the cursor after
    the last of them, None when no row follows. `key` gives a row's place in the list's order (it may
    pop columns read only for that, as `lambda r: [r.pop("_seq")]`); it is called on each row kept."""
    page = rows[:limit]
    keys = [key(r) for r in page]
    return page, encode_cursor(keys[-1]) if len(rows) > limit and keys else None


def decode_cursor(cursor: str, size: int) -> list[Any]:
    try:
        key = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except ValueError:
        key = None
    if not isinstance(key, list) or len(key) != size or not all(isinstance(k, str | int | None) for k in key):
        raise ApiError(400, "The cursor is not one this API gave: pass next_cursor from the page before, "
                       "or leave it out for the first page.", "cursor")  # fmt: skip
    return key


def chosen_fields(entity: str, fields: str | None, default: Sequence[str]) -> list[str]:
    """The fields asked for (comma-separated), checked against the policy's fields of `entity`."""
    if not fields:
        return list(default)
    asked = [f.strip() for f in fields.split(",") if f.strip()]
    unknown = [f for f in asked if f not in default]
    if unknown:
        raise ApiError(400, f"No field {', '.join(map(repr, unknown))} in {entity}s: the fields are "
                       f"{', '.join(default)}.", "fields")  # fmt: skip
    return list(dict.fromkeys(asked))


def csv_values(text: str | None, where: str) -> list[str]:
    values = [v.strip() for v in (text or "").split(",") if v.strip()]
    if text is not None and not values:
        raise ApiError(400, f"{where} is empty: give one or more values, comma-separated.", where)
    return values
