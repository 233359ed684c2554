"""The shared SVG chart is laid out once, without matplotlib's layout engine, and every
text still lands inside the chart, clear of the others.

Constrained layout measured every text and drew each chart twice, most of the client
page's time; the margins are now computed from the texts around the plot. These tests
draw the laid-out figure and measure what was drawn: the title, the axis labels, the
tick labels and the legend, for the charts the pages draw and for awkward ones.
"""

from __future__ import annotations

import io
import itertools
import subprocess
import sys
import uuid

import pytest
from matplotlib.backends.backend_svg import RendererSVG
from matplotlib.figure import Figure
from matplotlib.transforms import Bbox

from rapport.lib import charts
from rapport.lib.charts import Band, Chart, Line, Marker, Threshold, line_chart_svg

XS = list(range(1, 13))
PHQ = [18, 17, 15, None, 14, 12, 13, 11, 10, 9, 9, 8]
GRID = list(range(1, 15))
EXPECTED = [18 - 0.7 * i for i in range(14)]

CHARTS = {
    # As monitoring draws them (monitoring/charts.py).
    "outcome": Chart(
        "PHQ-9: scores and expected course",
        "Session",
        "Score",
        lines=[Line("PHQ-9", XS, PHQ), Line("Expected course", GRID, EXPECTED, dashed=True)],
        bands=[
            Band(
                "Expected range (middle 80%; off track above it)",
                GRID,
                [e - 3 for e in EXPECTED],
                [e + 3 for e in EXPECTED],
            )
        ],
        thresholds=[Threshold("Clinical cut-off (10)", 10)],
        y_range=(0, 27),
    ),
    "alliance with actions under the scale": Chart(
        "Alliance: Session check-in total per session",
        "Session",
        "Total",
        lines=[Line("Session check-in", XS, [36, 38, 37, 30, 38, 39, 40, 40, 39, 40, 38, 40])],
        thresholds=[Threshold("Alert threshold (36)", 36)],
        markers=[
            Marker("Rupture", 4, 30, "v"),
            Marker("Repair", 5, 38, "^"),
            Marker("Action logged", 4, -4, "D"),
        ],
        y_range=(-6.4, 40),
    ),
    "parts": Chart(
        "Parts of the alliance: goals, tasks, bond",
        "Session",
        "0-10",
        lines=[Line(name, XS, [9.0] * 12) for name in ("Goals", "Tasks", "Bond", "Overall")],
        thresholds=[Threshold("Low below 6", 6)],
        y_range=(0, 10),
    ),
    # As the check-ins panel draws it (checkins/panels.py).
    "check-ins panel": Chart(
        "PHQ-9",
        "Session (dates in the table)",
        "Total",
        lines=[Line("Total", XS, PHQ)],
        thresholds=[Threshold("Clinical cut-off", 10), Threshold("Alert below", 6)],
        y_range=(0, 27),
    ),
    # As the transcript report draws it (transcripts/views.py): days, not sessions.
    "transcript trend": Chart(
        "This client's sessions",
        "Days since the first analysed session",
        "%",
        lines=[
            Line("Reflections to questions ratio", [0, 7, 14.5, 21, 35], [40, 55, None, 60, 62]),
            Line("Open questions (share of questions)", [0, 7, 14.5, 21, 35], [30, 45, 50, 48, 70]),
            Line("Client talk share", [0, 7, 14.5, 21, 35], [55, 60, 58, 62, 65]),
        ],
        y_range=(0, 100),
    ),
    "one point": Chart(
        "ORS", "Answer (dates in the table)", "Total", lines=[Line("Total", [1], [17])]
    ),
    "long title and legend labels": Chart(
        "A rather long chart title that goes on and on to wrap onto two lines or three",
        "Session",
        "Score",
        lines=[
            Line(
                "A very long legend label that certainly needs wrapping onto a second line",
                XS,
                [float(i) for i in range(12)],
            )
        ],
        thresholds=[Threshold("Threshold with a long label that also wraps (12.5)", 12.5)],
    ),
    "wide letters": Chart(
        "WWWWWWWWWW MMMMMMMMMM WWWWWWWWWW MMMMMMMMMM",
        "Session",
        "Score",
        lines=[Line("WWWWWWWWWW MMMMMMMMMM WWWWWWWWWW", XS, [1.0] * 12)],
    ),
    "four-digit values, no scale, a hundred sessions": Chart(
        "Values without a scale",
        "Session",
        "Minutes",
        lines=[Line("Minutes", list(range(1, 101)), [1000 + 37 * (i % 9) for i in range(100)])],
    ),
    "no legend": Chart("Nothing drawn", "Session", "Score", y_range=(0, 40)),
    "too low for its title and legend": Chart(
        "A title long enough to wrap onto a second line of the chart's title",
        "Session",
        "Score",
        lines=[Line(f"Line {i}", XS, [float(i)] * 12) for i in range(5)],
        size=(4.0, 0.8),
    ),
}


