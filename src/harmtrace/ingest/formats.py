"""What an import format is: the columns it needs and how its rows become reports or victim records."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import duckdb

from harmtrace.errors import InputError
from harmtrace.ingest.sql import Select

Kind = Literal["report", "victim"]


@dataclass(frozen=True)
class Format:
    """An import format.

    `select` receives the staged column names and returns the normalised fields of each row. An
    optional `prepare` step may add columns to the staged table first (Python parsing of odd text).
    A format exported in several column layouts lists them in `layouts`; `layout_for` picks one.
    """

    name: str
    kind: Kind
    required_columns: tuple[str, ...]
    select: Callable[[list[str]], Select]
    prepare: Callable[[duckdb.DuckDBPyConnection, str], None] | None = None
    mapping_text: str | None = None
    source: str | None = None  # default source name (a mapping's `source.name`); --source overrides it
    sheet: str | None = None  # the spreadsheet sheet to read (default: the first)
    description: str = ""
    layouts: tuple[Format, ...] = ()
    # the publisher codes each event once (curated event data: UCDP GED, ACLED), so two rows of one
    # source with different ids are two events; incident linkage never joins them by itself
    deduplicated: bool = False
    # each row names a record of `kind` the source withdrew (a deletions feed), it describes none
    withdraws: bool = False

    def layout_for(self, header: list[str], where: str) -> Format:
        """The first of `layouts` whose required columns `header` has (self when none are declared)."""
        if not self.layouts:
            return self
        present = [h.strip() for h in header]
        for layout in self.layouts:
            if set(layout.required_columns) <= set(present):
                return layout
        needs = "; ".join(
            f"{layout.description} lacks " + ", ".join(c for c in layout.required_columns if c not in present)
            for layout in self.layouts
        )
        raise InputError(
            f"{where} has the columns of no {self.name} layout ({needs}). Columns found: "
            f"{', '.join(present)}. Check the format name, or import it with a mapping."
        )


# The source (list) of each row, for files that combine several lists (a `list` or `source` column, as
# statisticians exchange them): a normalised column of every import, NULL = the batch's source. It is no
# column of the record tables: the importer resolves it to each record's source_id.
SOURCE_FIELD = "source"

# Normalised fields and the value each takes when a format does not give it.
REPORT_FIELDS: dict[str, str] = {
    "record_id": "NULL::VARCHAR",
    "date_start": "NULL::DATE",
    "date_end": "NULL::DATE",
    "date_precision": "'unknown'",
    "place_text": "NULL::VARCHAR",
    "place_text_ar": "NULL::VARCHAR",
    "latitude": "NULL::DOUBLE",
    "longitude": "NULL::DOUBLE",
    "location_precision": "'unknown'",
    "adm1_source": "NULL::VARCHAR",
    "adm2_source": "NULL::VARCHAR",
    "perpetrators": "[]::VARCHAR[]",
    "means": "[]::VARCHAR[]",
    "site_kinds": "[]::VARCHAR[]",
    "violence_type": "NULL::VARCHAR",
    "source_grade": "NULL::VARCHAR",
    "number_of_sources": "NULL::INTEGER",
    "description": "NULL::VARCHAR",
    "description_ar": "NULL::VARCHAR",
}

VICTIM_FIELDS: dict[str, str] = {
    "record_id": "NULL::VARCHAR",
    "name": "NULL::VARCHAR",
    "name_ar": "NULL::VARCHAR",
    "given_name": "NULL::VARCHAR",
    "father_name": "NULL::VARCHAR",
    "grandfather_name": "NULL::VARCHAR",
    "family_name": "NULL::VARCHAR",
    "mother_name": "NULL::VARCHAR",
    "sex": "NULL::VARCHAR",
    "age_min": "NULL::INTEGER",
    "age_max": "NULL::INTEGER",
    "age_group": "NULL::VARCHAR",
    "status": "'unknown'",
    "date_start": "NULL::DATE",
    "date_end": "NULL::DATE",
    "date_precision": "'unknown'",
    "place_of_death": "NULL::VARCHAR",
    "place_of_death_ar": "NULL::VARCHAR",
    "province": "NULL::VARCHAR",
    "cause": "NULL::VARCHAR",
    "perpetrators": "[]::VARCHAR[]",
}
