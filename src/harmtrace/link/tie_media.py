"""Media keys of documents: the videos and links a victim record or a report cites, whatever the URL form.

A victim list often names the videos of the killed person or of the funeral (VDC keeps them in a
`media_links` column that its mapping does not read: they stay in each row's raw document), and a
video archive's record *is* a video (Syrian Archive: `Youtube_ID` / `youtube_id`, `Video_URL`,
`URLs_And_News`). The keys are read from the raw documents kept at import, so no importer has to know
about them:

- a YouTube video is keyed ``youtube:<id>`` from any of youtu.be/ID, youtube.com/watch?v=ID&...
  (also with `v=` after other parameters, and VDC's mangled ``&feature;=``), /embed/ID, /shorts/ID,
  /v/ID, and from a bare 11-character id in a column whose name says YouTube;
- any other link is keyed ``url:<host/path?query>``: scheme, ``www.``, fragment and trailing slashes
  and punctuation dropped, host lower-cased.

A raw document is parsed as a CSV row with its batch's header; one that is not (a spreadsheet row
stored another way) is searched as plain text, without the bare-id rule.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from harmtrace.store import Store

_YOUTUBE: Final = re.compile(
    r"(?:youtube\.com/(?:watch\?(?:[^\s|\"'<>]*?[&;])?v=|embed/|shorts/|v/)|youtu\.be/)([\w-]{11})(?![\w-])",
    re.IGNORECASE,
)
_URL: Final = re.compile(r"""https?://[^\s"'<>|)\]]+""", re.IGNORECASE)
_BARE_ID: Final = re.compile(r"[\w-]{11}")
CHUNK: Final = 200_000  # documents read at once


def media_keys(text: str) -> set[str]:
    """The media keys of the links in `text` (see the module docstring).

    >>> sorted(media_keys("Video: http://www.youtube.com/watch?v=7nw0Ib4YCP4&feature;=related "
    ...                   "| https://youtu.be/7nw0Ib4YCP4 | https://www.Example.org/news/1/"))
    ['url:example.org/news/1', 'youtube:7nw0Ib4YCP4']
    """
    keys = {f"youtube:{m}" for m in _YOUTUBE.findall(text)}
    for url in _URL.findall(text):
        if not _YOUTUBE.search(url):
            keys.add(f"url:{normalise_url(url)}")
    return keys


def normalise_url(url: str) -> str:
    """A link without scheme, ``www.``, fragment or trailing slashes and punctuation; host lower-cased.

    >>> normalise_url("HTTPS://www.SyrianArchive.org/en/database/?id=5#top"), normalise_url("http://a.b/c/.")
    ('syrianarchive.org/en/database/?id=5', 'a.b/c')
    """
    rest = re.sub(r"^https?://", "", url.split("#", 1)[0], flags=re.IGNORECASE)
    host, sep, path = rest.partition("/")
    host = host.lower().removeprefix("www.")
    return (host + sep + path).rstrip("/.,;:")


def row_media_keys(raw: bytes, header: Sequence[str] | None) -> set[str]:
    """The media keys of one raw document, read with its batch's header (see the module docstring)."""
    text = raw.decode("utf-8", errors="replace")
    keys = media_keys(text)
    values = csv_cells(text)
    if header and values is not None and len(values) == len(header):
        for column, value in zip(header, values, strict=True):
            if "youtube" in column.lower() and _BARE_ID.fullmatch(value.strip()):
                keys.add(f"youtube:{value.strip()}")
    return keys


def csv_cells(text: str) -> list[str] | None:
    """The cells of a one-record CSV text, or None when it is not one record."""
    try:
        rows = list(csv.reader(io.StringIO(text)))
    except csv.Error:
        return None
    return rows[0] if len(rows) == 1 else None


def document_media(store: Store, table: str, key: str) -> Iterator[tuple[int, str]]:
    """(id, media key) for every row of `table` (victim_record or report, whose id column is `key`).

    Only documents that hold a link, or come from a file with a YouTube column, are read, and those
    in chunks of `CHUNK` ids, so memory stays bounded however large the store.
    """
    headers = {r["batch_id"]: r["header"] for r in store.rows("SELECT batch_id, header FROM batch")}
    youtube = [b for b, h in headers.items() if h and any("youtube" in c.lower() for c in h)]
    last = store.scalar(f"SELECT max({key}) FROM {table}")
    for low in range(0, (last or 0) + 1, CHUNK):
        rows = store.rows(
            f"""SELECT t.{key} AS id, t.batch_id, d.raw
            FROM {table} t JOIN document d USING (batch_id, row_number)
            WHERE t.{key} >= ? AND t.{key} < ?
              AND (contains(d.raw::VARCHAR, 'http') OR list_contains(?, t.batch_id))
            ORDER BY t.{key}""",
            [low, low + CHUNK, youtube],
        )
        for row in rows:
            for media in sorted(row_media_keys(row["raw"], headers.get(row["batch_id"]))):
                yield row["id"], media
