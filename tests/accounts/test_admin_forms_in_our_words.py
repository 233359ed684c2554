"""The admin's forms speak the app's words: a meaningful empty choice in the supervision
selects (Django's "---------" is read aloud as dashes), the retention and client-id errors
say what to enter (not "Ensure this value is greater than or equal to 0."), and the audit
filter's field is named for what it holds. Staff review 12 (2026-12-07)."""

from __future__ import annotations

import html

import pytest

DJANGO_DEFAULTS = ("Ensure this value", "Enter a whole number.", "---------")


def page_text(response) -> str:
    return html.unescape(response.content.decode())


@pytest.mark.django_db
def test_the_supervision_selects_offer_a_choice_not_dashes(login, admin_user):
    page = page_text(login(admin_user).get("/manage/supervision/"))
    assert '<option value="" selected>Choose a supervisor</option>' in page
    assert '<option value="" selected>Choose a supervisee</option>' in page
    assert "---------" not in page


@pytest.mark.django_db
def test_an_empty_supervision_choice_says_what_to_choose(login, admin_user):
    page = page_text(
        login(admin_user).post("/manage/supervision/", {"supervisor": "", "supervisee": ""})
    )
    assert "Choose a supervisor." in page and "Choose a supervisee." in page
    assert "This field is required." not in page


@pytest.mark.django_db
@pytest.mark.parametrize("typed", ["-1", "4000", "ten"])
def test_a_retention_out_of_range_says_the_range(login, admin_user, clinic, typed):
    http = login(admin_user)
    before = clinic.transcript_retention_days
    form = {
        "name": clinic.name,
        "crisis_text": "Call the clinic on 0161 496 0000, weekdays 9 to 5.",
        "sharing_text": "",
        "transcript_retention_days": typed,
    }
    page = page_text(http.post("/manage/clinic/", form))
    assert "Enter a number of days from 0 (keep the text) to 3650 (ten years)." in page
    assert not any(default in page for default in DJANGO_DEFAULTS[:2])
    clinic.refresh_from_db()
    assert clinic.transcript_retention_days == before, "nothing saved"


@pytest.mark.django_db
@pytest.mark.parametrize("typed", ["0", "abc"])
def test_the_audit_filter_says_what_a_client_id_is(login, admin_user, typed):
    page = page_text(login(admin_user).get("/manage/audit/", {"client": typed}))
    assert "A client id is a whole number, 1 or more." in page
    assert not any(default in page for default in DJANGO_DEFAULTS[:2])
    assert ">Kind of event<" in page or "Kind of event</label>" in page
