"""Capture histories from the store: one row per person, which lists record them, and the strata.

A *person* is a cluster of victim records (`person_member`, as the latest `harmtrace link victims`
left it); a *list* is a source (`victim_record.source_id`). A person is *on* a list when at least one
of its records comes from that source. Multiple systems estimation reads only which lists record each
person, plus the attributes that cut the population into strata:

**Date of death** (a person's interval) follows `harmtrace.analyse.persons`: the intersection of its
records' intervals when they all overlap, else the span of their known ends. Unknown ends stay open.

**Year** is the year holding the middle day of that interval. A person whose interval spans two years
(a record dated "2013-12" and one dated "2014-01-02", or dates that disagree) counts in the year of its
middle day, once; `spans_years` says how many were placed that way. A person with an open end has no
year: "(date unknown)".

**adm1** (governorate) of a record is where it says the person died: its place of death when that
names a governorate ("Idleb", "Homs: Talbisa" gives Homs, Arabic script too), else its province
column (VDC's province is the province of *origin*: a weaker clue, used only when the place says
nothing). Names are matched to OCHA P-codes across spellings and scripts as linkage matches them
(`harmtrace.link.features.governorate_lookup`); a name the crosswalk does not know is its own
stratum, as written. A person's governorate is the one most of its records name (ties: the first
P-code); `adm1_disputed` counts persons whose records name two or more.

**Sex**: the sex all records that state one agree on; "(sex disputed)" when they disagree,
"(sex unknown)" when none says.

Records imported after the latest link are in no person and are left out (`unlinked`).

Everything is numpy arrays aligned by victim id, so that linkage draws (`uncertainty.py`) rebuild the
persons from new cluster labels with the same code (`person_histories`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Final

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from harmtrace.analyse.persons import GOVERNORATES
from harmtrace.choices import STRATA
from harmtrace.link.features import governorate_lookup
from harmtrace.locate.crosswalk import normalise_name
from harmtrace.names import name_key, normalise_arabic
from harmtrace.store import Store

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

EPOCH: Final = date(1970, 1, 1)
OPEN_START: Final = -(10**9)  # day number of an unknown start: before every real date
OPEN_END: Final = 10**9  # day number of an unknown end
SEX_CODES: Final = ("(sex unknown)", "female", "male", "(sex disputed)")
UNKNOWN_DATE: Final = "(date unknown)"
UNKNOWN_ADM1: Final = "(governorate unknown)"


@dataclass(frozen=True)
class SourceInfo:
    """A list: its records and the period its dated records cover (first and last day of death)."""

    source_id: int
    name: str
    records: int
    first_death: date | None
    last_death: date | None


@dataclass(frozen=True)
class VictimRecords:
    """Every victim record as aligned arrays sorted by victim id.

    ``source[i]`` indexes `sources`; days are counted from 1970-01-01 with OPEN_START / OPEN_END for
    unknown ends; ``adm1[i]`` indexes `adm1_keys` (-1: no governorate); ``sex[i]`` indexes SEX_CODES.
    ``person[i]`` numbers the record's person in the store (-1: not linked).
    """

    victim_ids: IntArray
    source: IntArray
    day_start: IntArray
    day_end: IntArray
    adm1: IntArray
    sex: IntArray
    person: IntArray
    sources: tuple[SourceInfo, ...]
    adm1_keys: tuple[str, ...]
    adm1_labels: tuple[str, ...]
    run_id: int | None

    @property
    def unlinked(self) -> int:
        return int((self.person < 0).sum())


@dataclass(frozen=True)
class PersonHistories:
    """One row per person on at least one of `lists`: ``listed[i, k]`` person i is on list k.

    Days and codes as in `VictimRecords`; ``year`` is 0 where unknown; ``adm1_disputed[i]``: person
    i's records name two or more governorates.
    """

    lists: tuple[str, ...]
    listed: BoolArray
    day_start: IntArray
    day_end: IntArray
    year: IntArray
    adm1: IntArray
    sex: IntArray
    adm1_labels: tuple[str, ...]
    adm1_disputed: BoolArray

    def __len__(self) -> int:
        return int(self.listed.shape[0])

    @property
    def spans_years(self) -> int:
        """Persons whose known interval spans two or more calendar years."""
        return int(((self.year > 0) & (_year_of(self.day_start) != _year_of(self.day_end))).sum())

    def subset(self, rows: BoolArray | IntArray) -> PersonHistories:
        """The persons at `rows` (a mask or indices), with the same lists."""
        return PersonHistories(
            self.lists,
            self.listed[rows],
            self.day_start[rows],
            self.day_end[rows],
            self.year[rows],
            self.adm1[rows],
            self.sex[rows],
            self.adm1_labels,
            self.adm1_disputed[rows],
        )

    @classmethod
    def from_array(cls, histories: BoolArray, lists: tuple[str, ...]) -> PersonHistories:
        """Persons with capture histories only (no dates, places or sex known)."""
        n = histories.shape[0]
        unknown = np.zeros(n, dtype=np.int64)
        return cls(
            lists,
            histories,
            unknown + OPEN_START,
            unknown + OPEN_END,
            unknown,
            unknown - 1,
            unknown,
            (),
            np.zeros(n, dtype=bool),
        )


def read_records(store: Store) -> VictimRecords:
    """Every victim record of the store with its person in the latest link (see the module docstring)."""
    table = store.con.sql(
        "SELECT v.victim_id, v.source_id, "
        f"coalesce(datediff('day', DATE '1970-01-01', v.date_start), {OPEN_START}) AS day_start, "
        f"coalesce(datediff('day', DATE '1970-01-01', v.date_end), {OPEN_END}) AS day_end, "
        "v.sex, v.place_of_death, v.place_of_death_ar, v.province, m.person_id "
        "FROM victim_record v LEFT JOIN person_member m USING (victim_id) ORDER BY v.victim_id"
    ).to_arrow_table()
    sources = read_sources(store)
    source_ids = np.array([s.source_id for s in sources], dtype=np.int64)  # sorted: read_sources orders them
    keys, labels, adm1 = _governorates(store, table)
    run_id = store.scalar("SELECT max(run_id) FROM person_member")
    return VictimRecords(
        victim_ids=_ints(table, "victim_id"),
        source=np.searchsorted(source_ids, _ints(table, "source_id")).astype(np.int64),
        day_start=_ints(table, "day_start"),
        day_end=_ints(table, "day_end"),
        adm1=adm1,
        sex=_codes(table.column("sex"), {"female": 1, "male": 2}),
        person=_person_numbers(table.column("person_id")),
        sources=tuple(sources),
        adm1_keys=keys,
        adm1_labels=labels,
        run_id=None if run_id is None else int(run_id),
    )


def _ints(table: pa.Table, column: str) -> IntArray:
    return np.asarray(table.column(column).to_numpy(zero_copy_only=False), dtype=np.int64)


def _codes(column: pa.ChunkedArray, codes: dict[str, int]) -> IntArray:
    """Each value's code (0 for NULL and values not in `codes`)."""
    words = list(codes)
    at = pc.index_in(column, value_set=pa.array(words)).to_numpy(zero_copy_only=False)
    values = np.array([0, *codes.values()], dtype=np.int64)
    return np.asarray(values[np.nan_to_num(at.astype(np.float64), nan=-1).astype(np.int64) + 1])


