"""`harmtrace review|decide|decisions victims` and `... incidents`.

Review shows records with their names in a terminal: the user asked to see them. In --json and in
output that is not a terminal (piped, redirected) names are left out unless --with-names
(`harmtrace.publish.persons_export.shown_columns`). Nothing here logs a name.

The interactive review holds the store only to read the queue and, for each decision, to check the
pair and write it: never while it waits for the analyst, so others can read and write meanwhile.
"""

from __future__ import annotations

import shlex
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, Final

import click

from harmtrace.cli.base import (
    NAMES_LEFT_OUT,
    Id,
    db_option,
    emit,
    json_option,
    main,
    message,
    stacked,
    store_for,
    with_names_option,
)
from harmtrace.display import table
from harmtrace.errors import HarmtraceError, StoreError
from harmtrace.link.decisions import (
    INCIDENT_VERDICTS,
    VERDICTS,
    Decision,
    decision_on,
    list_decisions,
    record_decision,
    resolve_record,
)
from harmtrace.link.kinds import INCIDENTS, VICTIMS, EntityKind
from harmtrace.link.review import Reason, ReviewPair, default_reason, review_queue
from harmtrace.publish.persons_export import shown_columns

KEYS: Final = {"s": "same", "d": "different", "k": "skip", "n": "skip", "q": "quit"}
AUTHOR_HELP: Final = "Who decides (default: $HARMTRACE_AUTHOR, else the operating-system user)."
APPLIES: Final = "Decisions take effect at the next link run: harmtrace link victims"


def _review_options(kind: str) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """The options of every `review` command; `kind` names the linkage runs reviewed."""
    return stacked(
        click.option("--limit", type=int, default=20, show_default=True, help="At most this many pairs."),
        click.option("--run", "run_id", type=Id(), help=f"Linkage run (default: the latest {kind} run)."),
        click.option("--author", help=AUTHOR_HELP),
        click.option(
            "--interactive/--no-interactive",
            default=None,
            help="Ask for a decision on each pair (default: in a terminal, unless --json).",
        ),
        db_option,
        json_option,
    )


@main.group(epilog="Example:\n\n  harmtrace review victims --limit 10")
def review() -> None:
    """Look at the pairs linkage is least sure of, side by side, and decide them."""


@review.command(
    "victims",
    epilog="Example:\n\n\b\n  harmtrace review victims\n  harmtrace review victims --run 3 --limit 50 --json",
)
@_review_options("victims")
@with_names_option(
    "Show names in --json and piped output too (personal data). Default: in a terminal only.", None
)
def review_victims(
    limit: int,
    run_id: int | None,
    author: str | None,
    interactive: bool | None,
    db: Path | None,
    as_json: bool,
    with_names: bool | None,
) -> None:
    """The most uncertain pairs of a linkage run (match probability nearest 0.5), not yet decided.

    Each pair shows both records as their sources wrote them and the comparisons behind its match
    weight, largest first. Interactively, one key decides: s = same person, d = different people,
    k or n = skip, q = quit; then a reason (Enter accepts the one offered). Without a terminal, or
    with --json, the queue is printed instead. Names are shown in a terminal, and elsewhere (--json,
    piped) only with --with-names.
    """
    _review(limit, run_id, author, interactive, db, as_json, VICTIMS, with_names)


@review.command(
    "incidents",
    epilog="Example:\n\n\b\n  harmtrace review incidents\n  harmtrace review incidents --limit 50 --json",
)
@_review_options("incidents")
def review_incidents(
    limit: int,
    run_id: int | None,
    author: str | None,
    interactive: bool | None,
    db: Path | None,
    as_json: bool,
) -> None:
    """The most uncertain pairs of reports of an incident linkage run, not yet decided.

    Each pair shows both reports as their sources wrote them (date, place in both scripts, point and
    precision, perpetrators, means, civilians killed, description) and the comparisons behind its
    match weight. Interactively: s = same incident, d = different incidents, k or n = skip, q = quit.
    """
    _review(limit, run_id, author, interactive, db, as_json, INCIDENTS)


