"""Victim records tied to reports by media, day and place, or their list's declaration; the persons floor.

The fixture is invented: a Syrian Archive export (violations layout) of five videos and a VDC-layout
victim list with invented names, imported through the real pipeline so that the raw documents the
media keys are read from are as an import keeps them.
"""

from __future__ import annotations

import doctest
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from harmtrace.assess.items import harm_sql
from harmtrace.errors import InputError
from harmtrace.ingest import get_format
from harmtrace.ingest.batch import import_file
from harmtrace.link import tie_media, tie_places
from harmtrace.link import ties as ties_module
from harmtrace.link.tie_media import media_keys, normalise_url, row_media_keys
from harmtrace.link.tie_places import cause_kinds, compatible, victim_place
from harmtrace.link.ties import tie_victims
from harmtrace.store import Store, open_store
from tests.assess.reports import R, add_reports, link
from tests.conftest import run_cli

MAPPING = Path(__file__).parents[2] / "examples" / "mappings" / "vdc_victims.yaml"
SA_HEADER = (
    "Description,City,Neighborhood,Latitude,Longitude,Reference_Code,Violation_Type,Recording_Date,"
    "Recording_Hour,Recording_Minute,Source,Youtube_ID,Weapons_Used,URLs_And_News,Page_Title,Video_URL,"
    "Database_ID"
)
# (reference code, day, city, neighbourhood, description, youtube id)
VIDEOS = [
    ("AA_1", "2016-03-07", "IDLIB", "Saraqib", "Warplanes hit the market", "aaaaaaaaaa1"),
    ("AA_2", "2016-03-07", "IDLIB", "Saraqib", "Airstrikes on the market and rescue", "aaaaaaaaaa2"),
    ("BB_1", "2016-03-08", "IDLIB", "Saraqib", "Air raid on a bakery", "bbbbbbbbbb1"),
    ("DD_1", "2016-03-09", "IDLIB", "Binnish", "Air strikes on the east side", "dddddddddd1"),
    ("EE_1", "2016-03-09", "IDLIB", "Binnish", "Warplanes strike the west side", "eeeeeeeeee1"),
    ("FF_1", "2016-03-10", "IDLIB", "Binnish", "Warplanes strike a school", "ffffffffff1"),
]
VDC_HEADER = (
    "vdc_uid,name_en,status,sex_agegroup,province,place_of_death,date_of_death,cause_of_death,actor,"
    "mother_name,age,media_links,incident_code"
)
# invented people: (uid, name, place of death, day, cause, media links, incident code)
VICTIMS = [
    ("901", "Samir Invented Alpha", "Idlib: Saraqeb", "2016-03-07", "Warplane shelling",
     "Video of the killed person: http://www.youtube.com/watch?v=aaaaaaaaaa1&feature;=related", ""),
    ("902", "Karim Invented Beta", "Idlib: Saraqeb", "2016-03-07", "Warplane shelling", "", ""),
    ("903", "Kareem Invented Beta", "Idlib: Saraqib", "2016-03-07", "Warplane shelling", "", ""),
    ("904", "Nadia Invented Gamma", "Idlib: Saraqeb", "2016-03-08", "Warplane shelling", "", ""),
    ("905", "Omar Invented Delta", "Idlib: Binnish", "2016-03-09", "Warplane shelling", "", ""),
    ("906", "Huda Invented Epsilon", "Idlib: Binnish", "2016-03-10", "Shooting", "", ""),
    ("907", "Rami Invented Zeta", "", "2016-03-08", "Warplane shelling",
     "Funeral Procession: https://youtu.be/bbbbbbbbbb1/", ""),
    ("908", "Lina Invented Eta", "Idlib: Saraqeb", "2016-03-07", "Detention - Torture", "", ""),
    ("909", "Adel Invented Theta", "", "2016-03-09", "Warplane shelling", "", "EE_1"),
]  # fmt: skip