def drawn_boxes(fig: Figure) -> dict[str, list[Bbox]]:
    """Draw the figure as the SVG is drawn and measure each text that was drawn, in points."""
    width, height = fig.get_size_inches() * 72
    renderer = RendererSVG(width, height, io.StringIO())
    fig.draw(renderer)
    (ax,) = fig.axes

    def ticks(axis, low_high) -> list[Bbox]:
        low, high = sorted(low_high)
        return [
            label.get_window_extent(renderer)
            for label, loc in zip(axis.get_ticklabels(), axis.get_majorticklocs(), strict=True)
            if label.get_visible() and label.get_text() and low - 1e-9 <= loc <= high + 1e-9
        ]

    boxes = {
        "title": [  # a title on the left is another Text than the centred one
            title.get_window_extent(renderer)
            for title in (ax.title, ax._left_title, ax._right_title)
            if title.get_text()
        ],
        "x label": [ax.xaxis.label.get_window_extent(renderer)],
        "y label": [ax.yaxis.label.get_window_extent(renderer)],
        "x ticks": ticks(ax.xaxis, ax.get_xlim()),
        "y ticks": ticks(ax.yaxis, ax.get_ylim()),
        "plot": [ax.bbox],
    }
    if fig.legends:
        boxes["legend"] = [fig.legends[0].get_window_extent(renderer)]
    return boxes


def overlap(a: Bbox, b: Bbox, slack: float = 0.25) -> bool:
    return (
        a.x0 < b.x1 - slack and b.x0 < a.x1 - slack and a.y0 < b.y1 - slack and b.y0 < a.y1 - slack
    )


# Which drawn things must not touch: texts that overlapped could not be read.
APART = [
    ("title", "plot"),
    ("title", "y ticks"),
    ("title", "y label"),
    ("x label", "x ticks"),
    ("x label", "plot"),
    ("y label", "y ticks"),
    ("y label", "plot"),
    ("legend", "x label"),
    ("legend", "x ticks"),
    ("legend", "plot"),
    ("legend", "y label"),
    ("legend", "y ticks"),
]


@pytest.mark.parametrize("name", CHARTS)
def test_every_text_is_inside_the_chart(name):
    fig = charts._figure(CHARTS[name])
    width, height = fig.get_size_inches() * 72
    for what, boxes in drawn_boxes(fig).items():
        for box in boxes:
            assert box.x0 >= -0.25 and box.y0 >= -0.25, (what, box)
            assert box.x1 <= width + 0.25 and box.y1 <= height + 0.25, (what, box, width, height)


@pytest.mark.parametrize("name", CHARTS)
def test_no_text_covers_another_or_the_plot(name):
    boxes = drawn_boxes(charts._figure(CHARTS[name]))
    # Everything compared was drawn and measured (a legend wherever there is something to
    # name): a text that went missing would otherwise overlap nothing and pass.
    drawn = {what for what, measured in boxes.items() if measured}
    expected = {what for pair in APART for what in pair}
    assert drawn == (expected - {"legend"} if name == "no legend" else expected)
    for first, second in APART:
        for a, b in itertools.product(boxes.get(first, []), boxes.get(second, [])):
            assert not overlap(a, b), (first, a, second, b)


def test_the_plot_keeps_its_height_and_the_legend_adds_its_own():
    # The chart's size is the plot's and its title's; the legend is added under it, so
    # a chart with a long legend does not squeeze its data.
    lines = [Line(name, XS, [9.0] * 12) for name in ("Goals", "Tasks", "Bond", "Overall")]
    short = charts._figure(Chart("Parts", "Session", "0-10", lines=lines[:1]))
    long = charts._figure(Chart("Parts", "Session", "0-10", lines=lines))
    assert short.get_size_inches()[0] == long.get_size_inches()[0] == charts.CHART_WIDTH_IN
    assert long.get_size_inches()[1] > short.get_size_inches()[1] > charts.PLOT_HEIGHT_IN
    # Both plots are the same height, whatever their legends.
    (short_ax,), (long_ax,) = short.axes, long.axes
    short_height = short_ax.get_position().height * short.get_size_inches()[1]
    long_height = long_ax.get_position().height * long.get_size_inches()[1]
    assert abs(short_height - long_height) < 0.01


def test_a_chart_too_low_for_its_texts_grows_to_keep_a_plot():
    fig = charts._figure(CHARTS["too low for its title and legend"])
    (ax,) = fig.axes
    assert ax.get_position().height * fig.get_size_inches()[1] * 72 >= charts._MIN_PLOT - 0.01


def test_a_chart_is_drawn_in_one_pass(monkeypatch):
    # Constrained layout made savefig draw the whole figure twice (once to measure).
    passes = []
    draw = Figure.draw

    def counting(self, renderer):
        passes.append(renderer)
        return draw(self, renderer)

    monkeypatch.setattr(Figure, "draw", counting)
    fresh = Chart(  # a title no other test draws: not in the chart cache
        f"PHQ-9 {uuid.uuid4()}", "Session", "Score", lines=[Line("PHQ-9", XS, PHQ)]
    )
    assert line_chart_svg(fresh).startswith("<?xml")
    assert len(passes) == 1


def test_drawing_a_chart_does_not_load_pyplot():
    # pyplot keeps global state (its figure manager) that is not thread-safe; a server
    # draws charts for several requests at once. A process of its own: another test may
    # have loaded pyplot in this one.
    code = (
        "import sys\n"
        "from rapport.lib.charts import Chart, Line, line_chart_svg\n"
        "line_chart_svg(Chart('t', 'x', 'y', lines=[Line('a', [1, 2], [3, 4])]))\n"
        "print('matplotlib.pyplot' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert done.stdout.strip() == "False"
