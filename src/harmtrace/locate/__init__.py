"""Where reports happened: OCHA admin areas (P-codes), a gazetteer in two scripts, precision radii."""

from typing import TYPE_CHECKING

from harmtrace.lazy import exports

if TYPE_CHECKING:
    from harmtrace.locate.admin import (
        AdminArea,
        Placement,
        locate_admin,
        place_reports,
        precisions_placed,
        read_admin_file,
    )

__all__ = ["AdminArea", "Placement", "locate_admin", "place_reports", "precisions_placed", "read_admin_file"]
if not TYPE_CHECKING:  # mypy reads the names above, and flags a name no module defines
    # shapely loads only when a name is first used: the CLI starts without it
    __getattr__ = exports(__name__, {"harmtrace.locate.admin": tuple(__all__)})
