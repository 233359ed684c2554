"""On the alliance chart an action logged on a rupture's or a repair's day must not cover
its marker: actions are drawn in a lane under the scale (no database; the chart handed to
the renderer is inspected, not its pixels)."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from rapport.lib.charts import Chart
from rapport.monitoring import charts
from rapport.monitoring.instruments import CHECKIN
from rapport.monitoring.series import EpisodeSeries, SessionPoint
from rapport.monitoring.signals import config_for
from tests.monitoring._helpers import scores, series, session_date


def build(values, actions):
    data = EpisodeSeries(
        episode=None,  # type: ignore[arg-type]  # the charts read only the series
        series=series(scores(CHECKIN, values)),
        sessions=tuple(
            SessionPoint(n, session_date(n), appointment_id=n) for n in range(1, len(values) + 1)
        ),
    )
    return charts.build_charts(data, config_for([CHECKIN]), actions=actions)


def action(session: int, title: str = "Name what you noticed"):
    return SimpleNamespace(performed_on=session_date(session), strategy_title=title)


def by_label(chart: Chart, label: str):
    return [m for m in chart.markers if m.label == label]


def test_an_action_on_the_rupture_and_repair_days_leaves_both_markers_visible(drawn):
    # A rupture at session 4 (38 -> 28), repaired at session 5; an action on each day.
    table = build([38, 38, 38, 28, 38], [action(4), action(5, "Take your share")])
    chart = drawn[next(t for t in drawn if t.startswith("Alliance:"))]
    (rupture,) = by_label(chart, "Rupture")
    (repair,) = by_label(chart, "Repair")
    assert (rupture.x, rupture.y) == (4, 28) and (repair.x, repair.y) == (5, 38)
    # Actions are vertical lines on their day (drawn under the markers), not points: no
    # height, so nothing drawn below 0 on a 0-40 scale as if it were a score.
    assert [(e.label, e.x) for e in chart.events] == [("Action logged", 4), ("Action logged", 5)]
    assert {m.label for m in chart.markers} == {"Rupture", "Repair"}
    assert chart.y_range == (0.0, 40.0)
    events = {row.session: row.events for row in table.rows}
    assert any(e.startswith("Rupture") for e in events[4])
    assert "Action (" in " ".join(events[4]) and "Name what you noticed" in " ".join(events[4])
    assert any("Take your share" in e for e in events[5])


def test_a_chart_without_actions_keeps_the_scale_as_it_was(drawn):
    build([38, 38, 38, 28, 38], [])
    chart = drawn[next(t for t in drawn if t.startswith("Alliance:"))]
    assert chart.y_range == (0.0, 40.0)
    assert not chart.events


def test_an_action_between_sessions_is_a_line_between_them_and_the_alt_says_so(drawn):
    day = session_date(2) + dt.timedelta(days=2)
    between = SimpleNamespace(performed_on=day, strategy_title="")
    table = build([38, 38, 38], [between])
    chart = drawn[next(t for t in drawn if t.startswith("Alliance:"))]
    (event,) = chart.events
    assert event.x == 2.5 and chart.y_range == (0.0, 40.0)
    alt = next(i.alt for i in table.images if i.title.startswith("Alliance:"))
    assert f"action logged on {day.day} {day:%b} (between sessions 2 and 3)" in alt
    assert "session 2.5" not in alt
