"""Matching profiles and referrals to a better-matched colleague, through the pages."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from rapport.accounts.models import AccessNotice, AccessNoticeKind, Role
from rapport.audit.models import AuditEvent
from rapport.clinic.models import Client, Clinic
from rapport.matching import services
from rapport.matching.models import Referral, ReferralStatus, TherapistProfile
from rapport.measures.services import response_record
from tests.conftest import make_client, make_user
from tests.matching._helpers import text

pytestmark = pytest.mark.django_db


def profile(user, **fields):
    defaults = {
        "focus_areas": ["anxiety"],
        "languages": ["en"],
        "style_warm_support": -2,
        "accepting_referrals": True,
    }
    return TherapistProfile.objects.create(user=user, **{**defaults, **fields})


def cnip(client, warm_support: int):
    """A C-NIP answered with every warm-support item at ``warm_support`` (-3: strongly
    warm support), every other item 0 (no preference)."""
    answers = {f"cnip_{n}": 0 for n in range(1, 19)}
    answers.update({f"cnip_{n}": warm_support for n in range(15, 19)})
    response_record(
        client=client,
        instrument_id="cnip",
        answers=answers,
        source="import",
        idempotency_key=f"cnip-{client.pk}",
        administered_at=timezone.now(),
    )


def propose(http, client, to, follow=False, **extra):
    data = {"focus_areas": ["anxiety"], "language": "", "to_therapist": to.pk, "consent": "on"}
    return http.post(f"/clients/{client.pk}/referral/", {**data, **extra}, follow=follow)


# -- the profile ---------------------------------------------------------------------------


def test_a_therapist_saves_their_own_profile(login, therapist_a):
    http = login(therapist_a)
    page = text(http.get("/referrals/profile/"))
    assert "You have no profile yet" in page
    response = http.post(
        "/referrals/profile/",
        {
            "focus_areas": ["anxiety", "trauma"],
            "approaches": ["cbt"],
            "languages": ["en", "es"],
            "style_warm_support": "-2",
            "style_directiveness": "",
            "accepting_referrals": "on",
            "capacity": "20",
        },
    )
    assert response.status_code == 302
    saved = TherapistProfile.objects.get(user=therapist_a)
    assert saved.focus_areas == ["anxiety", "trauma"]
    assert saved.languages == ["en", "es"]
    assert saved.style_warm_support == -2 and saved.style_directiveness is None
    assert saved.capacity == 20 and saved.accepting_referrals
    page = text(http.get("/referrals/profile/"))
    assert "Last saved" in page
    assert re.search(r'value="trauma"[^>]*checked', page)
    assert not re.search(r'value="grief"[^>]*checked', page)


def test_too_many_languages_or_an_unknown_code_change_nothing(login, therapist_a):
    http = login(therapist_a)
    many = ["en", "es", "fr", "de", "it", "nl", "pl"]
    response = http.post("/referrals/profile/", {"languages": many})
    assert response.status_code == 400
    assert "List at most 6 languages." in text(response)
    response = http.post("/referrals/profile/", {"languages": ["xx"]})
    assert response.status_code == 400
    assert not TherapistProfile.objects.exists()


def test_an_admin_has_no_profile_page(login, admin_user):
    assert login(admin_user).get("/referrals/profile/").status_code == 403


# -- finding a colleague -------------------------------------------------------------------


@pytest.fixture
def colleagues(clinic, therapist_a, therapist_b, supervisor):
    """Therapist B fits (anxiety, warm support); C leans to challenge; an inactive one, a
    supervisor with no caseload, another clinic's therapist: never listed."""
    profile(therapist_b)
    c = make_user(clinic, "therapist.c@test.invalid", Role.THERAPIST)
    profile(c, focus_areas=["trauma"], style_warm_support=2)
    gone = make_user(clinic, "gone@test.invalid", Role.THERAPIST, is_active=False)
    profile(gone)
    profile(supervisor)
    other = make_user(Clinic.objects.create(name="Other"), "o@test.invalid", Role.THERAPIST)
    profile(other)
    profile(therapist_a)
    return {"b": therapist_b, "c": c}


