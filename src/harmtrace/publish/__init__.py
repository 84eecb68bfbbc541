"""Publishing what the store holds: the HTML report, the demo that builds one from bundled data, and every
export (`reports_export`, `incidents_export`, `persons_export`, `control_export`), each through the
publication policy (`policy`, applied to exports by `export_policy`)."""

from typing import TYPE_CHECKING

from harmtrace.lazy import exports

if TYPE_CHECKING:
    from harmtrace.publish.report import ReportData, collect, render_html, write_report

__all__ = ["ReportData", "collect", "render_html", "write_report"]
if not TYPE_CHECKING:  # mypy reads the names above, and flags a name no module defines
    # jinja2 loads only when a name is first used: the CLI starts without it
    __getattr__ = exports(__name__, {"harmtrace.publish.report": tuple(__all__)})
