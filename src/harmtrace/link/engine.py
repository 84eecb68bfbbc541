"""The victim linkage model: a typed, serialisable specification, its Splink settings, and training.

Two configurations (`spec_for`):

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

Training is unsupervised (never on truth): u probabilities from random pairs; m probabilities by
expectation maximisation on blocks dense in matches (`_training`), the veto levels fixed so that EM
does not take siblings for one person; a first prior from deterministic rules, then calibrated on the
scored pairs (`calibrated_prior`). At scale EM trains on a random sample of each block's pairs
(`LinkageSpec.training_pairs`), so that its cost stops growing with the blocks (Splink sizes a block
from a tenth of its records on each side). Afterwards every m probability is floored (`LinkageSpec.m_floors`):
the simulator's lists never disagree on status or cause, and a list with few duplicates never shows
EM a family-name typo among its matches; EM would make one such disagreement decisive, and real lists
do disagree. The trained model is Splink's settings JSON plus the specification
(`TrainedModel.to_json`), stored with each run, so that a run can be scored again without training.

The backend is injectable (`Backend`): `DuckDBBackend` (an in-memory DuckDB beside the store, so
Splink's working tables never touch the store file) now; a Spark backend needs only `register`. The
comparisons use Splink's library levels and portable SQL (comparisons, `greatest`, `abs`), nothing
DuckDB-only.
"""

from __future__ import annotations

import json
import logging
import math
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from typing import Any, Final, Protocol

import duckdb
import numpy as np
import numpy.typing as npt
import pyarrow as pa
import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink import DuckDBAPI, Linker, SettingsCreator
from splink.internals import expectation_maximisation as _em
from splink.internals.block_from_labels import block_from_labels
from splink.internals.comparison_creator import ComparisonCreator
from splink.internals.comparison_vector_values import compute_comparison_vector_values_sql
from splink.internals.exceptions import EMTrainingException
from splink.internals.pipeline import CTEPipeline
from splink.internals.splink_dataframe import SplinkDataFrame
from splink.internals.vertically_concatenate import enqueue_df_concat_with_tf

from harmtrace.choices import CONFIGS
from harmtrace.errors import QueryError
from harmtrace.link.spec import BlockingRule as BlockingRule
from harmtrace.link.spec import LinkageSpec as LinkageSpec

NAME_PARTS: Final = ("given", "father", "grandfather", "family")
VETO_M: Final = 2.0**-60  # m of "different given names": a near-certain sign of two people
MODEL_FORMAT: Final = 1


# --- the specification (`harmtrace.link.spec`) -------------------------------------------------------


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


def comparisons(spec: LinkageSpec) -> list[ComparisonCreator | dict[str, Any]]:
    """The Splink comparisons of `spec`, names first; output column names are stable (detail JSON)."""
    if spec.config == "incidents":
        from harmtrace.link.incident_features import SIGNATURE_SIZE
        from harmtrace.link.incident_model import incident_comparisons

        return incident_comparisons(SIGNATURE_SIZE)
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


def _renamed(comparison: ComparisonCreator, name: str) -> ComparisonCreator:
    """`comparison` with the output column `name` (Splink names a library comparison after its column)."""
    levels: list[Any] = list(comparison.create_comparison_levels())
    return cl.CustomComparison(levels, output_column_name=name)


def _name_part(part: str, veto: bool, strict: tuple[str, ...] = ()) -> ComparisonCreator:
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
            _level(_other_style(key, skel), "another transliteration style (g / kh / k for h)"),
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
            levels.append(_level(_skipped(part), "a part skipped (the other's next part)"))
            levels.append(_level("chain_short_l OR chain_short_r", "a short chain among whole ones"))
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


