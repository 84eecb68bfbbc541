"""The incident linkage model: Splink comparisons and blocking rules for reports of one event.

Reports of one strike agree on its day (within their date precision), its point (within their
location precision), its place name (in either script), who did it, by what means, how many died,
and often on their words (a wire story copied by others). The hard case is several strikes on one
day in one city: their reports share day and town, and only the point, the means, the counts and the
words tell them apart.

Comparisons (output column names are stable: they key the detail JSON of every scored pair):

- ``date``: when, and for reports dated within 3 days of each other also where, in one comparison:
  same day with precise points that agree (both radii summing to at most 2.5 km, d <= r, where d is
  the great-circle distance between the points and r the sum of the radii their precision words
  stand for, `harmtrace.locate.precision`), with precise points 1-3 km apart, within town precision
  (r <= 25 km, d <= r) on a quiet day there (at most QUIET records of that 20 km cell and day, a
  copy of one record counted once) or on any day, within coarser precision (d <= r), or without a
  point; dates overlapping within spans of at most 3 days, in one town (a report of one day of an
  event UCDP dates to two: 13% of its Raqqa city events of 2017); a day apart or overlapping within a
  week, in one town, or coarse or without a point;
  overlapping with a month;
  within 3 days; within 3 days but further apart than their precision allows; further apart.
  Day and place are one comparison because they are not independent among different strikes:
  strikes come in waves, several on one day in one town, so two reports of different strikes agree
  on both far more often than the product of the two agreement rates says. As separate comparisons
  the model multiplied the two and, since the product shrinks with the square of the number of
  reports while waves grow with it, grew surer of "same day, same town" the more reports there were.
  One comparison's u is measured on random pairs as it is, waves included.
- ``distance``: for reports dated more than 3 days apart only (the others: ``date``): within town
  precision; within coarser precision; further.
- ``place`` (only when a report has no point: two points already say where, and counting the names
  too would count one piece of evidence twice): same `name_key`, same consonant skeleton, keys
  close (Jaro-Winkler >= 0.85), same governorate, different governorates; m fixed (`PLACE_M`).
- ``perpetrators``: canonical actors (`harmtrace.actors`; for a report naming none, the actors its
  description names): the same list; overlapping lists (UCDP names both sides of a dyad, a video
  one); allies (`incident_features.ALLIANCES`: UCDP codes a Russian air strike to the Syrian
  government's dyad, a video of it names Russia); different. The last three have m fixed.
- ``means`` and ``sites``: the same list (its weight adjusted for how common the list is: two reports
  naming a car bomb agree on more than two naming an air strike), overlapping lists, disjoint lists;
  none given is null. Means are the kinds the report names in its means field or its description,
  sites the kinds of site its description names (`harmtrace.link.strike_terms`: "مشفى" and
  "hospital" are one kind): two strikes of one day in one town most often hit different sites.
- ``killed``: civilians killed as [lo, hi]: the same exact number; ranges overlapping; within 2 or
  30%; further apart.
- ``source``: the same record id in one source (one video in two exports); one source, two records
  (a source seldom reports one strike twice: event data such as UCDP never does); two sources. Its
  m is fixed (FIXED_M): EM on an archive that repeats its videos across exports learns that most
  matches are within one source.
- ``description``: in one script, the MinHash estimate of the Jaccard similarity of the two texts'
  words and word pairs: >= 0.75 (a copy), >= 0.45; then, in any script, how many rare words the
  texts share, keyed across scripts (`incident_features.word_key`): 3 or more, 2, 1; both have
  rare words but share none (each names its own neighbourhood or family). A text with no rare word
  (a bulletin title, "Syria Daily Report 04/02/2016": its own date is no rare word) is no evidence.

Blocking rules, chosen for recall at a million reports (each block is one place and one day, or one
place and a month for the few reports dated that loosely, so blocks stay small however many reports
there are). "Place" is, in turn, the place name's consonant skeleton, a 20 km grid cell of the point,
and the cell of a grid shifted by half a cell (two points within 10 km share one of the cells, and
points in either script meet there even when their names key apart). Per place: the same start
day; a day apart (each way); a report dated to a week or a month against every report of its month
(each way). And a report located only to its governorate (or not at all) against every report of
that governorate on its day or a day apart (each way).

The model is `INCIDENTS_SPEC` and `incident_comparisons`; `harmtrace.link.incidents` hands both to the
engine (`harmtrace.link.engine`), which trains and scores them as it does the victim model.
"""

from __future__ import annotations

from typing import Any, Final

