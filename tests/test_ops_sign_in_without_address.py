"""Signing in when no client address reaches the server: over the documented
``rapport serve --bind unix:...`` socket bind, behind a proxy that sets X-Forwarded-Proto
but not X-Forwarded-For, the connection has no address (REMOTE_ADDR empty). allauth's
own adapter then refused every sign-in with a 403 ("Unable to determine client IP
address") and a traceback in the log; Rapport's adapter uses the same address as the
audit log (rapport.core.http.client_ip), and a fixed placeholder when there is none."""

from __future__ import annotations

import pytest

from rapport.accounts import adapter as account_adapter
from tests.conftest import PASSWORD


def _sign_in_over_a_socket(client, email, password):
    client.logout()
    return client.post(
        "/accounts/login/",
        {"login": email, "password": password},
        REMOTE_ADDR="",  # as gunicorn gives it for a unix-socket connection
        HTTP_X_FORWARDED_PROTO="https",
        secure=True,
    )


@pytest.mark.django_db
@pytest.mark.parametrize("proxies", [0, 1])
def test_a_sign_in_over_a_socket_without_x_forwarded_for_signs_in(
    client, settings, therapist_a, proxies
):
    settings.TRUSTED_PROXIES = settings.ALLAUTH_TRUSTED_PROXY_COUNT = proxies
    response = _sign_in_over_a_socket(client, therapist_a.email, PASSWORD)
    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == therapist_a.pk


@pytest.mark.django_db
def test_wrong_passwords_without_an_address_are_still_throttled_per_account(
    client, settings, therapist_a
):
    """With no address, the throttle's "key" rates (the account at this address) count
    per account: the sixth try within five minutes is refused, the right password too."""
    settings.TRUSTED_PROXIES = settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    for _ in range(5):
        page = _sign_in_over_a_socket(client, therapist_a.email, "wrong-password")
        assert page.status_code == 200
        assert "Too many wrong passwords, so signing in is paused." not in page.content.decode()
    page = _sign_in_over_a_socket(client, therapist_a.email, PASSWORD)
    assert "Too many wrong passwords, so signing in is paused." in page.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_address_is_the_one_the_audit_log_records(rf, settings):
    settings.TRUSTED_PROXIES = settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    adapter = account_adapter.ClinicAccountAdapter()
    # One entry where two proxies are configured made allauth raise ImproperlyConfigured.
    settings.TRUSTED_PROXIES = settings.ALLAUTH_TRUSTED_PROXY_COUNT = 2
    forwarded = rf.post("/", HTTP_X_FORWARDED_FOR="203.0.113.9", REMOTE_ADDR="")
    assert adapter.get_client_ip(forwarded) == "203.0.113.9"
    settings.TRUSTED_PROXIES = settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    with_port = rf.post("/", HTTP_X_FORWARDED_FOR="203.0.113.9:5555", REMOTE_ADDR="127.0.0.1")
    assert adapter.get_client_ip(with_port) == "203.0.113.9"
    assert adapter.get_client_ip(rf.post("/", REMOTE_ADDR="")) == "unknown"