def _relation() -> ComparisonCreator:
    """Records that name a relative instead of the person ("Wife of Mohammad al-Hariri", زوجة محمد
    الحريري, "Umm Ahmad", "child of the al-Najjar family"): the relation and the relative's name.
    A record naming its person and one naming a relative are compared on their other fields only; two
    relations of one relative that one person cannot hold (his son and his daughter, his wife and his
    mother) are two people (a veto, fixed m as the given name's)."""
    same = "relation_l = relation_r"
    return cl.CustomComparison(
        [
            _level("relative_key_l IS NULL OR relative_key_r IS NULL", "not both relational", null=True),
            _level(f"{same} AND relative_key_l = relative_key_r", "same relation, same relative"),
            _level(
                f"relative_skel_l = relative_skel_r AND ({_COMPATIBLE})",
                "same relative, relation worded apart",
            ),
            _veto("relative_skel_l = relative_skel_r", "same relative, another relation (two people)"),
            _level(
                f"{same} AND jaro_winkler_similarity(relative_key_l, relative_key_r) >= 0.88",
                "same relation, relatives' names similar",
            ),
            cll.ElseLevel().configure(label_for_charts="different relatives"),
        ],
        output_column_name="relation",
    )


def _name_number() -> ComparisonCreator:
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
    level = cll.ElseLevel() if condition is None else cll.CustomLevel(condition)
    return level.configure(m_probability=VETO_M, fix_m_probability=True, label_for_charts=label)


def _level(condition: str, label: str, null: bool = False) -> dict[str, Any]:
    return {"sql_condition": condition, "label_for_charts": label, "is_null_level": null}


_GAP = "greatest(day_start_l - day_end_r, day_start_r - day_end_l)"  # days between two intervals


def _date() -> ComparisonCreator:
    """Date of death as an interval of days (a month-only date covers its month)."""
    return cl.CustomComparison(
        [
            _level("day_start_l IS NULL OR day_start_r IS NULL", "unknown", null=True),
            _level(
                "day_start_l = day_end_l AND day_start_r = day_end_r AND day_start_l = day_start_r",
                "same day",
            ),
            _level(f"{_GAP} <= 0", "intervals overlap"),
            _level(f"{_GAP} <= 2", "within 2 days"),
            _level(f"{_GAP} <= 31", "within 31 days"),
            cll.ElseLevel().configure(label_for_charts="further apart"),
        ],
        output_column_name="date_of_death",
    )


def _place() -> ComparisonCreator:
    """Place of death: the same town (key, term frequencies), a close spelling, the same governorate."""
    unknown = "(place_key_l IS NULL OR place_key_r IS NULL) AND (adm1_l IS NULL OR adm1_r IS NULL)"
    return cl.CustomComparison(
        [
            _level(unknown, "unknown", null=True),
            cll.ExactMatchLevel("place_key", term_frequency_adjustments=True).configure(
                label_for_charts="same place"
            ),
            cll.JaroWinklerLevel("place_key", 0.88).configure(label_for_charts="places close (JW >= 0.88)"),
            _level(
                "adm1_l = adm1_r AND (place_key_l IS NULL OR place_key_r IS NULL)",
                "same governorate, place unknown",
            ),
            _level("adm1_l = adm1_r", "same governorate, places differ"),
            cll.ElseLevel().configure(label_for_charts="different governorates"),
        ],
        output_column_name="place_of_death",
    )


def _plain_place() -> ComparisonCreator:
    unknown = (
        "(plain_place_l IS NULL OR plain_place_r IS NULL) "
        "AND (plain_province_l IS NULL OR plain_province_r IS NULL)"
    )
    return cl.CustomComparison(
        [
            _level(unknown, "unknown", null=True),
            cll.ExactMatchLevel("plain_place", term_frequency_adjustments=True),
            cll.JaroWinklerLevel("plain_place", 0.88),
            cll.ExactMatchLevel("plain_province"),
            cll.ElseLevel(),
        ],
        output_column_name="place_of_death",
    )


def _sex() -> ComparisonCreator:
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


def _age() -> ComparisonCreator:
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
            _level("age_lo_l IS NULL OR age_lo_r IS NULL", "unknown", null=True),
            _level(f"{exact} AND abs(age_lo_l - age_lo_r) <= 1", "ages within a year"),
            _level(f"NOT ({exact}) AND {narrow} AND {overlap}", "age in the other's range"),
            _level(f"{exact} AND abs(age_lo_l - age_lo_r) <= 5", "ages within 5 years"),
            _level(f"age_lo_l <= age_hi_r + {slack} AND age_lo_r <= age_hi_l + {slack}", "age groups agree"),
            _level(f"{_AGE_GAP} <= {FAR_APART_YEARS}", "ages disagree"),
            # a grandfather and the grandson named after him (the real VDC list linked such pairs)
            cll.ElseLevel().configure(
                label_for_charts=f"ages over {FAR_APART_YEARS} years apart",
                m_probability=FAR_APART_M,
                fix_m_probability=True,
            ),
        ],
        output_column_name="age",
    )