import splink.comparison_level_library as cll
import splink.comparison_library as cl

from harmtrace.link.spec import BlockingRule, LinkageSpec, level

# m of the levels that tell strikes of one day in one city apart, fixed rather than estimated: EM
# sees those strikes' reports agree on day and town and takes many of them for matches, learning that
# a disagreement on who or what struck is common among matches. These are the shares of reports of
# one strike that disagree so (a source names another perpetrator one time in ten, counting competing
# claims, another weapon or site more seldom; precise points of one strike lie within a kilometre or
# so: "same day, near points" is the same-day share, about 0.7, times 0.03). The "coarse points"
# levels are the pairs of one strike where a report is placed only to its governorate (about one in
# ten), on the same day (0.7 of them) or a day or a week apart (0.3): EM trains on blocks of one
# place name or grid cell, which such reports never share with the others of their strike, and
# estimated them at a sixth of what they are on simulated reports, so that "same governorate, same
# day" counted against a match. "far_points" is reports of one strike within 3 days of each other
# but further apart than their precisions allow (a wrong point, a wrong governorate).
FIXED_M: Final = {
    "perpetrators": 0.1,
    # a report naming one side of a dyad that another lists whole (UCDP's state-based events), or the
    # ally of the other's perpetrator: shares of matches, judged rather than measured (no truth on
    # real data; the simulator's sources name one perpetrator and no allies)
    "perpetrators overlap": 0.1,
    "perpetrators allies": 0.1,
    # UCDP codes a coalition strike to IS - SDF and names the coalition in its text
    "perpetrators named": 0.1,
    "means": 0.06,
    "killed": 0.05,
    # a source may call the building a house and another the market beside it
    "sites": 0.1,
    "same day, near points": 0.02,
    "same day, coarse points": 0.07,
    "near days, coarse points": 0.03,
    "far_points": 0.005,
    # how the reports of one incident are spread over sources: an archive's video in two exports,
    # a source's update of its own report, and (most) reports by different sources
    "same record": 0.05,
    "same source": 0.05,
    "two sources": 0.9,
}
# the least share of reports a "same means / sites" list counts as (`_lists`): rarer lists weigh as it
TF_MINIMUM: Final = 0.005
# a town and day with this many records or fewer (`incident_features` town_day_records) is a quiet
# one: reports agreeing on it are far likelier of one strike than in a city struck all day
QUIET: Final = 3
PLACE_M: Final = {
    "same place": 0.6,
    "same skeleton": 0.15,
    "names close": 0.05,
    "same governorate": 0.18,
    "different governorates": 0.02,
}
_GAP: Final = "greatest(day_start_l - day_end_r, day_start_r - day_end_l)"
_KM: Final = (
    "(2 * 6371.0 * asin(sqrt(power(sin(radians(latitude_r - latitude_l) / 2), 2) + "
    "cos(radians(latitude_l)) * cos(radians(latitude_r)) * "
    "power(sin(radians(longitude_r - longitude_l) / 2), 2))))"
)
_RADII: Final = "(radius_km_l + radius_km_r)"
_TEXT_SIMILARITY: Final = "(len(list_intersect(desc_sig_l, desc_sig_r)) / {size}.0)"


def _else(label: str, fixed_m: float | None = None) -> Any:
    made = cll.ElseLevel().configure(label_for_charts=label)
    return made if fixed_m is None else made.configure(m_probability=fixed_m, fix_m_probability=True)


def _fixed(condition: str, label: str, m: float) -> dict[str, Any]:
    return {**level(condition, label), "m_probability": m, "fix_m_probability": True}


_UNLOCATED: Final = "latitude_l IS NULL OR latitude_r IS NULL OR radius_km_l IS NULL OR radius_km_r IS NULL"
_SAME_DAY: Final = "day_width_l = 0 AND day_width_r = 0 AND day_start_l = day_start_r"
_SPAN_OVERLAP: Final = f"({_GAP} <= 0 AND day_width_l <= 2 AND day_width_r <= 2)"
_NEAR_DAYS: Final = f"(({_GAP} <= 0 AND day_width_l <= 7 AND day_width_r <= 7) OR {_GAP} = 1)"
_IN_TOWN: Final = f"(NOT ({_UNLOCATED}) AND {_RADII} <= 25 AND {_KM} <= {_RADII})"
_FAR: Final = f"(NOT ({_UNLOCATED}) AND {_KM} > {_RADII})"


