"""Analyst decisions on pairs of victim records: the same person, or not. Never deleted.

A decision says that two victim records are the ``same`` person or ``different`` people, with a reason
(required), an author and a time (UTC). Linkage always respects the active decisions
(`harmtrace.link.clusters`): 'same' links the two records whatever the model says, 'different' keeps
them in different persons even when other links chain them together.

A later decision on the same pair supersedes the earlier one (its ``superseded_by`` points to the new
decision); nothing is deleted, so the table is the audit trail of who decided what, when and why.

Active decisions must not contradict each other: A same B, B same C and A different C cannot all hold.
Such a set is refused when a decision is recorded and when clustering, with an error naming every
decision involved, so the analyst can supersede the wrong one.

A record is named by its victim id (``victim_record.victim_id``) or by its own id in its source:
``(source, record_id)``, written ``SOURCE:RECORD_ID`` on the command line (``list_a:A-00012``).

Decisions on reports (kind 'incidents': the same incident, or not) work alike: pass
``kind=INCIDENTS`` (`harmtrace.link.kinds`); records are then named by report id or SOURCE:RECORD_ID.
Reports have a third verdict, ``part-of``: ``record_decision(store, "part-of", PART, WHOLE, ...)`` says
that report PART's incident is a part of report WHOLE's (a strike of a city's daily toll). The pair is
stored in order like any other, with the direction in the verdict: ``part-of`` when ``id_a`` is the
part, ``contains`` when ``id_a`` is the whole (``contains`` may also be given directly, WHOLE first).
A part and its whole are different incidents, so these decisions keep their reports apart as
'different' does, and `harmtrace.link.parts` records the containment after clustering. Containment is
one level: a report's incident has one whole, and a whole is never itself a part; a decision that
would make a second whole or a chain is refused, as a contradiction is.
"""

from __future__ import annotations

import getpass
import os
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from typing import Any, Final

from harmtrace.display import separator_hint
from harmtrace.errors import HarmtraceError, InputError, param
from harmtrace.link.kinds import INCIDENTS, VICTIMS, EntityKind
from harmtrace.store import Store

KIND: Final = "victims"
VERDICTS: Final = ("same", "different")
# reports also: one is part of the other (stored as 'part-of' when id_a is the part, else 'contains')
INCIDENT_VERDICTS: Final = ("same", "different", "part-of", "contains")
# verdicts that keep two records in different clusters
APART: Final = ("different", "part-of", "contains")
ENV_AUTHOR: Final = "HARMTRACE_AUTHOR"

RecordRef = int | str | tuple[str, str]


class DecisionConflict(HarmtraceError):
    """Active decisions contradict each other; the message names them and says how to resolve it."""


class AlreadyDecided(HarmtraceError):
    """The pair was decided (by someone else, meanwhile) and the caller asked not to supersede it."""


@dataclass(frozen=True)
class Decision:
    """One analyst decision; ``id_a < id_b`` always (the pair is unordered)."""

    decision_id: int
    kind: str
    verdict: str
    id_a: int
    id_b: int
    reason: str
    author: str
    decided_at: datetime
    superseded_by: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def describe(self) -> str:
        """``decision 4 (12 same 31)``: how error messages name a decision."""
        return f"decision {self.decision_id} ({self.id_a} {self.verdict} {self.id_b})"

    @property
    def part_and_whole(self) -> tuple[int, int] | None:
        """(part, whole) of a containment decision ('part-of' or 'contains'), else None."""
        if self.verdict == "part-of":
            return self.id_a, self.id_b
        if self.verdict == "contains":
            return self.id_b, self.id_a
        return None


def default_author(explicit: str | None = None) -> str:
    """``--author``, else ``$HARMTRACE_AUTHOR``, else the operating-system user."""
    for candidate in (explicit, os.environ.get(ENV_AUTHOR)):
        if candidate and candidate.strip():
            return candidate.strip()
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (some containers)
        return "unknown"


