"""The victim model: which victim records are one person, in two configurations (`spec_for`).

- ``arabic``: names compared part by part (given, father, grandfather, family) on the keys of
  `harmtrace.names` (either script) and their consonant skeletons (`harmtrace.names.skeleton`), with
  term-frequency adjustment so that a common name counts for less; date of death as an interval;
  place (town key, then governorate); sex; age as an interval; civilian status; cause.
- ``plain``: the baseline a generic Splink setup gives: Splink's `NameComparison` (exact with term
  frequencies, Jaro-Winkler 0.92 / 0.88 / 0.7) on the lower-cased name words as written, and the
  place as written; no Arabic handling, no keys. Its other comparisons are the arabic ones, so the
  two configurations differ in how they read names and places.

Relatives killed together are the hard case: the simulator's and real lists' families share
father's, grandfather's and family names, date, town and cause, so a Fellegi-Sunter model that
multiplies those agreements as if they were independent links siblings whatever their given names.
The arabic configuration therefore treats two given names that are neither the same key, nor close
(Jaro-Winkler >= 0.88), nor the same consonant skeleton within two edits, or that differ while the
sexes differ (Hasan / Hanan, Imad / Iman), as different people: those levels' m is fixed at 2^-60.
So are two numbered names with different counters ("al-Najjar 3", "al-Najjar 5": unnamed members of
one family, as VDC writes them).

Each configuration is a `LinkageSpec` (blocking rules, EM blocks, floors) and its Splink comparisons
(`victim_comparisons`), read from the feature columns `feature_columns` names; the engine
(`harmtrace.link.engine`) trains and scores them. EM trains on blocks dense in matches (`_training`),
the veto levels fixed so that EM does not take siblings for one person. Every m probability is
floored afterwards (`_M_FLOORS`): the simulator's lists never disagree on status or cause, and a list
with few duplicates never shows EM a family-name typo among its matches; EM would make one such
disagreement decisive, and real lists do disagree.

The comparisons use Splink's library levels and portable SQL (comparisons, `greatest`, `abs`),
nothing DuckDB-only.
"""

from __future__ import annotations

from typing import Any, Final

import splink.comparison_level_library as cll
import splink.comparison_library as cl

from harmtrace.choices import CONFIGS
from harmtrace.errors import QueryError
from harmtrace.link.spec import BlockingRule, LinkageSpec, level

NAME_PARTS: Final = ("given", "father", "grandfather", "family")
VETO_M: Final = 2.0**-60  # m of "different given names": a near-certain sign of two people


# --- the specifications -----------------------------------------------------------------------------


def _rules(*rules: tuple[str, ...] | BlockingRule) -> tuple[BlockingRule, ...]:
    return tuple(r if isinstance(r, BlockingRule) else BlockingRule(r) for r in rules)


_NO_DATE: Final = "l.day_start IS NULL OR r.day_start IS NULL"
# A disagreement on these is evidence, never proof: lists disagree on them more often than the
# simulator's do, and EM leaves a level it never saw among matches (a family-name typo in a list
# with few duplicates) at m ~ 0, a weight of -30 or worse (see the module docstring).
_M_FLOORS: Final = (
    ("given", 0.001),
    ("father", 0.001),
    ("grandfather", 0.001),
    ("family", 0.001),
    ("date_of_death", 0.002),
    ("place_of_death", 0.01),
    ("sex", 0.01),
    ("age", 0.01),
    ("status", 0.03),
    ("cause", 0.05),
)


def _blocking(given: str, father: str, family: str) -> tuple[BlockingRule, ...]:
    """Rules chosen for recall: each drops one field another rule needs (see docs/linkage.md)."""
    return _rules(
        (given, family, "death_month"),
        (given, family, "death_year", "adm1"),
        (given, father, family),
        (family, "day_start"),
        (given, "day_start"),
        (given, father, "death_month"),
        (family, father, "death_month"),
        BlockingRule((given, family, "adm1"), _NO_DATE),
    )


