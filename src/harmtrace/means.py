"""Means of attack (airstrike, barrel bomb, shelling, ...): the canonical means harmtrace knows and the
words each source and step uses for them, from the vocabulary file ``vocabularies/means.yaml``.

The file is read and checked once; each user takes its words from `all_means`: the Syrian Archive and
ACLED readers (`harmtrace.ingest`), incident linkage's keyword list (`harmtrace.link.strike_terms`) and
the report simulator (`harmtrace.simulate`, through `simulated_means`).

>>> [name for name, _ in simulated_means()]
['airstrike', 'shelling', 'barrel bomb', 'rocket', 'ground attack']
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Final

from harmtrace.vocabulary import Entry, entries

VOCABULARY: Final = "means"
FIELDS: Final = ("english", "arabic", "syrian_archive", "acled", "simulated")


@dataclass(frozen=True)
class SimulatedWords:
    """How the simulated sources write a means: in Arabic and English descriptions, and the headline
    of the simulated event data ({n} the dead, {who} civilians or people, {town})."""

    arabic: str
    english: str
    headline: str


@dataclass(frozen=True)
class Means:
    """One means of attack and its words (the fields of ``means.yaml``; empty when it has none)."""

    name: str
    english: tuple[str, ...] = ()  # phrases naming it in a report's text (link.strike_terms)
    arabic: tuple[str, ...] = ()
    syrian_archive: tuple[str, str] | None = None  # RE2 patterns: (weapons list, English description)
    acled: tuple[str, ...] = ()  # ACLED sub-event types recorded as it
    simulated: SimulatedWords | None = None


@cache
def all_means() -> tuple[Means, ...]:
    """Every means of the vocabulary, in file order; InputError naming the entry when one is malformed."""
    return tuple(_means(entry) for entry in entries(VOCABULARY, FIELDS))


def simulated_means() -> tuple[tuple[str, SimulatedWords], ...]:
    """(name, words) of the means the simulated sources write, in file order: the simulator's numbering."""
    return tuple((m.name, m.simulated) for m in all_means() if m.simulated is not None)


def _means(entry: Entry) -> Means:
    english, arabic = entry.phrases()
    archive = entry.part("syrian_archive", ("weapons", "description"))
    words = entry.part("simulated", ("arabic", "english", "headline"))
    return Means(
        name=entry.name,
        english=english,
        arabic=arabic,
        syrian_archive=(
            None
            if archive is None
            else (archive.required_text("weapons"), archive.required_text("description"))
        ),
        acled=entry.texts("acled"),
        simulated=(
            None
            if words is None
            else SimulatedWords(*(words.required_text(k) for k in ("arabic", "english", "headline")))
        ),
    )
