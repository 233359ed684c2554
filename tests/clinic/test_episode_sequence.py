"""Episodes follow one another: a new one cannot start before the last one ended, only one
is open at a time, the page to start one says so instead of offering a form that cannot
succeed, and an ended episode is shown in full (dates, reason, basis, summary)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from tests.conftest import make_client

from rapport.audit.models import Action, AuditEvent
from rapport.clinic.models import AttendanceBasis, EndReason, Episode, Phase
from rapport.clinic.services import appointment_create, episode_create, episode_update

pytestmark = pytest.mark.django_db


def days_ago(days: int):
    return timezone.localdate() - timedelta(days=days)


def ended_episode(client, *, start: int = 30, end: int = 25, **extra) -> Episode:
    """An episode that ran from ``start`` to ``end`` days ago."""
    return Episode.objects.create(
        client=client,
        started_on=days_ago(start),
        ended_on=days_ago(end),
        phase=Phase.CLOSED,
        end_reason=extra.pop("end_reason", EndReason.PLANNED),
        **extra,
    )


@pytest.fixture
def returning(therapist_a):
    """A client whose only episode ended 25 days ago."""
    client = make_client(therapist_a, "Rhea Returning", with_episode=False)
    ended_episode(client)
    return client


# --- 1. no overlap with the episode that ended ------------------------------------------


def test_a_new_episode_cannot_start_before_the_last_one_ended(therapist_a, returning):
    last_end = days_ago(25)
    with pytest.raises(ValidationError) as refused:
        episode_create(actor=therapist_a, client=returning, started_on=days_ago(29))
    message = refused.value.message_dict["started_on"][0]
    assert f"ended on {last_end.day} {last_end:%b %Y}" in message
    assert "on that day or later" in message
    assert returning.episodes.count() == 1


def test_a_new_episode_may_start_the_day_the_last_one_ended(therapist_a, returning):
    episode = episode_create(actor=therapist_a, client=returning, started_on=days_ago(25))
    assert episode.started_on == days_ago(25)
    assert returning.episodes.filter(phase=Phase.ESTABLISHING).count() == 1


def test_the_latest_ending_counts_not_the_latest_start(therapist_a, returning):
    # A short episode inside the period of a longer one that ended later.
    ended_episode(returning, start=28, end=27)
    with pytest.raises(ValidationError, match="on that day or later"):
        episode_create(actor=therapist_a, client=returning, started_on=days_ago(26))


def test_the_reported_overlap_and_its_booking_are_refused(login, therapist_a, returning):
    # Reported: episode 1-6 Dec, a new one from 2 Dec accepted, a session on 3 Dec booked in it.
    http = login(therapist_a)
    response = http.post(
        f"/clients/{returning.pk}/episodes/new/",
        {"started_on": days_ago(29).isoformat(), "attendance_basis": "voluntary"},
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert 'id="id_started_on_error"' in page and "on that day or later" in page
    assert returning.episodes.count() == 1
    # From the end date on, it is accepted; a booking before it stays refused.
    response = http.post(
        f"/clients/{returning.pk}/episodes/new/",
        {"started_on": days_ago(25).isoformat(), "attendance_basis": "voluntary"},
    )
    assert response.status_code == 302
    episode = returning.episodes.get(phase=Phase.ESTABLISHING)
    with pytest.raises(ValidationError, match="before the episode started"):
        appointment_create(
            actor=therapist_a, episode=episode, starts_at=timezone.now() - timedelta(days=28)
        )


def test_an_open_episode_cannot_be_moved_back_over_the_last_one(therapist_a, returning):
    episode = episode_create(actor=therapist_a, client=returning, started_on=days_ago(20))
    with pytest.raises(ValidationError) as refused:
        episode_update(actor=therapist_a, episode=episode, started_on=days_ago(27))
    assert "on that day or later" in refused.value.message_dict["started_on"][0]
    episode.refresh_from_db()
    assert episode.started_on == days_ago(20)
    episode_update(actor=therapist_a, episode=episode, started_on=days_ago(25))
    episode.refresh_from_db()
    assert episode.started_on == days_ago(25)


def test_a_second_open_episode_is_refused_by_the_service(therapist_a, client_a):
    with pytest.raises(ValidationError, match="already has an open episode"):
        episode_create(actor=therapist_a, client=client_a, started_on=timezone.localdate())
    assert client_a.episodes.count() == 1


# --- 2. the start page while an episode is open -----------------------------------------


def test_the_start_page_says_an_episode_is_open_instead_of_showing_a_form(
    login, therapist_a, client_a
):
    open_one = client_a.episodes.get()
    response = login(therapist_a).get(f"/clients/{client_a.pk}/episodes/new/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "already has an open episode" in page
    assert f"{open_one.started_on.day} {open_one.started_on:%b %Y}" in page
    assert f'href="/clients/{client_a.pk}/"' in page
    assert 'name="started_on"' not in page and '<form method="post" class="stack"' not in page
    assert AuditEvent.objects.filter(
        action=Action.VIEW, target="page:episode_create", client_id=client_a.pk
    ).exists()


def test_the_start_page_still_offers_the_form_when_no_episode_is_open(
    login, therapist_a, returning
):
    response = login(therapist_a).get(f"/clients/{returning.pk}/episodes/new/")
    assert response.status_code == 200
    assert 'name="started_on"' in response.content.decode()


def test_the_client_page_does_not_offer_a_second_episode_when_one_is_open(
    login, therapist_a, therapist_b
):
    client = make_client(therapist_a, "Olga Open")
    # The open episode was back-dated before an ended one: it is still the current one.
    ended_episode(client, start=20, end=10)
    page = login(therapist_a).get(f"/clients/{client.pk}/").content.decode()
    assert f"/clients/{client.pk}/episodes/new/" not in page
    assert "Current episode" in page and "No open episode" not in page


def test_the_client_page_offers_a_new_episode_when_none_is_open(login, therapist_a, returning):
    page = login(therapist_a).get(f"/clients/{returning.pk}/").content.decode()
    assert f'href="/clients/{returning.pk}/episodes/new/"' in page


# --- 4. an ended episode, in full --------------------------------------------------------


def test_an_ended_episode_shows_its_dates_reason_basis_referrer_and_summary(login, therapist_a):
    client = make_client(therapist_a, "Enid Ended", with_episode=False)
    ended_episode(
        client,
        start=40,
        end=33,
        end_reason=EndReason.REFERRED,
        attendance_basis=AttendanceBasis.MANDATED_LEGAL,
        referral_source="Probation officer (synthetic)",
        ending_summary="Goals reviewed; referred to a specialist service.",
    )
    page = login(therapist_a).get(f"/clients/{client.pk}/").content.decode()
    start, end = days_ago(40), days_ago(33)
    assert f"{start.day} {start:%b %Y} – {end.day} {end:%b %Y}" in page
    assert "Referred on" in page
    assert "Mandated: legal obligation" in page
    assert "Probation officer (synthetic)" in page
    assert "Goals reviewed; referred to a specialist service." in page
    assert AuditEvent.objects.filter(
        action=Action.VIEW, target="client", client_id=client.pk
    ).exists()


def test_an_ended_episode_without_a_summary_says_so(login, therapist_a, returning):
    page = login(therapist_a).get(f"/clients/{returning.pk}/").content.decode()
    assert "Voluntary" in page and "Planned ending" in page
    assert "None written." in page


def test_an_ended_episodes_edit_and_end_pages_say_it_ended_instead_of_a_form(
    login, therapist_a, client_a
):
    from django.utils import timezone

    episode = client_a.episodes.get()
    http = login(therapist_a)
    http.post(
        f"/episodes/{episode.pk}/end/",
        {"ended_on": timezone.localdate().isoformat(), "end_reason": "planned"},
    )
    for page in (f"/episodes/{episode.pk}/edit/", f"/episodes/{episode.pk}/end/"):
        response = http.get(page)
        body = response.content.decode()
        assert response.status_code == 200 and "can no longer be changed" in body
        assert "<form" not in body.split("<main", 1)[-1]
        assert http.post(page, {"phase": "maintaining"}).status_code == 400
