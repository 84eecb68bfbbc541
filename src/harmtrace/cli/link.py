"""`harmtrace link victims|incidents` and `harmtrace link evaluate victims|incidents`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from harmtrace.choices import CONFIGS, INCIDENT_THRESHOLD, LABELS_FOR_FLOOR, SHARE_FLOOR, VICTIM_THRESHOLD
from harmtrace.cli.base import Day, Id, db_option, emit, json_option, main, stacked, store_for
from harmtrace.cli.progress import shown
from harmtrace.display import table

if TYPE_CHECKING:
    from harmtrace.link.evaluate import VictimEvaluation
    from harmtrace.link.incidents import IncidentRun
    from harmtrace.link.pair_truth import PairEvaluation
    from harmtrace.link.victims import LinkRun


@main.group(
    epilog="Example:\n\n\b\n  harmtrace link victims\n"
    "  harmtrace link incidents --from 2016-01-01 --to 2016-12-31\n"
    "  harmtrace link evaluate victims --truth sim/truth.csv"
)
def link() -> None:
    """Link records that describe the same thing: victim records into persons, reports into incidents."""


@link.command(
    "victims",
    epilog="Example:\n\n\b\n  harmtrace link victims\n"
    "  harmtrace link victims --config plain --threshold 0.95 --json",
)
@click.option(
    "--config",
    type=click.Choice(CONFIGS),
    default="arabic",
    show_default=True,
    help="arabic: name keys in either script; plain: a generic Splink setup (the baseline).",
)
@click.option(
    "--threshold",
    type=click.FloatRange(0, 1, min_open=True),
    default=VICTIM_THRESHOLD,
    show_default=True,
    help="Match probability at which two records are one person.",
)
@db_option
@json_option
def victims(config: str, threshold: float, db: Path | None, as_json: bool) -> None:
    """Link every victim record in the store into persons, across lists and scripts.

    Trains the model on the records (unsupervised), keeps the scored pairs for review, clusters them
    respecting analyst decisions, and gives the persons stable ids. Names are read in Arabic script
    and in English, French, Russian, Turkish, Chadian and Central Asian spellings; a name chain with
    a part dropped, and relational names ("Wife of X", زوجة X, "Umm X", "Son of X"), are compared
    as such. A pair that agrees on no given name is held at probability 0.5 for review (a family
    name names no one), unless a relative's record ("Son of X") and the record it names are each
    other's only candidate across two lists, before or after the others are linked; a person never
    joins two records of one list, or two plainly different names, only through others
    (docs/linkage.md).
    """
    from harmtrace.link.victims import link_victims

    with store_for(db) as store, shown("link victims", as_json) as progress:
        run = link_victims(store, config=config, threshold=threshold, progress=progress)  # type: ignore[arg-type]
    emit(run.as_dict(), as_json, lambda: _describe_run(run))


def _describe_run(run: LinkRun) -> str:
    ids = run.identities
    seconds = ", ".join(f"{step} {s:.1f}s" for step, s in run.seconds.items())
    return "\n".join(
        [
            f"Run {run.run_id} ({run.config}, threshold {run.threshold}): {run.records:,} records -> "
            f"{run.persons:,} persons ({run.duplicate_persons:,} with more than one record)",
            f"pairs kept for review {run.pairs_scored:,}, linked {run.pairs_linked:,}",
            f"persons: new {ids.new:,}, kept {ids.kept:,}, split {ids.split:,}, merged {ids.merged:,}, "
            f"retired {ids.retired:,}",
            f"time: {seconds}",
            "Review the uncertain pairs with: harmtrace review victims",
        ]
    )


@link.command(
    "incidents",
    epilog="Example:\n\n\b\n  harmtrace link incidents\n"
    "  harmtrace link incidents --from 2016-01-01 --to 2016-12-31 --threshold 0.95 --json\n"
    "  harmtrace link incidents --labels checked_pairs.csv\n"
    "  harmtrace link incidents --labels checked_pairs.csv --share-floor 0.05\n"
    "  harmtrace link incidents --no-assignment\n"
    "  harmtrace link incidents --ignore-citations",
)
@click.option(
    "--threshold",
    type=click.FloatRange(0, 1, min_open=True),
    default=INCIDENT_THRESHOLD,
    show_default=True,
    help="Match probability at which two reports are one incident.",
)
@click.option("--from", "date_from", type=Day(), help="Link only reports dated on or after this day.")
@click.option("--to", "date_to", type=Day(), help="Link only reports dated on or before this day.")
@click.option(
    "--labels",
    type=click.Path(dir_okay=False, path_type=Path),
    help="CSV of labelled pairs (source_a, record_id_a, source_b, record_id_b[, relation: same or "
    "part-of]) that train the model, with the analysts' decisions (docs/linkage.md).",
)
@click.option(
    "--ignore-citations",
    is_flag=True,
    help="Link by the model alone: no link for a report citing another's code (to measure the model).",
)
@click.option(
    "--share-floor",
    type=click.FloatRange(0, 1, min_open=True),
    help="Share of the odds among its rivals at which a report is assigned to an event of curated "
    f"event data (UCDP GED, ACLED), whatever its probability (default {SHARE_FLOOR} when "
    f"{LABELS_FOR_FLOOR} or more labelled pairs train the model; without them only pairs at "
    "--threshold are assigned) (docs/linkage.md).",
)
@click.option(
    "--no-assignment",
    is_flag=True,
    help="Link reports to curated events by --threshold, like any other pair, not by assignment.",
)
@db_option
@json_option
def incidents(
    threshold: float,
    date_from: date | None,
    date_to: date | None,
    labels: Path | None,
    ignore_citations: bool,
    share_floor: float | None,
    no_assignment: bool,
    db: Path | None,
    as_json: bool,
) -> None:
    """Link the reports in the store into incidents, within and across sources and scripts.

    Compares dates with their precision, points with their location precision, place names in
    Arabic and Latin script, perpetrators, means, civilians killed and the reports' words; links
    every report that cites another's code (a UCDP event citing an Airwars incident: method
    'cited'); assigns each other report to at most one event of curated event data (UCDP GED,
    ACLED) by its standing among its rivals and by the tolls; keeps the scored pairs for review,
    clusters them respecting analyst decisions, and gives the incidents stable ids. With --from / --to
    only reports dated in the window are linked; every other report is an incident of its own in
    this run.
    """
    from harmtrace.link.incidents import link_incidents

    with store_for(db) as store, shown("link incidents", as_json) as progress:
        run = link_incidents(
            store,
            threshold=threshold,
            date_from=date_from,
            date_to=date_to,
            labels=labels,
            use_citations=not ignore_citations,
            assign=not no_assignment,
            share_floor=share_floor,
            progress=progress,
        )
    emit(run.as_dict(), as_json, lambda: _describe_incident_run(run))


def _describe_incident_run(run: IncidentRun) -> str:
    ids = run.identities
    seconds = ", ".join(f"{step} {s:.1f}s" for step, s in run.seconds.items())
    return "\n".join(
        [
            f"Run {run.run_id} (threshold {run.threshold}): {run.linked_reports:,} of {run.reports:,} "
            f"reports linked -> {run.incidents:,} incidents ({run.multi_report_incidents:,} with more "
            f"than one report, {run.cross_source_incidents:,} joining sources)",
            f"pairs kept for review {run.pairs_scored:,}, linked {run.pairs_linked:,}",
            _citations_text(run),
            _assignment_text(run),
            f"labelled pairs training the model {run.labels_used:,} (--labels file, decisions, citations)"
            + (
                f"; label pairs naming no stored report {run.labels_unresolved:,}"
                if run.labels_unresolved
                else ""
            ),
            f"incidents: new {ids.new:,}, kept {ids.kept:,}, split {ids.split:,}, merged {ids.merged:,}, "
            f"retired {ids.retired:,}",
            *_parts_lines(run),
            f"time: {seconds}",
            "Review the uncertain pairs with: harmtrace review incidents",
        ]
    )


def _parts_lines(run: IncidentRun) -> list[str]:
    """The containment decisions recorded, and those the new incidents could not honour (and why)."""
    parts = run.parts
    if not (parts.recorded or parts.already or parts.refused):
        return []
    lines = [
        f"parts recorded (part-of decisions, parts of a curated event the model found): {parts.recorded:,}"
    ]
    lines += [
        f"  not recorded: report {r.part_report} part of report {r.whole_report}: {r.reason}; "
        "supersede one of the decisions (harmtrace decisions incidents --record ID)"
        for r in parts.refused
    ]
    return lines


def _assignment_text(run: IncidentRun) -> str:
    a = run.assignment
    if a is None:
        return "reports linked to curated events by the threshold (--no-assignment)"
    gate = f"share floor {a.gate.floor}" + (
        f", probability at least {a.gate.min_probability} (no labels)" if a.gate.min_probability else ""
    )
    return (
        f"reports assigned to an event of curated event data {a.assigned:,} (method assigned, {gate}); "
        f"pairs outmatched by another event {a.outmatched:,}"
    )


def _citations_text(run: IncidentRun) -> str:
    if not run.citations_used:
        return "citations ignored (--ignore-citations): pairs linked by the model alone"
    n_outside = run.citations_outside_window
    outside = f", naming only reports outside --from/--to {n_outside:,}" if n_outside else ""
    return (
        f"pairs linked by citation {run.citations_linked:,} (method cited); citations naming no stored "
        f"report {run.citations_unmatched:,}{outside}"
    )


def _evaluation_options(truth_columns: str) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """The options every `link evaluate` command takes; `truth_columns` describes its truth CSV."""
    return stacked(
        click.option(
            "--truth",
            type=click.Path(dir_okay=False, path_type=Path),
            required=True,
            help=f"CSV with columns {truth_columns}",
        ),
        click.option(
            "--run", "run_id", type=Id(), help="Linkage run for blocking recall (default: the latest)."
        ),
        click.option(
            "--threshold",
            type=click.FloatRange(0, 1),
            help="Also measure the run's scored pairs at this match probability, before clustering.",
        ),
        db_option,
        json_option,
    )


@link.group(epilog="Example:\n\n  harmtrace link evaluate victims --truth sim/truth.csv")
def evaluate() -> None:
    """Measure linkage against a known truth (simulated lists, or a hand-linked sample)."""


@evaluate.command(
    "victims",
    epilog="Example:\n\n\b\n  harmtrace link evaluate victims --truth sim/truth.csv\n"
    "  harmtrace link evaluate victims --truth sim/truth.csv --threshold 0.9 --json",
)
@_evaluation_options("source, record_id, person_id (as simulate victims writes truth.csv).")
def evaluate_victims_command(
    truth: Path, run_id: int | None, threshold: float | None, db: Path | None, as_json: bool
) -> None:
    """Pairwise precision, recall and F1, B-cubed, and blocking recall of the current persons.

    Within-source duplicates count as pairs like any other; singletons add no pair but count in
    B-cubed. Records missing from the truth or the store are reported, not measured.
    """
    from harmtrace.link.evaluate import evaluate_victims

    with store_for(db, read_only=True) as store:
        result = evaluate_victims(store, truth, run_id=run_id, threshold=threshold)
    emit(result.as_dict(), as_json, lambda: _describe_evaluation(result))


@evaluate.command(
    "incidents",
    epilog="Example:\n\n\b\n  harmtrace link evaluate incidents --truth sim/truth.csv\n"
    "  harmtrace link evaluate incidents --truth sim/truth.csv --threshold 0.9 --json\n"
    "  harmtrace link evaluate incidents --truth cited_pairs.csv --from 2017-07-01",
)
@_evaluation_options(
    "source, record_id, incident_id (as simulate reports writes truth.csv), or pairs: source_a, "
    "record_id_a, source_b, record_id_b (real cross-source truth, scored by pair of sources)."
)
@click.option(
    "--from", "date_from", type=Day(), help="Pairs truth: score the pairs dated on or after this day."
)
@click.option("--to", "date_to", type=Day(), help="Pairs truth: score the pairs dated on or before this day.")
def evaluate_incidents_command(
    truth: Path,
    run_id: int | None,
    threshold: float | None,
    date_from: date | None,
    date_to: date | None,
    db: Path | None,
    as_json: bool,
) -> None:
    """Pairwise precision, recall and F1, B-cubed, and blocking recall of the current incidents.

    Two reports of one true incident are a true pair, in one source or two; "true persons" in the
    text output reads true incidents. Reports missing from the truth or the store are reported.

    A truth of pairs (real citations: an event and the incidents it draws on, many-to-many) is scored
    by pair of sources: recall, precision and the share of wrong merges (docs/linkage.md).
    """
    from harmtrace.link.evaluate import evaluate_incidents
    from harmtrace.link.labels import is_pair_file
    from harmtrace.link.pair_truth import evaluate_incident_pairs

    with store_for(db, read_only=True) as store:
        if is_pair_file(truth):
            pairs = evaluate_incident_pairs(store, truth, date_from=date_from, date_to=date_to)
            emit(pairs.as_dict(), as_json, lambda: _describe_pairs(pairs))
            return
        result = evaluate_incidents(store, truth, run_id=run_id, threshold=threshold)
    emit(result.as_dict(), as_json, lambda: _describe_evaluation(result, "incidents"))


def _describe_pairs(e: PairEvaluation) -> str:
    rows = [
        {
            "sources": f"{s.source_a} - {s.source_b}",
            "true pairs": s.true_pairs,
            "found": s.found,
            "recall": _ratio(s.recall),
            "links": s.links,
            "correct": s.correct,
            "precision": _ratio(s.precision),
            "wrong merges": s.wrong_merges,
            "wrong share": _ratio(s.wrong_merge_share),
            "unconfirmed": s.unconfirmed,
        }
        for s in e.by_source_pair
    ]
    return "\n".join(
        [
            f"Run {e.run_id} against {e.truth_rows:,} truth pairs ({e.unresolved:,} naming a report the "
            "store lacks). A link is two reports of one incident, or one in a part of the other's.",
            table(rows, list(rows[0]) if rows else ["sources"]),
            "precision counts unconfirmed links (to a report the truth does not name) against the model; "
            "wrong merges contradict the truth.",
        ]
    )


def _describe_evaluation(e: VictimEvaluation, entities: str = "persons") -> str:
    rows: list[dict[str, Any]] = [
        {"measure": "pairwise", **_scores(e.pairwise)},
        {"measure": "B-cubed", **_scores(e.bcubed)},
    ]
    if e.run_pairs is not None:
        rows.append({"measure": f"run {e.run_id} pairs >= {e.threshold}", **_scores(e.run_pairs)})
    lines = [
        f"{e.records:,} records evaluated ({e.truth_not_stored:,} truth rows not in the store, "
        f"{e.stored_not_in_truth:,} stored records not in the truth): {e.persons_true:,} true {entities}, "
        f"{e.clusters:,} clusters",
        table(rows, ["measure", "precision", "recall", "f1", "shared", "predicted", "true"]),
    ]
    if e.blocking_recall is not None:
        lines.append(
            f"blocking recall (run {e.run_id}): {e.blocking_recall:.4f} of the true pairs are candidates"
        )
        by_rule = [{**r, "recall": _ratio(r["recall"])} for r in e.blocking_by_rule]
        lines.append(table(by_rule, ["recall", "true_pairs_kept", "rule"]))
    return "\n".join(lines)


def _scores(scores: Any) -> dict[str, Any]:
    """Ratios as text with four decimals (the table would round them to one), counts as they are."""
    ratios = {k: _ratio(getattr(scores, k)) for k in ("precision", "recall", "f1")}
    return {**ratios, **{k: getattr(scores, k) for k in ("shared", "predicted", "true")}}


def _ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.4f}"
