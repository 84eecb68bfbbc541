"""Name classes real lists have and the default simulation leaves out: who they concern, drawn per person.

Everything here draws from random streams of its own (`seed` with 7 or 8), so a simulation whose
name-class settings are all off is byte for byte the one written before they existed, and turning one
on changes nothing else that was drawn.

- **Mass-casualty town-days** (`SimulationConfig.mass_casualty_share`): that share of the dead, whole
  family groups and people who died alone taken at random, is gathered into town-days of at least
  `MASS_CASUALTY_MIN` dead (20 + an exponential number, mean `mass_casualty_size_mean`): each such day
  gets one town (by the towns' weights), one date (the yearly intensity) and one cause (a strike's). Of
  those who died alone there, half (`CLAN_SHARE`) bear the family name of one of the day's clans (one
  clan per 8 dead, at least 2), and their given names are drawn with the common names
  (`COMMON_WEIGHT`: Mohammad, Ahmad, Ali, Hassan, Fatima ...) weighted `common_name_boost` times.
- **Relatives** (`relatives`): the husband of every adult woman and the eldest son of every woman, as
  name items, so that a list writing "Wife of ..." or "Umm ..." names the same man in every list. A
  mother killed with her family has her husband's names (the children's father line) and her eldest
  son among the dead; everyone else's are drawn.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Final

import numpy as np

from harmtrace.simulate.config import CAUSES, MASS_CASUALTY_MIN, SimulationConfig
from harmtrace.simulate.population import CAUSE_SHARES, People, death_days
from harmtrace.simulate.spellings import Lexicon

# The classes of `record_classes.csv`, in the order its rows are written.
CLASSES: Final = ("transliteration", "dropped_part", "relational", "unidentified", "mass_casualty_common",
                  "plain")  # fmt: skip
# Given names this common (weight in syrian_names) are the "common" ones of mass_casualty_common.
COMMON_WEIGHT: Final = 10.0
CLAN_SHARE: Final = 0.5
DEAD_PER_CLAN: Final = 8
ROLE_RELATIVE, ROLE_FATHER, ROLE_MOTHER = 1, 2, 3


def common_given(lex: Lexicon) -> np.ndarray:
    """Per given-name item: is it one of the common names?"""
    return lex.given_weights >= COMMON_WEIGHT


def mass_casualty_days(config: SimulationConfig, people: People, lex: Lexicon) -> tuple[People, np.ndarray]:
    """People with a share gathered into mass-casualty town-days, and each person's day (-1: none)."""
    day_of = np.full(len(people), -1, dtype=np.int64)
    if config.mass_casualty_share == 0:
        return people, day_of
    rng = np.random.default_rng([config.seed, 7])
    day_of = _group_days(config, people.family_id, rng)[people.family_id]
    if not (day_of >= 0).any():
        return people, day_of
    n_days = int(day_of.max()) + 1
    town = rng.choice(len(lex.town_weights), n_days, p=lex.town_weights / lex.town_weights.sum())
    shares = CAUSE_SHARES["family"]
    p = np.array([shares.get(c, 0.0) for c in CAUSES])
    cause = rng.choice(len(CAUSES), n_days, p=p / p.sum())
    on = day_of >= 0
    moved = replace(
        people,
        died_on=np.where(on, death_days(config, n_days, rng)[day_of], people.died_on).astype(np.int32),
        town=np.where(on, town[day_of], people.town),
        cause=np.where(on, cause[day_of], people.cause).astype(np.int8),
    )
    return _named_alike(config, moved, day_of, lex, rng), day_of


