"""Every URL pattern of the project, requested by every role, never leaks client data.

The patterns are enumerated from the URL resolver, not from a hand-kept list: a new
pattern is covered automatically, and a pattern with a URL parameter this test does not
know how to fill fails the test until someone adds it to the ``world`` fixture's values.
"""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from tests.conftest import CANARY

from rapport.accounts.models import SupervisionLink
from rapport.audit.models import AuditEvent
from rapport.clinic.models import Appointment, Client, Episode, Goal


def iter_patterns(patterns=None, prefix=""):
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(entry, URLResolver):
            yield from iter_patterns(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry


def _fill(route: str, values: dict) -> str:
    """Turn a route like 'clients/<int:client_id>/' into a concrete path."""
    import re

    def replace(match):
        name = match.group("name")
        if name not in values:
            pytest.fail(
                f"URL parameter <{name}> in {route!r} has no value: add it to the `values` of "
                f"the `world` fixture in {__file__} so the scope test covers the new pattern."
            )
        return str(values[name])

    path = re.sub(r"<(?:(?P<conv>[^>:]+):)?(?P<name>[^>]+)>", replace, route)
    if path.startswith("^") or "(?P<" in path:
        # Regex routes (allauth uses a few): strip anchors and fill named groups.
        path = re.sub(r"\(\?P<(?P<name>[^>]+)>[^)]*\)", replace, path).lstrip("^").rstrip("$")
    return "/" + path


def _checkin_objects(client, appointment):
    """A check-in link and a stored response of client A, whose comment carries the canary."""
    from rapport.checkins.services import checkin_create
    from rapport.measures.services import response_record

    checkin, _token = checkin_create(
        actor=None, appointment=appointment, instrument_id="session-checkin"
    )
    response, _ = response_record(
        client=client,
        instrument_id="phq9",
        answers={f"phq9_{n}": 1 for n in range(1, 10)},
        source="import",
        idempotency_key="scope-test",
        administered_at=appointment.starts_at,
        appointment=appointment,
    )
    response_record(
        client=client,
        instrument_id="session-checkin",
        answers={
            "goals": 8,
            "approach": 8,
            "relationship": 8,
            "overall": 8,
            "pushed": 0,
            "differently": f"{CANARY} comment",
        },
        source="import",
        idempotency_key="scope-test-2",
        administered_at=appointment.starts_at,
        appointment=appointment,
    )
    return checkin, response


def _transcript_object(appointment):
    """A transcript of client A (awaiting roles), whose speech carries the canary."""
    from rapport.transcripts.parsing import parse_transcript
    from rapport.transcripts.services import transcript_upload

    data = f"Therapist: How was the week?\nClient: {CANARY} was a hard week.\n".encode()
    parsed = parse_transcript(data, "session.txt")
    return transcript_upload(actor=None, appointment=appointment, parsed=parsed, filename="s.txt")


def _monitoring_objects(client, episode):
    """An alert on client A's episode, and a strategy of the clinic's guidance library."""
    from django.utils import timezone

    from rapport.guidance.models import Strategy
    from rapport.guidance.services import library_load
    from rapport.monitoring.models import Alert

    library_load(clinic=client.clinic)
    alert = Alert.objects.filter(episode=episode).first() or Alert.objects.create(
        client=client,
        episode=episode,
        kind="not_on_track",
        severity="medium",
        signal_key="not_on_track:scope-test:1",
        explanation="Scope test alert.",
        source="Scope test.",
        first_detected_at=timezone.now(),
        last_detected_at=timezone.now(),
    )
    return alert, Strategy.objects.filter(clinic=client.clinic).first()


@pytest.fixture
def world(clinic, therapist_a, therapist_b, supervisor, admin_user, client_a, client_b):
    episode = client_a.episodes.get()
    checkin, response = _checkin_objects(client_a, episode.appointments.first())
    alert, strategy = _monitoring_objects(client_a, episode)
    return {
        "users": {
            "therapist_a": therapist_a,
            "therapist_b": therapist_b,
            "supervisor": supervisor,
            "admin": admin_user,
            "anonymous": None,
        },
        "values": {
            # Object ids of client A's data (in scope for therapist A and the supervisor).
            "client_id": client_a.pk,
            "episode_id": episode.pk,
            "goal_id": episode.goals.get().pk,
            "appointment_id": episode.appointments.first().pk,
            "checkin_id": checkin.pk,
            "response_id": response.pk,
            "transcript_id": _transcript_object(episode.appointments.first()).pk,
            "alert_id": alert.pk,
            # Staff objects (admin pages).
            "strategy_id": strategy.pk,
            "user_id": therapist_a.pk,
            "link_id": SupervisionLink.objects.get().pk,
            # allauth's tokens and keys: meaningless values are fine, they must not leak.
            "uidb36": "zz",
            "key": "not-a-real-key",
            "provider_id": "none",
            "token": "not-a-real-token",
            "pk": 999999,
        },
        "client_a": client_a,
    }


def snapshot():
    """Everything about client data that a forbidden POST must not change."""
    return (
        sorted(Client.objects.values_list("pk", "therapist_id", "birth_year", "updated_at")),
        sorted(Episode.objects.values_list("pk", "phase", "ended_on", "attendance_basis")),
        sorted(Goal.objects.values_list("pk", "status", "updated_at")),
        sorted(Appointment.objects.values_list("pk", "attendance", "starts_at")),
        Client.objects.count(),
    )


def in_scope(role: str, route: str) -> bool:
    return role in ("therapist_a", "supervisor")


@pytest.mark.django_db
def test_every_url_pattern_keeps_client_a_data_inside_its_scope(client, world):
    routes = list(iter_patterns())
    assert len(routes) > 15, "the resolver should expose the whole project"
    # In-scope roles do see the client: proves the canary would be caught if it leaked.
    for role in ("therapist_a", "supervisor"):
        client.force_login(world["users"][role])
        assert CANARY in client.get(f"/clients/{world['client_a'].pk}/").content.decode()
    before = snapshot()
    checked = 0
    for route, _pattern in routes:
        path = _fill(route, world["values"])
        for role, user in world["users"].items():
            client.logout()
            if user is not None:
                client.force_login(user)
            for method in ("get", "post"):
                response = getattr(client, method)(path, follow=False)
                body = response.content.decode("utf-8", "replace")
                if not in_scope(role, route):
                    assert CANARY not in body, (
                        f"{role} saw client A's data via {method.upper()} {path}"
                    )
                    assert snapshot() == before, (
                        f"{role} changed client A's data via {method.upper()} {path}"
                    )
                checked += 1
    assert checked >= len(routes) * 10


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["therapist_b", "admin"])
def test_object_urls_answer_404_outside_scope(client, world, role):
    client.force_login(world["users"][role])
    object_routes = [
        route
        for route, _ in iter_patterns()
        if any(
            f"<int:{name}>" in route
            for name in ("client_id", "episode_id", "goal_id", "appointment_id")
        )
    ]
    assert object_routes
    for route in object_routes:
        path = _fill(route, world["values"])
        status = client.get(path).status_code
        assert status in (403, 404), f"{role} got {status} for {path}"
        if role == "therapist_b":
            assert status == 404, "outside scope must look like 'no such object'"