def _training(given: str, father: str, family: str) -> tuple[BlockingRule, ...]:
    """EM blocks dense in matches, each leaving out what it trains; Splink takes the median of the
    sessions' estimates. A list with few duplicates (one source) gives EM too few matches in looser
    blocks (same given name, day and governorate), and EM then learns some other structure (people
    killed on one day in one town) as its "match" class."""
    return _rules(
        (given, family, "day_start"),  # father, grandfather, place, sex, age, status, cause
        (given, father, family),  # date, and those again
        (given, father, "day_start", "adm1"),  # family
        (family, father, "day_start"),  # given: siblings fall in its veto levels
    )


ARABIC: Final = LinkageSpec(
    config="arabic",
    # and records naming a relative ("Wife of X") by the relative's name
    blocking_rules=(
        *_blocking("given_skel", "father_skel", "family_skel"),
        *_rules(("relative_skel", "death_month")),
    ),
    training_rules=_training("given_key", "father_key", "family_key"),
    prior_rules=_rules(("given_key", "family_key", "day_start", "adm1")),
    linkable="given_key IS NOT NULL OR relative_key IS NOT NULL",
    m_floors=_M_FLOORS,
    given_name_veto=True,
    strict_parts=("father",),
)
PLAIN: Final = LinkageSpec(
    config="plain",
    blocking_rules=_blocking("plain_given", "plain_father", "plain_family"),
    training_rules=_training("plain_given", "plain_father", "plain_family"),
    prior_rules=_rules(("plain_given", "plain_family", "day_start", "plain_province")),
    linkable="plain_given IS NOT NULL",
    m_floors=_M_FLOORS,
)


def spec_for(config: str) -> LinkageSpec:
    """The specification of configuration `config` (arabic or plain)."""
    specs = {"arabic": ARABIC, "plain": PLAIN}
    if config not in specs:
        raise QueryError(f"Unknown linkage configuration {config!r}: use one of {', '.join(CONFIGS)}.")
    return specs[config]


# --- comparisons ------------------------------------------------------------------------------------


def victim_comparisons(spec: LinkageSpec) -> list[cl.CustomComparison]:
    """The Splink comparisons of `spec` (arabic or plain), names first; output column names are stable
    (detail JSON)."""
    if spec.config == "plain":
        names = [_renamed(cl.NameComparison(f"plain_{p}"), p) for p in ("given", "father", "family")]
        places = _plain_place()
    else:
        names = [
            _name_part(p, veto=spec.given_name_veto and p == "given", strict=spec.strict_parts)
            for p in NAME_PARTS
        ]
        places = _place()
        names += [_name_number(), _relation()]
    return [*names, _date(), places, _sex(), _age(), _status(), _cause()]


def _renamed(comparison: cl.NameComparison, name: str) -> cl.CustomComparison:
    """`comparison` with the output column `name` (Splink names a library comparison after its column)."""
    levels: list[Any] = list(comparison.create_comparison_levels())
    return cl.CustomComparison(levels, output_column_name=name)


