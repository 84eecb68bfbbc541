"""Arabic-name keys for linkage: harmtrace.names next to what PyPI offers, on real transliterations.

    python benchmarks/names.py [--data DIR] [--scale 1000000] [--seed 0]

Data: ../shared/data/name_transliteration (Arabic <-> Latin single-name pairs; terms unstated, so it is
read in place and never copied). The script says so and stops when the folder is absent.

Arabic-origin person names only: ANETAC rows of class PERSON and all thomas-chauvet rows, kept when the
Arabic side holds a letter that transliterations of foreign names into Arabic almost never use
(ع ح ص ض ط ظ ق ذ ء أ إ آ ؤ ئ ة) and the Latin side is plain a-z (apostrophes and hyphens allowed),
lower-cased, duplicates removed. This drops most foreign names (Krauskopf, Villalon) and some Arabic
ones written without such letters (يوسف); a few foreign names remain (Eliezer).

Measures, per method (a romaniser for the Arabic side and a key for the Latin side):
- cross-script: each distinct Arabic name is a query; its key is compared (Jaro-Winkler, DuckDB's
  `jaro_winkler_similarity`) with the key of every distinct Latin name; top-1 / top-5 is the share of
  queries whose best-scoring Latin names include one of its recorded spellings. Ties are broken at
  random, in expectation (a key that merges many names pays for it). Methods giving several candidates
  score the best pair.
- variants: Arabic names with several Latin spellings give positive pairs (at most 15 per name);
  negatives are random pairs of Latin names of different Arabic names (as many), and "near-miss"
  pairs: spellings of two Arabic names one letter apart (حسن / حسين), which a key must not merge.
  ROC AUC and the best-threshold F1 of the Jaro-Winkler similarity of the two keys.
- us/name: microseconds to key one name, over the first 1,000 names, caches emptied first (Arabic
  names for cross-script methods, Latin names for Latin-only keys and for arabnamer).
Then harmtrace's keys on `--scale` generated full names (three words drawn with Zipf-like weights
from the Latin and from the Arabic names): seconds for all, caches warm as in a real run.

Candidates are used when installed (a scratch environment, not the project's): camel-tools (its
shipped Buckwalter map; no database is downloaded), pyarabic, arabnamer, arabic-name-romanizer,
arabic2latin, arab-transliterator, anyascii, unidecode, jellyfish, doublemetaphone, arcoder,
name-variants. Missing ones are listed and skipped; arabnamer (slow) runs only with --slow.
"""

from __future__ import annotations

import argparse
import csv
import math
import random
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import duckdb
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from harmtrace import names  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "name_transliteration"
ARABIC_MARKERS = frozenset("عحصضطظقذءأإآؤئة")
LATIN_NAME = frozenset("abcdefghijklmnopqrstuvwxyz'-")
PAIRS_PER_NAME = 15
TIMED = 1000

Keys = Callable[[str], list[str]]


@dataclass(frozen=True)
class Method:
    name: str
    arabic: Keys | None  # Arabic name -> keys; None: a Latin-only key
    latin: Keys  # Latin name -> keys
    clear: Callable[[], None] | None = None  # empties the method's caches before timing
    time_latin: bool = False  # time the Latin side (where the method does its work)


@dataclass(frozen=True)
class Names:
    pairs: list[tuple[str, str]]  # (Arabic, Latin) spellings of one name
    spellings: dict[str, set[str]]  # Arabic -> its Latin spellings
    arabic: list[str]
    latin: list[str]


def load_names(folder: Path) -> Names:
    """Arabic-origin person-name pairs from both files (see the module docstring for the filter)."""
    pairs: set[tuple[str, str]] = set()
    with open(folder / "anetac_en_ar_named_entities.txt", encoding="utf-8") as f:
        for line in f:
            kind, latin, arabic = line.rstrip("\n").split(" ", 2)
            if kind == "PERSON":
                pairs.add((arabic, latin.lower()))
    with open(folder / "thomaschauvet_arabic_english_names.csv", encoding="utf-8", newline="") as f:
        pairs.update((row["arabic"], row["english"].lower()) for row in csv.DictReader(f))
    kept = sorted((a, lat) for a, lat in pairs if arabic_origin(a, lat))
    spellings: dict[str, set[str]] = defaultdict(set)
    for arabic, latin in kept:
        spellings[arabic].add(latin)
    return Names(kept, dict(spellings), sorted(spellings), sorted({lat for _, lat in kept}))


