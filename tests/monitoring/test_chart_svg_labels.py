"""The client page's charts say each threshold the same way, with its number; an action is
a line on its day, not a point under the scale; lines with the same values all show
(``rapport.lib.charts``, ``monitoring.charts``). The SVG itself is read: matplotlib writes
each text as a comment before its glyphs."""

from __future__ import annotations

import re
from types import SimpleNamespace

from rapport.lib.charts import PALETTE, Chart, Event, Line, Threshold, line_chart_svg
from rapport.monitoring import charts
from rapport.monitoring.instruments import CHECKIN
from rapport.monitoring.series import EpisodeSeries, SessionPoint
from rapport.monitoring.signals import Observation, config_for
from tests.monitoring._helpers import series, session_date


def texts(svg: str) -> list[str]:
    return [t.strip() for t in re.findall(r"<!-- (.*?) -->", svg, re.DOTALL)]


def chart(**kwargs) -> str:
    base = {"title": "T", "x_label": "Session", "y_label": "Total", "y_range": (0, 40)}
    return line_chart_svg(Chart(**{**base, **kwargs}))


def test_a_threshold_without_its_number_gets_it_and_one_with_it_keeps_it():
    svg = chart(
        lines=[Line("Check-in", [1, 2], [30, 38])],
        thresholds=[Threshold("Alert below", 36), Threshold("Clinical cut-off (10)", 10)],
    )
    assert "Alert below (36)" in texts(svg)
    assert "Clinical cut-off (10)" in texts(svg)
    assert "Clinical cut-off (10) (10)" not in texts(svg)


def test_an_event_is_a_vertical_line_across_the_plot_not_a_point_below_zero():
    svg = chart(lines=[Line("Check-in", [1, 2, 3], [30, 38, 36])], events=[Event("Action", 2.5)])
    assert "Action" in texts(svg)
    vertical = [
        (x1, x2)
        for x1, x2, style in re.findall(
            r'<path d="M ([\d.]+) [\d.]+ \nL ([\d.]+) [\d.]+ \n" clip-path="[^"]*" style="([^"]*)"',
            svg,
        )
        if "stroke: #b35900" in style
    ]
    assert len(vertical) == 1 and vertical[0][0] == vertical[0][1]


def uses(svg: str, color: str) -> list[float]:
    """The x of each marker drawn in the plot for the line of ``color``."""
    for group in re.findall(r'<g id="line2d_\d+">(.*?)\n   </g>', svg, re.DOTALL):
        if f"stroke: {color}" in group and "clip-path" in group:
            return [
                float(x) for x in re.findall(r'<use xlink:href="#m[0-9a-f]+" x="([\d.]+)"', group)
            ]
    return []


def test_dodged_lines_with_the_same_values_are_drawn_apart_over_their_session():
    lines = [Line("Goals", [1, 2], [9, 9]), Line("Tasks", [1, 2], [9, 9])]
    together = chart(lines=lines, y_range=(0, 10))
    apart = chart(lines=lines, y_range=(0, 10), dodge=0.12)
    assert uses(together, PALETTE[0]) == uses(together, PALETTE[1])
    goals, tasks = uses(apart, PALETTE[0]), uses(apart, PALETTE[1])
    assert goals and all(g < t for g, t in zip(goals, tasks, strict=True))
    # Apart, but nearer their own session than the next one.
    step = goals[1] - goals[0]
    assert 0 < tasks[0] - goals[0] < step / 4


def build(actions=()):
    observations = [
        Observation(
            CHECKIN,
            n,
            36.0,
            date=session_date(n),
            subscales={"goals": 9, "tasks": 9, "bond": 9, "overall": 9},
        )
        for n in (1, 2, 3)
    ]
    data = EpisodeSeries(
        episode=None,  # type: ignore[arg-type]  # the charts read only the series
        series=series(observations),
        sessions=tuple(SessionPoint(n, session_date(n), appointment_id=n) for n in (1, 2, 3)),
    )
    return charts.build_charts(data, config_for([CHECKIN]), actions=list(actions))


def test_the_client_page_charts_label_thresholds_with_number_and_source(drawn):
    build([SimpleNamespace(performed_on=session_date(2), strategy_title="")])
    alliance = drawn[next(t for t in drawn if t.startswith("Alliance:"))]
    assert [t.label for t in alliance.thresholds] == ["Alert threshold (36)"]
    assert [e.label for e in alliance.events] == ["Action logged"]
    parts = drawn["Parts of the alliance: goals, tasks, bond"]
    assert [t.label for t in parts.thresholds] == [
        "Low part: below 9 (a quarter of the alert threshold)"
    ]
    assert parts.dodge > 0


def test_the_page_lets_a_chart_grow_to_its_column_within_a_legible_width():
    from pathlib import Path

    import rapport

    css = (
        Path(rapport.__file__).parent / "monitoring/static/monitoring/monitoring.css"
    ).read_text()
    rule = re.search(r"\.charts img \{([^}]*)\}", css)
    assert rule is not None
    assert "width: 100%" in rule.group(1) and "max-width: 34rem" in rule.group(1)
