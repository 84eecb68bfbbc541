"""Coordinates as text: decimal and degrees-minutes-seconds, round trips, hemispheres, garbage."""

from __future__ import annotations

import doctest

import pytest
from hypothesis import given
from hypothesis import strategies as st

from harmtrace.ingest import coordinates
from harmtrace.ingest.coordinates import Axis, format_dms, parse_coordinate

TOLERANCE_DEG = 1e-6
LIMIT = {"lat": 90.0, "lon": 180.0}
axes = st.sampled_from(["lat", "lon"])


@st.composite
def axis_and_value(draw: st.DrawFn) -> tuple[Axis, float]:
    axis: Axis = draw(axes)
    return axis, draw(st.floats(-LIMIT[axis], LIMIT[axis], allow_nan=False))


@st.composite
def dms_text(draw: st.DrawFn) -> tuple[str, float]:
    """DMS text in one of the styles seen in real exports, and the value it stands for."""
    deg, minutes = draw(st.integers(0, 89)), draw(st.integers(0, 59))
    hundredths = draw(st.integers(0, 5999))  # seconds to two decimals
    value = deg + minutes / 60 + hundredths / 360000
    comma = draw(st.booleans())
    seconds = f"{hundredths // 100}{',' if comma else '.'}{hundredths % 100:02d}"
    gap = draw(st.sampled_from(["", " "]))
    degree, minute, second = draw(
        st.sampled_from([("°", "'", '"'), ("º", "′", "″"), ("°", "’", "”"), ("°", "'", "")])
    )
    body = f"{deg}{degree}{gap}{minutes}{minute}{gap}{seconds}{second}"
    south = draw(st.booleans())
    how = draw(st.sampled_from(["after", "before", "sign"]))
    if how == "sign":
        return ("-" if south else "") + body, -value if south else value
    letter = "S" if south else "N"
    text = f"{body}{gap}{letter}" if how == "after" else f"{letter}{gap}{body}"
    return text, -value if south else value


@given(axis_and_value())
def test_decimal_to_dms_text_and_back_round_trips(case: tuple[Axis, float]) -> None:
    axis, value = case
    parsed = parse_coordinate(format_dms(value, axis, decimals=4), axis)
    assert parsed is not None and abs(parsed - value) < TOLERANCE_DEG


@given(axis_and_value())
def test_plain_decimals_parse_with_a_point_or_a_comma(case: tuple[Axis, float]) -> None:
    axis, value = case
    text = f"{value:.7f}"
    assert parse_coordinate(text, axis) == pytest.approx(float(text), abs=1e-12)
    assert parse_coordinate(text.replace(".", ","), axis) == pytest.approx(float(text), abs=1e-12)


@given(dms_text())
def test_dms_styles_of_real_exports_parse_to_their_value(case: tuple[str, float]) -> None:
    text, value = case
    parsed = parse_coordinate(text, "lat")
    assert parsed is not None and abs(parsed - value) < TOLERANCE_DEG, text


@given(st.floats(0, 89.999, allow_nan=False), st.sampled_from(["N", "S", "E", "W"]))
def test_hemisphere_letter_gives_the_sign(value: float, letter: str) -> None:
    text = f"{value:.6f}{letter}"
    expected = -float(f"{value:.6f}") if letter in "SW" else float(f"{value:.6f}")
    assert parse_coordinate(text) == pytest.approx(expected)
    axis: Axis = "lat" if letter in "NS" else "lon"
    other: Axis = "lon" if axis == "lat" else "lat"
    assert parse_coordinate(text, axis) == pytest.approx(expected)
    assert parse_coordinate(text, other) is None  # an "E" in a latitude column is not a latitude


@given(st.text())
def test_text_without_digits_is_never_a_coordinate(text: str) -> None:
    if not any(ch.isdigit() for ch in text):
        assert parse_coordinate(text) is None


@given(dms_text(), st.sampled_from("abcfhijklmopqrtuvxyz?;/"))
def test_a_coordinate_with_a_stray_character_is_refused(case: tuple[str, float], stray: str) -> None:
    text, _ = case
    assert parse_coordinate(text + stray) is None
    assert parse_coordinate(stray + text) is None


@pytest.mark.parametrize(
    "text",
    [
        "36°60'N",  # minutes must be below 60
        "36°12'60\"N",  # and seconds
        "-35.2N",  # a sign and a letter: which is meant?
        "N35.2S",  # two letters
        "35.5°30'",  # a fraction of a degree followed by minutes
        "91N",  # beyond the pole
        "181",
        "35.1, 36.2",  # a pair in one cell
        "1.5e3",
        "NA",
        "",
    ],
)
def test_ambiguous_or_impossible_text_is_refused(text: str) -> None:
    assert parse_coordinate(text) is None


@pytest.mark.parametrize(
    ("text", "axis", "expected"),
    [
        ("35°36'58.51\"N", "lat", 35 + 36 / 60 + 58.51 / 3600),
        ("36°12'N", "lat", 36.2),
        ("37°09'E", "lon", 37.15),
        ("37°5′50″E", "lon", 37 + 5 / 60 + 50 / 3600),
        ("36°28'36N", "lat", 36 + 28 / 60 + 36 / 3600),
        ("36° 5'47.49\"N", "lat", 36 + 5 / 60 + 47.49 / 3600),
        ("35°21'30\"", "lat", 35 + 21 / 60 + 30 / 3600),
        ("35.7874449N", "lat", 35.7874449),
        ("33.547547°", "lat", 33.547547),
        (" 36°40'56,06 ", "lon", 36 + 40 / 60 + 56.06 / 3600),
        ("36 12 30 N", "lat", 36 + 12 / 60 + 30 / 3600),
    ],
)
def test_forms_seen_in_the_syrian_archive(text: str, axis: Axis, expected: float) -> None:
    assert parse_coordinate(text, axis) == pytest.approx(expected, abs=1e-9)


def test_docstring_examples_hold() -> None:
    failed, attempted = doctest.testmod(coordinates)
    assert attempted > 0 and failed == 0