def test_the_find_page_ranks_colleagues_with_reasons_and_the_clients_preferences(
    login, therapist_a, client_a, colleagues
):
    cnip(client_a, -3)
    page = text(
        login(therapist_a).get(f"/clients/{client_a.pk}/referral/?focus_areas=anxiety&language=")
    )
    assert "Warm support / Focused challenge: strongly prefers warm support" in page
    ranked = re.search(r'<ol class="ranked" id="ranked">(.*?)</ol>', page).group(1)
    names = re.findall(r"<strong>(.*?)</strong>", ranked)
    assert names == ["Therapist.B", "Therapist.C"]
    assert "Works with anxiety" in ranked
    assert "Leans to warm support, as the client strongly prefers" in ranked
    assert "Leans to focused challenge; the client strongly prefers warm support" in ranked
    assert "fit 1.00" in ranked and "fit 0.00" in ranked
    for never in ("Therapist.A", "Gone", "Supervisor", ">O<"):
        assert never not in ranked
    assert AuditEvent.objects.filter(
        client_id=client_a.pk, target="page:referral_find", actor=therapist_a
    ).exists()


def test_a_colleague_without_the_clients_language_is_listed_as_not_offered(
    login, therapist_a, client_a, colleagues
):
    page = text(login(therapist_a).get(f"/clients/{client_a.pk}/referral/?language=es"))
    assert 'id="none-ranked"' in page
    assert "Therapist.B: Does not work in Spanish" in page


def test_only_the_clients_own_therapist_finds_a_colleague(
    login, therapist_b, supervisor, client_a, colleagues
):
    assert login(therapist_b).get(f"/clients/{client_a.pk}/referral/").status_code == 404
    assert login(supervisor).get(f"/clients/{client_a.pk}/referral/").status_code == 403
    assert propose(login(supervisor), client_a, therapist_b).status_code == 403
    assert not Referral.objects.exists()


# -- proposing -----------------------------------------------------------------------------


def test_a_referral_needs_the_clients_consent(
    login, therapist_a, therapist_b, client_a, colleagues
):
    response = propose(login(therapist_a), client_a, therapist_b, consent="")
    assert response.status_code == 400
    assert "Tick that the client agreed to be referred" in text(response)
    assert not Referral.objects.exists()


def test_proposing_stores_the_referral_with_consent_and_the_fit(
    login, therapist_a, therapist_b, client_a, colleagues
):
    cnip(client_a, -3)
    http = login(therapist_a)
    response = propose(http, client_a, therapist_b)
    assert response.status_code == 302
    referral = Referral.objects.get()
    assert (referral.from_therapist, referral.to_therapist) == (therapist_a, therapist_b)
    assert referral.status == ReferralStatus.PROPOSED and referral.consent_recorded_at
    assert referral.fit == 1.0
    assert ["Works with anxiety", True] in referral.reasons
    assert AuditEvent.objects.filter(
        client_id=client_a.pk, action="create", target__startswith=f"referral:{referral.pk}:"
    ).exists()
    page = text(http.get(f"/clients/{client_a.pk}/"))
    assert "Offered to Therapist.B on" in page and "Withdraw the referral" in page
    # Sent twice (a double click): still one offer, and the second sending is told so.
    again = propose(http, client_a, therapist_b, follow=True)
    assert again.redirect_chain == [(f"/clients/{client_a.pk}/", 302)]
    assert "The referral to Therapist.B was already offered: nothing changed." in text(again)
    assert 'class="error-summary"' not in text(again)
    assert Referral.objects.count() == 1
    # Another colleague while this one waits: an error, and still one offer.
    other = propose(http, client_a, colleagues["c"])
    assert other.status_code == 400
    assert "already has a referral waiting for an answer: withdraw it first" in text(other)
    assert Referral.objects.count() == 1
    assert AuditEvent.objects.filter(action="create", target__startswith="referral:").count() == 1


