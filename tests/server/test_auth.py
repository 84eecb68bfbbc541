"""Who the server lets in: the public without credentials, each role by token or by password session;
bad, revoked and disabled credentials refused in the one error shape; the login rate limit; and no
secret kept in clear in the store."""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Any

import httpx
from fastapi.testclient import TestClient

from harmtrace.publish.policy import Role
from harmtrace.server import accounts, auth
from harmtrace.server.app import PREFIX, create_app
from harmtrace.server.auth import SESSION_COOKIE
from harmtrace.server.config import ServerConfig
from harmtrace.store import open_store
from tests.server.conftest import TEAM_ROLES, Team, running

ME = f"{PREFIX}/me"
SESSION = f"{PREFIX}/session"


def assert_error(response: httpx.Response, status: int) -> dict[str, Any]:
    """`response` is an error of `status` in the API's one error shape; its body."""
    assert response.status_code == status, response.text
    body = response.json()
    assert list(body) == ["error"]
    assert set(body["error"]) == {"status", "code", "message", "where"}
    assert body["error"]["status"] == status and body["error"]["message"]
    return dict(body["error"])


def test_anonymous_is_the_public_and_each_token_its_role(client: TestClient, team: Team) -> None:
    assert client.get(ME).json() == {"name": "anonymous", "role": "public"}
    for role in TEAM_ROLES:
        assert client.get(ME, headers=team.headers(role)).json() == {
            "name": team[role].name,
            "role": role.word,
        }


def test_bad_tokens_are_refused_in_the_one_error_shape(client: TestClient, team: Team) -> None:
    unknown = assert_error(client.get(ME, headers={"Authorization": "Bearer ht_not-a-token"}), 401)
    assert unknown["code"] == "unauthenticated" and unknown["where"] == "authorization"
    assert_error(client.get(ME, headers={"Authorization": f"Basic {team[Role.ADMIN].token}"}), 401)
    assert_error(client.get(ME, headers={"Authorization": "Bearer "}), 401)
    assert_error(client.get(ME, headers={"Cookie": f"{SESSION_COOKIE}=made-up"}), 401)
    # a token with a character changed is another token
    forged = team[Role.ADMIN].token[:-1] + ("A" if team[Role.ADMIN].token[-1] != "A" else "B")
    assert_error(client.get(ME, headers={"Authorization": f"Bearer {forged}"}), 401)


def _refused_within(client: TestClient, headers: dict[str, str], limit_s: float) -> float:
    """Seconds until `headers` stop being let in (fails after `limit_s`)."""
    started = time.monotonic()
    while client.get(ME, headers=headers).status_code == 200:
        assert time.monotonic() - started <= limit_s, f"still let in after {limit_s} s"
        time.sleep(0.2)
    assert_error(client.get(ME, headers=headers), 401)
    return time.monotonic() - started


def test_a_revoked_token_and_a_disabled_account_are_refused_within_the_cache_time(
    client: TestClient, team: Team
) -> None:
    holder = client.app.state.holder  # type: ignore[attr-defined]
    viewer, analyst = team[Role.VIEWER], team[Role.ANALYST]
    assert client.get(ME, headers=viewer.headers).status_code == 200  # now cached
    assert client.get(ME, headers=analyst.headers).status_code == 200
    login = client.post(SESSION, json={"name": analyst.name, "password": analyst.password})
    assert login.status_code == 200, login.text
    session = {"Cookie": f"{SESSION_COOKIE}={login.cookies[SESSION_COOKIE]}"}
    client.cookies.clear()
    assert client.get(ME, headers=session).json()["role"] == "analyst"
    with holder.writing() as store:
        assert accounts.revoke_tokens(store, viewer.name) == 1
        accounts.disable_account(store, analyst.name)
    _refused_within(client, viewer.headers, auth.CACHE_S + 1)
    _refused_within(client, analyst.headers, auth.CACHE_S + 1)
    _refused_within(client, session, auth.CACHE_S + 1)
    # the others are still let in
    assert client.get(ME, headers=team.headers(Role.EDITOR)).json()["role"] == "editor"


