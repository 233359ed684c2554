"""Past one of allauth's rate limits (settings.ACCOUNT_RATE_LIMITS and allauth's defaults:
password resets for one address, password changes, confirm access, sign-ins from one
address...), allauth answers 429 with the template "429.html"
(allauth.core.internal.ratelimit.handler429). Rapport had none, so the page was allauth's
bare "429 Too Many Requests ... Please try again later", outside the app's layout.

The app's page keeps the 429, says what happened, that it passes, when to try again and
whom to ask, and says nothing about any account: for a password reset it reads the same
for a staff member's address and for one with no account. The API's throttles
(rapport.api.throttles) still answer in JSON."""

from __future__ import annotations

import pytest
from allauth.core.internal.ratelimit import get_rates
from tests.accounts._helpers import heading, main_text, page_html
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

RESET = "/accounts/password/reset/"
CHANGE = "/accounts/password/change/"
#: allauth's limits that end on its 429 page (consume_or_429 and its ``rate_limit``
#: decorator on allauth's account views).
ACTIONS_ENDING_ON_A_429 = (
    "change_password",
    "change_phone",
    "confirm_email",
    "login",
    "manage_email",
    "reauthenticate",
    "reset_password",
    "reset_password_from_key",
    "signup",
)
#: allauth's fallback page, in its words.
ALLAUTH_WORDS = ("429 Too Many Requests", "You have sent too many requests")


@pytest.fixture
def reset_by_mail(settings):
    settings.PASSWORD_RESET_BY_EMAIL = True


def _reset_until_refused(client, email: str):
    """Ask for a reset for ``email`` until allauth refuses (its default is five a minute
    for one address); the refusal."""
    for _ in range(10):
        answer = client.post(RESET, {"email": email})
        if answer.status_code != 302:
            return answer
    raise AssertionError("the reset was never refused")


def _assert_the_apps_429(answer) -> None:
    assert answer.status_code == 429
    html = page_html(answer)
    assert [words for words in ALLAUTH_WORDS if words in html] == []
    # The app's layout: its stylesheet, its skip link, the page's own heading and title.
    assert "rapport/rapport.css" in html and 'class="skip"' in html
    assert heading(answer) == "Please wait a few minutes"
    assert "<title>Please wait a few minutes · Rapport</title>" in html
    text = main_text(answer)
    assert "too many times in a short time" in text
    assert "was not carried out, and nothing was changed or sent" in text
    assert "The limit lifts on its own: wait a few minutes, then try again." in text
    assert "ask your clinic's administrator" in text


def test_too_many_resets_for_one_address_get_the_apps_page_with_a_429(
    client, therapist_a, reset_by_mail, mailoutbox
):
    refused = _reset_until_refused(client, therapist_a.email)
    _assert_the_apps_429(refused)
    # The refused request sent nothing: the mails are those of the five accepted ones.
    assert len(mailoutbox) == 5


def test_the_page_says_nothing_about_the_account(client, therapist_a, reset_by_mail, mailoutbox):
    known = _reset_until_refused(client, therapist_a.email)
    unknown = _reset_until_refused(client, "nobody@test.invalid")
    assert unknown.status_code == known.status_code == 429
    assert page_html(unknown) == page_html(known)
    text = main_text(known).lower()
    assert therapist_a.email not in page_html(known)
    assert "account" not in text and "address" not in text


def test_too_many_password_changes_get_the_apps_page_in_the_signed_in_layout(client, therapist_a):
    client.force_login(therapist_a)
    wrong = {"oldpassword": "not-" + PASSWORD, "password1": "x", "password2": "y"}
    answers = [client.post(CHANGE, wrong) for _ in range(6)]
    assert [a.status_code for a in answers[:5]] == [200] * 5  # the form, with its errors
    refused = answers[5]
    _assert_the_apps_429(refused)
    # Still signed in, with the app's navigation around it.
    assert "Sign out" in page_html(refused)


def test_every_limit_that_ends_on_the_page_lifts_within_a_few_minutes():
    """The page says "wait a few minutes" without knowing which limit it was: a limit set
    to an hour or a day would make it wrong (and should then say so)."""
    windows = {
        action: [rate.duration for rate in get_rates(app="allauth.account", action=action)]
        for action in ACTIONS_ENDING_ON_A_429
    }
    assert windows["reset_password"]  # the limits are read, not an empty table
    assert {action: w for action, w in windows.items() if any(s > 5 * 60 for s in w)} == {}


def test_the_apis_throttle_still_answers_in_json(client):
    """Sixty refused tokens a minute from one address, then 429s (docs/api.md)."""
    bearer = {"HTTP_AUTHORIZATION": "Bearer rpt_wrong", "REMOTE_ADDR": "192.0.2.77"}
    for _ in range(60):
        assert client.get("/api/v1/clients/1/responses", **bearer).status_code == 401
    refused = client.get("/api/v1/clients/1/responses", **bearer)
    assert refused.status_code == 429
    assert refused["Content-Type"].startswith("application/json")
    assert refused.json()["detail"].startswith("Too many refused tokens from this address")
    assert "<html" not in refused.content.decode().lower()
