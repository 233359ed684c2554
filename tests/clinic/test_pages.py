"""Clinician pages: what they show, and that bad input changes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from tests.conftest import make_client

from rapport.clinic.models import Appointment, Client, Episode, Goal


@pytest.mark.django_db
def test_the_caseload_lists_my_clients_with_phase_and_appointments(
    login, therapist_a, client_a, client_b
):
    page = login(therapist_a).get("/caseload/").content.decode()
    assert client_a.display_name in page
    assert client_b.display_name not in page
    assert "Establishing" in page
    next_appointment = client_a.episodes.get().appointments.order_by("-starts_at").first().starts_at
    assert timezone.localtime(next_appointment).strftime("%-d %b") in page


@pytest.mark.django_db
def test_the_client_page_shows_episode_goals_and_appointments(login, therapist_a, client_a):
    page = login(therapist_a).get(f"/clients/{client_a.pk}/").content.decode()
    assert "Current episode" in page
    assert "goal in own words" in page
    # One past session to record, one still to come to keep or cancel (conftest.make_client).
    assert page.count("Record attendance") == 1 and page.count("Keep or cancel") == 1


@pytest.mark.django_db
def test_creating_a_client_with_no_name_re_renders_with_the_message_and_saves_nothing(
    login, therapist_a
):
    response = login(therapist_a).post("/clients/new/", {"display_name": " ", "birth_year": "1990"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "This field is required." in page
    # A summary at the top, announced, links to the field to correct.
    summary = page[page.index('<div class="error-summary" role="alert">') :]
    summary = summary[: summary.index("</div>")]
    assert '<a href="#id_display_name">Name</a>: This field is required.' in summary
    assert 'id="id_display_name_error"' in page
    assert Client.objects.count() == 0


@pytest.mark.django_db
def test_a_future_birth_year_is_refused_next_to_the_field(login, therapist_a):
    year = timezone.localdate().year + 1
    response = login(therapist_a).post(
        "/clients/new/", {"display_name": "Ivo", "birth_year": str(year)}
    )
    assert 'id="id_birth_year_error"' in response.content.decode()
    assert Client.objects.count() == 0


@pytest.mark.django_db
def test_a_therapist_adds_a_client_starts_an_episode_and_records_a_goal(login, therapist_a):
    http = login(therapist_a)
    response = http.post("/clients/new/", {"display_name": "Nora P.", "birth_year": "1988"})
    client = Client.objects.get()
    assert response["Location"] == f"/clients/{client.pk}/"
    assert client.therapist == therapist_a
    http.post(
        f"/clients/{client.pk}/episodes/new/",
        {
            "started_on": timezone.localdate().isoformat(),
            "attendance_basis": "mandated_work",
            "referral_source": "GP",
        },
    )
    episode = Episode.objects.get(client=client)
    assert episode.is_mandated and episode.phase == "establishing"
    http.post(f"/episodes/{episode.pk}/goals/new/", {"text": "Feel less tense on Sunday evenings"})
    assert Goal.objects.get(episode=episode).text == "Feel less tense on Sunday evenings"


@pytest.mark.django_db
def test_a_second_open_episode_is_refused(login, therapist_a, client_a):
    response = login(therapist_a).post(
        f"/clients/{client_a.pk}/episodes/new/",
        {"started_on": timezone.localdate().isoformat(), "attendance_basis": "voluntary"},
    )
    assert response.status_code == 400
    assert "already has an open episode" in response.content.decode()
    assert client_a.episodes.count() == 1


@pytest.mark.django_db
def test_recording_attendance_for_a_future_appointment_is_refused(login, therapist_a, client_a):
    future = Appointment.objects.filter(
        episode__client=client_a, starts_at__gt=timezone.now()
    ).get()
    response = login(therapist_a).post(
        f"/appointments/{future.pk}/attendance/", {"attendance": "attended"}
    )
    assert response.status_code == 400
    assert "has not happened yet" in response.content.decode()
    future.refresh_from_db()
    assert future.attendance == "scheduled"


@pytest.mark.django_db
def test_recording_a_no_show(login, therapist_a, client_a):
    past = Appointment.objects.filter(episode__client=client_a, starts_at__lt=timezone.now()).get()
    login(therapist_a).post(f"/appointments/{past.pk}/attendance/", {"attendance": "no_show"})
    past.refresh_from_db()
    assert past.attendance == "no_show"


@pytest.mark.django_db
def test_ending_an_episode_records_the_reason_and_cancels_future_appointments(
    login, therapist_a, client_a
):
    episode = client_a.episodes.get()
    http = login(therapist_a)
    http.post(
        f"/episodes/{episode.pk}/end/",
        {
            "ended_on": timezone.localdate().isoformat(),
            "end_reason": "dropped_out",
            "summary": "Stopped coming.",
        },
    )
    episode.refresh_from_db()
    assert (episode.phase, episode.end_reason) == ("closed", "dropped_out")
    assert not episode.appointments.filter(
        attendance="scheduled", starts_at__gt=timezone.now()
    ).exists()
    assert episode.appointments.filter(attendance="cancelled").count() == 1
    # The past session nobody marked can still be recorded from the ended episode's list;
    # the cancelled one offers nothing.
    unmarked = episode.appointments.get(attendance="scheduled")
    cancelled = episode.appointments.get(attendance="cancelled")
    page = http.get(f"/clients/{client_a.pk}/").content.decode()
    assert f'href="/appointments/{unmarked.pk}/attendance/"' in page
    assert f'href="/appointments/{cancelled.pk}/attendance/"' not in page


@pytest.mark.django_db
def test_ending_an_episode_before_it_started_is_refused(login, therapist_a, client_a):
    episode = client_a.episodes.get()
    before = (episode.started_on - timedelta(days=1)).isoformat()
    response = login(therapist_a).post(
        f"/episodes/{episode.pk}/end/", {"ended_on": before, "end_reason": "planned"}
    )
    assert "cannot be before the start date" in response.content.decode()
    episode.refresh_from_db()
    assert episode.phase == "establishing" and episode.ended_on is None


@pytest.mark.django_db
def test_booking_an_appointment(login, therapist_a, client_a):
    episode = client_a.episodes.get()
    when = (timezone.localtime() + timedelta(days=3)).replace(
        hour=10, minute=0, second=0, microsecond=0
    )
    login(therapist_a).post(
        f"/episodes/{episode.pk}/appointments/new/",
        {
            "starts_at": when.strftime("%Y-%m-%dT%H:%M"),
            "modality": "video",
            "duration_minutes": "50",
        },
    )
    assert episode.appointments.filter(modality="video", starts_at=when).exists()


@pytest.mark.django_db
def test_the_supervisor_caseload_shows_each_clients_therapist(
    login, supervisor, therapist_a, client_a
):
    page = login(supervisor).get("/caseload/").content.decode()
    assert client_a.display_name in page and str(therapist_a) in page


@pytest.mark.django_db
def test_the_admin_manages_users_and_supervision_links(login, admin_user, therapist_b, clinic):
    from rapport.accounts.models import Role, SupervisionLink, User

    http = login(admin_user)
    http.post(
        "/manage/users/new/",
        {
            "email": "new.sup@test.invalid",
            "role": "supervisor",
            "password": "a-long-enough-passphrase",
        },
    )
    sup = User.objects.get(email="new.sup@test.invalid")
    assert sup.role == Role.SUPERVISOR and sup.clinic == clinic
    http.post("/manage/supervision/", {"supervisor": sup.pk, "supervisee": therapist_b.pk})
    assert SupervisionLink.objects.filter(supervisor=sup, supervisee=therapist_b).exists()
    duplicate = http.post(
        "/manage/supervision/", {"supervisor": sup.pk, "supervisee": therapist_b.pk}
    )
    assert "already exists" in duplicate.content.decode()
    assert SupervisionLink.objects.filter(supervisor=sup).count() == 1


@pytest.mark.django_db
def test_a_weak_password_for_a_new_user_is_refused(login, admin_user):
    from rapport.accounts.models import User

    response = login(admin_user).post(
        "/manage/users/new/", {"email": "x@test.invalid", "role": "therapist", "password": "short"}
    )
    assert response.status_code == 400
    assert not User.objects.filter(email="x@test.invalid").exists()


@pytest.mark.django_db
def test_caseload_queries_do_not_grow_with_the_caseload(
    login, therapist_a, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    http = login(therapist_a)
    for i in range(3):
        make_client(therapist_a, f"Small {i}")
    with CaptureQueriesContext(connection) as small:
        http.get("/caseload/")
    for i in range(20):
        make_client(therapist_a, f"Large {i}")
    with CaptureQueriesContext(connection) as large:
        http.get("/caseload/")
    assert len(large.captured_queries) == len(small.captured_queries)


@pytest.mark.django_db
def test_an_episode_cannot_end_before_a_session_the_client_attended(login, therapist_a, client_a):
    episode = client_a.episodes.get()
    past = episode.appointments.get(starts_at__lt=timezone.now())
    past.attendance = "attended"
    past.save()
    day_before = (timezone.localtime(past.starts_at).date() - timedelta(days=1)).isoformat()
    if day_before < episode.started_on.isoformat():
        episode.started_on = timezone.localtime(past.starts_at).date() - timedelta(days=7)
        episode.save()
    response = login(therapist_a).post(
        f"/episodes/{episode.pk}/end/", {"ended_on": day_before, "end_reason": "planned"}
    )
    assert response.status_code == 400
    assert "end the episode on or after its last session" in response.content.decode()
    episode.refresh_from_db()
    assert episode.ended_on is None


@pytest.mark.django_db
def test_ending_an_episode_cancels_what_was_booked_after_the_end_date_not_only_after_today(
    login, therapist_a, client_a
):
    episode = client_a.episodes.get()
    unmarked = episode.appointments.get(starts_at__lt=timezone.now())
    ended_on = timezone.localtime(unmarked.starts_at).date() - timedelta(days=1)
    episode.started_on = ended_on - timedelta(days=7)
    episode.save()
    login(therapist_a).post(
        f"/episodes/{episode.pk}/end/", {"ended_on": ended_on.isoformat(), "end_reason": "planned"}
    )
    unmarked.refresh_from_db()
    assert unmarked.attendance == "cancelled"
    assert not episode.appointments.filter(attendance="scheduled").exists()


@pytest.mark.django_db
def test_a_recorded_session_of_an_ended_episode_cannot_be_changed(login, therapist_a, client_a):
    episode = client_a.episodes.get()
    past = episode.appointments.get(starts_at__lt=timezone.now())
    http = login(therapist_a)
    http.post(f"/appointments/{past.pk}/attendance/", {"attendance": "attended"})
    http.post(
        f"/episodes/{episode.pk}/end/",
        {"ended_on": timezone.localdate().isoformat(), "end_reason": "planned"},
    )
    response = http.post(f"/appointments/{past.pk}/attendance/", {"attendance": "no_show"})
    assert response.status_code == 400
    assert "can no longer be changed" in response.content.decode()
    past.refresh_from_db()
    assert past.attendance == "attended"
