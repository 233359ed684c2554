"""A form sent on a link that no longer takes it, without a usable form key (missing or
malformed: a tampered or very old page).

Such a form cannot be told apart from its own Reload (the key is what tells them apart), and
its page opened with the crisis section every time it was sent: the next person to press
Reload on a shared phone or tablet learnt that the last one answered a risk item at risk.
Its page now shows only what depends on no answer (the clinic's crisis contacts) and says
plainly that the form must be filled in again; the risk answer still reaches the therapist,
as one notice.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from tests.checkins._helpers import PHQ9_ZERO, form_key, make_link

from rapport.checkins.models import CheckIn, RefusedRiskAnswer
from rapport.checkins.services import FORM_GRACE
from rapport.measures.models import Response

CRISIS_SECTION = "If you are struggling right now"
FILL_AGAIN = {
    "used": "This form could not be checked (it may have been out of date or changed), so "
    "nothing on it was sent. To answer the questions again, please ask your therapist for "
    "a new link.",
    "expired": "The answers on this page could not be sent: the form could not be checked "
    "(it may have been out of date or changed). Please ask your therapist for a new link and "
    "fill in the questions again.",
}
RISK = {**PHQ9_ZERO, "phq9_9": "2"}


def link_that_no_longer_takes_answers(http, client_a, state: str) -> str:
    checkin, token = make_link(client_a)
    if state == "used":
        key = form_key(http.get(f"/c/{token}/").content.decode())
        assert http.post(f"/c/{token}/", {**PHQ9_ZERO, "form_key": key}).status_code == 200
    else:
        CheckIn.objects.filter(pk=checkin.pk).update(
            expires_at=timezone.now() - FORM_GRACE - timedelta(hours=1)
        )
    return token


@pytest.mark.django_db
@pytest.mark.parametrize("state", ["used", "expired"])
@pytest.mark.parametrize("bad_key", [None, "", "not-a-form-key"])
def test_a_keyless_risk_answer_shows_no_crisis_section_on_any_send(
    client, client_a, crisis_line, state, bad_key
):
    token = link_that_no_longer_takes_answers(client, client_a, state)
    key = {} if bad_key is None else {"form_key": bad_key}
    first = client.post(f"/c/{token}/", {**RISK, **key})
    reload = client.post(f"/c/{token}/", {**RISK, **key})
    without_risk = client.post(f"/c/{token}/", {**PHQ9_ZERO, **key})
    assert first.status_code == 410
    page = first.content.decode()
    assert CRISIS_SECTION not in page
    # Says the form must be filled in again, and where to get help now.
    assert FILL_AGAIN[state] in page
    assert "If you need help now" in page and "Duty line (example)" in page
    assert 'href="tel:0100000000"' in page
    # Nothing on the page depends on what the form answered, nor on whether it is a Reload.
    assert first.content == reload.content == without_risk.content
    # The risk answer still reaches the therapist, once.
    assert RefusedRiskAnswer.objects.get().items == ["phq9_9"]
    assert Response.objects.count() == (1 if state == "used" else 0)


@pytest.mark.django_db
@pytest.mark.parametrize("state", ["used", "expired"])
def test_a_form_with_its_key_still_shows_the_crisis_section_on_its_first_send_only(
    client, client_a, crisis_line, state
):
    token = link_that_no_longer_takes_answers(client, client_a, state)
    key = f"{'a' * 22}00000000{'b' * 22}"  # well formed, so a Reload is told apart
    first = client.post(f"/c/{token}/", {**RISK, "form_key": key}).content.decode()
    reload = client.post(f"/c/{token}/", {**RISK, "form_key": key}).content.decode()
    assert CRISIS_SECTION in first and CRISIS_SECTION not in reload
    assert FILL_AGAIN[state] not in first and FILL_AGAIN[state] not in reload


@pytest.mark.django_db
def test_a_keyless_form_on_a_link_that_works_comes_back_to_be_sent_again(client, client_a):
    _, token = make_link(client_a)
    client.get(f"/c/{token}/")
    response = client.post(f"/c/{token}/", {**RISK, "form_key": "not-a-form-key"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "This form has expired. Your answers are still here" in page
    assert CRISIS_SECTION not in page
    assert not Response.objects.exists() and not RefusedRiskAnswer.objects.exists()
