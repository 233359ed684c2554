"""The REST API: token auth, the same scope as the pages, audited, with an OpenAPI document."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from rapport.api.models import ApiToken
from rapport.api.services import api_token_create, api_token_revoke
from rapport.audit.models import AuditEvent
from rapport.cli import main
from rapport.measures.services import response_record


def bearer(raw: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


@pytest.fixture
def responses(client_a):
    for n, value in enumerate([2, 1]):
        response_record(
            client=client_a,
            instrument_id="phq9",
            answers={f"phq9_{i}": value for i in range(1, 10)},
            source="import",
            idempotency_key=f"api-{n}",
            administered_at=timezone.now() - timedelta(days=14 - 7 * n),
        )
    response_record(
        client=client_a,
        instrument_id="session-checkin",
        answers={"goals": 9, "approach": 8, "relationship": 10, "overall": 9, "pushed": 0},
        source="import",
        idempotency_key="api-sc",
        administered_at=timezone.now() - timedelta(days=1),
    )
    return client_a


@pytest.mark.django_db
def test_it_returns_each_response_with_instrument_date_total_subscales_and_band(
    client, therapist_a, responses
):
    _, raw = api_token_create(actor=None, user=therapist_a)
    reply = client.get(f"/api/v1/clients/{responses.pk}/responses", **bearer(raw))
    assert reply.status_code == 200
    data = reply.json()
    assert [r["instrument"] for r in data] == ["phq9", "phq9", "session-checkin"]
    assert [r["total"] for r in data] == [18, 9, 36]
    assert [r["band"] for r in data] == ["Moderately severe", "Mild", None]
    assert data[2]["subscales"] == {"goals": 9, "tasks": 8, "bond": 10, "overall": 9, "pushed": 0}
    assert {"id", "date", "instrument_version", "source"} <= set(data[0])


@pytest.mark.django_db
def test_the_supervisor_sees_the_supervisees_client(client, supervisor, responses):
    _, raw = api_token_create(actor=None, user=supervisor)
    reply = client.get(f"/api/v1/clients/{responses.pk}/responses", **bearer(raw))
    assert reply.status_code == 200
    # The supervisee's client's own answers: PHQ-9 9 x 2 and 9 x 1, the check-in 9+8+10+9.
    assert [(r["instrument"], r["total"]) for r in reply.json()] == [
        ("phq9", 18),
        ("phq9", 9),
        ("session-checkin", 36),
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["therapist_b", "admin_user"])
def test_outside_scope_is_404_exactly_like_the_pages(client, request, role, responses):
    user = request.getfixturevalue(role)
    _, raw = api_token_create(actor=None, user=user)
    reply = client.get(f"/api/v1/clients/{responses.pk}/responses", **bearer(raw))
    assert reply.status_code == 404
    assert "Canary" not in reply.content.decode()
    assert client.get("/api/v1/clients/999999/responses", **bearer(raw)).status_code == 404


@pytest.mark.django_db
def test_no_token_a_bad_token_or_a_revoked_token_is_401(client, therapist_a, responses):
    path = f"/api/v1/clients/{responses.pk}/responses"
    assert client.get(path).status_code == 401
    assert client.get(path, **bearer("rpt_not-a-real-token")).status_code == 401
    assert client.get(path, HTTP_AUTHORIZATION="Basic abc").status_code == 401
    token, raw = api_token_create(actor=None, user=therapist_a)
    api_token_revoke(actor=None, token=token)
    assert client.get(path, **bearer(raw)).status_code == 401


@pytest.mark.django_db
def test_a_disabled_users_token_stops_working(client, therapist_a, responses):
    _, raw = api_token_create(actor=None, user=therapist_a)
    therapist_a.is_active = False
    therapist_a.save()
    path = f"/api/v1/clients/{responses.pk}/responses"
    assert client.get(path, **bearer(raw)).status_code == 401


@pytest.mark.django_db
def test_a_token_does_not_get_around_the_clinics_mfa_requirement(client, therapist_a, responses):
    from allauth.mfa.models import Authenticator

    _, raw = api_token_create(actor=None, user=therapist_a)
    path = f"/api/v1/clients/{responses.pk}/responses"
    assert client.get(path, **bearer(raw)).status_code == 200
    therapist_a.clinic.require_mfa = True
    therapist_a.clinic.save()
    # Required and not set up: the pages send this user to MFA set-up; the API refuses.
    assert client.get(path, **bearer(raw)).status_code == 401
    Authenticator.objects.create(
        user=therapist_a, type=Authenticator.Type.TOTP, data={"secret": "x"}
    )
    assert client.get(path, **bearer(raw)).status_code == 200


@pytest.mark.django_db
def test_a_session_login_does_not_open_the_api(login, therapist_a, responses):
    assert login(therapist_a).get(f"/api/v1/clients/{responses.pk}/responses").status_code == 401


@pytest.mark.django_db
def test_every_api_read_is_audited(client, therapist_a, responses):
    _, raw = api_token_create(actor=None, user=therapist_a)
    client.get(f"/api/v1/clients/{responses.pk}/responses", **bearer(raw))
    event = AuditEvent.objects.get(target="api:responses")
    assert (event.actor, event.client_id, event.action) == (therapist_a, responses.pk, "view")


@pytest.mark.django_db
def test_tokens_are_stored_only_as_a_hash(therapist_a):
    token, raw = api_token_create(actor=None, user=therapist_a, name="research export")
    assert raw.startswith("rpt_") and len(raw) > 40
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM api_apitoken")
        assert raw not in repr(cursor.fetchall())
    assert raw.startswith(token.prefix)


@pytest.mark.django_db
def test_the_token_command_prints_a_working_token_once(capsys, client, therapist_a, responses):
    assert main(["token", "create", "--email", therapist_a.email, "--name", "laptop"]) == 0
    out = capsys.readouterr().out.splitlines()
    raw = out[0]
    assert "shown only now" in out[1]
    assert ApiToken.objects.get().name == "laptop"
    assert client.get(f"/api/v1/clients/{responses.pk}/responses", **bearer(raw)).status_code == 200
    assert main(["token", "list", "--email", therapist_a.email]) == 0
    listing = capsys.readouterr().out
    assert raw not in listing and "active" in listing
    assert main(["token", "revoke", "--prefix", raw[:12]]) == 0
    assert client.get(f"/api/v1/clients/{responses.pk}/responses", **bearer(raw)).status_code == 401


@pytest.mark.django_db
def test_the_token_command_refuses_an_unknown_email(capsys):
    assert main(["token", "create", "--email", "nobody@test.invalid"]) == 2
    assert "no user with email" in capsys.readouterr().err


@pytest.mark.django_db
def test_the_openapi_document_is_served_to_a_token_and_describes_the_endpoint(client, therapist_a):
    _, raw = api_token_create(actor=None, user=therapist_a)
    reply = client.get("/api/v1/openapi.json", **bearer(raw))
    assert reply.status_code == 200
    document = reply.json()
    assert document["openapi"].startswith("3.")
    assert document["info"]["version"] == "1"
    assert "/api/v1/clients/{client_id}/responses" in document["paths"]
    schemes = document["components"]["securitySchemes"]
    assert any(s.get("scheme") == "bearer" for s in schemes.values())


@pytest.mark.django_db
def test_the_openapi_document_is_401_without_a_live_token(client, therapist_a, login):
    """It holds no client data, but maps the installation's API for whoever asks."""
    assert client.get("/api/v1/openapi.json").status_code == 401
    assert client.get("/api/v1/openapi.json", **bearer("rpt_not-a-real-token")).status_code == 401
    token, raw = api_token_create(actor=None, user=therapist_a)
    api_token_revoke(actor=None, token=token)
    refused = client.get("/api/v1/openapi.json", **bearer(raw))
    assert refused.status_code == 401 and refused.json() == {"detail": "Unauthorized"}
    assert "paths" not in refused.content.decode()
    # A signed-in browser session does not open it either, as it does not open the API.
    assert login(therapist_a).get("/api/v1/openapi.json").status_code == 401


@pytest.mark.django_db
def test_an_expired_token_is_told_so_at_the_openapi_document_too(client, therapist_a):
    token, raw = api_token_create(actor=None, user=therapist_a)
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(days=1))
    reply = client.get("/api/v1/openapi.json", **bearer(raw))
    assert reply.status_code == 401 and "This token expired on" in reply.json()["detail"]


@pytest.mark.django_db
def test_there_is_no_docs_page_that_would_need_a_cdn(client):
    assert client.get("/api/v1/docs").status_code == 404


@pytest.mark.django_db
def test_a_malformed_client_id_is_the_documented_422(client, therapist_a):
    _, raw = api_token_create(actor=None, user=therapist_a)
    reply = client.get("/api/v1/clients/abc/responses", **bearer(raw))
    assert reply.status_code == 422
    assert isinstance(reply.json()["detail"], list) and reply.json()["detail"][0]["loc"]
    document = client.get("/api/v1/openapi.json", **bearer(raw)).json()
    answers = document["paths"]["/api/v1/clients/{client_id}/responses"]["get"]["responses"]
    assert set(answers) == {"200", "401", "404", "422", "429"}
