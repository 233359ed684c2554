"""A questionnaire whose licensed wording is not loaded is shown, disabled, with the reason.

Review finding: ORS, SRS and WAI-SR (licensed; the demo clinic has not loaded their wording)
could be picked in *New check-in* and in the episode's schedule, and only then refused. They
are now greyed out in both (and on the clinic's Check-ins page), with "wording not loaded:
an admin can load the clinic's licensed file" in the option and under the field; the server
still refuses them (a forged or stale form).
"""

from __future__ import annotations

import re

import pytest
from tests.checkins._helpers import appointment_of
from tests.checkins.test_wording_upload import upload, wording_file

from rapport.checkins.models import CheckIn

REASON = "wording not loaded: an admin can load the clinic&#x27;s licensed file"
HELP = "Greyed-out questionnaires cannot be sent yet: their wording is not loaded."


def option(page: str, select: str, value: str) -> str:
    html = page.split(f'name="{select}"', 1)[1].split("</select>", 1)[0]
    match = re.search(rf'<option value="{re.escape(value)}"[^>]*>[^<]*</option>', html)
    assert match, f"{value} is offered in {select}"
    return match.group(0)


@pytest.mark.django_db
@pytest.mark.parametrize("instrument_id", ["ors", "srs", "wai-sr"])
def test_new_checkin_shows_it_disabled_with_the_reason(login, therapist_a, client_a, instrument_id):
    page = (
        login(therapist_a)
        .get(f"/appointments/{appointment_of(client_a).pk}/checkins/new/")
        .content.decode()
    )
    offered = option(page, "instrument", instrument_id)
    assert " disabled" in offered and REASON in offered
    assert " disabled" not in option(page, "instrument", "phq9")
    assert HELP in page


@pytest.mark.django_db
def test_the_episode_schedule_shows_it_disabled(login, therapist_a, client_a):
    episode = client_a.episodes.get()
    page = login(therapist_a).get(f"/episodes/{episode.pk}/checkins/").content.decode()
    for select in ("before_instrument", "after_instrument"):
        assert " disabled" in option(page, select, "ors")
        assert " disabled" not in option(page, select, "gad7")
    assert HELP in page


@pytest.mark.django_db
def test_the_server_still_refuses_it(login, therapist_a, client_a):
    page = login(therapist_a).post(
        f"/appointments/{appointment_of(client_a).pk}/checkins/new/",
        {"instrument": "ors", "timing": "after", "mode": "link"},
    )
    assert page.status_code == 400
    assert "ORS uses licensed wording that this clinic has not loaded yet" in page.content.decode()
    assert not CheckIn.objects.exists()


@pytest.mark.django_db
def test_once_loaded_it_can_be_picked(login, admin_user, therapist_a, client_a):
    upload(login(admin_user), wording_file("ors"))
    page = (
        login(therapist_a)
        .get(f"/appointments/{appointment_of(client_a).pk}/checkins/new/")
        .content.decode()
    )
    assert " disabled" not in option(page, "instrument", "ors")