def _review(
    limit: int,
    run_id: int | None,
    author: str | None,
    interactive: bool | None,
    db: Path | None,
    as_json: bool,
    kind: EntityKind,
    with_names: bool | None = None,
) -> None:
    prompting = interactive if interactive is not None else sys.stdin.isatty() and not as_json
    names = with_names if with_names is not None else sys.stdout.isatty() and not as_json
    with store_for(db, read_only=True) as store:
        queue = _names_policy(review_queue(store, run_id, limit, kind), names)
    if prompting and not as_json:
        _review_loop(db, queue, author, kind)
        return
    note = f"\n\n{NAMES_LEFT_OUT}" if kind is VICTIMS and not names else ""
    emit(queue, as_json, lambda: _queue_text(queue, kind) + note)


def _names_policy(queue: list[ReviewPair], with_names: bool) -> list[ReviewPair]:
    """The queue with its records' names left out unless `with_names` (`shown_columns`)."""
    if not with_names:
        for pair in queue:
            pair["records"] = [{k: r[k] for k in shown_columns(r, with_names)} for r in pair["records"]]
    return queue


def _queue_text(queue: list[ReviewPair], kind: EntityKind = VICTIMS) -> str:
    if not queue:
        return "No undecided pairs in this run."
    parts = [describe_pair(pair, i, len(queue), kind) for i, pair in enumerate(queue, start=1)]
    parts.append(f"Decide a pair with: harmtrace decide {kind.kind} same|different ID_A ID_B --reason TEXT")
    return "\n\n".join(parts)


def _review_loop(db: Path | None, queue: list[ReviewPair], author: str | None, kind: EntityKind) -> None:
    decided = skipped = 0
    for i, pair in enumerate(queue, start=1):
        if _decided_meanwhile(db, pair, i, kind):
            skipped += 1
            continue
        click.echo(describe_pair(pair, i, len(queue), kind))
        key = _ask_key(kind)
        if KEYS[key] == "quit":
            break
        if KEYS[key] == "skip":
            skipped += 1
            continue
        decided += _decide(db, pair, KEYS[key], author, kind)
    click.echo(
        f"\n{decided} decided, {skipped} skipped, {len(queue) - decided - skipped} not reached. "
        f"{_applies(kind)}"
    )


def _decided_meanwhile(db: Path | None, pair: ReviewPair, position: int, kind: EntityKind) -> bool:
    """Was the pair decided since the queue was read (another analyst, or `decide`)? Say so if it was."""
    with store_for(db, read_only=True) as store:
        found = decision_on(store, pair["id_l"], pair["id_r"], kind)
    if found is not None:
        click.echo(f"Pair {position} was decided meanwhile: {found.describe()} by {found.author}. Skipped.")
    return found is not None


def _applies(kind: EntityKind) -> str:
    return f"Decisions take effect at the next link run: {kind.link_command}"


def _ask_key(kind: EntityKind = VICTIMS) -> str:
    """One keystroke (from stdin when it is not a terminal); end of input or Ctrl-C / Ctrl-D quits."""
    same, different = f"same {kind.entity_word}", f"different {kind.entity_plural}"
    while True:
        click.echo(f"[s] {same}  [d] {different}  [k] skip  [q] quit: ", nl=False)
        key = (click.getchar() if sys.stdin.isatty() else sys.stdin.read(1)).lower()
        click.echo(key if key.isprintable() else "")
        if key in ("", "\x03", "\x04"):
            return "q"
        if key in KEYS:
            return key
        click.echo("Press s, d, k (or n) or q.")


