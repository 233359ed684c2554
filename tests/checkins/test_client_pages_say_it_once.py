"""The client's pages say each thing once, in reading order.

Review findings (the pages as the client reads them):

* After a risk answer the thank-you page read "If you are struggling right now" (the
  section's heading), then "If you are struggling now, please contact <clinic> or the crisis
  contacts below today.": the same words twice in a row. The heading stays (it names the
  section); the sentence under it keeps what it adds, the clinic and its crisis contacts.
  The "not sent" and "cannot be used" pages' crisis section (includes/unseen_crisis.html)
  did the same.
* The session check-in read "About your session today" (the line naming the session) above
  its heading "About your session". The heading now names the session itself, once.
"""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.utils import timezone
from django.utils.formats import date_format
from tests.checkins._helpers import (
    CHECKIN_ANSWERS,
    PHQ9_ZERO,
    appointment_of,
    make_link,
    open_and_answer,
    started_earlier_today,
)

from rapport.checkins.services import checkin_create
from rapport.clinic.models import Appointment

RISK_ANSWER = {**PHQ9_ZERO, "phq9_9": "1"}
CRISIS_LINE = "Duty line (example): 0100 000 000"
EMERGENCY = "If you are in immediate danger, call your local emergency number now."


def lines(page: str) -> list[str]:
    """The text of the page's <main> as the client reads it, one block per line."""
    body = page.split("<main", 1)[1].split("</main>", 1)[0]
    body = re.sub(r"<(h\d|p|li|section|div|br)[^>]*>", "\n", body)
    text = unescape(re.sub(r"<[^>]+>", "", body))
    return [" ".join(line.split()) for line in text.splitlines() if line.strip()]


def index_of(shown: list[str], text: str) -> int:
    """The one line holding ``text``: fails if it is on none, or on more than one."""
    found = [n for n, line in enumerate(shown) if text in line]
    assert len(found) == 1, f"{text!r} on lines {found} of {shown}"
    return found[0]


def times(shown: list[str], text: str) -> int:
    return sum(line.count(text) for line in shown)


@pytest.fixture
def crisis_line(clinic):
    clinic.crisis_text = CRISIS_LINE
    clinic.save()
    return clinic


@pytest.mark.django_db
def test_after_a_risk_answer_the_thank_you_page_says_struggling_once_then_the_contacts(
    client, client_a, crisis_line
):
    _, token = make_link(client_a)
    shown = lines(open_and_answer(client, token, RISK_ANSWER).content.decode())
    assert times(shown, "If you are struggling") == 1
    assert times(shown, "struggling") == 1
    order = [
        index_of(shown, "Thank you"),
        index_of(shown, "If you are struggling right now"),
        index_of(shown, "Your therapist may not read your answers before your next session."),
        index_of(shown, f"Please contact {crisis_line.name} or the crisis contacts below today."),
        index_of(shown, CRISIS_LINE),
        index_of(shown, EMERGENCY),
    ]
    assert order == sorted(order)
    assert times(shown, "If you need help now") == 0, "one help section, not two"


@pytest.mark.django_db
def test_without_the_clinics_own_line_the_clinic_is_named_once_under_the_heading(
    client, client_a, clinic
):
    _, token = make_link(client_a)
    shown = lines(open_and_answer(client, token, RISK_ANSWER).content.decode())
    assert times(shown, "If you are struggling") == 1
    heading = index_of(shown, "If you are struggling right now")
    assert index_of(shown, f"Please contact {clinic.name} today.") > heading
    assert times(shown, "crisis contacts") == 0


@pytest.mark.django_db
def test_on_the_tablet_the_client_is_asked_once_to_tell_the_therapist(
    client, client_a, crisis_line
):
    _, token = make_link(client_a, mode="tablet")
    shown = lines(open_and_answer(client, token, RISK_ANSWER).content.decode())
    assert times(shown, "If you are struggling") == 1
    assert times(shown, "struggling") == 1
    order = [
        index_of(shown, "If you are struggling right now"),
        index_of(shown, "please tell them how you are feeling when you hand the device back"),
        index_of(shown, "You can also use the crisis contacts below."),
        index_of(shown, CRISIS_LINE),
        index_of(shown, EMERGENCY),
        index_of(shown, "Please hand the device back to your therapist."),
    ]
    assert order == sorted(order)


