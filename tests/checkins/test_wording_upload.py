"""Licensed wording: a clinic admin uploads it; until then the instrument cannot be sent."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from tests.checkins._helpers import make_link

from rapport.measures.models import ClinicWording
from rapport.measures.registry import get_instrument
from rapport.measures.selectors import instrument_for_clinic


def wording_file(instrument_id: str) -> str:
    instrument = get_instrument(instrument_id)
    anchors = {}
    for item in instrument.items:
        labels = {str(o.value): f"Licensed label {o.value}" for o in (*item.options, *item.anchors)}
        if labels:
            anchors[item.id] = labels
    return json.dumps(
        {
            "instrument": instrument.id,
            "version": instrument.version,
            "instructions": "Licensed instructions.",
            "items": {
                item.id: f"Licensed scale {n} text" for n, item in enumerate(instrument.items, 1)
            },
            "anchors": anchors,
        }
    )


def upload(http, text: str, name="wording.json"):
    return http.post(
        "/manage/checkins/wording/",
        {"file": SimpleUploadedFile(name, text.encode(), content_type="application/json")},
    )


@pytest.mark.django_db
@pytest.mark.parametrize("instrument_id", ["wai-sr", "ors", "srs"])
def test_a_licensed_instrument_cannot_be_sent_before_the_wording_is_loaded(client_a, instrument_id):
    with pytest.raises(ValidationError) as error:
        make_link(client_a, instrument_id)
    assert "licensed wording" in " ".join(error.value.messages)


@pytest.mark.django_db
def test_the_therapist_sees_the_clear_message_next_to_the_instrument(login, therapist_a, client_a):
    appointment = client_a.episodes.get().appointments.first()
    response = login(therapist_a).post(
        f"/appointments/{appointment.pk}/checkins/new/",
        {"instrument": "ors", "timing": "before", "mode": "link"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="id_instrument_error"' in page
    assert "ORS uses licensed wording that this clinic has not loaded yet" in page


@pytest.mark.django_db
def test_a_clinic_admin_uploads_the_wording_and_the_instrument_becomes_sendable(
    login, admin_user, clinic, client_a
):
    response = upload(login(admin_user), wording_file("ors"))
    assert response.status_code == 302
    stored = ClinicWording.objects.get()
    assert (stored.clinic, stored.instrument_id) == (clinic, "ors")
    assert instrument_for_clinic(clinic, "ors").sendable
    assert instrument_for_clinic(clinic, "ors").items[0].wording == "Licensed scale 1 text"
    checkin, _ = make_link(client_a, "ors")
    assert checkin.instrument_id == "ors"
    page = login(admin_user).get("/manage/checkins/").content.decode()
    assert "can be sent" in page


@pytest.mark.django_db
def test_wording_is_per_clinic(clinic, admin_user):
    from rapport.clinic.models import Clinic
    from rapport.measures.services import wording_upload

    other = Clinic.objects.create(name="Elsewhere")
    wording_upload(actor=admin_user, clinic=clinic, text=wording_file("wai-sr"))
    assert instrument_for_clinic(clinic, "wai-sr").sendable
    assert not instrument_for_clinic(other, "wai-sr").sendable


@pytest.mark.django_db
def test_a_bad_wording_file_is_refused_with_its_problems_and_nothing_is_stored(login, admin_user):
    broken = json.loads(wording_file("srs"))
    del broken["items"]["srs_2"]
    response = upload(login(admin_user), json.dumps(broken))
    assert response.status_code == 400
    page = response.content.decode()
    assert "missing wording for item(s) srs_2" in page
    assert 'id="id_file_error"' in page
    assert not ClinicWording.objects.exists()
    assert upload(login(admin_user), "not json").status_code == 400
    assert not ClinicWording.objects.exists()


@pytest.mark.django_db
def test_only_a_clinic_admin_may_upload_wording(login, therapist_a):
    assert upload(login(therapist_a), wording_file("srs")).status_code == 403
    assert not ClinicWording.objects.exists()


@pytest.mark.django_db
def test_removing_the_wording_makes_the_instrument_unsendable_again(login, admin_user, clinic):
    http = login(admin_user)
    upload(http, wording_file("srs"))
    assert instrument_for_clinic(clinic, "srs").sendable
    http.post("/manage/checkins/wording/delete/", {"instrument": "srs"})
    assert not ClinicWording.objects.exists()
    assert not instrument_for_clinic(clinic, "srs").sendable


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("Infinity", "Give a number from 0 to 10, with at most one decimal, e.g. 7.5."),
        ("NaN", "Give a number from 0 to 10, with at most one decimal, e.g. 7.5."),
        ("1e99999", "Give a number from 0 to 10, with at most one decimal, e.g. 7.5."),
        ("11", "Give a number from 0 to 10, with at most one decimal, e.g. 7.5."),
        ("-1", "Give a number from 0 to 10, with at most one decimal, e.g. 7.5."),
    ],
)
def test_a_slider_typed_out_of_range_or_not_a_number_is_asked_again_and_nothing_is_stored(
    login, admin_user, client_a, client, typed, message
):
    from tests.checkins._helpers import open_and_answer

    from rapport.measures.models import Response

    upload(login(admin_user), wording_file("ors"))
    client.logout()
    _, token = make_link(client_a, "ors")
    answers = {"ors_1": typed, "ors_2": "5", "ors_3": "5", "ors_4": "5"}
    response = open_and_answer(client, token, answers)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Response.objects.count() == 0
    # A plain number with a decimal comma is taken.
    response = open_and_answer(client, token, {**answers, "ors_1": "7,5"})
    assert response.status_code == 200
    assert Response.objects.get().total == 22.5
