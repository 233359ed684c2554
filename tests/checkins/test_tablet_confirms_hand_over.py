"""Tablet mode asks first when it would revoke the link sent to the client, or take a second
answer for the same session and questionnaire.

Review finding: pressing *Tablet* for a questionnaire and appointment whose link had been
sent to the client revoked that link without a word (it showed as Revoked under *Recent
links*): tablet mode goes straight to the questions and never shows the link page, which
says so. A session and questionnaire still take one live link at a time; the therapist is
now told which link stops working (or that the questionnaire was already answered, and the
newer answers would replace the earlier ones) and hands over only once they confirm.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from django.utils.formats import date_format
from tests.checkins._helpers import appointment_of, record_answer

from rapport.checkins.models import CheckIn, Mode, RevokedBecause
from rapport.checkins.services import checkin_create

PHQ9 = {f"phq9_{n}": 0 for n in range(1, 10)}
STOPS = "link made at {} for this session will stop working"
HAND_OVER = "/checkins/tablet/hand-over/?for="


def tablet_form(appointment, **extra):
    return (
        f"/appointments/{appointment.pk}/checkins/new/",
        {"instrument": "phq9", "timing": "before", "mode": "tablet", **extra},
    )


def confirm_value(page: str) -> str:
    return page.split('name="confirm" value="')[1].split('"')[0]


def asked_to_confirm(http, url, data):
    """POST the Tablet form; the question comes back on a GET page of its own
    (POST/redirect/GET); returns that page's response."""
    posted = http.post(url, data)
    assert posted.status_code == 302 and posted["Location"].startswith(HAND_OVER)
    return http.get(posted["Location"])


@pytest.mark.django_db
def test_the_sent_link_is_named_and_kept_until_the_therapist_confirms(login, therapist_a, client_a):
    upcoming = appointment_of(client_a, past=False)
    sent, _ = checkin_create(
        actor=therapist_a, appointment=upcoming, instrument_id="phq9", timing="before"
    )
    http = login(therapist_a)
    url, data = tablet_form(upcoming)

    asked = asked_to_confirm(http, url, data)
    page = asked.content.decode()
    assert asked.status_code == 200
    made = date_format(timezone.localtime(sent.created_at), "D j M, H:i")
    assert STOPS.format(made) in page
    assert "Hand the tablet over (the sent link stops working)" in page
    sent.refresh_from_db()
    assert sent.is_open(timezone.now()) and CheckIn.objects.count() == 1
    assert "_auth_user_id" in http.session, "nothing handed over yet"

    handed = http.post(url, {**data, "confirm": confirm_value(page)})
    assert handed.status_code == 302 and handed["Location"].startswith("/c/")
    sent.refresh_from_db()
    assert sent.revoked_because == RevokedBecause.REPLACED
    assert CheckIn.objects.filter(mode=Mode.TABLET, revoked_at__isnull=True).count() == 1


@pytest.mark.django_db
def test_a_link_made_meanwhile_asks_again(login, therapist_a, client_a):
    upcoming = appointment_of(client_a, past=False)
    checkin_create(actor=therapist_a, appointment=upcoming, instrument_id="phq9", timing="before")
    http = login(therapist_a)
    url, data = tablet_form(upcoming)
    confirmed = confirm_value(asked_to_confirm(http, url, data).content.decode())
    # A colleague's tab sends a new link before the confirmation arrives.
    newer, _ = checkin_create(
        actor=therapist_a, appointment=upcoming, instrument_id="phq9", timing="before"
    )
    again = asked_to_confirm(http, url, {**data, "confirm": confirmed})
    assert again.status_code == 200 and "will stop working" in again.content.decode()
    newer.refresh_from_db()
    assert newer.revoked_at is None


@pytest.mark.django_db
def test_an_answer_already_stored_is_said_to_be_replaced_before_handing_over(
    login, therapist_a, client_a
):
    upcoming = appointment_of(client_a, past=False)
    record_answer(client_a, "phq9", PHQ9, key="early", ago=timedelta(hours=2), appointment=upcoming)
    http = login(therapist_a)
    url, data = tablet_form(upcoming)
    page = asked_to_confirm(http, url, data).content.decode()
    assert "PHQ-9 was already answered for this appointment on" in page
    assert "the newer answers replace the earlier ones in Monitoring" in page
    assert not CheckIn.objects.exists()
    handed = http.post(url, {**data, "confirm": confirm_value(page)})
    assert handed.status_code == 302 and CheckIn.objects.count() == 1


@pytest.mark.django_db
def test_with_nothing_to_undo_the_tablet_opens_at_once(login, therapist_a, client_a):
    url, data = tablet_form(appointment_of(client_a, past=False))
    handed = login(therapist_a).post(url, data)
    assert handed.status_code == 302 and handed["Location"].startswith("/c/")


@pytest.mark.django_db
def test_a_link_with_the_link_mode_still_replaces_the_older_one_as_documented(
    login, therapist_a, client_a
):
    upcoming = appointment_of(client_a, past=False)
    sent, _ = checkin_create(
        actor=therapist_a, appointment=upcoming, instrument_id="phq9", timing="before"
    )
    url, data = tablet_form(upcoming, mode="link")
    created = login(therapist_a).post(url, data)
    assert created.status_code == 302 and "/link/" in created["Location"]
    sent.refresh_from_db()
    assert sent.revoked_because == RevokedBecause.REPLACED
