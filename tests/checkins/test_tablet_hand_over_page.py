"""*Hand the tablet over?* is a GET page of its own (POST/redirect/GET).

Review finding: the question was the response to the *Tablet* button's POST, so Back from
the client's questions reached a page Chromium could only show by sending the form again
("Confirm Form Resubmission"). The POST now keeps the question in the therapist's session
and redirects to an address that names nobody; that page is what the therapist confirms on
(the browser test is tests/browser/test_tablet_hand_over_back.py).
"""

from __future__ import annotations

import re

import pytest
from tests.checkins._helpers import TABLET_RETURN, appointment_of
from tests.conftest import CANARY

from rapport.audit.models import Action, AuditEvent
from rapport.checkins.models import CheckIn, Mode
from rapport.checkins.services import checkin_create

HAND_OVER = "/checkins/tablet/hand-over/"


def link_sent(client, therapist):
    """A PHQ-9 link already sent for the client's next session: Tablet must ask first."""
    upcoming = appointment_of(client, past=False)
    checkin_create(actor=therapist, appointment=upcoming, instrument_id="phq9", timing="before")
    return upcoming, (
        f"/appointments/{upcoming.pk}/checkins/new/",
        {"instrument": "phq9", "timing": "before", "mode": "tablet"},
    )


def confirm_fields(page: str) -> dict[str, str]:
    form = page.split('<form method="post" action="/appointments/')[1].split("</form>")[0]
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form))


@pytest.mark.django_db
def test_the_tablet_button_leads_to_a_get_page_that_names_nobody_and_reloads_as_it_was(
    login, therapist_a, client_a
):
    upcoming, (url, data) = link_sent(client_a, therapist_a)
    http = login(therapist_a)

    posted = http.post(url, data)
    assert posted.status_code == 302
    location = posted["Location"]
    assert location.startswith(f"{HAND_OVER}?for=")
    assert str(upcoming.pk) not in location.split("?")[0] and "/clients/" not in location
    assert CANARY not in location

    first = http.get(location)
    again = http.get(location)  # Reload, or Back to it from the client page
    assert first.status_code == again.status_code == 200
    for shown in (first, again):
        page = shown.content.decode()
        assert "<h1>Hand the tablet over?</h1>" in page
        assert "will stop working" in page
        assert CANARY in page, "the therapist is shown whom they hand over for"
        assert f'action="/appointments/{upcoming.pk}/checkins/new/"' in page
    assert CheckIn.objects.count() == 1 and CheckIn.objects.get().revoked_at is None
    assert "_auth_user_id" in http.session, "nothing handed over yet"

    handed = http.post(url, confirm_fields(first.content.decode()))
    assert handed.status_code == 302 and handed["Location"].startswith("/c/")
    assert CheckIn.objects.filter(mode=Mode.TABLET, revoked_at__isnull=True).count() == 1
    assert "_auth_user_id" not in http.session, "the therapist is signed out"


@pytest.mark.django_db
def test_each_showing_is_one_read_of_the_client_and_the_redirect_none(login, therapist_a, client_a):
    _, (url, data) = link_sent(client_a, therapist_a)
    http = login(therapist_a)

    def reads():
        return AuditEvent.objects.filter(
            action=Action.VIEW, client_id=client_a.pk, actor=therapist_a
        ).count()

    location = http.post(url, data)["Location"]
    assert reads() == 0, "the POST only redirects: it shows nothing of the client"
    http.get(location)
    assert reads() == 1
    row = AuditEvent.objects.get(action=Action.VIEW, client_id=client_a.pk)
    assert row.target == "page:checkin_tablet_confirm" and row.path == HAND_OVER
    http.get(location)
    assert reads() == 2


@pytest.mark.django_db
def test_two_tabs_keep_their_own_question(login, therapist_a, client_a):
    """Tablet pressed for the next session's PHQ-9 in one tab and last week's session
    check-in in another: reloading the first still asks about the PHQ-9."""
    _, (url, data) = link_sent(client_a, therapist_a)
    past = appointment_of(client_a)
    checkin_create(
        actor=therapist_a, appointment=past, instrument_id="session-checkin", timing="after"
    )
    http = login(therapist_a)
    phq9 = http.post(url, data)["Location"]
    checkin = http.post(
        f"/appointments/{past.pk}/checkins/new/",
        {"instrument": "session-checkin", "timing": "after", "mode": "tablet"},
    )
    assert checkin["Location"] != phq9
    assert confirm_fields(http.get(phq9).content.decode())["instrument"] == "phq9"
    assert confirm_fields(http.get(checkin["Location"]).content.decode())["instrument"] == (
        "session-checkin"
    )


@pytest.mark.django_db
def test_a_question_about_a_client_outside_the_users_scope_is_not_found(
    login, therapist_a, client_b
):
    http = login(therapist_a)
    session = http.session
    session["checkin_tablet_hand_overs"] = {
        "k": {"appointment": appointment_of(client_b).pk, "instrument": "phq9", "timing": "after"}
    }
    session.save()
    shown = http.get(f"{HAND_OVER}?for=k")
    assert shown.status_code == 404
    assert "Bea B." not in shown.content.decode()
    assert not AuditEvent.objects.filter(client_id=client_b.pk).exists()


@pytest.mark.django_db
def test_back_to_it_after_the_hand_over_is_the_sign_in_page_then_the_client(
    login, therapist_a, client_a
):
    _, (url, data) = link_sent(client_a, therapist_a)
    http = login(therapist_a)
    location = http.post(url, data)["Location"]
    fields = confirm_fields(http.get(location).content.decode())
    http.post(url, fields)  # handed over: signed out

    back = http.get(location)
    assert back.status_code == 302 and back["Location"].startswith("/accounts/login/?next=")
    sign_in_page = http.get(back["Location"])
    assert sign_in_page.status_code == 200
    assert CANARY not in sign_in_page.content.decode()

    # Signing in there: the question went with the old session, so the therapist is led
    # back to the client, as from the tablet's thank-you page.
    http.force_login(therapist_a)
    after = http.get(location)
    assert after.status_code == 302 and after["Location"] == TABLET_RETURN
    assert http.get(TABLET_RETURN)["Location"] == f"/clients/{client_a.pk}/"


@pytest.mark.django_db
def test_without_a_question_kept_the_address_leads_on(login, therapist_a):
    shown = login(therapist_a).get(f"{HAND_OVER}?for=nothing")
    assert shown.status_code == 302 and shown["Location"] == TABLET_RETURN