def test_an_excluded_colleague_cannot_be_chosen(
    login, therapist_a, therapist_b, client_a, colleagues
):
    TherapistProfile.objects.filter(user=therapist_b).update(accepting_referrals=False)
    response = propose(login(therapist_a), client_a, therapist_b)
    assert response.status_code == 400
    assert "Choose one of the colleagues listed" in text(response)
    assert not Referral.objects.exists()


# -- the colleague's answer ----------------------------------------------------------------


@pytest.fixture
def offered(login, therapist_a, therapist_b, client_a, colleagues):
    assert propose(login(therapist_a), client_a, therapist_b).status_code == 302
    return Referral.objects.get()


def test_the_colleague_sees_the_offer_but_not_the_record(login, therapist_b, client_a, offered):
    http = login(therapist_b)
    page = text(http.get("/referrals/"))
    assert "Canary-7f3a Client</strong>, referred by Therapist.A" in page
    assert "Works with anxiety" in page
    # Therapist A's supervisor stops seeing the client (therapist B has none): said first.
    assert "Accepting changes who supervises this client. No longer seeing them: Supervisor." in (
        page
    )
    # The name, no more: the goal in the client's words stays out of sight.
    assert "goal in own words" not in page
    assert http.get(f"/clients/{client_a.pk}/").status_code == 404
    assert AuditEvent.objects.filter(
        client_id=client_a.pk, actor=therapist_b, target=f"referral:{offered.pk}"
    ).exists()


def test_accepting_moves_the_client_audited_and_told(
    login, therapist_a, therapist_b, client_a, offered
):
    http = login(therapist_b)
    response = http.post("/referrals/respond/", {"referral": offered.pk, "decision": "accept"})
    assert response.status_code == 302 and response["Location"] == f"/clients/{client_a.pk}/"
    client_a.refresh_from_db()
    offered.refresh_from_db()
    assert client_a.therapist == therapist_b
    assert offered.status == ReferralStatus.ACCEPTED and offered.responded_at
    assert AuditEvent.objects.filter(
        client_id=client_a.pk,
        target=f"client:therapist:user:{therapist_a.pk}->user:{therapist_b.pk}",
    ).exists()
    notices = {(n.user, n.kind, n.count) for n in AccessNotice.objects.all()}
    assert notices == {
        (therapist_b, AccessNoticeKind.CLIENTS_MOVED_IN, 1),
        (therapist_a, AccessNoticeKind.CLIENTS_MOVED_OUT, 1),
    }
    assert "goal in own words" in text(http.get(f"/clients/{client_a.pk}/"))
    assert login(therapist_a).get(f"/clients/{client_a.pk}/").status_code == 404


def test_a_second_accept_changes_nothing(login, therapist_b, client_a, offered):
    http = login(therapist_b)
    http.post("/referrals/respond/", {"referral": offered.pk, "decision": "accept"})
    again = http.post(
        "/referrals/respond/", {"referral": offered.pk, "decision": "accept"}, follow=True
    )
    assert again.redirect_chain == [("/referrals/", 302)]
    assert "You already accepted this referral: nothing changed." in text(again)
    with pytest.raises(ValidationError, match="already accepted"):
        services.referral_accept(actor=therapist_b, referral=offered)
    assert AccessNotice.objects.count() == 2
    assert AuditEvent.objects.filter(target__startswith="client:therapist:").count() == 1


def test_another_therapist_cannot_answer_the_offer(login, therapist_a, client_a, offered, clinic):
    someone = make_user(clinic, "someone@test.invalid", Role.THERAPIST)
    for user in (someone, therapist_a):
        response = login(user).post(
            "/referrals/respond/", {"referral": offered.pk, "decision": "accept"}
        )
        assert response.status_code == 404
    assert Client.objects.get(pk=client_a.pk).therapist == therapist_a