def _date() -> cl.CustomComparison:
    """When, and where for reports dated within 3 days of each other (module docstring)."""
    precise = f"NOT ({_UNLOCATED}) AND {_RADII} <= 2.5"
    return cl.CustomComparison(
        [
            level("day_start_l IS NULL OR day_start_r IS NULL", "unknown", null=True),
            level(f"{_SAME_DAY} AND {precise} AND {_KM} <= {_RADII}", "same day, precise points agree"),
            _fixed(
                f"{_SAME_DAY} AND {precise} AND {_KM} <= 3",
                "same day, precise points 1-3 km apart",
                FIXED_M["same day, near points"],
            ),
            level(
                f"{_SAME_DAY} AND {_IN_TOWN} AND greatest(town_day_records_l, town_day_records_r) <= {QUIET}",
                f"same day, within town precision, {QUIET} or fewer records there that day",
            ),
            level(f"{_SAME_DAY} AND {_IN_TOWN}", "same day, within town precision"),
            _fixed(
                f"{_SAME_DAY} AND NOT {_FAR} AND NOT ({_UNLOCATED})",
                "same day, within coarse precision",
                FIXED_M["same day, coarse points"],
            ),
            level(f"{_SAME_DAY} AND ({_UNLOCATED})", "same day, no point"),
            level(f"{_SPAN_OVERLAP} AND {_IN_TOWN}", "dates overlap within 3 days, same town"),
            level(f"{_NEAR_DAYS} AND {_IN_TOWN}", "a day apart or in one week, same town"),
            _fixed(
                f"{_NEAR_DAYS} AND NOT {_FAR}",
                "a day apart or in one week, coarse or no point",
                FIXED_M["near days, coarse points"],
            ),
            level(f"{_GAP} <= 0 AND NOT {_FAR}", "overlap (month or coarser)"),
            level(f"{_GAP} <= 3 AND NOT {_FAR}", "within 3 days"),
            _fixed(f"{_GAP} <= 3", "within 3 days, far apart", FIXED_M["far_points"]),
            _else("further apart"),
        ],
        output_column_name="date",
    )


def _distance() -> cl.CustomComparison:
    """Where, for reports dated more than 3 days apart (closer ones: `_date`)."""
    return cl.CustomComparison(
        [
            level(
                f"{_UNLOCATED} OR day_start_l IS NULL OR day_start_r IS NULL OR {_GAP} <= 3",
                "unknown, or within 3 days",
                null=True,
            ),
            level(f"{_RADII} <= 25 AND {_KM} <= {_RADII}", "within town precision"),
            level(f"{_KM} <= {_RADII}", "within coarse precision"),
            _else("far apart"),
        ],
        output_column_name="distance",
    )


def _place() -> cl.CustomComparison:
    """Place names, compared unless two points already say where (below). EM sees few such pairs among
    its matches and estimated "same place" as evidence against; the m of every level is fixed instead
    (PLACE_M: how often reports of one strike name its place so; labelled pairs revise them)."""
    unknown = "(place_key_l IS NULL OR place_key_r IS NULL) AND (adm1_l IS NULL OR adm1_r IS NULL)"
    # two points to a town or better already say where: the names would count the same evidence twice
    # (and two strikes of one city, points a few km apart, share its name). A coarser point (UCDP's
    # "within 25 km") does not say which village: its name does. A point for a whole governorate says
    # no more than its governorate, which the date comparison weighs already
    located = (
        "latitude_l IS NOT NULL AND latitude_r IS NOT NULL AND ((radius_km_l <= 10 AND radius_km_r <= 10) "
        "OR greatest(radius_km_l, radius_km_r) >= 100)"
    )
    return cl.CustomComparison(
        [
            level(f"({unknown}) OR ({located})", "unknown, or the points say where", null=True),
            _fixed("place_key_l = place_key_r", "same place", PLACE_M["same place"]),
            _fixed("place_skel_l = place_skel_r", "same skeleton", PLACE_M["same skeleton"]),
            _fixed(
                "jaro_winkler_similarity(place_key_l, place_key_r) >= 0.85",
                "names close (JW >= 0.85)",
                PLACE_M["names close"],
            ),
            _fixed("adm1_l = adm1_r", "same governorate", PLACE_M["same governorate"]),
            _else("different governorates", PLACE_M["different governorates"]),
        ],
        output_column_name="place",
    )


