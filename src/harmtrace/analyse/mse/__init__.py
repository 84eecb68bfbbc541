"""Multiple systems estimation: how many people no list recorded, from how lists overlap.

From a notebook, with an (n, K) 0/1 array of who is on which list:

>>> import numpy as np
>>> from harmtrace.analyse.mse import CaptureTable, fit_loglinear
>>> from harmtrace.simulate.captures import simulate_captures
>>> histories, truth = simulate_captures(2000, lists=3, capture_probs=0.4, seed=7)
>>> result = fit_loglinear(CaptureTable.from_histories(histories, lists=["A", "B", "C"]), criterion="bic")
>>> result.interval[0] < truth["population"] < result.interval[1]
True

See docs/estimation.md for the methods, their assumptions, and when not to use them.
"""

from harmtrace.analyse.mse.captures import CaptureTable
from harmtrace.analyse.mse.lcmcr import Diagnostics, LcmcrResult, fit_lcmcr
from harmtrace.analyse.mse.loglinear import Candidate, LoglinearResult, fit_loglinear
from harmtrace.analyse.mse.result import Estimate

__all__ = [
    "Candidate",
    "CaptureTable",
    "Diagnostics",
    "Estimate",
    "LcmcrResult",
    "LoglinearResult",
    "fit_lcmcr",
    "fit_loglinear",
]
