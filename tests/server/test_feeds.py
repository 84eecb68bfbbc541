"""The change and deletions feeds partners mirror the data by: what the first start lists, what a link
run that merges two incidents deletes and updates, paging, and what counts as a change."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from harmtrace.publish.policy import Audience
from harmtrace.server import feed, served
from harmtrace.store import open_store
from tests.conftest import run_ok
from tests.server.small_store import build, client, with_team

INCIDENTS = [f"I000000{n}" for n in range(1, 9)]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("built"))


@pytest.fixture
def team(built: Path, tmp_path: Path) -> tuple[Path, dict[str, dict[str, str]]]:
    return with_team(built, tmp_path)


def _pages(api: Any, path: str, **params: Any) -> list[dict[str, Any]]:
    """Every row of a paged feed, following next_cursor."""
    rows, cursor = [], None
    while True:
        page = api.get(path, params=params | ({"cursor": cursor} if cursor else {}))
        assert page.status_code == 200, page.text
        rows += page.json()["data"]
        cursor = page.json()["next_cursor"]
        if cursor is None:
            return rows


def test_the_first_start_lists_every_incident_as_new_and_pages_through_them(
    team: tuple[Path, dict[str, dict[str, str]]],
) -> None:
    db, _ = team
    with client(db) as api:
        rows = _pages(api, "/api/v1/updates", limit=3)
        deleted = api.get("/api/v1/deletions").json()
        listed = api.get("/api/v1/incidents", params={"fields": "incident_id,updated_at"}).json()["data"]
    assert [r["incident_id"] for r in rows] == INCIDENTS, "each once, in (updated_at, incident_id) order"
    assert all(r["first_seen"] == r["updated_at"] for r in rows)
    assert deleted == {"data": [], "limit": 100, "next_cursor": None}
    assert {r["incident_id"]: r["updated_at"] for r in listed} == {
        r["incident_id"]: r["updated_at"] for r in rows
    }
    assert all("latitude" not in r or r["radius_m"] >= 3536 for r in rows), "the public's coarsened points"


def test_an_incident_merged_by_a_later_link_run_is_deleted_and_replaced(
    team: tuple[Path, dict[str, dict[str, str]]],
) -> None:
    db, headers = team
    with client(db) as api:  # the first start: the feed knows the 8 incidents
        decided = api.post("/api/v1/decisions/incidents", headers=headers["ana"],
                           json={"verdict": "same", "a": 1, "b": 2, "reason": "one strike"})  # fmt: skip
        assert decided.status_code == 201, decided.text
    since = datetime.now(UTC)
    run_ok(db, "link", "incidents")  # the server stopped: the decision merges two incidents
    with client(db) as api:
        deleted = api.get("/api/v1/deletions", params={"since": since.isoformat()}).json()["data"]
        everything = api.get("/api/v1/deletions").json()["data"]
        later = api.get("/api/v1/deletions", params={"since": (since + timedelta(hours=1)).isoformat()})
        updated = api.get("/api/v1/updates", params={"since": since.isoformat()}).json()["data"]
        served_ids = [r["incident_id"] for r in _pages(api, "/api/v1/incidents", fields="incident_id")]
    assert len(deleted) == 1 and deleted == everything and later.json()["data"] == []
    gone, survivor = deleted[0]["incident_id"], deleted[0]["replaced_by"]
    assert {gone, survivor} == {"I0000001", "I0000002"}
    assert datetime.fromisoformat(deleted[0]["deleted_at"]) > since
    assert [(u["incident_id"], u["reports"]) for u in updated] == [(survivor, 2)]
    assert sorted(served_ids) == [i for i in INCIDENTS if i != gone]
    with open_store(db, read_only=True) as store:
        assert store.scalar("SELECT retired_into FROM incident WHERE incident_id = ?", [gone]) == survivor


def test_a_change_the_public_cannot_see_is_no_update_and_an_incident_back_is_one(
    built: Path, tmp_path: Path
) -> None:
    db, _ = with_team(built, tmp_path)
    public = Audience()
    with open_store(db) as store:
        served.attach(store)
        served.build(store, public.grid_m)
        assert feed.refresh(store, public) == {"new": 8, "updated": 0, "deleted": 0}
        unseen = "grade_analyst_author = 'ana', latitude = latitude + 1e-4"  # hidden, and within the cell
        store.con.execute(f"UPDATE {served.TABLE} SET {unseen} WHERE incident_id = 'I0000001'")
        assert feed.refresh(store, public) == {"new": 0, "updated": 0, "deleted": 0}
        store.con.execute(f"UPDATE {served.TABLE} SET grade = 'fair' WHERE incident_id = 'I0000001'")
        assert feed.refresh(store, public, ["I0000001", "I0000002"]) == {"new": 0, "updated": 1, "deleted": 0}
        store.con.execute(f"DELETE FROM {served.TABLE} WHERE incident_id = 'I0000003'")
        assert feed.refresh(store, public) == {"new": 0, "updated": 0, "deleted": 1}
        gone = store.rows("SELECT deleted_at, replaced_by FROM feed_state WHERE incident_id = 'I0000003'")
        assert gone[0]["deleted_at"] is not None and gone[0]["replaced_by"] is None, "retired by no merge"
        served.build(store, public.grid_m)  # I0000003 served again, I0000001 as it was
        assert feed.refresh(store, public) == {"new": 0, "updated": 2, "deleted": 0}
        back = store.rows("SELECT deleted_at, updated_at > first_seen AS moved FROM feed_state "
                          "WHERE incident_id = 'I0000003'")  # fmt: skip
    assert back == [{"deleted_at": None, "moved": True}]


def test_a_wrong_since_or_cursor_is_a_client_error(team: tuple[Path, dict[str, dict[str, str]]]) -> None:
    db, _ = team
    with client(db) as api:
        answers = [
            api.get("/api/v1/updates", params={"since": "yesterday"}),
            api.get("/api/v1/deletions", params={"since": "0001-01-01T00:00:00+14:00"}),
            api.get("/api/v1/updates", params={"cursor": "abc"}),
            api.get("/api/v1/deletions", params={"cursor": "WyJ4IiwgMV0"}),  # ["x", 1]
        ]
    assert [a.status_code for a in answers] == [422, 400, 400, 400], [a.text for a in answers]
    assert all(a.json()["error"]["where"] in ("since", "cursor") for a in answers)