@pytest.mark.django_db
def test_after_a_session_rating_the_thank_you_page_has_one_help_section(
    client, client_a, crisis_line
):
    _, token = make_link(client_a, "session-checkin", timing="after")
    shown = lines(open_and_answer(client, token, CHECKIN_ANSWERS).content.decode())
    assert times(shown, "struggling") == 0
    order = [
        index_of(shown, "Thank you"),
        index_of(shown, "If you need help now"),
        index_of(shown, CRISIS_LINE),
        index_of(shown, EMERGENCY),
    ]
    assert order == sorted(order)


@pytest.mark.django_db
@pytest.mark.parametrize("mode", ["link", "tablet"])
def test_a_risk_answer_on_a_used_link_says_struggling_once_too(client, client_a, crisis_line, mode):
    """The "not sent" page (includes/unseen_crisis.html): another form sent on a used link."""
    _, token = make_link(client_a, mode=mode)
    first = client.get(f"/c/{token}/").content.decode()
    second = client.get(f"/c/{token}/").content.decode()
    key = re.search(r'name="form_key" value="([^"]+)"', second).group(1)
    open_and_answer(
        client,
        token,
        RISK_ANSWER,
        key=re.search(r'name="form_key" value="([^"]+)"', first).group(1),
    )
    refused = client.post(f"/c/{token}/", {**RISK_ANSWER, "form_key": key})
    assert refused.status_code == 410
    shown = lines(refused.content.decode())
    assert times(shown, "If you are struggling") == 1
    assert times(shown, "struggling") == 1
    heading = index_of(shown, "If you are struggling right now")
    if mode == "tablet":
        told = index_of(shown, "Please tell your therapist how you are feeling when you hand")
    else:
        told = index_of(
            shown, f"Please contact {crisis_line.name} or the crisis contacts below today."
        )
    assert heading < told < index_of(shown, CRISIS_LINE) < index_of(shown, EMERGENCY)


@pytest.mark.django_db
def test_the_session_check_in_names_its_session_once_in_its_heading(client, client_a, clinic):
    session = appointment_of(client_a)  # a week ago
    _, token = make_link(client_a, "session-checkin", timing="after")
    page = client.get(f"/c/{token}/").content.decode()
    shown = lines(page)
    day = date_format(timezone.localtime(session.starts_at), "D j M")
    assert times(shown, "About your session") == 1
    assert re.search(r"<h1>([^<]*)</h1>", page).group(1) == f"About your session on {day}"
    assert index_of(shown, f"Questions from {clinic.name}") < index_of(shown, "About your")
    assert index_of(shown, "About your") < index_of(shown, "Question 1 of 6")


@pytest.mark.django_db
def test_a_session_today_is_called_today_once(client, client_a):
    today = Appointment.objects.create(
        episode=client_a.episodes.get(), starts_at=started_earlier_today()
    )
    _, token = checkin_create(
        actor=None, appointment=today, instrument_id="session-checkin", timing="after"
    )
    page = client.get(f"/c/{token}/").content.decode()
    assert times(lines(page), "About your session") == 1
    assert re.search(r"<h1>([^<]*)</h1>", page).group(1) == "About your session today"


@pytest.mark.django_db
def test_a_questionnaire_with_its_own_title_keeps_the_line_naming_the_session(client, client_a):
    upcoming = appointment_of(client_a, past=False)
    _, token = checkin_create(
        actor=None, appointment=upcoming, instrument_id="phq9", timing="before"
    )
    page = client.get(f"/c/{token}/").content.decode()
    shown = lines(page)
    when = timezone.localtime(upcoming.starts_at)
    line = f"Before your session on {date_format(when, 'D j M')} at {date_format(when, 'H:i')}"
    assert index_of(shown, line) < index_of(shown, "How you’ve been feeling")
    assert re.search(r"<h1>([^<]*)</h1>", page).group(1) == "How you’ve been feeling"