def test_declining_needs_a_reason_and_leaves_the_client_with_their_therapist(
    login, therapist_a, therapist_b, client_a, offered
):
    http = login(therapist_b)
    response = http.post("/referrals/respond/", {"referral": offered.pk, "decision": "decline"})
    assert response.status_code == 302
    offered.refresh_from_db()
    assert offered.status == ReferralStatus.PROPOSED
    http.post(
        "/referrals/respond/",
        {"referral": offered.pk, "decision": "decline", "reason": "My caseload is full."},
    )
    offered.refresh_from_db()
    assert offered.status == ReferralStatus.DECLINED
    assert Client.objects.get(pk=client_a.pk).therapist == therapist_a
    assert not AccessNotice.objects.exists()
    page = text(login(therapist_a).get(f"/clients/{client_a.pk}/"))
    assert "Therapist.B declined the referral on" in page and "My caseload is full." in page
    assert "Find a better-matched colleague" in page


def test_the_referrer_withdraws_an_open_offer(login, therapist_a, therapist_b, client_a, offered):
    http = login(therapist_a)
    response = http.post(f"/clients/{client_a.pk}/referral/withdraw/")
    assert response.status_code == 302
    offered.refresh_from_db()
    assert offered.status == ReferralStatus.WITHDRAWN
    assert "Offered to" not in text(http.get(f"/clients/{client_a.pk}/"))
    assert "No referral offered to you." in text(login(therapist_b).get("/referrals/"))
    late = login(therapist_b).post(
        "/referrals/respond/", {"referral": offered.pk, "decision": "accept"}, follow=True
    )
    assert late.redirect_chain == [("/referrals/", 302)]
    assert "The referring colleague withdrew this referral before you answered" in text(late)
    offered.refresh_from_db()
    assert offered.status == ReferralStatus.WITHDRAWN
    assert Client.objects.get(pk=client_a.pk).therapist == therapist_a


def test_the_withdraw_url_takes_no_get(login, therapist_a, client_a, offered):
    assert login(therapist_a).get(f"/clients/{client_a.pk}/referral/withdraw/").status_code == 405


def test_the_panel_is_the_own_therapists_only(login, supervisor, therapist_a, client_a):
    page = text(login(supervisor).get(f"/clients/{client_a.pk}/"))
    assert "Find a better-matched colleague" not in page
    page = text(login(therapist_a).get(f"/clients/{client_a.pk}/"))
    assert "Find a better-matched colleague" in page


def test_an_accept_after_an_admins_move_changes_nothing(
    therapist_a, therapist_b, client_a, offered, clinic
):
    elsewhere = make_user(clinic, "elsewhere@test.invalid", Role.THERAPIST)
    Client.objects.filter(pk=client_a.pk).update(therapist=elsewhere)
    with pytest.raises(ValidationError, match="no longer with the colleague"):
        services.referral_accept(actor=therapist_b, referral=offered)
    assert Client.objects.get(pk=client_a.pk).therapist == elsewhere


def test_demo_therapists_get_profiles():
    from rapport.demo import seed_demo

    seed_demo()
    emails = set(TherapistProfile.objects.values_list("user__email", flat=True))
    assert emails == {"alex@demo.test", "sam@demo.test"}


def test_caseload_counts_only_clients_with_an_open_episode(therapist_a, therapist_b, client_a):
    from rapport.matching.selectors import candidates_for

    profile(therapist_b, capacity=2)
    make_client(therapist_b, "Open One")
    former = make_client(therapist_b, "Former")
    former.episodes.update(phase="closed", ended_on=timezone.localdate())
    candidates, _ = candidates_for(client_a)
    assert [(c.name, c.caseload, c.capacity) for c in candidates] == [("Therapist.B", 1, 2)]