def _status() -> ComparisonCreator:
    return cl.CustomComparison(
        [
            cll.NullLevel("status"),
            cll.ExactMatchLevel("status").configure(label_for_charts="same"),
            cll.ElseLevel().configure(label_for_charts="civilian and combatant"),
        ],
        output_column_name="status",
    )


def _cause() -> ComparisonCreator:
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
    if spec.config == "incidents":
        from harmtrace.link.incident_features import INCIDENT_FEATURE_COLUMNS

        return list(INCIDENT_FEATURE_COLUMNS)
    if spec.config == "plain":
        names = [f"plain_{p}" for p in ("given", "father", "family", "place", "province")]
    else:
        names = [f"{p}_{k}" for p in NAME_PARTS for k in ("key", "skel")]
        names += ["place_key", "name_number", "relation", "relative_key", "relative_skel", "chain_short"]
    return [*_COMMON_COLUMNS, *names]


def settings(spec: LinkageSpec) -> SettingsCreator:
    """Splink settings of `spec` before training."""
    return SettingsCreator(
        link_type="dedupe_only",
        comparisons=comparisons(spec),
        blocking_rules_to_generate_predictions=[r.creator() for r in spec.blocking_rules],
        retain_matching_columns=True,  # the comparison levels (gamma) come only with them
        retain_intermediate_calculation_columns=True,
        additional_columns_to_retain=["source_dataset"],
    )


# --- backends ---------------------------------------------------------------------------------------


class Backend(Protocol):
    """Where Splink runs: registers the feature table and returns it as Splink's input."""

    def register(self, table: pa.Table) -> SplinkDataFrame: ...

    def close(self) -> None: ...


def default_memory_limit() -> str:
    """DuckDB memory for Splink: 40% of physical memory, at most 2 GB.

    DuckDB's own default (80%) let a million-record link peak at 8.3 GB; with a cap it spills what
    does not fit. At a million simulated reports (`benchmarks/link_incidents.py`, 2 cores) 3 GB
    peaked at 4,628 MB for the whole process in 259.6 s, 2 GB at 4,009 MB in 239.5 s; at a million
    victim records (`benchmarks/link_victims.py`) 3,930 MB in 35.4 s against 3,315 MB in 35.7 s.
    """
    try:
        physical = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return "3GB"
    return f"{max(256, min(2 * 1024, int(physical * 0.4) // 2**20))}MB"


@dataclass
class DuckDBBackend:
    """Splink on a private in-memory DuckDB that spills to a temporary folder.

    `threads` defaults to DuckDB's choice (one per core), `memory_limit` (DuckDB's words, e.g.
    "6GB") to `default_memory_limit`.
    """

    threads: int | None = None
    memory_limit: str | None = field(default_factory=default_memory_limit)
    _spill: tempfile.TemporaryDirectory[str] = field(init=False)
    _con: duckdb.DuckDBPyConnection = field(init=False)

    def __post_init__(self) -> None:
        self._spill = tempfile.TemporaryDirectory(prefix="harmtrace-link-")
        self._con = duckdb.connect(":memory:")
        self._con.execute(f"SET temp_directory = '{self._spill.name}'")
        self._con.execute("SET preserve_insertion_order = false")
        if self.threads:
            self._con.execute(f"SET threads = {int(self.threads)}")
        if self.memory_limit:
            self._con.execute(f"SET memory_limit = '{self.memory_limit}'")

    def register(self, table: pa.Table) -> SplinkDataFrame:
        return DuckDBAPI(self._con).register(table, dataset_display_name="victim_records")

    def close(self) -> None:
        self._con.close()
        self._spill.cleanup()


