"""The role x endpoint x field matrix, black-box: canary values are put in a copy of the store, every GET
route of the app's OpenAPI document is asked for as every role, and each answer may hold a canary only
when the role may see its field.

Which role may see what is read from `harmtrace.publish.policy` (the class of the canary's field), but
never below the floor issue 16 sets for the public (`FLOOR`: no victims' names, no free text, no
exact coordinates, no staff names, no raw input), so a policy weakened below the issue makes the answers
leak and this test fail. A route the harness cannot fill (a path parameter it has no id for) fails the
test with the route's name: routes added later are covered, or named.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from harmtrace.assess.decisions import decide_grade
from harmtrace.assess.run import assess_incidents
from harmtrace.link.decisions import record_decision
from harmtrace.link.kinds import INCIDENTS
from harmtrace.publish import policy
from harmtrace.publish.policy import CLASSES, Role, field_class, markdown_table
from harmtrace.server.app import PREFIX
from harmtrace.store import open_store
from tests.server.conftest import Team, running

ROLES = tuple(Role)
LATITUDE, LONGITUDE = 35.123457, 38.765431  # decimals no coarsened point has


@dataclass(frozen=True)
class Canary:
    """A distinctive value put in the store in `entity`.`field`."""

    what: str
    text: str
    entity: str
    field: str
    floor: Role  # issue 16: roles below this never see it, whatever the policy says

    @property
    def from_role(self) -> Role:
        """The lowest role that may see the exact value: the policy's, never below the floor."""
        return max(CLASSES[field_class(self.entity, self.field)].exact_from, self.floor)


CANARIES = (
    Canary("victim name", "Canaryname Zqxw", "person", "name", Role.ANALYST),
    Canary("report description", "Canarydesc Qzxv", "report", "description", Role.VIEWER),
    Canary("report place text", "Canaryplace Vqzx", "report", "place_text", Role.VIEWER),
    Canary("decision author", "Canaryauthor Xqzw", "decision", "author", Role.VIEWER),
    Canary("decision reason", "Canaryreason Wqxz", "decision", "reason", Role.VIEWER),
    Canary("grade decision reason", "Canarygrade Zwqx", "decision", "reason", Role.VIEWER),
    Canary("raw input row", "Canaryraw Qwzx", "document", "raw", Role.ANALYST),
    Canary("exact latitude", str(LATITUDE).split(".")[1], "report", "latitude", Role.VIEWER),
    Canary("exact longitude", str(LONGITUDE).split(".")[1], "report", "longitude", Role.VIEWER),
)
BY_WHAT = {c.what: c for c in CANARIES}


@dataclass(frozen=True)
class Ids:
    """Real ids of the canary records, by the names path parameters may have."""

    values: dict[str, str]

    def fill(self, path: str) -> str:
        """`path` with its parameters filled; a KeyError naming the parameters it cannot fill."""
        names = re.findall(r"{([^}]+)}", path)
        unknown = [n for n in names if n not in self.values]
        if unknown:
            raise KeyError(", ".join(unknown))
        return re.sub(r"{([^}]+)}", lambda m: self.values[m.group(1)], path)


def plant(db: Path) -> Ids:
    """Put the canaries in the store at `db` (incident I0000001: reports 1 and 2, dated first of all so
    every list's first page holds it); the ids of the records holding them."""
    c = BY_WHAT
    with open_store(db) as store:
        incident = store.scalar("SELECT incident_id FROM incident_member WHERE report_id = 1")
        store.con.execute(
            "UPDATE report SET date_start = DATE '2001-01-01', date_end = DATE '2001-01-01' "
            "WHERE report_id IN (1, 2)"
        )
        store.con.execute(
            "UPDATE report SET description = ?, place_text = ?, latitude = ?, longitude = ?, "
            "location_precision = 'exact' WHERE report_id = 1",
            [f"A strike. {c['report description'].text}.", f"Near {c['report place text'].text}",
             LATITUDE, LONGITUDE],
        )  # fmt: skip
        store.con.execute(
            "UPDATE document SET raw = ?::BLOB FROM report r WHERE r.report_id = 1 "
            "AND document.batch_id = r.batch_id AND document.row_number = r.row_number",
            [f'{{"notes": "{c["raw input row"].text}"}}'],
        )
        person, victim = store.rows(
            "SELECT person_id, victim_id FROM person_member ORDER BY person_id, victim_id LIMIT 1"
        )[0].values()
        store.con.execute(
            "UPDATE victim_record SET name = ? WHERE victim_id = ?", [c["victim name"].text, victim]
        )
        decision, _ = record_decision(store, "same", "1", "2", c["decision reason"].text,
                                      c["decision author"].text, INCIDENTS)  # fmt: skip
        assess_incidents(store)
        grade = decide_grade(
            store, incident, "weak", c["grade decision reason"].text, c["decision author"].text
        )
        report = store.rows("SELECT r.batch_id, s.source_id, s.name FROM report r "
                            "JOIN source s USING (source_id) WHERE report_id = 1")[0]  # fmt: skip
        run_id = store.scalar("SELECT max(run_id) FROM link_run WHERE kind = 'incidents'")
    values = {
        "incident_id": incident,
        "report_id": "1",
        "person_id": person,
        "victim_id": str(victim),
        "decision_id": str(decision.decision_id),
        "grade_decision_id": str(grade["decision_id"]),
        "batch_id": str(report["batch_id"]),
        "source_id": str(report["source_id"]),
        "source": report["name"],
        "source_name": report["name"],
        "run_id": str(run_id),
    }
    return Ids(values)


@dataclass(frozen=True)
class Answer:
    path: str
    role: Role
    status: int
    text: str


