"""Simulated data with known truth, for tests, benchmarks and methodologists.

`simulate_victims`: overlapping victim lists written the way real Syrian lists are (Arabic script and
many Latin spellings, missing name parts, noisy dates and places), with the person behind every record.
"""

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