def _decide(
    db: Path | None, pair: ReviewPair, verdict: str, author: str | None, kind: EntityKind = VICTIMS
) -> int:
    """Ask for the reason, then open the store just long enough to record the decision."""
    reason = click.prompt("Reason", default=default_reason(verdict, pair["reasons"]))
    ids = pair["id_l"], pair["id_r"]
    try:
        with store_for(db) as store:
            decision, _ = record_decision(store, verdict, *ids, reason, author, kind, supersede=False)
    except HarmtraceError as exc:  # a contradiction, a pair decided meanwhile, a busy store: go on
        click.echo(f"Not recorded: {message(exc)}")
        if isinstance(exc, StoreError):
            command = (
                f"harmtrace decide {kind.kind} {verdict} {ids[0]} {ids[1]} --reason {shlex.quote(reason)}"
            )
            click.echo(f"Record it later with: {command}")
        return 0
    click.echo(f"Recorded decision {decision.decision_id}: {decision.id_a} {verdict} {decision.id_b}.")
    return 1


def describe_pair(pair: ReviewPair, position: int, total: int, kind: EntityKind = VICTIMS) -> str:
    """A pair as the analyst reads it: headline, both records side by side, the reasons."""
    left, right = pair["records"]
    if kind is INCIDENTS:
        return _describe_reports(pair, position, total)
    head = (
        f"Pair {position} of {total} (run {pair['run_id']}): match probability "
        f"{pair['match_probability']:.3f}, match weight {pair['match_weight']:+.2f}"
        + (f"; {_HOW[pair['method']]}" if pair["method"] in _HOW else "")
    )
    a, b = f"record {left['victim_id']}", f"record {right['victim_id']}"
    rows = [{"": label, a: _show(left, key), b: _show(right, key)} for label, key in _FIELDS]
    rows = [row for row in rows if row[a] != "-" or row[b] != "-" or row[""] in _ALWAYS]
    return "\n".join([head, table(rows), "", _reasons_text(pair["reasons"])])


_HOW: Final = {
    "cited": "linked by citation (method cited)",
    "assigned": "the report assigned to this curated event (method assigned)",
    "outmatched": "never linked: the report went to another curated event, or to none (method outmatched)",
    "elimination": "linked by elimination: each record the other's only candidate left in its list "
    "(method elimination)",
}


def _describe_reports(pair: ReviewPair, position: int, total: int) -> str:
    left, right = pair["records"]
    how = _HOW.get(pair["method"], f"method {pair['method']}")
    head = (
        f"Pair {position} of {total} (run {pair['run_id']}, {how}): match probability "
        f"{pair['match_probability']:.3f}, match weight {pair['match_weight']:+.2f}"
    )
    a, b = f"report {left['report_id']}", f"report {right['report_id']}"
    rows = [
        {"": label, a: _show_report(left, key), b: _show_report(right, key)} for label, key in _REPORT_ROWS
    ]
    rows = [row for row in rows if row[a] != "-" or row[b] != "-"]
    return "\n".join([head, table(rows), "", _reasons_text(pair["reasons"])])


_REPORT_ROWS: Final = (
    ("source", "source"), ("date", "date"), ("place", "place_text"), ("place (Arabic)", "place_text_ar"),
    ("governorate", "adm1_source"), ("point", "point"), ("perpetrators", "perpetrators"), ("means", "means"),
    ("civilians killed", "killed"), ("description", "description"),
    ("description (Arabic)", "description_ar"),
)  # fmt: skip


def _show_report(record: dict[str, Any], key: str) -> str:
    if key in ("source", "date"):
        return _show(record, key)
    if key == "point":
        if record["latitude"] is None:
            return f"- ({record['location_precision']})"
        return f"{record['latitude']:.4f}, {record['longitude']:.4f} ({record['location_precision']})"
    if key in ("perpetrators", "means"):
        return ", ".join(record[key] or []) or "-"
    if key == "killed":
        lo, hi = record["killed_min"], record["killed_max"]
        return "-" if lo is None and hi is None else str(lo) if lo == hi else f"{lo}-{hi}"
    value = record.get(key)
    if isinstance(value, str) and len(value) > 100:  # long descriptions: the table stays readable
        return value[:97] + "..."
    return "-" if value is None or value == "" else str(value)