def _lists(column: str) -> cl.CustomComparison:
    """The same list, overlapping lists, disjoint lists. "The same" is adjusted for how common the
    list is (Splink's term frequencies): two reports naming a car bomb, chlorine or a hospital agree
    on more than two naming an air strike, the means of most reports."""
    same = {
        **level(f"{column}_l = {column}_r", "same"),
        "tf_adjustment_column": column,
        "tf_adjustment_weight": 1.0,
        # a list named by fewer than 1 report in 200 (a rare combination of kinds) counts as 1 in 200:
        # at most about 5 bits above the level's mean weight, whatever the list
        "tf_minimum_u_value": TF_MINIMUM,
    }
    return cl.CustomComparison(
        [
            level(f"{column}_l IS NULL OR {column}_r IS NULL", "unknown", null=True),
            same,
            level(f"list_has_any({column}_l, {column}_r)", "overlap"),
            _else("different", FIXED_M[column]),
        ],
        output_column_name=column,
    )


def _perpetrators() -> cl.CustomComparison:
    """Who struck, as canonical actors: the same; overlapping (m fixed: UCDP names both sides of a
    dyad, a video one of them); allies (`incident_features.ALLIANCES`, m fixed: UCDP codes a Russian
    air strike to the Syrian government's dyad, a video of it names Russia); different."""
    named = (
        "list_has_any(perpetrators_l, coalesce(named_actors_r, [])) OR "
        "list_has_any(coalesce(named_actors_l, []), perpetrators_r)"
    )
    return cl.CustomComparison(
        [
            level("perpetrators_l IS NULL OR perpetrators_r IS NULL", "unknown", null=True),
            level("perpetrators_l = perpetrators_r", "same"),
            _fixed(
                "list_has_any(perpetrators_l, perpetrators_r)", "overlap", FIXED_M["perpetrators overlap"]
            ),
            _fixed(named, "named in the other's text", FIXED_M["perpetrators named"]),
            _fixed("list_has_any(perp_sides_l, perp_sides_r)", "allies", FIXED_M["perpetrators allies"]),
            # a dyad names who fought there, not who struck: disagreeing with it is no evidence
            level("dyad_l OR dyad_r", "a fighting pair and another striker", null=True),
            _else("different", FIXED_M["perpetrators"]),
        ],
        output_column_name="perpetrators",
    )


def _killed() -> cl.CustomComparison:
    overlap = "killed_lo_l <= killed_hi_r AND killed_lo_r <= killed_hi_l"
    gap = "greatest(killed_lo_l - killed_hi_r, killed_lo_r - killed_hi_l)"
    return cl.CustomComparison(
        [
            level("killed_lo_l IS NULL OR killed_lo_r IS NULL", "unknown", null=True),
            level(
                "killed_lo_l = killed_hi_l AND killed_lo_r = killed_hi_r AND killed_lo_l = killed_lo_r",
                "same number",
            ),
            # a monitor's range (5-12) whose minimum is the other's count (5)
            level("killed_lo_l = killed_lo_r", "same minimum"),
            level(overlap, "ranges overlap"),
            level(f"{gap} <= greatest(2, 0.3 * greatest(killed_hi_l, killed_hi_r))", "close"),
            _else("different", FIXED_M["killed"]),
        ],
        output_column_name="killed",
    )


def _description(size: int) -> cl.CustomComparison:
    similarity = _TEXT_SIMILARITY.format(size=size)
    same_script = "desc_script_l = desc_script_r"
    shared = "len(list_intersect(coalesce(desc_keys_l, []), coalesce(desc_keys_r, [])))"
    return cl.CustomComparison(
        [
            level("desc_sig_l IS NULL OR desc_sig_r IS NULL", "unknown", null=True),
            level(f"{same_script} AND {similarity} >= 0.75", "near copy (>= 0.75)"),
            level(f"{same_script} AND {similarity} >= 0.45", "similar (>= 0.45)"),
            level(f"{shared} >= 3", "3 or more rare words shared"),
            level(f"{shared} = 2", "2 rare words shared"),
            level(f"{shared} = 1", "1 rare word shared"),
            # each names its own neighbourhood, family or street: most often two strikes
            level("len(desc_keys_l) > 0 AND len(desc_keys_r) > 0", "rare words, none shared"),
            # a text naming nothing rare ("Syria Daily Report 04/02/2016") says nothing of which strike
            level("true", "a text without rare words", null=True),
        ],
        output_column_name="description",
    )


def _source() -> cl.CustomComparison:
    return cl.CustomComparison(
        [
            level("source_dataset_l IS NULL OR source_dataset_r IS NULL", "unknown", null=True),
            _fixed(
                "source_dataset_l = source_dataset_r AND record_id_l = record_id_r",
                "same record in one source",
                FIXED_M["same record"],
            ),
            _fixed("source_dataset_l = source_dataset_r", "one source, two records", FIXED_M["same source"]),
            _else("two sources", FIXED_M["two sources"]),
        ],
        output_column_name="source",
    )


