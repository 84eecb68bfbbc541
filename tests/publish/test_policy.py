"""The publication policy enforced on every export, its SQL and Python coarsening agreeing, the audit log
of exports that read personal fields, and docs/server.md showing the table the code holds.

The store is built as a user would: the bundled UCDP rows (their headlines, the reports' descriptions,
made to name an invented person, their points made exact) and an invented victim list with names,
ingested and linked with the CLI, and one control area imported from a GeoJSON file.
"""

from __future__ import annotations

import csv
import getpass
import json
import math
import re
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from harmtrace.cli import main
from harmtrace.errors import StoreError
from harmtrace.publish import control_export, incidents_export, persons_export, reports_export
from harmtrace.publish.export_policy import columns_of, policed_sql
from harmtrace.publish.policy import (
    FIELDS,
    METRES_PER_DEGREE,
    Audience,
    Role,
    coarsen_point,
    coarsen_sql,
    markdown_table,
)
from harmtrace.store import open_store
from harmtrace.store.relations import relation_sql
from tests.conftest import ROOT, TEST_DATA, run_ok
from tests.ingest.ucdp_rows import ucdp_rows, write_csv

NAME = "Invented Victim Name"  # in descriptions and place text, as a source may write a victim's name
VICTIMS = TEST_DATA / "victims_versions.csv"  # invented names: "Invented Name A" ...
GRID_M = 5000.0
# export command -> (its policy entity, its file format in the matrix)
EXPORTS = {
    "incidents": ("incidents_export", "parquet"),
    "reports": ("reports_export", "parquet"),
    "persons": ("persons_export", "parquet"),
    "control": ("control_area", "geojson"),
}
AREA = {
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "properties": {},
            "geometry": {
                "type": "Polygon",
                "coordinates": [[[36.1, 34.1], [36.9, 34.1], [36.9, 34.9], [36.1, 34.9], [36.1, 34.1]]],
            },
        }
    ],
}


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("policy")
    db = folder / "store.duckdb"
    header, rows = ucdp_rows(12)
    run_ok(db, "ingest", "ucdp-ged", str(write_csv(folder / "ged.csv", header, rows)))
    with open_store(db) as store:  # exact points, and text naming a person, as a local monitor's may be
        store.con.execute(
            "UPDATE report SET location_precision = 'exact', description = ? || ' was killed at home', "
            "place_text = 'the house of ' || ?",
            [NAME, NAME],
        )
    run_ok(db, "ingest", "victims", str(VICTIMS), "--mapping", str(VICTIMS.with_suffix(".yaml")))
    run_ok(db, "link", "victims")
    area = folder / "area.geojson"
    area.write_text(json.dumps(AREA), encoding="utf-8")
    run_ok(db, "control", "import", str(area), "--actor", "Government of Syria",
           "--valid-from", "2016-01-01", "--valid-to", "2016-12-31")  # fmt: skip
    return db


@pytest.fixture
def store_copy(db: Path, tmp_path: Path) -> Path:
    """A copy of the module's store, for a test that writes the audit log."""
    copy = tmp_path / "store.duckdb"
    copy.write_bytes(db.read_bytes())
    return copy


def export(db: Path, command: str, out: Path, *options: str) -> str:
    fmt = out.suffix.lstrip(".")
    return run_ok(db, command, "export", "--format", fmt, str(out), *options)


def written_columns(path: Path) -> list[str]:
    if path.suffix == ".parquet":
        return pq.read_table(path).column_names
    if path.suffix == ".geojson":
        features = json.loads(path.read_text(encoding="utf-8"))["features"]
        return [*features[0]["properties"], "geometry"]
    with path.open(newline="", encoding="utf-8") as fh:
        return next(csv.reader(fh))


def audit_rows(db: Path) -> list[dict[str, object]]:
    with open_store(db, read_only=True) as store:
        return store.rows("SELECT * EXCLUDE (entry_id, logged_at) FROM audit_log ORDER BY entry_id")