def record_decision(
    store: Store,
    verdict: str,
    record_a: RecordRef,
    record_b: RecordRef,
    reason: str,
    author: str | None = None,
    kind: EntityKind = VICTIMS,
    *,
    supersede: bool = True,
) -> tuple[Decision, Decision | None]:
    """Record that two victim records are the same person or different people.

    For reports (`kind` INCIDENTS), verdict 'part-of' says `record_a`'s incident is part of
    `record_b`'s, and 'contains' the reverse (module docstring).

    Returns the new decision and the one it superseded (an earlier decision on the same pair), if any.
    Raises InputError for an unknown verdict or record, a blank reason or a record paired with itself,
    DecisionConflict when the decision would contradict the other active decisions, and, without
    `supersede`, AlreadyDecided when the pair has a decision (review: another analyst decided it
    while this one was looking at it).
    """
    allowed = verdicts_for(kind)
    if verdict not in allowed:
        raise InputError(f"Verdict {verdict!r} is not one of {', '.join(allowed)}.")
    if not reason or not reason.strip():
        raise InputError(
            f"A decision needs a reason ({param('reason')}): say what the records share or where they differ."
        )
    first, second = resolve_record(store, record_a, kind), resolve_record(store, record_b, kind)
    a, b = sorted((first, second))
    verdict = _ordered_verdict(verdict, first, second)
    if a == b:
        raise InputError(
            f"Both records are {kind.record_word} {a}: a decision is about two different records."
        )
    with store.transaction() as con:
        active = _decisions(store, "WHERE kind = ? AND superseded_by IS NULL", [kind.kind])
        earlier = next((d for d in active if (d.id_a, d.id_b) == (a, b)), None)
        if earlier is not None and not supersede:
            raise AlreadyDecided(_already_decided(earlier, verdict, kind))
        new_id = int(store.scalar("SELECT coalesce(max(decision_id), 0) + 1 FROM decision"))
        now = datetime.now(UTC).replace(tzinfo=None)
        decision = Decision(new_id, kind.kind, verdict, a, b, reason.strip(), default_author(author), now)
        check_consistent([d for d in active if d is not earlier] + [decision], proposed=decision, kind=kind)
        con.execute(
            "INSERT INTO decision VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL)",
            [new_id, kind.kind, verdict, a, b, decision.reason, decision.author, now],
        )
        if earlier is not None:
            con.execute(
                "UPDATE decision SET superseded_by = ? WHERE decision_id = ?", [new_id, earlier.decision_id]
            )
    return decision, replace(earlier, superseded_by=new_id) if earlier else None


def _already_decided(earlier: Decision, verdict: str, kind: EntityKind) -> str:
    return (
        f"records {earlier.id_a} and {earlier.id_b} were decided already: {earlier.describe()} by "
        f"{earlier.author}, {earlier.decided_at:%Y-%m-%d %H:%M} UTC. To supersede it: harmtrace decide "
        f"{kind.kind} {verdict} {earlier.id_a} {earlier.id_b} --reason TEXT"
    )


def decision_on(store: Store, record_a: int, record_b: int, kind: EntityKind = VICTIMS) -> Decision | None:
    """The active decision on two records (ids, either order), or None when the pair was never decided."""
    a, b = sorted((record_a, record_b))
    where = "WHERE kind = ? AND id_a = ? AND id_b = ? AND superseded_by IS NULL"
    return next(iter(_decisions(store, where, [kind.kind, a, b])), None)


def verdicts_for(kind: EntityKind) -> tuple[str, ...]:
    """The verdicts a decision on records of `kind` may give: containment is for reports only."""
    return INCIDENT_VERDICTS if kind.kind == INCIDENTS.kind else VERDICTS


def _ordered_verdict(verdict: str, first: int, second: int) -> str:
    """The verdict as stored for the pair in order (id_a < id_b): containment keeps its direction.

    >>> _ordered_verdict("part-of", 31, 12), _ordered_verdict("contains", 31, 12)
    ('contains', 'part-of')
    """
    if verdict not in ("part-of", "contains") or first < second:
        return verdict
    return "contains" if verdict == "part-of" else "part-of"


