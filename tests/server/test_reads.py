"""The server's reads beside the incidents, through the policy, over a small store: the persons of
tests/analyse/test_persons.py (invented names), 8 invented UCDP events, the invented ACLED sample (with
quarantined rows and fields set aside), invented hospitals and a presence area derived from events.

The command line cannot open the store while a server holds it, so each test asks the CLI first and
then starts the app (`TestClient` as a context manager runs its lifespan).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from harmtrace.publish.policy import Role
from harmtrace.server.accounts import add_account, create_token
from harmtrace.server.app import create_app
from harmtrace.server.cache import cache_of
from harmtrace.server.config import ServerConfig
from harmtrace.server.holder import Change
from harmtrace.store import open_store
from tests.analyse.test_persons import linked_people
from tests.conftest import TEST_DATA, run_ok

API = "/api/v1"
ROLES = ("viewer", "analyst", "admin")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """The store and a token per role (the public has none)."""
    db = tmp_path_factory.mktemp("reads") / "store.duckdb"
    with open_store(db, create=True) as store:
        linked_people(store)
        store.con.execute("UPDATE victim_record SET name = 'Invented Name ' || victim_id")
    run_ok(db, "ingest", "ucdp-ged", str(TEST_DATA / "ucdp_ged_windows.csv"), "--source", "UCDP")
    run_ok(db, "ingest", "acled", str(TEST_DATA / "acled_syria_sample.csv"))
    run_ok(db, "sites", "import", str(TEST_DATA / "sites_fixture.csv"), "--kind", "hospital")
    run_ok(db, "control", "derive", "--actor", "IS", "--from-events", "UCDP")
    tokens = {}
    with open_store(db) as store:
        for role in ROLES:
            add_account(store, f"{role}1", Role.parse(role), None)
            tokens[role] = create_token(store, f"{role}1", "test")
    return db, tokens


@pytest.fixture
def db(built: tuple[Path, dict[str, str]]) -> Path:
    return built[0]


@pytest.fixture
def tokens(built: tuple[Path, dict[str, str]]) -> dict[str, str]:
    return built[1]


@pytest.fixture
def client(db: Path) -> Iterator[TestClient]:
    with TestClient(create_app(ServerConfig(db=db))) as c:
        yield c


def _get(client: TestClient, path: str, token: str | None = None, **params: Any) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.get(API + path, params=params, headers=headers)


def _ok(client: TestClient, path: str, token: str | None = None, **params: Any) -> Any:
    answer = _get(client, path, token, **params)
    assert answer.status_code == 200, answer.text
    return answer.json()


CASUALTY_CHOICES: list[tuple[list[str], dict[str, Any]]] = [
    ([], {}),
    (["--from", "2016-03-01", "--to", "2016-03-31"], {"from": "2016-03-01", "to": "2016-03-31"}),
    (["--from", "2016-02-01", "--days", "90", "--by", "month", "--ids"],
     {"from": "2016-02-01", "days": 90, "by": "month", "ids": "true"}),
    (["--by", "perpetrator", "--category", "civilians", "--unprorated"],
     {"by": "perpetrator", "category": "civilians", "unprorated": "true"}),
    (["--by", "adm1", "--harm", "injured"], {"by": "governorate", "harm": "injured"}),
    (["--perpetrator", "IS", "--means", "airstrike"], {"perpetrator": "IS", "means": "airstrike"}),
]  # fmt: skip


def test_casualty_figures_are_stats_casualties_json(db: Path, tokens: dict[str, str]) -> None:
    expected = [
        json.loads(run_ok(db, "stats", "casualties", *args, "--json")) for args, _ in CASUALTY_CHOICES
    ]
    with TestClient(create_app(ServerConfig(db=db))) as client:
        for (args, params), cli in zip(CASUALTY_CHOICES, expected, strict=True):
            answer = _ok(client, "/figures/casualties", tokens["admin"], **params)
            assert {k: answer[k] for k in cli} == cli, args
            assert (answer["role"], answer["suppressed_below"], answer["withheld"]) == ("admin", None, [])
    # the comparisons saw counts, groups and ids, not only nulls
    assert expected[0]["total"]["count_max"] and expected[2]["groups"] and expected[2]["total"]["ids"]["max"]


def test_public_figures_suppress_small_cells_and_keep_unknown_null(
    client: TestClient, tokens: dict[str, str]
) -> None:
    params = {"by": "month", "ids": "true"}
    exact = _ok(client, "/figures/casualties", tokens["admin"], **params)
    public = _ok(client, "/figures/casualties", **params)
    assert public["role"] == "public" and public["suppressed_below"] == 5 and public["withheld"] == ["ids"]
    pairs = [(exact["total"], public["total"]), *zip(exact["groups"], public["groups"], strict=True)]
    small = 0
    for shown, seen in pairs:
        assert "ids" not in seen and seen["items_max"] == shown["items_max"]
        for bound in ("count_min", "count_best", "count_max"):
            value = shown[bound]
            small += value is not None and 0 < value < 5
            assert seen[bound] == ("< 5" if value is not None and 0 < value < 5 else value)
    assert small > 0  # a small cell was there to suppress
    counts = [g["count_max"] for g in public["groups"]]
    assert None in counts and 0 in counts  # no count stays null, a known 0 stays 0
    viewer = _ok(client, "/figures/casualties", tokens["viewer"], **params)
    assert viewer["total"] == {k: v for k, v in exact["total"].items()} and viewer["suppressed_below"] is None
    children = _ok(client, "/figures/casualties", category="children")
    assert children["total"]["count_min"] is None and children["total"]["count_max"] is None  # not 0


def test_figure_errors_and_cache(client: TestClient) -> None:
    bad = _get(client, "/figures/casualties", **{"to": "2016-01-01", "days": 3})
    assert bad.status_code == 400 and "days" in bad.json()["error"]["message"]
    assert _get(client, "/figures/casualties", by="week").status_code == 400
    for path in ("/figures/casualties", "/figures/persons"):
        ages = _get(client, path, **{"from": "0001-01-01", "to": "9999-12-31", "by": "month"})
        assert ages.status_code == 400 and "119,988 months" in ages.json()["error"]["message"]
        assert (
            _get(client, path, **{"from": "1900-01-01", "to": "1999-12-31", "by": "month"}).status_code == 200
        )
        assert (
            _get(client, path, **{"from": "0001-01-01", "to": "9999-12-31", "by": "year"}).status_code == 400
        )
    for path in ("/figures/casualties", "/figures/persons"):  # found by Schemathesis: a 500 before
        endless = _get(client, path, **{"from": "0127-02-19", "days": 103093264})
        assert endless.status_code == 400 and "ends after the last day" in endless.json()["error"]["message"]
    cache = cache_of(client.app)  # type: ignore[arg-type]
    before = len(cache)
    first = _ok(client, "/figures/casualties", harm="injured")
    assert len(cache) == before + 1 and _ok(client, "/figures/casualties", harm="injured") == first
    graded = _ok(client, "/figures/casualties", grade="weak,fair")
    civilians = _ok(client, "/figures/casualties", category="civilians")
    assert len(cache) == before + 3
    holder = client.app.state.holder  # type: ignore[attr-defined]
    with holder.writing(Change.GRADES):  # grading an incident that alleges civilian harm
        pass
    # figures filtered by grade are made again; the others, civilians too, stay cached
    assert _ok(client, "/figures/casualties", grade="weak,fair") == graded and len(cache) == before + 4
    assert _ok(client, "/figures/casualties", category="civilians") == civilians and len(cache) == before + 4
    with holder.writing(Change.GRADES | Change.CIVILIAN):  # ... on one that was 'not alleged'
        pass
    assert _ok(client, "/figures/casualties", category="civilians") == civilians and len(cache) == before + 5
    assert _ok(client, "/figures/casualties", harm="injured") == first and len(cache) == before + 5
    with holder.writing():  # a same / different decision: applied by the next link run
        pass
    assert _ok(client, "/figures/casualties", category="civilians") == civilians and len(cache) == before + 5
    assert _ok(client, "/figures/casualties", grade="weak,fair") == graded and len(cache) == before + 6
    assert _ok(client, "/figures/casualties", grade="weak,fair") == graded and len(cache) == before + 6


def test_person_figures_are_stats_persons_json(db: Path, tokens: dict[str, str]) -> None:
    choices = [
        [],
        ["--by", "province"],
        ["--from", "2013-03-01", "--to", "2013-03-31", "--status", "civilian"],
    ]
    expected = [json.loads(run_ok(db, "stats", "persons", *args, "--json")) for args in choices]
    params: list[dict[str, Any]] = [
        {},
        {"by": "province"},
        {"from": "2013-03-01", "to": "2013-03-31", "status": "civilian"},
    ]
    with TestClient(create_app(ServerConfig(db=db))) as client:
        for cli, asked in zip(expected, params, strict=True):
            answer = _ok(client, "/figures/persons", tokens["admin"], **asked)
            assert {k: answer[k] for k in cli} == cli
        public = _ok(client, "/figures/persons")
    total = expected[0]["total"]
    assert total["persons_max"] >= 5 and public["total"]["persons_max"] == total["persons_max"]
    assert public["total"]["listed_by"] == {
        k: "< 5" if 0 < v < 5 else v for k, v in total["listed_by"].items()
    }
    assert "< 5" in public["total"]["listed_by"].values()


def test_person_needs_an_analyst_and_is_audited(client: TestClient, tokens: dict[str, str]) -> None:
    assert _get(client, "/persons/P0000001").status_code == 401
    refused = _get(client, "/persons/P0000001", tokens["viewer"])
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"
    person = _ok(client, "/persons/P0000001", tokens["analyst"])
    assert person["records"] == 3 and person["withheld"] == []
    records = person["victim_records"]
    assert [r["name"] for r in records] == ["Invented Name 1", "Invented Name 2", "Invented Name 3"]
    assert {r["source"] for r in records} == {"list_a", "list_b", "list_c"}
    entries = _ok(client, "/audit", tokens["admin"], actor="analyst1", action="read")["data"]
    assert entries[0]["entity"] == "person" and entries[0]["entity_ids"] == ["1", "2", "3"]
    assert "name" in entries[0]["fields"] and "victim_id" not in entries[0]["fields"]
    unknown = _get(client, "/persons/P9999999", tokens["analyst"])
    assert unknown.status_code == 404 and unknown.json()["error"]["where"] == "person_id"


def test_geojson_public_points_are_coarsened(db: Path, tokens: dict[str, str]) -> None:
    # a 20 km grid: the town points (5 km) are finer, so the public's are moved; coarser ones stay
    with TestClient(create_app(ServerConfig(db=db, grid_m=20_000.0))) as client:
        _geojson_points(client, tokens)


def _geojson_points(client: TestClient, tokens: dict[str, str]) -> None:
    exact = _get(client, "/geo/incidents", tokens["viewer"], limit=50)
    assert exact.headers["content-type"].startswith("application/geo+json")
    public = _ok(client, "/geo/incidents", limit=50)
    exact_features = {f["id"]: f for f in exact.json()["features"]}
    assert exact.json()["type"] == "FeatureCollection" and len(public["features"]) == len(exact_features) > 10
    moved = 0
    for feature in public["features"]:
        point, other = feature["geometry"], exact_features[feature["id"]]["geometry"]
        assert (point is None) == (other is None)
        moved += point is not None and point["coordinates"] != other["coordinates"]
    assert moved > 5
    first = _ok(client, "/geo/incidents", limit=4)
    rest = _ok(client, "/geo/incidents", limit=50, cursor=first["next_cursor"])
    assert [f["id"] for f in first["features"] + rest["features"]] == [f["id"] for f in public["features"]]
    filtered = _ok(client, "/geo/incidents", **{"from": "2016-03-01", "to": "2016-03-31"})
    listed = _ok(client, "/incidents", **{"from": "2016-03-01", "to": "2016-03-31"})
    assert [f["id"] for f in filtered["features"]] == [i["incident_id"] for i in listed["data"]]
    light = _ok(client, "/geo/incidents", limit=50, fields="grade,killed_min,killed_max")
    assert [f["geometry"] for f in light["features"]] == [f["geometry"] for f in public["features"]]
    assert {k for f in light["features"] for k in f["properties"]} == {"grade", "killed_min", "killed_max"}
    assert _get(client, "/geo/incidents", fields="name").status_code == 400


def test_geojson_sites_and_control_areas(client: TestClient, tokens: dict[str, str]) -> None:
    exact = _ok(client, "/geo/sites", tokens["viewer"])["features"]
    public = _ok(client, "/geo/sites")["features"]
    assert len(exact) == len(public) == 4
    assert all(p["geometry"] != e["geometry"] for p, e in zip(public, exact, strict=True))
    assert all(p["properties"]["radius_m"] >= 3536 for p in public)
    areas = _ok(client, "/geo/control-areas", actor="is", day="2016-03-25")["features"]
    assert areas and all(a["geometry"]["type"] in ("Polygon", "MultiPolygon") for a in areas)
    assert all(a["properties"]["actor"] == "IS" and a["properties"]["proxy"] for a in areas)
    assert _ok(client, "/geo/control-areas", day="2015-01-01")["features"] == []


def test_sources_and_batches(client: TestClient, tokens: dict[str, str]) -> None:
    sources = {s["name"]: s for s in _ok(client, "/sources")["data"]}
    assert (sources["UCDP"]["reports"], sources["UCDP"]["batches"]) == (8, 1)
    assert sources["list_a"]["victim_records"] == 4
    public = _ok(client, "/batches", limit=2)
    assert "file_name" in public["withheld"] and all("file_name" not in b for b in public["data"])
    rest = _ok(client, "/batches", limit=2, cursor=public["next_cursor"])
    assert [b["batch_id"] for b in public["data"] + rest["data"]] == [1, 2, 3] and rest["next_cursor"] is None
    batch = _ok(client, "/batches/2", tokens["viewer"])
    assert batch["file_name"] == "acled_syria_sample.csv" and batch["rows_quarantined"] == 3
    assert "mapping_text" not in _ok(client, "/batches/2")
    missing = _get(client, "/batches/99")
    assert missing.status_code == 404 and missing.json()["error"]["where"] == "batch_id"


def test_quarantine_raw_rows_for_analysts_only(client: TestClient, tokens: dict[str, str]) -> None:
    assert _get(client, "/quarantine").status_code == 401
    viewer = _ok(client, "/quarantine", tokens["viewer"], batch_id=2)
    assert viewer["withheld"] == ["raw"] and all("raw" not in r for r in viewer["data"])
    fields = [r["field"] for r in viewer["data"]]
    assert fields.count("row") == 3 and {"coordinates", "killed_all"} <= set(fields)
    analyst = _ok(client, "/quarantine", tokens["analyst"], batch_id=2, limit=4)
    assert analyst["withheld"] == [] and all(r["raw"] for r in analyst["data"])
    rest = _ok(client, "/quarantine", tokens["analyst"], batch_id=2, cursor=analyst["next_cursor"])
    keys = [(r["batch_id"], r["row_number"], r["field"]) for r in analyst["data"] + rest["data"]]
    assert keys == [(r["batch_id"], r["row_number"], r["field"]) for r in viewer["data"]]
    entries = _ok(client, "/audit", tokens["admin"], actor="analyst1", action="read")["data"]
    assert [e["entity"] for e in entries[:2]] == ["quarantine", "quarantine"] and entries[0]["fields"] == [
        "raw"
    ]


def test_audit_and_accounts_for_admins_only(client: TestClient, tokens: dict[str, str]) -> None:
    for path in ("/audit", "/accounts"):
        assert _get(client, path).status_code == 401
        assert _get(client, path, tokens["analyst"]).status_code == 403
    accounts = _ok(client, "/accounts", tokens["admin"])["data"]
    assert [a["name"] for a in accounts] == ["admin1", "analyst1", "viewer1"]
    assert all(set(a) == {"name", "role", "created_at", "disabled_at", "has_password"} for a in accounts)
    page = _ok(client, "/audit", tokens["admin"], limit=1)
    assert page["data"][0]["entity"] == "account" and page["next_cursor"]
    older = _ok(client, "/audit", tokens["admin"], limit=1, cursor=page["next_cursor"])
    assert older["data"][0]["entry_id"] < page["data"][0]["entry_id"]
    assert _ok(client, "/audit", tokens["admin"], since="2999-01-01T00:00:00")["data"] == []


def test_openapi_describes_the_reads(client: TestClient) -> None:
    paths = _ok(client, "/openapi.json")["paths"]
    for path in ("/figures/casualties", "/figures/persons", "/persons/{person_id}", "/sources", "/batches",
                 "/batches/{batch_id}", "/quarantine", "/geo/incidents", "/geo/control-areas", "/geo/sites",
                 "/audit", "/accounts"):  # fmt: skip
        assert API + path in paths
    geo = paths[f"{API}/geo/incidents"]["get"]["responses"]["200"]["content"]
    assert "application/geo+json" in geo


def test_audit_times_are_moments_whatever_the_servers_zone(
    client: TestClient, tokens: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import time

    monkeypatch.setenv("TZ", "Asia/Damascus")  # UTC+3: a time taken as local would be 3 h off
    time.tzset()
    try:
        entries = _ok(client, "/audit", tokens["admin"], limit=1)["data"]
    finally:
        monkeypatch.undo()
        time.tzset()
    logged = datetime.fromisoformat(entries[0]["logged_at"])
    assert abs(datetime.now(UTC) - logged) < timedelta(minutes=10)
