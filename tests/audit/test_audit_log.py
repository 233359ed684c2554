from __future__ import annotations

import pytest

from rapport.audit.models import AppendOnlyError, AuditEvent


@pytest.mark.django_db
def test_opening_the_caseload_writes_an_audit_row_per_client_shown(login, therapist_a, client_a):
    http = login(therapist_a)
    http.get("/caseload/", REMOTE_ADDR="192.0.2.10")
    event = AuditEvent.objects.get(target="caseload", client_id=client_a.pk)
    assert event.actor == therapist_a
    assert event.action == "view"
    assert event.ip_address == "192.0.2.10"
    assert event.path == "/caseload/"


@pytest.mark.django_db
def test_opening_a_client_page_writes_an_audit_row(login, therapist_a, client_a):
    http = login(therapist_a)
    http.get(f"/clients/{client_a.pk}/")
    event = AuditEvent.objects.get(target="client", action="view")
    assert (event.actor_label, event.client_id) == (therapist_a.email, client_a.pk)
    assert event.at is not None


@pytest.mark.django_db
def test_a_write_is_audited_with_its_client(login, therapist_a, client_a):
    http = login(therapist_a)
    episode = client_a.episodes.get()
    http.post(f"/episodes/{episode.pk}/goals/new/", {"text": "Walk the dog every morning"})
    event = AuditEvent.objects.get(action="create")
    assert event.client_id == client_a.pk
    assert event.target.startswith("goal:")
    assert "Walk" not in event.target  # never client free text


@pytest.mark.django_db
def test_audit_rows_cannot_be_changed_or_deleted(login, therapist_a, client_a):
    login(therapist_a).get(f"/clients/{client_a.pk}/")
    # The page's panels (check-ins, alerts, transcripts) audit their own reads too.
    event = AuditEvent.objects.get(target="client")
    event.action = "update"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.update(action="delete")
    assert AuditEvent.objects.get(target="client").action == "view"


@pytest.mark.django_db
def test_admins_can_filter_the_audit_log_by_user_and_client(
    login, therapist_a, therapist_b, client_a, client_b, admin_user
):
    login(therapist_a).get(f"/clients/{client_a.pk}/")
    login(therapist_b).get(f"/clients/{client_b.pk}/")
    http = login(admin_user)
    page = http.get("/manage/audit/", {"actor": "therapist.a"}).content.decode()
    assert "therapist.a@test.invalid" in page and "therapist.b@test.invalid" not in page
    page = http.get("/manage/audit/", {"client": client_b.pk}).content.decode()
    assert "therapist.b@test.invalid" in page and "therapist.a@test.invalid" not in page


@pytest.mark.django_db
def test_clinicians_cannot_read_the_audit_log(login, therapist_a):
    assert login(therapist_a).get("/manage/audit/").status_code == 403


@pytest.mark.django_db
def test_a_check_in_link_is_audited_without_its_token(client, client_a):
    from tests.checkins._helpers import PHQ9_ZERO, form_key, make_link

    _checkin, token = make_link(client_a)
    page = client.get(f"/c/{token}/").content.decode()
    assert client.post(f"/c/{token}/", {**PHQ9_ZERO, "form_key": form_key(page)}).status_code == 200
    paths = list(AuditEvent.objects.filter(client_id=client_a.pk).values_list("path", flat=True))
    assert "/c/[redacted]/" in paths
    assert not any(token in path for path in paths)