def _name_part(part: str, veto: bool, strict: tuple[str, ...] = ()) -> cl.CustomComparison:
    """Levels: same key (term frequencies); Jaro-Winkler >= 0.92; then for father, grandfather and
    family the same consonant skeleton (term frequencies of skeletons: al-Taib / Al-Tayeb, "tib" /
    "tayab") and JW >= 0.8; else.

    With `veto` (the given name): names that differ while the sexes differ are a level of their own;
    then the same skeleton within two edits (Kurdi / kardi, Ibtisam / abtasam, but not Muhammad /
    Mahmud, three edits apart); JW >= 0.88; the same skeleton once the g / k other transliteration
    traditions write for h are folded, keys within two edits with kh read as h (Gasan / Hasan,
    Zukhair / Zuhair; the commonest names' other spellings key as the English-style ones:
    `names._STYLE_VARIANTS`); else.
    The sexes level and "else" mean different people (module docstring).

    With `strict` parts (the father): one record without the next part (no grandfather) whose part is
    the other's next part is a level of its own (a list that dropped the father's name), and so is a
    three-part name in a list that writes whole chains (`features.CHAIN_SHARE`), before the veto.
    """
    key, skel = f"{part}_key", f"{part}_skel"
    levels: list[Any] = [
        cll.NullLevel(key),
        cll.ExactMatchLevel(key, term_frequency_adjustments=True).configure(label_for_charts="same key"),
        cll.JaroWinklerLevel(key, 0.92).configure(label_for_charts="keys close (JW >= 0.92)"),
    ]
    if veto:
        levels += [
            _veto("sex_l <> sex_r", "names and sexes differ"),
            cll.And(cll.ExactMatchLevel(skel), cll.LevenshteinLevel(key, 2)).configure(
                label_for_charts="same skeleton, keys within 2 edits"
            ),
            cll.JaroWinklerLevel(key, 0.88).configure(label_for_charts="keys similar (JW >= 0.88)"),
            level(_other_style(key, skel), "another transliteration style (g / kh / k for h)"),
            _veto(None, "different names"),
        ]
    else:
        levels += [
            cll.ExactMatchLevel(skel, term_frequency_adjustments=True).configure(
                label_for_charts="same skeleton"
            ),
            cll.JaroWinklerLevel(key, 0.8).configure(label_for_charts="keys similar (JW >= 0.8)"),
        ]
        if part in strict:
            # one list skips a part of the chain: its "father" is the other's grandfather, or it is
            # a three-part name in a list of whole chains (which part it lacks, nothing tells)
            levels.append(level(_skipped(part), "a part skipped (the other's next part)"))
            levels.append(level("chain_short_l OR chain_short_r", "a short chain among whole ones"))
        # a father's or family name plainly different (not a spelling, not a typo) is another
        # person: a brother or cousin killed in the same strike
        levels.append(
            _veto(None, "different names")
            if part in strict
            else cll.ElseLevel().configure(label_for_charts="different")
        )
    return cl.CustomComparison(levels, output_column_name=part)


def _other_style(key: str, skel: str) -> str:
    """SQL: the same style skeleton, keys within two edits."""
    same = f"{_style_skeleton(skel + '_l')} = {_style_skeleton(skel + '_r')}"
    return f"{same} AND levenshtein(replace({key}_l, 'kh', 'h'), replace({key}_r, 'kh', 'h')) <= 2"


def _style_skeleton(column: str) -> str:
    """SQL: a name's consonant skeleton (`features.name_skeleton`: kh already h, the k class g) with
    the g / k other transliteration traditions write for h (Russian and Caucasian: Gasan, Ibragim)
    folded."""
    return f"replace({column}, 'g', 'h')"


_NEXT_PART: Final = {"given": "father", "father": "grandfather"}


def _skipped(part: str) -> str:
    """SQL: one record has no part after `part` and its `part` is the other's next part ("Omar Hasan
    al-Ali" against "Omar Ahmad Hasan al-Ali": one list dropped the father's name)."""
    nxt = _NEXT_PART[part]
    one_way = "({n}_key_{a} IS NULL AND {n}_skel_{b} IS NOT NULL AND {p}_skel_{a} = {n}_skel_{b})"
    return " OR ".join(one_way.format(n=nxt, p=part, a=a, b=b) for a, b in (("l", "r"), ("r", "l")))


# Relations one person can be written with: a child of X is a son or a daughter of X, a member of
# the X family any of them. A son and a daughter, a wife and a mother of one man are two people (the
# real VDC list had such pairs linked as one: docs/linkage_handcheck_vdc.md).
_COMPATIBLE: Final = (
    "relation_l = relation_r OR relation_l IN ('child', 'family') OR relation_r IN ('child', 'family')"
)


