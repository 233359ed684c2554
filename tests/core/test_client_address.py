"""The caller's address behind proxies: what the audit log records and the login
throttle counts. Entries a client puts in X-Forwarded-For itself are never trusted."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import RequestFactory
from tests.conftest import PASSWORD

from rapport.audit.models import AuditEvent
from rapport.core.http import client_ip


def _request(forwarded: str | None, remote: str = "10.0.0.1"):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (1, "6.6.6.6, 203.0.113.7", "203.0.113.7"),  # the client sent 6.6.6.6 itself
        (1, "203.0.113.7", "203.0.113.7"),
        (2, "6.6.6.6, 203.0.113.7, 10.0.0.9", "203.0.113.7"),
        (2, "203.0.113.7", "203.0.113.7"),
        (1, None, "10.0.0.1"),
        (0, "6.6.6.6", "10.0.0.1"),  # no proxy in front: the header is the client's
    ],
)
def test_the_address_is_the_one_the_trusted_proxy_saw(settings, proxies, forwarded, expected):
    settings.TRUSTED_PROXIES = proxies
    assert client_ip(_request(forwarded)) == expected


@pytest.mark.django_db
def test_the_audit_log_records_the_address_the_proxy_saw(login, therapist_a, client_a, settings):
    settings.TRUSTED_PROXIES = 1
    login(therapist_a).get(f"/clients/{client_a.pk}/", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7")
    assert AuditEvent.objects.get(target="client").ip_address == "203.0.113.7"


@pytest.mark.django_db
def test_behind_a_proxy_failed_logins_elsewhere_do_not_lock_out_a_colleague(
    client, therapist_a, settings
):
    settings.TRUSTED_PROXIES = settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    cache.clear()
    # Someone tries 25 addresses' worth of passwords; every request reaches us through the
    # same proxy (one REMOTE_ADDR), each from its own client address.
    for n in range(25):
        client.post(
            "/accounts/login/",
            {"login": f"nobody{n}@test.invalid", "password": "wrong-password"},
            HTTP_X_FORWARDED_FOR=f"198.51.100.{n}",
            REMOTE_ADDR="10.0.0.1",
        )
    response = client.post(
        "/accounts/login/",
        {"login": therapist_a.email, "password": PASSWORD},
        HTTP_X_FORWARDED_FOR="203.0.113.7",
        REMOTE_ADDR="10.0.0.1",
    )
    assert response.status_code == 302 and "_auth_user_id" in client.session
    cache.clear()
