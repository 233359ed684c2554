"""The *Check-ins and scores* chart numbers sessions as monitoring's chart does: a session
without an answer is a gap in the line, named in the alt text ("No PHQ-9 at session 3."),
where the panel numbered the answers 1, 2, 3 and drew the line straight across the missed
session beside a monitoring chart calling the same point "session 4" (accessibility pass,
Quinn's screenshots). Without monitoring's session numbers the axis says "Answer", not
"Session": the panel cannot tell which session an answer was for.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from tests.checkins._helpers import weekly_sessions
from tests.checkins.test_panel_chart_counts_sessions import plotted

from rapport.checkins import panels
from rapport.measures.registry import get_instrument
from rapport.measures.services import response_record
from rapport.monitoring.series import load_episode_series

pytestmark = pytest.mark.django_db


def phq9(client, appointment, each: int, key: str):
    """A PHQ-9 answered on the session's link an hour before it: nine answers of ``each``."""
    return response_record(
        client=client,
        instrument_id="phq9",
        answers={f"phq9_{n}": each for n in range(1, 10)},
        source="link",
        idempotency_key=key,
        administered_at=appointment.starts_at - timedelta(hours=1),
        appointment=appointment,
        actor="client-link",
    )[0]


@pytest.fixture
def no_phq9_at_session_3(therapist_a):
    """Four attended weekly sessions, the last a week ago; a PHQ-9 before sessions 1, 2
    and 4 (totals 18, 18, 9), none before session 3."""
    client, episode, sessions = weekly_sessions(therapist_a, "Quinn Q.", 4, birth_year=1991)
    for number, each in ((1, 2), (2, 2), (4, 1)):
        phq9(client, sessions[number - 1], each, key=f"phq9-{number}")
    return client, episode


def monitorings_counting(client, episode) -> panels.Counting:
    """What the panel gets when monitoring says where it placed each counted answer: its
    own placement (``load_episode_series``), one answer an instrument and session."""
    placed = load_episode_series(episode).response_ids
    at = {pk: (episode.pk, session) for (_instrument, session), pk in placed.items()}
    return panels.Counting(frozenset(at), frozenset(), at)


def alt_of(uri_and_alt: tuple[str, str]) -> str:
    return uri_and_alt[1]


def test_the_chart_leaves_a_gap_at_the_session_without_an_answer(no_phq9_at_session_3, monkeypatch):
    client, episode = no_phq9_at_session_3
    responses = list(client.responses.filter(instrument_id="phq9"))
    responses = panels._in_session_order(
        responses,
        {r.appointment_id: r.appointment.starts_at for r in responses},
        now=timezone.now(),
    )
    drawn = plotted(monkeypatch)

    alt = alt_of(
        panels._chart(get_instrument("phq9"), responses, monitorings_counting(client, episode))
    )

    (chart,) = drawn
    assert list(chart.lines[0].x) == [1, 2, 3, 4]  # monitoring's session numbers
    assert list(chart.lines[0].y) == [18, 18, None, 9]  # None: the line breaks at session 3
    assert chart.x_label.startswith("Session")
    assert "PHQ-9 total over 3 sessions, from 18 on" in alt
    assert "to 9 on" in alt
    assert "No PHQ-9 at session 3." in alt


def test_answers_from_two_episodes_are_numbered_as_answers(no_phq9_at_session_3, monkeypatch):
    """Each episode numbers its sessions from 1: across two, session numbers would put the
    second episode's first answer before the first episode's last."""
    client, episode = no_phq9_at_session_3
    responses = panels._in_session_order(
        list(client.responses.filter(instrument_id="phq9")), {}, now=timezone.now()
    )
    counting = monitorings_counting(client, episode)
    first = responses[0].pk
    elsewhere = {**counting.placed_at, first: (episode.pk + 1000, 1)}
    drawn = plotted(monkeypatch)

    alt = alt_of(
        panels._chart(
            get_instrument("phq9"),
            responses,
            panels.Counting(counting.counted, frozenset(), elsewhere),
        )
    )

    (chart,) = drawn
    assert list(chart.lines[0].x) == [1, 2, 3] and chart.x_label.startswith("Answer")
    assert "No PHQ-9" not in alt


def test_the_page_places_answers_at_monitorings_sessions_with_the_gap(
    login, therapist_a, no_phq9_at_session_3, monkeypatch
):
    """The page as drawn with monitoring installed: its provider says where it placed each
    answer, so the panel's chart has monitoring's session numbers, with the gap at 3."""
    client, _episode = no_phq9_at_session_3
    drawn = plotted(monkeypatch)
    page = login(therapist_a).get(f"/clients/{client.pk}/").content.decode()

    assert panels.hooks.counted_responses(client).placed_at
    (chart,) = [c for c in drawn if c.title == "PHQ-9"]
    assert list(chart.lines[0].y) == [18, 18, None, 9]
    assert chart.x_label.startswith("Session")
    assert re.search(r'alt="PHQ-9 total over 3 sessions[^"]*No PHQ-9 at session 3\.', page)
