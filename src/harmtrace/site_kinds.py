"""Kinds of protected site (hospital, school, market, ...): the kinds harmtrace knows and the words each
source and step uses for them, from the vocabulary file ``vocabularies/site_kinds.yaml``.

The file is read and checked once; each user takes its words from `all_kinds`: the Syrian Archive
reader (`harmtrace.ingest.syrian_archive`), incident linkage's keyword list
(`harmtrace.link.strike_terms`) and the report simulator (`harmtrace.simulate.reports`, through
`simulated_site`). `suggested` are the kinds the command line suggests for a file of sites
(`harmtrace.choices.SITE_KINDS` is its copy).

>>> simulated_site("displacement camp")
SimulatedSite(english='camp for displaced people', arabic='مخيم للنازحين')
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Final

from harmtrace.errors import InputError
from harmtrace.vocabulary import Entry, entries, listed, path_of

VOCABULARY: Final = "site_kinds"
FIELDS: Final = ("english", "arabic", "syrian_archive", "simulated")


@dataclass(frozen=True)
class SimulatedSite:
    """How the simulated sources write a kind of site, in English and Arabic descriptions."""

    english: str
    arabic: str


@dataclass(frozen=True)
class SiteKind:
    """One kind of site and its words (the fields of ``site_kinds.yaml``; empty when it has none)."""

    name: str
    english: tuple[str, ...] = ()  # phrases naming it in a report's text (link.strike_terms)
    arabic: tuple[str, ...] = ()
    syrian_archive: str | None = None  # RE2 pattern in a video's English description
    simulated: SimulatedSite | None = None


@cache
def all_kinds() -> tuple[SiteKind, ...]:
    """Every kind of the vocabulary's ``kinds``, in file order; InputError naming the entry when one is
    malformed."""
    return tuple(_kind(entry) for entry in entries(VOCABULARY, FIELDS, section="kinds"))


def suggested() -> tuple[str, ...]:
    """The kinds the command line suggests for a file of sites (the vocabulary's ``suggested``)."""
    return listed(VOCABULARY, "suggested")


def simulated_site(name: str) -> SimulatedSite:
    """How the simulated sources write the kind `name`; InputError when the vocabulary gives no words."""
    for kind in all_kinds():
        if kind.name == name and kind.simulated is not None:
            return kind.simulated
    raise InputError(f"Vocabulary file {path_of(VOCABULARY)}: kind {name!r} has no simulated words.")


def _kind(entry: Entry) -> SiteKind:
    english, arabic = entry.phrases()
    words = entry.part("simulated", ("english", "arabic"))
    return SiteKind(
        name=entry.name,
        english=english,
        arabic=arabic,
        syrian_archive=entry.text("syrian_archive"),
        simulated=(
            None
            if words is None
            else SimulatedSite(words.required_text("english"), words.required_text("arabic"))
        ),
    )
