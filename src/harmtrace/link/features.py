"""The linkage input: one row per victim record, with the keys the comparisons and blocking rules use.

Names are keyed with `harmtrace.names`: the parts (given, father, grandfather, family) come from
the record's own part columns when it has any, else from `parse_name` of the full name; each part is
keyed with `name_key`, so Arabic-script and Latin-script records of one person get comparable keys.
Keys are computed once per distinct string in Python and joined back in SQL: a list of a million
records repeats most names and parts, so the Python work grows with the vocabulary, not the rows.

Columns of the feature table (`FEATURE_COLUMNS`):

    unique_id         victim_id
    source_dataset    the source's name
    given_key ...     name_key of each part (NULL when unknown); full_key: the part keys joined
    given_skel ...    `name_skeleton` of each part's key: its consonants
    name_number       the counter a list appends to anonymous or family-group names ("al-Najjar 3")
    relation          a record that names a relative instead of the person (`NameParts.relation`:
                      wife, mother, son, daughter, child, family ...); NULL for a named person
    chain_short       a name with a father's and no grandfather's name in a list whose names with a
                      father's name mostly have one (`CHAIN_SHARE`): a part may have been dropped
    relative_key, relative_skel   name_key of the relative's name as written ("Wife of Mohammad
                      al-Hariri", زوجة محمد الحريري, "Umm Ahmad") and its skeleton
    name_script       'arabic', 'latin' or NULL (no name)
    sex, status, cause    as stored, 'unknown' sex and status as NULL, cause lower-cased
    age_lo, age_hi    age in whole years as an interval: the record's age or range, else its age
                      group (child 0-17, adult 18-120)
    day_start, day_end    date of death as an interval of days since 1970-01-01
    death_year, death_month   year and year-month of day_start, for blocking
    place_key         name_key of the place of death below governorate level ("Province: Area" text
                      keeps the area); NULL when the place is only a governorate
    adm1              OCHA governorate P-code of the place of death, else of the province column;
                      a name the crosswalk does not know is kept as its key ("?" + key)
    plain_*           the same names and places without any Arabic handling, for the `plain`
                      baseline: lower-cased text, parts split on spaces (first, second, last word)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Final

import duckdb
import pyarrow as pa

from harmtrace.locate.crosswalk import ADM1_VARIANTS, adm1_lookup, normalise_name
from harmtrace.names import NameParts, is_arabic, name_key, normalise_arabic, parse_name, skeleton
from harmtrace.store import Store

PARTS: Final = ("given", "father", "grandfather", "family")
FEATURE_TABLE: Final = "ht_link_features"

# Arabic names of the governorates and English spellings the crosswalk's table lacks (OCHA's own
# English names among them: a store without imported boundaries still knows them).
_ADM1_EXTRA: Final[dict[str, tuple[str, ...]]] = {
    "SY01": ("دمشق", "مدينة دمشق"),
    "SY02": ("حلب",),
    "SY03": ("ريف دمشق", "rural damascus", "damascus suburbs", "damascus countryside"),
    "SY04": ("حمص",),
    "SY05": ("حماة", "حماه"),
    "SY06": ("اللاذقية",),
    "SY07": ("إدلب", "edlib"),
    "SY08": ("الحسكة", "al hasakeh"),
    "SY09": ("دير الزور", "deir al zour", "deir al zor", "deir ezzor"),
    "SY10": ("طرطوس",),
    "SY11": ("الرقة", "rakka", "al raqqah"),
    "SY12": ("درعا",),
    "SY13": ("السويداء",),
    "SY14": ("القنيطرة", "qunaitra"),
}


def build_features(store: Store, table: str = FEATURE_TABLE) -> int:
    """Create the temporary table `table` of linkage features on the store's connection; its rows.

    Runs in the store's DuckDB: the name and place vocabularies go through Python once, the rest is
    set-wise SQL. Read it with `features_arrow` to hand it to a linkage backend.
    """
    con = store.con
    _register_names(con)
    _register_places(con, governorate_lookup(store))
    con.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS {_features_sql()}")
    for helper in ("ht_name_parts", "ht_part_keys", "ht_place_keys"):
        con.execute(f"DROP TABLE IF EXISTS {helper}")
    return int(store.scalar(f"SELECT count(*) FROM {table}"))


def features_arrow(
    store: Store, columns: Iterable[str], where: str = "true", table: str = FEATURE_TABLE
) -> pa.Table:
    """The feature table's `columns` (unique_id first) of the rows matching the SQL condition `where`,
    as an Arrow table ordered by unique_id."""
    names = ", ".join(dict.fromkeys(["unique_id", *columns]))
    return store.con.sql(f"SELECT {names} FROM {table} WHERE {where} ORDER BY unique_id").to_arrow_table()


# --- names ------------------------------------------------------------------------------------------


def _full_name_sql(alias: str = "v") -> str:
    """The record's full name: the Latin-script cell, else the Arabic-script one."""
    return f"coalesce(nullif(trim({alias}.name), ''), nullif(trim({alias}.name_ar), ''))"


