"""Where to get help, on every page a client can reach, whatever they answer.

The questionnaires without a risk item (the session check-in, which asks whether the client
felt pushed or overridden; the GAD-7; the C-NIP; "Your goals") said nothing about help, nor
did their thank-you pages or the "This link cannot be used" page. Each questionnaire now
ends with one short line that depends on no answer: the clinic's crisis contacts, or the
emergency number when the clinic has set none. The "cannot be used" page names no clinic
(an unknown token has none) and gives the emergency number.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from tests.checkins._helpers import CHECKIN_ANSWERS, make_link, open_and_answer

HELP_LINE = "If you need help now:"
EMERGENCY_ONLY = "If you need help now, call your local emergency number."
UNAVAILABLE_HELP = "If you need help urgently, call your local emergency number."
CRISIS = "Duty line (example)"


def footer(page: str) -> str:
    match = re.search(r'<footer class="attribution">.*?</footer>', page, flags=re.S)
    assert match, "the questionnaire has its footer"
    return match.group(0)


@pytest.mark.django_db
@pytest.mark.parametrize("instrument", ["session-checkin", "gad7", "cnip", "goals"])
def test_a_questionnaire_without_a_risk_item_says_where_to_get_help(
    client, client_a, crisis_line, instrument
):
    _, token = make_link(client_a, instrument)
    end = footer(client.get(f"/c/{token}/").content.decode())
    assert HELP_LINE in end and CRISIS in end
    # Not the risk measures' line: nothing here asked about risk.
    assert "may not read these answers" not in end


@pytest.mark.django_db
@pytest.mark.parametrize("instrument", ["session-checkin", "gad7"])
def test_without_a_crisis_line_of_the_clinics_own_it_names_the_emergency_number(
    client, client_a, instrument
):
    _, token = make_link(client_a, instrument)
    assert EMERGENCY_ONLY in footer(client.get(f"/c/{token}/").content.decode())


@pytest.mark.django_db
def test_an_unknown_link_names_the_emergency_number_and_no_clinic(client, clinic):
    page = client.get("/c/" + "A" * 43 + "/").content.decode()
    assert "This link cannot be used" in page
    assert UNAVAILABLE_HELP in page
    assert clinic.name not in page


@pytest.mark.django_db
def test_an_expired_link_names_the_emergency_number_and_no_clinic(client, client_a, crisis_line):
    checkin, token = make_link(client_a, "session-checkin")
    checkin.expires_at = checkin.created_at - timedelta(minutes=1)
    checkin.save()
    page = client.get(f"/c/{token}/")
    assert page.status_code == 410
    text = page.content.decode()
    assert UNAVAILABLE_HELP in text
    assert crisis_line.name not in text and CRISIS not in text


@pytest.mark.django_db
def test_the_thank_you_page_of_a_session_check_in_names_the_clinics_crisis_line(
    client, client_a, crisis_line
):
    _, token = make_link(client_a, "session-checkin")
    page = open_and_answer(client, token, CHECKIN_ANSWERS).content.decode()
    assert "Your answers have been sent to your therapist." in page
    assert "If you need help now" in page and CRISIS in page
