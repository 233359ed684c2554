"""The session report audits what it shows: the transcript, and the trend across the
client's other sessions, in one INSERT before the page is rendered."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rapport.audit.models import Action, AuditEvent
from rapport.clinic.models import Appointment
from tests.transcripts.fixtures_db import use_rule_coder
from tests.transcripts.test_transcript_pages_db import upload_and_confirm

pytestmark = pytest.mark.django_db


def _audit_inserts(queries) -> int:
    return sum(
        1
        for query in queries
        if query["sql"].lstrip().upper().startswith("INSERT") and "audit_auditevent" in query["sql"]
    )


def test_the_report_records_the_trend_of_other_sessions_it_shows_in_one_insert(
    login, therapist_a, client_a, monkeypatch
):
    use_rule_coder(monkeypatch)
    http = login(therapist_a)
    episode = client_a.episodes.get()
    second = episode.appointments.order_by("starts_at").first()  # a week ago
    first = Appointment.objects.create(
        episode=episode, starts_at=second.starts_at - timedelta(days=7)
    )
    earlier = upload_and_confirm(http, first, "session.vtt")
    later = upload_and_confirm(http, second, "session.srt")
    before = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first()

    with CaptureQueriesContext(connection) as queries:
        response = http.get(f"/transcripts/{later.pk}/")

    page = response.content.decode()
    assert response.status_code == 200
    # The page shows the earlier session's metrics in its trend ...
    assert f'href="/transcripts/{earlier.pk}/"' in page
    # ... so its reads name both what this report is about and the client's trend.
    rows = list(
        AuditEvent.objects.filter(pk__gt=before)
        .order_by("pk")
        .values_list("action", "target", "client_id", "actor_id")
    )
    assert rows == [
        (Action.VIEW, f"transcript:{later.pk}", client_a.pk, therapist_a.pk),
        (Action.VIEW, "transcripts-trend", client_a.pk, therapist_a.pk),
    ]
    assert _audit_inserts(queries.captured_queries) == 1


def test_a_report_that_sends_to_the_roles_page_records_no_read(
    login, therapist_a, client_a, monkeypatch
):
    from tests.transcripts.test_transcript_pages_db import upload

    use_rule_coder(monkeypatch)
    http = login(therapist_a)
    appointment = client_a.episodes.get().appointments.order_by("starts_at").first()
    upload(http, appointment, "session.vtt")
    from rapport.transcripts.models import Transcript

    pending = Transcript.objects.latest("pk")
    before = AuditEvent.objects.count()

    response = http.get(f"/transcripts/{pending.pk}/")

    assert response.status_code == 302
    assert response["Location"] == f"/transcripts/{pending.pk}/roles/"
    assert AuditEvent.objects.count() == before
