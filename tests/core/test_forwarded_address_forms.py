"""A proxy's X-Forwarded-For entry with a port, or one that is not an address at all, never
fails a page and never reaches the audit log's address column as is (PostgreSQL refuses
anything but an address there: every audited page would answer 500)."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from rapport.audit.models import AuditEvent
from rapport.core.http import client_ip


def _request(forwarded: str, remote: str = "10.0.0.1"):
    return RequestFactory().get("/", HTTP_X_FORWARDED_FOR=forwarded, REMOTE_ADDR=remote)


@pytest.mark.parametrize(
    ("forwarded", "expected"),
    [
        ("203.0.113.7:5555", "203.0.113.7"),
        ("[2001:db8::7]:5555", "2001:db8::7"),
        ("2001:db8::7", "2001:db8::7"),
        ("2001:DB8:0:0::7", "2001:db8::7"),  # stored in one spelling
        ("fe80::1%eth0", "fe80::1"),
        ("6.6.6.6, 203.0.113.7:5555", "203.0.113.7"),
    ],
)
def test_a_port_or_zone_is_dropped_from_the_forwarded_address(settings, forwarded, expected):
    settings.TRUSTED_PROXIES = 1
    assert client_ip(_request(forwarded)) == expected


@pytest.mark.parametrize(
    "forwarded", ["unknown", "_hidden", "[2001:db8::7", "999.1.1.1", "203.0.113.7:5555:1", "1" * 60]
)
def test_a_forwarded_entry_that_is_no_address_falls_back_to_the_connection(settings, forwarded):
    settings.TRUSTED_PROXIES = 1
    assert client_ip(_request(forwarded)) == "10.0.0.1"


def test_without_any_address_there_is_none(settings):
    settings.TRUSTED_PROXIES = 1
    assert client_ip(_request("unknown", remote="")) is None
    assert client_ip(_request("unknown", remote="/run/gunicorn.sock")) is None


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("forwarded", "recorded"),
    [("203.0.113.7:5555", "203.0.113.7"), ("unknown", "127.0.0.1")],
)
def test_audited_pages_answer_and_record_a_plain_address(
    login, therapist_a, client_a, settings, forwarded, recorded
):
    settings.TRUSTED_PROXIES = 1
    http = login(therapist_a)
    for page in (f"/clients/{client_a.pk}/", "/caseload/"):
        before = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        response = http.get(page, HTTP_X_FORWARDED_FOR=forwarded)
        assert response.status_code == 200, page
        # Events written by the request (system ones written on the way carry no path).
        events = AuditEvent.objects.filter(pk__gt=before).exclude(path="")
        assert events.exists(), page
        assert {event.ip_address for event in events} == {recorded}, page
