"""A check-in answered late, after the one about a later session had been counted, reaches
the therapist as what it says, not as good news.

The review's case: sessions on three Mondays, the check-ins about the first and third (36
each) answered on time, the one about the second answered a week after the third with
3/2/1/2 (8 of 40) and "yes" to feeling pushed. Ordered by session, 36-8-36 reads as a
rupture repaired at session 3, and the latest check-in says "not pushed". The client told
us something the therapist has not seen: it is an alert until acknowledged.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from rapport.clinic.selectors import caseload_for
from rapport.monitoring import services
from rapport.monitoring.instruments import CHECKIN
from rapport.monitoring.models import Alert, AlertStatus
from rapport.monitoring.tasks import recompute_alerts
from tests.monitoring.db.conftest import text
from tests.monitoring.db.helpers import active, as_shown, checkin_answers, day, make_episode, record

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("hooks_off")]

HOUR = dt.timedelta(hours=1)


def rows(episode) -> set[tuple[str, str, str]]:
    return set(Alert.objects.filter(episode=episode).values_list("kind", "signal_key", "status"))


def monitoring_panel(page: str) -> str:
    start = page.index('aria-labelledby="monitoring-h"')
    return text(page[start : page.index("</section>", start)])


@pytest.fixture
def ada(therapist_a):
    """Three weekly sessions ending yesterday; the check-ins about sessions 1 and 3 (36
    each) answered an hour after their session, none yet about session 2. Wall clock: the
    pages read today from it."""
    now = timezone.now()
    client, episode, held = make_episode(therapist_a, "Ada A.", sessions=3, now=now)
    for appointment in (held[0], held[2]):
        record(
            client,
            CHECKIN,
            checkin_answers(9, 9, 9, 9),
            at=appointment.starts_at + HOUR,
            appointment=appointment,
        )
    recompute_alerts(now=now)
    return client, episode, held, now


def answer_late(ada, goals, tasks, bond, overall, pushed):
    """The check-in about session 2 answered now, after session 3's had been counted."""
    client, episode, held, now = ada
    at = now - dt.timedelta(minutes=1)
    record(
        client,
        CHECKIN,
        checkin_answers(goals, tasks, bond, overall, pushed=pushed),
        at=at,
        appointment=held[1],
    )
    recompute_alerts(now=now)
    return at


def test_a_late_low_pushed_answer_is_an_alert_not_good_news(login, therapist_a, ada):
    client, episode, held, now = ada
    assert rows(episode) == set()  # 36 and 36: nothing to say
    answered = answer_late(ada, 3, 2, 1, 2, pushed=2)

    alerts = active(episode)
    assert set(alerts) == {"pushed_or_overridden", "alliance_low"}  # no "alliance_repaired"
    pushed, low = alerts["pushed_or_overridden"], alerts["alliance_low"]
    intro = (
        f"The check-in about session 2 ({day(held[1].starts_at)}) was answered on "
        f"{day(answered)}, after the one about session 3 had been counted"
    )
    for alert in (pushed, low):
        assert alert.status == AlertStatus.OPEN and alert.session == 2
        assert alert.explanation.startswith(intro)
        assert alert.evidence["late"] is True and alert.evidence["after_session"] == 3
        assert "shown until acknowledged" in alert.evidence["rule"]
    assert pushed.severity == "medium" and pushed.evidence["answer"] == "yes"
    assert "answered 'yes' to feeling pushed or overridden" in pushed.explanation
    assert "relationship practices" in pushed.source
    assert low.evidence["score"] == 8 and "8 out of 40 at session 2, below 36" in low.explanation

    # The caseload's "Felt pushed or overridden" finds Ada; it says Pushed, not Repaired.
    assert [r.client.pk for r in caseload_for(therapist_a, kind="pushed_or_overridden")] == [
        client.pk
    ]
    http = login(therapist_a)
    caseload = text(http.get("/caseload/", {"kind": "pushed_or_overridden"}).content.decode())
    assert "Ada A." in caseload and "Pushed" in caseload and "Repaired" not in caseload

    # The client page: both under "Needs attention", no "Good news".
    panel = monitoring_panel(http.get(f"/clients/{client.pk}/").content.decode())
    assert "Needs attention" in panel and intro in panel
    assert "Good news" not in panel and "Alliance repaired" not in panel


def test_acknowledged_late_answers_stop_showing_and_are_not_raised_again(therapist_a, ada):
    client, episode, held, now = ada
    answer_late(ada, 3, 2, 1, 2, pushed=2)
    for alert in active(episode).values():
        services.alert_acknowledge(actor=therapist_a, alert=alert, now=now)

    result = recompute_alerts(now=now)
    assert result.resolved == 2 and result.created == 1
    # Seen, the late answer gives way to what the ratings say now: 36 back at session 3.
    assert set(active(episode)) == {"alliance_repaired"}
    seen = Alert.objects.filter(episode=episode, signal_key__contains=":late:")
    assert {(a.kind, a.status) for a in seen} == {
        ("pushed_or_overridden", AlertStatus.RESOLVED),
        ("alliance_low", AlertStatus.RESOLVED),
    }
    assert all(a.acknowledged_by == therapist_a for a in seen)
    assert caseload_for(therapist_a, kind="pushed_or_overridden") == []

    # Nothing is raised again, however often it is recomputed.
    before = rows(episode)
    for later in (now, now + dt.timedelta(days=1)):
        again = recompute_alerts(now=later)
        assert (again.created, again.reopened, again.resolved) == (0, 0, 0)
        assert rows(episode) == before