# --- training ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TrainedModel:
    """A specification and Splink's trained settings (m, u, prior): enough to score pairs again."""

    spec: LinkageSpec
    splink: dict[str, Any]
    # "source a | source b" -> the prior of that pair of sources (`LinkageSpec.prior_by_source_pair`)
    priors: dict[str, float] = field(default_factory=dict)
    # the settings before labels updated m (`learn_from_labels`), for the pairs of sources no label
    # names (`harmtrace.link.runs.score_features`); None when no label trained the model
    unlabelled: dict[str, Any] | None = None

    def to_json(self) -> str:
        return json.dumps(
            {
                "format": MODEL_FORMAT,
                "spec": self.spec.to_dict(),
                "splink": self.splink,
                "priors": self.priors,
                "unlabelled": self.unlabelled,
            }
        )

    def without_labels(self) -> TrainedModel:
        """The model as it was before labels updated m (itself when none did)."""
        if self.unlabelled is None:
            return self
        splink = {**self.unlabelled, "probability_two_random_records_match": self.prior}
        return TrainedModel(self.spec, splink, self.priors)

    @property
    def prior(self) -> float:
        return float(self.splink["probability_two_random_records_match"])

    def with_m(self, m: dict[str, list[float | None]]) -> TrainedModel:
        """This model with the m probabilities given per comparison and level (None: as it was)."""
        splink = json.loads(json.dumps(self.splink))
        for comparison in splink["comparisons"]:
            for level, given in zip(comparison["comparison_levels"], m[comparison["output_column_name"]],
                                    strict=True):  # fmt: skip
                if given is not None:
                    level["m_probability"] = given
        return TrainedModel(self.spec, splink, self.priors)

    @classmethod
    def from_json(cls, text: str) -> TrainedModel:
        data = json.loads(text)
        if data.get("format") != MODEL_FORMAT:
            raise QueryError(
                f"Linkage model format {data.get('format')!r} is not {MODEL_FORMAT}: link again."
            )
        priors = dict(data.get("priors") or {})
        return cls(LinkageSpec.from_dict(data["spec"]), data["splink"], priors, data.get("unlabelled"))

    def linker(self, frame: SplinkDataFrame) -> Linker:
        """A Splink linker scoring with these parameters (no training)."""
        return Linker(frame, json.loads(json.dumps(self.splink)), log_level=None)

    def level_labels(self) -> dict[str, dict[int, str]]:
        """comparison -> comparison vector value (gamma) -> level label; -1 is the NULL level."""
        labels: dict[str, dict[int, str]] = {}
        for comparison in self.splink["comparisons"]:
            levels = comparison["comparison_levels"]
            counted = [lv for lv in levels if not lv.get("is_null_level")]
            values = {len(counted) - 1 - i: str(lv.get("label_for_charts")) for i, lv in enumerate(counted)}
            labels[comparison["output_column_name"]] = {-1: _null_label(levels), **values}
        return labels


def _null_label(levels: list[dict[str, Any]]) -> str:
    """What a pair at a comparison's null level (gamma -1) was: its null levels' own labels, "unknown"
    for Splink's ("given_key is NULL") or none (a UCDP dyad against another striker is no evidence,
    but it is not unknown).

    >>> _null_label([{"is_null_level": True, "label_for_charts": "unknown"},
    ...              {"is_null_level": True, "label_for_charts": "a fighting pair and another striker"}])
    'unknown or a fighting pair and another striker'
    >>> _null_label([{"is_null_level": True, "label_for_charts": "given_key is NULL"}])
    'unknown'
    """
    nulls = [str(lv.get("label_for_charts") or "") for lv in levels if lv.get("is_null_level")]
    named = ["unknown" if not label or label.endswith(" is NULL") else label for label in nulls]
    return " or ".join(dict.fromkeys(named)) or "unknown"


Step = Callable[[str], AbstractContextManager[None]]


@contextmanager
def _untimed(step: str) -> Iterator[None]:
    yield


