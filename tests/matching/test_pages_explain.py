"""What the matching pages say to a clinician: the empty states, what the fit number
means, and the profile's help texts."""

from __future__ import annotations

import re

import pytest
from django.utils.dateformat import format as date_format
from django.utils.timezone import localtime

from rapport.matching.models import Referral
from tests.matching.test_referrals import cnip, profile, propose, text

pytestmark = pytest.mark.django_db


def test_when_no_colleague_has_a_profile_the_find_page_says_what_to_do(
    login, therapist_a, therapist_b, client_a
):
    page = text(login(therapist_a).get(f"/clients/{client_a.pk}/referral/?focus_areas=anxiety"))
    none = re.search(r'<p class="muted" id="none-ranked">(.*?)</p>', page).group(1)
    # Not "cannot take the client on for these needs": no one was compared at all.
    assert "None of your colleagues has a matching profile yet" in none
    assert "under Referrals" in none
    assert "for these needs" not in none
    assert "Therapist.B. They fill it in under Referrals." in page


def test_when_every_colleague_with_a_profile_is_excluded_the_page_says_it_is_the_needs(
    login, therapist_a, therapist_b, client_a
):
    profile(therapist_b, accepting_referrals=False)
    page = text(login(therapist_a).get(f"/clients/{client_a.pk}/referral/"))
    assert "No colleague of your clinic can take the client on for these needs." in page
    assert "<h3>Cannot take the client on</h3>" in page
    assert "Therapist.B: Not accepting referrals" in page


def test_the_find_page_says_what_the_fit_means(login, therapist_a, therapist_b, client_a):
    profile(therapist_b)
    http = login(therapist_a)
    page = text(http.get(f"/clients/{client_a.pk}/referral/?focus_areas=anxiety"))
    explained = re.search(r'<p class="help" id="fit-explained">(.*?)</p>', page).group(1)
    assert "The fit runs from 0 to 1" in explained
    assert "counts most (half)" in explained and "not a judgment of the colleague" in explained
    # Nothing chosen, no questionnaire: no fit, so nothing to explain.
    page = text(http.get(f"/clients/{client_a.pk}/referral/"))
    assert 'id="fit-explained"' not in page


def test_the_colleague_offered_a_referral_is_told_what_the_fit_means(
    login, therapist_a, therapist_b, client_a
):
    profile(therapist_b)
    cnip(client_a, -3)
    assert propose(login(therapist_a), client_a, therapist_b).status_code == 302
    assert Referral.objects.get().fit == 1.0
    page = text(login(therapist_b).get("/referrals/"))
    assert "fit 1.00" in page
    assert "The fit runs from 0 to 1: how much of what the referring colleague chose" in page
    # Under the reasons, not between the fit and the reasons it sums up.
    assert page.index("Works with anxiety") < page.index("The fit runs from 0 to 1")


def test_the_profile_page_explains_its_fields(login, therapist_a):
    page = text(login(therapist_a).get("/referrals/profile/"))
    assert "colleagues cannot refer clients to you until you save one" in page
    assert "the approaches they work in" in page
    assert "this counts most in the fit" in page
    assert "Counted when a client asks for an approach." in page
    assert "only colleagues who work in it are offered" in page
    assert "At capacity, you are not offered referrals. Leave it empty for no limit." in page
    assert (
        "How you usually work. It is compared with a client&#x27;s preference for warm "
        "support or focused challenge (their C-NIP questionnaire); “Not said” counts as "
        "neither for nor against."
    ) in page


def test_a_therapist_alone_in_the_clinic_is_told_there_is_no_colleague(
    login, therapist_a, client_a
):
    page = text(login(therapist_a).get(f"/clients/{client_a.pk}/referral/"))
    none = re.search(r'<p class="muted" id="none-ranked">(.*?)</p>', page).group(1)
    assert none == "No colleague of your clinic carries a caseload you could refer the client to."


def test_the_referrals_made_say_when_they_were_offered_and_where_they_stand(
    login, therapist_a, therapist_b, client_a
):
    profile(therapist_b)
    http = login(therapist_a)
    assert propose(http, client_a, therapist_b).status_code == 302
    day = date_format(localtime(Referral.objects.get().created_at), "j M Y")
    made = re.search(r'<ul id="outgoing">(.*?)</ul>', text(http.get("/referrals/"))).group(1)
    # Not "Proposed, 7 Dec 2026": the date is when it was offered, and it waits.
    assert f"→ Therapist.B, offered {day}: waiting for their answer</li>" in made
