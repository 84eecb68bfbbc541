"""Capture histories with known truth: how many people exist, and how lists depend on each other.

For testing multiple systems estimation and for learning what breaks it. Each of ``n`` people belongs to a
latent class c (``heterogeneity``: weights and per-list capture probabilities; default one class with
``capture_probs``) and is on list j with probability

    P(on j) = logistic(logit(p[c, j]) + sum_{a < j} log(odds_ratio[a, j]) * [on a])

so a pair (a, j) in ``dependence`` with odds ratio r > 1 makes people on a likelier to be on j
(positive dependence: lists sharing informants), r < 1 less likely (negative: lists dividing the
work). Lists are drawn in order, so a pair's first list is the one depended on. Classes alone make
lists positively dependent overall (heterogeneity), even with no pair given.

Only people on at least one list are returned (the others are, by definition, unobserved); the truth
says how many there were.

>>> h, truth = simulate_captures(1000, lists=3, capture_probs=0.3, seed=1)
>>> h.shape[1], truth["population"], truth["observed"] == len(h)
(3, 1000, True)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from harmtrace.errors import QueryError

Probs = float | Sequence[float]


def simulate_captures(
    n: int,
    lists: int = 3,
    capture_probs: Probs = 0.3,
    heterogeneity: Sequence[tuple[float, Probs]] | None = None,
    dependence: Mapping[tuple[int, int], float] | None = None,
    seed: int | None = None,
) -> tuple[npt.NDArray[np.uint8], dict[str, Any]]:
    """(histories, truth): an (observed, lists) 0/1 array and the truth behind it.

    ``capture_probs``: one probability for every list or one per list. ``heterogeneity``: latent
    classes as (weight, probabilities) pairs, weights summing to 1; replaces ``capture_probs``.
    ``dependence``: {(a, b): odds ratio} for 0-based lists a < b. ``seed``: same seed, same people.
    """
    classes = class_table(lists, capture_probs, heterogeneity)
    log_or = dependence_matrix(lists, dependence or {})
    rng = np.random.default_rng(seed)
    weights = np.array([w for w, _ in classes])
    member = rng.choice(len(classes), size=n, p=weights / weights.sum())
    base = logit(np.array([p for _, p in classes]))[member]  # (n, lists)
    on = np.zeros((n, lists), dtype=np.uint8)
    for j in range(lists):
        shift = on[:, :j].astype(np.float64) @ log_or[:j, j]
        on[:, j] = rng.random(n) < 1 / (1 + np.exp(-(base[:, j] + shift)))
    seen = on.any(axis=1)
    truth = {
        "population": n,
        "observed": int(seen.sum()),
        "unobserved": int(n - seen.sum()),
        "lists": lists,
        "classes": [{"weight": float(w), "capture_probs": [float(x) for x in p]} for w, p in classes],
        "dependence": [
            {"lists": [a, b], "odds_ratio": float(r)} for (a, b), r in sorted((dependence or {}).items())
        ],
        "class_sizes": np.bincount(member, minlength=len(classes)).tolist(),
        "seed": seed,
    }
    return on[seen], truth


def class_table(
    lists: int, capture_probs: Probs, heterogeneity: Sequence[tuple[float, Probs]] | None
) -> list[tuple[float, npt.NDArray[np.float64]]]:
    """Latent classes as (weight, per-list probabilities), checked."""
    if lists < 2:
        raise QueryError(f"simulate captures: {lists} list(s); give at least 2.")
    given = heterogeneity if heterogeneity is not None else [(1.0, capture_probs)]
    classes = []
    for weight, probs in given:
        p = np.broadcast_to(np.asarray(probs, dtype=np.float64), (lists,)).copy()
        if not ((p > 0) & (p < 1)).all() or weight <= 0:
            raise QueryError(
                f"simulate captures: class weight {weight} must be > 0 and probabilities "
                f"in (0, 1), got {p.tolist()}."
            )
        classes.append((float(weight), p))
    return classes


def dependence_matrix(lists: int, dependence: Mapping[tuple[int, int], float]) -> npt.NDArray[np.float64]:
    """(lists, lists) log odds ratios, entry [a, b] for a < b."""
    m = np.zeros((lists, lists))
    for (a, b), ratio in dependence.items():
        if not 0 <= a < b < lists or ratio <= 0:
            raise QueryError(
                f"simulate captures: dependence {(a, b)}: {ratio} needs 0 <= a < b < {lists} "
                "and an odds ratio > 0."
            )
        m[a, b] = np.log(ratio)
    return m


def logit(p: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """log(p / (1 - p))."""
    return np.asarray(np.log(p / (1 - p)), dtype=np.float64)
