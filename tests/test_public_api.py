"""The public surface: `harmtrace.__all__` is short, sorted, pinned, loads lazily, and returns frozen
results."""

from __future__ import annotations

import dataclasses
import inspect
import subprocess
import sys

import harmtrace

PINNED = [
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
# what each public call returns (open_store returns the store itself)
RETURNS = {
    "assess_incidents": "Assessment",
    "casualty_figures": "CasualtyTable",
    "estimate": "Estimation",
    "export_incidents": "Export",
    "export_persons": "Export",
    "export_reports": "Export",
    "import_file": "ImportResult",
    "link_incidents": "IncidentRun",
    "link_victims": "LinkRun",
    "locate_admin": "Placement",
    "person_counts": "PersonTable",
    "run_pipeline": "PipelineRun",
    "simulate_victim_lists": "SimulatedLists",
    "write_report": "ReportData",
}


def test_the_public_names_are_pinned_and_sorted() -> None:
    assert harmtrace.__all__ == PINNED, "a change to the public API must change this test on purpose"
    assert sorted(PINNED) == PINNED


def test_every_public_name_resolves() -> None:
    for name in PINNED:
        assert getattr(harmtrace, name) is not None, name


def test_public_calls_return_frozen_results_with_as_dict() -> None:
    for call, result in RETURNS.items():
        function, cls = getattr(harmtrace, call), getattr(harmtrace, result)
        returned = inspect.signature(function, eval_str=True).return_annotation
        assert returned is cls, f"{call} returns {returned}, not {result}"
        assert dataclasses.is_dataclass(cls), result
        assert cls.__dataclass_params__.frozen, f"{result} is not frozen"  # type: ignore[attr-defined]
        if result != "SimulatedLists":  # a folder of files, not data
            assert callable(getattr(cls, "as_dict", None)), f"{result} has no as_dict()"


def test_table_results_give_arrow_and_pandas() -> None:
    for name in ("CasualtyTable", "PersonTable", "Estimation"):
        cls = getattr(harmtrace, name)
        assert callable(cls.to_arrow) and callable(cls.to_pandas), name


def test_importing_harmtrace_loads_no_heavy_library() -> None:
    code = (
        "import sys, harmtrace; print(sorted({'duckdb', 'splink', 'pyarrow', 'shapely'} & set(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_type_checkers_see_every_public_name() -> None:
    """Names load lazily at run time; mypy and editors read the TYPE_CHECKING imports, which must name
    every public name the package does not import outright."""
    import ast
    from pathlib import Path

    tree = ast.parse(Path(harmtrace.__file__).read_text(encoding="utf-8"))
    seen = {
        alias.asname or alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    }
    assert set(PINNED) <= seen, sorted(set(PINNED) - seen)