def _has_parts_sql(alias: str = "v") -> str:
    """Does the record have any name part column filled? Then its parts are those columns."""
    return "(" + " OR ".join(f"{alias}.{p}_name IS NOT NULL" for p in PARTS) + ")"


def _register_names(con: duckdb.DuckDBPyConnection) -> None:
    """ht_name_parts: full name -> parsed parts and script; ht_part_keys: part text -> name_key.

    Only names of records without part columns are parsed (the slow step: about 20 µs a name).
    """
    found = con.execute(
        f"SELECT {_full_name_sql()} AS full_text, bool_or(NOT {_has_parts_sql()}) AS parse "
        "FROM victim_record v WHERE full_text IS NOT NULL GROUP BY ALL"
    ).fetchall()
    fulls = [row[0] for row in found]
    parsed = [parse_name(text) if parse else _NOT_PARSED for text, parse in found]
    names = pa.table(
        {
            "full_text": fulls,
            "unidentified": [p.unidentified for p in parsed],
            "relation": [p.relation for p in parsed],
            "relative": [p.relative for p in parsed],
            "script": ["arabic" if is_arabic(t) else "latin" for t in fulls],
            **{f"p_{part}": [getattr(p, part) for p in parsed] for part in PARTS},
        }
    )
    _temp_table(con, "ht_name_parts", names)
    part_sql = " UNION ".join(
        [f"SELECT p_{p} FROM ht_name_parts" for p in PARTS]
        + [f"SELECT {p}_name FROM victim_record" for p in PARTS]
        + ["SELECT relative FROM ht_name_parts"]
    )
    parts = _distinct(con, f"SELECT DISTINCT * FROM ({part_sql}) t(x) WHERE x IS NOT NULL")
    _register_keys(con, "ht_part_keys", parts, _part_key, name_skeleton)


_NOT_PARSED: Final = NameParts()


def _part_key(text: str) -> str | None:
    return name_key(text) or None


# ... and in personal names, as other transliteration traditions write them: ب is b or, in Turkish, a
# final p (Hatip, Zeynep); ح and خ are both h or kh in Russian and Turkish spellings (Khasan, Halaf).
# The k class is written g, so that a skeleton never holds "kh" and is its own skeleton.
_NAME_CLASS: Final = str.maketrans({"k": "g", "p": "b"})


def name_skeleton(key: str | None) -> str | None:
    """`skeleton` of a personal name's key with kh read as h and p as b, the k class written g.

    >>> name_skeleton("khalaf"), name_skeleton("halaf"), name_skeleton("hatip"), name_skeleton("khatib")
    ('hlf', 'hlf', 'hdb', 'hdb')
    >>> name_skeleton("kamal"), name_skeleton("jamal"), name_skeleton("jihad")
    ('gml', 'gml', 'ghd')
    """
    found = skeleton(key.replace("kh", "h") if key else key)
    return found.translate(_NAME_CLASS) if found else None


def _temp_table(con: duckdb.DuckDBPyConnection, name: str, table: pa.Table) -> None:
    """Copy an Arrow table into the temporary table `name` (replacing it)."""
    con.register("ht_arrow_input", table)
    try:
        con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM ht_arrow_input")
    finally:
        con.unregister("ht_arrow_input")


def _distinct(con: duckdb.DuckDBPyConnection, sql: str) -> list[str]:
    return [row[0] for row in con.execute(sql).fetchall() if row[0] is not None]


