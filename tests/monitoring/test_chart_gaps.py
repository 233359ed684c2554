"""The client page's charts leave a gap at a session without a score, say so in their alt
text, and keep the session as a row of the table (no database)."""

from __future__ import annotations

import base64

from rapport.monitoring import charts
from rapport.monitoring.instruments import CHECKIN
from rapport.monitoring.series import EpisodeSeries, SessionPoint
from rapport.monitoring.signals import Observation, config_for
from tests.lib._svg import data_line
from tests.monitoring._helpers import series, session_date

PARTS = "Parts of the alliance: goals, tasks, bond"


def observations(instrument: str, by_session: dict[int, float], **parts) -> list[Observation]:
    return [
        Observation(
            instrument,
            session,
            float(score),
            date=session_date(session),
            subscales={
                name: values[session] for name, values in parts.items() if session in values
            },
        )
        for session, score in by_session.items()
    ]


def build(*groups: list[Observation], sessions: int = 5) -> charts.Charts:
    data = EpisodeSeries(
        episode=None,  # type: ignore[arg-type]  # the charts read only the series
        series=series(*groups),
        sessions=tuple(SessionPoint(n, session_date(n), n) for n in range(1, sessions + 1)),
    )
    instruments = {o.instrument for group in groups for o in group}
    return charts.build_charts(data, config_for(sorted(instruments)), actions=())


def image(built: charts.Charts, starts: str) -> charts.ChartImage:
    return next(i for i in built.images if i.title.startswith(starts))


def svg_of(chart_image: charts.ChartImage) -> str:
    return base64.b64decode(chart_image.uri.split(",", 1)[1]).decode()


def test_the_alliance_line_breaks_at_a_session_without_a_check_in(drawn):
    # Check-ins after sessions 1, 2, 3 and 5; none after session 4.
    build(observations(CHECKIN, {1: 38, 2: 37, 3: 38, 5: 30}))
    chart = drawn["Alliance: Check-in total per session"]
    (line,) = chart.lines
    assert list(line.x) == [1, 2, 3, 4, 5]
    assert list(line.y) == [38, 37, 38, None, 30]


def test_the_drawn_alliance_chart_has_a_gap_and_says_where(drawn):
    built = build(observations(CHECKIN, {1: 38, 2: 37, 3: 38, 5: 30}))
    alt = image(built, "Alliance:").alt
    assert "session 3: 38, session 5: 30; no rating at session 4." in alt


def test_the_rendered_alliance_chart_is_two_pieces():
    built = build(observations(CHECKIN, {1: 38, 2: 37, 3: 38, 5: 30}))
    pieces, markers = data_line(svg_of(image(built, "Alliance:")))
    assert [len(piece) for piece in pieces] == [3, 1]  # 1-3, then session 5 on its own
    assert markers == 4


def test_the_outcome_line_breaks_where_no_score_was_given(drawn):
    # PHQ-9 before sessions 1, 2 and 5 only.
    built = build(observations("phq9", {1: 18, 2: 16, 5: 12}))
    chart = drawn["PHQ-9: scores and expected course"]
    scores = next(line for line in chart.lines if line.label == "PHQ-9")
    assert list(scores.x) == [1, 2, 3, 4, 5] and list(scores.y) == [18, 16, None, None, 12]
    # The expected course is a model, drawn at every session: no gap in it.
    expected = next(line for line in chart.lines if line.label == "Expected course")
    assert None not in expected.y
    assert "session 5: 12; no score at sessions 3 and 4." in image(built, "PHQ-9").alt


def test_goals_tasks_and_bond_break_where_the_check_in_is_missing_or_a_part_unanswered(drawn):
    built = build(
        observations(
            CHECKIN,
            {1: 38, 2: 37, 4: 30},
            goals={1: 9, 2: 9, 4: 7},
            tasks={1: 9, 2: 9, 4: 7},
            bond={1: 10, 4: 8},  # bond left unanswered at session 2
        )
    )
    lines = {line.label: list(line.y) for line in drawn[PARTS].lines}
    assert lines["Goals"] == [9, 9, None, 7]
    assert lines["Bond"] == [10, None, None, 8]
    alt = image(built, "Parts").alt
    assert "session 2: Goals 9, Tasks 9, Bond not rated" in alt
    assert alt.endswith("; no rating at session 3")


def test_the_table_keeps_a_row_for_a_session_where_nothing_was_answered(drawn):
    built = build(observations(CHECKIN, {1: 38, 2: 37, 3: 38, 5: 30}))
    by_session = {row.session: row for row in built.rows}
    assert sorted(by_session) == [1, 2, 3, 4, 5]
    assert by_session[4].date == f"{session_date(4):%d %b %Y}"
    assert by_session[4].alliance == "" and by_session[5].alliance == "30"


def test_a_chart_without_gaps_says_nothing_about_gaps(drawn):
    built = build(observations(CHECKIN, {1: 38, 2: 37, 3: 38}))
    assert all("no rating" not in i.alt and "no score" not in i.alt for i in built.images)


def test_a_single_check_in_is_a_point_on_its_own(drawn):
    built = build(observations(CHECKIN, {3: 38}))
    (line,) = drawn["Alliance: Check-in total per session"].lines
    assert (list(line.x), list(line.y)) == ([3], [38])
    assert [row.session for row in built.rows] == [3]