def incident_comparisons(signature_size: int) -> list[cl.CustomComparison]:
    """The Splink comparisons of the incident model (module docstring)."""
    return [
        _source(),
        _date(),
        _distance(),
        _place(),
        _perpetrators(),
        _lists("means"),
        _lists("sites"),
        _killed(),
        _description(signature_size),
    ]


# two records of one curated source (UCDP GED, ACLED: each event coded once) are never one incident:
# no rule pairs them, so they are neither scored nor trained on (UCDP codes two dyads fighting in one
# town on one day as two events, which EM would otherwise learn as matches)
_NOT_CURATED_TWINS: Final = "NOT (l.curated AND r.curated AND l.source_dataset = r.source_dataset)"


def _apart(rules: list[BlockingRule]) -> tuple[BlockingRule, ...]:
    """`rules`, each also requiring that its pair is not two records of one curated source."""
    return tuple(
        BlockingRule(r.columns, f"({r.when}) AND {_NOT_CURATED_TWINS}" if r.when else _NOT_CURATED_TWINS)
        for r in rules
    )


def _rules() -> tuple[BlockingRule, ...]:
    """Blocking rules (module docstring); a `when` pairs a column of one side with another of the
    other, so each such rule comes with its mirror (Splink keeps l.id < r.id, either way round)."""
    rules: list[BlockingRule] = []
    for where in ("place_skel", "wide_cell", "wide_cell_shifted"):
        rules += [
            BlockingRule((where, "day_start")),
            BlockingRule((where,), "l.day_start + 1 = r.day_start"),
            BlockingRule((where,), "l.day_start = r.day_start + 1"),
            BlockingRule((where,), "l.coarse_month = r.month"),
            BlockingRule((where,), "l.month = r.coarse_month"),
        ]
    for shift in ("", " + 1"):
        rules += [
            BlockingRule((), f"l.coarse_adm1 = r.adm1 AND l.day_start{shift} = r.day_start"),
            BlockingRule((), f"l.adm1 = r.coarse_adm1 AND l.day_start{shift} = r.day_start"),
        ]
        if shift:
            rules += [
                BlockingRule((), f"l.coarse_adm1 = r.adm1 AND l.day_start = r.day_start{shift}"),
                BlockingRule((), f"l.adm1 = r.coarse_adm1 AND l.day_start = r.day_start{shift}"),
            ]
    return _apart(rules)


_M_FLOORS: Final = (
    ("date", 0.002),
    ("distance", 0.002),
    ("place", 0.005),
    ("perpetrators", 0.01),
    ("means", 0.01),
    ("sites", 0.01),
    ("killed", 0.01),
    ("description", 0.01),
)

INCIDENTS_SPEC: Final = LinkageSpec(
    config="incidents",
    blocking_rules=_rules(),
    # EM blocks dense in matches: a block of one place and day alone is not (several strikes a day
    # in a city), and EM then takes "same place and day" for its match class
    training_rules=_apart(
        [
            BlockingRule(("place_skel", "day_start", "killed_lo")),  # distance, means, perpetrators, words
            BlockingRule(("cell", "day_start", "means")),  # place, counts, perpetrators, words
            BlockingRule(("place_skel", "killed_lo", "means", "perpetrators")),  # date, distance, words
            # sources that never share counts or means (video archives against event data) leave the
            # sessions above without pairs; these looser ones always have some
            BlockingRule(("wide_cell", "day_start")),  # place, perpetrators, means, counts, words
            # a week, not a month: a city's month of reports is millions of pairs at a million reports
            BlockingRule(("place_skel", "week")),  # date, distance, words
        ]
    ),
    # a first guess only (it counts strikes of one day in one town as matches): calibrated later
    prior_rules=_apart([BlockingRule(("place_skel", "day_start"))]),
    linkable="true",
    prior_recall=0.8,
    m_floors=_M_FLOORS,
    training_pairs=1e6,  # EM on a random million pairs per session at any size (LinkageSpec)
    # the priors per pair of sources say how sources share incidents; labelled pairs (mostly across
    # sources) would otherwise teach "two sources" as a sign of a match
    unlabelled=("source",),
    prior_by_source_pair=True,
    disagreements=("date", "distance", "place", "perpetrators", "means", "sites", "killed", "description"),
)
