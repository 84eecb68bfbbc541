"""Where and how a victim died against where and how an incident happened: the `date_place` evidence.

A victim record is a candidate for an incident when:

- **day**: the record's date of death is one day (precision 'day') and lies in the incident's date
  interval, which spans at most two days (`MAX_INCIDENT_DAYS`: a night strike, a report dated the
  next morning); incidents known only to the week, month or year are candidates for nothing;
- **place**: the place of death, below governorate level ("Idlib: Saraqeb" gives "Saraqeb" and Idlib's
  P-code), names the place of one of the incident's reports: the same place key
  (`harmtrace.locate.place_keys.place_key`, either script), or the same consonant skeleton (three
  letters or more) in the same governorate. A report's places are its place text (without
  "GOVERNORATE :" and "town", `harmtrace.link.incident_features.place_name`) and, when the store has
  admin3 boundaries, the English and Arabic names of the sub-district its point falls in. Governorates,
  when both sides give one, must agree. A place of death that names only a governorate is too coarse;
- **cause**: the victim's cause and the incident's means are compatible (`compatible`).

Only the first two are matched in SQL; the cause is judged here, per candidate.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Final

import pyarrow as pa

from harmtrace.link.features import governorate_lookup
from harmtrace.link.incident_features import place_name
from harmtrace.locate.crosswalk import normalise_name
from harmtrace.locate.place_keys import place_key, place_skeleton
from harmtrace.names import name_key, normalise_arabic
from harmtrace.store.relations import relation_sql

if TYPE_CHECKING:
    from harmtrace.store import Store

MAX_INCIDENT_DAYS: Final = 2
MIN_SKELETON: Final = 3
# kinds of violence, read from a means word of a report (several may apply: a cluster munition is
# dropped from the air or fired by rockets)
MEANS_KINDS: Final = {
    "air": r"air|plane|jet|barrel|helicopter|drone|bombing",
    "shelling": r"shell|artiller|mortar|rocket|missile|tank|cluster|tochka",
    "chemical": r"chemical|chlorine|sarin|mustard|toxic|gas",
    "shooting": r"shoot|gun|sniper|small arms|clash|ground|fire ?fight",
    "explosion": r"explo|ied|car bomb|suicide|mine|bomb",
    "execution": r"execut|massacre",
}
# a victim's cause of death -> the kinds of violence it can have come from; checked in order
CAUSE_KINDS: Final[tuple[tuple[str, frozenset[str] | None], ...]] = (
    # deaths in custody or for want of care happened to a person, not at an event of the day
    (r"detention|kidnap|torture|siege|medical|starv", frozenset()),
    (r"chemical|toxic|gas", frozenset({"chemical"})),
    (r"warplane|air ?strike|aerial|helicopter|barrel", frozenset({"air"})),
    (r"shell|artiller|mortar|rocket", frozenset({"shelling"})),
    (r"shoot|sniper|gunfire|bullet", frozenset({"shooting"})),
    (r"explosion|blast|bomb|mine", frozenset({"explosion", "air", "shelling"})),
    (r"execut", frozenset({"execution", "shooting"})),
)


def cause_kinds(cause: str | None) -> frozenset[str] | None:
    """The kinds of violence a cause of death allows; None when any (cause unknown or 'Other'), empty
    when the death was not at an event (detention, kidnapping, siege...).

    >>> sorted(cause_kinds("Warplane shelling")), cause_kinds("Detention - Torture"), cause_kinds(None)
    (['air'], frozenset(), None)
    """
    text = (cause or "").lower()
    for pattern, kinds in CAUSE_KINDS:
        if re.search(pattern, text):
            return kinds
    return None


def means_kinds(means: Iterable[str]) -> set[str]:
    """The kinds of violence an incident's means words say (empty: means unknown)."""
    return {kind for m in means for kind, p in MEANS_KINDS.items() if re.search(p, m.lower())}


def compatible(cause: str | None, means: Iterable[str]) -> bool:
    """Whether a death of this cause can have come from an incident with these means.

    Unknown on either side is no contradiction: an incident whose reports name no means (UCDP names
    none) is compatible with any cause, a victim of unknown or 'Other' cause with any incident.

    >>> compatible("Shelling", ["shooting"]), compatible("Shelling", [])
    (False, True)
    >>> compatible("Shooting", ["airstrike"]), compatible("Warplane shelling", ["airstrike", "shooting"])
    (False, True)
    """
    allowed = cause_kinds(cause)
    if allowed is None:
        return True
    said = means_kinds(means)
    return bool(allowed) and (not said or bool(said & allowed))


def _governorate(text: str, lookup: dict[str, str]) -> str | None:
    return lookup.get(normalise_name(normalise_arabic(text))) or lookup.get(name_key(text))


