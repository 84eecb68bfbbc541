"""What an analyst reviews: the pairs a linkage run was least sure of, each record as written, and why.

The queue holds a run's scored pairs (`link_pair`) nearest to a match probability of 0.5, the ones
where a human decision changes most, leaving out pairs someone already decided (any decision on the
pair, superseded or not). Ties go to the smaller ids, so the queue is the same each time it is read.

A pair's reasons come from its ``detail`` JSON, written by the model: for each comparison, the level
the pair reached (e.g. "exact match on name key") and the match weight (log2 Bayes factor, term
frequency adjustment included) that level added; the largest contributions, for or against, first.
The reader accepts these shapes:

    {"prior": -13.1, "comparisons": [{"comparison": "given", "level": "exact", "weight": 6.2}, ...]}
    {"comparisons": {"given": {"level": "exact", "weight": 6.2}, ...}}
    {"given": {"level": "exact", "weight": 6.2}, ...}          a mapping of comparisons
    [{"comparison": "given", "level": "exact", "weight": 6.2}, ...]
    {"gamma_given": 3, "bf_given": 73.5, "bf_tf_adj_given": 0.9, ...}   Splink's own columns

(``name`` for ``comparison``; ``label`` for ``level``; ``match_weight``, else log2 of ``bf`` times
``bf_tf_adj``, for ``weight``). A pair linked because one report cites the other (method 'cited',
`harmtrace.link.citations`) reads ``{"method": "cited", "citations": [...], "model": ...}``: its
citations come first, then the model's own reasons when it scored the pair too. Records are shown
with their names: the analyst asked to see them.

For incidents (``kind=INCIDENTS``) the queue holds pairs of reports, each shown with REPORT_FIELDS:
date, place in both scripts, point and precision, perpetrators, means, civilians killed, description.
"""

from __future__ import annotations

import json
import math
from typing import Any, Final, TypedDict

from harmtrace.errors import QueryError, param
from harmtrace.link.kinds import INCIDENTS, VICTIMS, EntityKind
from harmtrace.store import Store

RECORD_FIELDS: Final = (
    "victim_id", "source", "record_id", "name", "name_ar", "given_name", "father_name", "grandfather_name",
    "family_name", "sex", "age_min", "age_max", "age_group", "status", "date_start", "date_end",
    "date_precision", "place_of_death", "place_of_death_ar", "province", "cause",
)  # fmt: skip
REPORT_FIELDS: Final = (
    "report_id", "source", "record_id", "date_start", "date_end", "date_precision", "place_text",
    "place_text_ar", "adm1_source", "latitude", "longitude", "location_precision", "perpetrators", "means",
    "killed_min", "killed_max", "description", "description_ar",
)  # fmt: skip
PRIOR_KEYS: Final = ("prior", "intercept", "prior_weight", "prior_of")


class Reason(TypedDict):
    comparison: str
    level: str | None
    weight: float | None


class ReviewPair(TypedDict):
    run_id: int
    id_l: int
    id_r: int
    # 'model' (scored by the run's model), 'cited' (one report cites the other), 'assigned' or
    # 'outmatched' (a report and a curated event: `harmtrace.link.assignment`)
    method: str
    match_probability: float
    match_weight: float
    records: list[dict[str, Any]]  # the two records, id_l first: RECORD_FIELDS
    reasons: list[Reason]


def latest_run(store: Store, kind: EntityKind = VICTIMS) -> int:
    """The latest linkage run of `kind`: the latest finished one, else the latest started."""
    run = store.scalar(
        "SELECT run_id FROM link_run WHERE kind = ? ORDER BY finished_at IS NULL, run_id DESC LIMIT 1",
        [kind.kind],
    )
    if run is None:
        raise QueryError(
            f"No {kind.kind} linkage run yet: link the {kind.record_word}s first ({kind.link_command})."
        )
    return int(run)


