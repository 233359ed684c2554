"""The page that shows a new link: created by a POST, shown by a GET (POST/redirect/GET).

Reloading the page must never create a second link, which would revoke the one the client
already holds (their open form would fail with "This link cannot be used") or email again.
"""

from __future__ import annotations

import re

import pytest
from django.conf import settings as django_settings
from django.contrib.sessions.models import Session
from django.core import mail
from tests.checkins._helpers import PHQ9_ZERO, appointment_of, open_and_answer
from tests.conftest import CANARY

from rapport.audit.models import AuditEvent
from rapport.checkins.models import CheckIn
from rapport.checkins.tokens import hash_token

LINK_FORM = {"instrument": "phq9", "timing": "before", "mode": "link"}


def create(http, client, **extra):
    return http.post(
        f"/appointments/{appointment_of(client, past=False).pk}/checkins/new/",
        {**LINK_FORM, **extra},
    )


def shown_token(page: str) -> str | None:
    match = re.search(r'value="[^"]*/c/([A-Za-z0-9_-]+)/"', page)
    return match.group(1) if match else None


@pytest.mark.django_db
def test_creating_a_link_redirects_to_a_page_that_shows_it(login, therapist_a, client_a):
    http = login(therapist_a)
    response = create(http, client_a)
    checkin = CheckIn.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/checkins/{checkin.pk}/link/"
    page = http.get(response["Location"])
    assert page.status_code == 200
    token = shown_token(page.content.decode())
    assert token is not None and hash_token(token) == checkin.token_hash


@pytest.mark.django_db
def test_reloading_the_link_page_creates_nothing_and_keeps_the_shared_link_working(
    login, therapist_a, client_a, client
):
    http = login(therapist_a)
    location = create(http, client_a)["Location"]
    first = shown_token(http.get(location).content.decode())
    again = shown_token(http.get(location).content.decode())
    assert first is not None and again == first
    checkin = CheckIn.objects.get()
    assert checkin.revoked_at is None
    assert checkin.status_now == "open"


@pytest.mark.django_db
def test_with_email_ticked_reloading_the_page_sends_no_second_email(
    login, therapist_a, client_a, settings
):
    settings.EMAIL_CONFIGURED = True
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    http = login(therapist_a)
    location = create(http, client_a, email="on")["Location"]
    for _ in range(2):
        page = http.get(location).content.decode()
        assert "The link was emailed to the client." in page
    assert len(mail.outbox) == 1
    assert CheckIn.objects.count() == 1


@pytest.mark.django_db
def test_a_failed_email_is_reported_on_the_link_page(login, therapist_a, client_a, settings):
    settings.EMAIL_CONFIGURED = True
    client_a.email = ""
    client_a.save()
    http = login(therapist_a)
    page = http.get(create(http, client_a, email="on")["Location"]).content.decode()
    assert "The email could not be sent." in page
    assert "The link was emailed" not in page
    assert shown_token(page) is not None


@pytest.mark.django_db
def test_the_raw_token_is_kept_only_encrypted_in_the_server_side_session(
    login, therapist_a, client_a
):
    # A signed-cookie session would hand the credential to the browser in a cookie.
    assert django_settings.SESSION_ENGINE == "django.contrib.sessions.backends.db"
    http = login(therapist_a)
    response = create(http, client_a)
    token = shown_token(http.get(response["Location"]).content.decode())
    assert token is not None
    for cookie in http.cookies.values():
        assert token not in cookie.value
    stored = [s.get_decoded() for s in Session.objects.all()]
    assert stored and token not in repr(stored)
    assert token not in repr([s.session_data for s in Session.objects.all()])


@pytest.mark.django_db
def test_the_link_page_is_audited_as_a_read(login, therapist_a, client_a):
    http = login(therapist_a)
    location = create(http, client_a)["Location"]
    checkin = CheckIn.objects.get()
    assert AuditEvent.objects.filter(
        target=f"checkin:{checkin.pk}:phq9:link", client_id=client_a.pk
    ).exists()
    http.get(location)
    assert AuditEvent.objects.filter(
        target="page:checkin_link", client_id=client_a.pk, actor=therapist_a, path=location
    ).exists()


@pytest.mark.django_db
def test_the_link_is_shown_only_to_the_user_who_created_it(
    login, therapist_a, supervisor, therapist_b, client_a, client
):
    http = login(therapist_a)
    location = create(http, client_a)["Location"]
    token = shown_token(http.get(location).content.decode())
    # The supervisor may see the check-in, but never the link itself.
    page = login(supervisor).get(location)
    assert page.status_code == 200
    assert token not in page.content.decode() and shown_token(page.content.decode()) is None
    outside = login(therapist_b).get(location)
    assert outside.status_code == 404
    assert CANARY not in outside.content.decode()


@pytest.mark.django_db
def test_without_the_token_in_the_session_the_page_offers_a_new_link_with_a_warning(
    login, therapist_a, client_a, client
):
    http = login(therapist_a)
    location = create(http, client_a)["Location"]
    token = shown_token(http.get(location).content.decode())
    client.logout()  # a new session: the link is no longer held anywhere
    page = login(therapist_a).get(location).content.decode()
    assert token not in page and shown_token(page) is None
    assert "was shown once" in page
    assert "stop working" in page
    assert f'action="/appointments/{appointment_of(client_a, past=False).pk}/checkins/new/"' in page
    assert 'name="instrument" value="phq9"' in page and 'name="mode" value="link"' in page
    assert CheckIn.objects.count() == 1


@pytest.mark.django_db
def test_once_the_link_is_answered_the_page_no_longer_shows_it(login, therapist_a, client_a):
    from django.test import Client

    http = login(therapist_a)
    location = create(http, client_a)["Location"]
    token = shown_token(http.get(location).content.decode())
    assert open_and_answer(Client(), token, PHQ9_ZERO).status_code == 200
    page = http.get(location).content.decode()
    assert token not in page
    assert "Answered" in page
    assert str(CheckIn.objects.get().pk) not in repr(dict(http.session).get("checkin_links", {}))


@pytest.mark.django_db
def test_a_revoked_link_is_no_longer_shown(login, therapist_a, client_a):
    http = login(therapist_a)
    location = create(http, client_a)["Location"]
    token = shown_token(http.get(location).content.decode())
    http.post(f"/checkins/{CheckIn.objects.get().pk}/revoke/")
    page = http.get(location).content.decode()
    assert token not in page and "Revoked" in page