def arabic_origin(arabic: str, latin: str) -> bool:
    return bool(ARABIC_MARKERS.intersection(arabic)) and bool(latin) and set(latin) <= LATIN_NAME


# --------------------------------------------------------------------------------------------------
# Measures
# --------------------------------------------------------------------------------------------------


def cross_script(con: duckdb.DuckDBPyConnection, data: Names, method: Method) -> tuple[float, float]:
    """Expected top-1 and top-5 retrieval of a recorded Latin spelling for each Arabic name."""
    assert method.arabic is not None
    load_keys(con, "qk", ((i, k) for i, a in enumerate(data.arabic) for k in method.arabic(a)))
    load_keys(con, "gk", ((i, k) for i, lat in enumerate(data.latin) for k in method.latin(lat)))
    latin_id = {lat: i for i, lat in enumerate(data.latin)}
    truth = [(q, latin_id[lat]) for q, a in enumerate(data.arabic) for lat in data.spellings[a]]
    con.execute(
        "CREATE OR REPLACE TABLE truth AS SELECT unnest(?) AS qid, unnest(?) AS gid",
        [*zip(*truth, strict=True)],
    )
    rows = con.execute(
        """
        WITH s AS (SELECT q.id AS qid, g.id AS gid, max(jaro_winkler_similarity(q.k, g.k)) AS sc
                   FROM qk q CROSS JOIN gk g GROUP BY ALL),
             t AS (SELECT s.*, truth.qid IS NOT NULL AS hit FROM s LEFT JOIN truth USING (qid, gid)),
             b AS (SELECT qid, max(sc) FILTER (WHERE hit) AS best FROM t GROUP BY qid)
        SELECT count(*) FILTER (WHERE NOT hit AND sc > best), count(*) FILTER (WHERE NOT hit AND sc = best),
               count(*) FILTER (WHERE hit AND sc = best)
        FROM t JOIN b USING (qid) GROUP BY qid
        """
    ).fetchall()
    return (sum(expected_hit(1, *r) for r in rows) / len(data.arabic),
            sum(expected_hit(5, *r) for r in rows) / len(data.arabic))  # fmt: skip


def expected_hit(k: int, above: int, tied_wrong: int, tied_right: int) -> float:
    """Chance that a right answer is in the top k when ties are ordered at random."""
    places = k - above
    if places <= 0:
        return 0.0
    if places > tied_wrong:
        return 1.0
    return 1.0 - math.comb(tied_wrong, places) / math.comb(tied_wrong + tied_right, places)


def load_keys(con: duckdb.DuckDBPyConnection, table: str, rows: Iterable[tuple[int, str]]) -> None:
    ids, keys = zip(*rows, strict=True)
    con.execute(f"CREATE OR REPLACE TABLE {table} AS SELECT unnest(?) AS id, unnest(?) AS k", [ids, keys])


def variant_pairs(con: duckdb.DuckDBPyConnection, data: Names, seed: int) -> dict[str, list[tuple[str, str]]]:
    """Positive, random-negative and near-miss-negative pairs of Latin spellings."""
    rnd = random.Random(seed)
    positives: list[tuple[str, str]] = []
    for arabic in data.arabic:
        spelled = sorted(data.spellings[arabic])
        pairs = [(x, y) for i, x in enumerate(spelled) for y in spelled[i + 1 :]]
        rnd.shuffle(pairs)
        positives += pairs[:PAIRS_PER_NAME]
    owners: dict[str, set[str]] = defaultdict(set)
    for arabic, latin in data.pairs:
        owners[latin].add(arabic)
    negatives: list[tuple[str, str]] = []
    while len(negatives) < len(positives):
        x, y = rnd.sample(data.latin, 2)
        if not owners[x] & owners[y]:
            negatives.append((x, y))
    return {"positive": positives, "random": negatives, "near": near_misses(con, data, owners, rnd)}


def near_misses(con: duckdb.DuckDBPyConnection, data: Names, owners: dict[str, set[str]],
                rnd: random.Random) -> list[tuple[str, str]]:  # fmt: skip
    """One Latin pair for each two Arabic names one letter apart (after normalise_arabic)."""
    norm = [names.normalise_arabic(a) for a in data.arabic]
    con.execute(
        "CREATE OR REPLACE TABLE ar AS SELECT unnest(?) AS i, unnest(?) AS a", [list(range(len(norm))), norm]
    )
    close = con.execute(
        "SELECT x.i, y.i FROM ar x JOIN ar y ON x.i < y.i AND abs(length(x.a) - length(y.a)) <= 1 "
        "AND x.a <> y.a AND levenshtein(x.a, y.a) = 1 ORDER BY 1, 2"
    ).fetchall()
    pairs = []
    for i, j in close:
        x = rnd.choice(sorted(data.spellings[data.arabic[i]]))
        y = rnd.choice(sorted(data.spellings[data.arabic[j]]))
        if x != y and not owners[x] & owners[y]:
            pairs.append((x, y))
    return pairs


