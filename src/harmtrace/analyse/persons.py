"""Person counts: people killed, each counted once however many lists record them, as a range.

A *person* is a cluster of victim records that linkage judged to be one human being (`person_member`,
as the latest `harmtrace link victims` left it). A person listed by three sources counts once.
Victim records imported after the latest link belong to no person yet and are left out (a note says
how many).

**A person's date of death** comes from its records' intervals [date_start, date_end] (NULL: unknown
on that side, which constrains nothing):

- when the records agree (all their intervals overlap) it is the intersection, the days every record
  allows: "2013-03" and "2013-03-14" give 2013-03-14;
- when they disagree (some two intervals do not overlap: a date a day off, a wrong year) it is the
  span from the earliest known start to the latest known end: the disagreement widens the person's
  interval instead of picking one record. ``persons_dates_disputed`` counts such persons.

**The window** is [from, to], both days inclusive (``days=N``: the N days from ``from``), with the
semantics of `harmtrace.analyse.casualties`: the *minimum* counts persons whose whole interval lies
inside the window, the *maximum* persons whose interval touches it (start <= to and end >= from). An
unknown start or end never rules a person out of the maximum and keeps it out of the minimum of a
bounded window.

**Filters** (status, sex, child) are ranges too, because lists disagree about one person: the minimum
counts persons whose records that state the attribute all agree with the filter (at least one does),
the maximum persons none of whose records contradicts it (some record agrees, or none says). A
record is a child when its age (the upper end of its age range) is under 18, an adult when it (the
lower end) is 18 or more, else as its age group says.

**Groups** (``by``): ``month`` and ``year`` cut the window into sub-windows (window ∩ period); a person
counts in the maximum of every period its interval touches and in the minimum of the one period
holding its whole interval. ``province`` groups by governorate: each record's province column (else
its place of death when that names a governorate), matched to OCHA P-codes across spellings and
scripts as linkage matches them (`harmtrace.link.features.governorate_lookup`); a person whose
records name two governorates counts in the maximum of both and in the minimum of neither; names the
crosswalk does not know form their own groups, as written; persons with no governorate form
"(province unknown)". ``source`` gives one group per source listing the person.
Group figures need not add up to the total.

`person_counts` returns JSON-ready data with stable keys:

    filters       from, to, days, status, sex, child, by
    scope         the lists whose victim records touch the window, the period they cover, the filters
                  (`harmtrace.analyse.scope.persons_scope`), as data and as a sentence
    window        from, to (inclusive; null = unbounded), days
    deduplicated  true: each person counts once
    run_id        the linkage run whose persons are counted (null when nothing is linked)
    definitions   min, max: one sentence each
    total         a PersonFigure for the whole window
    groups        null, or a list of PersonFigure plus group (label), key (month "2016-01", year "2016",
                  P-code or "?name" for a governorate, source id; "" for the unknown province) and window
    notes         caveats a reader must see with the numbers

    PersonFigure  persons_min, persons_max; records_min, records_max (victim records behind those
                  persons, all of each person's records); sources_min, sources_max (distinct sources
                  of those records); listed_by ({"1": persons listed by one source, "2": ...} over the
                  maximum's persons: the overlap between lists that estimation starts from);
                  persons_date_unknown (of the maximum, an interval open on a side);
                  persons_dates_disputed (of the maximum, records whose dates disagree)
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import Any, Final, TypedDict

import pyarrow as pa

from harmtrace.analyse.person_sql import PROVINCE_TABLE, UNKNOWN_PROVINCE, groups_sql, total_sql
from harmtrace.analyse.scope import PersonScope, persons_scope
from harmtrace.analyse.window import Window, resolve_window, window_problems
from harmtrace.choices import PERSON_GROUPINGS as GROUPINGS
from harmtrace.choices import PERSON_SEXES as SEXES
from harmtrace.choices import PERSON_STATUSES as STATUSES
from harmtrace.errors import QueryError, param
from harmtrace.link.features import governorate_lookup
from harmtrace.locate.crosswalk import normalise_name
from harmtrace.names import name_key, normalise_arabic
from harmtrace.store import Store

# OCHA COD-AB English names, for labels when no boundaries were loaded (harmtrace locate admin)
GOVERNORATES: Final = {
    "SY01": "Damascus", "SY02": "Aleppo", "SY03": "Rural Damascus", "SY04": "Homs", "SY05": "Hama",
    "SY06": "Lattakia", "SY07": "Idleb", "SY08": "Al-Hasakeh", "SY09": "Deir-ez-Zor", "SY10": "Tartous",
    "SY11": "Ar-Raqqa", "SY12": "Dar'a", "SY13": "As-Sweida", "SY14": "Quneitra",
}  # fmt: skip


class PersonFigure(TypedDict):
    persons_min: int
    persons_max: int
    records_min: int
    records_max: int
    sources_min: int
    sources_max: int
    listed_by: dict[str, int]
    persons_date_unknown: int
    persons_dates_disputed: int


class PersonGroup(PersonFigure):
    group: str
    key: str
    window: Window


class PersonFigures(TypedDict):
    filters: dict[str, Any]
    window: Window
    scope: PersonScope
    deduplicated: bool
    run_id: int | None
    definitions: dict[str, str]
    total: PersonFigure
    groups: list[PersonGroup] | None
    notes: list[str]


@dataclass(frozen=True)
class PersonQuery:
    """Which count: the window (days inclusive), filters and grouping.

    Raises QueryError listing every contradiction at once.
    """

    date_from: date | None = None
    date_to: date | None = None
    days: int | None = None
    status: str | None = None
    sex: str | None = None
    child: bool = False
    by: str | None = None

    def __post_init__(self) -> None:
        problems = window_problems(self.date_from, self.date_to, self.days) + _word_problems(self)
        if problems:
            raise QueryError("Cannot count persons:\n" + "\n".join(f"  - {p}" for p in problems))

    @property
    def window(self) -> Window:
        return resolve_window(self.date_from, self.date_to, self.days)

    def filters(self) -> dict[str, Any]:
        return {
            "from": self.date_from,
            "to": self.date_to,
            "days": self.days,
            "status": self.status,
            "sex": self.sex,
            "child": self.child,
            "by": self.by,
        }


def _word_problems(q: PersonQuery) -> list[str]:
    checks = [("status", q.status, STATUSES), ("sex", q.sex, SEXES), ("by", q.by, GROUPINGS)]
    return [
        f"{param(opt)} {value!r} is not one of {', '.join(ok)}."
        for opt, value, ok in checks
        if value is not None and value not in ok
    ]


def person_counts(store: Store, query: PersonQuery) -> PersonFigures:
    """The count `query` asks for: persons as a min-max range, the records and sources behind them.

    Persons exist only once victim records are imported and linked: before that there is no count to
    give (not 0), and a QueryError says what to run.
    """
    run_id = store.scalar("SELECT max(run_id) FROM person_member")
    _require_persons(store, run_id)
    mask = (store.scalar("SELECT max(source_id) FROM source") or 0) < 64
    total = _figure(_rows(store, *total_sql(query, mask))[0])
    groups = None
    if query.by:
        with _provinces(store, query.by == "province"):
            rows = _rows(store, *groups_sql(query, mask))
        groups = [_group(row, query) for row in _in_order(rows, query.by)]
    return {
        "filters": query.filters(),
        "window": query.window,
        "scope": persons_scope(store, query.window, _asked(query) or "none"),
        "deduplicated": True,
        "run_id": None if run_id is None else int(run_id),
        "definitions": definitions(query),
        "total": total,
        "groups": groups,
        "notes": _notes(store, query, total, run_id),
    }


def _require_persons(store: Store, run_id: Any) -> None:
    records = int(store.scalar("SELECT count(*) FROM victim_record"))
    if not records:
        raise QueryError(
            f"The store {store.path} holds no victim records, so there are no persons to count (not 0: "
            "nothing is known). Import victim lists first: harmtrace ingest victims FILE --mapping MAPPING."
        )
    if run_id is None:
        raise QueryError(
            f"The store's {records:,} victim records are not linked into persons yet, so persons cannot be "
            "counted once each (not 0: not yet counted). Run harmtrace link victims first."
        )


def definitions(query: PersonQuery) -> dict[str, str]:
    """One sentence per bound, naming the filters the query used."""
    asked = _asked(query)
    certain = f", and whose records that say so all call them {asked}" if asked else ""
    possible = f", and none of whose records contradicts {asked}" if asked else ""
    return {
        "min": f"Persons whose whole date of death lies inside the window{certain}; each person once.",
        "max": f"Persons whose date of death touches the window{possible}; each person once.",
    }


def _asked(query: PersonQuery) -> str:
    words = [w for w in (query.status, query.sex, "child" if query.child else None) if w]
    return " ".join(words)


def _rows(store: Store, sql: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    cur = store.con.execute(sql, params)
    names = [d[0] for d in cur.description or []]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def _figure(row: dict[str, Any]) -> PersonFigure:
    listed = row["listed_by"] or {}
    return {
        "persons_min": int(row["persons_min"] or 0),
        "persons_max": int(row["persons_max"] or 0),
        "records_min": int(row["records_min"] or 0),
        "records_max": int(row["records_max"] or 0),
        "sources_min": int(row["sources_min"] or 0),
        "sources_max": int(row["sources_max"] or 0),
        "listed_by": {str(k): int(v) for k, v in sorted(listed.items())},
        "persons_date_unknown": int(row["persons_date_unknown"] or 0),
        "persons_dates_disputed": int(row["persons_dates_disputed"] or 0),
    }


def _group(row: dict[str, Any], query: PersonQuery) -> PersonGroup:
    window: Window = query.window
    if row["g_from"] is not None:
        window = {"from": row["g_from"], "to": row["g_to"], "days": (row["g_to"] - row["g_from"]).days + 1}
    return {**_figure(row), "group": str(row["label"]), "key": str(row["key"]), "window": window}


def _in_order(rows: list[dict[str, Any]], by: str) -> list[dict[str, Any]]:
    """Periods in time; governorates and sources largest maximum first, unknown province last."""
    if by in ("month", "year"):
        return sorted(rows, key=lambda r: str(r["key"]))
    return sorted(rows, key=lambda r: (r["key"] == "", -int(r["persons_max"] or 0), str(r["label"])))


@contextmanager
def _provinces(store: Store, needed: bool) -> Iterator[None]:
    """Register `PROVINCE_TABLE`: every province and place text -> governorate key and label."""
    if not needed:
        yield
        return
    texts = [
        r["text"]
        for r in store.rows(
            "SELECT DISTINCT t AS text FROM (SELECT province FROM victim_record UNION ALL "
            "SELECT place_of_death FROM victim_record) x(t) WHERE t IS NOT NULL"
        )
    ]
    table = _province_table(store, texts)
    store.con.register(PROVINCE_TABLE, table)
    try:
        yield
    finally:
        store.con.unregister(PROVINCE_TABLE)


def _province_table(store: Store, texts: list[str]) -> pa.Table:
    lookup = governorate_lookup(store)
    labels = GOVERNORATES | {
        r["pcode"]: r["name_en"] for r in store.rows("SELECT pcode, name_en FROM admin_area WHERE level = 1")
    }
    keys = [_governorate(text, lookup) for text in texts]
    return pa.table(
        {
            "text": texts,
            "key": [k or "?" + normalise_name(t) for k, t in zip(keys, texts, strict=True)],
            "label": [labels.get(k, k) if k else t.strip() for k, t in zip(keys, texts, strict=True)],
            "known": [k is not None for k in keys],
        }
    )


def _governorate(text: str, lookup: dict[str, str]) -> str | None:
    """The P-code of a governorate name in any spelling or script (as linkage reads it), else None."""
    return lookup.get(normalise_name(normalise_arabic(text))) or lookup.get(name_key(text) or "")


def _notes(store: Store, query: PersonQuery, total: PersonFigure, run_id: Any) -> list[str]:
    unlinked = int(
        store.scalar("SELECT count(*) FROM victim_record ANTI JOIN person_member USING (victim_id)")
    )
    notes = [f"Persons of linkage run {run_id}: each person counts once, however many sources list it."]
    if unlinked:
        notes.append(
            f"{unlinked:,} victim records were imported after that run and are in no person, so they are "
            "left out: run harmtrace link victims again."
        )
    if total["persons_dates_disputed"]:
        notes.append(
            f"{total['persons_dates_disputed']:,} persons of the maximum have records whose dates disagree: "
            "their interval is the span of those dates."
        )
    bounded = query.window["from"] is not None or query.window["to"] is not None
    if total["persons_date_unknown"] and bounded:
        notes.append(
            f"{total['persons_date_unknown']:,} persons of the maximum have an unknown start or end date: "
            "they touch every window, so they count in the maximum and never in the minimum."
        )
    if _asked(query):
        notes.append(
            "Lists may disagree about a person's status, sex or age: the minimum counts persons all of whose "
            "records that say so agree with the filter, the maximum also those no record contradicts."
        )
    if query.by == "province":
        notes.append(
            f"Governorates come from each record's province; persons with none are {UNKNOWN_PROVINCE}."
        )
    return notes
