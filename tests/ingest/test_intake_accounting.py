"""read = accepted + quarantined, checked in the store, for every format harmtrace reads.

One small file per format, with at least one good row and one the format quarantines, imported through
the library call a user's command makes: the batch's documents are the rows read (each holding the
row's bytes under their SHA-256), its quarantine rows the rows quarantined, the batch row and the result
add up, and the same file imported again is recognised and adds nothing. Every `harmtrace ingest`
format of the registry must have a case here.
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pyarrow as pa
import pytest
from openpyxl import Workbook

from harmtrace.analyse.control import ControlImport, import_control
from harmtrace.analyse.sites import import_sites
from harmtrace.assess.declared import import_declared
from harmtrace.ingest import FIXED_FORMATS, MAPPED_FORMATS, ImportResult, get_format, import_file
from harmtrace.ingest.intake import (
    AccountingError,
    InputFile,
    Intake,
    _accounting_counts,
    import_rows,
    open_batch,
    write_documents,
)
from harmtrace.locate import locate_admin
from harmtrace.locate.gazetteer import import_places
from harmtrace.store import Store
from tests.conftest import ROOT, TEST_DATA
from tests.ingest.ucdp_rows import ucdp_rows, write_csv
from tests.locate.places_fixtures import REPORTS, admin1_geojson, geonames_file, reports_file

INCIDENTS_MAPPING = ROOT / "examples" / "mappings" / "airwars_style_incidents.yaml"
VICTIMS_MAPPING = TEST_DATA / "victims_versions.yaml"
SQUARE = {"type": "Polygon", "coordinates": [[[36, 34], [37, 34], [37, 35], [36, 35], [36, 34]]]}

# Each case imports its file into the store and returns the result; calling it twice imports it twice.
Importer = Callable[[Store], ImportResult]


def _ucdp(tmp: Path) -> Importer:
    header, rows = ucdp_rows(3)
    rows[1]["date_start"] = rows[1]["date_end"] = "not a date"
    path = write_csv(tmp / "ucdp.csv", header, rows)
    return lambda store: import_file(store, get_format("ucdp-ged"), path)


def _fixed(name: str, file: str) -> Callable[[Path], Importer]:
    return lambda tmp: lambda store: import_file(store, get_format(name), TEST_DATA / file)


def _syrian_archive(tmp: Path) -> Importer:
    path = reports_file(tmp / "archive.csv", [*REPORTS[:3], ("", "WEST : Kafr Testa", "", "")])
    return lambda store: import_file(store, get_format("syrian-archive"), path)


def _incidents_csv(tmp: Path) -> Importer:
    fmt = get_format("incidents", INCIDENTS_MAPPING)
    return lambda store: import_file(store, fmt, TEST_DATA / "incidents_sheet.csv")


def _incidents_xlsx(tmp: Path) -> Importer:
    with (TEST_DATA / "incidents_sheet.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    book = Workbook()
    for row in rows:
        book.active.append([v or None for v in row])
    path = tmp / "incidents.xlsx"
    book.save(path)
    fmt = get_format("incidents", INCIDENTS_MAPPING)
    return lambda store: import_file(store, fmt, path)


def _victims(tmp: Path) -> Importer:
    path = tmp / "victims.csv"
    text = (TEST_DATA / "victims_versions.csv").read_text(encoding="utf-8")
    path.write_text(text + "V-9,Invented Name Z,,Male,2013-03-09,Homs,Shelling\n", encoding="utf-8")
    fmt = get_format("victims", VICTIMS_MAPPING)
    return lambda store: import_file(store, fmt, path)


def _control(tmp: Path) -> Importer:
    point = {"type": "Point", "coordinates": [36, 34]}
    features = [{"type": "Feature", "properties": {"actor": "SDF"}, "geometry": SQUARE},
                {"type": "Feature", "properties": {"actor": None}, "geometry": SQUARE},
                {"properties": {"actor": "SDF"}, "geometry": point}]  # GDAL would drop this one  # fmt: skip
    path = tmp / "areas.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    options = ControlImport(valid_from=date(2017, 1, 1), valid_to=date(2017, 6, 30))
    return lambda store: import_control(store, path, options)


def _sites(tmp: Path) -> Importer:
    return lambda store: import_sites(store, TEST_DATA / "sites_fixture.csv", "hospital")


def _declared(tmp: Path) -> Importer:
    log, places = tmp / "log.tsv", tmp / "places.tsv"
    log.write_text("date\tplace\tstrikes\n2015-10-05\tRaqqa\t3\n2015-10-06\tNowhere\t2\nbad row\n")
    places.write_text("name\tlat\tlng\nRaqqa\t35.95\t39.01\n")
    return lambda store: import_declared(store, log, places, "US-led coalition")


def _admin1(tmp: Path) -> Path:
    """Two square governorates and a feature without name or polygon."""
    path = admin1_geojson(tmp / "admin1.geojson")
    data = json.loads(path.read_text(encoding="utf-8"))
    data["features"].append({"type": "Feature", "properties": {"adm1_pcode": "XX03"}, "geometry": None})
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def _ocha(tmp: Path) -> Importer:
    path = _admin1(tmp)
    return lambda store: import_places(store, path, "ocha")


def _geonames(tmp: Path) -> Importer:
    path = geonames_file(tmp / "SY.txt")
    cells = ["1009", "Nowhere", "Nowhere", "", "", "", "P", "PPL", "XX"] + [""] * 10
    path.write_text(path.read_text(encoding="utf-8") + "\t".join(cells) + "\n", encoding="utf-8")
    return lambda store: import_places(store, path, "geonames")


def _archive_gazetteer(tmp: Path) -> Importer:
    path = tmp / "syrian_places.csv"
    path.write_text("City,Neighborhood,Latitude,Longitude\nWest,Kafr Testa,34.5,36.5\nWest,Nowhere,NA,NA\n")
    return lambda store: import_places(store, path, "syrian-archive")


def _boundaries(tmp: Path) -> Importer:
    path = _admin1(tmp)

    def imported(store: Store) -> ImportResult:
        placement = locate_admin(store, path)
        assert placement.imported is not None
        return placement.imported

    return imported


CASES: dict[str, Callable[[Path], Importer]] = {
    "ucdp-ged": _ucdp,
    "acled": _fixed("acled", "acled_syria_sample.csv"),
    "acled-deletions": _fixed("acled-deletions", "acled_deletions_sample.csv"),
    "syrian-archive": _syrian_archive,
    "incidents": _incidents_csv,
    "incidents-xlsx": _incidents_xlsx,
    "victims": _victims,
    "control-areas": _control,
    "sites": _sites,
    "declared-strikes": _declared,
    "places-ocha": _ocha,
    "places-geonames": _geonames,
    "places-syrian-archive": _archive_gazetteer,
    "boundaries": _boundaries,
}


def test_every_ingest_format_has_a_case() -> None:
    assert set(FIXED_FORMATS) | set(MAPPED_FORMATS) <= set(CASES)


@pytest.mark.parametrize("case", list(CASES))
def test_read_is_accepted_plus_quarantined_in_the_store(store: Store, tmp_path: Path, case: str) -> None:
    importer = CASES[case](tmp_path)
    result = importer(store)
    assert not result.already_imported and result.rows_accepted >= 1 and result.rows_quarantined >= 1
    assert result.rows_read == result.rows_accepted + result.rows_quarantined
    batch = store.rows("SELECT * FROM batch WHERE batch_id = ?", [result.batch_id])[0]
    assert (batch["rows_read"], batch["rows_accepted"], batch["rows_quarantined"]) == (
        result.rows_read, result.rows_accepted, result.rows_quarantined,
    )  # fmt: skip
    assert batch["file_name"] == result.file_name
    documents = store.con.execute(
        "SELECT row_number, sha256, raw FROM document WHERE batch_id = ? ORDER BY row_number",
        [result.batch_id],
    ).fetchall()
    assert [n for n, _, _ in documents] == list(range(1, result.rows_read + 1))
    assert all(raw and sha == hashlib.sha256(raw).hexdigest() for _, sha, raw in documents)
    quarantined = store.scalar("SELECT count(*) FROM quarantine WHERE batch_id = ?", [result.batch_id])
    assert quarantined == result.rows_quarantined and result.reasons
    before = _table_counts(store)
    again = importer(store)
    assert again.already_imported and again.batch_id == result.batch_id
    assert (again.rows_read, again.rows_quarantined) == (result.rows_read, result.rows_quarantined)
    assert _table_counts(store) == before


def _table_counts(store: Store) -> dict[str, int]:
    tables = [r["table_name"] for r in store.rows("SELECT table_name FROM duckdb_tables() ORDER BY 1")]
    return {t: int(store.scalar(f'SELECT count(*) FROM "{t}"')) for t in tables}


def test_duckdb_hashes_documents_as_hashlib_does(store: Store) -> None:
    raws = [b"plain,row", "صف,عربي".encode(), b"\x00\xff\xfe not text \r", "ÿ".encode("cp1252")]
    with store.transaction() as con:
        ids = open_batch(con, "test")
        write_documents(con, ids.batch_id, pa.table({"row_number": [1, 2, 3, 4], "raw": raws}))
    stored = store.con.execute("SELECT sha256, raw FROM document ORDER BY row_number").fetchall()
    assert [(sha, bytes(raw)) for sha, raw in stored] == [(hashlib.sha256(r).hexdigest(), r) for r in raws]


def test_a_batch_that_does_not_add_up_is_refused_and_leaves_nothing(store: Store, tmp_path: Path) -> None:
    intake = Intake(InputFile.of_bytes(tmp_path / "f.csv", b"x", "utf-8"), "test", "test", "row")
    documents = pa.table({"row_number": [1, 2, 3], "raw": [b"a", b"b", b"c"]})
    # row 3 neither accepted nor quarantined: lost, which the store must refuse to record
    with pytest.raises(AccountingError, match="1 documents neither accepted nor quarantined"):
        import_rows(store, intake, ["x"], documents, {2: ["bad: row 2"]}, lambda con, batch: [1])
    # a quarantined row must say why
    with pytest.raises(AccountingError, match="quarantined rows without a reason"):
        import_rows(store, intake, ["x"], documents, {2: [], 3: ["bad: row 3"]}, lambda con, batch: [1])
    assert [store.scalar(f"SELECT count(*) FROM {t}") for t in ("batch", "document", "quarantine")] == [
        0,
        0,
        0,
    ]
    done = import_rows(store, intake, ["x"], documents, {2: ["bad: row 2"]}, lambda con, batch: [1, 3])
    assert (done.rows_read, done.rows_accepted, done.rows_quarantined) == (3, 2, 1)
    assert done.reasons == {"bad": (1, [2])} and done.first_reasons == {"bad": "bad: row 2"}


@pytest.mark.parametrize(
    ("documents", "quarantined", "accepted"),
    [
        ([1, 2, 3], {2: ["r"]}, [1, 3]),  # adds up
        ([1, 2, 2, 3], {2: ["r"], 5: []}, [1, 1, 2, 4]),  # a repeated document, accepted and quarantined
        ([1, 2, 3, 4], {1: ["r"]}, []),  # documents neither accepted nor quarantined
        ([], {7: ["r"]}, [8]),  # rows without a document
    ],
)
def test_the_accounting_counts_are_what_their_definitions_say(
    store: Store, documents: list[int], quarantined: dict[int, list[str]], accepted: list[int]
) -> None:
    """The one-grouping query against the counts as defined, worked out in Python."""
    with store.transaction() as con:
        ids = open_batch(con, "test")
        table = pa.table({"row_number": pa.array(documents, pa.int64()), "raw": [b"x"] * len(documents)})
        write_documents(con, ids.batch_id, table)
        for row, reasons in quarantined.items():
            con.execute("INSERT INTO quarantine VALUES (?, ?, ?)", [ids.batch_id, row, reasons])
        given = f"SELECT unnest({accepted}::BIGINT[])"
        counts = _accounting_counts(con, ids.batch_id, given)
    a, q = set(accepted), set(quarantined)
    assert counts == {
        "documents": len(documents),
        "distinct_documents": len(set(documents)),
        "quarantined": len(quarantined),
        "distinct_quarantined": len(q),
        "without_reason": sum(1 for r in quarantined.values() if not r),
        "accepted": len(a),
        "both": len(a & q),
        "neither": sum(1 for d in documents if d not in a and d not in q),
        "without_document": len((a | q) - set(documents)),
    }
