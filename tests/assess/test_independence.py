"""Source independence: copies detected within incidents, and independent sources counted."""

from __future__ import annotations

import duckdb
from hypothesis import given
from hypothesis import strategies as st

from harmtrace.assess.independence import (
    independent_sources_sql,
    media_sql,
    normalise_sql,
    record_copies,
    wires_sql,
)
from harmtrace.store import Store
from tests.assess.reports import R, add_reports, link

STORY = (
    "Warplanes struck a residential building in the old market of the town at dawn, killing a family "
    "of six and wounding neighbours, local activists said."
)


def sql(expr: str, text: str) -> object:
    return duckdb.execute(f"SELECT {expr} FROM (SELECT ?::VARCHAR AS t)", [text]).fetchall()[0][0]


def test_normalise_folds_arabic_variants_diacritics_case_links_and_punctuation() -> None:
    assert sql(normalise_sql("t"), "Strike on AL-BAB, café! https://t.co/x") == "strike on al bab cafe"
    assert sql(normalise_sql("t"), "مدرسةٌ أطفال") == sql(normalise_sql("t"), "مدرسه اطفال") == "مدرسه اطفال"


@given(st.text(max_size=60))
def test_normalised_text_is_letters_and_digits_between_single_spaces(text: str) -> None:
    norm = str(sql(normalise_sql("t"), text))
    assert norm == norm.strip() and "  " not in norm
    assert sql(normalise_sql("t"), norm) == norm  # folding twice changes nothing


def test_media_keys_recognise_one_video_in_any_url_form() -> None:
    a = sql(media_sql("t"), "see https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=3")
    b = sql(media_sql("t"), "video: https://youtu.be/dQw4w9WgXcQ")
    assert a == b == ["youtube:dQw4w9WgXcQ"]
    assert sql(media_sql("t"), "see https://Example.org/a/.") == ["url:example.org/a"]


def test_wire_credits_match_whole_words_in_both_scripts() -> None:
    assert sql(wires_sql("t"), "Aleppo (AFP) - Warplanes...") == ["afp"]
    assert sql(wires_sql("t"), "قالت وكالة رويترز") == ["reuters"]
    assert sql(wires_sql("t"), "the apparent strike, safpa") == []  # 'ap' only as (AP); words only


def _copies(store: Store, reports: list[R]) -> list[tuple[int, int, str]]:
    ids = add_reports(store, reports)
    link(store, "inc-a", ids)
    record_copies(store)
    return [(r["report_id"] - ids[0], r["original_id"] - ids[0], r["reason"]) for r in
            store.rows("SELECT * FROM report_copy ORDER BY report_id")]  # fmt: skip


def test_near_identical_text_from_another_source_is_a_copy(store: Store) -> None:
    edited = STORY.replace("six", "6").replace("said", "say")
    found = _copies(store, [R("Activist A", description=STORY), R("Outlet B", description=edited)])
    assert found == [(1, 0, "same text")]
    similarity = store.scalar("SELECT similarity FROM report_copy")
    assert 0.8 <= similarity < 1.0


def test_same_video_and_same_wire_and_same_source(store: Store) -> None:
    found = _copies(store, [
        R("Channel A", description="Footage https://youtu.be/abcdefghijk"),
        R("NGO B", description="We verified the video at https://www.youtube.com/watch?v=abcdefghijk"),
        R("Paper C", description="Beirut (AFP) - Twelve people died in raids."),
        R("Paper D", description="Twelve civilians killed, AFP reports from Beirut."),
        R("Channel A", description="Update: the toll has risen."),
        R("NGO E", description="Our field researcher counted the graves."),
    ])  # fmt: skip
    assert found == [
        (1, 0, "same media: youtube:abcdefghijk"),
        (3, 2, "same wire story: afp"),
        (4, 0, "same source"),
    ]


def test_each_copy_is_recorded_once_against_its_first_original(store: Store) -> None:
    found = _copies(store, [R("A", description=STORY), R("B", description=STORY), R("C", description=STORY)])
    assert found == [(1, 0, "same text"), (2, 0, "same text")]
    assert store.rows("SELECT DISTINCT similarity FROM report_copy") == [{"similarity": 1.0}]


def test_short_headlines_alike_by_chance_are_not_copies(store: Store) -> None:
    found = _copies(store, [R("A", description="Airstrike kills 5 in Raqqa"),
                            R("B", description="Airstrike kills 7 in Raqqa"),
                            R("C", description="AIRSTRIKE kills 5 in Raqqa!")])  # fmt: skip
    assert found == [(2, 0, "same text")]  # equal once normalised


def test_reports_of_different_incidents_are_never_compared(store: Store) -> None:
    ids = add_reports(store, [R("A", description=STORY), R("B", description=STORY)])
    record_copies(store)  # no link run: each stands alone
    assert store.scalar("SELECT count(*) FROM report_copy") == 0
    link(store, "inc-x", ids)
    assert record_copies(store) == 1


def test_independent_sources_count_sources_with_an_uncopied_report(store: Store) -> None:
    ids = add_reports(store, [
        R("Activist A", description=STORY),
        R("Outlet B", description=STORY),  # copies A: B is not independent
        R("NGO C", description="Our own witness describes a different scene entirely, at the mosque."),
    ])  # fmt: skip
    link(store, "inc-a", ids)
    record_copies(store)
    row = store.rows(f"SELECT * FROM ({independent_sources_sql()}) WHERE incident_id = 'inc-a'")[0]
    assert (row["sources"], row["independent_sources"]) == (3, 2)
