"""``GET /healthz``: "ok" when the process and its database answer, 503 otherwise; for a
load balancer and for a probe on the server itself, over plain HTTP, whatever its Host."""

from __future__ import annotations

import logging
from unittest import mock

import pytest
from django.conf import settings
from django.db import connections
from django.db.utils import OperationalError

from rapport.core import health


@pytest.mark.django_db
def test_it_answers_ok_in_plain_text_after_one_cheap_query(client, django_assert_num_queries):
    client.get("/healthz")  # the migration state, checked once per process
    with django_assert_num_queries(1):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok"
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert "no-store" in response["Cache-Control"] and "max-age=0" in response["Cache-Control"]
    # The app's own names (with RAPPORT_HTTPS on, "__Host-sessionid"), not Django's default.
    assert settings.SESSION_COOKIE_NAME not in response.cookies
    assert settings.CSRF_COOKIE_NAME not in response.cookies
    assert not response.has_header("Set-Cookie") and not response.cookies


@pytest.mark.django_db
def test_head_works_and_writes_are_refused(client):
    assert client.head("/healthz").status_code == 200
    response = client.post("/healthz")
    assert response.status_code == 405 and response["Allow"] == "GET, HEAD"


@pytest.mark.django_db
def test_an_unreachable_database_is_503_without_details(client):
    with mock.patch.object(
        type(connections["default"]), "cursor", side_effect=OperationalError("secret host x")
    ):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.content == b"database unreachable"


@pytest.mark.django_db
def test_a_database_not_migrated_for_this_release_is_503(client, monkeypatch):
    from django.db.migrations.recorder import MigrationRecorder

    monkeypatch.setattr(health, "_migrated", False)
    MigrationRecorder.Migration.objects.filter(app="clinic").order_by("-name").first().delete()
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.content == b"database not migrated"


@pytest.mark.django_db
def test_a_local_plain_http_probe_is_answered_whatever_its_host(client, settings, caplog):
    """Behind the TLS proxy, `curl http://127.0.0.1:8000/healthz` on the server: no HTTPS
    redirect (301), no DisallowedHost (400 and an ERROR with a traceback in the log)."""
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.ALLOWED_HOSTS = ["rapport.example.org"]
    with caplog.at_level(logging.WARNING):
        response = client.get("/healthz", HTTP_HOST="127.0.0.1:8000")
        odd = client.get("/healthz", HTTP_HOST="evil.example<script>")
    assert response.status_code == 200 and response.content == b"ok"
    assert "Location" not in response
    assert odd.status_code == 200 and b"evil" not in odd.content
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    # Every other page still checks the host and redirects to HTTPS.
    assert client.get("/accounts/login/", HTTP_HOST="127.0.0.1:8000").status_code == 400
    login = client.get("/accounts/login/", HTTP_HOST="rapport.example.org")
    assert login.status_code == 301
    assert login["Location"] == "https://rapport.example.org/accounts/login/"
