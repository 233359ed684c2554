"""A password-reset link works for one hour (Django's default is three days): it opens the
account to whoever holds it, and mail lingers in inboxes, forwards and backups."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from tests.conftest import PASSWORD

from rapport import settings as production

NEW_PASSWORD = "a-new-password-of-my-own-42"


def test_production_settings_keep_a_reset_link_for_one_hour():
    assert production.PASSWORD_RESET_TIMEOUT == 60 * 60


@pytest.fixture
def reset_link(client, therapist_a, settings, mailoutbox):
    settings.PASSWORD_RESET_BY_EMAIL = True
    client.post("/accounts/password/reset/", {"email": therapist_a.email})
    [link] = re.findall(r"https?://\S+", mailoutbox[0].body)
    return "/" + link.split("/", 3)[3]


def choose_password_later(client, monkeypatch, link, *, later):
    """Open the link and choose a new password ``later`` after the mail was sent (the
    token generator's clock; it is read when the token is made and when it is checked)."""
    sent = datetime.now()
    monkeypatch.setattr(PasswordResetTokenGenerator, "_now", lambda self: sent + later)
    page = client.get(link, follow=True)
    form_url = page.redirect_chain[-1][0] if page.redirect_chain else link
    client.post(form_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    return page.content.decode()


@pytest.mark.django_db
def test_a_reset_link_two_hours_old_is_refused_and_the_password_stays(
    client, therapist_a, reset_link, monkeypatch
):
    page = choose_password_later(client, monkeypatch, reset_link, later=timedelta(hours=2))
    assert 'name="password1"' not in page
    assert (
        "This link no longer works" in page
    )  # allauth said "The password reset link was invalid …"
    therapist_a.refresh_from_db()
    assert therapist_a.check_password(PASSWORD)
    assert not therapist_a.check_password(NEW_PASSWORD)


@pytest.mark.django_db
def test_a_reset_link_used_within_the_hour_sets_the_new_password(
    client, therapist_a, reset_link, monkeypatch
):
    page = choose_password_later(client, monkeypatch, reset_link, later=timedelta(minutes=55))
    assert 'name="password1"' in page
    therapist_a.refresh_from_db()
    assert therapist_a.check_password(NEW_PASSWORD)