def test_another_late_answer_after_one_was_seen_is_raised(therapist_a, ada):
    client, episode, held, now = ada
    answer_late(ada, 3, 2, 1, 2, pushed=2)
    for alert in active(episode).values():
        services.alert_acknowledge(actor=therapist_a, alert=alert, now=now)
    recompute_alerts(now=now)
    # The client answers about session 2 again on a later day (a correction): new news.
    # A day after the first late answer, not "tomorrow less an hour", which is the same
    # day when the test runs in the first hour after midnight.
    tomorrow = now + dt.timedelta(days=1)
    record(
        client,
        CHECKIN,
        checkin_answers(9, 9, 9, 9, pushed=1),
        at=tomorrow,
        appointment=held[1],
    )
    recompute_alerts(now=tomorrow + HOUR)
    pushed = active(episode)["pushed_or_overridden"]
    assert pushed.status == AlertStatus.OPEN and pushed.acknowledged_at is None
    assert pushed.evidence["answer"] == "a little" and pushed.severity == "low"
    assert "alliance_low" not in active(episode)


def test_a_late_high_answer_without_pushed_changes_nothing(ada):
    client, episode, held, now = ada
    before = rows(episode)
    answer_late(ada, 9, 9, 9, 9, pushed=0)
    assert rows(episode) == before == set()


def test_a_late_pushed_answer_goes_before_the_latest_one_then_gives_way_once_seen(therapist_a, ada):
    """Session 3's own "a little" was raised and acknowledged; a late "yes" about session 2
    takes the alert, unacknowledged; once seen, session 3's answer holds the alert again on
    a new row, acknowledged as it was before (until 2026-12-07 it opened again: noise), and
    the late answer's row stays closed as seen."""
    client, episode, held, now = ada
    record(
        client,
        CHECKIN,
        checkin_answers(9, 9, 9, 9, pushed=1),
        at=held[2].starts_at + 2 * HOUR,
        appointment=held[2],
    )
    recompute_alerts(now=now)
    on_time = active(episode)["pushed_or_overridden"]
    assert on_time.session == 3 and not on_time.evidence.get("late")
    services.alert_acknowledge(actor=therapist_a, alert=on_time, now=now)

    answer_late(ada, 9, 9, 9, 9, pushed=2)
    late = active(episode)["pushed_or_overridden"]
    assert late.pk == on_time.pk and late.session == 2 and late.evidence["late"] is True
    assert late.status == AlertStatus.OPEN and late.acknowledged_at is None  # not seen yet

    services.alert_acknowledge(actor=therapist_a, alert=late, now=now)
    recompute_alerts(now=now)
    late.refresh_from_db()
    assert late.status == AlertStatus.RESOLVED and ":late:2:" in late.signal_key
    now_holding = active(episode)["pushed_or_overridden"]
    assert now_holding.pk != late.pk and now_holding.session == 3
    assert now_holding.status == AlertStatus.ACKNOWLEDGED
    before = rows(episode)
    assert recompute_alerts(now=now).created == 0 and rows(episode) == before


def test_acknowledging_on_the_page_closes_the_late_answer_at_once(
    login, therapist_a, ada, django_capture_on_commit_callbacks
):
    """No wait for the periodic recompute: once seen, the alert closes and the repair the
    late answer held back is good news again."""
    client, episode, held, now = ada
    answer_late(ada, 3, 2, 1, 2, pushed=2)
    http = login(therapist_a)
    pushed = active(episode)["pushed_or_overridden"]
    with django_capture_on_commit_callbacks(execute=True):
        response = http.post(f"/alerts/{pushed.pk}/acknowledge/", as_shown(pushed))
    assert response.status_code == 302
    pushed.refresh_from_db()
    assert pushed.status == AlertStatus.RESOLVED and pushed.acknowledged_by == therapist_a
    assert set(active(episode)) == {"alliance_low"}  # still unseen: no good news yet
    assert caseload_for(therapist_a, kind="pushed_or_overridden") == []

    low = active(episode)["alliance_low"]
    with django_capture_on_commit_callbacks(execute=True):
        http.post(
            f"/alerts/{low.pk}/dismiss/", as_shown(low, {"reason": "Talked it through today"})
        )
    assert set(active(episode)) == {"alliance_repaired"}
    panel = monitoring_panel(http.get(f"/clients/{client.pk}/").content.decode())
    assert "No alerts need action" in panel and "Good news" in panel
    assert "after the one about session 3 had been counted" not in panel
