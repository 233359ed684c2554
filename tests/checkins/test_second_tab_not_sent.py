"""A second form sent on a used link (a second tab, another device) is told honestly that its
answers were not sent, with the crisis section when it carried a risk answer; the same form
sent again (a double click, Reload) keeps the calm "already sent" / thank-you pages.

The review found a second tab answering PHQ-9 item 9 "Several days" told "Your answers were
already sent. Thank you. Your therapist has them", though those very answers were thrown
away (docs/checkins.md, "Exactly once").
"""

from __future__ import annotations

import pytest
from tests.checkins._helpers import PHQ9_ZERO, form_key, make_link

from rapport.checkins.models import RefusedRiskAnswer
from rapport.measures.models import Response

ALREADY_SENT = "Your answers were already sent. Thank you."
HAS_THEM = "Your therapist has them"
NOT_SENT = (
    "Answers from this link were already sent earlier, so the answers on this page were not "
    "sent. If something has changed, please tell your therapist."
)
CRISIS_SECTION = "If you are struggling right now"
CRISIS_LINE = "Duty line (example)"
CORE10_ZERO = {f"core10_{n}": "0" for n in range(1, 11)}


def two_tabs(http, token):
    """Open the link in two tabs: two questionnaires, each with its own form key."""
    return (
        form_key(http.get(f"/c/{token}/").content.decode()),
        form_key(http.get(f"/c/{token}/").content.decode()),
    )


def post(http, token, key, answers):
    return http.post(f"/c/{token}/", {**answers, "form_key": key})


@pytest.mark.django_db
def test_a_second_tab_with_a_risk_answer_is_told_it_was_not_sent_and_given_help(
    client, client_a, crisis_line
):
    _, token = make_link(client_a)
    first, second = two_tabs(client, token)
    assert post(client, token, first, PHQ9_ZERO).status_code == 200
    reply = post(client, token, second, {**PHQ9_ZERO, "phq9_9": "1"})  # "Several days"
    page = reply.content.decode()
    assert reply.status_code == 410
    assert NOT_SENT in page
    assert ALREADY_SENT not in page and HAS_THEM not in page
    assert CRISIS_SECTION in page
    assert crisis_line.name in page and 'href="tel:0100000000"' in page
    assert "If you are in immediate danger, call your local emergency number now." in page
    # Nothing stored or counted twice: the first answers stand alone.
    assert Response.objects.count() == 1
    assert Response.objects.get().item_values["phq9_9"] == 0


@pytest.mark.django_db
def test_a_second_tab_without_a_risk_answer_is_told_it_was_not_sent_calmly(
    client, client_a, crisis_line
):
    _, token = make_link(client_a)
    first, second = two_tabs(client, token)
    post(client, token, first, PHQ9_ZERO)
    page = post(client, token, second, {**PHQ9_ZERO, "phq9_1": "3"}).content.decode()
    assert NOT_SENT in page and HAS_THEM not in page
    assert CRISIS_SECTION not in page
    assert crisis_line.name not in page  # nothing drawn from answers names the clinic
    assert CRISIS_LINE in page  # where to get help, as on every client page after sending
    assert Response.objects.count() == 1
    assert not RefusedRiskAnswer.objects.exists()


@pytest.mark.django_db
def test_the_crisis_section_follows_the_instruments_own_risk_items(client, client_a, crisis_line):
    _, token = make_link(client_a, "core10")
    first, second = two_tabs(client, token)
    post(client, token, first, CORE10_ZERO)
    page = post(client, token, second, {**CORE10_ZERO, "core10_6": "1"}).content.decode()
    assert NOT_SENT in page and CRISIS_SECTION in page


@pytest.mark.django_db
def test_a_double_click_or_reload_of_the_sent_form_is_not_told_it_was_lost(
    client, client_a, crisis_line
):
    _, token = make_link(client_a)
    key = form_key(client.get(f"/c/{token}/").content.decode())
    risky = {**PHQ9_ZERO, "phq9_9": "1"}
    assert post(client, token, key, risky).status_code == 200
    again = post(client, token, key, risky)  # the same form: a double click, Reload
    assert again.status_code == 200
    assert "<h1>Thank you</h1>" in again.content.decode()
    assert NOT_SENT not in again.content.decode()
    # Opening the link again (Back, a reload of its page) keeps the calm page.
    back = client.get(f"/c/{token}/").content.decode()
    assert ALREADY_SENT in back and NOT_SENT not in back
    assert Response.objects.count() == 1
    assert not RefusedRiskAnswer.objects.exists()


@pytest.mark.django_db
def test_the_sent_form_coming_back_incomplete_is_still_the_calm_page(client, client_a):
    """The stored form's own key with a blank answer (nothing new to lose): already sent."""
    _, token = make_link(client_a)
    key = form_key(client.get(f"/c/{token}/").content.decode())
    post(client, token, key, PHQ9_ZERO)
    incomplete = {k: v for k, v in PHQ9_ZERO.items() if k != "phq9_3"}
    page = post(client, token, key, incomplete).content.decode()
    assert ALREADY_SENT in page and NOT_SENT not in page


@pytest.mark.django_db
def test_a_second_tab_with_the_same_answers_is_not_told_they_arrived(client, client_a):
    """Decided on the form key, not by comparing answers: a page that said whether posted
    answers equal the stored ones would let whoever holds the used link find them out."""
    _, token = make_link(client_a)
    first, second = two_tabs(client, token)
    post(client, token, first, PHQ9_ZERO)
    page = post(client, token, second, PHQ9_ZERO).content.decode()
    assert NOT_SENT in page


@pytest.mark.django_db
def test_reloading_the_refused_risk_form_records_one_notice_and_hides_the_crisis_section(
    client, client_a, crisis_line
):
    """Only the first send of the refused form shows the crisis section; a reload of it (on
    a shared device, maybe by the next person) gets the "not sent" page a form without a
    risk answer gets, byte for byte. (This test used to assert the crisis section on every
    reload: that told the next person the previous sender answered a risk item at risk.)"""
    _, token = make_link(client_a)
    first, second = two_tabs(client, token)
    third = form_key(client.get(f"/c/{token}/").content.decode())
    post(client, token, first, PHQ9_ZERO)
    page = post(client, token, second, {**PHQ9_ZERO, "phq9_9": "2"}).content.decode()
    assert NOT_SENT in page and CRISIS_SECTION in page
    for _ in range(2):
        page = post(client, token, second, {**PHQ9_ZERO, "phq9_9": "2"}).content.decode()
        assert NOT_SENT in page and CRISIS_SECTION not in page
        assert crisis_line.name not in page
    calm = post(client, token, third, PHQ9_ZERO).content.decode()  # a form without risk
    assert page == calm
    assert RefusedRiskAnswer.objects.count() == 1
    assert Response.objects.count() == 1
