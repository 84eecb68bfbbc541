"""Which sources list which people: coverage by source and governorate, heterogeneity, dependence.

Person i is on source s with probability

    P(i on s) = logistic(a[s, g(i)] + heterogeneity * e(i) + dependence(s) * [i on depends_on(s)])

where g(i) is the governorate of death, e(i) a standard-normal visibility shared by all sources
(correlated within a family by `family_correlation`), and `dependence` raises (or, negative, lowers)
the odds of being listed by s for those already listed by the source it depends on. Nobody dying
outside a source's period is on it.

The target probability of each source and governorate is `coverage_by_governorate[g]` where given,
else logistic(logit(coverage) + shift + regional_spread * z[s, g]) with z standard normal and `shift`
chosen so that the population-weighted mean over governorates is `coverage`. The intercepts
a[s, g] are then solved (Gauss-Hermite quadrature over e, bisection) so that the marginal probability
of a person of governorate g being on s is exactly that target, whatever the heterogeneity and
dependence: the configured coverage is what a user gets, and MSE assumptions are what they test.
(The solve assumes the source depended on covers the same period.)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np

from harmtrace.simulate.config import SimulationConfig, SourceStyle
from harmtrace.simulate.population import EPOCH, People
from harmtrace.simulate.spellings import Lexicon
from harmtrace.simulate.syrian_places import GOVERNORATES

_NODES, _WEIGHTS = np.polynomial.hermite_e.hermegauss(48)
_WEIGHTS = _WEIGHTS / _WEIGHTS.sum()
BISECTION_STEPS: Final = 80


@dataclass(frozen=True)
class Captures:
    """`listed[s, i]`: person i is on source s; `target[s, g]`: the configured probability per governorate."""

    listed: np.ndarray
    target: np.ndarray


def expit(x: np.ndarray) -> np.ndarray:
    return np.asarray(1.0 / (1.0 + np.exp(-x)))


def logit(p: np.ndarray | float) -> np.ndarray:
    q = np.asarray(p, dtype=np.float64)
    return np.asarray(np.log(q / (1 - q)))


def capture(config: SimulationConfig, people: People, lex: Lexicon, seed: int) -> Captures:
    """Draw every source's list from the people (one random stream per source)."""
    governorate = lex.town_adm1[people.town]
    n_gov = len(lex.governorate_latin)
    share = np.bincount(governorate, minlength=n_gov) / len(people)
    names = [s.name for s in config.sources]
    listed = np.zeros((len(config.sources), len(people)), dtype=bool)
    target = np.zeros((len(config.sources), n_gov))
    at_nodes: list[np.ndarray] = []  # P(on s | e = node) per governorate: needed by dependent sources
    for s, style in enumerate(config.sources):
        rng = np.random.default_rng([seed, 2, s])
        target[s] = governorate_targets(style, share, rng)
        parent = names.index(style.depends_on) if style.depends_on else None
        parent_nodes = at_nodes[parent] if parent is not None else None
        intercept = solve_intercepts(target[s], config.heterogeneity, style.dependence, parent_nodes)
        at_nodes.append(_at_nodes(intercept, config.heterogeneity, style.dependence, parent_nodes))
        odds = intercept[governorate] + config.heterogeneity * people.effect
        if parent is not None:
            odds = odds + style.dependence * listed[parent]
        listed[s] = (rng.random(len(people)) < expit(odds)) & in_period(style, people.died_on)
    return Captures(listed, target)


def governorate_targets(style: SourceStyle, share: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The probability of being listed per governorate (see the module docstring)."""
    z = rng.standard_normal(len(share)) * style.regional_spread
    fixed = np.array([style.coverage_by_governorate.get(g.pcode, np.nan) for g in GOVERNORATES])
    free = np.isnan(fixed)
    wanted = style.coverage - np.nansum(np.where(free, 0, fixed) * share)
    if not free.any() or share[free].sum() == 0:
        return np.where(free, style.coverage, fixed)
    low, high = np.full(1, -30.0), np.full(1, 30.0)
    for _ in range(BISECTION_STEPS):
        mid = (low + high) / 2
        mean = (expit(logit(style.coverage) + mid + z) * share * free).sum()
        low, high = np.where(mean < wanted, mid, low), np.where(mean < wanted, high, mid)
    return np.where(free, expit(logit(style.coverage) + (low + high) / 2 + z), fixed)


def solve_intercepts(
    target: np.ndarray, sigma: float, dependence: float, parent_nodes: np.ndarray | None
) -> np.ndarray:
    """Intercepts a[g] with E_e[P(on s | e)] = target[g], by bisection for all governorates at once."""
    low, high = np.full(len(target), -40.0), np.full(len(target), 40.0)
    for _ in range(BISECTION_STEPS):
        mid = (low + high) / 2
        mean = _at_nodes(mid, sigma, dependence, parent_nodes) @ _WEIGHTS
        low, high = np.where(mean < target, mid, low), np.where(mean < target, high, mid)
    return np.asarray((low + high) / 2)


def _at_nodes(
    intercept: np.ndarray, sigma: float, dependence: float, parent_nodes: np.ndarray | None
) -> np.ndarray:
    """P(on s | e = node), governorates x quadrature nodes."""
    odds = intercept[:, None] + sigma * _NODES[None, :]
    if parent_nodes is None:
        return expit(odds)
    return np.asarray(parent_nodes * expit(odds + dependence) + (1 - parent_nodes) * expit(odds))


def in_period(style: SourceStyle, died_on: np.ndarray) -> np.ndarray:
    start = (style.period_start - EPOCH).days if style.period_start else np.iinfo(np.int32).min
    end = (style.period_end - EPOCH).days if style.period_end else np.iinfo(np.int32).max
    return (died_on >= start) & (died_on <= end)
