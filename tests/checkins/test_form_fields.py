"""The shared staff form fields (includes/form_fields.html): groups are fieldsets with a
legend, and every help text and error is linked to what it describes."""

from __future__ import annotations

import re

import pytest
from tests.checkins._helpers import appointment_of


def described_by_ids_missing(page: str) -> list[str]:
    ids = set(re.findall(r'\bid="([^"]+)"', page))
    referenced = [
        ref for refs in re.findall(r'aria-describedby="([^"]*)"', page) for ref in refs.split()
    ]
    return [ref for ref in referenced if ref not in ids]


@pytest.mark.django_db
def test_a_radio_group_is_a_fieldset_whose_legend_names_it_and_help_text_describes_it(
    login, therapist_a, client_a
):
    url = f"/appointments/{appointment_of(client_a).pk}/checkins/new/"
    page = login(therapist_a).get(url).content.decode()
    assert 'for=""' not in page
    group = re.search(r"<fieldset[^>]*>.*?</fieldset>", page, re.S)
    assert group, "the 'How' radios are in a fieldset"
    html = group.group(0)
    assert re.search(r"<legend>How\b", html)
    assert html.count('type="radio" name="mode"') == 2
    described = re.search(r'<fieldset[^>]*aria-describedby="([^"]+)"', html)
    assert described and described.group(1) == "id_mode_helptext"
    assert 'id="id_mode_helptext">Tablet mode signs you out' in html
    assert described_by_ids_missing(page) == []


@pytest.mark.django_db
def test_help_text_and_errors_are_where_the_inputs_aria_describedby_points(login, admin_user):
    # Django names "<id>_helptext" and "<id>_error" in each input's aria-describedby.
    http = login(admin_user)
    page = http.get("/manage/checkins/").content.decode()
    assert 'aria-describedby="id_file_helptext"' in page
    assert described_by_ids_missing(page) == []
    page = http.post("/manage/checkins/wording/", {}).content.decode()
    assert 'aria-describedby="id_file_helptext id_file_error"' in page
    assert described_by_ids_missing(page) == []
