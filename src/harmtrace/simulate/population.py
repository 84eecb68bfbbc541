"""The simulated dead: who they were, how they were related, when, where and how they were killed.

Everything is drawn for all people at once (numpy), in this order:

1. Families. A share `family_share` of the dead are killed together with relatives: groups of
   2 + Poisson(`family_size_mean` - 2) people sharing a family name, a date, a town and a cause (one
   strike). In a group the father is among the dead with probability 0.35 and the mother with
   probability 0.35; the others are the father's children. The rest die alone (groups of one).
2. Sex and age. Children (under 18) make up `child_share` of all the dead where that is possible:
   three in four of a family's children are under 18 (never older than their father less 16), and
   the share among those who die alone is set to reach the target. Adults who die alone are men with
   probability `single_male_share`, aged 18 + Gamma(2, 11) years (at most 95); fathers are 28-65 and
   mothers up to 8 years younger.
3. Status. Among adult men who die alone, `combatant_share` are combatants; everyone else is civilian.
4. Names (Syrian five-part pattern without the mother): given name, father's name, grandfather's name,
   family name, drawn with the weights of `syrian_names`. Children share their father's given name
   (as their father's name), his father's name and the family name; the eldest son bears his
   grandfather's name with probability 0.3; siblings have different given names. A mother keeps her
   own father's, grandfather's and family name.
5. Date, town and cause. The date is drawn over the conflict period with a yearly intensity (most
   deaths 2012-2016), the town by its weight in `syrian_places`, the cause from one distribution for
   families (strikes), one each for children, adult civilians and combatants who die alone
   (`CAUSE_SHARES`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Final

import numpy as np

from harmtrace.simulate.config import CAUSES, SimulationConfig
from harmtrace.simulate.spellings import Lexicon

FATHER_SHARE: Final = 0.35
MOTHER_SHARE: Final = 0.35
CHILDREN_IN_FAMILY: Final = 0.75
ELDEST_AFTER_GRANDFATHER: Final = 0.3
ROLES: Final = ("alone", "relative", "father", "mother")
# Relative deaths per day by year (years not listed: 0.3); a rough shape, not a statistic.
YEAR_INTENSITY: Final = {2011: 0.4, 2012: 2.2, 2013: 2.4, 2014: 1.8, 2015: 1.5, 2016: 1.4, 2017: 0.9,
                         2018: 0.7, 2019: 0.3}  # fmt: skip
CAUSE_SHARES: Final[dict[str, dict[str, float]]] = {
    "family": {"shelling": 0.42, "airstrike": 0.45, "explosion": 0.06, "chemical": 0.03, "siege": 0.04},
    "child": {"shelling": 0.35, "airstrike": 0.35, "shooting": 0.1, "sniper": 0.06, "explosion": 0.06,
              "siege": 0.05, "chemical": 0.03},
    "civilian": {"shelling": 0.26, "airstrike": 0.22, "shooting": 0.18, "sniper": 0.06, "detention": 0.12,
                 "execution": 0.05, "explosion": 0.05, "siege": 0.04, "chemical": 0.02},
    "combatant": {"clashes": 0.55, "shelling": 0.15, "airstrike": 0.15, "detention": 0.08,
                  "execution": 0.05, "sniper": 0.02},
}  # fmt: skip
EPOCH: Final = date(1970, 1, 1)

Draw = Callable[[int], np.ndarray]  # n -> n name items drawn by weight


@dataclass(frozen=True)
class People:
    """One entry per simulated person (index = person number); names are items of the `Lexicon`.

    `died_on` counts days since 1970-01-01; `role` indexes ROLES, `cause` CAUSES; `sex` is 0 male,
    1 female; `effect` is the person's capture log-odds effect before scaling (standard normal).
    """

    family_id: np.ndarray
    role: np.ndarray
    sex: np.ndarray
    age: np.ndarray
    combatant: np.ndarray
    given: np.ndarray
    father: np.ndarray
    grandfather: np.ndarray
    family: np.ndarray
    died_on: np.ndarray
    town: np.ndarray
    cause: np.ndarray
    effect: np.ndarray

    def __len__(self) -> int:
        return len(self.family_id)


@dataclass(frozen=True)
class Groups:
    """Who dies with whom: group of each person, position in it, group sizes, role of each person."""

    of: np.ndarray
    position: np.ndarray
    size: np.ndarray
    role: np.ndarray


def simulate_people(config: SimulationConfig, lex: Lexicon, rng: np.random.Generator) -> People:
    groups = family_groups(config, rng)
    sex, age, combatant = sex_age_status(config, groups, rng)
    given, father, grandfather, family = family_names(groups, sex, lex, rng)
    n_groups = len(groups.size)
    died_on = death_days(config, n_groups, rng)[groups.of]
    town = rng.choice(len(lex.town_weights), n_groups, p=lex.town_weights / lex.town_weights.sum())
    rho = config.family_correlation
    effect = np.sqrt(rho) * rng.standard_normal(n_groups)[groups.of] + np.sqrt(1 - rho) * rng.standard_normal(
        len(groups.of)
    )
    return People(
        family_id=groups.of,
        role=groups.role,
        sex=sex,
        age=age,
        combatant=combatant,
        given=given,
        father=father,
        grandfather=grandfather,
        family=family,
        died_on=died_on,
        town=town[groups.of],
        cause=causes(groups, age, combatant, rng),
        effect=effect,
    )


def family_groups(config: SimulationConfig, rng: np.random.Generator) -> Groups:
    """Groups of people killed together, cut to exactly `config.people` people."""
    n, share, mean = config.people, config.family_share, config.family_size_mean
    families = share / (mean * (1 - share) + share)  # share of groups that are families
    expected = n / ((1 - families) + families * mean)
    size = np.zeros(0, dtype=np.int64)
    while size.sum() < n:
        more = int(expected * 1.2) + 20
        size = np.concatenate(
            [size, np.where(rng.random(more) < families, 2 + rng.poisson(mean - 2, more), 1)]
        )
    ends = np.cumsum(size)
    n_groups = int(np.searchsorted(ends, n)) + 1
    size = size[:n_groups].copy()
    size[-1] -= ends[n_groups - 1] - n
    of = np.repeat(np.arange(n_groups), size)
    position = np.arange(n) - (np.cumsum(size) - size)[of]
    return Groups(of, position, size, _roles(size, of, position, rng))


def _roles(size: np.ndarray, of: np.ndarray, position: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    has_father = (size >= 2) & (rng.random(len(size)) < FATHER_SHARE)
    has_mother = (size >= 2 + has_father) & (rng.random(len(size)) < MOTHER_SHARE)
    role = np.where(size[of] == 1, 0, 1)
    role = np.where(has_father[of] & (position == 0), 2, role)
    return np.where(has_mother[of] & (position == has_father[of]), 3, role).astype(np.int8)


def sex_age_status(
    config: SimulationConfig, groups: Groups, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    n, role = len(groups.of), groups.role
    father_age = rng.integers(28, 66, len(groups.size))[groups.of]
    oldest_child = father_age - 16
    kid = (rng.random(n) < CHILDREN_IN_FAMILY) | (oldest_child < 18)
    relative_age = np.where(
        kid,
        (rng.random(n) * np.minimum(18, oldest_child + 1)).astype(np.int64),
        18 + (rng.random(n) * np.maximum(1, oldest_child - 17)).astype(np.int64),
    )
    alone = role == 0
    children_among_relatives = int(((role == 1) & kid).sum())
    wanted = config.child_share * n - children_among_relatives
    child_alone = rng.random(n) < np.clip(wanted / max(1, int(alone.sum())), 0, 1)
    adult_age = np.minimum(95, 18 + rng.gamma(2.0, 11.0, n).astype(np.int64))
    alone_age = np.where(child_alone, rng.integers(0, 18, n), adult_age)
    mother_age = np.maximum(18, father_age - rng.integers(0, 9, n))
    age = np.select([role == 0, role == 1, role == 2], [alone_age, relative_age, father_age], mother_age)
    alone_male = np.where(age < 18, 0.6, config.single_male_share)
    male_share = np.select([role == 0, role == 1, role == 2], [alone_male, 0.5, 1.0], 0.0)
    sex = (rng.random(n) >= male_share).astype(np.int8)
    combatant = alone & (age >= 18) & (sex == 0) & (rng.random(n) < config.combatant_share)
    return sex, age.astype(np.int16), combatant


def family_names(
    groups: Groups, sex: np.ndarray, lex: Lexicon, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(given, father, grandfather, family) name items of every person."""
    n, n_groups, of, role = len(groups.of), len(groups.size), groups.of, groups.role
    male = _drawer(lex.given_weights[: lex.n_male], 0, rng)
    female = _drawer(lex.given_weights[lex.n_male :], lex.n_male, rng)
    surname = _drawer(lex.family_weights, 0, rng)
    father_of, grandfather_of, great_of, family_of = (
        male(n_groups),
        male(n_groups),
        male(n_groups),
        surname(n_groups),
    )
    given = np.where(sex == 0, male(n), female(n))
    eldest = (role == 1) & (sex == 0) & (groups.position == _first_child(groups)[of])
    given = np.where(eldest & (rng.random(n) < ELDEST_AFTER_GRANDFATHER), grandfather_of[of], given)
    is_father, is_mother = role == 2, role == 3
    given = np.where(is_father, father_of[of], given)
    given = _distinct_siblings(groups, sex, given, male, female)
    father = np.select([is_father, is_mother], [grandfather_of[of], male(n)], father_of[of])
    grandfather = np.select([is_father, is_mother], [great_of[of], male(n)], grandfather_of[of])
    family = np.where(is_mother, surname(n), family_of[of])
    return given, father, grandfather, family


