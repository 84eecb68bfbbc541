"""Ways of writing each name and place, as flat tables for drawing spellings of many records at once.

A `Spellings` holds, for items 0..n-1 (names, towns ...), every spelling of each item with its weight.
Weights are normalised per item, so the running sum of weights reaches i + 1 at the end of item i:
drawing a spelling of item i is one `searchsorted` of i + u (u uniform in [0, 1)), for a whole array
of items at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np
import pyarrow as pa

from harmtrace.simulate import syrian_names as names
from harmtrace.simulate import syrian_places as places


@dataclass(frozen=True)
class Spellings:
    """Every spelling of items 0..n-1: `texts[start[i]:start[i] + count[i]]` are item i's."""

    texts: pa.Array
    start: np.ndarray
    count: np.ndarray
    cumulative: np.ndarray

    @classmethod
    def build(cls, items: Sequence[Sequence[tuple[str, float]]]) -> Spellings:
        """From, for each item, its (spelling, weight) pairs."""
        count = np.array([len(i) for i in items], dtype=np.int64)
        if (count == 0).any():
            raise ValueError("every item needs at least one spelling")
        start = np.concatenate([[0], np.cumsum(count)[:-1]])
        weights = np.concatenate([np.array([w for _, w in i]) / sum(w for _, w in i) for i in items])
        texts = pa.array([text for i in items for text, _ in i], pa.string())
        return cls(texts, start, count, np.cumsum(weights))

    @classmethod
    def ranked(cls, items: Sequence[Sequence[str]]) -> Spellings:
        """From spellings listed most common first, weighted 1 / rank."""
        return cls.build([[(text, 1.0 / (rank + 1)) for rank, text in enumerate(i)] for i in items])

    def __len__(self) -> int:
        return len(self.count)

    def draw(self, items: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """A spelling (index into `texts`) of each of `items`, drawn by weight."""
        found = np.searchsorted(self.cumulative, items + rng.random(len(items)), side="right")
        # float sums can land a hair outside the item's range: keep it inside
        return np.clip(found, self.start[items], self.start[items] + self.count[items] - 1)

    def habits(self, rng: np.random.Generator) -> np.ndarray:
        """One source's preferred spelling of every item (index into `texts`), drawn by weight."""
        return self.draw(np.arange(len(self)), rng)

    def choose(
        self, items: np.ndarray, habits: np.ndarray, consistency: float, rng: np.random.Generator
    ) -> np.ndarray:
        """The preferred spelling with probability `consistency`, else one drawn by weight."""
        keep = rng.random(len(items)) < consistency
        return np.where(keep, habits[items], self.draw(items, rng))

    def first(self) -> pa.Array:
        """The first (canonical) spelling of every item."""
        return self.texts.take(pa.array(self.start))


@dataclass(frozen=True)
class Lexicon:
    """All spelling tables the simulator draws from.

    Given names: male names are items 0..n_male-1 and female names follow, so a father's name is a
    male given-name item. Family names carry `article` (they take al-) and `sun` (it assimilates).
    """

    n_male: int
    given_latin: Spellings
    given_arabic: Spellings
    family_latin: Spellings
    family_arabic: Spellings
    family_article: np.ndarray
    family_sun: np.ndarray
    family_assimilated: pa.Array
    given_weights: np.ndarray
    family_weights: np.ndarray
    town_latin: Spellings
    town_arabic: Spellings
    town_weights: np.ndarray
    town_adm1: np.ndarray
    town_adm2: np.ndarray
    governorate_latin: Spellings
    governorate_arabic: Spellings
    district_latin: Spellings
    district_arabic: Spellings

    @property
    def n_female(self) -> int:
        return len(self.given_weights) - self.n_male


def assimilated_article(spelling: str, sun: bool) -> str:
    """The article as it sounds before the name: ash-Shami, at-Tayeb, an-Najjar; al-Homsi.

    >>> [assimilated_article(*a) for a in (("Shami", True), ("Zoubi", True), ("Homsi", False))]
    ['ash-', 'az-', 'al-']
    """
    if not sun:
        return "al-"
    initial = spelling[:2].lower()
    return "a" + (initial if initial in ("sh", "th", "dh") else initial[0]) + "-"


def _assimilated(family: Spellings, entries: Sequence[names.NameEntry]) -> pa.Array:
    items = np.repeat(np.arange(len(family)), family.count)
    return pa.array(
        [
            assimilated_article(text, entries[i].sun_letter)
            for text, i in zip(family.texts.to_pylist(), items, strict=True)
        ]
    )


def _family_arabic(entry: names.NameEntry) -> list[tuple[str, float]]:
    """The family name in Arabic script: with its article, and rarely (weight 0.1) without it."""
    if not entry.article:
        return names.arabic_variants(entry.arabic)
    with_article = names.arabic_variants("ال" + entry.arabic)
    return [*with_article, (entry.arabic, 0.1)]


@cache
def lexicon() -> Lexicon:
    """The spelling tables, built once per process from `syrian_names` and `syrian_places`."""
    given = (*names.MALE, *names.FEMALE)
    family = names.FAMILY
    govs, districts, towns = places.GOVERNORATES, places.DISTRICTS, places.TOWNS
    gov_index = {g.pcode: i for i, g in enumerate(govs)}
    district_index = {d.pcode: i for i, d in enumerate(districts)}
    family_latin = Spellings.ranked([e.latin for e in family])
    return Lexicon(
        n_male=len(names.MALE),
        given_latin=Spellings.ranked([e.latin for e in given]),
        given_arabic=Spellings.build([names.arabic_variants(e.arabic) for e in given]),
        family_latin=family_latin,
        family_arabic=Spellings.build([_family_arabic(e) for e in family]),
        family_article=np.array([e.article for e in family]),
        family_sun=np.array([e.sun_letter for e in family]),
        family_assimilated=_assimilated(family_latin, family),
        given_weights=np.array([e.weight for e in given]),
        family_weights=np.array([e.weight for e in family]),
        town_latin=Spellings.ranked([t.english for t in towns]),
        town_arabic=Spellings.build([names.arabic_variants(t.arabic) for t in towns]),
        town_weights=np.array([t.weight for t in towns]),
        town_adm1=np.array([gov_index[t.adm1] for t in towns]),
        town_adm2=np.array([district_index[t.adm2] for t in towns]),
        governorate_latin=Spellings.ranked([g.english for g in govs]),
        governorate_arabic=Spellings.build([names.arabic_variants(g.arabic) for g in govs]),
        district_latin=Spellings.ranked([d.english for d in districts]),
        district_arabic=Spellings.build([[(d.arabic, 1.0)] for d in districts]),
    )
