"""The review queue and the reasons behind a pair's weight, read from the model's detail JSON."""

from __future__ import annotations

import json
import math

import pytest

from harmtrace.errors import QueryError
from harmtrace.link.decisions import record_decision
from harmtrace.link.review import default_reason, latest_run, reasons, review_queue
from harmtrace.store import Store
from tests.link.victim_rows import add_plain_records, add_run, add_sources

DETAIL = {
    "prior": -12.5,
    "comparisons": [
        {"comparison": "sex", "level": "same", "weight": 0.8},
        {"comparison": "given", "level": "same key", "weight": 7.1},
        {"comparison": "date", "level": "more than 30 days apart", "weight": -5.4},
    ],
}


def test_reasons_put_the_largest_contributions_first_and_the_prior_last() -> None:
    found = reasons(json.dumps(DETAIL))
    assert [(r["comparison"], r["weight"]) for r in found] == [
        ("given", 7.1),
        ("date", -5.4),
        ("sex", 0.8),
        ("prior", -12.5),
    ]
    assert found[1]["level"] == "more than 30 days apart"


def test_reasons_read_a_mapping_of_comparisons_and_splinks_own_columns() -> None:
    mapping = {"given": {"label": "exact", "match_weight": 3.0}, "sex": -1.5}
    assert reasons(json.dumps(mapping)) == [
        {"comparison": "given", "level": "exact", "weight": 3.0},
        {"comparison": "sex", "level": None, "weight": -1.5},
    ]
    splink = {"gamma_given": 2, "bf_given": 16.0, "bf_tf_adj_given": 0.5, "gamma_sex": 0, "bf_sex": 0.25}
    found = reasons(json.dumps(splink))
    assert [(r["comparison"], r["level"], r["weight"]) for r in found] == [
        ("given", "level 2", 3.0),
        ("sex", "level 0", -2.0),
    ]


def test_missing_or_broken_detail_gives_no_or_one_honest_reason() -> None:
    assert reasons(None) == []
    assert reasons("{not json") == [{"comparison": "detail", "level": "not readable as JSON", "weight": None}]
    assert math.isclose(reasons('[{"name": "x", "bf": 8}]')[0]["weight"] or 0, 3.0)


def test_default_reasons_name_what_agrees_or_differs() -> None:
    found = reasons(json.dumps(DETAIL))
    assert default_reason("same", found) == "reviewed: records agree on given, sex"
    assert default_reason("different", found) == "reviewed: records differ in date"
    assert default_reason("same", []) == "reviewed side by side: same"


def test_the_queue_is_the_undecided_pairs_nearest_even_odds(store: Store) -> None:
    add_sources(store, "list_a")
    add_plain_records(store, range(1, 9))
    run = add_run(store, [(1, 2, 0.99), (3, 4, 0.54), (5, 6, 0.43), (7, 8, 0.5), (2, 3, 0.51)])
    record_decision(store, "different", 8, 7, "checked")
    queue = review_queue(store, limit=3)
    assert [(p["id_l"], p["id_r"]) for p in queue] == [(2, 3), (3, 4), (5, 6)]
    assert queue[0]["run_id"] == run and queue[0]["records"][0]["victim_id"] == 2
    assert queue[0]["records"][0]["source"] == "list_a"
    assert len(review_queue(store, run, limit=10)) == 4


def test_the_latest_finished_run_is_reviewed_and_unknown_runs_are_errors(store: Store) -> None:
    with pytest.raises(QueryError, match="No victims linkage run yet"):
        latest_run(store)
    first = add_run(store, [])
    add_run(store, [])
    store.con.execute("UPDATE link_run SET finished_at = NULL WHERE run_id = 2")  # still running
    assert latest_run(store) == first
    with pytest.raises(QueryError, match="No victims linkage run 5: the latest is 2"):
        review_queue(store, 5)
    with pytest.raises(QueryError, match=r"^limit must be at least 1"):
        review_queue(store, first, 0)
