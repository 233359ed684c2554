"""Back or Reload after sending: the page says the answers arrived.

A client who pressed Back after sending (or opened the link again) read "This link cannot be
used … may have been used already, may have expired … ask your therapist for a new link",
which suggests the answers were lost. When the link was used for stored answers the page now
says "Your answers were already sent. Thank you." and always shows the clinic's crisis
contacts, whatever was answered: on a shared tablet the next person must not be able to
tell from the page whether the last client answered the risk item.
"""

from __future__ import annotations

import pytest
from tests.checkins._helpers import PHQ9_ZERO, make_link, open_and_answer

from rapport.measures.models import Response

ALREADY_SENT = "Your answers were already sent. Thank you."
CRISIS_LINE = "Duty line (example)"


@pytest.mark.django_db
def test_opening_a_used_link_says_the_answers_were_already_sent(client, client_a, crisis_line):
    _, token = make_link(client_a)
    open_and_answer(client, token, PHQ9_ZERO)
    back = client.get(f"/c/{token}/")
    assert back.status_code == 410
    page = back.content.decode()
    assert ALREADY_SENT in page
    assert "may have expired" not in page and "ask your therapist for a new link" not in page
    assert "may have been used already" not in page
    assert CRISIS_LINE in page and 'href="tel:0100000000"' in page
    assert "If you are in immediate danger, call your local emergency number now." in page


@pytest.mark.django_db
def test_the_page_is_the_same_after_a_risk_answer_and_after_none(client, client_a, crisis_line):
    _, risky = make_link(client_a)
    open_and_answer(client, risky, {**PHQ9_ZERO, "phq9_9": "3"})
    _, calm = make_link(client_a, "gad7")
    open_and_answer(client, calm, {f"gad7_{n}": "0" for n in range(1, 8)})
    assert Response.objects.count() == 2
    after_risk = client.get(f"/c/{risky}/").content
    after_none = client.get(f"/c/{calm}/").content
    assert after_risk == after_none


@pytest.mark.django_db
def test_without_a_crisis_text_of_its_own_the_page_names_the_emergency_line(client, client_a):
    _, token = make_link(client_a)
    open_and_answer(client, token, PHQ9_ZERO)
    page = client.get(f"/c/{token}/").content.decode()
    assert ALREADY_SENT in page
    assert "If you are in immediate danger, call your local emergency number now." in page


@pytest.mark.django_db
def test_a_second_tab_after_sending_is_told_its_answers_were_not_sent(
    client, client_a, crisis_line
):
    """Another form (another key) was not stored: it must not be told "already sent … your
    therapist has them" (tests/checkins/test_second_tab_not_sent.py)."""
    _, token = make_link(client_a)
    open_and_answer(client, token, PHQ9_ZERO)
    second = open_and_answer(client, token, {**PHQ9_ZERO, "phq9_1": "2"}, key="t" * 22)
    assert second.status_code == 410
    page = second.content.decode()
    assert ALREADY_SENT not in page and "the answers on this page were not sent" in page
    assert CRISIS_LINE in page
    assert "struggling right now" not in page  # no risk answer in what it sent
    assert Response.objects.count() == 1


@pytest.mark.django_db
def test_an_expired_unanswered_link_still_gets_the_cannot_be_used_page(client, client_a):
    from rapport.checkins.models import CheckIn

    checkin, token = make_link(client_a)
    CheckIn.objects.filter(pk=checkin.pk).update(expires_at=checkin.created_at)
    page = client.get(f"/c/{token}/").content.decode()
    assert "This link cannot be used" in page and ALREADY_SENT not in page