def victim_place(text: str, lookup: dict[str, str]) -> tuple[str | None, str | None]:
    """(place key below governorate level, governorate P-code) of a victim's place of death.

    >>> victim_place("Idlib: Saraqeb", {"idlib": "SY07"}), victim_place("Idlib", {"idlib": "SY07"})
    (('sarakab', 'SY07'), (None, 'SY07'))
    """
    head, sep, tail = text.partition(":")
    if sep and tail.strip():
        return place_key(tail.strip()) or None, _governorate(head.strip(), lookup)
    pcode = _governorate(text.strip(), lookup)
    return (None, pcode) if pcode else (place_key(text) or None, None)


def _key_rows(key: str | None, adm1: str | None) -> dict[str, str | None]:
    skel = place_skeleton(key) if key else ""
    return {"key": key, "skel": skel if len(skel) >= MIN_SKELETON else None, "adm1": adm1}


def register_places(store: Store) -> None:
    """Temp tables ht_tie_victim_places (text, key, skel, adm1) and ht_tie_report_places (report_id, ...)."""
    lookup = governorate_lookup(store)
    texts = [
        r["t"] for r in store.rows("SELECT DISTINCT place_of_death AS t FROM victim_record WHERE t <> ''")
    ]
    victims = [{"text": t, **_key_rows(*victim_place(t, lookup))} for t in texts]
    reports = [
        {
            "report_id": r["report_id"],
            **_key_rows(
                place_key(place_name(r["t"])) or None,
                r["adm1"] or (_governorate(r["g"], lookup) if r["g"] else None),
            ),
        }
        for r in store.rows(_report_texts_sql())
    ]
    _temp(store, "ht_tie_victim_places", victims, ["text", "key", "skel", "adm1"])
    _temp(store, "ht_tie_report_places", reports, ["report_id", "key", "skel", "adm1"])


def _report_texts_sql() -> str:
    """(report_id, t: a place text, g: a governorate text, adm1: P-code from boundaries) per report place."""
    adm = "SELECT report_id, level, any_value(pcode) AS pcode FROM report_admin GROUP BY ALL"
    return f"""
    WITH adm AS ({adm}),
    texts AS (
        -- a text naming no more than a governorate (or a region) is no place of death
        SELECT report_id, unnest([place_text, place_text_ar]) AS t, adm1_source AS g FROM report
        WHERE location_precision NOT IN ('governorate', 'region', 'country')
        UNION ALL
        SELECT a3.report_id, unnest([x.name_en, x.name_ar]), NULL
        FROM adm a3 JOIN admin_area x ON x.pcode = a3.pcode WHERE a3.level = 3
    )
    SELECT DISTINCT t.report_id, t.t, coalesce(t.g, split_part(t.t, ':', 1)) AS g, a1.pcode AS adm1
    FROM texts t LEFT JOIN adm a1 ON a1.report_id = t.report_id AND a1.level = 1
    WHERE t.t IS NOT NULL AND trim(t.t) <> ''"""


def _temp(store: Store, name: str, rows: list[dict[str, object]], columns: list[str]) -> None:
    table = pa.Table.from_pylist(rows) if rows else pa.table({c: pa.array([], pa.string()) for c in columns})
    store.con.register("ht_tie_arrow", table)
    store.con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT {', '.join(columns)} FROM ht_tie_arrow")
    store.con.unregister("ht_tie_arrow")


def candidates_sql() -> str:
    """(victim_id, incident_id, report_id, means, cause): each incident a dated, placed victim record meets.

    `report_id` is the lowest of the incident's reports that names the place. Needs `register_places`.
    """
    same_place = """
        SELECT vp.text, rp.report_id FROM ht_tie_victim_places vp JOIN ht_tie_report_places rp
            ON rp.key = vp.key AND (rp.adm1 IS NULL OR vp.adm1 IS NULL OR rp.adm1 = vp.adm1)
        UNION
        SELECT vp.text, rp.report_id FROM ht_tie_victim_places vp JOIN ht_tie_report_places rp
            ON rp.skel = vp.skel AND rp.adm1 = vp.adm1"""
    return f"""
    WITH inc AS (
        SELECT incident_id, date_start, date_end FROM ({relation_sql("incidents")})
        WHERE date_end - date_start < {MAX_INCIDENT_DAYS}
    ),
    mem AS ({relation_sql("incident_membership")}),
    means AS (
        SELECT mem.incident_id, list_sort(list_distinct(flatten(list(r.means)))) AS means
        FROM mem JOIN report r USING (report_id) JOIN inc USING (incident_id) GROUP BY mem.incident_id
    )
    SELECT v.victim_id, m.incident_id, min(sp.report_id) AS report_id, any_value(ms.means) AS means,
           any_value(v.cause) AS cause
    FROM victim_record v JOIN ({same_place}) sp
        ON sp.text = coalesce(nullif(trim(v.place_of_death), ''), v.place_of_death_ar)
    JOIN mem m ON m.report_id = sp.report_id
    JOIN inc i ON i.incident_id = m.incident_id AND v.date_start BETWEEN i.date_start AND i.date_end
    JOIN means ms ON ms.incident_id = m.incident_id
    WHERE v.date_precision = 'day' AND v.date_start = v.date_end
    GROUP BY v.victim_id, m.incident_id"""