def review_queue(
    store: Store, run_id: int | None = None, limit: int = 20, kind: EntityKind = VICTIMS
) -> list[ReviewPair]:
    """The `limit` undecided pairs of the run (default: the latest) nearest to probability 0.5."""
    if limit < 1:
        raise QueryError(f"{param('limit')} must be at least 1 (got {limit}).")
    run = latest_run(store, kind) if run_id is None else _known_run(store, run_id, kind)
    pairs = store.rows(
        "SELECT id_l, id_r, method, match_probability, match_weight, detail FROM link_pair p "
        "WHERE run_id = ? AND kind = ? AND NOT EXISTS (SELECT 1 FROM decision d WHERE d.kind = p.kind "
        "AND d.id_a = least(p.id_l, p.id_r) AND d.id_b = greatest(p.id_l, p.id_r)) "
        "ORDER BY abs(match_probability - 0.5), id_l, id_r LIMIT ?",
        [run, kind.kind, limit],
    )
    fetch = report_records if kind is INCIDENTS else victim_records
    records = fetch(store, [p[k] for p in pairs for k in ("id_l", "id_r")])
    return [
        {
            "run_id": run,
            "id_l": p["id_l"],
            "id_r": p["id_r"],
            "method": p["method"],
            "match_probability": p["match_probability"],
            "match_weight": p["match_weight"],
            "records": [records[p["id_l"]], records[p["id_r"]]],
            "reasons": reasons(p["detail"]),
        }
        for p in pairs
    ]


def _known_run(store: Store, run_id: int, kind: EntityKind = VICTIMS) -> int:
    if not store.scalar("SELECT count(*) FROM link_run WHERE run_id = ? AND kind = ?", [run_id, kind.kind]):
        latest = store.scalar("SELECT max(run_id) FROM link_run WHERE kind = ?", [kind.kind])
        hint = f"the latest is {latest}" if latest is not None else f"none exists yet ({kind.link_command})"
        raise QueryError(f"No {kind.kind} linkage run {run_id}: {hint}.")
    return run_id


def victim_records(store: Store, victim_ids: list[int]) -> dict[int, dict[str, Any]]:
    """The records as their sources wrote them (RECORD_FIELDS), by victim id."""
    if not victim_ids:
        return {}
    rows = store.rows(
        f"SELECT {', '.join('s.name AS source' if f == 'source' else 'v.' + f for f in RECORD_FIELDS)} "
        "FROM victim_record v JOIN source s USING (source_id) "
        "WHERE v.victim_id IN (SELECT unnest(?::BIGINT[]))",
        [sorted(set(victim_ids))],
    )
    return {row["victim_id"]: row for row in rows}


def report_records(store: Store, report_ids: list[int]) -> dict[int, dict[str, Any]]:
    """The reports as their sources wrote them (REPORT_FIELDS), by report id; civilians killed as
    killed_min / killed_max (any category when civilians are not given)."""
    if not report_ids:
        return {}
    columns = [f for f in REPORT_FIELDS if f not in ("source", "killed_min", "killed_max")]
    rows = store.rows(
        f"SELECT {', '.join('r.' + f for f in columns)}, s.name AS source, h.killed_min, h.killed_max "
        "FROM report r JOIN source s USING (source_id) LEFT JOIN (SELECT report_id, "
        "min(count_min) AS killed_min, max(count_max) AS killed_max FROM harm WHERE harm = 'killed' AND "
        "category IN ('civilians', 'all') GROUP BY report_id) h USING (report_id) "
        "WHERE r.report_id IN (SELECT unnest(?::BIGINT[]))",
        [sorted(set(report_ids))],
    )
    return {row["report_id"]: row for row in rows}


def reasons(detail: str | None) -> list[Reason]:
    """The comparisons behind a pair's match weight, largest contributions (for or against) first.

    >>> found = reasons('{"prior": -10, "comparisons": [{"comparison": "sex", "level": "same", '
    ...                 '"weight": 0.9}, {"comparison": "given", "level": "exact", "weight": 6.5}]}')
    >>> [(r["comparison"], r["weight"]) for r in found]
    [('given', 6.5), ('sex', 0.9), ('prior', -10.0)]
    """
    if not detail:
        return []
    try:
        data = json.loads(detail)
    except json.JSONDecodeError:
        return [{"comparison": "detail", "level": "not readable as JSON", "weight": None}]
    if isinstance(data, dict) and data.get("method") == "cited":
        return _cited_reasons(data)
    assigned = _assigned_reason(data)
    found = [r for r in _comparisons(data) if r["comparison"] not in (*PRIOR_KEYS, "assigned")]
    found.sort(key=lambda r: -abs(r["weight"]) if r["weight"] is not None else math.inf)
    prior = _prior(data)
    level = data.get("prior_of") if isinstance(data, dict) else None
    prior_row: Reason = {"comparison": "prior", "level": str(level or "any two records"), "weight": prior}
    return assigned + found + ([prior_row] if prior else [])


