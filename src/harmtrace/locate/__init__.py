"""Where reports happened: administrative areas (OCHA P-codes) and, later, a gazetteer."""

from harmtrace.locate.admin import (
    AdminArea,
    Placement,
    locate_admin,
    place_reports,
    precisions_placed,
    read_admin_file,
)

__all__ = ["AdminArea", "Placement", "locate_admin", "place_reports", "precisions_placed", "read_admin_file"]
