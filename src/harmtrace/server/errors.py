"""One error shape for every answer that is not a success:

    {"error": {"status": 404, "code": "not_found", "message": "No incident 'x' ...", "where": "incident_id"}}

`message` says what went wrong and what to do; `where` names the parameter or field, when one is at
fault. harmtrace's own errors keep their message (its parameters worded as the API's); anything else
is a 500 with a reference to the server's log, never a traceback.
"""

from __future__ import annotations

import logging
import os
import secrets
import traceback
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException

from harmtrace.errors import HarmtraceError, InputError, MappingError, QueryError, QueryFailed, StoreError

log = logging.getLogger("harmtrace.server")

CODES = {400: "bad_request", 401: "unauthenticated", 403: "forbidden", 404: "not_found",
         405: "method_not_allowed", 409: "conflict", 422: "invalid_request", 429: "too_many_requests",
         500: "internal_error", 503: "unavailable"}  # fmt: skip


class ErrorBody(BaseModel):
    status: int
    code: str
    message: str
    where: str | None = None


class ErrorResponse(BaseModel):
    """Every error: `error.status` (the HTTP status), `error.code`, `error.message`, `error.where`."""

    error: ErrorBody


class ApiError(Exception):
    """An answer that is not a success, raised by a route."""

    def __init__(self, status: int, message: str, where: str | None = None, code: str | None = None,
                 headers: dict[str, str] | None = None) -> None:  # fmt: skip
        super().__init__(message)
        self.status, self.message, self.where = status, message, where
        self.code = code or CODES.get(status, "error")
        self.headers = headers


def error_response(status: int, message: str, where: str | None = None, code: str | None = None,
                   headers: dict[str, str] | None = None) -> JSONResponse:  # fmt: skip
    body = ErrorBody(status=status, code=code or CODES.get(status, "error"), message=message, where=where)
    return JSONResponse({"error": body.model_dump()}, status_code=status, headers=headers)


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    s: {"model": ErrorResponse, "description": CODES[s].replace("_", " ")}
    for s in (400, 401, 403, 404, 422, 429)
}


def install(app: FastAPI) -> None:
    """Register the handlers that give every error the one shape."""

    @app.exception_handler(ApiError)
    async def _api(_: Request, exc: ApiError) -> JSONResponse:
        return error_response(exc.status, exc.message, exc.where, exc.code, exc.headers)

    @app.exception_handler(HTTPException)
    async def _http(_: Request, exc: HTTPException) -> JSONResponse:
        message = exc.detail if isinstance(exc.detail, str) else CODES.get(exc.status_code, "error")
        if exc.status_code == 404 and message == "Not Found":
            message = "No such resource: the API's paths are listed at /api/v1/openapi.json."
        return error_response(exc.status_code, message, headers=getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()) if p not in ("query", "body", "path"))
        message = "; ".join(_problem(e) for e in exc.errors()[:5]) or "The request is not valid."
        return error_response(422, message, where or None)

    @app.exception_handler(HarmtraceError)
    async def _harmtrace(_: Request, exc: HarmtraceError) -> JSONResponse:
        if isinstance(exc, QueryFailed):
            return _internal(exc)
        status = 400 if isinstance(exc, InputError | MappingError | QueryError) else 503
        if isinstance(exc, StoreError):
            status = 503
        return error_response(status, exc.worded(lambda name: name))

    @app.exception_handler(Exception)
    async def _other(_: Request, exc: Exception) -> JSONResponse:
        return _internal(exc)


def _problem(error: Any) -> str:
    where = ".".join(str(p) for p in error.get("loc", ()) if p not in ("query", "body", "path"))
    return f"{where}: {error.get('msg', 'not valid')}" if where else str(error.get("msg", "not valid"))


def _internal(exc: BaseException) -> JSONResponse:
    ref = secrets.token_hex(4)
    # the message may quote data (a name in a failed statement): logged only with $HARMTRACE_DEBUG
    frame = traceback.extract_tb(exc.__traceback__)[-1:] if exc.__traceback__ else []
    at = f"{frame[0].filename}:{frame[0].lineno}" if frame else "unknown place"
    log.error("internal error %s: %s at %s", ref, type(exc).__name__, at, exc_info=exc if _debug() else None)
    return error_response(500, f"The server failed on this request (reference {ref} in its log).")


def _debug() -> bool:
    return bool(os.environ.get("HARMTRACE_DEBUG"))
