"""The shared SVG chart counts sessions and administrations in whole numbers."""

from __future__ import annotations

import re

import pytest

from rapport.lib.charts import Chart, Line, Threshold, line_chart_svg


def x_tick_labels(svg: str) -> list[str]:
    """The x axis's tick labels: matplotlib writes each drawn text as a comment."""
    return re.findall(r'<g id="xtick_\d+">.*?<!-- (.*?) -->', svg, re.DOTALL)


def chart_of(xs: list[int]) -> Chart:
    return Chart(
        title="Alliance: Check-in total per session",
        x_label="Session",
        y_label="Total",
        lines=[Line("Check-in", xs, [30.0 + x % 5 for x in xs])],
        thresholds=[Threshold("Alert threshold (36)", 36)],
        y_range=(0, 40),
    )


@pytest.mark.parametrize(
    ("xs", "expected"),
    [
        # One point: the single session, not "2.84, 2.88 ... 3.16".
        ([3], ["3"]),
        ([1], ["1"]),  # a first administration, not "0.945 ... 1.050"
        ([1, 2], ["1", "2"]),
    ],
)
def test_a_chart_with_one_or_two_points_labels_only_their_sessions(xs, expected):
    assert x_tick_labels(line_chart_svg(chart_of(xs))) == expected


def test_twenty_sessions_get_a_few_whole_numbered_ticks_within_them():
    labels = x_tick_labels(line_chart_svg(chart_of(list(range(1, 21)))))
    assert labels and all(re.fullmatch(r"\d+", label) for label in labels)
    assert all(1 <= int(label) <= 20 for label in labels)  # no "session 0"
    assert len(labels) <= 6  # legible on a phone, not a tick per session


def test_fractional_x_values_keep_their_own_ticks():
    # Days since the first session (transcripts) need not be whole.
    chart = Chart("t", "Days", "%", lines=[Line("a", [0.0, 6.5, 13.25], [10.0, 20.0, 30.0])])
    assert x_tick_labels(line_chart_svg(chart))


def y_tick_labels(svg: str) -> list[str]:
    return re.findall(r'<g id="ytick_\d+">.*?<!-- (.*?) -->', svg, re.DOTALL)


def test_a_scale_of_whole_points_gets_whole_numbered_y_ticks():
    # The goals/tasks/bond chart's 0-10 scale showed 0.0, 2.5, 5.0 ... 10.0.
    chart = Chart(  # as monitoring.charts draws it
        title="Parts of the alliance: goals, tasks, bond",
        x_label="Session",
        y_label="0-10",
        thresholds=[Threshold("Low below 6", 6)],
        lines=[
            Line("Goals", [1, 2, 3], [7.0, 8.0, 6.0]),
            Line("Tasks", [1, 2, 3], [8.0, 8.0, 7.0]),
            Line("Bond", [1, 2, 3], [9.0, 9.0, 8.0]),
        ],
        y_range=(0, 10),
    )
    labels = y_tick_labels(line_chart_svg(chart))
    assert labels and all(re.fullmatch(r"[−-]?\d+", label) for label in labels), labels
