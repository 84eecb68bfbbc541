"""Typing errors in names, made for many strings at once.

One edit per chosen string, each kind equally likely: a character replaced, deleted, inserted, or two
neighbours swapped (the four Damerau-Levenshtein edits). New characters come from the string's own
script. Strings shorter than three characters are left alone. The strings are edited as a matrix of
code points (numpy), not one by one.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

LATIN_LETTERS: Final = "abcdefghijklmnoprstuyz"
ARABIC_LETTERS: Final = "ابتثجحخدذرزسشصضطظعغفقكلمنهوي"


def with_typos(texts: pa.Array, rate: float, alphabet: str, rng: np.random.Generator) -> pa.Array:
    """`texts` with one edit in each non-null string, chosen with probability `rate`."""
    chosen = (rng.random(len(texts)) < rate) & texts.is_valid().to_numpy(zero_copy_only=False)
    if not chosen.any():
        return texts
    edited = edit(texts.filter(pa.array(chosen)).to_pylist(), alphabet, rng)
    return pc.replace_with_mask(texts, pa.array(chosen), pa.array(edited, pa.string()))


def edit(strings: list[str], alphabet: str, rng: np.random.Generator) -> list[str]:
    """One random edit in each string of three characters or more."""
    width = max(len(s) for s in strings) + 2
    codes = np.array(strings, dtype=f"<U{width}").view(np.uint32).reshape(len(strings), width).copy()
    length = (codes != 0).sum(axis=1)
    n = len(strings)
    kind = np.where(length >= 3, rng.integers(0, 4, n), -1)
    at = (rng.random(n) * np.maximum(length - (kind == 3), 1)).astype(np.int64)
    letters = np.frombuffer(alphabet.encode("utf-32-le"), dtype=np.uint32)
    new = letters[rng.integers(0, len(letters), n)]
    rows = np.arange(n)
    codes = _replace(codes, rows[kind == 0], at[kind == 0], new[kind == 0])
    codes = _delete(codes, rows[kind == 1], at[kind == 1])
    codes = _insert(codes, rows[kind == 2], at[kind == 2], new[kind == 2])
    codes = _swap(codes, rows[kind == 3], at[kind == 3])
    edited: list[str] = codes.view(f"<U{width}").ravel().tolist()
    return edited


def _replace(codes: np.ndarray, rows: np.ndarray, at: np.ndarray, new: np.ndarray) -> np.ndarray:
    # keep a capital a capital: "Ahmad" -> "Bhmad", not "bhmad"
    old = codes[rows, at]
    upper = _is(old, "A", "Z") & _is(new, "a", "z")
    codes[rows, at] = np.where(upper, new - 32, new)
    return codes


def _delete(codes: np.ndarray, rows: np.ndarray, at: np.ndarray) -> np.ndarray:
    columns = np.arange(codes.shape[1])
    source = np.minimum(columns[None, :] + (columns[None, :] >= at[:, None]), codes.shape[1] - 1)
    shifted = np.take_along_axis(codes[rows], source, axis=1)
    shifted[:, -1] = 0
    # "Ali" -> "Li", not "li"
    initial = (at == 0) & _is(codes[rows, 0], "A", "Z") & _is(shifted[:, 0], "a", "z")
    shifted[initial, 0] -= 32
    codes[rows] = shifted
    return codes


def _insert(codes: np.ndarray, rows: np.ndarray, at: np.ndarray, new: np.ndarray) -> np.ndarray:
    columns = np.arange(codes.shape[1])
    source = np.maximum(columns[None, :] - (columns[None, :] > at[:, None]), 0)
    shifted = np.take_along_axis(codes[rows], source, axis=1)
    # a letter typed before a capital initial is itself the capital
    first = (at == 0) & _is(shifted[:, 1], "A", "Z") & _is(new, "a", "z")
    shifted[np.arange(len(rows)), at] = new
    shifted[first, 0] = new[first] - 32
    shifted[first, 1] = shifted[first, 1] + 32
    codes[rows] = shifted
    return codes


def _swap(codes: np.ndarray, rows: np.ndarray, at: np.ndarray) -> np.ndarray:
    left = codes[rows, at].copy()
    codes[rows, at] = codes[rows, at + 1]
    codes[rows, at + 1] = left
    # "Ahmad" -> "Hamad", not "hAmad"
    initial = rows[(at == 0) & _is(codes[rows, 1], "A", "Z") & _is(codes[rows, 0], "a", "z")]
    codes[initial, 0] -= 32
    codes[initial, 1] += 32
    return codes


def _is(code: np.ndarray, first: str, last: str) -> np.ndarray:
    return (code >= ord(first)) & (code <= ord(last))