def _register_keys(
    con: duckdb.DuckDBPyConnection,
    table: str,
    texts: list[str],
    key: Callable[[str], str | None],
    skel: Callable[[str | None], str | None] = skeleton,
) -> None:
    keys_list = [key(t) for t in texts]
    keys = pa.table({"text": texts, "key": keys_list, "skeleton": [skel(k) for k in keys_list]})
    _temp_table(con, table, keys)


# --- places -----------------------------------------------------------------------------------------


def governorate_lookup(store: Store) -> dict[str, str]:
    """Governorate name -> OCHA P-code, keyed both by `normalise_name` and by `name_key`.

    Built from the crosswalk (its variants and any stored OCHA names) and the Arabic names above.
    """
    lookup = adm1_lookup(store)
    for pcode, names in _ADM1_EXTRA.items():
        lookup.update({normalise_name(normalise_arabic(n)): pcode for n in names})
    by_key = {name_key(n): pcode for n, pcode in lookup.items() if name_key(n)}
    for pcode, names in ADM1_VARIANTS.items():
        by_key.update({name_key(n): pcode for n in names if name_key(n)})
    return {**by_key, **lookup}


def _governorate(text: str, lookup: dict[str, str]) -> str | None:
    """P-code of a governorate name in any script or spelling, else None."""
    return lookup.get(normalise_name(normalise_arabic(text))) or lookup.get(name_key(text))


def _register_places(con: duckdb.DuckDBPyConnection, lookup: dict[str, str]) -> None:
    """ht_place_keys: place or province text -> (place key, governorate P-code)."""
    texts = _distinct(
        con,
        "SELECT DISTINCT x FROM (SELECT place_of_death FROM victim_record UNION "
        "SELECT place_of_death_ar FROM victim_record UNION SELECT province FROM victim_record) t(x)",
    )
    keyed = [_place(t, lookup) for t in texts]
    places = pa.table({"text": texts, "place_key": [k[0] for k in keyed], "adm1": [k[1] for k in keyed]})
    _temp_table(con, "ht_place_keys", places)


def _place(text: str, lookup: dict[str, str]) -> tuple[str | None, str | None]:
    """(key of the place below governorate level, governorate P-code) of a place text.

    "Province: Area" (VDC) gives the area's key and the province's code; a bare governorate name
    gives no place key; an unknown governorate name is kept as "?" + its key so that two records
    naming it still agree.
    """
    head, sep, tail = text.partition(":")
    if sep and tail.strip():
        area = tail.strip()
        return _part_key(area), _governorate(head, lookup) or _governorate(area, lookup)
    pcode = _governorate(text, lookup)
    if pcode:
        return None, pcode
    return _part_key(text), None


# --- the table ----------------------------------------------------------------------------------------

_AGE_GROUP_BOUNDS: Final = {"child": (0, 17), "adult": (18, 120)}


