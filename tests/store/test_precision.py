"""The precision radii shipped as a vocabulary file: the defaults as documented, and a broken file named
with what is wrong."""

from __future__ import annotations

import pytest

from harmtrace import vocabulary
from harmtrace.errors import InputError
from harmtrace.model import LOCATION_PRECISIONS
from harmtrace.store.precision import DEFAULT_RADIUS_M, VOCABULARY, default_radii


def test_the_shipped_radii_are_the_documented_defaults_in_precision_order() -> None:
    assert list(DEFAULT_RADIUS_M.items()) == [
        ("exact", 50.0), ("within_100m", 100.0), ("neighbourhood", 1_000.0), ("village", 2_000.0),
        ("town", 5_000.0), ("city", 10_000.0), ("within_25km", 25_000.0), ("subdistrict", 20_000.0),
        ("district", 45_000.0), ("governorate", 100_000.0), ("region", 200_000.0), ("country", 500_000.0),
        ("unknown", None),
    ]  # fmt: skip
    assert tuple(DEFAULT_RADIUS_M) == LOCATION_PRECISIONS
    assert all(isinstance(m, float) for m in DEFAULT_RADIUS_M.values() if m is not None)


def shipped(**changes: object) -> dict[object, object]:
    """The shipped vocabulary as parsed, with `changes` (a value of ... removes the word)."""
    data: dict[object, object] = dict(vocabulary.load(VOCABULARY))
    for word, metres in changes.items():
        if metres is ...:
            del data[word]
        else:
            data[word] = metres
    return data


@pytest.mark.parametrize(
    ("data", "message"),
    [(["town"], "must map precision words to metres"), (shipped(towns=5), "unknown towns; missing none"),
     (shipped(region=...), "unknown none; missing region"),
     (shipped(town=-5), "'town' must be a non-negative"),
     (shipped(town="far"), "not 'far'"), (shipped(town=True), "not True"),
     (shipped(town=float("inf")), "not inf")],
)  # fmt: skip
def test_a_broken_vocabulary_says_what_is_wrong(data: object, message: str) -> None:
    with pytest.raises(InputError, match=rf"precision\.yaml.*{message}"):
        default_radii(data)
