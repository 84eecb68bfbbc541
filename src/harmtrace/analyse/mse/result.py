"""What every estimator returns: a total with an interval, and how it was obtained."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Estimate:
    """A population size estimate.

    ``estimate`` is the estimated total N (people on no list included); ``interval`` its (low, high)
    interval at ``level`` (confidence for log-linear models, posterior credible for LCMCR);
    ``observed`` the people on at least one list; ``unobserved`` = estimate - observed.
    ``warnings`` are plain sentences a reader must see next to the number.
    """

    method: str
    lists: tuple[str, ...]
    observed: int
    estimate: float
    interval: tuple[float, float]
    level: float
    warnings: tuple[str, ...] = field(default=(), kw_only=True)

    @property
    def unobserved(self) -> float:
        """Estimated people on no list."""
        return self.estimate - self.observed

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready summary (subclasses add their own keys)."""
        return {
            "method": self.method,
            "lists": list(self.lists),
            "observed": self.observed,
            "estimate": self.estimate,
            "unobserved": self.unobserved,
            "interval": list(self.interval),
            "level": self.level,
            "warnings": list(self.warnings),
        }
