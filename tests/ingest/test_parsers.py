"""Property tests for the set-wise parsers every format uses: dates, counts, coordinates in SQL."""

from __future__ import annotations

from datetime import date

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from harmtrace.ingest.sql import MAX_COUNT, date_from, integer, number, split_list, whole_problem

CON = duckdb.connect()


def _eval(expr: str, value: str | None) -> object:
    rows = CON.execute(f"SELECT {expr} FROM (SELECT ?::VARCHAR AS v) t", [value]).fetchall()
    return rows[0][0]


FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d %B %Y", "%m/%d/%Y")
dates = st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31))


@settings(max_examples=150, deadline=None)
@given(dates, st.sampled_from(FORMATS[:3]), st.sampled_from(["", " ", "\t"]))
def test_a_date_written_in_a_listed_format_reads_back(day: date, fmt: str, pad: str) -> None:
    text = pad + day.strftime(fmt) + pad
    assert _eval(date_from("v", FORMATS[:3]), text) == day


@settings(max_examples=100, deadline=None)
@given(dates)
def test_the_first_listed_format_wins_when_several_fit(day: date) -> None:
    """An ambiguous day/month date is read with the format the mapping lists first, never guessed."""
    text = day.strftime("%d/%m/%Y")
    # month-first fits whenever the day is 12 or less, and then it is the one used
    expected = day if day.day > 12 else date(day.year, day.day, day.month)
    assert _eval(date_from("v", ("%m/%d/%Y", "%d/%m/%Y")), text) == expected


@settings(max_examples=150, deadline=None)
@given(dates)
def test_iso_timestamps_read_as_their_date(day: date) -> None:
    assert _eval(date_from("v"), f"{day.isoformat()} 18:54:00+00:00") == day


@pytest.mark.parametrize("text", ["2016-02-30", "2016-13-01", "yesterday", "16-1-1x", ""])
def test_impossible_dates_do_not_parse(text: str) -> None:
    assert _eval(date_from("v", FORMATS), text) is None


@settings(max_examples=200, deadline=None)
@given(
    st.integers(min_value=-MAX_COUNT, max_value=MAX_COUNT),
    st.sampled_from(["{:d}", "{:,d}", " {:d} ", "{:d}.0", "{:d}.00", "+{:d}"]),
)
def test_counts_read_back_whatever_their_thousands_and_spacing(n: int, fmt: str) -> None:
    """Every whole number up to the cap, written as exports write it, reads back as itself."""
    text = fmt.format(n) if n >= 0 or not fmt.startswith("+") else fmt[1:].format(n)
    assert _eval(integer("v"), text) == n


@settings(max_examples=200, deadline=None)
@given(
    st.integers(min_value=-MAX_COUNT, max_value=MAX_COUNT),
    st.integers(min_value=1, max_value=999),
    st.sampled_from(["{n}.{f:03d}", "{n:,}.{f}", " {n}.{f} "]),
)
def test_a_number_with_a_fraction_is_never_a_count(n: int, f: int, fmt: str) -> None:
    """'2.5' is not rounded to 3 (DuckDB's own cast would): a count with a fraction is no count."""
    text = fmt.format(n=n, f=f)
    assert _eval(integer("v"), text) is None
    assert _eval(whole_problem("v", "c", "count_invalid"), text).startswith("count_invalid:")


@settings(max_examples=100, deadline=None)
@given(st.floats(allow_nan=False, allow_infinity=False).filter(lambda x: not x.is_integer()))
def test_a_float_as_python_writes_it_is_never_a_count(value: float) -> None:
    assert _eval(integer("v"), repr(value)) is None


@settings(max_examples=100, deadline=None)
@given(st.integers(min_value=MAX_COUNT + 1, max_value=10**30))
def test_a_count_beyond_the_cap_is_implausible(n: int) -> None:
    assert _eval(integer("v"), str(n)) is None
    assert _eval(whole_problem("v", "c", "count_invalid"), f"{n:,}").startswith("count_implausible:")


@pytest.mark.parametrize("text", ["1e9", "1E+09", "2.5e3", "1,5E+06", "3e0"])
def test_scientific_notation_is_refused_saying_why(text: str) -> None:
    assert _eval(integer("v"), text) is None
    message = _eval(whole_problem("v", "c", "count_invalid"), text)
    assert message.startswith("count_invalid:") and "scientific notation" in message


@pytest.mark.parametrize("text", ["many", "3 killed", "1e400", "--", "½", "2.5", "1,2", "1,2345", "0x10"])
def test_non_numbers_are_not_counts(text: str) -> None:
    assert _eval(integer("v"), text) is None
    assert _eval(whole_problem("v", "c", "count_invalid"), text) is not None


@settings(max_examples=150, deadline=None)
@given(st.floats(min_value=-90, max_value=90, allow_nan=False), st.sampled_from([".", ","]))
def test_decimal_degrees_read_back_with_either_decimal_mark(value: float, mark: str) -> None:
    text = repr(value).replace(".", mark) if "e" not in repr(value) else f"{value:.8f}".replace(".", mark)
    assert _eval(number("v"), text) == pytest.approx(value, abs=1e-8)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.text(alphabet="abcXYZ .-ال", min_size=1, max_size=8).map(str.strip).filter(bool), max_size=5)
)
def test_a_list_cell_splits_into_its_trimmed_items(items: list[str]) -> None:
    cell = " , ".join(items)
    assert _eval(split_list("v"), cell) == [i for i in items if i]
