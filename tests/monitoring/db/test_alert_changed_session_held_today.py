"""Missing check-ins and a session held today, while the alert's page is open.

The alert's forms carry a digest of what the page showed (``news.shown_version``); an
action is refused only when what the page showed changed. A session held today changes
nothing the "Check-ins missing" card shows (its check-in is not due until tomorrow, and the
alert's latest session is not on the card), so it does not refuse the therapist. The next
day, that session's check-in is missing too and the card lists it ("Sessions without a
check-in: 6, 7" where it said "5, 6"): one more session the client did not answer about is
news the therapist reads before snoozing or dismissing, so that still refuses, as a session
recorded meanwhile does (test_alert_changed_by_the_clock_only).
Fixed clock: ``NOW`` (Monday 2 Mar 2026, noon) for the answers and the recomputes."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from rapport.clinic.models import Appointment, Attendance
from rapport.monitoring.models import Alert, AlertStatus
from rapport.monitoring.tasks import recompute_alerts
from tests.monitoring.db.conftest import CHANGED, shown_on, text
from tests.monitoring.db.helpers import NOW, checkins, make_episode

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("hooks_off")]

DAY = dt.timedelta(days=1)


@pytest.fixture
def silent(therapist_a):
    """Six weekly sessions ending the day before NOW, check-ins after the first two only."""
    client, episode, held = make_episode(therapist_a, "Silent T.", sessions=6)
    checkins(client, held, [38, 38])
    recompute_alerts(now=NOW)
    alert = Alert.objects.get(episode=episode, kind="feedback_missing")
    assert alert.session == 6 and alert.evidence["missing_sessions"] == [5, 6]
    return episode, alert


def hold_a_session_today(episode) -> None:
    Appointment.objects.create(
        episode=episode, starts_at=NOW - dt.timedelta(hours=2), attendance=Attendance.ATTENDED
    )


def snooze(http, alert, shown):
    until = (timezone.localdate() + 9 * DAY).isoformat()
    return http.post(f"/alerts/{alert.pk}/snooze/", {"until": until, "shown": shown})


def test_a_session_held_today_while_the_page_was_open_does_not_refuse(login, therapist_a, silent):
    episode, alert = silent
    http = login(therapist_a)
    page = http.get(f"/alerts/{alert.pk}/snooze/").content.decode()
    (shown,) = shown_on(page)

    hold_a_session_today(episode)
    recompute_alerts(now=NOW)
    alert.refresh_from_db()
    # The alert's latest session moved; nothing the card shows did.
    assert alert.session == 7 and alert.evidence["missing_sessions"] == [5, 6]
    again = http.get(f"/alerts/{alert.pk}/snooze/").content.decode()
    assert "Sessions without a check-in 5, 6 " in text(again)
    assert "Sessions without a check-in 5, 6 " in text(page)

    response = snooze(http, alert, shown)

    assert response.status_code == 302, text(response.content.decode())
    alert.refresh_from_db()
    assert alert.status == AlertStatus.SNOOZED


def test_the_next_day_that_sessions_missing_check_in_is_news_and_refuses(
    login, therapist_a, silent
):
    episode, alert = silent
    hold_a_session_today(episode)
    recompute_alerts(now=NOW)
    http = login(therapist_a)
    (shown,) = shown_on(http.get(f"/alerts/{alert.pk}/snooze/").content.decode())

    recompute_alerts(now=NOW + DAY)  # no check-in came for today's session
    alert.refresh_from_db()
    assert alert.session == 7 and alert.evidence["missing_sessions"] == [6, 7]

    response = snooze(http, alert, shown)

    page = text(response.content.decode())
    assert response.status_code == 400 and CHANGED in page
    assert "Sessions without a check-in 6, 7 " in page
    alert.refresh_from_db()
    assert alert.status == AlertStatus.OPEN