def list_decisions(
    store: Store, *, include_superseded: bool = True, victim_id: int | None = None, kind: EntityKind = VICTIMS
) -> list[Decision]:
    """Victim decisions, oldest first; superseded ones too unless asked otherwise (the audit trail)."""
    where, params = ["kind = ?"], list[Any]([kind.kind])
    if not include_superseded:
        where.append("superseded_by IS NULL")
    if victim_id is not None:
        where.append("(id_a = ? OR id_b = ?)")
        params += [victim_id, victim_id]
    return _decisions(store, "WHERE " + " AND ".join(where), params)


def active_decisions(store: Store, kind: EntityKind = VICTIMS) -> list[Decision]:
    """The decisions linkage must respect: decisions of `kind` not superseded."""
    return list_decisions(store, include_superseded=False, kind=kind)


def _decisions(store: Store, where: str, params: Sequence[Any]) -> list[Decision]:
    rows = store.rows(f"SELECT * FROM decision {where} ORDER BY decision_id", params)
    return [Decision(**row) for row in rows]


def resolve_record(store: Store, ref: RecordRef, kind: EntityKind = VICTIMS) -> int:
    """The id of a record (victim id, or report id for incidents) named by that id,
    ``"SOURCE:RECORD_ID"`` or ``(source, record_id)``."""
    table, key, word = kind.record_table, kind.record_key, kind.record_word
    id_word = key.replace("_", " ")
    if isinstance(ref, str) and ref.strip().isdigit():
        ref = int(ref.strip())
    if isinstance(ref, str) and separator_hint(ref):
        raise InputError(f"{ref!r} is not a {id_word}. {separator_hint(ref)}")
    if isinstance(ref, int):
        if not store.scalar(f"SELECT count(*) FROM {table} WHERE {key} = ?", [ref]):
            raise InputError(f"No {word} has id {ref}. See ids with: harmtrace review {kind.kind} --json")
        return ref
    source, record_id = ref if isinstance(ref, tuple) else _split_source(store, ref, id_word)
    found = store.rows(
        f"SELECT v.{key} FROM {table} v JOIN source s USING (source_id) "
        f"WHERE s.name = ? AND v.record_id = ? ORDER BY v.{key}",
        [source, record_id],
    )
    if not found:
        raise InputError(f"Source {source!r} has no {word} with id {record_id!r}.")
    if len(found) > 1:
        ids = ", ".join(str(r[key]) for r in found)
        raise InputError(
            f"Source {source!r} lists record id {record_id!r} {len(found)} times ({id_word}s {ids}): "
            f"name the record by its {id_word} instead."
        )
    return int(found[0][key])


def _split_source(store: Store, text: str, id_word: str = "victim id") -> tuple[str, str]:
    """``SOURCE:RECORD_ID`` split at the colon that ends a known source name (names may hold colons)."""
    names = [r["name"] for r in store.rows("SELECT name FROM source ORDER BY length(name) DESC")]
    for name in names:
        if text.startswith(name + ":") and len(text) > len(name) + 1:
            return name, text[len(name) + 1 :]
    known = ", ".join(sorted(names)) or "none yet"
    raise InputError(
        f"{text!r} is neither a {id_word} nor SOURCE:RECORD_ID with a known source (sources: {known})."
    )


def check_consistent(
    decisions: Iterable[Decision], proposed: Decision | None = None, kind: EntityKind = VICTIMS
) -> None:
    """Raise DecisionConflict when 'same' decisions chain two records a 'different' (or containment)
    decision separates, or containment decisions give a part two wholes or make a chain.

    The message names the decisions involved, for every such contradiction: for two records kept
    apart, the chain of 'same' decisions (a shortest one) that joins them; `proposed`, a decision not
    yet recorded, is named "the new decision".
    """

    def name(d: Decision) -> str:
        return f"the new decision ({d.id_a} {d.verdict} {d.id_b})" if d is proposed else d.describe()

    decisions = list(decisions)
    graph: dict[int, list[Decision]] = {}
    for d in (d for d in decisions if d.verdict == "same"):
        graph.setdefault(d.id_a, []).append(d)
        graph.setdefault(d.id_b, []).append(d)
    problems = [_apart_problem(d, graph, name, kind) for d in decisions if d.verdict in APART]
    problems += _containment_problems(decisions, graph, name, kind)
    if any(problems):
        refused = " The new decision was not recorded." if proposed is not None else ""
        raise DecisionConflict(
            f"Analyst decisions contradict each other:{refused}\n"
            + "\n".join(f"  - {p}" for p in problems if p)
            + "\nSupersede the wrong one with a new decision on its pair: "
            f"harmtrace decide {kind.kind} {'|'.join(verdicts_for(kind)[:3])} ID_A ID_B --reason TEXT"
        )