def train(
    spec: LinkageSpec, frame: SplinkDataFrame, step: Step = _untimed, labels: pa.Table | None = None
) -> TrainedModel:
    """Estimate the model of `spec` on the records of `frame` (module docstring): unsupervised, then,
    when `labels` (pairs of unique ids known to match: ``unique_id_l``, ``unique_id_r``) holds pairs,
    with m updated from them (`learn_from_labels`).

    `step` times the parts ("train: prior", "train: u", "train: m"), e.g. a `harmtrace.link.runs.Clock`.
    """
    linker = Linker(frame, settings(spec), log_level=None)
    training = linker.training
    with quiet_splink(), _em_floor():
        with step("train: prior"):
            training.estimate_probability_two_random_records_match(
                [r.creator() for r in spec.prior_rules],
                recall=spec.prior_recall,
            )
            _usable_prior(linker)
        with step("train: u"):
            training.estimate_u_using_random_sampling(max_pairs=spec.u_max_pairs, seed=spec.seed)
        with step("train: m"):
            for rule in spec.training_rules:
                _em_session(linker, rule, spec.training_pairs)
    model = floor_m(linker.misc.save_model_to_json(), dict(spec.m_floors))
    before = disagreement_not_for(model, spec.disagreements) if spec.disagreements else model
    if labels is None or not labels.num_rows:
        return TrainedModel(spec, before)
    with step("train: labels"):
        model = learn_from_labels(model, label_counts(linker, labels), spec.unlabelled)
    if spec.disagreements:
        model = disagreement_not_for(model, spec.disagreements)
    return TrainedModel(spec, model, unlabelled=before)


