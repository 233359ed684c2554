"""The client page says who acknowledged, snoozed, dismissed or acted on an alert, and when.

A walkthrough found a supervisor's acknowledgement shown to the therapist as a bare
"Acknowledged", and the supervisor's logged actions under "What you did".
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from rapport.guidance.models import Strategy
from rapport.guidance.services import library_load
from rapport.monitoring.models import Alert
from rapport.monitoring.tasks import recompute_alerts
from tests.monitoring.db.helpers import as_shown, checkins, make_episode, outcomes

pytestmark = pytest.mark.django_db


@pytest.fixture
def morgan(supervisor):
    supervisor.full_name = "Morgan Lee"
    supervisor.save()
    return supervisor


@pytest.fixture
def alerts(therapist_a):
    """A client with a rupture, a low alliance and a worsening PHQ-9 (wall clock: the pages
    read "today" from it)."""
    now = timezone.now()
    client, episode, held = make_episode(
        therapist_a, "Rupture R.", sessions=6, now=now, goals=("Go back to my evening class",)
    )
    checkins(client, held, [38, 38, 37, (6, 8, 8), (7, 8, 8), (7, 8, 8)])
    outcomes(client, held, [8, 10, 12, 14, 16, 18])
    recompute_alerts(now=now)
    library_load(clinic=client.clinic)
    by_kind = {a.kind: a for a in Alert.objects.filter(episode=episode)}
    assert {"alliance_rupture", "alliance_low"} <= set(by_kind)
    return client, by_kind


def _card(page: str, alert: Alert) -> str:
    card = page[page.index(f'id="alert-{alert.pk}"') :]
    return card[: card.index("</article>")]


def _noted(words: str, card: str) -> bool:
    """``words`` dated today, as the card says it ("Noted by you, 8 Dec."), or yesterday:
    a test run across midnight records the action before it and reads the card after."""
    today = timezone.localdate()
    days = (today, today - dt.timedelta(days=1))
    return any(f"{words}, {day.day} {day:%b}." in card for day in days)


def _log(http, alert, note, strategy=None):
    response = http.post(
        f"/alerts/{alert.pk}/action/",
        as_shown(
            alert,
            {
                "strategy": strategy.pk if strategy else "",
                "note": note,
                "performed_on": timezone.localdate().isoformat(),
            },
        ),
    )
    assert response.status_code == 302


def test_the_therapist_sees_who_acknowledged_and_who_acted(
    login, therapist_a, morgan, alerts, client
):
    person, by_kind = alerts
    rupture, low = by_kind["alliance_rupture"], by_kind["alliance_low"]
    assert (
        login(morgan).post(f"/alerts/{rupture.pk}/acknowledge/", as_shown(rupture)).status_code
        == 302
    )
    strategy = Strategy.objects.get(clinic=person.clinic, slug="name-the-rupture")
    _log(client, rupture, "Raised it in supervision.", strategy)
    client.logout()
    http = login(therapist_a)
    _log(http, low, "Asked what would fit better.")

    page = http.get(f"/clients/{person.pk}/").content.decode()
    card = _card(page, rupture)
    # Morgan acknowledged and acted the same day: the action's line names them once.
    assert _noted("Action logged by Morgan Lee (supervisor)", card)
    assert "<h5>What was done</h5>" in card and "<h5>What you did</h5>" not in card
    day = timezone.localdate().strftime("%-d %b %Y")
    assert f"{day}, by Morgan Lee (supervisor): " in card
    # The therapist's own action reads as theirs, not as a click on Acknowledge.
    own = _card(page, low)
    assert _noted("Action logged by you", own) and "Acknowledged" not in own
    assert "<h5>What you did</h5>" in own and f"{day}, by you: in your own words" in own
    log = page[page.index("Repair log") :]
    assert f"{day}, by Morgan Lee (supervisor) · Alliance rupture: " in log
    assert f"{day}, by you · Alliance below threshold: in your own words" in log

    # The supervisor reading the same page sees it the other way round.
    http.logout()
    seen_by_morgan = _card(login(morgan).get(f"/clients/{person.pk}/").content.decode(), low)
    assert "Action logged by Therapist.A (therapist)" in seen_by_morgan
    assert "<h5>What was done</h5>" in seen_by_morgan


def test_a_snooze_and_a_dismissal_say_who_and_when(login, therapist_a, morgan, alerts):
    person, by_kind = alerts
    rupture, low = by_kind["alliance_rupture"], by_kind["alliance_low"]
    http = login(morgan)
    until = timezone.localdate() + timezone.timedelta(days=14)
    assert (
        http.post(
            f"/alerts/{rupture.pk}/snooze/", as_shown(rupture, {"until": until.isoformat()})
        ).status_code
        == 302
    )
    assert (
        http.post(
            f"/alerts/{low.pk}/dismiss/", as_shown(low, {"reason": "Talked it through"})
        ).status_code
        == 302
    )
    http.logout()
    http = login(therapist_a)
    page = http.get(f"/clients/{person.pk}/").content.decode()
    assert _noted("Snoozed by Morgan Lee (supervisor)", _card(page, rupture))
    closed = http.get(f"/alerts/{low.pk}/acknowledge/").content.decode()
    assert _noted("Dismissed by Morgan Lee (supervisor)", closed)


def test_the_page_reads_the_same_number_of_queries_however_many_people_acted(
    login, therapist_a, morgan, alerts, client
):
    person, by_kind = alerts
    kinds = sorted(by_kind)
    http = login(therapist_a)
    until = (timezone.localdate() + timezone.timedelta(days=7)).isoformat()
    # Few: one acknowledgement, one action, one snooze.
    http.post(f"/alerts/{by_kind[kinds[0]].pk}/acknowledge/", as_shown(by_kind[kinds[0]]))
    _log(http, by_kind[kinds[0]], "First step.")
    http.post(
        f"/alerts/{by_kind[kinds[1]].pk}/snooze/", as_shown(by_kind[kinds[1]], {"until": until})
    )
    http.get(f"/clients/{person.pk}/")  # warm the caches (registry, library)
    with CaptureQueriesContext(connection) as few:
        http.get(f"/clients/{person.pk}/")
    # Many: every alert acted on, by two people, several times.
    http.logout()
    http = login(morgan)
    for kind in kinds[2:]:
        http.post(f"/alerts/{by_kind[kind].pk}/acknowledge/", as_shown(by_kind[kind]))
    for kind in kinds:
        if by_kind[kind].is_positive:
            continue
        for n in range(3):
            _log(http, by_kind[kind], f"Step {n} by the supervisor.")
    http.logout()
    http = login(therapist_a)
    with CaptureQueriesContext(connection) as many:
        page = http.get(f"/clients/{person.pk}/").content.decode()
    assert page.count("by Morgan Lee (supervisor)") >= 6
    assert len(many.captured_queries) == len(few.captured_queries)


def test_the_evidence_reads_in_plain_words_on_the_page(login, therapist_a, alerts):
    person, by_kind = alerts
    page = login(therapist_a).get(f"/clients/{person.pk}/").content.decode()
    evidence = _card(page, by_kind["alliance_low"])
    evidence = evidence[evidence.index('class="facts"') : evidence.index("</dl>")]
    pairs = dict(re.findall(r"<dt>(.*?)</dt><dd>(.*?)</dd>", evidence))
    assert pairs["Measure"] == "After-session check-in (Check-in)"
    assert pairs["Parts"] == "Goals 7, Tasks 8, Bond 8, Overall 8"
    assert "Subscales" not in pairs and "Instrument" not in pairs
    assert "session-checkin" not in evidence and "bond:" not in evidence


def test_good_news_reads_as_noted_by_whoever_noted_it(login, therapist_a, morgan, good_news):
    person, recovered = good_news
    assert (
        login(morgan).post(f"/alerts/{recovered.pk}/acknowledge/", as_shown(recovered)).status_code
        == 302
    )
    page = login(therapist_a).get(f"/clients/{person.pk}/").content.decode()
    assert _noted("Noted by Morgan Lee (supervisor)", _card(page, recovered))


@pytest.fixture
def good_news(therapist_a):
    now = timezone.now()
    client, episode, held = make_episode(therapist_a, "Better B.", sessions=5, now=now)
    checkins(client, held, [38] * 5)
    outcomes(client, held, [16, 12, 9, 6, 4])
    recompute_alerts(now=now)
    return client, Alert.objects.get(episode=episode, kind="recovered")
