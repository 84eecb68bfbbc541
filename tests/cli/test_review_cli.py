"""`harmtrace review victims`, `decide victims` and `decisions victims` as a user runs them.

The records are invented. The interactive loop is driven through click's CliRunner input: one key
per decision, then the reason line (empty: accept the reason offered).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from harmtrace.cli import main
from harmtrace.store import Store, open_store
from tests.conftest import run_cli
from tests.link.victim_rows import add_records, add_run, add_sources, day

DETAIL = {
    "prior": -11.0,
    "comparisons": [
        {"comparison": "given", "level": "same key", "weight": 6.5},
        {"comparison": "date", "level": "1-2 days apart", "weight": 2.0},
        {"comparison": "age", "level": "differ", "weight": -3.5},
    ],
}


def _records(store: Store) -> None:
    add_sources(store, "list_a", "list_b")
    common = {"sex": "male", "status": "civilian", "date_precision": "day", "cause": "shelling"}
    add_records(
        store,
        [
            common | {"victim_id": 1, "record_id": "A-1", "name": "Samir Nadim Haddad", "age_min": 40,
                      "age_max": 40, "date_start": day("2013-05-02"), "date_end": day("2013-05-02"),
                      "place_of_death": "Duma"},
            common | {"victim_id": 2, "source_id": 2, "record_id": "B-7", "name_ar": "سمير نديم حداد",
                      "given_name": "سمير", "family_name": "حداد", "age_group": "adult",
                      "date_start": day("2013-05-03"), "date_end": day("2013-05-03")},
            common | {"victim_id": 3, "record_id": "A-2", "name": "Samira Haddad", "sex": "female"},
            common | {"victim_id": 4, "source_id": 2, "record_id": "B-8", "name": "Samira Hadad"},
            common | {"victim_id": 5, "record_id": "A-3", "name": "Fadi Karam"},
            common | {"victim_id": 6, "source_id": 2, "record_id": "B-9", "name": "Fadi Karram"},
        ],
    )  # fmt: skip


@pytest.fixture
def db(db_path: Path) -> Path:
    with open_store(db_path, create=True) as store:
        _records(store)
        add_run(store, [(1, 2, 0.52), (3, 4, 0.4), (5, 6, 0.9)], [DETAIL, DETAIL, None])
    return db_path


def interactive(db: Path, keys: str, *args: str) -> Result:
    return CliRunner().invoke(
        main,
        ["review", "victims", "--interactive", "--db", str(db), *args],
        input=keys,
        catch_exceptions=False,
    )


def active(db: Path) -> list[tuple[int, int, str, str, str]]:
    with open_store(db, read_only=True) as store:
        rows = store.rows("SELECT * FROM decision WHERE superseded_by IS NULL ORDER BY decision_id")
    return [(r["id_a"], r["id_b"], r["verdict"], r["reason"], r["author"]) for r in rows]


def test_without_a_terminal_review_prints_the_queue_side_by_side_with_reasons(db: Path) -> None:
    result = run_cli(db, "review", "victims", "--limit", "2", "--with-names")
    assert result.exit_code == 0, result.output
    out = result.output
    assert out.startswith("Pair 1 of 2 (run 1): match probability 0.520, match weight +0.12")
    header = next(line for line in out.splitlines() if "record 1" in line)
    assert header.split() == ["record", "1", "record", "2"]
    assert "name            Samir Nadim Haddad" in out
    assert "name (Arabic)   -                   سمير نديم حداد" in out
    assert "age             40                  adult" in out
    assert "date of death   2013-05-02 (day)    2013-05-03 (day)" in out
    lines = out.splitlines()
    why = lines.index("Why this weight (largest contributions first):")
    assert [line.split()[0] for line in lines[why + 3 : why + 7]] == ["given", "age", "date", "prior"]
    assert "Pair 2 of 2" in out and "harmtrace decide victims same|different" in out


def test_a_pair_linked_by_elimination_says_so(db: Path) -> None:
    with open_store(db) as store:
        store.con.execute("UPDATE link_pair SET method = 'elimination' WHERE id_l = 1 AND id_r = 2")
    out = run_cli(db, "review", "victims", "--limit", "1").output
    assert out.splitlines()[0] == (
        "Pair 1 of 1 (run 1): match probability 0.520, match weight +0.12; linked by elimination: each "
        "record the other's only candidate left in its list (method elimination)"
    )


def test_json_prints_the_queue_with_records_and_reasons(db: Path) -> None:
    result = run_cli(db, "review", "victims", "--json")
    assert result.exit_code == 0, result.output
    queue = json.loads(result.output)
    assert [(p["id_l"], p["id_r"]) for p in queue] == [(1, 2), (3, 4), (5, 6)]
    assert set(queue[0]) == {
        "run_id",
        "id_l",
        "id_r",
        "method",
        "match_probability",
        "match_weight",
        "records",
        "reasons",
    }
    assert queue[0]["method"] == "model"  # victim pairs are scored; 'cited' is for reports
    assert queue[0]["records"][1]["record_id"] == "B-7"
    assert queue[2]["reasons"] == []


NAMES = ("Samir Nadim Haddad", "سمير نديم حداد", "Samira", "Fadi")


def test_json_and_piped_output_leave_names_out_unless_asked(db: Path) -> None:
    piped = run_cli(db, "review", "victims")  # CliRunner's output, as a pipe's, is no terminal
    assert piped.exit_code == 0, piped.output
    assert not [name for name in NAMES if name in piped.output]
    assert "record 1" in piped.output and "Duma" in piped.output
    assert piped.output.rstrip().endswith("Names left out (--with-names adds them).")
    queue = json.loads(run_cli(db, "review", "victims", "--json").output)
    assert queue[0]["records"][0]["record_id"] == "A-1"
    assert not {"name", "name_ar", "given_name", "family_name"} & set(queue[0]["records"][1])
    named = json.loads(run_cli(db, "review", "victims", "--json", "--with-names").output)
    assert named[0]["records"][1]["name_ar"] == "سمير نديم حداد"
    assert all(name in run_cli(db, "review", "victims", "--with-names").output for name in NAMES)


def test_one_key_decides_and_enter_accepts_the_offered_reason(db: Path) -> None:
    # s + Enter: same, offered reason; x: not a key; d + a typed reason; q: quit
    result = interactive(db, "s\nxdages differ by 20 years\nq", "--author", "rania")
    assert result.exit_code == 0, result.output
    assert "Press s, d, k (or n) or q." in result.output
    assert "Recorded decision 1: 1 same 2." in result.output
    assert "2 decided, 0 skipped, 1 not reached." in result.output
    assert active(db) == [
        (1, 2, "same", "reviewed: records agree on given, date", "rania"),
        (3, 4, "different", "ages differ by 20 years", "rania"),
    ]


def test_skipping_and_end_of_input_record_nothing(db: Path) -> None:
    result = interactive(db, "kn")
    assert result.exit_code == 0, result.output
    assert "0 decided, 2 skipped, 1 not reached." in result.output
    assert active(db) == []


def test_decided_pairs_leave_the_queue(db: Path) -> None:
    interactive(db, "s\n", "--limit", "1")
    queue = json.loads(run_cli(db, "review", "victims", "--json").output)
    assert [(p["id_l"], p["id_r"]) for p in queue] == [(3, 4), (5, 6)]


def test_decide_by_victim_id_or_source_record_id_and_supersede(db: Path) -> None:
    result = run_cli(db, "decide", "victims", "same", "list_a:A-2", "list_b:B-8", "--reason", "same person")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == "Decision 1: records 3 and 4 are the same person."
    result = run_cli(
        db, "decide", "victims", "different", "4", "3", "--reason", "sisters", "--author", "b", "--json"
    )
    data = json.loads(result.output)
    assert data["decision"]["verdict"] == "different" and data["superseded"]["decision_id"] == 1
    listed = json.loads(run_cli(db, "decisions", "victims", "--all", "--json").output)
    assert [(d["decision_id"], d["superseded_by"]) for d in listed] == [(1, 2), (2, None)]
    assert len(json.loads(run_cli(db, "decisions", "victims", "--json").output)) == 1
    table = run_cli(db, "decisions", "victims", "--record", "list_b:B-8").output
    assert "sisters" in table and "same person" not in table


def test_decide_errors_say_what_to_do(db: Path) -> None:
    missing = CliRunner().invoke(main, ["decide", "victims", "same", "1", "2", "--db", str(db)])
    assert missing.exit_code == 2 and "--reason" in missing.output
    unknown = run_cli(db, "decide", "victims", "same", "1", "list_c:X", "--reason", "r")
    assert unknown.exit_code == 1
    assert "neither a victim id nor SOURCE:RECORD_ID with a known source" in unknown.output
    grouped = run_cli(db, "decide", "victims", "same", "1", "16,840", "--reason", "r")
    assert grouped.exit_code == 1
    assert "'16,840' is not a victim id. Write ids without separators, e.g. 16840." in grouped.output
    run_cli(db, "decide", "victims", "same", "1", "2", "--reason", "r")
    run_cli(db, "decide", "victims", "same", "2", "3", "--reason", "r")
    conflict = run_cli(db, "decide", "victims", "different", "1", "3", "--reason", "r")
    assert conflict.exit_code == 1
    assert "decision 1 (1 same 2), decision 2 (2 same 3) make them the same person" in conflict.output


def test_review_before_any_link_run_is_a_clear_error(db_path: Path) -> None:
    with open_store(db_path, create=True) as store:
        _records(store)
    result = run_cli(db_path, "review", "victims")
    assert result.exit_code == 1
    assert "No victims linkage run yet" in result.output
