"""What a form sent again on a link that no longer takes it shows, and what it records.

Review findings: a risk answer changed before the same form was sent again (same form key:
a slow tablet, Back then Send) reached nobody; Reload of the "not sent" or "cannot be used"
page showed the crisis section again, so the next person on a shared device learnt the last
sender answered a risk item at risk; a refused risk answer whose form key was missing or
malformed recorded no notice; the notice said "the client sent" although on a used link
whoever held the link may have sent it; the demo's tap-to-call crisis number was not one
kept for fiction.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.http import Http404
from django.utils import timezone
from tests.checkins._helpers import PHQ9_ZERO, form_key, make_link

from rapport.checkins import selectors
from rapport.checkins.models import CheckIn, RefusedReason, RefusedRiskAnswer
from rapport.checkins.services import FORM_GRACE
from rapport.demo import DEMO_CRISIS_TEXT
from rapport.measures.models import Response

CRISIS_SECTION = "If you are struggling right now"
CHANGED = "the same form had already been sent with other answers"


def key_of(http, token) -> str:
    return form_key(http.get(f"/c/{token}/").content.decode())


def post(http, token, key, answers):
    return http.post(f"/c/{token}/", {**answers, "form_key": key})


@pytest.mark.django_db
def test_a_risk_answer_changed_before_the_same_form_is_sent_again_reaches_the_therapist(
    client, client_a, crisis_line, login, therapist_a
):
    _, token = make_link(client_a)
    key = key_of(client, token)
    post(client, token, key, PHQ9_ZERO)
    plain_repeat = post(client, token, key, PHQ9_ZERO).content.decode()
    assert not RefusedRiskAnswer.objects.exists()
    # Back (the same page, the same hidden key), item 9 changed, Send.
    changed = post(client, token, key, {**PHQ9_ZERO, "phq9_9": "3"})
    # The client's page is decided by the key alone: the plain repeat, byte for byte.
    assert changed.status_code == 200 and changed.content.decode() == plain_repeat
    assert CRISIS_SECTION not in plain_repeat
    assert Response.objects.get().item_values["phq9_9"] == 0  # the first answers stand
    notice = RefusedRiskAnswer.objects.get()
    assert notice.items == ["phq9_9"] and notice.reason == RefusedReason.CHANGED
    # Sent yet again: still one notice.
    post(client, token, key, {**PHQ9_ZERO, "phq9_9": "3"})
    assert RefusedRiskAnswer.objects.count() == 1
    page = login(therapist_a).get(f"/clients/{client_a.pk}/").content.decode()
    assert "Risk answer to follow up" in page and CHANGED in page


@pytest.mark.django_db
def test_the_same_form_with_an_already_flagged_risk_answer_records_no_second_notice(
    client, client_a
):
    """The stored answers flag item 9 already: their own risk notice covers it."""
    _, token = make_link(client_a)
    key = key_of(client, token)
    post(client, token, key, {**PHQ9_ZERO, "phq9_9": "1"})
    post(client, token, key, {**PHQ9_ZERO, "phq9_9": "3"})
    assert not RefusedRiskAnswer.objects.exists()


@pytest.mark.django_db
def test_the_stored_form_back_incomplete_with_a_changed_risk_answer_is_recorded(client, client_a):
    """The "already sent" page (the stored form's key, a question now blank) too."""
    _, token = make_link(client_a)
    key = key_of(client, token)
    post(client, token, key, PHQ9_ZERO)
    incomplete = {k: v for k, v in PHQ9_ZERO.items() if k != "phq9_3"} | {"phq9_9": "2"}
    page = post(client, token, key, incomplete).content.decode()
    assert "Your answers were already sent. Thank you." in page
    assert RefusedRiskAnswer.objects.get().reason == RefusedReason.CHANGED


@pytest.mark.django_db
def test_reload_of_the_cannot_be_used_page_after_a_risk_answer_shows_the_calm_page(
    client, client_a, crisis_line
):
    checkin, token = make_link(client_a)
    risky_key, calm_key = key_of(client, token), key_of(client, token)
    CheckIn.objects.filter(pk=checkin.pk).update(
        expires_at=timezone.now() - FORM_GRACE - timedelta(hours=1)
    )
    risky = {**PHQ9_ZERO, "phq9_9": "2"}
    first = post(client, token, risky_key, risky)
    assert first.status_code == 410 and CRISIS_SECTION in first.content.decode()
    reload = post(client, token, risky_key, risky).content.decode()
    assert CRISIS_SECTION not in reload and crisis_line.name not in reload
    assert reload == post(client, token, calm_key, PHQ9_ZERO).content.decode()
    assert RefusedRiskAnswer.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("bad_key", ["", "not-a-form-key"])
def test_a_refused_risk_answer_without_a_usable_form_key_is_still_recorded(
    client, client_a, crisis_line, bad_key
):
    checkin, token = make_link(client_a)
    post(client, token, key_of(client, token), PHQ9_ZERO)
    page = post(client, token, bad_key, {**PHQ9_ZERO, "phq9_9": "1"}).content.decode()
    # Its page shows no crisis section: a keyless form cannot be told from its own Reload
    # (test_refused_without_a_form_key). The notice is what matters here.
    assert CRISIS_SECTION not in page
    notice = RefusedRiskAnswer.objects.get()
    assert notice.checkin_id == checkin.pk and notice.items == ["phq9_9"]
    assert re.fullmatch(rf"checkin:{checkin.pk}:[\w-]{{20,}}", notice.submission_key)
    # One open notice per link stays the rule.
    post(client, token, bad_key, {**PHQ9_ZERO, "phq9_9": "3"})
    assert RefusedRiskAnswer.objects.count() == 1


def risk_answer_from_a_second_tab(client, client_a) -> None:
    """Client A's link opened in two tabs: the first sends no risk answer and is stored,
    the second answers item 9 at risk and is refused."""
    _, token = make_link(client_a)
    first, second = key_of(client, token), key_of(client, token)
    post(client, token, first, PHQ9_ZERO)
    post(client, token, second, {**PHQ9_ZERO, "phq9_9": "1"})


@pytest.mark.django_db
def test_the_notice_says_a_risk_answer_was_sent_on_the_link_not_that_the_client_sent_it(
    client, client_a, login, therapist_a
):
    risk_answer_from_a_second_tab(client, client_a)
    page = login(therapist_a).get(f"/clients/{client_a.pk}/").content.decode()
    assert "a risk answer to PHQ-9 was sent on this client’s link" in page
    assert "the client sent" not in page


@pytest.mark.django_db
def test_refused_risk_answers_are_read_through_scoped_selectors(
    client, client_a, therapist_a, therapist_b
):
    risk_answer_from_a_second_tab(client, client_a)
    notice = RefusedRiskAnswer.objects.get()
    assert selectors.get_refused_risk_answer_for_user(therapist_a, notice.pk) == notice
    with pytest.raises(Http404):
        selectors.get_refused_risk_answer_for_user(therapist_b, notice.pk)
    with pytest.raises(Http404):
        selectors.get_refused_risk_answer_for_user(therapist_a, "x")
    assert selectors.refused_risk_answers_for_user(therapist_a, client_a) == ([notice], [])
    assert selectors.refused_risk_answers_for_user(therapist_b, client_a) == ([], [])


def test_the_reason_is_one_of_its_choices():
    field = RefusedRiskAnswer._meta.get_field("reason")
    assert set(dict(field.choices)) == {
        "used",
        "expired",
        "revoked",
        "episode_ended",
        "session_missed",
        "changed",
    }


def test_the_demo_crisis_number_is_in_the_range_kept_for_drama():
    """Ofcom keeps 0808 157 0000 to 0999 for drama: tapped on a phone, it reaches nobody."""
    digits = re.sub(r"\D", "", DEMO_CRISIS_TEXT)
    assert digits.startswith("0808157") and 0 <= int(digits[7:]) <= 999 and len(digits) == 11
