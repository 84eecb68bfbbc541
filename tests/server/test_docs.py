"""docs/server.md shows the routes and the policy the code holds."""

from __future__ import annotations

import re

from harmtrace.publish.policy import markdown_table
from harmtrace.server.app import create_app, docs_routes
from harmtrace.server.config import ServerConfig
from tests.conftest import ROOT


def _block(name: str) -> str:
    page = (ROOT / "docs" / "server.md").read_text(encoding="utf-8")
    found = re.search(rf"<!-- {name}:start -->\n(.*?)\n<!-- {name}:end -->", page, re.S)
    assert found, f"docs/server.md has no <!-- {name}:start --> ... <!-- {name}:end --> block"
    return found[1]


def test_docs_show_every_route_with_its_least_role() -> None:
    assert _block("routes-table") == docs_routes(), (
        "docs/server.md lists other routes than the server has: paste the output of "
        "`python -m harmtrace.server.app` between its routes-table markers"
    )


def test_the_route_table_names_every_operation_of_the_openapi_document(tmp_path: object) -> None:
    from pathlib import Path

    spec = create_app(ServerConfig(db=Path("harmtrace.duckdb"))).openapi()
    operations = {(m.upper(), p) for p, item in spec["paths"].items() for m in item}
    listed = set(re.findall(r"^\| (\w+) \| `([^`]+)` \|", docs_routes(), re.M))
    assert listed == operations


def test_the_least_roles_shown_are_those_the_routes_require() -> None:
    rows = {
        (m, p): role for m, p, role in re.findall(r"^\| (\w+) \| `([^`]+)` \| (\w+) \|", docs_routes(), re.M)
    }
    assert rows[("GET", "/api/v1/persons/{person_id}")] == "analyst"
    assert rows[("GET", "/api/v1/audit")] == "admin"
    assert rows[("POST", "/api/v1/decisions/incidents")] == "analyst"
    assert rows[("GET", "/api/v1/incidents")] == "public"
    assert _block("policy-table") == markdown_table()
