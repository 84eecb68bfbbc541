"""The ASGI application: `create_app(config)` gives the FastAPI app of one store.

FastAPI was chosen over Litestar because harmtrace already models its data with pydantic, from which
FastAPI writes the OpenAPI document the API promises (and Schemathesis checks); its dependencies carry
authentication and roles per route; and it is the more widely used and maintained of the two. uvicorn
runs it (`harmtrace.server.run`). The store is opened when the app starts and closed when it stops.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Request, Response

from harmtrace.publish.policy import Role
from harmtrace.server import accounts, audit, feed, served
from harmtrace.server.accounts import Principal
from harmtrace.server.auth import SESSION_COOKIE, Identities, LoginLimiter, require
from harmtrace.server.cache import AnswerCache
from harmtrace.server.config import ServerConfig
from harmtrace.server.errors import ERROR_RESPONSES, ApiError, install
from harmtrace.server.holder import StoreHolder
from harmtrace.server.schemas import Login, Me, SessionStarted
from harmtrace.version import __version__

PREFIX = "/api/v1"
log = logging.getLogger("harmtrace.server")


def create_app(config: ServerConfig) -> FastAPI:
    """The application serving the store at `config.db`."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        holder = StoreHolder(config.db)
        try:
            with holder.reading() as store:
                served.attach(store)
                count = served.build(store, config.grid_m)
            with holder.writing() as store:
                changed = feed.refresh(store, config.audience(Role.PUBLIC))
            with holder.writing() as store:  # the served tables: a transaction of their own
                served.feed_times(store)
            if config.threads:  # after the start's big statements, which use every core
                holder.store.con.execute(f"SET threads = {int(config.threads)}")
            log.info("change feed: %s", ", ".join(f"{n} {what}" for what, n in changed.items()))
            log.info("serving %s: %d incidents", holder.path.name, count)
            app.state.holder = holder
            app.state.identities = Identities(holder)
            app.state.limiter = LoginLimiter(config.login_attempts, config.login_window_s)
            yield
        finally:
            holder.close()

    app = FastAPI(
        title="harmtrace",
        version=__version__,
        summary="Incidents, casualty figures and persons of a store, through its publication policy",
        openapi_url=f"{PREFIX}/openapi.json",
        docs_url=None,  # FastAPI's pages load scripts from a CDN: the OpenAPI document is served instead
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.config = config
    app.state.answers = AnswerCache()
    install(app)
    app.include_router(_session_router(), prefix=PREFIX)
    from harmtrace.server import incidents

    app.include_router(incidents.router, prefix=PREFIX)
    from harmtrace.server import admin, figures, geo, people, sources

    app.include_router(figures.router, prefix=PREFIX)
    app.include_router(people.router, prefix=PREFIX)
    app.include_router(sources.router, prefix=PREFIX)
    app.include_router(geo.router, prefix=PREFIX)
    app.include_router(admin.router, prefix=PREFIX)
    from harmtrace.server import decisions

    app.include_router(decisions.router, prefix=PREFIX)
    app.include_router(feed.router, prefix=PREFIX)
    return app


def _session_router() -> APIRouter:
    router = APIRouter(tags=["session"], responses=ERROR_RESPONSES)

    @router.get("/me", response_model=Me)
    def me(who: Annotated[Principal, Depends(require(Role.PUBLIC))]) -> Me:
        """Who the request is made as: an account, or 'anonymous' (the public role)."""
        return Me(name=who.name, role=who.role.word)

    @router.post("/session", response_model=SessionStarted)
    def login(request: Request, response: Response, body: Login) -> SessionStarted:
        """Sign in with a name and password: a session cookie (HttpOnly, SameSite=Strict) is set."""
        app_state = request.app.state
        keys = [f"ip:{request.client.host if request.client else '?'}", f"name:{body.name}"]
        wait = app_state.limiter.wait_s(keys)
        if wait > 0:
            raise ApiError(429, f"Too many failed sign-ins: try again in {int(wait) + 1} s.",
                           headers={"Retry-After": str(int(wait) + 1)})  # fmt: skip
        with app_state.holder.reading() as store:
            who = accounts.check_password(store, body.name, body.password)
        if who is None:
            app_state.limiter.failed(keys)
            raise ApiError(401, "Name or password is wrong.", "password")
        with app_state.holder.writing() as store:
            secret, ends = accounts.open_session(store, who, config_of(request).session_hours)
            audit.write(store, who, "sign-in", "account", [who.name])
        response.set_cookie(SESSION_COOKIE, secret, httponly=True, samesite="strict",
                            secure=config_of(request).secure_cookies, expires=ends.astimezone())  # fmt: skip
        return SessionStarted(name=who.name, role=who.role.word, expires_at=ends)

    @router.delete("/session", status_code=204)
    def logout(request: Request, response: Response) -> Response:
        """Sign out: the session ends on the server, its cookie is cleared."""
        secret = request.cookies.get(SESSION_COOKIE)
        if secret:
            with request.app.state.holder.writing() as store:
                accounts.close_session(store, secret)
            request.app.state.identities.forget()
        response.delete_cookie(SESSION_COOKIE)
        response.status_code = 204
        return response

    return router


def config_of(request: Request) -> ServerConfig:
    config: ServerConfig = request.app.state.config
    return config


def route_table(app: FastAPI) -> str:
    """The API's routes as a Markdown table (method, path, least role, what it does), for docs/server.md.

    FastAPI 0.163 keeps an included router's routes behind `original_router`; a test checks that the table
    names every operation of the OpenAPI document, so a change there cannot drop a route silently."""
    from harmtrace.server.auth import least_role

    lines = ["| method | path | least role | what |", "|---|---|---|---|"]
    for prefix, route in _api_routes(app):
        roles = [r for d in route.dependant.dependencies if (r := least_role(d.call)) is not None]
        role = roles[0].word if roles else "public"
        summary = " ".join((route.description or route.summary or "").strip().split("\n\n")[0].split())
        for method in sorted(route.methods - {"HEAD"}):
            lines.append(f"| {method} | `{prefix}{route.path}` | {role} | {summary} |")
    return "\n".join(lines)


def _api_routes(app: FastAPI) -> list[tuple[str, Any]]:
    from fastapi.routing import APIRoute

    found: list[tuple[str, Any]] = []
    for route in app.routes:
        if isinstance(route, APIRoute):
            found.append(("", route))
        inner = getattr(route, "original_router", None)
        for sub in getattr(inner, "routes", []):
            if isinstance(sub, APIRoute):
                found.append((PREFIX, sub))
    return found


def docs_routes() -> str:
    """The route table of an app over no store (routes do not depend on the store)."""
    from pathlib import Path

    return route_table(create_app(ServerConfig(db=Path("harmtrace.duckdb"))))


if __name__ == "__main__":  # python -m harmtrace.server.app: the table docs/server.md shows
    print(docs_routes())
