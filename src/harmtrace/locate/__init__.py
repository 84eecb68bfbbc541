"""Where reports happened: OCHA admin areas (P-codes), a gazetteer in two scripts, precision radii."""

from harmtrace.locate.admin import (
    AdminArea,
    Placement,
    locate_admin,
    place_reports,
    precisions_placed,
    read_admin_file,
)

__all__ = ["AdminArea", "Placement", "locate_admin", "place_reports", "precisions_placed", "read_admin_file"]