def _apart_problem(
    d: Decision, graph: dict[int, list[Decision]], name: Callable[[Decision], str], kind: EntityKind
) -> str | None:
    """Why decision `d`, which keeps its records apart, contradicts the 'same' decisions, or None."""
    chain = _same_chain(graph, d.id_a, d.id_b)
    if chain is None:
        return None
    says = f"records {d.id_a} and {d.id_b} are different {kind.entity_plural}"
    if d.part_and_whole is not None:
        part, whole = d.part_and_whole
        says = f"record {part}'s {kind.entity_word} is part of record {whole}'s (a different one)"
    joined = ", ".join(name(c) for c in chain)
    return f"{name(d)} says {says}, but {joined} make them the same {kind.entity_word}"


def _containment_problems(
    decisions: list[Decision],
    graph: dict[int, list[Decision]],
    name: Callable[[Decision], str],
    kind: EntityKind,
) -> list[str]:
    """Containment decisions that give a part a second whole, or make a whole a part (one level only).

    Records that 'same' decisions join are one incident here; decisions are read in order, so the
    later of two conflicting decisions is the one named first.
    """
    root = _same_roots(graph)
    whole_of: dict[int, tuple[int, Decision]] = {}  # part's root -> (whole's root, decision)
    has_parts: dict[int, Decision] = {}  # whole's root -> a decision giving it a part
    problems = []
    word = kind.entity_word
    for d in decisions:
        if d.part_and_whole is None:
            continue
        part, whole = d.part_and_whole
        p, w = root(part), root(whole)
        earlier = whole_of.get(p)
        if p == w or (earlier is not None and earlier[0] == w):
            continue  # the same records (said by _apart_problem), or the same containment again
        if earlier is not None:
            problems.append(
                f"{name(d)} makes record {part}'s {word} part of a second whole, but {name(earlier[1])} "
                "already makes it part of another (a part has one whole)"
            )
        elif p in has_parts or w in whole_of:
            other = has_parts[p] if p in has_parts else whole_of[w][1]
            problems.append(
                f"{name(d)} and {name(other)} make a chain of parts: containment is one level "
                "(a whole is never itself a part)"
            )
        else:
            whole_of[p] = (w, d)
            has_parts.setdefault(w, d)
    return problems


def _same_roots(graph: dict[int, list[Decision]]) -> Callable[[int], int]:
    """The smallest record each record is joined to by 'same' decisions (itself when none)."""
    roots: dict[int, int] = {}
    for start in sorted(graph):
        if start in roots:
            continue
        seen, queue = {start}, deque([start])
        while queue:
            node = queue.popleft()
            for d in graph[node]:
                other = d.id_b if d.id_a == node else d.id_a
                if other not in seen:
                    seen.add(other)
                    queue.append(other)
        roots.update(dict.fromkeys(seen, min(seen)))
    return lambda record: roots.get(record, record)


def _same_chain(graph: dict[int, list[Decision]], start: int, goal: int) -> list[Decision] | None:
    """A shortest chain of 'same' decisions from `start` to `goal` (breadth-first), or None."""
    came_by: dict[int, Decision | None] = {start: None}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        if node == goal:
            chain = []
            while (step := came_by[node]) is not None:
                chain.append(step)
                node = step.id_a if step.id_b == node else step.id_b
            return chain[::-1]
        for d in graph.get(node, []):
            other = d.id_b if d.id_a == node else d.id_a
            if other not in came_by:
                came_by[other] = d
                queue.append(other)
    return None
