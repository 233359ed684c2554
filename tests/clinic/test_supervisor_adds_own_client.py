"""A supervisor's "Add client" says whose client the new one will be (staff review finding
19): their caseload lists their supervisees' clients, each with a therapist, and the same
button and form as a therapist's gave no hint that the client becomes the supervisor's own."""

from __future__ import annotations

import re
from html import unescape

import pytest

from rapport.clinic.models import Client

pytestmark = pytest.mark.django_db

INTRO = (
    "The new client will be yours: they join your own caseload, with you as their therapist, "
    "not a supervisee's. A supervisee adds their own clients, and a clinic admin can move a "
    "client to another therapist."
)


def add_button(page: str) -> str:
    return unescape(re.search(r'<a class="button" href="/clients/new/">([^<]*)</a>', page)[1])


def test_a_supervisors_caseload_button_says_the_client_is_their_own(login, supervisor, client_a):
    page = login(supervisor).get("/caseload/").content.decode()
    assert client_a.display_name in page  # a supervisee's client is listed
    assert add_button(page) == "Add a client of your own"


def test_a_supervisors_new_client_form_says_whose_client_it_will_be(login, supervisor):
    http = login(supervisor)
    page = unescape(http.get("/clients/new/").content.decode())
    assert f"<p>{INTRO}</p>" in page
    response = http.post("/clients/new/", {"display_name": "Sol S.", "form_key": "s1"})
    assert response.status_code == 302
    made = Client.objects.get(therapist=supervisor)  # as it said
    assert made.display_name == "Sol S."


def test_a_therapist_sees_the_plain_button_and_no_such_note(login, therapist_a, client_a):
    http = login(therapist_a)
    assert add_button(http.get("/caseload/").content.decode()) == "Add client"
    assert "will be yours" not in http.get("/clients/new/").content.decode()
