"""A password reset asked for an address with no account sends nothing, and the page
answers exactly as it does for a staff member's address.

allauth's default mailed the unknown address an "Unknown Account" mail inviting them to
sign up, at a sign-up page that says "Sign Up Closed": a dead end for a clinician who
mistyped their address, and a way for anyone to make the server mail any address.
"""

from __future__ import annotations

import pytest


@pytest.fixture
def reset_by_mail(settings):
    settings.PASSWORD_RESET_BY_EMAIL = True
    return settings


def _done_page(client, email: str) -> str:
    response = client.post("/accounts/password/reset/", {"email": email}, follow=True)
    assert response.redirect_chain[-1][0] == "/accounts/password/reset/done/"
    return response.content.decode()


@pytest.mark.django_db
def test_an_unknown_address_gets_no_mail(client, reset_by_mail, mailoutbox):
    _done_page(client, "nobody@test.invalid")
    assert mailoutbox == []


@pytest.mark.django_db
def test_the_page_answers_the_same_for_a_known_and_an_unknown_address(
    client, therapist_a, reset_by_mail, mailoutbox
):
    unknown = _done_page(client, "nobody@test.invalid")
    known = _done_page(client, therapist_a.email)
    assert known == unknown
    # The staff member's own address still gets its link.
    [mail] = mailoutbox
    assert mail.to == [therapist_a.email]
    assert "/accounts/password/reset/key/" in mail.body
    assert "sign up" not in mail.body.lower()
