"""A phone number that can be dialled, a caseload caption that says whose clients these
are, and an icon every page names (no /favicon.ico 404 on each visit)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.core.exceptions import ValidationError
from tests.conftest import make_client

from rapport.clinic.models import Client
from rapport.clinic.services import client_create, client_update

pytestmark = pytest.mark.django_db

PHONE_MESSAGE = "Enter a phone number of 6 to 15 digits"


# --- phone ------------------------------------------------------------------------------


@pytest.mark.parametrize("phone", ["abc", "12345", "+44 (0)20 abc 7946", "0161 496 0000 x12"])
def test_a_phone_that_cannot_be_dialled_is_refused_next_to_the_field(login, therapist_a, phone):
    response = login(therapist_a).post(
        "/clients/new/", {"display_name": "Pat Phone", "phone": phone, "form_key": "k1"}
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert 'id="id_phone_error"' in page and PHONE_MESSAGE in page
    assert not Client.objects.exists()


@pytest.mark.parametrize(
    "phone", ["", "0161 496 0000", "+44 (0)161-496.0000", "  07700 900123  ", "123456"]
)
def test_a_phone_of_digits_and_separators_is_kept(therapist_a, phone):
    client = client_create(actor=therapist_a, therapist=therapist_a, display_name="P", phone=phone)
    assert client.phone == phone.strip()


def test_editing_a_client_refuses_a_bad_phone_and_keeps_the_old_one(therapist_a, client_a):
    client_update(actor=therapist_a, client=client_a, phone="0161 496 0000")
    with pytest.raises(ValidationError) as refused:
        client_update(actor=therapist_a, client=client_a, phone="abc")
    assert PHONE_MESSAGE in refused.value.message_dict["phone"][0]
    client_a.refresh_from_db()
    assert client_a.phone == "0161 496 0000"


# --- caseload caption -------------------------------------------------------------------


def caption(page: str) -> str:
    table = r'<table class="caseload[^"]*">\s*<caption[^>]*>(.*?)</caption>'
    return re.search(table, page, re.S)[1]


def test_a_supervisors_caseload_caption_names_their_supervisees_clients(
    login, supervisor, client_a
):
    page = login(supervisor).get("/caseload/").content.decode()
    assert caption(page).startswith("Your supervisees' clients, ")


def test_a_therapists_caseload_caption_names_their_own_clients(login, therapist_a, client_a):
    page = login(therapist_a).get("/caseload/").content.decode()
    assert caption(page).startswith("Your clients, ")


# --- favicon ----------------------------------------------------------------------------

ICON_LINK = '<link rel="icon" href="/static/rapport/favicon.svg" type="image/svg+xml">'


def test_the_favicon_is_a_static_svg():
    found = finders.find("rapport/favicon.svg")
    assert found is not None
    text = Path(found).read_text(encoding="utf-8")
    assert text.startswith("<svg") and 'xmlns="http://www.w3.org/2000/svg"' in text


def test_the_favicon_is_served(client):
    response = client.get("/static/rapport/favicon.svg")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("image/svg+xml")


def test_staff_and_client_pages_name_the_icon(client, login, therapist_a):
    assert ICON_LINK in client.get("/accounts/login/").content.decode()
    # A client's page (here: a link that cannot be used) has its own base template.
    client_page = client.get("/c/not-a-real-token/")
    assert "rapport/checkin.css" in client_page.content.decode()
    assert ICON_LINK in client_page.content.decode()
    patient = make_client(therapist_a, "Ivy Icon")
    assert ICON_LINK in login(therapist_a).get(f"/clients/{patient.pk}/").content.decode()


@pytest.mark.parametrize(
    ("phone", "dial"),
    [("0161 496 0000", "01614960000"), ("+44 (0)161-496.0000", "+441614960000")],
)
def test_the_client_page_shows_the_phone_to_call_and_the_email(login, therapist_a, phone, dial):
    """The page a risk answer sends the therapist to says how to reach the client."""
    client = client_create(
        actor=therapist_a,
        therapist=therapist_a,
        display_name="Pat Phone",
        phone=phone,
        email="pat@example.invalid",
    )
    page = login(therapist_a).get(f"/clients/{client.pk}/").content.decode()
    assert f'Phone: <a href="tel:{dial}">{phone}</a>' in page
    assert "Email: pat@example.invalid" in page


def test_the_client_form_says_what_email_and_phone_are_for(login, therapist_a):
    page = login(therapist_a).get("/clients/new/").content.decode()
    assert "for reminders" not in page
    assert "Check-in links can be sent here." in page
    assert "to call them (after a risk answer, say)" in page
