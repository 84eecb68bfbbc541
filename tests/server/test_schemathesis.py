"""Schemathesis against the server's OpenAPI document, on a real uvicorn server: for every operation,
generated requests (valid and not) as the public and as an analyst never get a 5xx, and every answer
matches the document (status code listed, content type, body schema).

Write operations are kept for the public too: they must refuse it (401), never fail. Bounded: at most
`EXAMPLES` requests per operation and role ($HARMTRACE_FUZZ_EXAMPLES, 25 by default; `make test-fuzz`
asks 500), no deadline (a request's time varies with the machine). Without $HARMTRACE_FUZZ_EXAMPLES the
draw is the same every run.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import httpx
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from harmtrace.publish.policy import Role
from harmtrace.server.app import PREFIX, create_app
from harmtrace.server.config import ServerConfig
from tests.server.conftest import Team

FUZZ = os.environ.get("HARMTRACE_FUZZ_EXAMPLES")  # a longer, random search (make test-fuzz)
EXAMPLES = int(FUZZ or "25")
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
OPEN_WRITES = {("POST", f"{PREFIX}/session"), ("DELETE", f"{PREFIX}/session")}  # sign in, sign out
# `make test` draws the same requests every run (a CI run passes or fails on the code, not on the draw);
# `make test-fuzz` draws new ones each time, and what it finds becomes a test of its own
BOUNDED = settings(
    max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=not FUZZ
)


# The document as the app writes it (no store needed): loaded when the module is, because Schemathesis
# 4.32's lazy loader (`schemathesis.pytest.from_fixture`) fails under pytest 9 (no `Function._nodeid`).
# The requests go to the live server (`live_server`).
schema = schemathesis.openapi.from_dict(create_app(ServerConfig(db=Path("unused.duckdb"))).openapi())


@schema.parametrize()
@BOUNDED
def test_the_public_never_gets_a_server_error_and_every_answer_is_as_documented(
    case: schemathesis.Case, live_server: str
) -> None:
    response = case.call_and_validate(base_url=live_server, checks=CHECKS)
    method = case.method.upper()
    if method == case.operation.method.upper() != "GET" and (method, case.path) not in OPEN_WRITES:
        # a body that is not JSON at all is refused (400, 422) by the framework before anyone is asked who
        # sends it; any JSON body, valid or not, must meet the refusal of the public (401)
        expected = (400, 401, 422) if not _is_json(case.body) else (401,)
        assert response.status_code in expected, f"{method} {case.path} as the public: {response.status_code}"


def _is_json(body: object) -> bool:
    if not isinstance(body, bytes | str):
        return True  # schemathesis sends other bodies (dicts, lists, numbers, None) as JSON
    try:
        json.loads(body)
    except ValueError:
        return False
    return True


@schema.parametrize()
@BOUNDED
def test_an_analyst_never_gets_a_server_error_and_every_answer_is_as_documented(
    case: schemathesis.Case, live_server: str, team: Team
) -> None:
    case.call_and_validate(base_url=live_server, headers=team.headers(Role.ANALYST), checks=CHECKS)


def test_each_list_filter_answers(live_server: str) -> None:
    """Each filter of the incident list, once, deterministically (Schemathesis may not draw each)."""
    filters = {"perpetrator": "Government of Syria", "governorate": "SY02", "means": "airstrike",
               "site_kind": "hospital", "grade": "weak,fair", "bbox": "36,35,38,37", "from": "2016-01-01",
               "to": "2016-12-31", "fields": "incident_id,latitude"}  # fmt: skip
    for name, value in filters.items():
        response = httpx.get(f"{live_server}{PREFIX}/incidents", params={name: value})
        assert response.status_code == 200, (name, response.text)
