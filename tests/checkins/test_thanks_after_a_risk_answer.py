"""The thank-you page after a PHQ-9 item 9 answer above "Not at all".

Nobody is alerted when the answers arrive: the therapist sees a notice the next time they
open the client's record, maybe at the next session, a week away. The page said "Your answers
have been sent to your therapist … please tell your therapist today", as if someone would
read them now. It says plainly that they may not, and where to turn today; without a
crisis line set by the clinic it points to none.
"""

from __future__ import annotations

import html
import re

import pytest
from tests.checkins._helpers import PHQ9_ZERO, make_link, open_and_answer

from rapport.clinic.models import DEFAULT_CRISIS_TEXT

RISK_ANSWER = {**PHQ9_ZERO, "phq9_9": "1"}
NOT_BEFORE_NEXT_SESSION = "Your therapist may not read your answers before your next session."
EMERGENCY = "If you are in immediate danger, call your local emergency number now."


def crisis_box(page: str) -> str:
    match = re.search(r'<section class="crisis".*?</section>', page, flags=re.S)
    assert match, "the crisis box is shown"
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", match.group(0))).split())


@pytest.mark.django_db
def test_with_the_default_text_the_page_says_the_therapist_may_not_read_it_in_time(
    client, client_a, clinic
):
    assert clinic.crisis_text == DEFAULT_CRISIS_TEXT
    _, token = make_link(client_a)
    box = crisis_box(open_and_answer(client, token, RISK_ANSWER).content.decode())
    assert NOT_BEFORE_NEXT_SESSION in box
    # The clinic by its name, not "the clinic": the client may see several services.
    assert f"Please contact {clinic.name} today." in box
    assert EMERGENCY in box
    # No crisis line was set: none is pointed to, and the shipped text ("tell your
    # therapist today") is not shown as if it were the clinic's.
    assert "crisis contacts" not in box
    assert "tell your therapist today" not in box


@pytest.mark.django_db
def test_a_clinics_own_crisis_line_is_pointed_to_and_shown(client, client_a, clinic):
    clinic.crisis_text = (
        "Duty line (example): 0100 000 000, 9am to 9pm.\nOut of hours: 0100 000 111."
    )
    clinic.save()
    _, token = make_link(client_a)
    box = crisis_box(open_and_answer(client, token, RISK_ANSWER).content.decode())
    assert NOT_BEFORE_NEXT_SESSION in box
    assert f"Please contact {clinic.name} or the crisis contacts below today" in box
    # The numbers are tap-to-call links (the tags read as spaces here).
    assert "Duty line (example): 0100 000 000 , 9am to 9pm." in box
    assert "Out of hours: 0100 000 111 ." in box
    assert EMERGENCY in box


@pytest.mark.django_db
def test_on_the_tablet_the_client_is_asked_to_tell_the_therapist_in_the_room(client, client_a):
    _, token = make_link(client_a, mode="tablet")
    box = crisis_box(open_and_answer(client, token, RISK_ANSWER).content.decode())
    assert "please tell them how you are feeling when you hand the device back" in box
    assert NOT_BEFORE_NEXT_SESSION not in box
    assert EMERGENCY in box
