"""A file already stored for one session of a client is refused for another of their
sessions: a file first uploaded to the wrong session, then to the right one, put one
conversation in the trend twice, under two dates, each with the same metrics."""

from __future__ import annotations

import html
from datetime import timedelta

import pytest
from django.utils import formats, timezone

from rapport.audit.models import Action, AuditEvent
from rapport.clinic.models import Appointment
from rapport.transcripts.models import Transcript
from tests.transcripts.fixtures_db import use_rule_coder
from tests.transcripts.test_transcript_pages_db import upload, upload_and_confirm

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_sessions(client_a, monkeypatch):
    use_rule_coder(monkeypatch)
    episode = client_a.episodes.get()
    right = episode.appointments.order_by("starts_at").first()  # a week ago
    wrong = Appointment.objects.create(
        episode=episode, starts_at=right.starts_at - timedelta(days=7)
    )
    return wrong, right


def _date(appointment) -> str:
    return formats.date_format(timezone.localtime(appointment.starts_at), "D j M Y, H:i")


def test_the_same_file_for_a_second_session_of_the_client_is_refused_and_says_where_it_is(
    login, therapist_a, client_a, two_sessions
):
    wrong, right = two_sessions
    http = login(therapist_a)
    stored = upload_and_confirm(http, wrong, "session.vtt")
    creates = AuditEvent.objects.filter(action=Action.CREATE).count()

    response = upload(http, right, "session.vtt")

    page = html.unescape(response.content.decode())
    assert response.status_code == 400
    assert (
        f"This file is already stored for this client's session of {_date(wrong)}. One "
        "conversation in two sessions would be counted twice" in page
    )
    assert "delete the transcript there (Delete… on its report" in page
    assert list(Transcript.objects.values_list("pk", flat=True)) == [stored.pk]
    assert AuditEvent.objects.filter(action=Action.CREATE).count() == creates


def test_it_is_refused_after_the_text_of_the_first_copy_is_deleted_its_metrics_still_count(
    login, therapist_a, two_sessions
):
    wrong, right = two_sessions
    http = login(therapist_a)
    stored = upload_and_confirm(http, wrong, "session.vtt")
    http.post(f"/transcripts/{stored.pk}/delete/", {"what": "text"})

    response = upload(http, right, "session.vtt")

    assert response.status_code == 400
    assert Transcript.objects.count() == 1


def test_once_the_wrong_sessions_copy_is_deleted_the_file_goes_to_the_right_session(
    login, therapist_a, two_sessions
):
    wrong, right = two_sessions
    http = login(therapist_a)
    stored = upload_and_confirm(http, wrong, "session.vtt")
    http.post(f"/transcripts/{stored.pk}/delete/", {"what": "everything"})

    response = upload(http, right, "session.vtt")

    assert response.status_code == 302
    assert list(Transcript.objects.values_list("appointment_id", flat=True)) == [right.pk]


def test_another_clients_copy_of_the_file_is_neither_refused_nor_named(
    login, therapist_a, therapist_b, client_a, client_b, monkeypatch
):
    use_rule_coder(monkeypatch)
    theirs = client_b.episodes.get().appointments.order_by("starts_at").first()
    upload_and_confirm(login(therapist_b), theirs, "session.vtt")
    ours = client_a.episodes.get().appointments.order_by("starts_at").first()

    response = upload(login(therapist_a), ours, "session.vtt")

    assert response.status_code == 302
    assert Transcript.objects.count() == 2
