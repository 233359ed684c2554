"""A questionnaire opened while its link worked can still be sent for a while.

A client opened a PHQ-9, answered item 9 "Nearly every day", and before they pressed Send
the link expired, or the therapist pressed Link again for the same session (which revokes
the open link). The page said "This link cannot be used … Nothing is wrong on your side",
stored nothing and said nothing about help. Now the form's key says, signed, when it was
served: within ``FORM_GRACE`` after the link expired or was replaced, it is stored, once.
Not after a clinician revoked the link, the episode ended, or after the grace period; and
a refused submission that answers a risk item at risk shows the crisis section.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from tests.checkins._helpers import PHQ9_ZERO, appointment_of, form_key, make_link

from rapport.checkins.models import CheckIn, RevokedBecause
from rapport.checkins.services import (
    FORM_GRACE,
    checkin_create,
    checkin_revoke,
    new_form_key,
    revoke_links_of_an_ended_episode,
)
from rapport.measures.models import Response

NEARLY_EVERY_DAY = {**PHQ9_ZERO, "phq9_9": "3"}
CRISIS = 'class="crisis"'
CANNOT = "This link cannot be used"


def opened(http, client_a, **link):
    checkin, token = make_link(client_a, **link)
    return checkin, token, form_key(http.get(f"/c/{token}/").content.decode())


def at(monkeypatch, when):
    monkeypatch.setattr(timezone, "now", lambda: when)


def send(http, token, key, answers=NEARLY_EVERY_DAY):
    return http.post(f"/c/{token}/", {**answers, "form_key": key})


@pytest.mark.django_db
def test_a_form_opened_before_the_link_expired_is_stored_once_after_it(
    client, client_a, crisis_line, monkeypatch
):
    checkin, token, key = opened(client, client_a)
    at(monkeypatch, checkin.expires_at + timedelta(minutes=20))
    assert client.get(f"/c/{token}/").status_code == 410  # no new form for an expired link
    first = send(client, token, key)
    assert first.status_code == 200
    page = first.content.decode()
    assert "Your answers have been sent to your therapist." in page
    assert CRISIS in page and "Duty line (example)" in page
    stored = Response.objects.get()
    assert stored.item_values["phq9_9"] == 3 and stored.endorsed_risk == ["phq9_9"]
    checkin.refresh_from_db()
    assert checkin.used_at is not None and checkin.response == stored
    # Exactly once: the same form again is the neutral repeat page, nothing more is stored.
    repeat = send(client, token, key)
    assert repeat.status_code == 200 and CRISIS not in repeat.content.decode()
    assert Response.objects.count() == 1


@pytest.mark.django_db
def test_a_form_of_a_link_replaced_by_link_again_is_still_stored(client, client_a, crisis_line):
    old, token, key = opened(client, client_a)
    # The therapist presses Link again for the same appointment and questionnaire.
    new, _ = checkin_create(actor=None, appointment=appointment_of(client_a), instrument_id="phq9")
    old.refresh_from_db()
    assert old.revoked_because == RevokedBecause.REPLACED
    assert client.get(f"/c/{token}/").status_code == 410
    sent = send(client, token, key)
    assert sent.status_code == 200 and CRISIS in sent.content.decode()
    assert Response.objects.get().checkin.pk == old.pk
    new.refresh_from_db()
    assert new.is_open(timezone.now())  # the new link is left as it was


@pytest.mark.django_db
def test_after_the_grace_period_nothing_is_stored_but_the_crisis_section_shows(
    client, client_a, crisis_line, monkeypatch
):
    checkin, token, key = opened(client, client_a)
    at(monkeypatch, checkin.expires_at + FORM_GRACE + timedelta(seconds=1))
    refused = send(client, token, key)
    assert refused.status_code == 410
    page = refused.content.decode()
    assert CANNOT in page
    assert CRISIS in page
    assert (
        "Your therapist will be told that your answers could not be sent, but will not see them."
        in page
    )
    assert f"Please contact {crisis_line.name} or the crisis contacts below today" in page
    assert "Duty line (example)" in page
    assert not Response.objects.exists()


@pytest.mark.django_db
def test_a_refused_form_without_a_risk_answer_shows_no_crisis_section(
    client, client_a, crisis_line, monkeypatch
):
    checkin, token, key = opened(client, client_a)
    at(monkeypatch, checkin.expires_at + FORM_GRACE + timedelta(minutes=1))
    page = send(client, token, key, PHQ9_ZERO).content.decode()
    assert CANNOT in page and CRISIS not in page
    assert crisis_line.name not in page


@pytest.mark.django_db
def test_a_risk_answer_on_a_form_with_a_question_left_blank_still_shows_the_crisis_section(
    client, client_a, crisis_line, therapist_a
):
    checkin, token, key = opened(client, client_a)
    checkin_revoke(actor=therapist_a, checkin=checkin)
    answers = {k: v for k, v in NEARLY_EVERY_DAY.items() if k != "phq9_2"}
    page = send(client, token, key, answers).content.decode()
    assert CANNOT in page and CRISIS in page
    assert not Response.objects.exists()


@pytest.mark.django_db
def test_a_link_a_clinician_revoked_takes_no_form_already_open(
    client, client_a, crisis_line, therapist_a
):
    checkin, token, key = opened(client, client_a)
    checkin_revoke(actor=therapist_a, checkin=checkin)
    checkin.refresh_from_db()
    assert checkin.revoked_because == RevokedBecause.STAFF
    page = send(client, token, key).content.decode()
    assert CANNOT in page and CRISIS in page
    assert not Response.objects.exists()


@pytest.mark.django_db
def test_revoking_the_new_link_ends_the_grace_of_the_one_it_replaced(client, client_a, therapist_a):
    old, token, key = opened(client, client_a)
    new, _ = checkin_create(actor=None, appointment=appointment_of(client_a), instrument_id="phq9")
    checkin_revoke(actor=therapist_a, checkin=new)
    old.refresh_from_db()
    assert old.revoked_because == RevokedBecause.STAFF
    assert send(client, token, key).status_code == 410
    assert not Response.objects.exists()


@pytest.mark.django_db
def test_an_ended_episode_takes_no_form_already_open(client, client_a, monkeypatch):
    checkin, token, key = opened(client, client_a)
    episode = client_a.episodes.get()
    revoke_links_of_an_ended_episode(episode)
    episode.phase = "closed"
    episode.ended_on = timezone.localdate()
    episode.save()
    assert send(client, token, key).status_code == 410
    # Nor an expired link of it, in what would otherwise be its grace period.
    CheckIn.objects.filter(pk=checkin.pk).update(
        revoked_at=None, revoked_because="", expires_at=timezone.now() - timedelta(minutes=5)
    )
    assert send(client, token, key).status_code == 410
    assert not Response.objects.exists()


@pytest.mark.django_db
def test_only_a_key_signed_for_this_link_while_it_worked_gets_the_grace(
    client, client_a, monkeypatch
):
    checkin, token, _key = opened(client, client_a)
    other, _ = make_link(client_a, "session-checkin")
    served = timezone.now()
    at(monkeypatch, checkin.expires_at + timedelta(minutes=5))
    plain = new_form_key()  # an older page's key: no time in it
    of_another_link = new_form_key(other, now=served)
    after_expiry = new_form_key(checkin, now=checkin.expires_at + timedelta(seconds=1))
    signed = new_form_key(checkin, now=served)
    forged_time = signed[:22] + f"{int(timezone.now().timestamp()) - 60:08x}" + signed[30:]
    for key in (plain, of_another_link, after_expiry, forged_time):
        assert send(client, token, key).status_code == 410, key
    assert not Response.objects.exists()
    assert send(client, token, signed).status_code == 200


@pytest.mark.django_db
def test_a_form_in_its_grace_period_with_a_blank_answer_comes_back_with_its_own_key(
    client, client_a, monkeypatch
):
    checkin, token, key = opened(client, client_a)
    at(monkeypatch, checkin.expires_at + timedelta(minutes=1))
    answers = {k: v for k, v in PHQ9_ZERO.items() if k != "phq9_4"}
    again = send(client, token, key, answers)
    assert again.status_code == 400
    # The key it was served with, not a fresh one: a fresh key would restart the clock.
    assert form_key(again.content.decode()) == key
    assert send(client, token, key, PHQ9_ZERO).status_code == 200
    assert Response.objects.count() == 1


@pytest.mark.django_db
def test_a_second_tab_of_a_link_answered_in_its_grace_period_is_told_it_was_not_sent(
    client, client_a, monkeypatch
):
    checkin, token, tab_one = opened(client, client_a)
    tab_two = form_key(client.get(f"/c/{token}/").content.decode())
    at(monkeypatch, checkin.expires_at + timedelta(minutes=1))
    assert send(client, token, tab_one, PHQ9_ZERO).status_code == 200
    second = send(client, token, tab_two, PHQ9_ZERO)
    assert second.status_code == 410
    page = second.content.decode()
    assert "Your answers were already sent. Thank you." not in page
    assert "the answers on this page were not sent" in page
    assert Response.objects.count() == 1


@pytest.mark.django_db
def test_the_link_page_says_the_link_sent_earlier_no_longer_works(login, therapist_a, client_a):
    http = login(therapist_a)
    url = f"/appointments/{appointment_of(client_a, past=False).pk}/checkins/new/"
    form = {"instrument": "phq9", "timing": "before", "mode": "link"}
    first = http.get(http.post(url, form)["Location"]).content.decode()
    assert "The link sent earlier for this session no longer works" not in first
    again = http.get(http.post(url, form)["Location"]).content.decode()
    assert "The link sent earlier for this session no longer works." in again
    assert "they can still send their answers for 6 hours" in again