def test_an_offer_left_by_an_admins_move_is_not_shown_and_does_not_block_a_new_one(
    login, therapist_b, client_a, offered, clinic
):
    elsewhere = make_user(clinic, "elsewhere@test.invalid", Role.THERAPIST)
    Client.objects.filter(pk=client_a.pk).update(therapist=elsewhere)
    assert "No referral offered to you." in text(login(therapist_b).get("/referrals/"))
    page = text(login(elsewhere).get(f"/clients/{client_a.pk}/"))
    assert "Offered to" not in page and "Find a better-matched colleague" in page
    response = propose(login(elsewhere), client_a, therapist_b)
    assert response.status_code == 302
    offered.refresh_from_db()
    assert offered.status == ReferralStatus.WITHDRAWN
    new = Referral.objects.get(status=ReferralStatus.PROPOSED)
    assert new.from_therapist == elsewhere


def test_offering_without_choosing_a_colleague_says_so(login, therapist_a, client_a, colleagues):
    response = login(therapist_a).post(
        f"/clients/{client_a.pk}/referral/", {"consent": "on", "language": ""}
    )
    assert response.status_code == 400
    assert "Choose the colleague to offer the referral to." in text(response)
    assert not Referral.objects.exists()


def test_the_colleagues_caseload_says_an_offer_waits_until_it_is_answered(
    login, therapist_a, therapist_b, client_a, offered
):
    http = login(therapist_b)
    page = text(http.get("/caseload/"))
    assert "A colleague has offered you a client by referral: it waits for your answer." in page
    assert '<a href="/referrals/">See referral offers</a>' in page
    assert '<a href="/referrals/">Referrals</a>' in page  # in the navigation too
    # The referrer is not told of an offer to answer.
    assert "See referral offers" not in text(login(therapist_a).get("/caseload/"))
    offered.status = ReferralStatus.DECLINED
    offered.save(update_fields=["status"])
    assert "See referral offers" not in text(http.get("/caseload/"))


def test_the_notices_of_an_accepted_referral_say_it_was_a_referral(
    login, therapist_a, therapist_b, client_a, offered
):
    """Not 'b@… moved 1 of your clients to b@…': the colleague accepted a referral."""
    from rapport.accounts.notices import access_notice_text

    login(therapist_b).post("/referrals/respond/", {"referral": offered.pk, "decision": "accept"})
    said = {n.user: access_notice_text(n) for n in AccessNotice.objects.all()}
    assert (
        f"{therapist_b.email} accepted your referral of 1 client, and sees their record"
        in (said[therapist_a])
    )
    assert f"you accepted 1 client referred to you by {therapist_a.email}." in said[therapist_b]
    assert "moved" not in said[therapist_a] + said[therapist_b]


def test_the_approaches_the_client_asks_for_count_in_the_fit(
    login, therapist_a, therapist_b, client_a, colleagues
):
    TherapistProfile.objects.filter(user=colleagues["c"]).update(approaches=["person_centred"])
    TherapistProfile.objects.filter(user=therapist_b).update(approaches=["psychodynamic"])
    http = login(therapist_a)
    form = text(http.get(f"/clients/{client_a.pk}/referral/"))
    assert "Approaches the client asks for" in form
    assert 'name="approaches" value="person_centred"' in form

    page = text(http.get(f"/clients/{client_a.pk}/referral/?approaches=person_centred"))
    ranked = re.search(r'<ol class="ranked" id="ranked">(.*?)</ol>', page).group(1)
    assert re.findall(r"<strong>(.*?)</strong>", ranked) == ["Therapist.C", "Therapist.B"]
    assert "Works in person-centred" in ranked and "fit 1.00" in ranked
    assert "Does not list person-centred" in ranked and "fit 0.00" in ranked
    # Carried into the offer, so the colleague is offered the fit the therapist was shown.
    assert '<input type="hidden" name="approaches" value="person_centred">' in page
    response = propose(
        http, client_a, colleagues["c"], focus_areas=[], approaches=["person_centred"]
    )
    assert response.status_code == 302
    referral = Referral.objects.get()
    assert referral.fit == 1.0
    assert referral.reasons == [["Works in person-centred", True]]