_FIELDS: Final = (
    ("source", "source"), ("name", "name"), ("name (Arabic)", "name_ar"), ("given name", "given_name"),
    ("father's name", "father_name"), ("grandfather's name", "grandfather_name"),
    ("family name", "family_name"), ("sex", "sex"), ("age", "age"), ("status", "status"),
    ("date of death", "date"), ("place of death", "place_of_death"), ("place (Arabic)", "place_of_death_ar"),
    ("province", "province"), ("cause", "cause"),
)  # fmt: skip
_ALWAYS: Final = {"source", "sex", "age", "status", "date of death", "place of death", "cause"}


def _show(record: dict[str, Any], key: str) -> str:
    if key == "source":
        return f"{record['source']} {record['record_id'] or '(no id)'}"
    if key == "age":
        return _age(record)
    if key == "date":
        return _date(record)
    value = record.get(key)
    return "-" if value is None or value == "" else str(value)


def _age(r: dict[str, Any]) -> str:
    lo, hi = r["age_min"], r["age_max"]
    if lo is not None and lo == hi:
        return str(lo)
    if lo is not None or hi is not None:
        return f"{'?' if lo is None else lo}-{'?' if hi is None else hi}"
    return r["age_group"] or "-"


def _date(r: dict[str, Any]) -> str:
    start, end = r["date_start"], r["date_end"]
    if start is None and end is None:
        return "-"
    span = str(start) if start == end else f"{start or '?'} .. {end or '?'}"
    return f"{span} ({r['date_precision']})"


def _reasons_text(reasons: list[Reason]) -> str:
    if not reasons:
        return "No comparison detail stored for this pair."
    rows = [
        {"comparison": r["comparison"], "level": r["level"] or "-", "weight": _signed(r["weight"])}
        for r in reasons
    ]
    return "Why this weight (largest contributions first):\n" + table(rows)


def _signed(weight: float | None) -> str:
    return "-" if weight is None else f"{weight:+.2f}"


def _decision_options(
    noun: str, verdicts: tuple[str, ...] = VERDICTS
) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """The arguments and options of every `decide` command; `noun` names what is decided on."""
    return stacked(
        click.argument("verdict", type=click.Choice(verdicts)),
        click.argument("record_a", metavar="ID_A"),
        click.argument("record_b", metavar="ID_B"),
        click.option("--reason", required=True, help=f"Why: what the {noun} share, or where they differ."),
        click.option("--author", help=AUTHOR_HELP),
        db_option,
        json_option,
    )


@main.group(
    epilog="Example:\n\n  harmtrace decide victims same 1204 8812 --reason 'same names, date and town'"
)
def decide() -> None:
    """Record an analyst's decision; linkage always respects it."""


@decide.command(
    "victims",
    epilog="Example:\n\n\b\n  harmtrace decide victims same 1204 8812 --reason 'same names, date, town'\n"
    "  harmtrace decide victims different list_a:A-00012 list_b:B-00345 --reason 'father differs'",
)
@_decision_options("records")
def decide_victims(
    verdict: str,
    record_a: str,
    record_b: str,
    reason: str,
    author: str | None,
    db: Path | None,
    as_json: bool,
) -> None:
    """Two victim records are the same person, or different people.

    ID_A and ID_B are victim ids (as review shows them) or SOURCE:RECORD_ID, the record's own id in its
    source. A decision on a pair already decided supersedes the earlier one, which is kept. Linkage
    always respects decisions: 'same' links the records, 'different' keeps them apart even when other
    links chain them. Decisions that contradict each other are refused.
    """
    with store_for(db) as store:
        decision, earlier = record_decision(store, verdict, record_a, record_b, reason, author)
    data = {"decision": decision.as_dict(), "superseded": earlier.as_dict() if earlier else None}
    emit(data, as_json, lambda: _decided_text(decision, earlier))


def _decided_text(decision: Decision, earlier: Decision | None, kind: EntityKind = VICTIMS) -> str:
    same = decision.verdict == "same"
    people = f"the same {kind.entity_word}" if same else f"different {kind.entity_plural}"
    lines = [f"Decision {decision.decision_id}: records {decision.id_a} and {decision.id_b} are {people}."]
    if decision.part_and_whole is not None:
        part, whole = decision.part_and_whole
        lines = [
            f"Decision {decision.decision_id}: report {part}'s {kind.entity_word} is part of report "
            f"{whole}'s: they stay different {kind.entity_plural}, and figures count them once."
        ]
    if earlier is not None:
        lines.append(f"It supersedes decision {earlier.decision_id} ({earlier.verdict}, {earlier.author}).")
    return "\n".join([*lines, _applies(kind)])