def _person_numbers(column: pa.ChunkedArray) -> IntArray:
    encoded = pc.dictionary_encode(column).combine_chunks()
    return np.asarray(encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False), dtype=np.int64)


def read_sources(store: Store) -> list[SourceInfo]:
    """Every source with victim records, with its records' first and last day of death."""
    rows = store.rows(
        "SELECT s.source_id, s.name, count(v.victim_id) AS records, min(v.date_start) AS first_death, "
        "max(v.date_end) AS last_death FROM source s JOIN victim_record v USING (source_id) "
        "GROUP BY ALL ORDER BY s.source_id"
    )
    return [SourceInfo(**row) for row in rows]


def _governorates(store: Store, table: pa.Table) -> tuple[tuple[str, ...], tuple[str, ...], IntArray]:
    """Governorate keys, their labels, and each record's index into them (-1: none).

    Each distinct text is matched once (a million records repeat a few thousand places); the first
    column that names a governorate wins: place of death, its Arabic twin, then the province.
    """
    lookup = governorate_lookup(store)
    stored = {
        r["pcode"]: r["name_en"] for r in store.rows("SELECT pcode, name_en FROM admin_area WHERE level = 1")
    }
    names = GOVERNORATES | stored
    columns = [("place_of_death", False), ("place_of_death_ar", False), ("province", True)]
    label_of: dict[str, str] = {}
    keyed_columns = []
    for column, keep_unknown in columns:
        encoded = pc.dictionary_encode(table.column(column)).combine_chunks()
        texts = encoded.dictionary.to_pylist()
        keys = [governorate_key(t, lookup, keep_unknown) for t in texts]
        label_of |= {k: names.get(k, t.strip()) for t, k in zip(texts, keys, strict=True) if k is not None}
        keyed_columns.append((encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False), keys))
    ordered = tuple(sorted(label_of))
    index = {k: i for i, k in enumerate(ordered)}
    adm1 = np.full(table.num_rows, -1, dtype=np.int64)
    for at, keys in keyed_columns:
        code = np.array([index[k] if k is not None else -1 for k in keys] + [-1], dtype=np.int64)
        adm1 = np.where(adm1 >= 0, adm1, code[at])  # at = -1 (no text) reads the trailing -1
    return ordered, tuple(label_of[k] for k in ordered), adm1