def test_password_login_sets_a_strict_httponly_cookie_and_logout_ends_it_on_the_server(
    store_copy: Path, team: Team
) -> None:
    editor = team[Role.EDITOR]
    with running(store_copy) as (url, _):
        with httpx.Client(base_url=url) as browser:
            started = browser.post(SESSION, json={"name": editor.name, "password": editor.password})
            assert started.status_code == 200, started.text
            assert started.json()["name"] == editor.name and started.json()["role"] == "editor"
            cookie = started.headers["set-cookie"]
            parts = [p.strip().lower() for p in cookie.split(";")]
            assert parts[0].startswith(f"{SESSION_COOKIE}=")
            assert "httponly" in parts and "samesite=strict" in parts
            secret = browser.cookies[SESSION_COOKIE]
            assert browser.get(ME).json() == {"name": editor.name, "role": "editor"}
            assert browser.delete(SESSION).status_code == 204
            assert SESSION_COOKIE not in browser.cookies
        # the old cookie, kept by someone, no longer opens the session: it ended on the server
        replayed = httpx.get(f"{url}{ME}", headers={"Cookie": f"{SESSION_COOKIE}={secret}"})
        assert_error(replayed, 401)
        wrong = httpx.post(f"{url}{SESSION}", json={"name": editor.name, "password": "not-the-password"})
        assert_error(wrong, 401)
    with open_store(store_copy, read_only=True) as store:
        left = store.scalar(
            "SELECT count(*) FROM web_session WHERE session_sha256 = ?", [accounts.digest(secret)]
        )
        assert left == 0


def test_the_sixth_failed_login_in_the_window_is_refused_even_with_the_right_password(
    tmp_path: Path, built: tuple[Path, Team]
) -> None:
    db = tmp_path / "store.duckdb"
    shutil.copyfile(built[0], db)
    viewer = built[1][Role.VIEWER]
    with TestClient(create_app(ServerConfig(db=db, login_attempts=5, login_window_s=60))) as client:
        for _ in range(5):
            assert_error(
                client.post(SESSION, json={"name": viewer.name, "password": "wrong-password-1"}), 401
            )
        refused = client.post(SESSION, json={"name": viewer.name, "password": viewer.password})
        error = assert_error(refused, 429)
        assert error["code"] == "too_many_requests"
        assert 0 < int(refused.headers["Retry-After"]) <= 61
        assert SESSION_COOKIE not in refused.cookies
        # the limit is per account name too: another address does not lift it
        assert client.get(ME, headers=built[1].headers(Role.VIEWER)).status_code == 200  # tokens still work


def test_a_login_window_passes(tmp_path: Path, built: tuple[Path, Team]) -> None:
    db = tmp_path / "store.duckdb"
    shutil.copyfile(built[0], db)
    viewer = built[1][Role.VIEWER]
    with TestClient(create_app(ServerConfig(db=db, login_attempts=2, login_window_s=1.0))) as client:
        for _ in range(2):
            assert_error(
                client.post(SESSION, json={"name": viewer.name, "password": "wrong-password-1"}), 401
            )
        assert_error(client.post(SESSION, json={"name": viewer.name, "password": viewer.password}), 429)
        time.sleep(1.2)
        assert (
            client.post(SESSION, json={"name": viewer.name, "password": viewer.password}).status_code == 200
        )


def test_the_store_holds_no_token_password_or_session_in_clear(client: TestClient, team: Team) -> None:
    secrets = team.secrets()
    for role in TEAM_ROLES:
        member = team[role]
        login = client.post(SESSION, json={"name": member.name, "password": member.password})
        assert login.status_code == 200, login.text
        secrets.append(login.cookies[SESSION_COOKIE])
        client.cookies.clear()
        assert client.get(f"{PREFIX}/incidents/report:1", headers=member.headers).status_code in (200, 404)
    with client.app.state.holder.writing() as store:  # type: ignore[attr-defined]
        secrets.append(accounts.create_token(store, team[Role.ADMIN].name, "second"))
        accounts.set_password(store, team[Role.ADMIN].name, "a-new-password-Zt8q")
    secrets.append("a-new-password-Zt8q")
    db = client.app.state.config.db  # type: ignore[attr-defined]
    client.__exit__(None, None, None)  # stop the app: the store is closed
    found = _text_cells(db, ("account", "api_token", "web_session", "audit_log"))
    assert found["web_session"] and found["api_token"] and found["audit_log"], "nothing to scan"
    for table, cells in found.items():
        for cell in cells:
            leaked = [s for s in secrets if s in cell]
            assert not leaked, f"{table} holds a secret in clear"
    hashes = set(found["api_token"])
    assert accounts.digest(team[Role.ADMIN].token) in hashes  # the scan reads the column the hash is in


def _text_cells(db: Path, tables: tuple[str, ...]) -> dict[str, list[str]]:
    """Every VARCHAR (and VARCHAR[]) cell of `tables`, as text."""
    cells: dict[str, list[str]] = {}
    with open_store(db, read_only=True) as store:
        for table in tables:
            columns = [r["column_name"] for r in store.rows(
                "SELECT column_name FROM information_schema.columns WHERE table_name = ? "
                "AND data_type IN ('VARCHAR', 'VARCHAR[]')", [table])]  # fmt: skip
            assert columns, f"{table} has no text column"
            rows = store.rows(
                f"SELECT {', '.join(f'CAST({c} AS VARCHAR) AS {c}' for c in columns)} FROM {table}"
            )
            cells[table] = [v for row in rows for v in row.values() if v is not None]
    return cells
