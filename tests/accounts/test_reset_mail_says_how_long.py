"""The password-reset mail says how long its link works, read from
settings.PASSWORD_RESET_TIMEOUT (one hour in production): whoever asked knows to use it
now, and that an old mail in the inbox no longer opens the account."""

from __future__ import annotations

import pytest


def reset_mail(client, user, mailoutbox) -> str:
    client.post("/accounts/password/reset/", {"email": user.email})
    [mail] = mailoutbox
    return mail.body


@pytest.fixture(autouse=True)
def _mail_on(settings):
    settings.PASSWORD_RESET_BY_EMAIL = True


@pytest.mark.django_db
def test_the_reset_mail_says_the_link_works_for_one_hour(client, therapist_a, mailoutbox, settings):
    settings.PASSWORD_RESET_TIMEOUT = 60 * 60
    body = reset_mail(client, therapist_a, mailoutbox)
    assert "The link works for one hour." in body
    # After the link it names, which is still there.
    assert body.index("/accounts/password/reset/key/") < body.index("one hour")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("timeout", "said"),
    [(2 * 60 * 60, "The link works for 2 hours."), (30 * 60, "The link works for 30 minutes.")],
)
def test_the_lifetime_said_follows_the_setting(
    client, therapist_a, mailoutbox, settings, timeout, said
):
    settings.PASSWORD_RESET_TIMEOUT = timeout
    body = reset_mail(client, therapist_a, mailoutbox)
    assert said in body
    assert "one hour" not in body