def separation(
    con: duckdb.DuckDBPyConnection, pairs: dict[str, list[tuple[str, str]]], key: Keys
) -> dict[str, float]:
    """AUC of positives against random and near-miss negatives; best-threshold F1 against random."""
    scores = {kind: pair_scores(con, rows, key) for kind, rows in pairs.items()}
    positive, random_, near = scores["positive"], scores["random"], scores["near"]
    return {"auc": auc(positive, random_), "f1": best_f1(positive, random_), "near_auc": auc(positive, near)}


def pair_scores(con: duckdb.DuckDBPyConnection, rows: list[tuple[str, str]], key: Keys) -> np.ndarray:
    spellings = sorted({s for pair in rows for s in pair})
    load_keys(con, "lk", ((i, k) for i, s in enumerate(spellings) for k in key(s)))
    at = {s: i for i, s in enumerate(spellings)}
    pairs = [(n, at[x], at[y]) for n, (x, y) in enumerate(rows)]
    con.execute(
        "CREATE OR REPLACE TABLE pr AS SELECT unnest(?) AS n, unnest(?) AS x, unnest(?) AS y",
        [*zip(*pairs, strict=True)],
    )
    scored = con.execute(
        "SELECT pr.n, max(jaro_winkler_similarity(a.k, b.k)) FROM pr JOIN lk a ON a.id = pr.x "
        "JOIN lk b ON b.id = pr.y GROUP BY pr.n ORDER BY pr.n"
    ).fetchall()
    return np.array([s for _, s in scored])


def auc(positive: np.ndarray, negative: np.ndarray) -> float:
    """P(positive scores above negative), ties counted half (Mann-Whitney)."""
    above = (positive[:, None] > negative[None, :]).sum()
    tied = (positive[:, None] == negative[None, :]).sum()
    return float((above + tied / 2) / (len(positive) * len(negative)))


def best_f1(positive: np.ndarray, negative: np.ndarray) -> float:
    thresholds = np.unique(np.concatenate([positive, negative]))
    tp = (positive[None, :] >= thresholds[:, None]).sum(axis=1)
    fp = (negative[None, :] >= thresholds[:, None]).sum(axis=1)
    return float((2 * tp / (tp + fp + len(positive))).max())


def microseconds(method: Method, data: Names) -> float:
    """Microseconds per name over the first TIMED names (sorted), caches emptied first."""
    latin = method.arabic is None or method.time_latin
    sample = (data.latin if latin else data.arabic)[:TIMED]
    key = method.latin if latin else method.arabic
    assert key is not None
    if method.clear:
        method.clear()
    started = time.perf_counter()
    for name in sample:
        key(name)
    return (time.perf_counter() - started) / len(sample) * 1e6


# --------------------------------------------------------------------------------------------------
# Methods
# --------------------------------------------------------------------------------------------------


def clear_harmtrace() -> None:
    names._word_key.cache_clear()
    names._romanise_word.cache_clear()


def harmtrace_methods() -> list[Method]:
    return [
        Method("harmtrace romanise, no key", lambda a: [names.romanise(a)], lambda s: [s], clear_harmtrace),
        Method("harmtrace name_key / latin_key", lambda a: [names.name_key(a)],
               lambda s: [names.latin_key(s)], clear_harmtrace),
    ]  # fmt: skip


def with_key(label: str, romaniser: Callable[[str], str]) -> Method:
    """A third-party romaniser for the Arabic side, harmtrace's latin_key on both sides."""
    return Method(f"{label} + latin_key", lambda a: [names.latin_key(romaniser(a))],
                  lambda s: [names.latin_key(s)], clear_harmtrace)  # fmt: skip


def lower_only(label: str, romaniser: Callable[[str], str]) -> Method:
    return Method(label, lambda a: [romaniser(a).lower()], lambda s: [romaniser(s).lower()])


