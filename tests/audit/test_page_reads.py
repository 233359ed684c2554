"""Every page that shows a client's data is audited as a read, and no page or form of
another therapist's client answers anything but "not found" (DESIGN §5)."""

from __future__ import annotations

import pytest
from django.utils import timezone
from tests.checkins._helpers import appointment_of, make_link
from tests.conftest import CANARY
from tests.transcripts.fixtures_db import fixture_bytes

from rapport.audit.models import Action, AuditEvent
from rapport.measures.services import response_record
from rapport.monitoring.models import Alert
from rapport.transcripts import services as transcript_services
from rapport.transcripts.parsing import parse_transcript

pytestmark = pytest.mark.django_db


def _objects(client) -> dict[str, int]:
    episode = client.episodes.get()
    appointment = appointment_of(client)
    transcript = transcript_services.transcript_upload(
        actor=client.therapist,
        appointment=appointment,
        parsed=parse_transcript(fixture_bytes("session.vtt"), "session.vtt"),
        filename="session.vtt",
    )
    return {
        "c": client.pk,
        "e": episode.pk,
        "g": episode.goals.get().pk,
        "a": appointment.pk,
        "t": transcript.pk,
    }


# Form pages: each shows whose record it is (and the episode page its referral).
FORM_PAGES = [
    ("/clients/{c}/edit/", "client_edit"),
    ("/clients/{c}/episodes/new/", "episode_create"),
    ("/episodes/{e}/edit/", "episode_edit"),
    ("/episodes/{e}/end/", "episode_end"),
    ("/episodes/{e}/goals/new/", "goal_create"),
    ("/goals/{g}/edit/", "goal_edit"),
    ("/episodes/{e}/appointments/new/", "appointment_create"),
    ("/appointments/{a}/attendance/", "appointment_attendance"),
    ("/appointments/{a}/checkins/new/", "checkin_new"),
    ("/episodes/{e}/checkins/", "episode_checkin_schedule"),
    ("/appointments/{a}/transcripts/new/", "transcript_upload"),
    ("/transcripts/{t}/delete/", "transcript_delete"),
]


@pytest.mark.parametrize(("url", "page"), FORM_PAGES)
def test_a_form_page_about_a_client_is_audited_as_a_read(login, therapist_a, client_a, url, page):
    http = login(therapist_a)
    target = url.format(**_objects(client_a))
    before = set(AuditEvent.objects.values_list("pk", flat=True))

    response = http.get(target)

    assert response.status_code == 200 and CANARY in response.content.decode()
    added = AuditEvent.objects.exclude(pk__in=before)
    assert [(e.action, e.target, e.client_id, e.path) for e in added] == [
        (Action.VIEW, f"page:{page}", client_a.pk, target)
    ]


def test_a_form_shown_again_with_errors_is_audited_too(login, therapist_a, client_a):
    http = login(therapist_a)
    episode = client_a.episodes.get()
    response = http.post(f"/episodes/{episode.pk}/goals/new/", {"text": ""})
    assert response.status_code == 400
    assert AuditEvent.objects.filter(target="page:goal_create", client_id=client_a.pk).exists()


@pytest.mark.parametrize("name", ["dismiss", "snooze", "action"])
def test_an_alert_form_shown_again_with_errors_is_audited_too(login, therapist_a, name):
    from tests.monitoring.db.helpers import checkins, make_episode

    from rapport.monitoring.tasks import recompute_alerts

    now = timezone.now()
    person, episode, held = make_episode(therapist_a, "Rupture R.", sessions=5, now=now)
    checkins(person, held, [38, 38, 38, 28, 29])
    recompute_alerts(now=now)
    alert = Alert.objects.filter(episode=episode).first()
    assert alert is not None
    # Missing reason, date or strategy: the page comes back with the client's alert on it.
    response = login(therapist_a).post(f"/alerts/{alert.pk}/{name}/", {})
    assert response.status_code == 400 and "Rupture R." in response.content.decode()
    assert AuditEvent.objects.filter(
        action=Action.VIEW, target=f"alert:{alert.pk}", client_id=person.pk
    ).exists()


def test_the_roles_form_shown_again_with_errors_is_audited_too(login, therapist_a, client_a):
    transcript_id = _objects(client_a)["t"]
    # Everyone a client: refused, and the page shows the speakers and their lines again.
    response = login(therapist_a).post(
        f"/transcripts/{transcript_id}/roles/", {"speaker_0": "client", "speaker_1": "client"}
    )
    assert response.status_code == 400
    assert AuditEvent.objects.filter(
        action=Action.VIEW, target=f"transcript:{transcript_id}:roles", client_id=client_a.pk
    ).exists()


def test_another_therapists_client_is_not_found_on_every_page_and_form(
    login, therapist_a, therapist_b, client_a
):
    ids = _objects(client_a)
    checkin, _token = make_link(client_a)
    answers = {f"phq9_{n}": 0 for n in range(1, 10)} | {"phq9_9": 2}
    response, _ = response_record(
        client=client_a,
        instrument_id="phq9",
        answers=answers,
        source="import",
        idempotency_key="scoping-1",
        administered_at=timezone.now(),
    )
    now = timezone.now()
    alert = Alert.objects.create(
        client=client_a,
        episode=client_a.episodes.get(),
        kind="alliance_low",
        severity="high",
        signal_key="alliance_low:x:1",
        explanation="x",
        source="y",
        first_detected_at=now,
        last_detected_at=now,
    )
    ids |= {"k": checkin.pk, "r": response.pk, "l": alert.pk}
    urls = [
        "/clients/{c}/",
        *(url for url, _ in FORM_PAGES),
        "/checkins/{k}/revoke/",
        "/responses/{r}/risk-reviewed/",
        "/alerts/{l}/acknowledge/",
        "/alerts/{l}/action/",
        "/alerts/{l}/dismiss/",
        "/alerts/{l}/snooze/",
        "/transcripts/{t}/",
        "/transcripts/{t}/roles/",
    ]
    form = {
        "what": "everything",
        "reason": "x",
        "until": "2030-01-01",
        "attendance": "cancelled",
        "text": "changed",
        "status": "achieved",
        "display_name": "changed",
        "note": "n",
        "performed_on": "2025-01-01",
    }
    http = login(therapist_b)
    answered = []
    for url in urls:
        for method in ("get", "post"):
            reply = getattr(http, method)(url.format(**ids), form)
            if reply.status_code not in (404, 405) or CANARY in reply.content.decode():
                answered.append((method, url, reply.status_code))
    assert answered == []
    client_a.refresh_from_db()
    assert client_a.display_name.startswith(CANARY)
    alert.refresh_from_db()
    assert alert.status == "open"
    assert CANARY not in http.get("/caseload/").content.decode()
