"""Password-reset mail is addressed from settings.BASE_URL, never from the request's Host.

django.contrib.sites is not installed, so allauth builds the link (and names the site) from
the Host header. A "Forgot your password?" posted with a foreign Host that ALLOWED_HOSTS lets
through (".example.org" lets any subdomain through; "*" any name) mailed a real user a
reset link to that host, which then received the key: an account takeover.
"""

from __future__ import annotations

import re

import pytest
from django.urls import clear_script_prefix, set_script_prefix

BASE = "https://rapport.example.org"
FOREIGN = "evil.example.org"  # let through by ".example.org", as docs/configuration.md allows


@pytest.fixture
def reset_by_mail(settings):
    settings.PASSWORD_RESET_BY_EMAIL = True
    settings.BASE_URL = BASE
    settings.ALLOWED_HOSTS = [".example.org", "testserver"]
    return settings


def links(body: str) -> list[str]:
    return re.findall(r"https?://\S+", body)


def everything_in(mail) -> str:
    return "\n".join([mail.subject, mail.body, *(part for part, _ in mail.alternatives)])


@pytest.mark.django_db
def test_a_reset_posted_with_a_foreign_host_mails_a_link_on_the_base_url(
    client, therapist_a, reset_by_mail, mailoutbox
):
    client.post("/accounts/password/reset/", {"email": therapist_a.email}, HTTP_HOST=FOREIGN)
    [mail] = mailoutbox
    assert mail.to == [therapist_a.email]
    [link] = links(mail.body)
    assert link.startswith(f"{BASE}/accounts/password/reset/key/")
    # The site is named after BASE_URL in the subject and the greeting, never the Host.
    assert mail.subject.startswith("[rapport.example.org] ")
    assert "Hello from rapport.example.org!" in mail.body
    assert FOREIGN not in everything_in(mail)
    # The link works: its path opens the form to choose a new password.
    page = client.get(link.removeprefix(BASE), follow=True)
    assert 'name="password1"' in page.content.decode()


@pytest.mark.django_db
def test_a_reset_for_an_unknown_address_mails_nothing(client, reset_by_mail, mailoutbox):
    # allauth's default mailed an unknown address an invitation to sign up (closed here),
    # with a link of its own built from the request: settings.ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS.
    client.post("/accounts/password/reset/", {"email": "nobody@test.invalid"}, HTTP_HOST=FOREIGN)
    assert mailoutbox == []


@pytest.mark.django_db
def test_mounted_under_a_path_the_link_has_the_path_once(
    client, therapist_a, reset_by_mail, mailoutbox
):
    # Behind a proxy at https://example.org/rapport: BASE_URL holds the path, as the script
    # prefix does for every URL Django builds within the request.
    reset_by_mail.BASE_URL = "https://rapport.example.org/rapport"
    set_script_prefix("/rapport/")  # what the WSGI handler sets from SCRIPT_NAME
    try:
        client.post(
            "/accounts/password/reset/",
            {"email": therapist_a.email},
            HTTP_HOST=FOREIGN,
            SCRIPT_NAME="/rapport",
        )
    finally:
        clear_script_prefix()
    [link] = links(mailoutbox[0].body)
    assert link.startswith("https://rapport.example.org/rapport/accounts/password/reset/key/")


@pytest.mark.django_db
def test_a_base_url_with_a_path_is_not_doubled_when_the_proxy_passes_no_script_name(
    client, therapist_a, reset_by_mail, mailoutbox
):
    # A proxy that strips /rapport without saying so (no SCRIPT_NAME): the link is still
    # BASE_URL and the path within the app, once.
    reset_by_mail.BASE_URL = "https://rapport.example.org/rapport"
    client.post("/accounts/password/reset/", {"email": therapist_a.email}, HTTP_HOST=FOREIGN)
    [link] = links(mailoutbox[0].body)
    assert link.startswith("https://rapport.example.org/rapport/accounts/password/reset/key/")