def disagreement_not_for(model: dict[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    """`model` with the last level of each comparison of `names` (its disagreement: another
    perpetrator, far apart, different counts) weighing at most 0: where u is small (UCDP names both
    sides of a dyad, so two random reports seldom name disjoint actors) a fixed m could exceed it and
    make a disagreement evidence *for* a match. Its m becomes its u; the comparison's m no longer sum to 1
    exactly, which scoring does not need."""
    model = json.loads(json.dumps(model))
    for comparison in model["comparisons"]:
        if comparison["output_column_name"] not in names:
            continue
        levels = [lv for lv in comparison["comparison_levels"] if not lv.get("is_null_level")]
        last = levels[-1] if levels else None
        if last and _is_number(last.get("m_probability")) and _is_number(last.get("u_probability")):
            last["m_probability"] = min(last["m_probability"], last["u_probability"])
    return model


# how many labelled pairs the m probabilities before labels weigh as: with 20, a comparison seen on
# 400 labelled pairs takes 95% of its m from them, one seen on 10 a third
LABEL_PSEUDO_PAIRS: Final = 20.0
# an m learned from labels is at least this (a level no labelled pair reached is rare, not impossible)
LABEL_M_FLOOR: Final = 0.002


def label_counts(linker: Linker, labels: pa.Table) -> dict[str, dict[int, int]]:
    """comparison -> comparison vector value (gamma) -> how many labelled pairs reach that level.

    The pairs are compared as Splink compares any pair (its own SQL for labelled pairs, as its
    `estimate_m_from_pairwise_labels` does), whatever the blocking rules: a labelled pair no rule
    generates still tells what matches look like.
    """
    name = "ht_labelled_pairs"
    linker.table_management.register_table(
        labels.select(["unique_id_l", "unique_id_r"]), name, overwrite=True
    )
    pipeline = CTEPipeline()
    enqueue_df_concat_with_tf(linker, pipeline)
    pipeline.enqueue_list_of_sqls(block_from_labels(linker, name))
    settings_obj = linker._settings_obj
    pipeline.enqueue_sql(
        compute_comparison_vector_values_sql(settings_obj._columns_to_select_for_comparison_vector_values),
        "__splink__df_comparison_vectors",
    )
    gammas = [c._gamma_column_name for c in settings_obj.comparisons]
    names = [c.output_column_name for c in settings_obj.comparisons]
    pipeline.enqueue_sql(f"SELECT {', '.join(gammas)} FROM __splink__df_comparison_vectors", "ht_gammas")
    rows = linker._db_api.sql_pipeline_to_splink_dataframe(pipeline).as_record_list()
    counts: dict[str, dict[int, int]] = {n: {} for n in names}
    for row in rows:
        for name_, gamma in zip(names, gammas, strict=True):
            value = int(row[gamma])
            counts[name_][value] = counts[name_].get(value, 0) + 1
    return counts


def learn_from_labels(
    model: dict[str, Any], counts: dict[str, dict[int, int]], keep: tuple[str, ...] = ()
) -> dict[str, Any]:
    """`model` with the m probabilities of each comparison (but those in `keep`) updated from the
    labelled pairs' `counts` (`label_counts`): m = (n_level + k * m_before) / (n + k), n counting the
    labelled pairs whose comparison is not null and k = LABEL_PSEUDO_PAIRS, so the m before (fixed,
    floored or estimated by EM) is a prior the labels outweigh as they grow. Fixed m are updated too:
    a fixed m is a judgement, and labelled pairs are evidence against which to revise it."""
    model = json.loads(json.dumps(model))
    for comparison in model["comparisons"]:
        name = comparison["output_column_name"]
        seen = counts.get(name, {})
        n = sum(c for gamma, c in seen.items() if gamma >= 0)
        if name in keep or not n:
            continue
        levels = [lv for lv in comparison["comparison_levels"] if not lv.get("is_null_level")]
        for i, level in enumerate(levels):
            before = level.get("m_probability")
            if level.get("fix_m_probability") and _is_number(before) and before < LABEL_M_FLOOR:
                continue  # a veto (different given names) stays one
            prior = float(before) if _is_number(before) else LABEL_M_FLOOR
            learned = (seen.get(len(levels) - 1 - i, 0) + LABEL_PSEUDO_PAIRS * prior) / (
                n + LABEL_PSEUDO_PAIRS
            )
            level["m_probability"] = max(learned, LABEL_M_FLOOR)
    return model


FALLBACK_PRIOR: Final = 1e-4


def _usable_prior(linker: Linker) -> None:
    """A prior strictly between 0 and 1: deterministic rules that no pair meets (real reports whose
    sources never give the same fields) estimate it as 0, which Splink cannot score with. FALLBACK_PRIOR
    stands in; the prior is calibrated on the scored pairs afterwards (`calibrated_prior`) anyway."""
    settings_obj = linker._settings_obj
    prior = settings_obj._probability_two_random_records_match
    if not 0.0 < prior < 1.0:
        logging.getLogger(__name__).warning("prior %s from the deterministic rules: using %s", prior,
                                            FALLBACK_PRIOR)  # fmt: skip
        settings_obj._probability_two_random_records_match = FALLBACK_PRIOR


# Splink counts a session's pairs on this share of the records (each side: 1% of the pairs) to choose
# its sample; its default (1%, 0.01% of the pairs) finds no pair in a block of a few thousand.
EM_PROBE: Final = 0.1


def _em_session(linker: Linker, rule: BlockingRule, max_pairs: float | None = None) -> None:
    """One EM session on the pairs of `rule` (about `max_pairs` of them at random, if given); skipped
    when it cannot run.

    A block can hold no pair (Splink's EMTrainingException), or pairs that all look alike (real
    reports: one source's rows with the same counts and means), and EM then drives the prior to 0
    or 1, where Splink fails with a ValueError (a log of 0). The other sessions still estimate the
    model; a comparison no session trained keeps its fixed or floored m (`floor_m`).

    A session takes the comparisons of its blocking columns out of the linker's settings while it
    runs and puts them back only when it ends well: a failed session would leave the model without
    them (on real reports: every comparison but two), so the settings are restored from a copy.
    """
    saved = linker._settings_obj.core_model_settings.copy()  # type: ignore[no-untyped-call]
    try:
        linker.training.estimate_parameters_using_expectation_maximisation(
            rule.creator(),
            estimate_without_term_frequencies=True,
            max_pairs=max_pairs,
            record_sample_proportion=EM_PROBE,
        )
    except (ValueError, ZeroDivisionError, EMTrainingException) as exc:
        linker._settings_obj.core_model_settings = saved
        logging.getLogger(__name__).info("EM session on %s skipped: %s", rule.sql(), exc)


def floor_m(model: dict[str, Any], floors: dict[str, float]) -> dict[str, Any]:
    """`model` with every m probability of the comparisons in `floors` at least the floor.

    A level that occurs in the data (it has a u probability) but that EM never saw among matches
    has no m; it gets the floor too (Splink would otherwise score it with an arbitrary default). The
    other levels of such a comparison are scaled down so that its m probabilities keep their sum.
    Levels whose m was fixed (the given-name veto) are left alone.
    """
    model = json.loads(json.dumps(model))
    for comparison in model["comparisons"]:
        floor = floors.get(comparison["output_column_name"])
        if floor is None:
            continue
        for level in comparison["comparison_levels"]:
            if level.get("m_probability") is None and _is_number(level.get("u_probability")):
                level["m_probability"] = 0.0
        levels = [lv for lv in comparison["comparison_levels"] if _has_m(lv)]
        if not levels:
            continue
        total = sum(lv["m_probability"] for lv in levels)
        low = [lv for lv in levels if lv["m_probability"] < floor]
        high = [lv for lv in levels if lv["m_probability"] >= floor]
        rest = sum(lv["m_probability"] for lv in high)
        scale = (total - floor * len(low)) / rest if rest > 0 else 1.0
        for lv in low:
            lv["m_probability"] = floor
        for lv in high:
            lv["m_probability"] *= max(scale, 0.5)
    return model


def _has_m(level: dict[str, Any]) -> bool:
    return _is_number(level.get("m_probability")) and not level.get("fix_m_probability")


def _is_number(value: Any) -> bool:
    return isinstance(value, float | int) and not isinstance(value, bool) and math.isfinite(value)


def calibrated_prior(match_weights: npt.NDArray[np.float64], prior: float, total_pairs: float) -> float:
    """The prior (probability that two random records match) at which the model expects as many
    matches among all pairs as its scored pairs hold: lambda * total = sum of match probabilities.

    This is the expectation-maximisation update of the prior over every pair (pairs the blocking
    rules never generate count as non-matches), run to its fixed point on the scored pairs'
    `match_weights` (computed with `prior`). It replaces the guess of the deterministic rules'
    recall that `estimate_probability_two_random_records_match` needs: on simulated lists it moved
    the prior from 2.4e-5 to 4.1e-5, the truth being 4.3e-5.
    """
    if not match_weights.size or total_pairs <= 0:
        return prior
    base = match_weights - _logit2(prior)
    current = prior
    for _ in range(50):
        expected = float((1.0 / (1.0 + np.exp2(-(base + _logit2(current))))).sum())
        updated = min(max(expected / total_pairs, 1e-12), 0.5)
        if abs(updated - current) <= 1e-6 * current:
            return updated
        current = updated
    return current


def _logit2(p: float) -> float:
    return math.log2(p / (1.0 - p))


def with_prior(model: TrainedModel, prior: float, priors: dict[str, float] | None = None) -> TrainedModel:
    """`model` with its prior replaced (and its priors per pair of sources, when given)."""
    splink = {**model.splink, "probability_two_random_records_match": prior}
    return TrainedModel(model.spec, splink, model.priors if priors is None else priors, model.unlabelled)


def shift_weights(match_weights: npt.NDArray[np.float64], old: float, new: float) -> npt.NDArray[np.float64]:
    """Match weights rescored from prior `old` to prior `new` (the prior adds log2 odds)."""
    return match_weights + (_logit2(new) - _logit2(old))


EM_FLOOR: Final = 1e-12  # an m or u estimate below this is 0 for linkage (a weight beyond 40 bits)


@contextmanager
def _em_floor() -> Iterator[None]:
    """EM estimates floored at EM_FLOOR while training.

    On a small list a level can hold only pairs whose match posterior underflows (pairs of the
    given-name veto, 2^-60), and EM then estimates its m as 0.0 or a denormal; Splink 5 refuses
    such a value with a ValueError in the middle of the session (its setters reject m < 1e-300).
    The floor keeps the estimate a tiny positive number instead, which is what it means.
    """
    original = _em.compute_proportions_for_new_parameters

    def floored(df_params: SplinkDataFrame) -> list[dict[str, Any]]:
        records: list[dict[str, Any]] = original(df_params)
        for record in records:
            for key in ("m_probability", "u_probability"):
                value = record.get(key)
                if isinstance(value, float) and value < EM_FLOOR:
                    record[key] = EM_FLOOR
        return records

    _em.compute_proportions_for_new_parameters = floored
    try:
        yield
    finally:
        _em.compute_proportions_for_new_parameters = original


@contextmanager
def quiet_splink() -> Iterator[None]:
    """Splink's progress and advice stay out of harmtrace's output; its errors still raise."""
    logger = logging.getLogger("splink")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)
