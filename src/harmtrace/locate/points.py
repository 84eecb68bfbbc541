"""Where each report is placed: its own coordinates, or else the gazetteer match recorded for it.

`report_points_sql` is the one relation every geographic figure reads: one row per report that has a
point, with the radius in metres its precision stands for (NULL = unbounded, see
`harmtrace.locate.precision`) and how the point was obtained.
"""

from __future__ import annotations

from collections.abc import Mapping

from harmtrace.locate.precision import radius_sql


def report_points_sql(overrides: Mapping[str, float | None] | None = None) -> str:
    """SQL of (report_id, latitude, longitude, precision, radius_m, method) for every located report.

    A report's own coordinates win over a gazetteer match; `method` is 'source coordinates' or the
    gazetteer match's method.
    """
    return f"""
    SELECT report_id, latitude, longitude, precision, {radius_sql("precision", overrides)} AS radius_m, method
    FROM (
        SELECT report_id, latitude, longitude, location_precision AS precision,
               'source coordinates' AS method
        FROM report WHERE latitude IS NOT NULL AND longitude IS NOT NULL
        UNION ALL
        SELECT l.report_id, l.latitude, l.longitude, l.precision, l.method
        FROM report_location l JOIN report r USING (report_id)
        WHERE r.latitude IS NULL OR r.longitude IS NULL
    )"""