def _write_fixture(tmp_path: Path) -> tuple[Path, Path]:
    videos = tmp_path / "videos.csv"
    videos.write_text(
        SA_HEADER + "\n" + "\n".join(
            f"{desc},{city},{hood},NA,NA,{code},Specifically protected persons and objects,{day},10.0,5.0,"
            f"Invented Network,https://www.youtube.com/watch?v={yt},NA,NA,{code.lower()}x,NA,{n}"
            for n, (code, day, city, hood, desc, yt) in enumerate(VIDEOS)
        ) + "\n",
        encoding="utf-8",
    )  # fmt: skip
    victims = tmp_path / "victims.csv"
    rows = [
        f'{uid},{name},Civilian,Adult - Male,Idlib,{place},{day},{cause},,,,"{media}",{code}'
        for uid, name, place, day, cause, media, code in VICTIMS
    ]
    victims.write_text(VDC_HEADER + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return videos, victims


@pytest.fixture
def fixture_db(tmp_path: Path, db_path: Path) -> Path:
    """The invented files imported; AA_1, AA_2 and a report with a death toll are one incident."""
    videos, victims = _write_fixture(tmp_path)
    for args in (
        ("ingest", "syrian-archive", str(videos), "--source", "Syrian Archive"),
        ("ingest", "victims", str(victims), "--mapping", str(MAPPING)),
    ):
        result = run_cli(db_path, *args)
        assert result.exit_code == 0, result.output
    with open_store(db_path, create=True) as store:
        ids = _report_ids(store)
        (toll,) = add_reports(
            store, [R("Monitor", day=date(2016, 3, 7), harm={("all", "killed"): (1, 4, 2)})]
        )
        link(store, "inc-market", [ids["AA_1"], ids["AA_2"], toll])
    return db_path


def _report_ids(store: Store) -> dict[str, int]:
    return {r["record_id"]: r["report_id"] for r in store.rows("SELECT record_id, report_id FROM report")}


def _ties(store: Store) -> set[tuple[str, str, str]]:
    """(victim's record id, report's record id, method) of every tie."""
    rows = store.rows(
        "SELECT v.record_id AS v, r.record_id AS r, vr.method FROM victim_report vr "
        "JOIN victim_record v USING (victim_id) JOIN report r USING (report_id)"
    )
    return {(row["v"], row["r"], row["method"]) for row in rows}


def _killed_min(store: Store, report_id: int) -> Any:
    killed = harm_sql("'all'", "'killed'")
    rows = store.rows(f"SELECT count_min FROM ({killed}) WHERE item_id = ?", [report_id])
    return rows[0]["count_min"] if rows else None


EXPECTED_TIES = {
    ("901", "AA_1", "media"),
    ("907", "BB_1", "media"),
    ("902", "AA_1", "date_place"),
    ("903", "AA_1", "date_place"),
    ("904", "BB_1", "date_place"),
}


def test_ties_by_media_and_by_day_and_place(fixture_db: Path) -> None:
    result = run_cli(fixture_db, "link", "victims-to-reports", "--json")
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    with open_store(fixture_db, create=True) as store:
        assert _ties(store) == EXPECTED_TIES
    assert out["ties"] == {"media": 2, "date_place": 3}
    review = {(r["record_id"], r["method"], r["reason"]) for r in out["review"]}
    # two incidents in Binnish that day: not guessed; a shooting victim against an airstrike: not tied;
    # the detention death (908) and the victim with no place and no media (909) are no candidates at all
    assert review == {
        ("905", "date_place", "several incidents"),
        ("906", "date_place", "means contradict the cause"),
    }
    (binnish,) = [r for r in out["review"] if r["record_id"] == "905"]
    assert len(binnish["incident_ids"]) == 2
    assert "Invented" not in result.output


def test_the_floor_counts_distinct_persons(fixture_db: Path) -> None:
    assert run_cli(fixture_db, "link", "victims-to-reports").exit_code == 0
    with open_store(fixture_db, create=True) as store:
        lead = _report_ids(store)["AA_1"]
        assert _killed_min(store, lead) == 3  # three records tied, no victim link run: three persons
        # a victim link run that finds 902 and 903 to be one person
        for record_id in ("902", "903"):
            vid = store.scalar("SELECT victim_id FROM victim_record WHERE record_id = ?", [record_id])
            store.con.execute("INSERT INTO person_member VALUES ('P-000001', ?, 1, 0.99)", [vid])
        assert _killed_min(store, lead) == 2
    result = run_cli(fixture_db, "assess", "incidents")
    assert result.exit_code == 0, result.output
    with open_store(fixture_db, create=True) as store:
        assert store.scalar("SELECT persons FROM incident_assessment WHERE incident_id = 'inc-market'") == 2
        # BB_1 gives no toll: its two tied persons are its minimum
        assert _killed_min(store, _report_ids(store)["BB_1"]) == 2


def test_rerun_replaces_and_keeps_other_methods(fixture_db: Path) -> None:
    with open_store(fixture_db, create=True) as store:
        tie_victims(store)
        vid = store.scalar("SELECT victim_id FROM victim_record WHERE record_id = '905'")
        store.con.execute(
            "INSERT INTO victim_report VALUES (?, ?, 'analyst')", [vid, _report_ids(store)["DD_1"]]
        )
        again = tie_victims(store)
        assert _ties(store) == EXPECTED_TIES | {("905", "DD_1", "analyst")}
        assert store.scalar("SELECT count(*) FROM victim_report") == len(EXPECTED_TIES) + 1
        assert [r.victim_id for r in again.review if r.victim_id == vid] == []  # the analyst's tie stands
        only_media = tie_victims(store, ("media",))
        assert only_media.ties == {"media": 2}
        assert ("902", "AA_1", "date_place") in _ties(store)  # date_place ties were not replaced


def test_a_failing_run_writes_nothing(fixture_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with open_store(fixture_db, create=True) as store:
        tie_victims(store)
        before = _ties(store)

        def crash(*args: object) -> None:
            raise RuntimeError("killed mid-run")

        monkeypatch.setattr(ties_module, "_date_place_ties", crash)
        with pytest.raises(RuntimeError):
            tie_victims(store)
        assert _ties(store) == before


def test_declared_ties_read_the_lists_own_column(fixture_db: Path) -> None:
    args = ("link", "victims-to-reports", "--declared-column", "incident_code")
    result = run_cli(fixture_db, *args, "--declared-source", "Syrian Archive", "--json")
    assert result.exit_code == 0, result.output
    with open_store(fixture_db, create=True) as store:
        assert ("909", "EE_1", "declared") in _ties(store)
    assert json.loads(result.output)["ties"]["declared"] == 1
    missing = run_cli(fixture_db, *args, "--declared-source", "Airwars")
    assert missing.exit_code == 1 and "No source is named 'Airwars'" in missing.output
    wrong = run_cli(
        fixture_db, "link", "victims-to-reports", "--declared-column", "code", "--declared-source", "X"
    )
    assert wrong.exit_code == 1 and "column 'code'" in wrong.output


def test_text_output_lists_review_without_names(fixture_db: Path) -> None:
    result = run_cli(fixture_db, "link", "victims-to-reports")
    assert result.exit_code == 0, result.output
    assert "media" in result.output and "2 victim records left for review" in result.output
    assert "Invented" not in result.output


@pytest.mark.parametrize(
    "url",
    [
        "https://www.youtube.com/watch?v=Ab3_-x9YzQk",
        "http://youtube.com/watch?v=Ab3_-x9YzQk&feature=youtu.be",
        "http://www.youtube.com/watch?v=Ab3_-x9YzQk&feature;=related",
        "https://www.youtube.com/watch?feature=player_embedded&v=Ab3_-x9YzQk",
        "https://youtu.be/Ab3_-x9YzQk/",
        "https://m.youtube.com/embed/Ab3_-x9YzQk?start=3",
    ],
)
def test_youtube_urls_key_by_video_id(url: str) -> None:
    assert media_keys(f"Video: {url} | next") == {"youtube:Ab3_-x9YzQk"}


def test_other_links_fold_scheme_www_and_trailing_slashes() -> None:
    assert media_keys("http://www.example.org/a/b/ x") == media_keys("see https://example.org/a/b")
    assert normalise_url("HTTPS://WWW.Example.org/Path/?q=1#frag") == "example.org/Path/?q=1"


@given(st.text(alphabet="abcdefghijkABCXYZ0123456789_-", min_size=11, max_size=11))
def test_every_url_form_gives_one_key(video: str) -> None:
    forms = [f"https://youtu.be/{video}", f"http://www.youtube.com/watch?v={video}&t=1s"]
    assert {frozenset(media_keys(f)) for f in forms} == {frozenset({f"youtube:{video}"})}


def test_causes_and_means() -> None:
    assert cause_kinds("Field Execution") == frozenset({"execution", "shooting"})
    assert compatible("Warplane shelling", ["airstrike", "cluster munition"])
    assert not compatible("Shelling", ["shooting"])
    assert not compatible("Detention - Torture", [])  # a death in custody is no event of a day
    assert compatible("Other", ["chemical"]) and compatible(None, ["airstrike"])
    assert victim_place("Idlib: Saraqeb", {"idlib": "SY07"}) == ("sarakab", "SY07")


def test_real_vdc_victims_meet_syrian_archive_videos(store: Store, shared_data: Path) -> None:
    """VDC victim records share YouTube videos with Syrian Archive records: each tie joins a death and a
    video of one day give or take one (nothing in the method looks at dates), and of one incident."""
    videos = shared_data / "syrian_archive" / "seankross_violations.csv"
    import_file(store, get_format("syrian-archive"), videos, "Syrian Archive")
    vdc = shared_data / "vdc_victims_romansul" / "vdc_victims_sample_33k.csv"
    import_file(store, get_format("victims", MAPPING), vdc)
    run = tie_victims(store, ("media",))
    assert run.victims["media"] >= 30  # 37 when written; as many with all five exports linked
    apart = store.rows(
        "SELECT DISTINCT abs(r.date_start - v.date_start) AS days FROM victim_report "
        "JOIN victim_record v USING (victim_id) JOIN report r USING (report_id)"
    )
    assert {row["days"] for row in apart} <= {0, 1}
    assert all(len(r.incident_ids) > 1 for r in run.review)


def test_a_bare_video_id_counts_only_in_a_youtube_column() -> None:
    header = ["youtube_id", "description_en", "reference_code"]
    assert row_media_keys(b"gm0sz7zdaz0,Strikes on a market,RU_1\n", header) == {"youtube:gm0sz7zdaz0"}
    assert row_media_keys(b"RU_1,gm0sz7zdaz0,x\n", header) == set()  # an 11-letter word elsewhere is no video
    assert row_media_keys(b'"unclosed,https://youtu.be/gm0sz7zdaz0\n', None) == {"youtube:gm0sz7zdaz0"}


def test_unknown_methods_are_refused(store: Store) -> None:
    with pytest.raises(InputError, match="choose among media, date_place"):
        tie_victims(store, ("names",))
    with pytest.raises(InputError):
        tie_victims(store, ())


@pytest.mark.parametrize("module", [tie_media, tie_places])
def test_docstring_examples_hold(module: Any) -> None:
    failed, attempted = doctest.testmod(module)
    assert attempted > 0 and failed == 0
