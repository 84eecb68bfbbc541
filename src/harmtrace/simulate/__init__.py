"""Simulated data with known truth, for tests, benchmarks and methodologists.

`simulate_victims`: overlapping victim lists written the way real Syrian lists are (Arabic script and
many Latin spellings, missing name parts, noisy dates and places), with the person behind every record.
"""

from typing import TYPE_CHECKING

from harmtrace.lazy import exports

if TYPE_CHECKING:
    from harmtrace.simulate.config import SimulationConfig, SourceStyle, default_config, load_config
    from harmtrace.simulate.victims import Simulation, Written, import_lists, simulate_victims

__all__ = [
    "Simulation",
    "SimulationConfig",
    "SourceStyle",
    "Written",
    "default_config",
    "import_lists",
    "load_config",
    "simulate_victims",
]
if not TYPE_CHECKING:  # mypy reads the names above, and flags a name no module defines
    # pydantic and pandas load only when a name is first used: the CLI starts without them
    __getattr__ = exports(
        __name__,
        {
            "harmtrace.simulate.config": ("SimulationConfig", "SourceStyle", "default_config", "load_config"),
            "harmtrace.simulate.victims": ("Simulation", "Written", "import_lists", "simulate_victims"),
        },
    )
