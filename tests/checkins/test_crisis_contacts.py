"""Crisis contacts: phone numbers tap to call, and nobody sends a risk measure unwarned.

On a fresh install the clinic's crisis text is the one Rapport ships, which names no line:
after a risk answer the page said "please contact <clinic> today" with no number. The
therapist is now warned on the link page, and the admin on the clinic settings page, when a
measure with a risk item is sent or scheduled and the clinic has not set its own text. In the
text an admin enters, phone numbers become tel: links that do not wrap mid-number, and
everything else is escaped.
"""

from __future__ import annotations

import pytest
from tests.checkins._helpers import appointment_of

from rapport.checkins.templatetags.checkin_text import crisis_text, linked_phone_numbers
from rapport.clinic.models import Clinic

NBSP = "\u00a0"
WARNING = "asks about risk, but your clinic has not set its own crisis contacts"
SETTINGS_WARNING = "still the one Rapport ships: it names no crisis line or phone number"


def test_phone_numbers_become_tel_links_that_do_not_wrap():
    html = linked_phone_numbers("Call 0800 123 4567 or +44 20 7946 0000 now.")
    assert f'<a href="tel:08001234567" class="tel">0800{NBSP}123{NBSP}4567</a>' in html
    assert f'<a href="tel:+442079460000" class="tel">+44{NBSP}20{NBSP}7946{NBSP}0000</a>' in html
    assert html.startswith("Call ") and html.endswith(" now.")


@pytest.mark.parametrize(
    "text",
    [
        "Open 9am to 5pm, since 2019.",  # a year and times are not numbers to dial
        "Text SHOUT to 85258",  # five digits: a short code, left as text
        "1234567890123456 is too long",  # more digits than any phone number
        "ref A123456",  # glued to letters
    ],
)
def test_what_is_not_a_plausible_phone_number_stays_text(text):
    # Unchanged: no link, and no space made non-breaking (none of these needs escaping).
    assert linked_phone_numbers(text) == text


def test_everything_else_in_the_admins_text_is_escaped():
    html = crisis_text('<script>alert(1)</script> "Duty" & co\nLine 2: 0100 000 000')
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &quot;Duty&quot; &amp; co<br>Line 2: " in html
    assert 'href="tel:0100000000"' in html


def test_a_number_inside_markup_is_escaped_and_linked_only_as_text():
    html = linked_phone_numbers('<a href="tel:999">0100 000 000</a>')
    assert '<a href="tel:999">' not in html
    assert html.count("<a ") == 1 and "&lt;a href=&quot;tel:999&quot;&gt;" in html


def new_link_page(http, client_a, instrument):
    url = f"/appointments/{appointment_of(client_a).pk}/checkins/new/"
    location = http.post(url, {"instrument": instrument, "timing": "after", "mode": "link"})
    return http.get(location["Location"]).content.decode()


@pytest.mark.django_db
def test_the_link_page_warns_when_a_risk_measure_goes_out_without_crisis_contacts(
    login, therapist_a, client_a, clinic
):
    http = login(therapist_a)
    assert WARNING in new_link_page(http, client_a, "phq9")
    assert WARNING in new_link_page(http, client_a, "core10")
    assert WARNING not in new_link_page(http, client_a, "gad7")  # no risk item
    clinic.crisis_text = "Duty line (example): 0100 000 000"
    clinic.save()
    assert WARNING not in new_link_page(http, client_a, "phq9")


@pytest.mark.django_db
def test_the_clinic_settings_page_warns_the_admin(login, admin_user, clinic, client_a):
    from tests.checkins._helpers import make_link

    http = login(admin_user)
    assert SETTINGS_WARNING not in http.get("/manage/clinic/").content.decode()
    make_link(client_a, "phq9")
    page = http.get("/manage/clinic/").content.decode()
    assert SETTINGS_WARNING in page and "PHQ-9" in page
    clinic.crisis_text = "Duty line (example): 0100 000 000"
    clinic.save()
    assert SETTINGS_WARNING not in http.get("/manage/clinic/").content.decode()


@pytest.mark.django_db
def test_no_settings_warning_when_no_risk_measure_is_sent(login, admin_user, clinic, client_a):
    from tests.checkins._helpers import make_link

    make_link(client_a, "gad7")
    make_link(client_a, "session-checkin")
    response = login(admin_user).get("/manage/clinic/")
    page = response.content.decode()
    # The settings form itself, with the shipped crisis text still in it ...
    assert response.status_code == 200 and 'name="crisis_text"' in page
    assert clinic.crisis_text == Clinic._meta.get_field("crisis_text").get_default()
    # ... and no warning, as neither measure asks about risk.
    assert SETTINGS_WARNING not in page