def _assigned_reason(data: Any) -> list[Reason]:
    """The assignment of a report to a curated event (`harmtrace.link.assignment`), when it chose
    the pair.

    >>> _assigned_reason({"assigned": {"share": 0.31, "rival_events": 2}})[0]["level"]
    'share 0.31 of the odds, against 2 rival events: linked at any probability'
    """
    given = data.get("assigned") if isinstance(data, dict) else None
    if not isinstance(given, dict):
        return []
    level = (
        f"share {given.get('share')} of the odds, against {given.get('rival_events')} rival events: "
        "linked at any probability"
    )
    return [{"comparison": "assigned to this event", "level": level, "weight": None}]


def _cited_reasons(data: dict[str, Any]) -> list[Reason]:
    """A cited pair's citations, then what the model made of the pair, if it scored it.

    >>> detail = ('{"method": "cited", "citations": [{"citing": 7, "source": "Airwars", "code": "S380"}], '
    ...           '"model": {"date": {"level": "same day", "weight": 3.1}}, "model_probability": 0.42}')
    >>> [(r["comparison"], r["level"]) for r in reasons(detail)][:2]
    [('citation', 'report 7 cites Airwars S380'), ('model', 'match probability 0.420 without the citation')]
    """
    cited: list[Reason] = [
        {"comparison": "citation", "weight": None,
         "level": f"report {c.get('citing')} cites {c.get('source')} {c.get('code')}"}
        for c in data.get("citations") or [] if isinstance(c, dict)
    ]  # fmt: skip
    model = data.get("model")
    if model is None:
        return [*cited, {"comparison": "model", "level": "not scored (not a candidate pair)", "weight": None}]
    probability = _number(data.get("model_probability"))
    shown = "?" if probability is None else f"{probability:.3f}"
    said: Reason = {"comparison": "model", "level": f"match probability {shown} without the citation",
                    "weight": None}  # fmt: skip
    return [*cited, said, *reasons(json.dumps(model))]


def _comparisons(data: Any) -> list[Reason]:
    if isinstance(data, dict) and "comparisons" in data:
        return _comparisons(data["comparisons"])
    if isinstance(data, list):
        return [
            _reason(str(item.get("comparison", item.get("name", "?"))), item)
            for item in data
            if isinstance(item, dict)
        ]
    if not isinstance(data, dict):
        return []
    if any(str(k).startswith("gamma_") for k in data):
        return [_splink_reason(data, k.removeprefix("gamma_")) for k in data if k.startswith("gamma_")]
    return [_reason(str(name), value) for name, value in data.items() if name not in PRIOR_KEYS]


def _reason(name: str, value: Any) -> Reason:
    if not isinstance(value, dict):
        return {"comparison": name, "level": None, "weight": _number(value)}
    level = value.get("level", value.get("label", value.get("comparison_level")))
    weight = _number(value.get("weight", value.get("match_weight")))
    if weight is None and _number(value.get("bf")):
        weight = math.log2(float(value["bf"]) * float(value.get("bf_tf_adj") or 1.0))
    return {"comparison": name, "level": None if level is None else str(level), "weight": weight}


def _splink_reason(data: dict[str, Any], name: str) -> Reason:
    bf = _number(data.get(f"bf_{name}"))
    tf = _number(data.get(f"bf_tf_adj_{name}")) or 1.0
    label = data.get(f"label_{name}", data.get(f"level_{name}"))
    level = str(label) if label is not None else f"level {data[f'gamma_{name}']}"
    return {"comparison": name, "level": level, "weight": math.log2(bf * tf) if bf else None}


def _prior(data: Any) -> float | None:
    if isinstance(data, dict):
        return next((_number(data[k]) for k in PRIOR_KEYS if k in data), None)
    return None


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def default_reason(verdict: str, pair_reasons: list[Reason]) -> str:
    """A reason to accept with Enter: what the records agree on ('same') or differ in ('different').

    >>> default_reason("same", [{"comparison": "given", "level": "exact", "weight": 6.5}])
    'reviewed: records agree on given'
    """
    sign = 1 if verdict == "same" else -1
    telling = [
        r["comparison"] for r in pair_reasons if r["comparison"] != "prior" and (r["weight"] or 0) * sign > 0
    ]
    if not telling:
        return f"reviewed side by side: {verdict}"
    verb = "agree on" if verdict == "same" else "differ in"
    return f"reviewed: records {verb} {', '.join(telling[:5])}"