def _group_days(config: SimulationConfig, family_id: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Per family group: the mass-casualty day it died on (-1: none), groups taken in random order."""
    sizes = np.bincount(family_id)
    order = rng.permutation(len(sizes))
    ends = np.cumsum(sizes[order])
    wanted = config.mass_casualty_share * len(family_id)
    chosen = order[: int(np.searchsorted(ends, wanted)) + 1] if wanted >= MASS_CASUALTY_MIN else order[:0]
    day_sizes = MASS_CASUALTY_MIN + np.round(
        rng.exponential(config.mass_casualty_size_mean - MASS_CASUALTY_MIN, len(chosen) + 1)
    )
    day = _fill_days(sizes[chosen], day_sizes)
    group_day = np.full(len(sizes), -1, dtype=np.int64)
    group_day[chosen] = day
    return group_day


def _fill_days(sizes: np.ndarray, day_sizes: np.ndarray) -> np.ndarray:
    """Groups (of `sizes` dead) to days, each day filled until it holds its size; a last day left
    short of MASS_CASUALTY_MIN joins the one before."""
    day = np.empty(len(sizes), dtype=np.int64)
    current, filled = 0, 0
    for i, size in enumerate(sizes.tolist()):
        day[i] = current
        filled += size
        if filled >= day_sizes[current]:
            current, filled = current + 1, 0
    if 0 < filled < MASS_CASUALTY_MIN and current > 0:
        day[day == current] = current - 1
    return day


def _named_alike(
    config: SimulationConfig, people: People, day_of: np.ndarray, lex: Lexicon, rng: np.random.Generator
) -> People:
    """Those who died alone on a mass-casualty day: clan family names, common given names favoured."""
    alone = (day_of >= 0) & (people.role == 0)
    n_days = int(day_of.max()) + 1
    dead = np.bincount(day_of[day_of >= 0], minlength=n_days)
    clans = np.maximum(2, dead // DEAD_PER_CLAN)
    family_p = lex.family_weights / lex.family_weights.sum()
    clan_names = rng.choice(len(family_p), (n_days, int(clans.max())), p=family_p)
    pick = (rng.random(len(people)) * clans[np.maximum(day_of, 0)]).astype(np.int64)
    in_clan = alone & (rng.random(len(people)) < CLAN_SHARE)
    family = np.where(in_clan, clan_names[np.maximum(day_of, 0), pick], people.family)
    boosted = lex.given_weights * np.where(common_given(lex), config.common_name_boost, 1.0)
    male = _draw(boosted[: lex.n_male], 0, len(people), rng)
    female = _draw(boosted[lex.n_male :], lex.n_male, len(people), rng)
    given = np.where(alone, np.where(people.sex == 0, male, female), people.given)
    return replace(people, family=family, given=given)


def _draw(weights: np.ndarray, offset: int, n: int, rng: np.random.Generator) -> np.ndarray:
    return offset + rng.choice(len(weights), n, p=weights / weights.sum())


@dataclass(frozen=True)
class Relatives:
    """Per person, as name items: the husband's given, father's and family name, the eldest son's
    given name (drawn for everyone; used for adult women)."""

    husband_given: np.ndarray
    husband_father: np.ndarray
    husband_family: np.ndarray
    son_given: np.ndarray


def relatives(people: People, lex: Lexicon, seed: int) -> Relatives:
    """Every woman's husband and eldest son: a mother killed with her family has its father's line and
    its eldest son killed with her; the others' are drawn (a stream of their own)."""
    rng = np.random.default_rng([seed, 8])
    n = len(people)
    male = lex.given_weights[: lex.n_male]
    drawn = Relatives(
        husband_given=_draw(male, 0, n, rng),
        husband_father=_draw(male, 0, n, rng),
        husband_family=_draw(lex.family_weights, 0, n, rng),
        son_given=_draw(male, 0, n, rng),
    )
    line = _father_line(people)
    son = _eldest_son(people)
    mother = people.role == ROLE_MOTHER
    group = people.family_id
    known = mother & (line[0][group] >= 0)
    has_son = mother & (son[group] >= 0)
    return Relatives(
        husband_given=np.where(known, line[0][group], drawn.husband_given),
        husband_father=np.where(known, line[1][group], drawn.husband_father),
        husband_family=np.where(known, line[2][group], drawn.husband_family),
        son_given=np.where(has_son, son[group], drawn.son_given),
    )


def _father_line(people: People) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per family group: the father's given, father's and family name (-1 where unknown)."""
    n_groups = int(people.family_id.max()) + 1
    line = [np.full(n_groups, -1, dtype=np.int64) for _ in range(3)]
    child = people.role == ROLE_RELATIVE
    father = people.role == ROLE_FATHER
    for member, parts in ((child, (people.father, people.grandfather, people.family)),
                          (father, (people.given, people.father, people.family))):  # fmt: skip
        for target, part in zip(line, parts, strict=True):
            target[people.family_id[member]] = part[member]
    return line[0], line[1], line[2]


def _eldest_son(people: People) -> np.ndarray:
    """Per family group: the given name of the oldest son killed with it (-1: none)."""
    n_groups = int(people.family_id.max()) + 1
    son = np.flatnonzero((people.role == ROLE_RELATIVE) & (people.sex == 0))
    son = son[np.argsort(people.age[son], kind="stable")]  # the oldest written last wins
    eldest = np.full(n_groups, -1, dtype=np.int64)
    eldest[people.family_id[son]] = people.given[son]
    return eldest
