"""Domain vocabularies shipped as data: the words harmtrace knows for means of attack, kinds of
protected site, actors and the like, one YAML file each in ``vocabularies/`` beside this module, so a
reader (or a translator) changes a word list without reading code.

Each module that uses a vocabulary reads it here and checks its shape; this module only finds, reads
and caches the files, and offers the checks every vocabulary needs (`entries`, `listed`, `Entry`),
whose errors name the file and the entry.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Final

import yaml

from harmtrace.errors import InputError

FOLDER: Final = Path(__file__).resolve().parent / "vocabularies"


def path_of(name: str) -> Path:
    """The shipped file of vocabulary `name` (``vocabularies/<name>.yaml``)."""
    return FOLDER / f"{name}.yaml"


@cache
def load(name: str) -> Any:
    """The parsed content of vocabulary `name`, read once per process.

    Callers must not change what it returns: it is shared.
    """
    path = path_of(name)
    if not path.is_file():
        known = ", ".join(sorted(p.stem for p in FOLDER.glob("*.yaml"))) or "none"
        raise InputError(f"No vocabulary named {name!r} in {FOLDER} (known: {known}).")
    with path.open(encoding="utf-8") as f:
        try:
            return yaml.safe_load(f)
        except yaml.YAMLError as exc:
            raise InputError(f"Vocabulary file {path} is not valid YAML: {exc}") from exc


@dataclass(frozen=True)
class Entry:
    """One entry of a vocabulary (or one mapping inside an entry), read field by field with checks."""

    vocabulary: str
    name: str
    fields: Mapping[str, Any]
    within: str = ""  # "field." when this is the mapping of an entry's field

    def error(self, problem: str) -> InputError:
        """The error saying what is wrong with this entry, naming its file."""
        return InputError(f"Vocabulary file {path_of(self.vocabulary)}, entry {self.name!r}: {problem}.")

    def texts(self, field: str) -> tuple[str, ...]:
        """Field `field`: a list of words or phrases (not empty); () when the entry has no such field."""
        value = self.fields.get(field)
        if value is None:
            return ()
        if not isinstance(value, list) or not value or not all(_is_text(v) for v in value):
            raise self.error(f"{self.within}{field} must be a list of words or phrases (got {value!r})")
        return tuple(value)

    def phrases(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """Fields `english` and `arabic`, the phrases a report's text names the entry by: both, or neither."""
        english, arabic = self.texts("english"), self.texts("arabic")
        if bool(english) != bool(arabic):
            raise self.error("give both english and arabic phrases, or neither")
        return english, arabic

    def text(self, field: str) -> str | None:
        """Field `field`: one word, phrase or pattern; None when the entry has no such field."""
        value = self.fields.get(field)
        if value is not None and not _is_text(value):
            raise self.error(f"{self.within}{field} must be a word, phrase or pattern (got {value!r})")
        return value

    def required_text(self, field: str) -> str:
        """Field `field`, which this entry must have: one word, phrase or pattern."""
        value = self.text(field)
        if value is None:
            raise self.error(f"{self.within}{field} is missing")
        return value

    def part(self, field: str, keys: Collection[str]) -> Entry | None:
        """Field `field`: a mapping whose keys are among `keys`; None when the entry has no such field."""
        value = self.fields.get(field)
        if value is None:
            return None
        if not isinstance(value, dict):
            raise self.error(f"{self.within}{field} must be a mapping with {_listing(keys)} (got {value!r})")
        _check_keys(self, value, keys, f"{self.within}{field}.")
        return Entry(self.vocabulary, self.name, value, f"{self.within}{field}.")


def entries(name: str, fields: Collection[str], section: str | None = None) -> tuple[Entry, ...]:
    """The entries of vocabulary `name`, in file order: the file (or its top-level `section`) maps each
    entry's name to a mapping of its fields, each one of `fields` (an entry may have none of them)."""
    data = load(name)
    where = f"Vocabulary file {path_of(name)}"
    if section is not None:
        data = data.get(section) if isinstance(data, dict) else None
        where += f", section {section!r}"
    if not isinstance(data, dict) or not data:
        raise InputError(f"{where}: expected a mapping of names to their fields ({_listing(fields)}).")
    found = []
    for key, value in data.items():
        if not _is_text(key):
            raise InputError(f"{where}: {key!r} is not a name (write it as text).")
        entry = Entry(name, key, value if isinstance(value, dict) else {})
        if value is not None and not isinstance(value, dict):
            raise entry.error(f"expected a mapping of fields ({_listing(fields)}), got {value!r}")
        _check_keys(entry, entry.fields, fields, "")
        found.append(entry)
    return tuple(found)


def listed(name: str, key: str) -> tuple[str, ...]:
    """The top-level list `key` of vocabulary `name`: words or phrases."""
    data = load(name)
    value = data.get(key) if isinstance(data, dict) else None
    if not isinstance(value, list) or not value or not all(_is_text(v) for v in value):
        raise InputError(
            f"Vocabulary file {path_of(name)}: {key!r} must be a list of words or phrases (got {value!r})."
        )
    return tuple(value)


def _check_keys(entry: Entry, value: Mapping[Any, Any], keys: Collection[str], within: str) -> None:
    unknown = [k for k in value if k not in keys]
    if unknown:
        raise entry.error(f"unknown field {within}{unknown[0]!r} (known: {_listing(keys)})")


def _is_text(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _listing(keys: Collection[str]) -> str:
    return ", ".join(keys)