@decide.command(
    "incidents",
    epilog="Example:\n\n\b\n  harmtrace decide incidents same 120 4410 --reason 'same strike, two channels'\n"
    "  harmtrace decide incidents different ucdp-ged:151045 4410 --reason 'other neighbourhood'\n"
    "  harmtrace decide incidents part-of 4410 ucdp-ged:151045 --reason 'a strike of the city toll'",
)
@_decision_options("reports", INCIDENT_VERDICTS)
def decide_incidents(
    verdict: str,
    record_a: str,
    record_b: str,
    reason: str,
    author: str | None,
    db: Path | None,
    as_json: bool,
) -> None:
    """Two reports are of the same incident, of different incidents, or one is part of the other.

    ID_A and ID_B are report ids (as review shows them) or SOURCE:RECORD_ID. 'part-of' says ID_A's
    incident is part of ID_B's (a strike of a city's daily toll): they stay different incidents and
    figures count the two once; 'contains' says the reverse. A part has one whole, and a whole is
    never itself a part. As for victims, a later decision on a pair supersedes the earlier one, and
    linkage always respects decisions.
    """
    with store_for(db) as store:
        decision, earlier = record_decision(store, verdict, record_a, record_b, reason, author, INCIDENTS)
    data = {"decision": decision.as_dict(), "superseded": earlier.as_dict() if earlier else None}
    emit(data, as_json, lambda: _decided_text(decision, earlier, INCIDENTS))


@main.group(epilog="Example:\n\n  harmtrace decisions victims --all")
def decisions() -> None:
    """The analysts' decisions: who decided what, when and why."""


@decisions.command(
    "victims",
    epilog="Example:\n\n\b\n  harmtrace decisions victims\n  harmtrace decisions victims --all --json",
)
@click.option(
    "--all", "include_superseded", is_flag=True, help="Superseded decisions too (the whole audit trail)."
)
@click.option("--record", "record", help="Only decisions on this record (victim id or SOURCE:RECORD_ID).")
@db_option
@json_option
def decisions_victims(include_superseded: bool, record: str | None, db: Path | None, as_json: bool) -> None:
    """List decisions on victim records, oldest first: active ones, or with --all every one ever made."""
    with store_for(db, read_only=True) as store:
        victim_id = resolve_record(store, record) if record else None
        found = list_decisions(store, include_superseded=include_superseded, victim_id=victim_id)
    rows = [d.as_dict() for d in found]
    columns = ["decision_id", "verdict", "id_a", "id_b", "author", "decided_at", "reason"]
    emit(rows, as_json, lambda: table(rows, columns + ["superseded_by"] * include_superseded))


@decisions.command(
    "incidents",
    epilog="Example:\n\n\b\n  harmtrace decisions incidents\n  harmtrace decisions incidents --all --json",
)
@click.option(
    "--all", "include_superseded", is_flag=True, help="Superseded decisions too (the whole audit trail)."
)
@click.option("--record", "record", help="Only decisions on this report (report id or SOURCE:RECORD_ID).")
@db_option
@json_option
def decisions_incidents(include_superseded: bool, record: str | None, db: Path | None, as_json: bool) -> None:
    """List decisions on reports, oldest first: active ones, or with --all every one ever made."""
    with store_for(db, read_only=True) as store:
        report_id = resolve_record(store, record, INCIDENTS) if record else None
        found = list_decisions(
            store, include_superseded=include_superseded, victim_id=report_id, kind=INCIDENTS
        )
    rows = [d.as_dict() for d in found]
    columns = ["decision_id", "verdict", "id_a", "id_b", "author", "decided_at", "reason"]
    emit(rows, as_json, lambda: table(rows, columns + ["superseded_by"] * include_superseded))