def governorate_key(text: str, lookup: dict[str, str], keep_unknown: bool) -> str | None:
    """The P-code a place or province text names ("Homs: Talbisa" -> SY04), else None; with
    `keep_unknown`, a name the crosswalk does not know is kept as "?" + its normalised form.

    >>> governorate_key("Idleb: Kafr Nabl", {"idleb": "SY07"}, False)
    'SY07'
    """
    head, sep, tail = text.partition(":")
    candidates = [head] if sep and tail.strip() else [text]
    for candidate in candidates:
        pcode = lookup.get(normalise_name(normalise_arabic(candidate))) or lookup.get(
            name_key(candidate) or ""
        )
        if pcode:
            return pcode
    if keep_unknown and text.strip():
        return "?" + normalise_name(text)
    return None


def person_histories(records: VictimRecords, labels: IntArray, lists: tuple[int, ...]) -> PersonHistories:
    """Persons from cluster `labels` (one per record, -1: in no person), on the sources `lists`
    (indices into `records.sources`); persons on none of them are left out."""
    keep = labels >= 0
    _, person = np.unique(labels[keep], return_inverse=True)
    n = int(person.max()) + 1 if person.size else 0
    source = records.source[keep]
    listed = np.zeros((n, len(lists)), dtype=bool)
    for k, s in enumerate(lists):
        listed[person[source == s], k] = True
    start, end = _intervals(person, n, records.day_start[keep], records.day_end[keep])
    adm1, adm1_disputed = _majority(person, n, records.adm1[keep])
    sex = _sex(person, n, records.sex[keep])
    names = tuple(records.sources[s].name for s in lists)
    year = _years(start, end)
    persons = PersonHistories(names, listed, start, end, year, adm1, sex, records.adm1_labels, adm1_disputed)
    return persons.subset(np.asarray(listed.any(axis=1), dtype=bool))


def store_histories(records: VictimRecords, lists: tuple[int, ...]) -> PersonHistories:
    """The persons as the latest link made them."""
    return person_histories(records, records.person, lists)


def _intervals(person: IntArray, n: int, start: IntArray, end: IntArray) -> tuple[IntArray, IntArray]:
    """Each person's interval: the intersection of its records' intervals, else their known span."""
    i_s = np.full(n, OPEN_START, dtype=np.int64)
    i_e = np.full(n, OPEN_END, dtype=np.int64)
    np.maximum.at(i_s, person, start)
    np.minimum.at(i_e, person, end)
    k_s = np.full(n, OPEN_END, dtype=np.int64)
    k_e = np.full(n, OPEN_START, dtype=np.int64)
    np.minimum.at(k_s, person, np.where(start == OPEN_START, OPEN_END, start))
    np.maximum.at(k_e, person, np.where(end == OPEN_END, OPEN_START, end))
    agree = i_s <= i_e
    k_s = np.where(k_s == OPEN_END, OPEN_START, k_s)
    k_e = np.where(k_e == OPEN_START, OPEN_END, k_e)
    return np.where(agree, i_s, k_s), np.where(agree, i_e, k_e)


def _year_of(day: IntArray) -> IntArray:
    """Calendar year of each day number (0 for an open end)."""
    known = (day > OPEN_START) & (day < OPEN_END)
    years = (np.where(known, day, 0).astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64)) + 1970
    return np.where(known, years, 0)