def ascii_folders() -> list[Method]:
    from anyascii import anyascii
    from unidecode import unidecode

    return [
        lower_only("unidecode", unidecode),
        lower_only("anyascii", anyascii),
        with_key("unidecode", unidecode),
    ]


def camel_tools() -> list[Method]:
    from camel_tools.utils.charmap import CharMapper

    buckwalter = CharMapper.builtin_mapper("ar2bw").map_string
    return [Method("camel-tools ar2bw (Buckwalter)", lambda a: [buckwalter(a).lower()], lambda s: [s])]


def pyarabic() -> list[Method]:
    from pyarabic.trans import utf82latin

    return [Method("pyarabic utf82latin", lambda a: [utf82latin(a).lower()], lambda s: [s])]


def arabic2latin() -> list[Method]:
    from arabic2latin import arabic_to_latin

    return [
        Method("arabic2latin", lambda a: [arabic_to_latin(a)], lambda s: [s]),
        with_key("arabic2latin", arabic_to_latin),
    ]


def arab_transliterator() -> list[Method]:
    from arab_transliterator.transliterator import ArabTransliterator
    from unidecode import unidecode

    ala_lc = ArabTransliterator()

    def romanised(arabic: str) -> str:
        try:
            return unidecode(ala_lc.translate(arabic)).lower()
        except Exception:  # it raises on some unvocalised input; count those as misses
            return ""

    return [Method("arab-transliterator (ALA-LC) + unidecode", lambda a: [romanised(a)], lambda s: [s])]


def name_romanizer() -> list[Method]:
    from arabic_name_romanizer import Transliterator

    def top(k: int) -> Callable[[str], list[str]]:
        model = Transliterator()

        def candidates(arabic: str) -> list[str]:
            found = model.transliterate(arabic, top_k=k)  # top_k=1 gives the text itself
            return [found] if isinstance(found, str) else [c.text for c in found]

        return candidates

    top1, top5 = top(1), top(5)
    return [
        Method("arabic-name-romanizer top-1", lambda a: [top1(a)[0].lower()], lambda s: [s]),
        Method("arabic-name-romanizer top-1 + latin_key", lambda a: [names.latin_key(top1(a)[0])],
               lambda s: [names.latin_key(s)], clear_harmtrace),
        Method("arabic-name-romanizer top-5 + latin_key", lambda a: [names.latin_key(c) for c in top5(a)],
               lambda s: [names.latin_key(s)], clear_harmtrace),
    ]  # fmt: skip


def arabnamer() -> list[Method]:
    from arabnamer import Transliterator, normalize_arabic

    model = Transliterator(engine="hybrid")
    arabic = lru_cache(maxsize=None)(lambda s: normalize_arabic(model.translit(s).arabic))
    return [Method("arabnamer (Latin -> Arabic, hybrid)", lambda a: [normalize_arabic(a)],
                   lambda s: [arabic(s)], arabic.cache_clear, time_latin=True)]  # fmt: skip


def phonetic() -> list[Method]:
    import jellyfish

    def coder(fn: Callable[[str], str]) -> Callable[[str], list[str]]:
        # the codes take letters only (match_rating_codex raises on a hyphen)
        return lambda s: [fn("".join(c for c in s if c.isalpha()))]

    found = []
    for fn in (jellyfish.metaphone, jellyfish.nysiis, jellyfish.soundex, jellyfish.match_rating_codex):
        code = coder(fn)
        found.append(Method(f"jellyfish {fn.__name__}", lambda a, c=code: c(names.romanise(a)), code))
    return found


def double_metaphone() -> list[Method]:
    from doublemetaphone import doublemetaphone

    def codes(s: str) -> list[str]:
        return [c for c in doublemetaphone(s) if c] or [""]

    return [Method("doublemetaphone", lambda a: codes(names.romanise(a)), codes)]


def arcoder() -> list[Method]:
    from arcoder import ARCoder, Holmes

    found = []
    for encoder in (ARCoder(), Holmes()):
        encode = encoder.encode
        label = f"arcoder {type(encoder).__name__}"
        found.append(
            Method(label, lambda a, e=encode: e(names.romanise(a)) or [""], lambda s, e=encode: e(s) or [""])
        )
    return found


def name_variants() -> list[Method]:
    from name_variants import lookup

    def cluster(s: str) -> list[str]:
        found = [c for c in lookup(s) if c.language == "arabic"]
        return [min(found[0].forms)] if found else [s]

    return [Method("name-variants cluster", None, cluster)]


