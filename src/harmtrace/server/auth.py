"""Who is asking: a bearer token (`Authorization: Bearer ht_...`), a session cookie set by
`POST /api/v1/session`, or no one (the public role). Routes require a least role with `require`.

Failed logins are counted per client address and per account name; after `login_attempts` failures in
`login_window_s` seconds further attempts are refused (429, with Retry-After) until the window passes,
whether or not the password would be right.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable

from fastapi import Request

from harmtrace.publish.policy import Audience, Role
from harmtrace.server import accounts
from harmtrace.server.accounts import ANONYMOUS, Principal
from harmtrace.server.errors import ApiError
from harmtrace.server.holder import StoreHolder

SESSION_COOKIE = "harmtrace_session"
CACHE_S = 5.0  # a revoked token or disabled account stops working within this many seconds


class Identities:
    """Resolves requests to principals, caching a token's account for CACHE_S seconds."""

    def __init__(self, holder: StoreHolder) -> None:
        self.holder = holder
        self._cache: dict[str, tuple[float, Principal | None]] = {}
        self._lock = threading.Lock()

    def of(self, request: Request) -> Principal:
        header = request.headers.get("authorization", "")
        if header:
            scheme, _, token = header.partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                raise ApiError(401, "Give a token as 'Authorization: Bearer ht_...'.", "authorization")
            return self._known(("t", token.strip()), "The token is not valid: it may be revoked or expired.")
        session = request.cookies.get(SESSION_COOKIE)
        if session:
            return self._known(("s", session), "The session has ended: sign in again (POST /api/v1/session).")
        return ANONYMOUS

    def _known(self, key: tuple[str, str], refused: str) -> Principal:
        now = time.monotonic()
        cache_key = key[0] + accounts.digest(key[1])
        with self._lock:
            hit = self._cache.get(cache_key)
        if hit is None or now - hit[0] > CACHE_S:
            with self.holder.reading() as store:
                found = (
                    accounts.by_token(store, key[1]) if key[0] == "t" else accounts.by_session(store, key[1])
                )
            hit = (now, found)
            with self._lock:
                self._cache[cache_key] = hit
        if hit[1] is None:
            raise ApiError(401, refused, "authorization", headers={"WWW-Authenticate": "Bearer"})
        return hit[1]

    def forget(self) -> None:
        with self._lock:
            self._cache.clear()


class LoginLimiter:
    """Failed logins per key (address, account) in a sliding window."""

    def __init__(self, attempts: int, window_s: float) -> None:
        self.attempts, self.window_s = attempts, window_s
        self._failures: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def wait_s(self, keys: list[str]) -> float:
        """Seconds until a login may be tried for `keys` (0: now)."""
        now = time.monotonic()
        with self._lock:
            waits = [self._wait(self._failures[k], now) for k in keys]
        return max(waits, default=0.0)

    def _wait(self, failures: deque[float], now: float) -> float:
        while failures and now - failures[0] > self.window_s:
            failures.popleft()
        return self.window_s - (now - failures[0]) if len(failures) >= self.attempts else 0.0

    def failed(self, keys: list[str]) -> None:
        now = time.monotonic()
        with self._lock:
            for key in keys:
                self._failures[key].append(now)


def require(least: Role) -> Callable[[Request], Principal]:
    """A dependency: the request's principal, refused (401 anonymous, 403 signed in) below `least`."""

    def dependency(request: Request) -> Principal:
        who: Principal = request.app.state.identities.of(request)
        if who.role < least:
            if who.public:
                message = f"Sign in: this needs the {least.word} role or higher."
                raise ApiError(401, message, headers={"WWW-Authenticate": "Bearer"})
            raise ApiError(403, f"Account {who.name!r} ({who.role.word}) cannot do this: it needs the "
                                f"{least.word} role or higher.")  # fmt: skip
        return who

    dependency.least_role = least  # type: ignore[attr-defined]  # read by `least_role` (the docs' table)
    return dependency


def audience_of(request: Request, who: Principal) -> Audience:
    """What `who` may see of the server's store: the policy's audience of their role, on the server's
    grid and smallest cell (`ServerConfig.audience`)."""
    audience: Audience = request.app.state.config.audience(who.role)
    return audience


def least_role(call: object) -> Role | None:
    """The least role a `require` dependency asks for; None for any other callable."""
    found = getattr(call, "least_role", None)
    return found if isinstance(found, Role) else None
