"""Past one of allauth's rate limits (settings.ACCOUNT_RATE_LIMITS and allauth's defaults:
password resets for one address, password changes, confirm access, sign-ins from one
address...), allauth answers 429 with the template "429.html"
(allauth.core.internal.ratelimit.handler429). Rapport had none, so the page was allauth's
bare "429 Too Many Requests ... Please try again later", outside the app's layout.

The app's page keeps the 429, says what happened, that it passes, when to try again (the
longest window of the limits on the page asked for, also in a Retry-After header: allauth's
page had neither) and whom to ask, and says nothing about any account: for a password reset
it reads the same for a staff member's address and for one with no account. The API's
throttles (rapport.api.throttles) still answer in JSON, with their own Retry-After."""

from __future__ import annotations

import pytest
from tests.accounts._helpers import heading, main_text, page_html
from tests.conftest import PASSWORD

from rapport.accounts.rate_limits import ACTIONS_ENDING_ON_A_429

pytestmark = pytest.mark.django_db

RESET = "/accounts/password/reset/"
CHANGE = "/accounts/password/change/"
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


def _assert_the_apps_429(answer, wait: str = "1 minute") -> None:
    assert answer.status_code == 429
    html = page_html(answer)
    assert [words for words in ALLAUTH_WORDS if words in html] == []
    # The app's layout: its stylesheet, its skip link, the page's own heading and title.
    assert "rapport/rapport.css" in html and 'class="skip"' in html
    assert heading(answer) == "Please wait before trying again"
    assert "<title>Please wait before trying again · Rapport</title>" in html
    text = main_text(answer)
    assert "too many times in a short time" in text
    assert "was not carried out, and nothing was changed or sent" in text
    # allauth's limits on these pages count a minute (its defaults).
    assert f"The limit lifts on its own: wait {wait}, then try again." in text
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


def test_the_refusal_says_when_to_retry_in_a_retry_after_header(
    client, therapist_a, reset_by_mail, mailoutbox
):
    refused = _reset_until_refused(client, therapist_a.email)
    _assert_the_apps_429(refused)
    assert refused["Retry-After"] == "60"  # reset_password: "20/m/ip,5/m/key"


def test_a_longer_limit_is_said_as_it_is_set(
    client, therapist_a, reset_by_mail, mailoutbox, settings
):
    """The wait is the limit's own, not a fixed "few minutes": a clinic that sets resets
    for one address to three an hour is told to wait an hour."""
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "reset_password": "3/1h/key"}
    refused = _reset_until_refused(client, therapist_a.email)
    _assert_the_apps_429(refused, wait="1 hour")
    assert refused["Retry-After"] == "3600"
    assert len(mailoutbox) == 3


def test_too_many_confirm_access_tries_wait_for_the_confirm_access_limit(
    client, therapist_a, settings
):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "reauthenticate": "3/5m/user"}
    client.force_login(therapist_a)
    answers = [client.post("/accounts/reauthenticate/", {"password": "wrong"}) for _ in range(4)]
    assert [a.status_code for a in answers[:3]] == [200] * 3
    _assert_the_apps_429(answers[3], wait="5 minutes")
    assert answers[3]["Retry-After"] == "300"


def test_a_page_not_known_waits_for_the_longest_limit_that_ends_there(rf, settings):
    """A limit on a page the table does not name (a later allauth's): the longest wait
    of all, so the retry is never too early."""
    from rapport.accounts.rate_limits import too_many_requests

    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "signup": "20/2h/ip"}
    answer = too_many_requests(rf.post("/accounts/somewhere-new/"))
    assert answer.status_code == 429
    assert answer["Retry-After"] == "7200"
    assert "The limit lifts on its own: wait 2 hours, then try again." in main_text(answer)


def test_rapport_urls_names_the_apps_429_handler():
    """allauth looks for ``handler429`` on the root URLconf only: without it the page
    has the same words but no Retry-After header."""
    import rapport.urls

    assert rapport.urls.handler429 == "rapport.accounts.rate_limits.too_many_requests"


def test_every_action_that_ends_on_the_page_has_a_limit():
    """The table of actions is allauth's: each is one it limits (a renamed one would fall
    back to the longest wait, without saying so)."""
    from allauth.core.internal.ratelimit import get_rates

    assert {
        a for a in ACTIONS_ENDING_ON_A_429 if not get_rates(app="allauth.account", action=a)
    } == set()


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
