"""Domain vocabularies shipped as data: the words harmtrace knows for means of attack, kinds of
protected site, location precision and the like, one YAML file each in ``vocabularies/`` beside this
module, so a reader (or a translator) changes a word list without reading code.

Each module that uses a vocabulary reads it here and checks its shape; this module only finds, reads
and caches the files.
"""

from __future__ import annotations

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
        return yaml.safe_load(f)
