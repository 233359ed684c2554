"""A session without a value is a gap in the shared charts' lines, not a line across it.

The SVG is parsed, not looked at: matplotlib writes each data line as one path (a new
"M" where the line starts again) and each marker as a <use> element.
"""

from __future__ import annotations

import re

from rapport.lib.charts import (
    Chart,
    Line,
    every_session,
    line_chart_svg,
    no_value_note,
    session_list,
    sparkline_svg,
)
from tests.lib._svg import data_line


def chart(ys: list[float | None]) -> Chart:
    return Chart(
        title="Alliance: Check-in total per session",
        x_label="Session",
        y_label="Total",
        lines=[Line("Check-in", list(range(1, len(ys) + 1)), ys)],
        y_range=(0, 40),
    )


def x_tick_labels(svg: str) -> list[str]:
    return re.findall(r'<g id="xtick_\d+">.*?<!-- (.*?) -->', svg, re.DOTALL)


def test_a_session_without_a_value_breaks_the_line():
    # Check-ins after sessions 1, 2 and 4, none after 3: two pieces, not one line 2 -> 4.
    pieces, markers = data_line(line_chart_svg(chart([30, 32, None, 34])))
    assert [len(piece) for piece in pieces] == [2, 1]
    assert markers == 3  # session 4's value, alone after the gap, still shows


def test_the_x_axis_keeps_the_unrated_sessions():
    svg = line_chart_svg(chart([30, None, None, None, 34]))
    assert x_tick_labels(svg) == ["1", "2", "3", "4", "5"]
    pieces, markers = data_line(svg)
    assert [len(piece) for piece in pieces] == [1, 1] and markers == 2


def test_a_line_with_every_value_is_still_one_line():
    pieces, markers = data_line(line_chart_svg(chart([30, 31, 32, 33])))
    assert [len(piece) for piece in pieces] == [4] and markers == 4


def test_a_line_with_no_value_at_all_gets_no_legend_entry():
    svg = line_chart_svg(
        Chart(
            "t",
            "Session",
            "0-10",
            lines=[Line("Goals", [1, 2], [7.0, 8.0]), Line("Bond", [1, 2], [None, None])],
        )
    )
    assert "<!-- Goals -->" in svg and "<!-- Bond -->" not in svg


def test_every_session_lays_values_out_one_a_session():
    assert every_session({1: 30.0, 2: 32.0, 5: 34.0}) == (
        [1, 2, 3, 4, 5],
        [30.0, 32.0, None, None, 34.0],
    )
    assert every_session({3: 30.0}) == ([3], [30.0])
    assert every_session({}) == ([], [])


def test_the_sessions_without_a_value_are_named_in_words():
    assert no_value_note([1, 2, 3, 4], [30, 32, None, 34], "rating") == "no rating at session 3"
    assert no_value_note([1, 2, 3], [30, 32, 34], "rating") == ""
    assert session_list([4, 6]) == "sessions 4 and 6"
    assert session_list([2, 3, 4, 7]) == "sessions 2 to 4 and 7"
    assert session_list([2, 3, 5, 8, 9, 10]) == "sessions 2, 3, 5 and 8 to 10"
    # NaN is a gap too (the transcripts chart marks unrated values with it).
    assert no_value_note([0, 7], [50.0, float("nan")], "value") == "no value at session 7"


def shapes(svg: str) -> tuple[list[int], int]:
    """A sparkline's polylines (their point counts) and its dots."""
    polylines = [len(p.split()) for p in re.findall(r'<polyline points="([^"]*)"', svg)]
    return polylines, svg.count("<circle ")


def test_a_sparkline_breaks_at_an_unrated_session():
    # Ratings at sessions 1 and 5 only: two dots, no line across sessions 2 to 4.
    assert shapes(sparkline_svg([38, None, None, None, 34], low=0, high=40)) == ([], 2)
    # A run of ratings is a line; a rating alone between gaps is a dot of its own.
    assert shapes(sparkline_svg([30, 31, None, 33, None, 35, 36], low=0, high=40)) == ([2, 2], 2)


def test_a_sparkline_puts_each_rating_at_its_session():
    svg = sparkline_svg([38, None, None, None, 34], low=0, high=40, width=96)
    xs = [float(x) for x in re.findall(r'<circle cx="([\d.]+)"', svg)]
    assert xs == [2.0, 94.0]  # the first and last of five evenly spaced slots


def test_a_sparkline_of_one_rating_is_one_dot():
    assert shapes(sparkline_svg([38], low=0, high=40)) == ([], 1)


def test_a_sparkline_without_gaps_is_one_line_ending_in_a_dot():
    assert shapes(sparkline_svg([38, 38, 39, 38], low=0, high=40)) == ([4], 1)
