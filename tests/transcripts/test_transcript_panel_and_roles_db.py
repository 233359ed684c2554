"""The client page's upload prompt offers, in an ended episode, only the sessions the client
attended, and says the episode ended; the role step names each select by what it asks."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from rapport.clinic.models import Appointment, Attendance, EndReason, Episode, Phase
from rapport.transcripts.models import Transcript
from tests.conftest import make_client
from tests.transcripts.fixtures_db import fixture_bytes

pytestmark = pytest.mark.django_db


def upload_links(page: str) -> dict[int, str]:
    """Appointment id -> the upload link's text."""
    return {
        int(pk): text
        for pk, text in re.findall(
            r'<a href="/appointments/(\d+)/transcripts/new/">(.*?)</a>', page, re.S
        )
    }


@pytest.fixture
def former(therapist_a):
    """A client whose only episode ended 10 days ago: an attended session, one nobody
    marked and one the client missed."""
    client = make_client(therapist_a, "Fern Former", with_episode=False)
    today = timezone.localdate()
    episode = Episode.objects.create(
        client=client,
        started_on=today - timedelta(days=40),
        ended_on=today - timedelta(days=10),
        phase=Phase.CLOSED,
        end_reason=EndReason.PLANNED,
    )
    now = timezone.now()
    client.attended = Appointment.objects.create(
        episode=episode, starts_at=now - timedelta(days=30), attendance=Attendance.ATTENDED
    )
    client.unmarked = Appointment.objects.create(
        episode=episode, starts_at=now - timedelta(days=20)
    )
    client.missed = Appointment.objects.create(
        episode=episode, starts_at=now - timedelta(days=15), attendance=Attendance.NO_SHOW
    )
    return client


def test_an_ended_episode_offers_uploads_only_for_attended_sessions(login, therapist_a, former):
    page = login(therapist_a).get(f"/clients/{former.pk}/").content.decode()
    links = upload_links(page)
    assert list(links) == [former.attended.pk]
    ended = timezone.localdate() - timedelta(days=10)
    assert (
        f'<span class="tag">attended, episode ended {ended.day} {ended:%b %Y}</span>'
        in (links[former.attended.pk])
    )


def test_an_ended_episodes_unmarked_session_refuses_an_upload_however_it_is_sent(
    login, therapist_a, former
):
    http = login(therapist_a)
    upload = {"file": SimpleUploadedFile("session.vtt", fixture_bytes("session.vtt"))}
    response = http.post(f"/appointments/{former.unmarked.pk}/transcripts/new/", upload)
    assert response.status_code == 400
    assert "this session was not recorded as attended" in response.content.decode()
    assert not Transcript.objects.exists()
    upload = {"file": SimpleUploadedFile("session.vtt", fixture_bytes("session.vtt"))}
    http.post(f"/appointments/{former.attended.pk}/transcripts/new/", upload)
    assert Transcript.objects.filter(appointment=former.attended).exists()


def test_an_open_episode_still_offers_a_past_session_not_yet_marked(login, therapist_a, client_a):
    past = client_a.episodes.get().appointments.order_by("starts_at").first()
    assert past.attendance == Attendance.SCHEDULED
    page = login(therapist_a).get(f"/clients/{client_a.pk}/").content.decode()
    links = upload_links(page)
    assert list(links) == [past.pk]
    assert "episode ended" not in links[past.pk]


def test_the_role_step_labels_each_select_with_the_speakers_role(login, therapist_a, client_a):
    http = login(therapist_a)
    appointment = client_a.episodes.get().appointments.order_by("starts_at").first()
    http.post(
        f"/appointments/{appointment.pk}/transcripts/new/",
        {"file": SimpleUploadedFile("session.vtt", fixture_bytes("session.vtt"))},
    )
    transcript = Transcript.objects.get()
    page = http.get(f"/transcripts/{transcript.pk}/roles/").content.decode()
    labels = re.findall(r'<label for="id_speaker_(\d+)">(.*?) ?<', page)
    assert labels == [("0", "Role of Jo Counsellor"), ("1", "Role of Robin")]
    assert (
        '<div class="table-wrap" tabindex="0" role="region" '
        'aria-label="Speakers in this transcript">' in page
    )
    # A form sent back with an error names the field the same way in its summary.
    response = http.post(
        f"/transcripts/{transcript.pk}/roles/", {"speaker_0": "client", "speaker_1": "nobody"}
    )
    assert response.status_code == 400
    assert '<a href="#id_speaker_1">Role of Robin</a>' in response.content.decode()
