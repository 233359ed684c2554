"""A score answered on another day than the session it is placed at says so on monitoring's
pages, as the check-ins table does ("(answered 2 Dec)"): in the numbers table, the charts'
text and under an alert naming that session. Scores answered on their session's day read
as before."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
from django.utils import timezone

from rapport.monitoring.answered import alert_answered_apart
from rapport.monitoring.instruments import CHECKIN
from rapport.monitoring.models import Alert
from rapport.monitoring.series import load_episode_series
from rapport.monitoring.tasks import recompute_alerts
from tests.monitoring.db.helpers import checkin_answers, make_episode, outcome_answers, record

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("hooks_off")]


def yesterday_noon() -> dt.datetime:
    """Sessions at noon: an answer an hour before or after one stays on its day whenever
    the test runs."""
    today = timezone.localdate()
    return timezone.make_aware(dt.datetime.combine(today - dt.timedelta(days=1), dt.time(12)))


def day(moment) -> str:
    local = timezone.localdate(moment) if isinstance(moment, dt.datetime) else moment
    return f"{local.day} {local:%b}"


@pytest.fixture
def late_rating(therapist_a):
    """Five weekly sessions; the check-in about session 4 answered three days after it (a
    rupture: 12 after 36s), none yet about session 5; each PHQ-9 an hour before its session
    except session 5's, answered two days before it."""
    now = yesterday_noon()
    client, episode, held = make_episode(therapist_a, "Late Lou", sessions=5, now=now)
    for index, appointment in enumerate(held[:4]):
        late = index == 3
        record(
            client,
            CHECKIN,
            checkin_answers(3, 3, 3, 3) if late else checkin_answers(9, 9, 9, 9),
            at=appointment.starts_at + (dt.timedelta(days=3) if late else dt.timedelta(hours=1)),
            appointment=appointment,
        )
    for index, (appointment, total) in enumerate(zip(held, [18, 17, 16, 19, 20], strict=True)):
        early = index == 4
        record(
            client,
            "phq9",
            outcome_answers("phq9", total),
            at=appointment.starts_at - (dt.timedelta(days=2) if early else dt.timedelta(hours=1)),
            appointment=appointment,
        )
    recompute_alerts(now=now)
    return client, episode, held


def table_row(page: str, session: int) -> list[str]:
    table = page[page.index('class="monitoring-table"') :]
    table = table[: table.index("</table>")]
    row = re.search(rf'<th scope="row">{session}</th>(.*?)</tr>', table, re.S)
    assert row is not None
    return [
        html.unescape(re.sub(r"<[^>]+>", "", c))
        for c in re.findall(r"<td>(.*?)</td>", row.group(1), re.S)
    ]


def alts(page: str) -> list[str]:
    return [html.unescape(a) for a in re.findall(r'<figure><img src="[^"]*" alt="([^"]*)"', page)]


def test_the_numbers_table_says_when_a_score_was_answered_on_another_day(
    login, therapist_a, late_rating
):
    client, _episode, held = late_rating
    page = login(therapist_a).get(f"/clients/{client.pk}/").content.decode()

    # Session, date, PHQ-9, PHQ-9 expected, alliance, goals, tasks, bond, pushed, events.
    fourth = table_row(page, 4)
    assert fourth[0] == f"{timezone.localdate(held[3].starts_at):%d %b %Y}"
    assert fourth[1] == "19"  # answered an hour before the session: nothing to say
    assert fourth[3] == f"12 (answered {day(held[3].starts_at + dt.timedelta(days=3))})"
    fifth = table_row(page, 5)
    assert fifth[1] == f"20 (answered {day(held[4].starts_at - dt.timedelta(days=2))})"
    assert table_row(page, 3)[3] == "36"

    alliance = next(a for a in alts(page) if a.startswith("Alliance"))
    late = day(held[3].starts_at + dt.timedelta(days=3))
    assert f"session 3: 36, session 4: 12 (answered {late})." in alliance
    outcome = next(a for a in alts(page) if a.startswith("PHQ-9"))
    early = day(held[4].starts_at - dt.timedelta(days=2))
    assert f"session 4: 19, session 5: 20 (answered {early})." in outcome
    parts = next(a for a in alts(page) if a.startswith("Goals"))
    assert f"session 4: Goals 3, Tasks 3, Bond 3 (answered {late})" in parts


def test_an_alert_naming_a_session_says_its_score_was_answered_on_another_day(
    login, therapist_a, late_rating
):
    client, episode, held = late_rating
    rupture = Alert.objects.get(episode=episode, kind="alliance_rupture")
    assert rupture.session == 4
    page = login(therapist_a).get(f"/clients/{client.pk}/").content.decode()
    card = page[page.index(f'id="alert-{rupture.pk}"') :]
    card = html.unescape(card[: card.index("</article>")])

    assert (
        f"The Check-in for session 4 ({day(held[3].starts_at)}) was answered on "
        f"{day(held[3].starts_at + dt.timedelta(days=3))}." in card
    )
    # The same on the alert's own pages.
    form_page = html.unescape(
        login(therapist_a).get(f"/alerts/{rupture.pk}/acknowledge/").content.decode()
    )
    assert f"The Check-in for session 4 ({day(held[3].starts_at)}) was answered on" in form_page


def test_an_alert_whose_scores_were_answered_on_their_sessions_day_says_nothing_more(
    login, therapist_a
):
    now = yesterday_noon()
    client, episode, held = make_episode(therapist_a, "Prompt Pat", sessions=4, now=now)
    for appointment, parts in zip(held, [(9, 9, 9, 9)] * 3 + [(3, 3, 3, 3)], strict=True):
        record(
            client,
            CHECKIN,
            checkin_answers(*parts),
            at=appointment.starts_at + dt.timedelta(hours=1),
            appointment=appointment,
        )
    recompute_alerts(now=now)
    assert Alert.objects.filter(episode=episode, kind="alliance_rupture").exists()
    page = login(therapist_a).get(f"/clients/{client.pk}/").content.decode()
    assert "answered-apart" not in page
    assert "(answered" not in page


def test_a_score_since_replaced_is_not_dated_for_the_alert(therapist_a, late_rating):
    # The series as it is now no longer holds the alert's score at that session (the
    # client answered again, say): the day it was answered says nothing about the alert's.
    _client, episode, _held = late_rating
    rupture = Alert.objects.get(episode=episode, kind="alliance_rupture")
    series = load_episode_series(episode)
    assert [n.session for n in alert_answered_apart(rupture, series)] == [4]
    rupture.evidence = {**rupture.evidence, "score": 30}
    assert alert_answered_apart(rupture, series) == []
