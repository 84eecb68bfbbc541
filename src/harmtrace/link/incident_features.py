"""The incident linkage input: one row per report, with the keys its comparisons and blocking rules use.

Columns of the feature table (`INCIDENT_FEATURE_TABLE`):

    unique_id           report_id
    source_dataset      the source's name
    record_id           the report's own id in its source (one video in two exports of an archive)
    day_start, day_end  the date interval, in days since 1970-01-01 (a month-only date covers its month)
    day_width           day_end - day_start: 0 for a day, 6 for a week, about 30 for a month
    month               year-month of day_start ('2016-10'), for blocking
    week                day_start // 7, for training
    coarse_month        month, but only for reports dated more loosely than a day (else NULL): a
                        blocking rule pairs them with every report of their month in their place
    latitude, longitude the report's point (the store's `report_points` relation: its own
                        coordinates, else a gazetteer match)
    radius_km           the radius its location precision stands for (`harmtrace.locate.precision`);
                        NULL when the precision is unknown (no distance can be bounded)
    cell                a 0.05 degree grid cell (about 5 km) of points with a radius of 10 km or less
    wide_cell           a 0.2 degree cell (about 20 km) of the same points, and wide_cell_shifted the
                        cell of a grid shifted by half a cell: two points within 10 km share one of them
    town_day_records    for a point in a wide_cell dated to one day, how many records (an archive's
                        video exported twice is one) that cell holds on that day; NULL otherwise.
                        Agreeing on day and town is strong evidence in a village that day's reports
                        barely mention, weak in Aleppo on a day of fifty
    coarse_adm1         adm1, but only for reports without a point finer than 10 km
    place_key           `name_key` of the place's name (`place_name`: its text, Latin script else
                        Arabic, without "GOVERNORATE :" and "town"): both scripts and the
                        many Latin spellings of a town fold to one key or close keys; NULL for a
                        report located to a governorate or coarser (its text names the area:
                        a video placed in "ALEPPO" governorate is not of Aleppo city)
    place_skel          `skeleton` of place_key: its consonants, for blocking
    adm1                governorate P-code: from report_admin when the store has boundaries, else the
                        source's governorate name through the crosswalk
    perpetrators        the canonical actors (`harmtrace.actors`) of the report's perpetrators, sorted;
                        for a report whose perpetrator field is empty, the actors its description
                        names (`strike_terms.PERPETRATOR_TERMS`: "Russian warplanes", "الطيران
                        الروسي"); NULL when none
    perp_sides          the sides of the war its perpetrators fought on (``sides:`` of ``actors.yaml``),
                        NULL when none: a report naming Russia and one naming the Syrian government
                        may well be of one strike (UCDP codes Russian air strikes to the government's
                        dyad, coalition strikes to the dyad of the SDF it flew for)
    named_actors        the actors its description names (`strike_terms.PERPETRATOR_TERMS`), NULL
                        when none: UCDP's dyad is IS - SDF, its text "warplanes of the International
                        Coalition"
    dyad                whether its perpetrators are the two sides of a fight (UCDP's state-based and
                        non-state events): the strike may be a third party's (a coalition or Russian
                        air strike coded to the dyad fighting on the ground)
    curated             whether its source codes each event once (`harmtrace.ingest.DEDUPLICATED_FORMATS`:
                        UCDP GED, ACLED): two records of such a source are never one incident
    means               the kinds of means the report names, in its means field or its description
                        (`strike_terms.MEANS_TERMS`: "barrel bomb" and "برميل متفجر" are one kind);
                        a means field naming no known kind is kept as its lower-cased words
    sites               the kinds of site its description names (`strike_terms.SITE_TERMS`:
                        hospital / مشفى, school / مدرسة, market / سوق ...), NULL when none
    killed_lo, killed_hi  civilians killed as the report gives them (any category when it gives no
                        civilian count): the lowest minimum and highest maximum
    desc_script         'arabic' or 'latin' (the description's script)
    desc_sig            MinHash signature (SIGNATURE_SIZE hashes) of the description's words and word
                        pairs: the share of hashes two signatures share estimates the Jaccard
                        similarity of the two sets, so near-verbatim copies score near 1
    desc_keys           hashes of the description's rare words, keyed across scripts: each word's
                        `name_key` skeleton (numbers as themselves), kept when it occurs in at most
                        RARE_SHARE of the descriptions, and not a number of the report's own date
                        ("Syria Daily Report 04/02/2016": the date comparison weighs it). Proper
                        nouns (a neighbourhood, a family, a street) and large numbers survive; the
                        common words of any language do not, so an Arabic and an English report of
                        one strike share their rare keys

Place texts go through Python once per distinct text (`name_key`); everything else, the MinHash
signatures included, is set-wise SQL in the store's DuckDB.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from typing import Final

import duckdb
import pyarrow as pa

from harmtrace.actors import ActorTable, load_actors
from harmtrace.ingest import DEDUPLICATED_FORMATS
from harmtrace.link.features import governorate_lookup
from harmtrace.link.strike_terms import (
    MEANS_TERMS,
    PERPETRATOR_TERMS,
    SITE_TERMS,
    term_word_pattern,
    terms_sql,
)
from harmtrace.locate.crosswalk import normalise_name
from harmtrace.locate.precision import DEFAULT_RADIUS_M
from harmtrace.names import name_key, normalise_arabic, skeleton
from harmtrace.store import Store
from harmtrace.store.relations import relation_sql

INCIDENT_FEATURE_TABLE: Final = "ht_incident_features"
SIGNATURE_SIZE: Final = 24
CELL_DEGREES: Final = 0.05
WIDE_DEGREES: Final = 0.2
RARE_SHARE: Final = 0.05
FINE_RADIUS_KM: Final = 10.0  # points this precise get a grid cell for blocking
INCIDENT_FEATURE_COLUMNS: Final = (
    "source_dataset", "record_id", "day_start", "day_end", "day_width", "month", "week", "coarse_month",
    "latitude", "longitude",
    "radius_km", "cell", "wide_cell", "wide_cell_shifted", "coarse_adm1",
    "place_key", "place_skel", "adm1",
    "town_day_records", "perpetrators", "perp_sides", "named_actors", "dyad", "curated", "means", "sites",
    "killed_lo", "killed_hi", "desc_script", "desc_sig", "desc_keys",
)  # fmt: skip


def build_incident_features(
    store: Store,
    where: str = "true",
    radii: Mapping[str, float | None] | None = None,
    table: str = INCIDENT_FEATURE_TABLE,
) -> int:
    """Create the temporary table `table` of features of the reports matching the SQL condition
    `where` (on the report table, alias ``r``); its rows. `radii` overrides precision radii (metres)."""
    con = store.con
    _register_places(con, governorate_lookup(store), where)
    _register_signatures(con, where)
    actors = load_actors()
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {table} AS WITH f AS ({_features_sql(where, radii, actors)}) "
        f"SELECT f.*, {actors.sides_sql('f.perpetrators')} AS perp_sides, n.town_day_records "
        f"FROM f LEFT JOIN ({_TOWN_DAY_SQL}) n "
        "ON n.wide_cell = f.wide_cell AND n.day_start = f.day_start AND f.day_width = 0"
    )
    for helper in (
        "ht_incident_places",
        "ht_incident_sigs",
        "ht_incident_words",
        "ht_incident_keys",
    ):
        con.execute(f"DROP TABLE IF EXISTS {helper}")
    return int(store.scalar(f"SELECT count(*) FROM {table}"))


def _register_places(con: duckdb.DuckDBPyConnection, lookup: dict[str, str], where: str) -> None:
    """ht_incident_places: place or governorate text -> key, skeleton, word keys, governorate P-code."""
    texts = [
        row[0]
        for row in con.execute(
            f"SELECT DISTINCT x FROM (SELECT coalesce(r.place_text, r.place_text_ar) AS x FROM report r "
            f"WHERE {where} UNION SELECT r.adm1_source FROM report r WHERE {where}) WHERE x IS NOT NULL"
        ).fetchall()
    ]
    keys = [name_key(place_name(t)) or None for t in texts]
    places = pa.table(
        {
            "text": texts,
            "key": keys,
            "skel": [skeleton(k) for k in keys],
            "word_keys": [_word_keys(t) for t in texts],
            "adm1": [
                lookup.get(normalise_name(normalise_arabic(t))) or lookup.get(name_key(t)) for t in texts
            ],
        }
    )
    con.register("ht_arrow_places", places)
    try:
        con.execute("CREATE OR REPLACE TEMP TABLE ht_incident_places AS SELECT * FROM ht_arrow_places")
    finally:
        con.unregister("ht_arrow_places")


_WORD_SPLIT: Final = re.compile(r"[^\w]+|_")


def _word_keys(text: str) -> list[str]:
    """The word keys of a place name (`word_key` of each word)."""
    return sorted({k for w in _WORD_SPLIT.split(text.lower()) if w and (k := word_key(w))})


_KIND_WORDS: Final = re.compile(
    r"\s+(town|village|city|camp|nahiyah|nahiya|subdistrict|district|governorate|province|area|"
    r"neighbou?rhood|countryside)$",
    re.IGNORECASE,
)


def place_name(text: str) -> str:
    """The place's own name in a place text: the part after "GOVERNORATE :" (Syrian Archive), without a
    trailing kind of place ("Aleppo town", "Saraqib nahiyah": UCDP and Syrian Archive add them).

    >>> place_name("IDLIB : Saraqib nahiyah"), place_name("Aleppo town"), place_name("حلب")
    ('Saraqib', 'Aleppo', 'حلب')
    """
    _, sep, tail = text.partition(":")
    name = tail.strip() if sep and tail.strip() else text.strip()
    while (stripped := _KIND_WORDS.sub("", name)) != name and stripped:
        name = stripped
    return name


def _register_signatures(con: duckdb.DuckDBPyConnection, where: str) -> None:
    """ht_incident_sigs: report_id -> script and MinHash signature of its description.

    Shingles are the words and the pairs of adjacent words of the lower-cased text (letters and
    digits of any script); signature position k is the least hash(shingle, k) over the shingles.
    """
    text = "coalesce(nullif(trim(r.description), ''), nullif(trim(r.description_ar), ''))"
    words = r"string_split(trim(regexp_replace(lower(t), '[^\p{L}\p{N}]+', ' ', 'g')), ' ')"
    minima = ", ".join(f"min(hash(shingle, {k}))" for k in range(SIGNATURE_SIZE))
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE ht_incident_words AS
        WITH texts AS (SELECT r.report_id, {text} AS t FROM report r WHERE {where} AND {text} IS NOT NULL)
        SELECT report_id, regexp_matches(t, '[\u0600-\u06ff]') AS arabic, {words} AS w FROM texts"""
    )
    _register_word_keys(con)
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE ht_incident_sigs AS
        WITH shingles AS (
            SELECT report_id, unnest(list_concat(w, list_transform(range(1, len(w)),
                lambda i: w[i] || ' ' || w[i + 1]))) AS shingle FROM ht_incident_words WHERE len(w) > 0),
        sigs AS (SELECT report_id, [{minima}] AS desc_sig FROM shingles WHERE shingle <> '' GROUP BY ALL),
        -- a description naming its own town or date repeats what the location and date comparisons
        -- weigh already
        rare AS (SELECT u.report_id, list(DISTINCT hash(k.key)) AS desc_keys
                 FROM (SELECT report_id, unnest(w) AS word FROM ht_incident_words) u
                 JOIN ht_incident_keys k USING (word) JOIN report r ON r.report_id = u.report_id
                 LEFT JOIN ht_incident_places p ON p.text = coalesce(r.place_text, r.place_text_ar)
                 LEFT JOIN ht_incident_places g ON g.text = r.adm1_source
                 WHERE k.rare AND NOT list_contains(coalesce(p.word_keys, []), k.key)
                     AND (r.date_start IS NULL OR k.key NOT IN (CAST(day(r.date_start) AS VARCHAR),
                         CAST(month(r.date_start) AS VARCHAR), CAST(year(r.date_start) AS VARCHAR),
                         CAST(year(r.date_start) % 100 AS VARCHAR)))
                     AND NOT list_contains(coalesce(g.word_keys, []), k.key) GROUP BY ALL)
        SELECT w.report_id, CASE WHEN w.arabic THEN 'arabic' ELSE 'latin' END AS desc_script,
            s.desc_sig, r.desc_keys
        FROM ht_incident_words w JOIN sigs s USING (report_id) LEFT JOIN rare r USING (report_id)"""
    )


def _register_word_keys(con: duckdb.DuckDBPyConnection) -> None:
    """ht_incident_keys: description word -> cross-script key, and whether the key is rare.

    A key is rare when at most RARE_SHARE of the descriptions (and never fewer than two) hold it.
    A word naming a kind of site or means (`strike_terms`) is never rare: the sites and means
    comparisons weigh it already.
    """
    words = [row[0] for row in con.execute(
        "SELECT DISTINCT unnest(w) FROM ht_incident_words").fetchall() if row[0]]  # fmt: skip
    keys = pa.table({"word": words, "key": [word_key(w) for w in words]})
    con.register("ht_arrow_words", keys)
    try:
        con.execute(
            "CREATE OR REPLACE TEMP TABLE ht_incident_keys AS "
            "WITH df AS (SELECT k.key, count(DISTINCT u.report_id) AS n FROM "
            "(SELECT report_id, unnest(w) AS word FROM ht_incident_words) u "
            "JOIN ht_arrow_words k USING (word) WHERE k.key IS NOT NULL GROUP BY k.key) "
            f"SELECT k.word, k.key, df.n <= greatest(2, {RARE_SHARE} * "
            "(SELECT count(*) FROM ht_incident_words)) "
            f"AND NOT regexp_matches(k.word, '{term_word_pattern()}') AS rare "
            "FROM ht_arrow_words k JOIN df USING (key)"
        )
    finally:
        con.unregister("ht_arrow_words")


def word_key(word: str) -> str | None:
    """A description word's key across scripts: the consonant skeleton of its `name_key`, a number
    as itself; None for a word with less than two consonants (articles, particles). A number is
    written in decimal digits of any script; other digits (superscripts, circled) are no number.

    >>> word_key("al-Sukkari".split("-")[1]) == word_key("السكري"), word_key("١٢"), word_key("²")
    (True, '12', None)
    """
    if word.isdecimal():  # digit by digit: int() refuses a number of thousands of digits
        return "".join(str(unicodedata.decimal(c)) for c in word).lstrip("0") or "0"
    key = skeleton(name_key(word) or None)
    return key if key and len(key) >= 2 else None


# records (not reports: an archive's video exported twice is one) of each 20 km cell and day
_TOWN_DAY_SQL: Final = """
    SELECT wide_cell, day_start,
        count(DISTINCT coalesce(source_dataset || '/' || record_id, CAST(unique_id AS VARCHAR)))
            AS town_day_records
    FROM f WHERE wide_cell IS NOT NULL AND day_width = 0 GROUP BY ALL