def _relation() -> cl.CustomComparison:
    """Records that name a relative instead of the person ("Wife of Mohammad al-Hariri", زوجة محمد
    الحريري, "Umm Ahmad", "child of the al-Najjar family"): the relation and the relative's name.
    A record naming its person and one naming a relative are compared on their other fields only; two
    relations of one relative that one person cannot hold (his son and his daughter, his wife and his
    mother) are two people (a veto, fixed m as the given name's)."""
    same = "relation_l = relation_r"
    return cl.CustomComparison(
        [
            level("relative_key_l IS NULL OR relative_key_r IS NULL", "not both relational", null=True),
            level(f"{same} AND relative_key_l = relative_key_r", "same relation, same relative"),
            level(
                f"relative_skel_l = relative_skel_r AND ({_COMPATIBLE})",
                "same relative, relation worded apart",
            ),
            _veto("relative_skel_l = relative_skel_r", "same relative, another relation (two people)"),
            level(
                f"{same} AND jaro_winkler_similarity(relative_key_l, relative_key_r) >= 0.88",
                "same relation, relatives' names similar",
            ),
            cll.ElseLevel().configure(label_for_charts="different relatives"),
        ],
        output_column_name="relation",
    )


def _name_number() -> cl.CustomComparison:
    """The counter of numbered names: a list that writes "al-Najjar 3" and "al-Najjar 5" for two
    unnamed members of one family means two people, so different counters are a veto."""
    return cl.CustomComparison(
        [
            cll.NullLevel("name_number"),
            cll.ExactMatchLevel("name_number").configure(label_for_charts="same number"),
            _veto(None, "different numbers"),
        ],
        output_column_name="name_number",
    )


def _veto(condition: str | None, label: str) -> Any:
    made = cll.ElseLevel() if condition is None else cll.CustomLevel(condition)
    return made.configure(m_probability=VETO_M, fix_m_probability=True, label_for_charts=label)


_GAP = "greatest(day_start_l - day_end_r, day_start_r - day_end_l)"  # days between two intervals


def _date() -> cl.CustomComparison:
    """Date of death as an interval of days (a month-only date covers its month)."""
    return cl.CustomComparison(
        [
            level("day_start_l IS NULL OR day_start_r IS NULL", "unknown", null=True),
            level(
                "day_start_l = day_end_l AND day_start_r = day_end_r AND day_start_l = day_start_r",
                "same day",
            ),
            level(f"{_GAP} <= 0", "intervals overlap"),
            level(f"{_GAP} <= 2", "within 2 days"),
            level(f"{_GAP} <= 31", "within 31 days"),
            cll.ElseLevel().configure(label_for_charts="further apart"),
        ],
        output_column_name="date_of_death",
    )


def _place() -> cl.CustomComparison:
    """Place of death: the same town (key, term frequencies), a close spelling, the same governorate."""
    unknown = "(place_key_l IS NULL OR place_key_r IS NULL) AND (adm1_l IS NULL OR adm1_r IS NULL)"
    return cl.CustomComparison(
        [
            level(unknown, "unknown", null=True),
            cll.ExactMatchLevel("place_key", term_frequency_adjustments=True).configure(
                label_for_charts="same place"
            ),
            cll.JaroWinklerLevel("place_key", 0.88).configure(label_for_charts="places close (JW >= 0.88)"),
            level(
                "adm1_l = adm1_r AND (place_key_l IS NULL OR place_key_r IS NULL)",
                "same governorate, place unknown",
            ),
            level("adm1_l = adm1_r", "same governorate, places differ"),
            cll.ElseLevel().configure(label_for_charts="different governorates"),
        ],
        output_column_name="place_of_death",
    )


def _plain_place() -> cl.CustomComparison:
    unknown = (
        "(plain_place_l IS NULL OR plain_place_r IS NULL) "
        "AND (plain_province_l IS NULL OR plain_province_r IS NULL)"
    )
    return cl.CustomComparison(
        [
            level(unknown, "unknown", null=True),
            cll.ExactMatchLevel("plain_place", term_frequency_adjustments=True),
            cll.JaroWinklerLevel("plain_place", 0.88),
            cll.ExactMatchLevel("plain_province"),
            cll.ElseLevel(),
        ],
        output_column_name="place_of_death",
    )


def _sex() -> cl.CustomComparison:
    return cl.CustomComparison(
        [
            cll.NullLevel("sex"),
            cll.ExactMatchLevel("sex").configure(label_for_charts="same"),
            cll.ElseLevel().configure(label_for_charts="different"),
        ],
        output_column_name="sex",
    )


