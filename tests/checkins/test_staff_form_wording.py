"""What the staff check-in pages tell the reader (staff review 16 and 17).

* Check-in settings told the admin to load the wording "under Check-in settings", the page
  they were on, with the upload just below; and its footer said "edited under Settings."
  followed by a bare "Clinic settings" link (the menu says "Settings", the page "Clinic
  settings").
* New check-in offered "When: Before the session / After the session / Other", and nothing
  said what "Other" means.
"""

from __future__ import annotations

import re
from html import unescape

import pytest
from tests.checkins._helpers import appointment_of

pytestmark = pytest.mark.django_db


def text(html: str) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html))).strip()


def test_check_in_settings_points_below_not_to_itself(login, admin_user):
    page = login(admin_user).get("/manage/checkins/").content.decode()
    shown = text(page)
    assert "under Check-in settings" not in shown
    assert (
        "Greyed-out questionnaires cannot be sent yet: their wording is not loaded. Load the "
        "clinic's licensed wording file under “Licensed wording” below."
    ) in shown
    assert ">Licensed wording</h2>" in page  # the section it names
    # The options say why they are greyed out, without sending the admin elsewhere.
    assert "an admin can load" not in shown
    assert re.search(r"<option value=\"ors\"[^>]*disabled[^>]*>ORS \(wording not loaded\)<", page)


def test_check_in_settings_names_the_clinic_settings_page_in_one_sentence(login, admin_user):
    page = login(admin_user).get("/manage/checkins/").content.decode()
    assert "edited under Settings." not in text(page)
    footer = re.search(r'<p class="help">([^\n]*?crisis text[^\n]*?)</p>', page)
    assert footer, "the footer names where the crisis text is edited"
    assert text(footer.group(1)) == (
        "The crisis text shown to a client who reports thoughts of self-harm is edited on the "
        "Clinic settings page (“Settings” in the menu)."
    )
    assert '<a href="/manage/clinic/">Clinic settings</a>' in footer.group(1)


def test_a_therapist_is_still_told_an_admin_loads_it_under_check_in_settings(
    login, therapist_a, client_a
):
    # The therapist's pages keep the pointer: for them it is another person and page.
    page = (
        login(therapist_a)
        .get(f"/appointments/{appointment_of(client_a).pk}/checkins/new/")
        .content.decode()
    )
    assert (
        "A clinic admin can load the clinic's licensed wording file under Check-in settings."
        in (text(page))
    )


def test_new_check_in_says_what_other_means(login, therapist_a, client_a):
    page = (
        login(therapist_a)
        .get(f"/appointments/{appointment_of(client_a).pk}/checkins/new/")
        .content.decode()
    )
    select = page.split('name="timing"', 1)[1].split("</select>", 1)[0]
    options = [text(o) for o in re.findall(r"<option[^>]*>([^<]*)</option>", select)]
    assert options == [
        "Before the session",
        "After the session",
        "Other (neither before nor after)",
    ]
    assert re.search(r'<option value="other"[^>]*>Other \(neither', select)  # stored as before
    assert (
        "Other: neither, for a questionnaire that is not about the session (the client’s "
        "preferences, say): the client’s page names the appointment without saying before or "
        "after."
    ) in text(page)
    # The goals note is still there, after it.
    assert "Client’s goals are not about a session: for them this is not used." in text(page)
