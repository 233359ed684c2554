"""The note under the caseload's notices says whom to ask about a change. It always said a
clinic admin made it, and only admins read the audit log: untrue of an accepted referral
(the colleague who accepted moved the client to themselves, and the notice says so) and of
a password set at the command line. The note now names only who made the changes shown."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.utils import timezone
from tests.conftest import make_client, make_user

from rapport.accounts.models import Role
from rapport.accounts.services import clients_move, user_set_password

pytestmark = pytest.mark.django_db

ADMIN_NOTE = (
    "If you did not expect a change a clinic admin made, ask the clinic's lead: only admins "
    "read the audit log."
)
REFERRAL_NOTE = (
    "A referral is accepted by the colleague it was offered to, named above, not by an "
    "admin: ask them if you did not expect it."
)
OPERATOR_NOTE = (
    "A change made at the command line was made by whoever runs Rapport for the clinic: ask "
    "them if you did not expect it."
)


def _notices(http) -> str:
    """The caseload's box of notices, as text."""
    page = http.get("/caseload/").content.decode()
    match = re.search(
        r'<div class="notice warn" role="status" id="access-notices">(.*?)</div>', page, flags=re.S
    )
    assert match, "no notices shown"
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", match.group(1)))).strip()


def _referral_accepted(client, by):
    from rapport.matching.models import Referral
    from rapport.matching.services import referral_accept

    referral = Referral.objects.create(
        client=client,
        from_therapist=client.therapist,
        to_therapist=by,
        consent_recorded_at=timezone.now(),
    )
    referral_accept(actor=by, referral=referral)


def test_an_accepted_referral_is_not_said_to_be_an_admins_change(
    login, therapist_a, therapist_b, client_a
):
    _referral_accepted(client_a, by=therapist_b)
    referrer = _notices(login(therapist_a))
    assert f"{therapist_b.email} accepted your referral of 1 client" in referrer
    assert REFERRAL_NOTE in referrer
    assert "clinic admin" not in referrer and "only admins read the audit log" not in referrer
    # The colleague who accepted did it themselves: nobody else to ask.
    accepter = _notices(login(therapist_b))
    assert f"you accepted 1 client referred to you by {therapist_a.email}." in accepter
    assert ADMIN_NOTE not in accepter and REFERRAL_NOTE not in accepter
    assert "clinic admin" not in accepter


def test_an_admins_move_still_says_to_ask_the_clinics_lead(
    login, admin_user, therapist_a, client_a, clinic
):
    colleague = make_user(clinic, "colleague@test.invalid", Role.THERAPIST)
    clients_move(actor=admin_user, from_user=therapist_a, to_user=colleague)
    text = _notices(login(therapist_a))
    assert f"{admin_user.email} moved 1 of your clients" in text
    assert ADMIN_NOTE in text
    assert REFERRAL_NOTE not in text and OPERATOR_NOTE not in text


def test_a_referral_and_an_admins_move_shown_together_each_say_whom_to_ask(
    login, admin_user, therapist_a, therapist_b, client_a, clinic
):
    second = make_client(therapist_a, "Second Client")
    _referral_accepted(client_a, by=therapist_b)
    colleague = make_user(clinic, "colleague@test.invalid", Role.THERAPIST)
    clients_move(actor=admin_user, from_user=therapist_a, to_user=colleague)
    assert second.pk  # moved by the admin
    text = _notices(login(therapist_a))
    assert ADMIN_NOTE in text and REFERRAL_NOTE in text
    assert OPERATOR_NOTE not in text


def test_a_password_set_at_the_command_line_is_not_said_to_be_an_admins(login, therapist_a):
    user_set_password(actor=None, user=therapist_a, password="Operator-chose-Passw0rd!z")
    therapist_a.refresh_from_db()
    therapist_a.must_change_password = False  # chosen their own since: the caseload opens
    therapist_a.save(update_fields=["must_change_password"])
    text = _notices(login(therapist_a))
    assert "an operator at the command line set a password for your account" in text
    assert OPERATOR_NOTE in text
    assert ADMIN_NOTE not in text and "clinic admin" not in text
