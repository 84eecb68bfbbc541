"""What a server runs with: its store, where it listens, and the public view's grid and smallest cell."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from harmtrace.publish.policy import Audience, Role

DEFAULT_PORT = 8740
SESSION_HOURS = 12.0


@dataclass(frozen=True)
class ServerConfig:
    """`harmtrace serve`'s options. `grid_m` and `min_cell` shape what the public role sees
    (`harmtrace.publish.policy.Audience`); `login_attempts` failed logins per `login_window_s` seconds,
    per client address and per account, before logins are refused for the rest of the window."""

    db: Path
    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    grid_m: float = 5000.0
    min_cell: int = 5
    session_hours: float = SESSION_HOURS
    login_attempts: int = 5
    login_window_s: float = 300.0
    secure_cookies: bool = False
    threads: int | None = None  # DuckDB's worker threads (None: its default, one per core)
    extra: dict[str, str] = field(default_factory=dict)

    def audience(self, role: Role) -> Audience:
        return Audience(role=role, grid_m=self.grid_m, min_cell=self.min_cell)