# --- what the public gets ------------------------------------------------------------------------------


def test_public_csv_exports_hold_no_name_no_free_text_and_no_exact_point(db: Path, tmp_path: Path) -> None:
    texts = []
    for command in ("incidents", "reports", "persons"):
        out = tmp_path / f"{command}.csv"
        export(db, command, out)
        texts.append(out.read_text(encoding="utf-8"))
        columns = written_columns(out)
        assert not {"description", "place_text", "name", "name_ar"} & set(columns), command
    assert not [t for t in texts if "Invented" in t]  # neither the victims' names nor the one in the text
    with open_store(db, read_only=True) as store:
        exact = {(r["source"], r["record_id"]): r for r in store.rows(
            "SELECT s.name AS source, r.record_id, p.latitude, p.longitude, p.radius_m FROM report r "
            f"JOIN source s USING (source_id) JOIN ({relation_sql('report_points')}) p USING (report_id)"
        )}  # fmt: skip
    assert exact and all(r["radius_m"] < GRID_M for r in exact.values())  # every one must move
    step = GRID_M / METRES_PER_DEGREE
    for command in ("incidents", "reports"):
        with (tmp_path / f"{command}.csv").open(newline="", encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
        assert len(rows) == len(exact)
        for row in rows:
            stored = exact[(row["source"], row["record_id"])]
            for axis in ("latitude", "longitude"):
                value = float(row[axis])
                assert value != stored[axis], (command, axis)
                centre = (math.floor(stored[axis] / step) + 0.5) * step  # the centre of the point's cell
                assert abs(value - centre) < 1e-4 and abs(value - stored[axis]) <= step / 2
            assert float(row["radius_m"]) >= GRID_M * 0.707


def test_a_public_export_writes_no_audit_row_and_an_analyst_one_writes_one(
    store_copy: Path, tmp_path: Path
) -> None:
    export(store_copy, "persons", tmp_path / "public.csv")
    assert audit_rows(store_copy) == []
    printed = export(store_copy, "persons", tmp_path / "team.csv", "--role", "analyst")
    assert "This export was written to the store's audit log." in printed
    assert audit_rows(store_copy) == [
        {"actor": getpass.getuser(), "role": "analyst", "action": "export", "entity": "persons_export",
         "entity_ids": [], "fields": ["name", "name_ar"], "detail": "team.csv"}
    ]  # fmt: skip


def test_an_audited_export_of_a_read_only_store_is_refused_before_writing(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "persons.csv"
    with open_store(db, read_only=True) as store, pytest.raises(StoreError, match="audit log cannot be"):
        persons_export.export_persons(store, out, "csv", Audience(Role.ANALYST))
    assert not out.exists()


# --- the role x field matrix ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def matrix(db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[tuple[str, Role], Path]]:
    """Every export run as every role (on a copy of the store: audited ones write its log)."""
    folder = tmp_path_factory.mktemp("matrix")
    copy = folder / "store.duckdb"
    copy.write_bytes(db.read_bytes())
    files = {}
    for command, (_, fmt) in EXPORTS.items():
        for role in Role:
            out = folder / f"{command}_{role.word}.{fmt}"
            export(copy, command, out, "--role", role.word)
            files[command, role] = out
    yield files


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.word)
@pytest.mark.parametrize("command", list(EXPORTS))
def test_each_export_writes_exactly_the_fields_the_policy_shows_the_role(
    matrix: dict[tuple[str, Role], Path], command: str, role: Role
) -> None:
    entity = EXPORTS[command][0]
    shown = Audience(role).shown(entity, FIELDS[entity])
    assert sorted(written_columns(matrix[command, role])) == sorted(shown)


def test_the_matrix_is_not_empty_in_either_direction() -> None:
    """Some field of each export is hidden from the public and shown to admin: the matrix tests both."""
    for entity, _ in EXPORTS.values():
        public, admin = (
            Audience().shown(entity, FIELDS[entity]),
            Audience(Role.ADMIN).shown(entity, FIELDS[entity]),
        )
        assert set(public) < set(admin) == set(FIELDS[entity]), entity


INNER = {
    "incidents_export": lambda: incidents_export.export_sql(),
    "reports_export": lambda: reports_export.export_sql(reports_export.radius_table(None)),
    "control_area": control_export.export_sql,
}


@pytest.mark.parametrize("entity", sorted(INNER))
def test_every_column_an_export_can_write_is_classified(db: Path, entity: str) -> None:
    with open_store(db, read_only=True) as store:
        columns = columns_of(store, INNER[entity]())
    assert set(columns) == set(FIELDS[entity]), (
        f"columns of the {entity} export without a class in harmtrace.publish.policy.FIELDS: "
        f"{sorted(set(columns) - set(FIELDS[entity]))}; classified but not written: "
        f"{sorted(set(FIELDS[entity]) - set(columns))}"
    )


def test_persons_export_columns_are_classified() -> None:
    entity = persons_export.ENTITY
    assert {*persons_export.COLUMNS, *persons_export.NAME_COLUMNS} == set(FIELDS[entity])


def test_an_unclassified_column_stops_the_export(db: Path) -> None:
    with open_store(db, read_only=True) as store, pytest.raises(StoreError, match="does not classify"):
        store.rows(policed_sql("reports_export", "SELECT 1 AS new_column", ["new_column"], Audience()))


# --- the coarsening in SQL and in Python ---------------------------------------------------------------


@pytest.fixture(scope="module")
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    with duckdb.connect() as c:
        yield c


@settings(max_examples=300, deadline=None)
@given(
    latitude=st.floats(-89.9, 89.9),
    longitude=st.floats(-179.9, 179.9),
    radius_m=st.none() | st.floats(0, 60_000),
    grid_m=st.sampled_from([100.0, 1000.0, 2500.0, 5000.0, 10_000.0, 50_000.0]) | st.floats(10, 100_000),
)
def test_coarsen_sql_and_coarsen_point_agree(
    con: duckdb.DuckDBPyConnection, latitude: float, longitude: float, radius_m: float | None, grid_m: float
) -> None:
    exprs = coarsen_sql("latitude", "longitude", "radius_m", grid_m)
    select = ", ".join(f"{e} AS {k}" for k, e in exprs.items())
    row = con.execute(
        f"SELECT {select} FROM (SELECT ?::DOUBLE AS latitude, ?::DOUBLE AS longitude, ?::DOUBLE AS radius_m)",
        [latitude, longitude, radius_m],
    ).fetchone()
    assert row is not None
    assert dict(zip(exprs, row, strict=True)) == coarsen_point(latitude, longitude, radius_m, grid_m)


# --- docs/server.md ------------------------------------------------------------------------------------


def test_docs_show_the_policy_table_the_code_holds() -> None:
    page = (ROOT / "docs" / "server.md").read_text(encoding="utf-8")
    found = re.search(r"<!-- policy-table:start -->\n(.*?)\n<!-- policy-table:end -->", page, re.S)
    assert found, "docs/server.md has no <!-- policy-table:start --> ... <!-- policy-table:end --> block"
    assert found[1] == markdown_table(), (
        "docs/server.md shows another policy than harmtrace.publish.policy: paste the output of "
        "`harmtrace policy --markdown` between its policy-table markers"
    )


def test_the_policy_command_prints_the_docs_table() -> None:
    result = CliRunner().invoke(main, ["policy", "--markdown"])
    assert result.exit_code == 0 and result.output == markdown_table() + "\n"
    rows = json.loads(CliRunner().invoke(main, ["policy", "--json"]).output)
    name = next(r for r in rows if (r["output"], r["field"]) == ("persons_export", "name"))
    assert (name["class"], name["audited"], name["public"], name["analyst"]) == (
        "personal", True, "hidden", "shown"
    )  # fmt: skip
