"""Syrian Archive (syrianarchive.org, now Mnemonic) verified-video records, in three export layouts.

One row is one video; several videos usually show one incident (incident linkage comes later). The
layout is told apart by the header (see LAYOUTS): `collection` exports (`description_en`,
`description_ar`, `location_latitude`...), the `violations` table of the seankross/syrianarchive R
package (`Description`, `City`, `Neighborhood`...) and its `site` scrape (`description`,
`location` "ALEPPO : Al-Jinah"...). Blank, "NA", "None", "null" and "nan" mean missing in all three.

Assumptions, each a choice a reader may want to revisit:
- Date: the recording date stands for the event date (precision "day"). A video is recorded on or
  after the event, most on the day of an attack; a video filmed later (aftermath, testimony) puts
  the report after its event. The clock time is ignored, and so is the "+00:00" of collection
  exports: all three exports show the same clock time for the same video, so it is a label, not a
  conversion from Syrian time.
- Place: "GOVERNORATE : Place" (or City and Neighborhood) is kept as place text in that form, the
  governorate part as `adm1_source`. Precision is "town" when a place is named (a town, village or
  city district, whose size the record does not give), "governorate" when only that is. Coordinates
  are decimal or degrees-minutes-seconds text, parsed by `harmtrace.ingest.coordinates`.
- Perpetrators: only a party the record itself names (PERPETRATOR_WORDS), in the violation type or
  in the English or Arabic description; otherwise none. Keywords cannot tell an attacker from a
  target, and every name is an allegation by the video's publisher, not a finding.
- Means (MEANS_WORDS) from the weapons list and explicit words in the English description; site
  kinds (SITE_WORDS) only for the violation type "Specifically protected persons and objects", as
  elsewhere a hospital in a description is more often where the wounded were filmed than what was hit.
  Both word lists are in the vocabulary files ``vocabularies/means.yaml`` and ``site_kinds.yaml``.
- Harm: left empty. Descriptions do state numbers ("caused 8 martyrs", "25 casualties"), but
  "casualties" mixes killed and injured, and the several videos of one incident repeat the same
  figure, which would be counted once per video until incidents are linked.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Final

import duckdb
import pyarrow as pa

from harmtrace.ingest.coordinates import Axis, parse_coordinate
from harmtrace.ingest.formats import Format
from harmtrace.ingest.sql import Select, lit, q, rewrite_staged, show
from harmtrace.means import all_means
from harmtrace.site_kinds import all_kinds


@dataclass(frozen=True)
class Layout:
    """Which column of one export holds each field; `weapons` is used when the file has it."""

    origin: str  # the layout's name and what its header looks like, for messages
    record_id: str
    description: str
    latitude: str
    longitude: str
    violation: str
    recorded: str
    place: tuple[str, ...]  # ("GOVERNORATE : Place" column,) or (governorate column, place column)
    description_ar: str | None = None
    weapons: str | None = None

    @property
    def required(self) -> tuple[str, ...]:
        named = (self.record_id, self.description, self.description_ar, self.latitude, self.longitude)
        return tuple(c for c in (*named, self.violation, self.recorded, *self.place) if c is not None)


LAYOUTS = (
    Layout(
        "collection export (youtube_id, description_en, description_ar, ...)",
        record_id="reference_code", description="description_en", description_ar="description_ar",
        latitude="location_latitude", longitude="location_longitude", violation="type_of_violation",
        recorded="recording_date", place=("location",), weapons="weapons",
    ),
    Layout(
        "violations table (Description, City, Neighborhood, ...)",
        record_id="Reference_Code", description="Description", latitude="Latitude",
        longitude="Longitude", violation="Violation_Type", recorded="Recording_Date",
        place=("City", "Neighborhood"), weapons="Weapons_Used",
    ),
    Layout(
        "site scrape (description, location, latitude, ...)",
        record_id="reference_code", description="description", latitude="latitude",
        longitude="longitude", violation="violation_type", recorded="recording_date",
        place=("location",), weapons="weapons_used",
    ),
)  # fmt: skip

# Django's "N j, Y, P" ("Sept. 6, 2016, 9:11 a.m."): AP-style month names, so 3 letters suffice
DJANGO_DATE = r"^([A-Za-z]{3})[A-Za-z]*\.?\s+(\d{1,2}),\s*(\d{4})"
EDGE_SPACE = r"^\s+|\s+$"  # spaces, tabs and line breaks at either end
MISSING_WORDS = ("", "na", "n/a", "none", "null", "nan")
PROTECTED = "specifically protected persons and objects"
# RE2 patterns, matched case-insensitively; Arabic words may carry the prefixes و ب ل ف and ال
_AR_START = r"(^|[^\p{L}])[وبلف]?ا?(ال)?"
PERPETRATOR_WORDS = {
    "Russia": (r"\b(russia|russians?|russain)\b", _AR_START + "روس"),
    "Government of Syria": (
        r"\bregime\b|\bsyrian (government|air ?force|aviation|army|forces|airstrikes?|warplanes?"
        r"|helicopters?)\b"
        r"|\bassad['’]?s\b|\bassad (forces|regime|aviation|warplanes|planes)\b"
        r"|\bgovernment (forces|troops|warplanes|helicopters|airstrikes?)\b",
        _AR_START + r"نظام($|[^\p{L}])",
    ),
    "US-led coalition": (r"\bcoalition\b", _AR_START + "تحالف"),
    "Islamic State": (
        r"\b(isis|isil|daesh|islamic state)\s+(target|shell|attack|bomb|fire|launch|use)",
        None,
    ),
}
# phrases that name a party without accusing it: removed before matching
NOT_AN_ATTACKER = r"russian[- ]made|free syrian army|(pro|anti)[- ]regime|regime[- ](held|controlled)"
# means -> (pattern in the weapons list, pattern in the English description), from vocabularies/means.yaml
MEANS_WORDS: Final = {m.name: m.syrian_archive for m in all_means() if m.syrian_archive is not None}
# kind of site -> pattern in the English description, from vocabularies/site_kinds.yaml
SITE_WORDS: Final = {k.name: k.syrian_archive for k in all_kinds() if k.syrian_archive is not None}


def value(col: str) -> str:
    """SQL: the cell trimmed of spaces and line breaks; NULL when blank or a missing-value word."""
    return _unless_missing(_trimmed(q(col)))


def _trimmed(expr: str) -> str:
    return f"regexp_replace({expr}, {lit(EDGE_SPACE)}, '', 'g')"


def _unless_missing(expr: str) -> str:
    words = ", ".join(lit(w) for w in MISSING_WORDS)
    return f"CASE WHEN lower({expr}) IN ({words}) THEN NULL ELSE {expr} END"


def cell(col: str) -> str:
    """SQL: the column `prepare` adds with `value(col)`, so that the select stays small and fast."""
    return q(f"{col}__value")


def degrees(col: str) -> str:
    """SQL: the column `prepare` adds with `col` parsed to decimal degrees."""
    return q(f"{col}__degrees")


def recording_date(text: str) -> str:
    """SQL: a date from `text` as "2016-10-01", "2016-10-01 18:54:00+00:00" or "March 17, 2017, 8:59 p.m."."""
    spelled = f"regexp_replace({text}, {lit(DJANGO_DATE + '.*$')}, '\\2 \\1 \\3')"
    return (
        f"coalesce(TRY_CAST(left({text}, 10) AS DATE), TRY_CAST(try_strptime({spelled}, '%d %b %Y') AS DATE))"
    )


def _unparsed(col: str, parsed: str, code: str, expected: str) -> str:
    """Reason when a value that is not missing did not parse."""
    return (
        f"CASE WHEN {cell(col)} IS NOT NULL AND ({parsed}) IS NULL THEN "
        f"{lit(f'{code}: column {q(col)} value ')} || {show(q(col))} || {lit(f' is not {expected}')} END"
    )


def _place(layout: Layout) -> tuple[str, str]:
    """SQL: (governorate, named place) as the record writes them."""
    if len(layout.place) == 2:
        return cell(layout.place[0]), cell(layout.place[1])
    text = cell(layout.place[0])
    after = f"nullif(trim(substr({text}, strpos({text}, ':') + 1)), '')"
    return (
        f"nullif(trim(split_part({text}, ':', 1)), '')",
        f"CASE WHEN contains({text}, ':') THEN {after} END",
    )


def _set_place(s: Select, layout: Layout) -> None:
    governorate, place = _place(layout)
    s.set("place_text", f"nullif(concat_ws(' : ', {governorate}, {place}), '')")
    s.set("adm1_source", governorate)
    s.set(
        "location_precision",
        f"CASE WHEN {place} IS NOT NULL THEN 'town' WHEN {governorate} IS NOT NULL THEN 'governorate' "
        "ELSE 'unknown' END",
    )
    for field, col in (("latitude", layout.latitude), ("longitude", layout.longitude)):
        s.set(field, degrees(col))
        expected = "a coordinate (decimal degrees or degrees-minutes-seconds)"
        s.set_aside("coordinates", _unparsed(col, degrees(col), "coordinates_invalid", expected))


def _matches(text: str, pattern: str) -> str:
    return f"coalesce(regexp_matches({text}, {lit(pattern)}, 'i'), false)"


def _words(found: dict[str, str]) -> str:
    """SQL: the list of keys whose condition holds, in the order given."""
    items = ", ".join(f"CASE WHEN {cond} THEN {lit(name)} END" for name, cond in found.items())
    return f"list_filter([{items}]::VARCHAR[], lambda x: x IS NOT NULL)"


def _perpetrators(layout: Layout, columns: list[str]) -> str:
    english = f"regexp_replace({cell(layout.description)}, {lit(NOT_AN_ATTACKER)}, '', 'gi')"
    arabic = cell(layout.description_ar) if layout.description_ar in columns else None
    found = {}
    for name, (en, ar) in PERPETRATOR_WORDS.items():
        said = [_matches(english, en)] + ([_matches(arabic, ar)] if arabic and ar else [])
        found[name] = " OR ".join(said)
    found["Russia"] += f" OR {_matches(cell(layout.violation), 'russian')}"
    return _words(found)


def _means(layout: Layout, columns: list[str]) -> str:
    weapons = cell(layout.weapons) if layout.weapons in columns else "NULL"
    english = cell(layout.description)
    return _words(
        {m: f"{_matches(weapons, w)} OR {_matches(english, d)}" for m, (w, d) in MEANS_WORDS.items()}
    )


def _site_kinds(layout: Layout) -> str:
    protected = f"lower({cell(layout.violation)}) = {lit(PROTECTED)}"
    english = cell(layout.description)
    return _words({k: f"{protected} AND {_matches(english, p)}" for k, p in SITE_WORDS.items()})


def select(layout: Layout, columns: list[str]) -> Select:
    s = Select()
    s.set("record_id", cell(layout.record_id))
    recorded = recording_date(cell(layout.recorded))
    s.set("date_start", recorded)
    s.set("date_end", recorded)
    s.set("date_precision", f"CASE WHEN {recorded} IS NOT NULL THEN 'day' ELSE 'unknown' END")
    _set_place(s, layout)
    s.set("perpetrators", _perpetrators(layout, columns))
    s.set("means", _means(layout, columns))
    s.set("site_kinds", _site_kinds(layout))
    s.set("description", cell(layout.description))
    if layout.description_ar in columns:
        s.set("description_ar", cell(layout.description_ar))
    s.reasons += [
        f"CASE WHEN {cell(layout.record_id)} IS NULL THEN 'id_missing: column {q(layout.record_id)} is "
        "empty; every Syrian Archive record has a reference code' END",
        _unparsed(layout.recorded, recorded, "date_invalid", "a date (2017-03-17 or March 17, 2017)"),
    ]
    return s


def prepare(layout: Layout, con: duckdb.DuckDBPyConnection, table: str) -> None:
    """Add each read column's `value` as `<col>__value`, and the coordinates as `<col>__degrees`.

    Plain numbers are cast in SQL; only the distinct other texts (DMS, hemisphere letters, decimal
    commas) go through the Python parser, so a large file costs little more than its odd values.
    A coordinate that is missing or not a coordinate is NULL. The table is rewritten once.
    """
    present = {r[0] for r in con.execute(f"DESCRIBE {table}").fetchall()}
    read = dict.fromkeys(c for c in (*layout.required, layout.weapons) if c is not None and c in present)
    # trim first, then test for missing words: each text is trimmed once
    trimmed = ", ".join(f"{_trimmed(q(c))} AS {cell(c)}" for c in read)
    cleaned = f"SELECT * REPLACE ({', '.join(f'{_unless_missing(cell(c))} AS {cell(c)}' for c in read)}) "
    axes: tuple[tuple[str, Axis], ...] = ((layout.latitude, "lat"), (layout.longitude, "lon"))
    parsed, joins = [], []
    for col, axis in axes:
        con.register(f"ht_{axis}", _odd_coordinates(con, table, col, axis))
        parsed.append(f"coalesce(TRY_CAST(s.{cell(col)} AS DOUBLE), ht_{axis}.degrees) AS {degrees(col)}")
        joins.append(f"LEFT JOIN ht_{axis} ON ht_{axis}.text = s.{cell(col)}")
    rewrite_staged(
        con, table,
        f"SELECT s.*, {', '.join(parsed)} FROM ({cleaned} FROM (SELECT *, {trimmed} FROM {table})) s "
        f"{' '.join(joins)}",
    )  # fmt: skip
    for _, axis in axes:
        con.unregister(f"ht_{axis}")


def _odd_coordinates(con: duckdb.DuckDBPyConnection, table: str, col: str, axis: Axis) -> pa.Table:
    """The distinct non-numeric texts of `col` (text, degrees), parsed by `parse_coordinate`."""
    text = value(col)
    found = con.execute(
        f"SELECT DISTINCT {text} FROM {table} WHERE {text} IS NOT NULL AND TRY_CAST({text} AS DOUBLE) IS NULL"
    ).fetchall()
    texts = [r[0] for r in found]
    parsed = [parse_coordinate(t, axis) for t in texts]
    return pa.table({"text": pa.array(texts, pa.string()), "degrees": pa.array(parsed, pa.float64())})


def _layout_format(layout: Layout) -> Format:
    return Format(
        name="syrian-archive",
        kind="report",
        required_columns=layout.required,
        select=partial(select, layout),
        prepare=partial(prepare, layout),
        description=f"Syrian Archive {layout.origin}",
    )


LAYOUT_FORMATS = tuple(_layout_format(layout) for layout in LAYOUTS)


def _layout_first(columns: list[str]) -> Select:
    raise ValueError("syrian-archive has several layouts: pick one with Format.layout_for, then prepare")


FORMAT = Format(
    name="syrian-archive",
    kind="report",
    required_columns=(),  # each layout has its own; see Format.layout_for
    select=_layout_first,
    description="Syrian Archive video records (collection export, violations table or site scrape)",
    layouts=LAYOUT_FORMATS,
)
