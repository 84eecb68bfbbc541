"""The team's accounts: a name, a role, a password hashed with argon2, API tokens and browser sessions.

A token or a session is a random secret given once to its holder; the store keeps only its SHA-256
(a secret of 256 random bits needs no slow hash: nothing can be guessed from it), so a copy of the store
lets no one in. Passwords are hashed with argon2id (`argon2-cffi`, its default parameters), which makes
guessing one from a stolen store slow; logins are also rate-limited (`harmtrace.server.auth`).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from harmtrace.errors import InputError
from harmtrace.publish.policy import Role
from harmtrace.store import Store

TOKEN_PREFIX: Final = "ht_"
MIN_PASSWORD: Final = 12
_HASHER: Final = PasswordHasher()
# hashed once: a login for an unknown name is checked against it, so it takes as long as a real one
_DUMMY: Final = _HASHER.hash(secrets.token_hex(16))


@dataclass(frozen=True)
class Principal:
    """Who makes a request: an account (name, role) or the anonymous public."""

    name: str
    role: Role

    @property
    def public(self) -> bool:
        return self.role == Role.PUBLIC


ANONYMOUS: Final = Principal("anonymous", Role.PUBLIC)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _now() -> datetime:
    return datetime.now().replace(microsecond=0)


def add_account(store: Store, name: str, role: Role | str, password: str | None) -> dict[str, str]:
    """A new account; `password` None makes one that signs in by token only."""
    name = name.strip()
    if not name or len(name) > 64 or not name.replace("-", "").replace("_", "").replace(".", "").isalnum():
        raise InputError(f"Account name {name!r}: use 1-64 letters, digits, '.', '-' or '_'.")
    role = role if isinstance(role, Role) else Role.parse(role)
    if role == Role.PUBLIC:
        raise InputError("The public role needs no account: anyone without one reads as the public.")
    if store.scalar("SELECT count(*) FROM account WHERE name = ?", [name]):
        raise InputError(f"There is already an account {name!r}.")
    hashed = None if password is None else _HASHER.hash(_checked_password(password))
    with store.transaction() as con:
        con.execute("INSERT INTO account VALUES (?, ?, ?, ?, NULL)", [name, role.word, hashed, _now()])
    return {"name": name, "role": role.word}


def _checked_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise InputError(f"A password needs at least {MIN_PASSWORD} characters.")
    return password


def set_password(store: Store, name: str, password: str) -> None:
    _account(store, name)
    with store.transaction() as con:
        con.execute("UPDATE account SET password_hash = ? WHERE name = ?",
                    [_HASHER.hash(_checked_password(password)), name])  # fmt: skip


def disable_account(store: Store, name: str) -> None:
    """Disable an account: its sessions and tokens stop working at once."""
    _account(store, name)
    with store.transaction() as con:
        con.execute(
            "UPDATE account SET disabled_at = ? WHERE name = ? AND disabled_at IS NULL", [_now(), name]
        )
        con.execute("DELETE FROM web_session WHERE account = ?", [name])


def list_accounts(store: Store) -> list[dict[str, object]]:
    return store.rows("SELECT name, role, created_at, disabled_at, password_hash IS NOT NULL AS has_password "
                      "FROM account ORDER BY name")  # fmt: skip


def _account(store: Store, name: str) -> dict[str, object]:
    found = store.rows("SELECT * FROM account WHERE name = ?", [name])
    if not found:
        raise InputError(f"No account {name!r}: list them with `harmtrace accounts list`.")
    return found[0]


def create_token(store: Store, name: str, label: str, days: float | None = None) -> str:
    """A new API token for account `name`, returned once (the store keeps its hash)."""
    account = _account(store, name)
    if account["disabled_at"] is not None:
        raise InputError(f"Account {name!r} is disabled.")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    expires = None if days is None else _now() + timedelta(days=days)
    with store.transaction() as con:
        con.execute("INSERT INTO api_token VALUES (?, ?, ?, ?, ?, NULL)",
                    [digest(token), name, label.strip() or "token", _now(), expires])  # fmt: skip
    return token


def revoke_tokens(store: Store, name: str, label: str | None = None) -> int:
    """Revoke the account's tokens (those with `label`, or all); how many were revoked."""
    where = "account = ? AND revoked_at IS NULL" + (" AND label = ?" if label else "")
    params: list[str] = [name] + ([label] if label else [])
    count = int(store.scalar(f"SELECT count(*) FROM api_token WHERE {where}", params))
    with store.transaction() as con:
        con.execute(f"UPDATE api_token SET revoked_at = ? WHERE {where}", [_now(), *params])
    return count


def by_token(store: Store, token: str) -> Principal | None:
    """The account a token belongs to, when the token is live and the account enabled."""
    found = store.rows(
        "SELECT a.name, a.role FROM api_token t JOIN account a ON a.name = t.account "
        "WHERE t.token_sha256 = ? "
        "AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > ?) AND a.disabled_at IS NULL",
        [digest(token), _now()],
    )
    return Principal(found[0]["name"], Role.parse(found[0]["role"])) if found else None


def by_session(store: Store, session: str) -> Principal | None:
    found = store.rows(
        "SELECT a.name, a.role FROM web_session s JOIN account a ON a.name = s.account "
        "WHERE s.session_sha256 = ? AND s.expires_at > ? AND a.disabled_at IS NULL",
        [digest(session), _now()],
    )
    return Principal(found[0]["name"], Role.parse(found[0]["role"])) if found else None


def check_password(store: Store, name: str, password: str) -> Principal | None:
    """The account when `password` is its password (argon2), else None; as slow for an unknown name."""
    found = store.rows("SELECT name, role, password_hash FROM account WHERE name = ? AND disabled_at IS NULL",
                       [name])  # fmt: skip
    hashed = found[0]["password_hash"] if found and found[0]["password_hash"] else _DUMMY
    try:
        _HASHER.verify(hashed, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return None
    if not found or hashed is _DUMMY:
        return None
    return Principal(found[0]["name"], Role.parse(found[0]["role"]))


def open_session(store: Store, principal: Principal, hours: float) -> tuple[str, datetime]:
    """A new browser session for `principal`: its secret (for the cookie) and when it ends."""
    secret = secrets.token_urlsafe(32)
    ends = _now() + timedelta(hours=hours)
    with store.transaction() as con:
        con.execute("DELETE FROM web_session WHERE expires_at <= ?", [_now()])
        con.execute(
            "INSERT INTO web_session VALUES (?, ?, ?, ?)", [digest(secret), principal.name, _now(), ends]
        )
    return secret, ends


def close_session(store: Store, session: str) -> None:
    with store.transaction() as con:
        con.execute("DELETE FROM web_session WHERE session_sha256 = ?", [digest(session)])