def _drawer(weights: np.ndarray, offset: int, rng: np.random.Generator) -> Draw:
    p = weights / weights.sum()
    return lambda size: offset + rng.choice(len(p), size, p=p)


def _first_child(groups: Groups) -> np.ndarray:
    """Position of the first child in each group (after the father and the mother, if they died)."""
    parents = np.bincount(groups.of, weights=groups.role >= 2, minlength=len(groups.size))
    return parents.astype(np.int64)


def _distinct_siblings(
    groups: Groups, sex: np.ndarray, given: np.ndarray, male: Draw, female: Draw
) -> np.ndarray:
    """Redraw a child's given name that a brother, sister or the father already bears (a few rounds)."""
    in_family = (groups.role == 1) | (groups.role == 2)
    for _ in range(6):
        members = np.flatnonzero(in_family)
        order = members[np.lexsort((groups.role[members] == 1, given[members], groups.of[members]))]
        same = (groups.of[order][1:] == groups.of[order][:-1]) & (given[order][1:] == given[order][:-1])
        redo = order[1:][same]
        redo = redo[groups.role[redo] == 1]
        if len(redo) == 0:
            break
        given[redo] = np.where(sex[redo] == 0, male(len(redo)), female(len(redo)))
    return given


def death_days(config: SimulationConfig, n: int, rng: np.random.Generator) -> np.ndarray:
    """Days since 1970-01-01, drawn over the period with `YEAR_INTENSITY`."""
    first = (config.period_start - EPOCH).days
    days = np.arange(first, (config.period_end - EPOCH).days + 1)
    years = days.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970
    weight = np.array([YEAR_INTENSITY.get(int(y), 0.3) for y in range(1970, int(years.max()) + 1)])[
        years - 1970
    ]
    return rng.choice(days, n, p=weight / weight.sum()).astype(np.int32)


def causes(groups: Groups, age: np.ndarray, combatant: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Cause index (into CAUSES) per person; a family shares the cause of its strike."""
    n = len(groups.of)

    def draw(kind: str, size: int) -> np.ndarray:
        shares = CAUSE_SHARES[kind]
        p = np.array([shares.get(c, 0.0) for c in CAUSES])
        return rng.choice(len(CAUSES), size, p=p / p.sum())

    family = draw("family", len(groups.size))[groups.of]
    alone = np.select([combatant, age < 18], [draw("combatant", n), draw("child", n)], draw("civilian", n))
    return np.where(groups.role == 0, alone, family).astype(np.int8)