"""


def _features_sql(where: str, radii: Mapping[str, float | None] | None, actors: ActorTable) -> str:
    cell = (
        f"CASE WHEN pt.radius_m <= {FINE_RADIUS_KM * 1000} THEN "
        f"CAST(floor(pt.latitude / {CELL_DEGREES}) AS BIGINT) || ':' || "
        f"CAST(floor(pt.longitude / {CELL_DEGREES}) AS BIGINT) END"
    )
    adm1 = "coalesce(ra.pcode, pg.adm1, pp.adm1)"
    wide = {
        name: f"CASE WHEN pt.radius_m <= {FINE_RADIUS_KM * 1000} THEN "
        f"CAST(floor(pt.latitude / {WIDE_DEGREES} + {shift}) AS BIGINT) || ':' || "
        f"CAST(floor(pt.longitude / {WIDE_DEGREES} + {shift}) AS BIGINT) END"
        for name, shift in (("wide_cell", 0.0), ("wide_cell_shifted", 0.5))
    }
    return f"""
        SELECT r.report_id AS unique_id, s.name AS source_dataset, r.record_id,
            datediff('day', DATE '1970-01-01', r.date_start) AS day_start,
            datediff('day', DATE '1970-01-01', r.date_end) AS day_end,
            datediff('day', r.date_start, r.date_end) AS day_width,
            strftime(r.date_start, '%Y-%m') AS month,
            datediff('day', DATE '1970-01-01', r.date_start) // 7 AS week,
            CASE WHEN r.date_end > r.date_start THEN strftime(r.date_start, '%Y-%m') END AS coarse_month,
            pt.latitude, pt.longitude, pt.radius_m / 1000.0 AS radius_km, {cell} AS cell,
            {wide["wide_cell"]} AS wide_cell, {wide["wide_cell_shifted"]} AS wide_cell_shifted,
            CASE WHEN pt.radius_m IS NULL OR pt.radius_m > {FINE_RADIUS_KM * 1000} THEN {adm1} END
                AS coarse_adm1,
            {_unless_area("pp.key")} AS place_key, {_unless_area("pp.skel")} AS place_skel, {adm1} AS adm1,
            CASE WHEN len(r.perpetrators) > 0 THEN list_sort({actors.canonical_list_sql("r.perpetrators")})
                WHEN len(tm.actors) > 0 THEN tm.actors END AS perpetrators,
            CASE WHEN len(tm.actors) > 0 THEN tm.actors END AS named_actors,
            coalesce(r.violence_type IN ('state-based', 'non-state') AND len(r.perpetrators) = 2, false)
                AS dyad,
            list_contains({curated_formats()}, b.format) AS curated,
            CASE WHEN len(tm.named) > 0 THEN list_sort(list_distinct(tm.named)) END AS means,
            CASE WHEN len(tm.sites) > 0 THEN tm.sites END AS sites,
            h.killed_lo, h.killed_hi, g.desc_script, g.desc_sig, g.desc_keys
        FROM report r
        JOIN source s ON s.source_id = r.source_id
        JOIN batch b ON b.batch_id = r.batch_id
        LEFT JOIN ({relation_sql("report_points", overrides=radii)}) pt ON pt.report_id = r.report_id
        LEFT JOIN ht_incident_places pp ON pp.text = coalesce(r.place_text, r.place_text_ar)
        LEFT JOIN ht_incident_places pg ON pg.text = r.adm1_source
        LEFT JOIN (SELECT report_id, any_value(pcode) AS pcode FROM report_admin
                   WHERE level = 1 AND pcode IS NOT NULL GROUP BY report_id) ra ON ra.report_id = r.report_id
        LEFT JOIN ({civilians_killed_sql()}) h ON h.report_id = r.report_id
        LEFT JOIN ht_incident_sigs g ON g.report_id = r.report_id
        LEFT JOIN ({_terms_sql(where)}) tm ON tm.report_id = r.report_id
        WHERE {where}
    """


# a report located to a governorate or coarser names that area, not a town: "ALEPPO" of a video placed
# in Aleppo governorate is not the city UCDP's "Aleppo town" names
AREA_RADIUS_M: Final = 100_000.0


def _unless_area(column: str) -> str:
    """`column`, or NULL for a report whose precision word (with or without a point) is an area."""
    words = ", ".join(f"'{w}'" for w, m in DEFAULT_RADIUS_M.items() if m is not None and m >= AREA_RADIUS_M)
    return f"CASE WHEN r.location_precision IN ({words}) THEN NULL ELSE {column} END"


def curated_formats() -> str:
    """SQL list literal of the formats whose publisher codes each event once (UCDP GED, ACLED)."""
    return "[" + ", ".join(f"'{name}'" for name in DEDUPLICATED_FORMATS) + "]::VARCHAR[]"


_TEXT: Final = "concat_ws(' ', r.description, r.description_ar)"


def _terms_sql(where: str) -> str:
    """Per report: the kinds of means it names (`named`: its means field's kinds, else the field's
    own words, and its description's kinds), the kinds of site and the actors its description names."""
    field = terms_sql("array_to_string(r.means, ' ')", MEANS_TERMS)
    own = "CASE WHEN len(r.means) > 0 THEN list_transform(r.means, lambda x: lower(trim(x))) END"
    return f"""
        SELECT report_id, list_concat(coalesce(nullif(field, []), own, []), coalesce(text, [])) AS named,
            sites, actors
        FROM (SELECT r.report_id, {field} AS field, {own} AS own, {terms_sql(_TEXT, MEANS_TERMS)} AS text,
                {terms_sql(_TEXT, SITE_TERMS)} AS sites, {terms_sql(_TEXT, PERPETRATOR_TERMS)} AS actors
              FROM report r WHERE {where})
    """


def civilians_killed_sql() -> str:
    """Civilians killed per report (min, max); a report without civilian counts gives its 'all' count.

    A report giving civilians and everyone killed (UCDP GED: its deaths of unknown status are neither
    civilians nor combatants) may have killed as many civilians as everyone but the combatants it
    counts: the maximum is that when larger (UCDP codes 0 civilians and 8 unknown for a strike a
    monitor counts 8 civilians at)."""
    return """
        SELECT report_id, coalesce(civ_lo, all_lo) AS killed_lo,
            CASE WHEN civ_lo IS NULL THEN all_hi
                 ELSE greatest(civ_hi, all_hi - coalesce(fighters, 0)) END AS killed_hi
        FROM (SELECT report_id,
                min(count_min) FILTER (WHERE category = 'civilians') AS civ_lo,
                max(coalesce(count_max, count_min)) FILTER (WHERE category = 'civilians') AS civ_hi,
                min(count_min) FILTER (WHERE category = 'all') AS all_lo,
                max(coalesce(count_max, count_min)) FILTER (WHERE category = 'all') AS all_hi,
                min(count_min) FILTER (WHERE category = 'combatants') AS fighters
              FROM harm WHERE harm = 'killed' GROUP BY report_id)
    """


def incident_features_arrow(store: Store, table: str = INCIDENT_FEATURE_TABLE) -> pa.Table:
    """The feature table as Arrow, ordered by unique_id (what the linkage backend registers)."""
    columns = ", ".join(["unique_id", *INCIDENT_FEATURE_COLUMNS])
    return store.con.sql(f"SELECT {columns} FROM {table} ORDER BY unique_id").to_arrow_table()