@pytest.fixture(scope="module")
def answers(built: tuple[Path, Team], tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[Answer]]:
    """Every GET route of the OpenAPI document, as every role, on the store with the canaries."""
    db = tmp_path_factory.mktemp("canary") / "store.duckdb"
    shutil.copyfile(built[0], db)
    ids = plant(db)
    team = built[1]
    found: list[Answer] = []
    unfilled: list[str] = []
    with running(db) as (url, _), httpx.Client(base_url=url, timeout=30) as http:
        spec = http.get(f"{PREFIX}/openapi.json").json()
        routes = [p for p, ops in spec["paths"].items() if "get" in ops]
        for path in routes:
            try:
                filled = ids.fill(path)
            except KeyError as exc:
                unfilled.append(f"{path} (no id for {exc.args[0]})")
                continue
            params = _required_query(spec["paths"][path]["get"])
            for role in ROLES:
                response = http.get(filled, params=params, headers=team.headers(role))
                found.append(Answer(path, role, response.status_code, response.text))
    assert not unfilled, f"routes the matrix cannot fill: {unfilled}"
    assert len(routes) >= 3, routes
    yield found


def _required_query(operation: dict[str, Any]) -> dict[str, str]:
    """Values for the required query parameters of `operation`, by their schema."""
    params = {}
    for param in operation.get("parameters", []):
        if param.get("in") != "query" or not param.get("required"):
            continue
        schema = param.get("schema", {})
        kind, fmt = schema.get("type"), schema.get("format")
        if "enum" in schema:
            params[param["name"]] = str(schema["enum"][0])
        elif kind == "integer" or kind == "number":
            params[param["name"]] = "0"
        elif fmt == "date":
            params[param["name"]] = "2000-01-01"
        elif fmt == "date-time":
            params[param["name"]] = "2000-01-01T00:00:00"
        else:
            raise AssertionError(f"the matrix cannot fill query parameter {param['name']!r}: {operation}")
    return params


def test_every_route_answers_each_role_or_refuses_it_below_its_least_role(answers: list[Answer]) -> None:
    by_path: dict[str, list[Answer]] = {}
    for a in answers:
        by_path.setdefault(a.path, []).append(a)
    for path, per_role in by_path.items():
        allowed = [a.role for a in per_role if 200 <= a.status < 300]
        assert allowed, f"GET {path} answered no role: {[(a.role.word, a.status) for a in per_role]}"
        least = min(allowed)
        for a in per_role:
            if a.role >= least:
                assert 200 <= a.status < 300, (
                    f"GET {path} refused {a.role.word} though {least.word} may: {a.text}"
                )
            else:
                assert a.status == (401 if a.role == Role.PUBLIC else 403), f"GET {path} as {a.role.word}"
                assert '"error"' in a.text
        if "/audit" in path or "/accounts" in path:
            assert least == CLASSES["account"].exact_from, f"GET {path} is open to {least.word}"


def test_no_answer_holds_a_canary_below_the_role_that_may_see_it(answers: list[Answer]) -> None:
    leaks = [
        f"GET {a.path} as {a.role.word}: {c.what}"
        for a in answers
        for c in CANARIES
        if a.role < c.from_role and c.text in a.text
    ]
    assert not leaks, leaks


def test_each_canary_is_shown_to_the_least_role_that_may_see_it(answers: list[Answer]) -> None:
    """The harness finds what it looks for: each canary the API serves appears, at its least role."""
    paths = {a.path for a in answers}
    served = [c for c in CANARIES if c.entity != "person" or any("/persons" in p for p in paths)]
    for canary in served:
        shown = [a.path for a in answers if a.role == canary.from_role and canary.text in a.text]
        assert shown, f"{canary.what} appears in no answer to {canary.from_role.word}"


def test_the_policy_is_never_weaker_than_the_issue_for_the_public() -> None:
    for canary in CANARIES:
        exact_from = CLASSES[field_class(canary.entity, canary.field)].exact_from
        assert exact_from >= canary.floor, f"{canary.entity}.{canary.field} is shown from {exact_from.word}"
    for name in ("witness", "raw", "personal"):
        assert CLASSES[name].exact_from >= Role.ANALYST, name


def _table_rows(entity: str) -> dict[str, dict[Role, str]]:
    """`markdown_table()`'s rows of `entity`: field -> role -> treatment."""
    rows: dict[str, dict[Role, str]] = {}
    for line in markdown_table().splitlines()[2:]:
        cells = [c.strip() for c in line.strip("|").split("|")]
        if cells[0] == entity:
            rows[cells[1]] = dict(zip(ROLES, cells[3:], strict=True))
    return rows


def test_the_policy_table_is_what_the_api_answers(built: tuple[Path, Team], tmp_path: Path) -> None:
    """One incident as each role: each field of the incident and of its reports is there, coarsened or
    left out exactly as `policy.markdown_table()` says."""
    db = tmp_path / "store.duckdb"
    shutil.copyfile(built[0], db)
    ids = plant(db)
    with running(db) as (url, _):
        detail = {r: httpx.get(f"{url}{PREFIX}/incidents/{ids.values['incident_id']}",
                               headers=built[1].headers(r)).json() for r in ROLES}  # fmt: skip
    for entity, part in (("incident", lambda d: d["incident"]), ("report", lambda d: d["reports"][0])):
        exact = part(detail[Role.ADMIN])
        for field, treatment in _table_rows(entity).items():
            if field not in exact:
                continue  # a field this answer does not carry for anyone
            for role in ROLES:
                got = part(detail[role])
                if treatment[role] == policy.HIDDEN:
                    assert field not in got, (entity, field, role.word)
                elif treatment[role] == policy.COARSENED:
                    assert field in got and got[field] != exact[field], (entity, field, role.word)
                else:
                    assert got.get(field) == exact[field], (entity, field, role.word, treatment[role])
