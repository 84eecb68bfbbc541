"""Files of `harmtrace simulate captures`: capture histories with their known truth, optionally as
victim lists that go through ingest and linkage.

Two ways to make the people (both seeded, so one seed gives the same files):

- `capture_files` (default): `harmtrace.simulate.captures.simulate_captures`: N people, K lists, a
  capture probability per list, latent classes (heterogeneity) and odds ratios between lists
  (dependence). Only capture histories exist: no names, dates or places.
- `victim_files` (``--victim-lists``): `harmtrace.simulate.simulate_victims` with N people and K
  lists: the lists are written as victim lists (names in Arabic and Latin script, dates, places) with
  their ingest mappings, so the whole pipeline (ingest, link victims, estimate) can be checked against
  the truth. Its model: coverage per list, a person-level heterogeneity (sd of capture log-odds
  shared by every list) and one list depending on another by an odds ratio.

Either way the folder gets ``captures.csv``, one row per capture pattern observed (a 0/1 column per
list, then ``count``: the people with that pattern; people on no list are not in it, as in real data)
and ``truth.json``: the population size, the people observed and unobserved, and the model.
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from harmtrace.errors import QueryError, param
from harmtrace.simulate.captures import simulate_captures

CAPTURES_CSV = "captures.csv"
TRUTH_JSON = "truth.json"


def list_names(k: int) -> list[str]:
    """Names of K simulated lists: list_1 .. list_K (captures) as the CSV headers them."""
    return [f"list_{i + 1}" for i in range(k)]


def write_histories(
    folder: Path, histories: npt.ArrayLike, lists: Sequence[str], truth: dict[str, Any]
) -> dict[str, Any]:
    """captures.csv (patterns with counts) and truth.json in `folder`; returns what was written."""
    folder.mkdir(parents=True, exist_ok=True)
    h = np.asarray(histories).astype(np.int64)
    patterns, counts = np.unique(h, axis=0, return_counts=True)
    order = np.lexsort(patterns.T[::-1])[::-1]  # "111" first, as Rcapture prints them
    with (folder / CAPTURES_CSV).open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow([*lists, "count"])
        for i in order:
            writer.writerow([*patterns[i].tolist(), int(counts[i])])
    (folder / TRUTH_JSON).write_text(json.dumps(truth, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return {
        "folder": str(folder),
        "captures": str(folder / CAPTURES_CSV),
        "truth_file": str(folder / TRUTH_JSON),
        "truth": truth,
        "patterns": len(order),
    }


def capture_files(
    folder: Path,
    n: int,
    lists: int,
    capture: Sequence[float],
    classes: Sequence[tuple[float, Sequence[float]]] | None,
    dependence: Mapping[tuple[int, int], float],
    seed: int,
) -> dict[str, Any]:
    """Capture histories from the latent-class model (module docstring); 0-based list pairs."""
    probs = capture[0] if len(capture) == 1 else list(capture)
    histories, truth = simulate_captures(n, lists, probs, classes, dependence, seed)
    names = list_names(lists)
    truth = {"model": "captures", "list_names": names, **truth}
    return write_histories(folder, histories, names, truth)


def victim_files(
    folder: Path,
    n: int,
    lists: int,
    capture: Sequence[float],  # empty: the presets' coverage
    heterogeneity_sd: float | None,
    dependence: Mapping[tuple[int, int], float],
    seed: int,
) -> dict[str, Any]:
    """Victim lists (CSV + mapping each), truth.csv and people.csv from the victims simulator, plus
    captures.csv and truth.json from the same people."""
    from harmtrace.simulate import default_config, simulate_victims
    from harmtrace.simulate.config import build_config

    data = default_config(people=n, sources=lists, seed=seed).model_dump()
    if heterogeneity_sd is not None:
        data["heterogeneity"] = heterogeneity_sd
    _apply(data["sources"], capture, dependence)
    sim = simulate_victims(build_config(data))
    written = sim.write(folder)
    names = [s.name for s in sim.config.sources]
    listed = sim.capture_histories()
    truth = {
        "model": "victims",
        "population": n,
        "observed": int(listed.any(axis=1).sum()),
        "unobserved": int(n - listed.any(axis=1).sum()),
        "lists": lists,
        "list_names": names,
        "coverage": [s.coverage for s in sim.config.sources],
        "heterogeneity_sd": sim.config.heterogeneity,
        "dependence": [
            {"lists": [names.index(s.depends_on), i], "odds_ratio": math.exp(s.dependence)}
            for i, s in enumerate(sim.config.sources)
            if s.depends_on
        ],
        "seed": seed,
        "victim_lists": {name: str(path) for name, path in written.lists.items()},
        "mappings": {name: str(path) for name, path in written.mappings.items()},
        "record_truth": str(written.truth),
    }
    return write_histories(folder, listed[listed.any(axis=1)], names, truth) | {"sources": sim.summary()}


def _apply(
    sources: list[dict[str, Any]], capture: Sequence[float], dependence: Mapping[tuple[int, int], float]
) -> None:
    """Coverage and dependence (0-based pairs (a, b): b depends on a by an odds ratio) on the styles."""
    if len(capture) not in (0, 1, len(sources)):
        raise QueryError(
            f"{param('capture')}: {len(capture)} values for {len(sources)} lists; give 1 or {len(sources)}."
        )
    for i, source in enumerate(sources):
        if capture:  # else the presets' coverage
            source["coverage"] = capture[0] if len(capture) == 1 else capture[i]
    seen: set[int] = set()
    for (a, b), ratio in dependence.items():
        if b in seen:
            raise QueryError(
                f"{param('dependence')}: with {param('victim_lists')} "
                f"a list depends on one other list at most (list {b + 1} twice)."
            )
        seen.add(b)
        sources[b]["depends_on"], sources[b]["dependence"] = sources[a]["name"], math.log(ratio)
