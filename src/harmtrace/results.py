"""What the library's public calls return: frozen records with `.as_dict()`, and for tables
`.to_arrow()` / `.to_pandas()`.

A result keeps the JSON-ready dict the command line prints with ``--json`` (`as_dict` gives a copy
of it, key for key), and offers its parts as typed, read-only fields. A table result also gives its
rows as an Arrow table (and a pandas DataFrame from that), one row per group: what a notebook plots
or joins. Unknown stays unknown: a count no source gives is null in every form, never 0.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa


@dataclass(frozen=True)
class Result:
    """A frozen result built from `data`, the JSON-ready dict of the same call."""

    data: Mapping[str, Any] = field(repr=False, compare=False)

    def as_dict(self) -> dict[str, Any]:
        """A copy of the JSON-ready dict (the command line's ``--json``), changeable by the caller."""
        return copy.deepcopy(dict(self.data))


@dataclass(frozen=True)
class TableResult(Result):
    """A result with rows: `rows` is what `to_arrow` turns into columns, in order."""

    def rows(self) -> Sequence[Mapping[str, Any]]:
        raise NotImplementedError

    def to_arrow(self) -> pa.Table:
        """The rows as an Arrow table (column order as in the first row; nulls kept as nulls)."""
        import pyarrow as pa

        rows = [dict(r) for r in self.rows()]
        if not rows:
            return pa.table({})
        return pa.Table.from_pylist(rows)

    def to_pandas(self) -> pd.DataFrame:
        """The rows as a pandas DataFrame (integer columns with nulls become nullable Int64)."""
        import pandas as pd
        import pyarrow as pa

        return self.to_arrow().to_pandas(types_mapper={pa.int64(): pd.Int64Dtype()}.get)


@dataclass(frozen=True)
class Export(Result):
    """A file written by an export: where, in which format, how many rows (`data` has the rest: the
    columns, what was left out, counts the export's command prints)."""

    path: Path = Path()
    format: str = ""
    rows: int = 0