# How many of a comparison's lowest levels are disagreements (Splink's gamma 0 .. n-1; null is -1):
# sexes differ; ages disagree or are far apart. `harmtrace.link.chaining` reads pairs by them.
DISAGREEMENT_LEVELS: Final = {"sex": 1, "age": 2}
_AGE_GAP = "greatest(age_lo_l - age_hi_r, age_lo_r - age_hi_l)"  # years between two age intervals
FAR_APART_YEARS: Final = 30
FAR_APART_M: Final = 2.0**-14  # fixed: a list's age error of 30 years is rarer than EM can see


def _age() -> cl.CustomComparison:
    """Age in years as an interval [age_lo, age_hi]: an age, a range ("30-39") or a group (child
    0-17, adult 18-120). Levels: two ages within a year; an age or range inside a narrow range
    (a list that gives ranges against one that gives ages); two ages within 5 years (ages rounded
    to 5); groups that agree (an age within two years of a group; two groups overlapping); ages that
    disagree by at most FAR_APART_YEARS; else (m fixed at FAR_APART_M: about -14 bits)."""
    exact = "age_hi_l - age_lo_l <= 1 AND age_hi_r - age_lo_r <= 1"
    narrow = "age_hi_l - age_lo_l <= 12 AND age_hi_r - age_lo_r <= 12"
    overlap = "age_lo_l <= age_hi_r AND age_lo_r <= age_hi_l"
    # two years' slack for an age near a group's bound; none between two groups (child 0-17 and
    # adult 18-120 would otherwise agree: the real VDC list linked adults to children so)
    slack = "(CASE WHEN age_hi_l - age_lo_l > 12 AND age_hi_r - age_lo_r > 12 THEN 0 ELSE 2 END)"
    return cl.CustomComparison(
        [
            level("age_lo_l IS NULL OR age_lo_r IS NULL", "unknown", null=True),
            level(f"{exact} AND abs(age_lo_l - age_lo_r) <= 1", "ages within a year"),
            level(f"NOT ({exact}) AND {narrow} AND {overlap}", "age in the other's range"),
            level(f"{exact} AND abs(age_lo_l - age_lo_r) <= 5", "ages within 5 years"),
            level(f"age_lo_l <= age_hi_r + {slack} AND age_lo_r <= age_hi_l + {slack}", "age groups agree"),
            level(f"{_AGE_GAP} <= {FAR_APART_YEARS}", "ages disagree"),
            # a grandfather and the grandson named after him (the real VDC list linked such pairs)
            cll.ElseLevel().configure(
                label_for_charts=f"ages over {FAR_APART_YEARS} years apart",
                m_probability=FAR_APART_M,
                fix_m_probability=True,
            ),
        ],
        output_column_name="age",
    )


def _status() -> cl.CustomComparison:
    return cl.CustomComparison(
        [
            cll.NullLevel("status"),
            cll.ExactMatchLevel("status").configure(label_for_charts="same"),
            cll.ElseLevel().configure(label_for_charts="civilian and combatant"),
        ],
        output_column_name="status",
    )


def _cause() -> cl.CustomComparison:
    return cl.CustomComparison(
        [
            cll.NullLevel("cause"),
            cll.ExactMatchLevel("cause").configure(label_for_charts="same"),
            cll.ElseLevel().configure(label_for_charts="different"),
        ],
        output_column_name="cause",
    )


# Feature columns each configuration reads (besides unique_id).
_COMMON_COLUMNS: Final = (
    "source_dataset", "sex", "status", "cause", "age_lo", "age_hi", "day_start", "day_end",
    "death_year", "death_month", "adm1",
)  # fmt: skip


def feature_columns(spec: LinkageSpec) -> list[str]:
    """The feature columns (`harmtrace.link.features`) the comparisons and rules of `spec` read."""
    if spec.config == "plain":
        names = [f"plain_{p}" for p in ("given", "father", "family", "place", "province")]
    else:
        names = [f"{p}_{k}" for p in NAME_PARTS for k in ("key", "skel")]
        names += ["place_key", "name_number", "relation", "relative_key", "relative_skel", "chain_short"]
    return [*_COMMON_COLUMNS, *names]
