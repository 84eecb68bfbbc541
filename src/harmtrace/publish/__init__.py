"""Publishing what the store holds: the HTML report and the demo that builds one from bundled data."""

from harmtrace.publish.report import ReportData, collect, render_html, write_report

__all__ = ["ReportData", "collect", "render_html", "write_report"]
