"""The client's page shows the title from the clinic's wording file, in its heading and its
browser tab; other clinics keep the shipped one."""

from __future__ import annotations

import json
import re
from html import unescape

import pytest

from rapport.accounts.models import Role
from rapport.clinic.models import Clinic
from rapport.measures.services import wording_upload
from tests.checkins._helpers import make_link
from tests.conftest import make_client, make_user
from tests.measures.test_wording_client_title import phq9_translation


def _heading_and_tab(http, client) -> tuple[str, str]:
    _, token = make_link(client, "phq9")
    page = http.get(f"/c/{token}/").content.decode()
    heading = re.search(r"<h1>(.*?)</h1>", page, re.S)
    tab = re.search(r"<title>(.*?)</title>", page, re.S)
    assert heading and tab
    return unescape(heading.group(1)).strip(), unescape(tab.group(1)).strip()


@pytest.mark.django_db
def test_the_client_page_is_titled_from_the_clinics_wording_file(
    client, clinic, admin_user, client_a
):
    wording_upload(actor=admin_user, clinic=clinic, text=json.dumps(phq9_translation()))
    assert _heading_and_tab(client, client_a) == (
        "Wie es Ihnen ging",
        "Wie es Ihnen ging · Rapport",
    )


@pytest.mark.django_db
def test_another_clinic_keeps_the_shipped_title(client, clinic, admin_user, client_a):
    wording_upload(actor=admin_user, clinic=clinic, text=json.dumps(phq9_translation()))
    other_clinic = Clinic.objects.create(name="Other clinic")
    other_therapist = make_user(other_clinic, "other.therapist@test.invalid", Role.THERAPIST)
    other_client = make_client(other_therapist, "Other")
    assert _heading_and_tab(client, other_client) == (
        "How you’ve been feeling",
        "How you’ve been feeling · Rapport",
    )