CANDIDATES: list[tuple[str, Callable[[], list[Method]]]] = [
    ("unidecode, anyascii", ascii_folders), ("camel-tools", camel_tools), ("pyarabic", pyarabic),
    ("arabic2latin", arabic2latin), ("arab-transliterator", arab_transliterator),
    ("arabic-name-romanizer", name_romanizer), ("arabnamer", arabnamer), ("jellyfish", phonetic),
    ("doublemetaphone", double_metaphone), ("arcoder", arcoder), ("name-variants", name_variants),
]  # fmt: skip


SLOW = {"arabnamer"}  # about 30-130 ms per name: its Latin -> Arabic model runs on every Latin name


def methods(slow: bool) -> tuple[list[Method], list[str]]:
    found = [Method("lowercase, no key", None, lambda s: [s])]
    missing = []
    for label, build in CANDIDATES:
        if label in SLOW and not slow:
            missing.append(f"{label} (slow: --slow)")
            continue
        try:
            found += build()
        except ImportError:
            missing.append(label)
    return found + harmtrace_methods(), missing


# --------------------------------------------------------------------------------------------------
# Scale and report
# --------------------------------------------------------------------------------------------------


def scale(data: Names, count: int, seed: int) -> list[tuple[str, float]]:
    """Seconds for harmtrace to key `count` generated three-word names in each script."""
    rnd = random.Random(seed)
    timings = []
    for label, words, key in (
        ("latin_key", data.latin, names.latin_key),
        ("name_key, Arabic", data.arabic, names.name_key),
    ):
        weights = [1 / (rank + 1) for rank in range(len(words))]
        drawn = rnd.choices(words, weights, k=3 * count)
        full = [" ".join(drawn[i : i + 3]) for i in range(0, len(drawn), 3)]
        clear_harmtrace()
        started = time.perf_counter()
        for name in full:
            key(name)
        timings.append((f"{label}: {count:,} three-word names", time.perf_counter() - started))
    return timings


def evaluate(con: duckdb.DuckDBPyConnection, data: Names, pairs: dict[str, list[tuple[str, str]]],
             method: Method) -> dict[str, object]:  # fmt: skip
    cross = method.arabic is not None
    row: dict[str, object] = {"method": method.name}
    row["us"] = microseconds(method, data)
    if cross:
        row["top1"], row["top5"] = cross_script(con, data, method)
    if method.name != "harmtrace romanise, no key":
        row |= separation(con, pairs, method.latin)
    return row


def print_table(rows: list[dict[str, object]]) -> None:
    columns = [
        ("x-top1", "top1"),
        ("x-top5", "top5"),
        ("var AUC", "auc"),
        ("var F1", "f1"),
        ("near AUC", "near_auc"),
    ]
    header = f"{'method':44}" + "".join(f" {label:>8}" for label, _ in columns) + f" {'us/name':>8}"
    print(header)
    print("-" * len(header))
    for r in rows:
        cells = "".join(f" {r[c]:>8.3f}" if c in r else f" {'-':>8}" for _, c in columns)
        print(f"{r['method']!s:44}{cells} {r['us']:>8.1f}")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, default=DATA, help="the name_transliteration folder")
    parser.add_argument("--scale", type=int, default=1_000_000, help="generated names to key (0: skip)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--slow", action="store_true", help="also run arabnamer (10-20 minutes)")
    args = parser.parse_args()
    if not (args.data / "thomaschauvet_arabic_english_names.csv").is_file():
        print(f"Skipped: no transliteration data at {args.data} (../shared/data, beside the project).")
        return 0
    data = load_names(args.data)
    con = duckdb.connect()
    pairs = variant_pairs(con, data, args.seed)
    counts = ", ".join(f"{len(v):,} {k}" for k, v in pairs.items())
    print(f"{len(data.pairs):,} Arabic-origin pairs: {len(data.arabic):,} Arabic names, "
          f"{len(data.latin):,} Latin spellings; variant pairs: {counts}\n")  # fmt: skip
    found, missing = methods(args.slow)
    rows = []
    for method in found:
        rows.append(evaluate(con, data, pairs, method))
        print(f"  measured {method.name}", file=sys.stderr)
    print_table(rows)
    if missing:
        print(f"\nskipped (not installed, or slow): {', '.join(missing)}")
    for label, seconds in scale(data, args.scale, args.seed) if args.scale else []:
        print(f"{label}: {seconds:.1f} s ({seconds / args.scale * 1e6:.1f} us/name)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
