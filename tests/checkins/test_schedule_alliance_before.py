"""An alliance questionnaire (session check-in, SRS, WAI-SR) rates the session, so it cannot be
scheduled before it: every link would be refused with "has not started yet"."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from tests.checkins.test_wording_upload import wording_file

from rapport.checkins.models import EpisodeSchedule
from rapport.checkins.selectors import clinic_schedule, episode_schedule
from rapport.checkins.services import clinic_schedule_update, episode_schedule_update
from rapport.measures.services import wording_upload

MESSAGE = "Check-in asks about the session, so it cannot be sent before it"


@pytest.mark.django_db
def test_the_clinic_schedule_refuses_an_alliance_questionnaire_before_the_session(
    login, admin_user, clinic
):
    response = login(admin_user).post(
        "/manage/checkins/", {"before_instrument": "session-checkin", "after_instrument": "gad7"}
    )
    assert response.status_code == 400
    errors = response.context["schedule_form"].errors
    assert MESSAGE in errors["before_instrument"][0]
    assert "after_instrument" not in errors
    assert MESSAGE in response.content.decode()
    assert (clinic_schedule(clinic).before, clinic_schedule(clinic).after) == (
        "phq9",
        "session-checkin",
    )


@pytest.mark.django_db
def test_an_episode_override_refuses_an_alliance_questionnaire_before_the_session(
    login, therapist_a, client_a
):
    episode = client_a.episodes.get()
    response = login(therapist_a).post(
        f"/episodes/{episode.pk}/checkins/",
        {"before_instrument": "session-checkin", "after_instrument": "none"},
    )
    assert response.status_code == 400
    assert MESSAGE in response.context["form"].errors["before_instrument"][0]
    assert not EpisodeSchedule.objects.exists()
    assert episode_schedule(episode).before == "phq9"


@pytest.mark.django_db
@pytest.mark.parametrize("instrument_id", ["srs", "wai-sr"])
def test_a_licensed_alliance_questionnaire_is_refused_before_once_its_wording_is_loaded(
    admin_user, clinic, instrument_id
):
    wording_upload(actor=admin_user, clinic=clinic, text=wording_file(instrument_id))
    with pytest.raises(ValidationError) as refused:
        clinic_schedule_update(
            actor=admin_user, clinic=clinic, before_instrument=instrument_id, after_instrument=""
        )
    assert "asks about the session" in refused.value.message_dict["before_instrument"][0]
    assert clinic_schedule(clinic).before == "phq9"
    # After the session it is what the clinic wants.
    clinic_schedule_update(
        actor=admin_user, clinic=clinic, before_instrument="phq9", after_instrument=instrument_id
    )
    assert clinic_schedule(clinic).after == instrument_id


@pytest.mark.django_db
def test_alliance_questionnaires_after_the_session_and_outcome_ones_before_are_fine(
    therapist_a, client_a
):
    episode = client_a.episodes.get()
    episode_schedule_update(
        actor=therapist_a, episode=episode, before_instrument="gad7", after_instrument="phq9"
    )
    episode_schedule_update(
        actor=therapist_a,
        episode=episode,
        before_instrument="core10",
        after_instrument="session-checkin",
    )
    assert (episode_schedule(episode).before, episode_schedule(episode).after) == (
        "core10",
        "session-checkin",
    )