@pytest.mark.django_db
def test_anonymous_visitors_are_sent_to_login_for_every_client_page(client, world):
    for route, _ in iter_patterns():
        if route.startswith(("accounts/", "static/")) or route == "":
            continue
        if route.startswith("api/"):
            # The API answers 401 instead of redirecting (tests/api/test_api.py).
            status = client.get(_fill(route, world["values"])).status_code
            assert status in (401, 404) or route.endswith("openapi.json"), route
            continue
        path = _fill(route, world["values"])
        response = client.get(path)
        assert response.status_code in (302, 404), (
            f"anonymous got {response.status_code} for {path}"
        )
        if response.status_code == 302:
            assert "/accounts/login/" in response["Location"]


@pytest.mark.django_db
def test_the_supervisor_sees_supervisees_clients_but_not_others(client, world, client_b):
    client.force_login(world["users"]["supervisor"])
    page = client.get("/caseload/").content.decode()
    assert CANARY in page
    assert "Bea B." not in page
    assert client.get(f"/clients/{client_b.pk}/").status_code == 404


@pytest.mark.django_db
def test_forbidden_requests_write_no_client_audit_rows(client, world):
    # The world's own set-up (check-in objects) is audited; the forbidden request adds nothing.
    before = AuditEvent.objects.filter(client_id=world["client_a"].pk).count()
    client.force_login(world["users"]["therapist_b"])
    client.get(f"/clients/{world['client_a'].pk}/")
    assert AuditEvent.objects.filter(client_id=world["client_a"].pk).count() == before
