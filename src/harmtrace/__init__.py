"""harmtrace: documenting and analysing civilian harm in armed conflict.

The library behind the `harmtrace` command: a DuckDB store that loses nothing, importers for the
formats monitors exchange, and figures that carry their uncertainty. From a notebook:

    import harmtrace as ht

    with ht.open_store("conflict.duckdb", create=True) as store:
        ht.import_file(store, "ucdp-ged", "ged_syria.csv")
        ht.locate_admin(store, "syr_admin1.geojson")
        ht.link_incidents(store)
        ht.assess_incidents(store)
        figures = ht.casualty_figures(store, date_from=date(2016, 1, 1), days=305, by="adm1")
        figures.to_pandas()          # one row per governorate: min, best, max and the items behind each

Every call returns a frozen result: `.as_dict()` is what the command prints with ``--json``; table
results also give `.to_arrow()` and `.to_pandas()`. Errors are `HarmtraceError`s that say what, where
and what to do. Names load on first use, so ``import harmtrace`` is instant.

Exports follow the publication policy for their audience, the public unless told otherwise:
``ht.export_persons(store, "persons.csv", audience=ht.Audience(ht.Role.ANALYST))`` adds the names, and
writes that read to the store's audit log.
"""

from typing import TYPE_CHECKING

from harmtrace.errors import HarmtraceError, InputError, MappingError, QueryError, QueryFailed, StoreError
from harmtrace.lazy import exports
from harmtrace.version import __version__

if TYPE_CHECKING:
    from harmtrace.analyse.mse.estimation import EstimateRefused
    from harmtrace.analyse.tables import (
        CasualtyTable,
        Estimation,
        PersonRange,
        PersonTable,
        Range,
        casualty_figures,
        estimate,
    )
    from harmtrace.analyse.tables import person_counts_table as person_counts
    from harmtrace.assess.run import Assessment, assess_incidents
    from harmtrace.ingest import ImportResult, import_file
    from harmtrace.link.incidents import IncidentRun, link_incidents
    from harmtrace.link.victims import LinkRun, link_victims
    from harmtrace.locate import Placement, locate_admin
    from harmtrace.publish.incidents_export import export_incidents
    from harmtrace.publish.persons_export import export_persons
    from harmtrace.publish.pipeline import PipelineRun, SourceFile, run_pipeline
    from harmtrace.publish.policy import Audience, Role
    from harmtrace.publish.report import ReportData, write_report
    from harmtrace.publish.reports_export import export_reports
    from harmtrace.results import Export
    from harmtrace.simulate.victims import Written as SimulatedLists
    from harmtrace.simulate.victims import simulate_victim_lists
    from harmtrace.store import Store, open_store

__all__ = [
    "Assessment",
    "Audience",
    "CasualtyTable",
    "EstimateRefused",
    "Estimation",
    "Export",
    "HarmtraceError",
    "ImportResult",
    "IncidentRun",
    "InputError",
    "LinkRun",
    "MappingError",
    "PersonRange",
    "PersonTable",
    "PipelineRun",
    "Placement",
    "QueryError",
    "QueryFailed",
    "Range",
    "ReportData",
    "Role",
    "SimulatedLists",
    "SourceFile",
    "Store",
    "StoreError",
    "__version__",
    "assess_incidents",
    "casualty_figures",
    "estimate",
    "export_incidents",
    "export_persons",
    "export_reports",
    "import_file",
    "link_incidents",
    "link_victims",
    "locate_admin",
    "open_store",
    "person_counts",
    "run_pipeline",
    "simulate_victim_lists",
    "write_report",
]

if not TYPE_CHECKING:  # mypy reads the imports above; the library loads on first use
    __getattr__ = exports(
        __name__,
        {
            "harmtrace.analyse.mse.estimation": ("EstimateRefused",),
            "harmtrace.analyse.tables": (
                "CasualtyTable", "Estimation", "PersonRange", "PersonTable", "Range", "casualty_figures",
                "estimate", "person_counts=person_counts_table",
            ),
            "harmtrace.assess.run": ("Assessment", "assess_incidents"),
            "harmtrace.ingest": ("ImportResult", "import_file"),
            "harmtrace.link.incidents": ("IncidentRun", "link_incidents"),
            "harmtrace.link.victims": ("LinkRun", "link_victims"),
            "harmtrace.locate": ("Placement", "locate_admin"),
            "harmtrace.publish.incidents_export": ("export_incidents",),
            "harmtrace.publish.persons_export": ("export_persons",),
            "harmtrace.publish.pipeline": ("PipelineRun", "SourceFile", "run_pipeline"),
            "harmtrace.publish.policy": ("Audience", "Role"),
            "harmtrace.publish.reports_export": ("export_reports",),
            "harmtrace.results": ("Export",),
            "harmtrace.publish.report": ("ReportData", "write_report"),
            "harmtrace.simulate.victims": ("SimulatedLists=Written", "simulate_victim_lists"),
            "harmtrace.store": ("Store", "open_store"),
        },
    )  # fmt: skip
