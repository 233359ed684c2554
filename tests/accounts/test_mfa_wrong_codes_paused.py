"""Past allauth's limit on wrong two-factor codes (its "login_failed" limits, counted per
user: settings.ACCOUNT_RATE_LIMITS), the code pages said the sign-in throttle's words,
"Too many wrong passwords, so signing in is paused.", to someone whose password had been
right; setting up the app said allauth's "Be patient, you are sending too many requests."
They now speak of codes, say how long, and who can help without the app."""

from __future__ import annotations

import pytest
from django.urls import reverse
from tests.accounts._helpers import THROTTLED, field_errors, page_text
from tests.accounts.test_mfa_code_pages_in_the_apps_words import _at_second_step
from tests.accounts.test_mfa_set_up_continues import ACTIVATE, _set_up_totp, _signed_in

pytestmark = pytest.mark.django_db

PAUSED = (
    "Too many wrong codes, so codes are not accepted for now. Try again in 5 minutes (up to "
    "1 hour after many tries). If you no longer have your authenticator app or your recovery "
    "codes, ask your clinic's administrator to turn two-factor authentication off for you."
)


def _errors(page) -> str:
    return field_errors(page, "code") or page_text(page)


def _wrong_codes_until_paused(http, url: str):
    answers = [http.post(url, {"code": "000000"}) for _ in range(6)]
    assert [PAUSED in _errors(a) for a in answers] == [False] * 5 + [True]
    return answers[-1]


def test_signing_in_past_the_wrong_codes_limit_speaks_of_codes(client, therapist_a):
    http = _signed_in(client, therapist_a)
    _set_up_totp(http)
    http = _at_second_step(http, therapist_a)
    paused = _wrong_codes_until_paused(http, reverse("mfa_authenticate"))
    assert THROTTLED not in page_text(paused)
    assert "_auth_user_id" not in http.session


def test_confirming_access_past_the_wrong_codes_limit_speaks_of_codes(client, therapist_a):
    http = _signed_in(client, therapist_a)
    _set_up_totp(http)
    paused = _wrong_codes_until_paused(http, reverse("mfa_reauthenticate"))
    assert THROTTLED not in page_text(paused)


def test_setting_up_the_app_past_the_wrong_codes_limit_speaks_of_codes(client, therapist_a):
    http = _signed_in(client, therapist_a)
    assert http.get(ACTIVATE).status_code == 200
    paused = _wrong_codes_until_paused(http, ACTIVATE)
    assert "Be patient" not in page_text(paused)


def test_a_paused_sign_in_still_speaks_of_passwords(client, therapist_a):
    from tests.accounts._helpers import sign_in

    for _ in range(5):
        sign_in(client, therapist_a.email, "wrong-password", "203.0.113.9")
    paused = sign_in(client, therapist_a.email, "wrong-password", "203.0.113.9")
    assert THROTTLED in page_text(paused) and "wrong codes" not in page_text(paused)
