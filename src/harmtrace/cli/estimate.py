"""`harmtrace estimate`: how many people no list recorded (multiple systems estimation)."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from harmtrace.analyse.window import resolve_window, window_problems
from harmtrace.choices import CRITERIA, STRATA
from harmtrace.choices import ESTIMATE_METHODS as METHODS
from harmtrace.cli.base import (
    Day,
    db_option,
    emit,
    json_option,
    main,
    store_for,
    window_options,
)
from harmtrace.cli.progress import shown
from harmtrace.display import table
from harmtrace.errors import InputError, QueryError

if TYPE_CHECKING:
    import numpy as np

    from harmtrace.analyse.mse.validity import Coverage

MODELS_SHOWN = 6  # neighbouring log-linear models listed under the chosen one, as Rcapture prints them


@main.command(
    epilog="Example:\n\n\b\n  harmtrace estimate\n"
    "  harmtrace estimate --strata year --method lcmcr --seed 1\n"
    "  harmtrace estimate --sources list_a,list_b,list_c --from 2012-01-01 --to 2015-12-31 --json\n"
    "  harmtrace estimate --linkage-draws 20\n  harmtrace estimate --histories sim/captures.csv"
)
@click.option(
    "--strata",
    multiple=True,
    type=click.Choice(STRATA),
    help="Estimate per governorate, year or sex (repeat to cross them).",
)
@click.option(
    "--method",
    type=click.Choice(METHODS),
    default="loglinear",
    show_default=True,
    help="Log-linear models (Rcapture-style) or Bayesian latent classes (LCMCR).",
)
@click.option("--sources", help="The lists to use, comma-separated (default: every victim list).")
@window_options
@click.option(
    "--coverage",
    multiple=True,
    metavar="LIST:FROM:TO",
    help="Declare the period a list covers, e.g. list_f:2011-03-15:2015-12-31 (FROM or TO may be empty).",
)
@click.option(
    "--allow-partial-coverage",
    is_flag=True,
    help="Estimate even when a list covers only part of the period (biased: see the message).",
)
@click.option(
    "--criterion",
    type=click.Choice(CRITERIA),
    default="aic",
    show_default=True,
    help="How log-linear models are ranked.",
)
@click.option(
    "--seed", type=click.IntRange(min=0), default=0, show_default=True, help="Seed of every random draw."
)
@click.option(
    "--iterations", type=click.IntRange(min=1), help="LCMCR: iterations per chain after burn-in [10000]."
)
@click.option("--burn-in", type=click.IntRange(min=0), help="LCMCR: iterations discarded first [10000].")
@click.option("--thin", type=click.IntRange(min=1), help="LCMCR: keep every N-th draw [10].")
@click.option("--chains", type=click.IntRange(min=1), default=4, show_default=True, help="LCMCR: chains.")
@click.option(
    "--max-seconds",
    type=click.FloatRange(min=0),
    help="LCMCR: seconds of sampling within which chains that have not converged keep doubling their "
    "length (0: none) [60].",
)
@click.option(
    "--max-classes",
    type=click.IntRange(min=1),
    default=10,
    show_default=True,
    help="LCMCR: latent classes at most.",
)
@click.option(
    "--linkage-draws",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Re-draw the persons N times from the link probabilities and re-estimate.",
)
@click.option(
    "--linkage-floor",
    type=click.FloatRange(0, 1),
    default=0.0,
    show_default=True,
    help="Only pairs with at least this match probability take part in the draws.",
)
@click.option(
    "--histories",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Estimate from a capture-history CSV instead of the store (see harmtrace simulate captures).",
)
@db_option
@json_option
def estimate(
    strata: tuple[str, ...],
    method: str,
    sources: str | None,
    date_from: date | None,
    date_to: date | None,
    days: int | None,
    coverage: tuple[str, ...],
    histories: Path | None,
    db: Path | None,
    as_json: bool,
    **fit_options: Any,
) -> None:
    """Estimate how many people were killed, listed or not, from how the victim lists overlap.

    Reads the persons of the latest `harmtrace link victims` and which lists record each, checks
    that the lists allow an estimate (too few lists, tiny overlaps, small strata, lists covering
    only part of the period), then estimates the total with an interval: documented (observed),
    estimated, and estimated unobserved. Log-linear output names the chosen model and its
    neighbours; LCMCR output shows R-hat and effective sample size. See docs/estimation.md.
    """
    from harmtrace.analyse.mse.estimation import EstimateOptions, estimate_histories, estimate_store

    problems = window_problems(date_from, date_to, days)
    if problems:
        raise QueryError("Cannot estimate:\n" + "\n".join(f"  - {p}" for p in problems))
    window = resolve_window(date_from, date_to, days)
    options = EstimateOptions(
        method=method,
        strata=strata,
        sources=_names(sources),
        date_from=window["from"],
        date_to=window["to"],
        coverage=dict(_coverage(c) for c in coverage),
        **fit_options,
    )
    if histories is not None:
        _histories_only(options)
        lists, matrix = read_histories_csv(histories)
        with shown("estimate", as_json) as progress:
            result = estimate_histories(matrix, lists, options, progress)
    else:
        with store_for(db, read_only=True) as store, shown("estimate", as_json) as progress:
            result = estimate_store(store, options, progress)
    emit(result, as_json, lambda: describe_estimate(result))


def _histories_only(options: Any) -> None:
    """A capture-history CSV has no persons, dates, places or links: refuse options that need them."""
    given = [name for name, used in (("--strata", options.strata), ("--sources", options.sources),
             ("--from/--to", options.date_from or options.date_to), ("--coverage", options.coverage),
             ("--linkage-draws", options.linkage_draws)) if used]  # fmt: skip
    if given:
        raise QueryError(
            f"--histories gives capture histories only (no dates, places, sex or links): {', '.join(given)} "
            "cannot apply. Estimate from the store instead, or drop those options."
        )


def _names(text: str | None) -> tuple[str, ...] | None:
    if text is None:
        return None
    return tuple(n.strip() for n in text.split(",") if n.strip())


def _coverage(spec: str) -> tuple[str, Coverage]:
    from harmtrace.analyse.mse.validity import Coverage

    parts = spec.rsplit(":", 2)
    if len(parts) != 3:
        raise click.BadParameter(f"expected LIST:FROM:TO, got {spec!r}", param_hint="--coverage")
    day = Day()
    first, last = (day.convert(p, None, None) if p else None for p in parts[1:])
    return parts[0], Coverage(first, last, declared=True)


def read_histories_csv(path: Path) -> tuple[tuple[str, ...], np.ndarray]:
    """Lists and an (n, K) 0/1 array from a CSV with one 0/1 column per list, one row per person; or,
    with a column `count`, one row per capture pattern and the persons who have it."""
    import numpy as np

    with path.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    if not rows:
        raise InputError(f"{path}: no rows. Expected a header of list names and rows of 0/1.")
    lists = tuple(c for c in rows[0] if c != "count")
    try:
        matrix = np.array([[int(r[c]) for c in lists] for r in rows], dtype=np.int64)
        counts = np.array([int(r["count"]) for r in rows]) if "count" in rows[0] else np.ones(len(rows), int)
    except (TypeError, ValueError) as exc:
        raise InputError(f"{path}: every cell must be 0 or 1 (and count a whole number): {exc}.") from exc
    if not np.isin(matrix, (0, 1)).all() or (counts < 0).any():
        raise InputError(f"{path}: list columns must hold 0 or 1, and count must not be negative.")
    keep = matrix.any(axis=1)
    return lists, np.repeat(matrix[keep], counts[keep], axis=0)


def describe_estimate(r: dict[str, Any]) -> str:
    """The estimate as a reader sees it: checks first, the histories, the figures, then the details."""
    lines = [_headline(r), ""]
    if r["checks"]:
        lines += ["Checks:", *(f"  ! {c['message']}" for c in r["checks"]), ""]
    lines += [
        f"Capture histories (1 = on the list; {r['table']['observed']:,} persons observed):",
        _pattern_table(r),
        "",
    ]
    lines += [table(_figure_rows(r)), ""]
    if r["method"] == "loglinear":
        lines += _models(r["total"])
    else:
        lines += _diagnostics(r["total"])
    lines += _linkage(r.get("linkage"))
    warnings = list(r["total"]["warnings"])
    notes = warnings + r.get("notes", [])
    if notes:
        lines += ["Notes:", *(f"  - {n}" for n in notes)]
    return "\n".join(lines).rstrip()


def _headline(r: dict[str, Any]) -> str:
    how = (
        f"log-linear models ranked by {r['total']['criterion'].upper()}"
        if r["method"] == "loglinear"
        else "LCMCR"
    )
    window = r.get("window") or {}
    when = ""
    if window.get("from") or window.get("to"):
        when = f", deaths {window.get('from') or 'from the start'} to {window.get('to') or 'the end'}"
    run = f", persons of linkage run {r['run_id']}" if r.get("run_id") else ""
    return (
        f"Multiple systems estimate ({how}) from {len(r['lists'])} lists: {', '.join(r['lists'])}{run}{when}"
    )


def _pattern_table(r: dict[str, Any]) -> str:
    lists = r["table"]["lists"]
    rows = [
        {**{name: bit for name, bit in zip(lists, pattern, strict=True)}, "persons": n}
        for pattern, n in sorted(r["table"]["cells"].items(), reverse=True)
    ]
    return table(rows, [*lists, "persons"])


def _figure_rows(r: dict[str, Any]) -> list[dict[str, Any]]:
    rows = [_figure("total", r["total"])]
    for s in r["strata"] or []:
        rows.append(_figure(s["stratum"], s))
    if r["strata_sum"]:
        rows.append(_figure("sum of strata", r["strata_sum"] | {"model": "(sum)"}))
    return rows


def _figure(name: str, f: dict[str, Any]) -> dict[str, Any]:
    if "estimate" not in f:
        return {
            "stratum": name,
            "observed": f["observed"],
            "estimate": None,
            "unobserved": None,
            "interval": f.get("error"),
            "model": None,
        }
    low, high = f["interval"]
    level = f"{f['level']:.0%}"
    return {
        "stratum": name,
        "observed": f["observed"],
        "estimate": round(f["estimate"]),
        "unobserved": round(f["unobserved"]),
        "interval": f"{_number(low)} to {_number(high)} ({level})",
        "model": f.get("model") or ("LCMCR" if f.get("method") == "lcmcr" else None),
    }


def _number(x: float) -> str:
    return "unbounded" if x == float("inf") else f"{round(x):,}"


def _models(total: dict[str, Any]) -> list[str]:
    rows = [
        {
            "model": c["model"] + ("  <- chosen" if i == 0 else ""),
            "df": c["df"],
            "deviance": round(c["deviance"], 2),
            "AIC": round(c["aic"], 2),
            "BIC": round(c["bic"], 2),
            "estimate": round(c["estimate"]),
            "stderr": round(c["stderr"], 1),
            "interval": "-"
            if c["interval"] is None
            else f"{_number(c['interval'][0])} to {_number(c['interval'][1])}",
        }
        for i, c in enumerate(total["candidates"][:MODELS_SHOWN])
    ]
    shown = min(MODELS_SHOWN, len(total["candidates"]))
    head = (
        f"Models for the total, best {shown} of {len(total['candidates'])} by {total['criterion'].upper()}:"
    )
    return [head, table(rows), ""]


def _diagnostics(total: dict[str, Any]) -> list[str]:
    d = total["diagnostics"]
    verdict = "converged" if d["converged"] else "NOT converged"
    lines = [
        f"LCMCR convergence: R-hat {d['r_hat']:.3f} (want < 1.05), effective sample size "
        f"{d['effective_sample_size']:,.0f} (want > 100), {verdict} "
        f"after {d['iterations']:,} iterations per chain past burn-in (thin {d['thin']:,}, "
        f"{d['rounds']} round(s), {d['seconds']:.1f} s); settings {total['settings']}"
    ]
    chains = [{"chain": i + 1, **{k: round(v) for k, v in c.items()}} for i, c in enumerate(d["chains"])]
    if not d["converged"]:
        lines.append(
            "WARNING: the chains have not converged: allow more time (--max-seconds) or run longer "
            "(--burn-in, --iterations)."
        )
    return [*lines, table(chains), ""]


def _linkage(summary: dict[str, Any] | None) -> list[str]:
    if not summary:
        return []
    est, obs = summary["estimate"], summary["observed"]
    if est is None:
        return [f"Linkage draws: all {summary['draws']} failed to give an estimate.", ""]
    return [
        f"Linkage uncertainty ({summary['draws']} draws of the persons from {summary['pairs_drawn_from']:,} "
        f"scored pairs, {summary['draws_failed']} failed):",
        f"  persons observed {obs['q0']:,.0f} to {obs['q100']:,.0f}; estimate median {est['q50']:,.0f}, "
        f"2.5%-97.5% {est['q2.5']:,.0f} to {est['q97.5']:,.0f}, range {est['q0']:,.0f} to {est['q100']:,.0f} "
        f"(without draws: {summary['estimate_without_draws']:,.0f}); the draws' intervals span "
        f"{_number(summary['envelope'][0])} to {_number(summary['envelope'][1])}",
        "",
    ]
