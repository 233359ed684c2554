"""The matching pages on a small phone (360 CSS px): the profile, finding a colleague with
everything chosen (the longest ranking) and the referrals page with an offer waiting (its
accept and decline forms) fit the screen and have no serious accessibility violation."""

from __future__ import annotations

import pytest
from tests.browser._helpers import assert_no_sideways_scroll, sign_in
from tests.browser.conftest import serious_accessibility_violations
from tests.matching.test_referrals import cnip, profile

from rapport.matching import services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def check(page, url: str) -> None:
    page.goto(url)
    assert_no_sideways_scroll(page)
    assert serious_accessibility_violations(page) == [], url


def test_the_matching_pages_fit_a_small_phone_and_pass_axe(
    phone_360, browser, live_server, therapist_a, therapist_b, client_a
):
    profile(therapist_a)
    profile(
        therapist_b,
        focus_areas=["anxiety", "chronic_illness"],
        approaches=["person_centred", "cbt"],
        languages=["en", "bsl"],
        capacity=25,
    )
    cnip(client_a, -3)
    base = live_server.url
    sign_in(phone_360, live_server, therapist_a)
    check(phone_360, f"{base}/referrals/profile/")
    find = (
        f"{base}/clients/{client_a.pk}/referral/?focus_areas=anxiety&focus_areas=chronic_illness"
        "&focus_areas=daily_living&approaches=person_centred&approaches=motivational&language=bsl"
    )
    check(phone_360, find)
    assert phone_360.locator("#ranked strong").all_inner_texts() == ["Therapist.B"]
    assert phone_360.locator("#fit-explained").is_visible()
    # "fit 0.57" on one line: its pill is no taller than one line of its text.
    fit = phone_360.locator("#ranked .tag").first
    line = fit.evaluate("tag => parseFloat(getComputedStyle(tag).lineHeight)")
    assert fit.bounding_box()["height"] < 2 * line

    services.referral_propose(
        actor=therapist_a,
        client=client_a,
        to_therapist_id=therapist_b.pk,
        focus_areas=["anxiety", "chronic_illness"],
        approaches=["person_centred"],
        language="bsl",
        consent=True,
    )
    check(phone_360, f"{base}/referrals/")  # made by A
    check(phone_360, find)  # with the open offer: the choices are disabled

    context = browser.new_context(
        viewport={"width": 360, "height": 780}, is_mobile=True, has_touch=True
    )
    try:
        colleague = context.new_page()
        sign_in(colleague, live_server, therapist_b)
        check(colleague, f"{base}/referrals/")  # offered to B: accept and decline forms
        accept = colleague.get_by_role("button", name="Accept")
        assert accept.is_visible()
        assert colleague.get_by_label("Why you decline").is_visible()
        # Accept stands apart from the decline form under it (1rem).
        below = colleague.locator("label", has_text="Why you decline").bounding_box()
        box = accept.bounding_box()
        assert below["y"] - (box["y"] + box["height"]) >= 12
    finally:
        context.close()
