"""The emailed link and the link page's Share… text say how many questions the client is
asked and about how long they take, from the questionnaire itself: every message said "It
takes a minute or two", even for the 18-question C-NIP."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.core import mail
from django.utils import timezone
from django.utils.formats import date_format
from tests.checkins._helpers import appointment_of

from rapport.checkins.models import CheckIn
from rapport.checkins.services import minutes_to_answer
from rapport.measures.registry import get_instrument


@pytest.mark.parametrize(
    ("instrument_id", "minutes"),
    [("session-checkin", 1), ("ors", 1), ("gad7", 2), ("phq9", 2), ("core10", 3), ("cnip", 5)],
)
def test_the_time_grows_with_the_questions_to_answer(instrument_id, minutes):
    assert minutes_to_answer(get_instrument(instrument_id)) == minutes


def _create(http, client, instrument_id: str, **extra):
    return http.post(
        f"/appointments/{appointment_of(client).pk}/checkins/new/",
        {"instrument": instrument_id, "timing": "after", "mode": "link", **extra},
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("instrument_id", "invitation"),
    [
        (
            "cnip",
            "Your therapist would like you to answer 18 questions. It takes about 5 minutes.",
        ),
        (
            "session-checkin",
            "Your therapist would like you to answer 5 questions. It takes about a minute.",
        ),
        ("phq9", "Your therapist would like you to answer 9 questions. It takes about 2 minutes."),
    ],
)
def test_the_email_and_the_share_text_say_how_many_questions_and_how_long(
    login, therapist_a, client_a, settings, instrument_id, invitation
):
    settings.EMAIL_CONFIGURED = True
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    http = login(therapist_a)
    location = _create(http, client_a, instrument_id, email="on")["Location"]
    body = mail.outbox[0].body
    assert invitation in body
    assert "minute or two" not in body
    page = http.get(location).content.decode()
    shared = re.search(r'data-share-text="([^"]*)"', page)
    assert shared, "the link page carries the Share… text"
    expires = date_format(timezone.localtime(CheckIn.objects.get().expires_at), "j M Y, H:i")
    assert unescape(shared.group(1)) == f"{invitation} The link works once and until {expires}."
