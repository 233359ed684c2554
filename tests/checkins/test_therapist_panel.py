"""The client page's check-in panel: scores over time, comments, "felt pushed" answers."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from tests.checkins._helpers import record_answer

from rapport.audit.models import AuditEvent
from rapport.clinic.models import Appointment

COMMENT = "Could we leave more time at the end?"


def record(client, instrument_id, answers, *, days_ago, key):
    """Answers given ``days_ago``, for a session held that day: one answer a session, so
    the chart plots each (of two for one session it plots only the newer)."""
    ago = timedelta(days=days_ago)
    session = Appointment.objects.create(
        episode=client.episodes.get(), starts_at=timezone.now() - ago - timedelta(hours=1)
    )
    return record_answer(client, instrument_id, answers, key=key, ago=ago, appointment=session)


@pytest.fixture
def history(client_a):
    for n, total in enumerate([18, 14, 9]):
        answers = {f"phq9_{i}": 0 for i in range(1, 10)}
        for i in range(total):
            answers[f"phq9_{i % 8 + 1}"] += 1
        record(client_a, "phq9", answers, days_ago=30 - 7 * n, key=f"phq-{n}")
    checkins = [
        {"goals": 9, "approach": 9, "relationship": 10, "overall": 9, "pushed": 0},
        {
            "goals": 5,
            "approach": 4,
            "relationship": 6,
            "overall": 5,
            "pushed": 1,
            "differently": COMMENT,
        },
    ]
    for n, answers in enumerate(checkins):
        record(client_a, "session-checkin", answers, days_ago=20 - 7 * n, key=f"sc-{n}")
    return client_a


@pytest.mark.django_db
def test_each_instrument_has_a_chart_with_alt_text_and_a_table_of_the_same_numbers(
    login, therapist_a, history
):
    page = login(therapist_a).get(f"/clients/{history.pk}/").content.decode()
    assert page.count('class="chart" src="data:image/svg+xml;base64,') == 2
    assert "PHQ-9 total over 3 sessions, from 18 on" in page
    assert "to 9 on" in page
    scores = page[page.index('id="series-phq9"') :]
    scores = scores[: scores.index("</table>")]
    for total in ("18", "14", "9"):
        assert f'<td class="num">{total}</td>' in scores
    assert "Moderately severe" in scores and "Mild" in scores


@pytest.mark.django_db
def test_the_latest_comments_and_pushed_answers_are_shown_to_the_therapist_and_supervisor(
    login, therapist_a, supervisor, history
):
    for user in (therapist_a, supervisor):
        page = login(user).get(f"/clients/{history.pk}/").content.decode()
        assert COMMENT in page
        assert "Felt pushed or overridden" in page
        assert "<strong>A little</strong>" in page


@pytest.mark.django_db
def test_comments_never_reach_someone_outside_the_clients_scope(login, therapist_b, history):
    http = login(therapist_b)
    assert http.get(f"/clients/{history.pk}/").status_code == 404
    assert COMMENT not in http.get("/caseload/").content.decode()


@pytest.mark.django_db
def test_reading_the_scores_is_audited(login, therapist_a, history):
    login(therapist_a).get(f"/clients/{history.pk}/")
    event = AuditEvent.objects.get(target="responses", client_id=history.pk)
    assert event.actor == therapist_a


@pytest.mark.django_db
def test_the_panel_offers_links_and_tablet_mode_next_to_each_appointment(
    login, therapist_a, client_a
):
    page = login(therapist_a).get(f"/clients/{client_a.pk}/").content.decode()
    for appointment in client_a.episodes.get().appointments.all():
        assert f'action="/appointments/{appointment.pk}/checkins/new/"' in page
    assert 'name="mode" value="tablet"' in page
    assert "Schedule: PHQ-9 before, Check-in after" in page


@pytest.mark.django_db
def test_a_client_without_answers_gets_a_helpful_empty_state(login, therapist_a, client_a):
    page = login(therapist_a).get(f"/clients/{client_a.pk}/").content.decode()
    assert "No answers yet." in page
