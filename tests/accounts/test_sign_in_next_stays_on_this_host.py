"""After signing in, ``next`` is followed only to a path or to the host the sign-in came to.
allauth accepts every host ALLOWED_HOSTS lets through: with ".example.org" there, a sign-in
link with ``next=https://evil.example.org/`` sent the clinician, just signed in, to any
subdomain of the clinic's domain."""

from __future__ import annotations

import pytest
from django.test import override_settings
from tests.conftest import PASSWORD

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("_subdomains_allowed"),
]

HOST = "rapport.example.org"


@pytest.fixture
def _subdomains_allowed():
    with override_settings(ALLOWED_HOSTS=[".example.org"]):
        yield


def _sign_in(client, user, next_url: str):
    return client.post(
        f"/accounts/login/?next={next_url}",
        {"login": user.email, "password": PASSWORD, "next": next_url},
        HTTP_HOST=HOST,
    )


@pytest.mark.parametrize(
    "next_url",
    [
        "https://evil.example.org/",
        "http://evil.example.org/clients/",
        "//evil.example.org/",
        "https://example.org/",
    ],
)
def test_a_next_on_another_allowed_host_lands_on_the_default_page(client, therapist_a, next_url):
    response = _sign_in(client, therapist_a, next_url)
    assert response.status_code == 302
    assert response["Location"] == "/caseload/"


def test_a_next_on_this_site_is_kept(client, therapist_a):
    response = _sign_in(client, therapist_a, "/clients/")
    assert response.status_code == 302
    assert response["Location"] == "/clients/"


def test_a_next_on_the_host_signed_in_to_is_kept(client, therapist_a):
    response = _sign_in(client, therapist_a, f"http://{HOST}/clients/")
    assert response.status_code == 302
    assert response["Location"] == f"http://{HOST}/clients/"
