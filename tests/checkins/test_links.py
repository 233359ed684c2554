"""Check-in links: unguessable, stored as a hash, single use, expiring, bound to one client."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.db import connection
from tests.checkins._helpers import PHQ9_ZERO, appointment_of, form_key, make_link, open_and_answer
from tests.conftest import CANARY

from rapport.checkins.models import CheckIn
from rapport.checkins.services import FORM_GRACE
from rapport.checkins.tokens import hash_token
from rapport.measures.models import Response

FIXED = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def held_before_fixed(client):
    """Move the client's past appointment before FIXED: a link made at FIXED for a session
    still ahead would last until that session, not the configured hours."""
    appointment = appointment_of(client)
    appointment.starts_at = FIXED - timedelta(days=1)
    appointment.save()


@pytest.mark.django_db
def test_the_raw_token_is_never_stored_only_its_sha256(client_a):
    checkin, token = make_link(client_a)
    assert len(token) >= 43
    assert checkin.token_hash == hash_token(token) != token
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM checkins_checkin")
        rows = cursor.fetchall()
    assert token not in repr(rows)


@pytest.mark.django_db
def test_a_link_is_bound_to_one_client_appointment_and_instrument(client_a):
    checkin, _ = make_link(client_a, "session-checkin")
    assert checkin.client == client_a
    assert checkin.appointment == appointment_of(client_a)
    assert checkin.instrument_id == "session-checkin"
    assert checkin.expires_at - checkin.created_at == pytest.approx(
        timedelta(hours=72), abs=timedelta(seconds=5)
    )


@pytest.mark.django_db
def test_the_link_opens_the_questionnaire_without_an_account(client, client_a):
    _, token = make_link(client_a)
    page = client.get(f"/c/{token}/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "Patient Health Questionnaire-9" in body
    assert CANARY not in body, "the questionnaire does not name the client"


def _unavailable_body(response) -> str:
    return response.content.decode()


@pytest.mark.django_db
def test_a_tampered_link_gets_a_calm_page_that_reveals_nothing(client, client_a):
    _, token = make_link(client_a)
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    response = client.get(f"/c/{tampered}/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "This link cannot be used" in body
    assert CANARY not in body and "Test Clinic" not in body
    assert client.get("/c/short/").status_code == 404


@pytest.mark.django_db
def test_an_expired_link_is_refused_with_a_fixed_clock(client, client_a, monkeypatch):
    from django.utils import timezone

    held_before_fixed(client_a)
    _, token = make_link(client_a, now=FIXED)
    monkeypatch.setattr(timezone, "now", lambda: FIXED + timedelta(hours=71, minutes=59))
    assert client.get(f"/c/{token}/").status_code == 200
    key = form_key(client.get(f"/c/{token}/").content.decode())
    monkeypatch.setattr(timezone, "now", lambda: FIXED + timedelta(hours=72))
    expired = client.get(f"/c/{token}/")
    assert expired.status_code == 410
    assert "This link cannot be used" in expired.content.decode()
    # The form opened in time may be sent during the grace period (test_form_grace.py),
    # not after it.
    after_grace = FIXED + timedelta(hours=72) + FORM_GRACE + timedelta(seconds=1)
    monkeypatch.setattr(timezone, "now", lambda: after_grace)
    late = client.post(f"/c/{token}/", {**PHQ9_ZERO, "form_key": key})
    assert late.status_code == 410
    assert Response.objects.count() == 0


@pytest.mark.django_db
def test_a_used_link_is_refused_on_reuse(client, client_a):
    _, token = make_link(client_a)
    assert open_and_answer(client, token, PHQ9_ZERO).status_code == 200
    again = client.get(f"/c/{token}/")
    assert again.status_code == 410
    assert "Your answers were already sent" in again.content.decode()
    # A fresh form (new key) for the used link is refused too, and stores nothing.
    assert open_and_answer(client, token, PHQ9_ZERO, key="x" * 22).status_code == 410
    assert Response.objects.count() == 1


@pytest.mark.django_db
def test_tampered_and_expired_links_show_the_same_page(client, client_a):
    _, used = make_link(client_a)
    open_and_answer(client, used, PHQ9_ZERO)
    held_before_fixed(client_a)
    _, expired = make_link(client_a, "session-checkin", now=FIXED)
    # A used link says the answers arrived instead (test_already_sent.py).
    assert "Your answers were already sent" in client.get(f"/c/{used}/").content.decode()
    bodies = {
        _unavailable_body(client.get(f"/c/{expired}/")),
        _unavailable_body(client.get(f"/c/{'A' * 43}/")),
    }
    assert len(bodies) == 1
    body = bodies.pop()
    assert CANARY not in body and "Test Clinic" not in body and "Therapist" not in body


@pytest.mark.django_db
def test_a_new_link_for_the_same_appointment_and_instrument_revokes_the_old_one(client, client_a):
    old, old_token = make_link(client_a)
    _new, new_token = make_link(client_a)
    old.refresh_from_db()
    assert old.revoked_at is not None
    assert client.get(f"/c/{old_token}/").status_code == 410
    assert client.get(f"/c/{new_token}/").status_code == 200


@pytest.mark.django_db
def test_the_therapist_creates_a_link_and_sees_its_url_and_qr_codes(login, therapist_a, client_a):
    appointment = appointment_of(client_a, past=False)
    http = login(therapist_a)
    form = http.get(f"/appointments/{appointment.pk}/checkins/new/?timing=before")
    assert form.status_code == 200
    response = http.post(
        f"/appointments/{appointment.pk}/checkins/new/",
        {"instrument": "phq9", "timing": "before", "mode": "link"},
        follow=True,
    )
    assert response.status_code == 200
    page = response.content.decode()
    checkin = CheckIn.objects.get()
    token = page.split("/c/")[1].split("/")[0]
    assert hash_token(token) == checkin.token_hash
    assert 'src="data:image/svg+xml' in page and 'download="checkin-qr.svg"' in page
    assert 'href="data:image/png;base64,' in page and 'download="checkin-qr.png"' in page
    assert checkin.created_by == therapist_a


@pytest.mark.django_db
def test_another_therapist_cannot_create_a_link_for_my_client(login, therapist_b, client_a):
    appointment = appointment_of(client_a)
    response = login(therapist_b).post(
        f"/appointments/{appointment.pk}/checkins/new/",
        {"instrument": "phq9", "timing": "before", "mode": "link"},
    )
    assert response.status_code == 404
    assert not CheckIn.objects.exists()


@pytest.mark.django_db
def test_the_link_is_emailed_when_the_clinic_configured_email(
    login, therapist_a, client_a, settings
):
    settings.EMAIL_CONFIGURED = True
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    appointment = appointment_of(client_a, past=False)
    response = login(therapist_a).post(
        f"/appointments/{appointment.pk}/checkins/new/",
        {"instrument": "phq9", "timing": "before", "mode": "link", "email": "on"},
        follow=True,
    )
    assert "The link was emailed to the client." in response.content.decode()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["client@example.invalid"]
    assert "/c/" in message.body and CANARY not in message.body
    assert CheckIn.objects.get().emailed_at is not None


@pytest.mark.django_db
def test_without_email_configured_the_form_offers_no_email(login, therapist_a, client_a, settings):
    http = login(therapist_a)
    form_url = f"/appointments/{appointment_of(client_a).pk}/checkins/new/"
    settings.EMAIL_CONFIGURED = True
    assert 'name="email"' in http.get(form_url).content.decode()
    settings.EMAIL_CONFIGURED = False
    page = http.get(form_url).content.decode()
    assert 'name="instrument"' in page  # the same form, less the email box
    assert 'name="email"' not in page


@pytest.mark.django_db
def test_a_therapist_can_revoke_an_open_link(login, therapist_a, client, client_a):
    checkin, token = make_link(client_a)
    login(therapist_a).post(f"/checkins/{checkin.pk}/revoke/")
    checkin.refresh_from_db()
    assert checkin.revoked_at is not None
    client.logout()
    assert client.get(f"/c/{token}/").status_code == 410


@pytest.mark.django_db
def test_a_link_cannot_be_made_to_last_more_than_two_weeks(client_a):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="two weeks at most"):
        make_link(client_a, valid_for=timedelta(weeks=2, hours=1))
    assert not CheckIn.objects.exists()
    make_link(client_a, valid_for=timedelta(weeks=2))
