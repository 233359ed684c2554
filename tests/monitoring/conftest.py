"""Fixtures shared by the monitoring tests."""

from __future__ import annotations

import pytest

from rapport.lib.charts import Chart
from rapport.monitoring import charts


@pytest.fixture
def drawn(monkeypatch):
    """The charts handed to the SVG renderer, by title (rendering itself is not tested)."""
    seen: dict[str, Chart] = {}

    def capture(chart: Chart) -> str:
        seen[chart.title] = chart
        return "<svg/>"

    monkeypatch.setattr(charts, "line_chart_svg", capture)
    return seen
