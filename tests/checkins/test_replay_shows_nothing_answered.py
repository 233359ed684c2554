"""A repeat of a stored submission shows nothing drawn from its answers.

Reload or Forward re-posts the form (same form key, any answers) and used to get the first
thank-you page again, crisis section and clinic name included: on a shared tablet or phone
the next person pressing Reload learned that the previous client reported thoughts of
self-harm, and where they are seen. A repeat now gets the page a submission without a risk
answer gets. That page still shows the clinic's crisis contacts, which depend on no answer:
a client who answered at risk and pressed Send twice is shown the repeat's page.
"""

from __future__ import annotations

import pytest
from tests.checkins._helpers import PHQ9_ZERO, form_key, make_link, open_and_answer

from rapport.measures.models import Response

RISK_ANSWER = {**PHQ9_ZERO, "phq9_9": "2"}
GENERIC_HELP = "If you are in immediate danger, call your local emergency number now."
CRISIS_LINE = "Duty line (example)"


@pytest.fixture
def clinic_with_crisis_line(clinic):
    clinic.name = "Northside Eating Disorders Service"
    clinic.crisis_text = f"{CRISIS_LINE}: 0100 000 000, 9am to 9pm."
    clinic.save()
    return clinic


def answered_with_risk(http, client_a, **link):
    _, token = make_link(client_a, **link)
    key = form_key(http.get(f"/c/{token}/").content.decode())
    first = http.post(f"/c/{token}/", {**RISK_ANSWER, "form_key": key}).content.decode()
    return token, key, first


@pytest.mark.django_db
@pytest.mark.parametrize("mode", ["link", "tablet"])
def test_a_repeat_of_a_risk_answer_shows_no_crisis_section_nor_the_clinic(
    client, client_a, clinic_with_crisis_line, mode
):
    token, key, first = answered_with_risk(client, client_a, mode=mode)
    assert "If you are struggling right now" in first
    assert CRISIS_LINE in first
    # The next person presses Reload: the same form key, with whatever answers.
    for answers in (RISK_ANSWER, PHQ9_ZERO):
        repeat = client.post(f"/c/{token}/", {**answers, "form_key": key})
        assert repeat.status_code == 200
        page = repeat.content.decode()
        assert "Thank you" in page
        assert "struggling" not in page
        assert clinic_with_crisis_line.name not in page
        # Help that depends on no answer: the clinic's crisis line and the emergency number.
        assert "If you need help now" in page
        assert CRISIS_LINE in page
        assert GENERIC_HELP in page
    assert Response.objects.count() == 1


@pytest.mark.django_db
def test_a_repeat_looks_exactly_like_a_first_answer_without_risk(
    client, client_a, clinic_with_crisis_line
):
    token, key, _ = answered_with_risk(client, client_a)
    repeat = client.post(f"/c/{token}/", {**RISK_ANSWER, "form_key": key})
    _, other = make_link(client_a)
    without_risk = open_and_answer(client, other, PHQ9_ZERO)
    # Nothing on the page tells a repeat after a risk answer from a first answer without one.
    assert repeat.content == without_risk.content
    assert GENERIC_HELP in without_risk.content.decode()


@pytest.mark.django_db
def test_the_first_answer_with_risk_keeps_its_crisis_section(
    client, client_a, clinic_with_crisis_line
):
    _, _, first = answered_with_risk(client, client_a)
    assert f"Please contact {clinic_with_crisis_line.name} or the crisis contacts" in first
    assert "If you are in immediate danger, call your local emergency number now." in first
    assert "If you need help now" not in first  # the section says it already