def _features_sql() -> str:
    full = _full_name_sql()
    has_parts = _has_parts_sql()
    part_text = {p: f"CASE WHEN {has_parts} THEN v.{p}_name ELSE n.p_{p} END" for p in PARTS}
    key_joins = " ".join(
        f"LEFT JOIN ht_part_keys k_{p} ON k_{p}.text = {part_text[p]} AND NOT n.unidentified" for p in PARTS
    )
    keys = ", ".join(f"k_{p}.key AS {p}_key, k_{p}.skeleton AS {p}_skel" for p in PARTS)
    full_key = "nullif(concat_ws(' ', " + ", ".join(f"k_{p}.key" for p in PARTS) + "), '')"
    relation = f"CASE WHEN NOT {has_parts} THEN n.relation END"
    return f"""
        SELECT v.victim_id AS unique_id, s.name AS source_dataset, {keys}, {full_key} AS full_key,
            {_number_sql(full)} AS name_number, {relation} AS relation,
            CASE WHEN NOT {has_parts} THEN k_rel.key END AS relative_key,
            CASE WHEN NOT {has_parts} THEN k_rel.skeleton END AS relative_skel,
            coalesce(k_father.key IS NOT NULL AND k_grandfather.key IS NULL AND {relation} IS NULL
                     AND ch.full_share >= {CHAIN_SHARE}, false) AS chain_short,
            n.script AS name_script, nullif(v.sex, 'unknown') AS sex, nullif(v.status, 'unknown') AS status,
            lower(nullif(trim(v.cause), '')) AS cause,
            {_age_sql()},
            datediff('day', DATE '1970-01-01', v.date_start) AS day_start,
            datediff('day', DATE '1970-01-01', v.date_end) AS day_end,
            year(v.date_start) AS death_year, strftime(v.date_start, '%Y-%m') AS death_month,
            coalesce(pd.place_key, pa.place_key) AS place_key,
            coalesce(pd.adm1, pa.adm1, pp.adm1, '?' || pp.place_key) AS adm1,
            {_plain_sql(full, has_parts)}
        FROM victim_record v
        JOIN source s ON s.source_id = v.source_id
        LEFT JOIN ht_name_parts n ON n.full_text = {full}
        {key_joins}
        LEFT JOIN ht_part_keys k_rel ON k_rel.text = n.relative
        LEFT JOIN ({_chain_share_sql()}) ch ON ch.source_id = v.source_id
        LEFT JOIN ht_place_keys pd ON pd.text = v.place_of_death
        LEFT JOIN ht_place_keys pa ON pa.text = v.place_of_death_ar
        LEFT JOIN ht_place_keys pp ON pp.text = v.province
    """


# A list whose full names have a grandfather this often writes whole chains: a three-part name in it
# may be one whose father's (or grandfather's) name was dropped.
CHAIN_SHARE: Final = 0.5


def _chain_share_sql() -> str:
    """Per source: the share of its names with a father's name (part columns, else the parsed full
    name) that have a grandfather's name too."""
    has_parts = _has_parts_sql("w")
    father = f"CASE WHEN {has_parts} THEN w.father_name ELSE m.p_father END"
    grandfather = f"CASE WHEN {has_parts} THEN w.grandfather_name ELSE m.p_grandfather END"
    return f"""
        SELECT w.source_id, avg(CASE WHEN {grandfather} IS NULL THEN 0 ELSE 1 END) AS full_share
        FROM victim_record w LEFT JOIN ht_name_parts m ON m.full_text = {_full_name_sql("w")}
        WHERE {father} IS NOT NULL AND m.relation IS NULL
        GROUP BY w.source_id
    """


def _number_sql(full: str) -> str:
    """The counter a list appends to a name ("al-Najjar 3", "مجهول ٣"): its first number, else NULL."""
    ascii_digits = f"translate({full}, '٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹', '01234567890123456789')"
    return f"TRY_CAST(nullif(regexp_extract({ascii_digits}, '[0-9]+'), '') AS INTEGER)"


def _age_sql() -> str:
    child, adult = _AGE_GROUP_BOUNDS["child"], _AGE_GROUP_BOUNDS["adult"]
    group_lo = f"CASE v.age_group WHEN 'child' THEN {child[0]} WHEN 'adult' THEN {adult[0]} END"
    group_hi = f"CASE v.age_group WHEN 'child' THEN {child[1]} WHEN 'adult' THEN {adult[1]} END"
    return (
        f"coalesce(v.age_min, v.age_max, {group_lo}) AS age_lo, "
        f"coalesce(v.age_max, v.age_min, {group_hi}) AS age_hi"
    )


def _plain_sql(full: str, has_parts: str) -> str:
    """Names and places as a generic setup would take them: lower-cased words, no Arabic handling.

    Parts are the record's part columns when it has any, else the first, second (of three or more)
    and last word of the full name.
    """
    words = f"string_split(lower({full}), ' ')"
    split = {
        "given": f"{words}[1]",
        "father": f"CASE WHEN len({words}) >= 3 THEN {words}[2] END",
        "family": f"CASE WHEN len({words}) >= 2 THEN {words}[-1] END",
    }
    parts = ", ".join(
        f"lower(CASE WHEN {has_parts} THEN v.{p}_name ELSE {e} END) AS plain_{p}" for p, e in split.items()
    )
    return f"""
        lower({full}) AS plain_name, {parts},
        lower(coalesce(v.place_of_death, v.place_of_death_ar)) AS plain_place,
        lower(v.province) AS plain_province
    """
