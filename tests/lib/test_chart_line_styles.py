"""Lines on a chart are told apart without colour (WCAG 1.4.1), and a line hidden under
another with the same values still shows.

The parts chart on the client page drew goals, tasks and bond as lines that differed only
by colour, with the same round marker, and goals vanished under tasks where the two were
equal. The SVG is parsed: each line is a group holding its path (with a stroke-dasharray
unless solid), the marker shape it defines once and a <use> of it for every point; the
legend's sample lines repeat the style outside the plot (no clip path).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rapport.lib.charts import PALETTE, Chart, Line, Threshold, line_chart_svg


@dataclass(frozen=True)
class DrawnLine:
    dashes: str  # "" for a solid line
    marker: str  # the marker's path, i.e. its shape and size
    in_plot: bool  # False: the legend's sample


def drawn_lines(svg: str, color: str) -> list[DrawnLine]:
    """Every line drawn in ``color``, in drawing order: the data line, then the legend's."""
    markers = dict(re.findall(r'<path id="(m[0-9a-f]+)" d="([^"]*)"', svg))
    found = []
    for group in re.findall(r'<g id="line2d_\d+">(.*?)\n   </g>', svg, re.DOTALL):
        path = re.search(r'<path d="[^"]*"( clip-path="[^"]*")? style="([^"]*)"', group)
        if not path or f"stroke: {color}" not in path.group(2):
            continue
        dashes = re.search(r"stroke-dasharray: ([^;]*)", path.group(2))
        used = re.search(r'<use xlink:href="#(m[0-9a-f]+)"', group)
        found.append(
            DrawnLine(
                dashes.group(1) if dashes else "",
                markers[used.group(1)] if used else "",
                in_plot=path.group(1) is not None,
            )
        )
    return found


def extent(marker_path: str) -> float:
    """How far the marker reaches from its point, in points."""
    return max(abs(float(n)) for n in re.findall(r"-?[\d.]+", marker_path))


def parts_chart(goals: list[float | None], tasks: list[float | None]) -> str:
    sessions = [1, 2, 3, 4]
    return line_chart_svg(
        Chart(
            title="Parts of the alliance: goals, tasks, bond",
            x_label="Session",
            y_label="0-10",
            lines=[
                Line("Goals", sessions, goals),
                Line("Tasks", sessions, tasks),
                Line("Bond", sessions, [10, 10, None, 10]),
                Line("Overall", sessions, [9, 9, None, 8]),
            ],
            thresholds=[Threshold("Low below 9", 9)],
            y_range=(0, 10),
        )
    )


SAME = [10, 9, None, 9]  # goals and tasks alike, as in the check-ins that hid goals


def test_each_line_has_its_own_dash_pattern_and_marker_shape():
    svg = parts_chart(SAME, SAME)
    data = [drawn_lines(svg, color)[0] for color in PALETTE[:4]]
    assert all(line.in_plot for line in data)
    assert len({line.dashes for line in data}) == 4
    assert len({line.marker for line in data}) == 4


def test_the_legend_shows_each_lines_marker_and_dash_pattern():
    svg = parts_chart(SAME, SAME)
    for color in PALETTE[:4]:
        data, legend = drawn_lines(svg, color)
        assert data.in_plot and not legend.in_plot
        assert (legend.dashes, legend.marker) == (data.dashes, data.marker)


def test_a_line_under_another_with_the_same_values_still_shows_around_its_markers():
    # Goals is drawn first, tasks on top: where they are equal, goals' marker must reach
    # beyond tasks' (tasks' dash gaps show goals' solid line between the points).
    svg = parts_chart(SAME, SAME)
    goals = drawn_lines(svg, PALETTE[0])[0]
    tasks = drawn_lines(svg, PALETTE[1])[0]
    assert goals.dashes == "" and tasks.dashes != ""
    assert extent(goals.marker) > extent(tasks.marker)
    # The values themselves are not moved to make room: both lines sit on the same points.
    assert points(svg, PALETTE[0]) == points(svg, PALETTE[1])


def points(svg: str, color: str) -> list[tuple[str, str]]:
    """Where a line's three values are marked in the plot (the legend's sample comes after)."""
    return re.findall(
        r'<use xlink:href="#m[0-9a-f]+" x="([\d.]+)" y="([\d.]+)" style="fill: ' + color, svg
    )[:3]


def test_the_threshold_is_drawn_under_the_scores():
    # A score on the "low below 9" line kept the dotted line across its marker.
    svg = parts_chart(SAME, SAME)
    threshold = svg.index("stroke: #57606a")
    assert all(svg.index(f"stroke: {color}") > threshold for color in PALETTE[:4])
