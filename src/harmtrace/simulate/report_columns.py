"""The columns and names of the files a report simulation writes: each source's reports, the truth, and
the simulated curated event data's source name and file.

`harmtrace.simulate.reports` writes the reports and the truth; `harmtrace.simulate.event_data` adds the
event data's rows to the truth. Both take these names from here, so neither imports the other to know
them.
"""

from __future__ import annotations

from typing import Final

# one source's reports (reports_<source>.csv), as examples/mappings/simulated_reports.yaml reads them
REPORT_COLUMNS: Final = (
    "record_id", "date", "date_precision", "place", "place_ar", "governorate", "latitude", "longitude",
    "location_precision", "perpetrators", "means", "civilians_killed", "children_killed", "description",
)  # fmt: skip
# truth.csv: which incident each report is of, which report it copied, which it repeats
TRUTH_COLUMNS: Final = ("source", "record_id", "incident_id", "copied_from", "duplicate_of")
# the simulated curated event data (UCDP GED's CSV): its source name and its file
EVENT_DATA_SOURCE: Final = "event_data"
EVENT_DATA_FILE: Final = "events_event_data.csv"
