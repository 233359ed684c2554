"""Which instrument before and after each appointment: a clinic default, per-episode override."""

from __future__ import annotations

import pytest

from rapport.checkins.selectors import clinic_schedule, episode_schedule
from rapport.checkins.services import episode_schedule_update


@pytest.mark.django_db
def test_the_default_is_phq9_before_and_the_session_checkin_after(clinic, client_a):
    schedule = clinic_schedule(clinic)
    assert (schedule.before, schedule.after) == ("phq9", "session-checkin")
    assert episode_schedule(client_a.episodes.get()) == schedule


@pytest.mark.django_db
def test_a_clinic_admin_changes_the_clinic_default(login, admin_user, clinic, client_a):
    http = login(admin_user)
    form = http.get("/manage/checkins/").content.decode()
    assert '<option value="phq9" selected>' in form  # the form starts from the default
    response = http.post(
        "/manage/checkins/", {"before_instrument": "gad7", "after_instrument": "session-checkin"}
    )
    assert response.status_code == 302
    assert clinic_schedule(clinic).before == "gad7"
    assert episode_schedule(client_a.episodes.get()).before == "gad7"
    form = http.get("/manage/checkins/").content.decode()
    assert '<option value="gad7" selected>' in form and '"phq9" selected' not in form


@pytest.mark.django_db
def test_a_licensed_instrument_without_wording_cannot_be_scheduled(login, admin_user, clinic):
    response = login(admin_user).post(
        "/manage/checkins/", {"before_instrument": "ors", "after_instrument": "srs"}
    )
    assert response.status_code == 400
    assert "cannot be scheduled until the clinic" in response.content.decode()
    assert clinic_schedule(clinic).before == "phq9"


@pytest.mark.django_db
def test_therapists_cannot_change_the_clinic_default(login, therapist_a, clinic):
    response = login(therapist_a).post(
        "/manage/checkins/", {"before_instrument": "gad7", "after_instrument": ""}
    )
    assert response.status_code == 403
    assert clinic_schedule(clinic).before == "phq9"


@pytest.mark.django_db
def test_an_episode_overrides_the_default_on_its_own_page(login, therapist_a, client_a):
    episode = client_a.episodes.get()
    http = login(therapist_a)
    page = http.get(f"/episodes/{episode.pk}/checkins/").content.decode()
    assert "Clinic default (PHQ-9)" in page
    response = http.post(
        f"/episodes/{episode.pk}/checkins/",
        {"before_instrument": "core10", "after_instrument": "none"},
    )
    assert response.status_code == 302
    schedule = episode_schedule(episode)
    assert (schedule.before, schedule.after) == ("core10", "")
    assert not schedule.before_is_default
    client_page = http.get(f"/clients/{client_a.pk}/").content.decode()
    assert "Schedule: CORE-10 before, nothing after" in client_page


@pytest.mark.django_db
def test_an_empty_override_falls_back_to_the_clinic_default(client_a, therapist_a):
    episode = client_a.episodes.get()
    episode_schedule_update(
        actor=therapist_a, episode=episode, before_instrument="", after_instrument="gad7"
    )
    schedule = episode_schedule(episode)
    assert (schedule.before, schedule.after) == ("phq9", "gad7")


@pytest.mark.django_db
def test_an_unknown_instrument_is_refused_and_nothing_changes(login, therapist_a, client_a):
    episode = client_a.episodes.get()
    response = login(therapist_a).post(
        f"/episodes/{episode.pk}/checkins/",
        {"before_instrument": "made-up", "after_instrument": ""},
    )
    assert response.status_code == 400
    assert episode_schedule(episode).before == "phq9"


@pytest.mark.django_db
def test_the_new_checkin_page_preselects_the_scheduled_instrument(login, therapist_a, client_a):
    appointment = client_a.episodes.get().appointments.first()
    page = (
        login(therapist_a)
        .get(f"/appointments/{appointment.pk}/checkins/new/?timing=after")
        .content.decode()
    )
    assert '<option value="session-checkin" selected>' in page