def _years(start: IntArray, end: IntArray) -> IntArray:
    """The year of each interval's middle day; 0 when an end is open."""
    known = (start > OPEN_START) & (end < OPEN_END)
    middle = np.where(known, (start + end) // 2, OPEN_START)
    return _year_of(middle)


def _majority(person: IntArray, n: int, code: IntArray) -> tuple[IntArray, BoolArray]:
    """Each person's most frequent non-negative code (ties: the smallest; -1 if none) and whether
    its records name two or more codes."""
    stated = code >= 0
    p, c = person[stated], code[stated]
    width = int(c.max()) + 1 if c.size else 1
    pairs, counts = np.unique(p * width + c, return_counts=True)
    pp, cc = pairs // width, pairs % width
    order = np.lexsort((cc, -counts, pp))  # per person: most records first, then the smallest code
    first = np.ones(order.size, dtype=bool)
    first[1:] = pp[order][1:] != pp[order][:-1]
    best = np.full(n, -1, dtype=np.int64)
    best[pp[order][first]] = cc[order][first]
    several = np.bincount(pp, minlength=n) > 1
    return best, several


def _sex(person: IntArray, n: int, sex: IntArray) -> IntArray:
    female = np.bincount(person[sex == 1], minlength=n) > 0
    male = np.bincount(person[sex == 2], minlength=n) > 0
    return np.where(female & male, 3, np.where(female, 1, np.where(male, 2, 0))).astype(np.int64)


def day_number(day: date) -> int:
    return (day - EPOCH).days


def day_of(number: int) -> date | None:
    """The date of a day number, None for an open end."""
    return None if number in (OPEN_START, OPEN_END) else EPOCH + timedelta(days=int(number))


def in_window(persons: PersonHistories, date_from: date | None, date_to: date | None) -> BoolArray:
    """Persons whose interval's middle day lies in [from, to] (inclusive); with a bounded window, a
    person with an open end is outside (its middle day is unknown)."""
    if date_from is None and date_to is None:
        return np.ones(len(persons), dtype=bool)
    known = (persons.day_start > OPEN_START) & (persons.day_end < OPEN_END)
    middle = (persons.day_start + persons.day_end) // 2
    lo = day_number(date_from) if date_from else OPEN_START
    hi = day_number(date_to) if date_to else OPEN_END
    return np.asarray(known & (middle >= lo) & (middle <= hi))


@dataclass(frozen=True)
class Stratum:
    """The persons (`rows` of a PersonHistories) sharing one value of each stratifying variable."""

    key: tuple[str, ...]
    label: str
    rows: IntArray


def stratify(persons: PersonHistories, by: tuple[str, ...]) -> list[Stratum]:
    """Strata by any of "adm1", "year", "sex", in that order of `by`; unknowns form their own strata.

    Strata come sorted by key, unknown values last.
    """
    if not by:
        return [Stratum((), "all", np.arange(len(persons), dtype=np.int64))]
    columns = [_codes_of(persons, variable) + 1 for variable in by]  # >= 0: unknown adm1 is -1
    radix = [int(c.max(initial=0)) + 1 for c in columns]
    combined = np.zeros(len(persons), dtype=np.int64)
    for column, base in zip(columns, radix, strict=True):  # one integer per combination: a fast 1-D unique
        combined = combined * base + column
    found, group = np.unique(combined, return_inverse=True)
    keys = [
        tuple(_label(persons, v, c) for v, c in zip(by, _digits(x, radix), strict=True))
        for x in found.tolist()
    ]
    order = np.argsort(group.reshape(-1), kind="stable")
    bounds = np.searchsorted(group.reshape(-1)[order], np.arange(len(keys) + 1))
    strata = [Stratum(k, ", ".join(k), order[bounds[g] : bounds[g + 1]]) for g, k in enumerate(keys)]
    return sorted(strata, key=lambda st: [(part.startswith("("), part) for part in st.key])


def _digits(x: int, radix: list[int]) -> list[int]:
    """The codes packed into `x` by `stratify` (each minus the 1 added there)."""
    digits = []
    for base in reversed(radix):
        x, digit = divmod(x, base)
        digits.append(digit - 1)
    return digits[::-1]


def _codes_of(persons: PersonHistories, variable: str) -> IntArray:
    """One integer per person for a stratifying variable (negative or 0 where unknown)."""
    if variable == "year":
        return persons.year
    if variable == "sex":
        return persons.sex
    if variable == "adm1":
        return persons.adm1
    raise ValueError(f"unknown stratum variable {variable!r}; the variables are {', '.join(STRATA)}")


def _label(persons: PersonHistories, variable: str, code: int) -> str:
    if variable == "year":
        return str(code) if code else UNKNOWN_DATE
    if variable == "sex":
        return SEX_CODES[code]
    return persons.adm1_labels[code] if code >= 0 else UNKNOWN_ADM1
