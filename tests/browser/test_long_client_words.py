"""Words a client or therapist typed, shown on the client page on a 390 CSS px phone: a long
web address or a pasted token without spaces wraps inside its box instead of widening the
whole page (exploratory test: a ~100-character URL in "What could we do differently?" made
the page 494 px wide, a 2,000-character token 19,873 px)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from tests.browser._helpers import assert_no_sideways_scroll, sign_in
from tests.checkins._helpers import CHECKIN_ANSWERS, record_answer
from tests.monitoring.db.helpers import checkins, make_episode

from rapport.clinic.models import Episode, Goal
from rapport.monitoring.models import Alert
from rapport.monitoring.services import alert_log_action
from rapport.monitoring.tasks import recompute_alerts

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TOKEN = "x" * 2000
# About 100 characters, with no hyphen or space where a line could break.
URL = "https://www.example.org/articles/WhatTheClientReadAboutSleepAndWorry/index.html?utm_source=share"


def overflowing(page) -> list[str]:
    """The elements in the page's main content that stick out past the 390 px phone."""
    return page.evaluate(
        """() => [...document.querySelectorAll('main *')]
            .filter(e => e.getBoundingClientRect().right > 391)
            .filter(e => !e.closest('.table-wrap, .sr-only'))
            .map(e => e.tagName.toLowerCase() + (e.className ? '.' + e.className : ''))"""
    )


@pytest.mark.parametrize("comment", [TOKEN, f"Could you read this? {URL}"], ids=["token", "url"])
def test_a_long_comment_wraps_on_a_phone(phone_page, live_server, therapist_a, client_a, comment):
    answers = {**{k: int(v) for k, v in CHECKIN_ANSWERS.items() if v}, "differently": comment}
    record_answer(client_a, "session-checkin", answers, key="long", ago=timedelta(days=6))
    sign_in(phone_page, live_server, therapist_a)
    phone_page.goto(f"{live_server.url}/clients/{client_a.pk}/")
    shown = phone_page.locator("ul.comments q")
    assert shown.inner_text() == comment  # broken over lines on screen, never cut
    assert shown.evaluate("q => q.getClientRects().length") > 1
    assert_no_sideways_scroll(phone_page)
    assert overflowing(phone_page) == []


def test_goals_referral_and_ending_summary_wrap_on_a_phone(
    phone_page, live_server, therapist_a, client_a
):
    current = client_a.episodes.get()
    Goal.objects.create(episode=current, text=TOKEN)
    current.referral_source = URL + TOKEN
    current.save()
    ended = Episode.objects.create(
        client=client_a,
        started_on=timezone.localdate() - timedelta(days=400),
        ended_on=timezone.localdate() - timedelta(days=200),
        phase="closed",
        end_reason="planned",
        referral_source=TOKEN,
        ending_summary=f"Planned ending. {TOKEN}",
    )
    Goal.objects.create(episode=ended, text=URL + TOKEN)
    sign_in(phone_page, live_server, therapist_a)
    phone_page.goto(f"{live_server.url}/clients/{client_a.pk}/")
    assert phone_page.get_by_text(TOKEN, exact=True).count() == 2  # goal, past referral
    assert_no_sideways_scroll(phone_page)
    assert overflowing(phone_page) == []


def test_a_long_repair_note_wraps_on_a_phone(phone_page, live_server, therapist_a):
    # Six weekly sessions up to yesterday, the alliance falling from 38 to 29 at session 4.
    client, episode, held = make_episode(therapist_a, "Rupture R.", sessions=6, now=timezone.now())
    checkins(client, held, [38, 38, 37, 29, 30, 30])
    recompute_alerts()
    alert = Alert.objects.get(episode=episode, kind="alliance_rupture")
    alert_log_action(actor=therapist_a, alert=alert, note=f"Read together: {URL}{TOKEN[:1500]}")
    sign_in(phone_page, live_server, therapist_a)
    phone_page.goto(f"{live_server.url}/clients/{client.pk}/")
    logs = phone_page.locator("ul.repair-log").all_inner_texts()  # the alert's, the panel's
    assert len(logs) == 2 and all(URL in log for log in logs)
    assert_no_sideways_scroll(phone_page)
    assert overflowing(phone_page) == []
