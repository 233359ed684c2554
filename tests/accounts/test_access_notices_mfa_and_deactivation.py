"""Two more ways an admin or an operator changes who can sign in as a clinician or see their
clients, told to the clinician like the others (accounts.services._notify): second factors
removed (``rapport reset-mfa``: with them gone the password alone signs in, and whoever
signs in first sets up the next authenticator), and a supervisor's account made inactive
(their links are suspended, not ended: made active again, they see the clients again)."""

from __future__ import annotations

import re

import pytest
from django.test import Client as HttpClient
from tests.accounts._helpers import page_text
from tests.conftest import make_user

from rapport.accounts.models import AccessNotice, AccessNoticeKind, Role, User
from rapport.accounts.services import mfa_reset, user_update
from rapport.cli import main

pytestmark = pytest.mark.django_db

MFA_NOTICE = (
    "an operator at the command line removed your account's second factors (authenticator "
    "app and recovery codes) and ended your sessions. Whoever knew your password could then "
    "sign in as you and set up an authenticator of their own; if you did not set up a new "
    "one yourself straight after, ask who did."
)
SUSPENDED_NOTICE = (
    "admin@test.invalid made the account of supervisor@test.invalid, your supervisor, "
    "inactive. They see none of your clients now, and will again if the account is made "
    "active."
)


def _notices(user: User) -> str | None:
    """The box of changes at the top of ``user``'s caseload, as text, or None."""
    http = HttpClient()
    http.force_login(User.objects.get(pk=user.pk))
    page = http.get("/caseload/").content.decode()
    match = re.search(
        r'<div class="notice warn" role="status" id="access-notices">(.*?)</div>', page, flags=re.S
    )
    return page_text(match.group(1)) if match else None


def _changes(user: User) -> str:
    """The "Changes" list of ``user``'s page "Who can see your clients", as text."""
    http = HttpClient()
    http.force_login(User.objects.get(pk=user.pk))
    page = http.get("/caseload/access/").content.decode()
    match = re.search(r'id="changes"[^>]*>(.*?)</(ul|p)>', page, flags=re.S)
    assert match
    return page_text(match.group(1))


def test_a_reset_of_second_factors_at_the_command_line_is_told_on_the_next_caseload(
    capsys, therapist_a, therapist_b
):
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
    from allauth.mfa.totp.internal.auth import TOTP

    TOTP.activate(therapist_a, "JBSWY3DPEHPK3PXP")
    RecoveryCodes.activate(therapist_a)
    assert main(["reset-mfa", "--email", therapist_a.email]) == 0
    assert "They are told on their caseload who did it, and when." in capsys.readouterr().out

    notices = _notices(therapist_a)
    assert notices is not None
    # Who and when: the operator, with the date and time of the reset.
    assert re.search(r"\d{1,2} \w{3} \d{4}, \d\d:\d\d: " + re.escape(MFA_NOTICE), notices)
    assert MFA_NOTICE in _changes(therapist_a)
    assert _notices(therapist_b) is None  # nobody else's


def test_a_reset_by_an_admin_account_names_the_admin(admin_user, therapist_a):
    from allauth.mfa.totp.internal.auth import TOTP

    TOTP.activate(therapist_a, "JBSWY3DPEHPK3PXP")
    assert mfa_reset(actor=admin_user, user=therapist_a) == 1
    notices = _notices(therapist_a)
    assert notices is not None
    assert "admin@test.invalid removed your account's second factors" in notices


def test_a_reset_of_an_account_without_second_factors_is_no_notice(therapist_a):
    """Nothing was removed: the password signed in alone before as after."""
    assert mfa_reset(actor="cli", user=therapist_a) == 0
    assert not AccessNotice.objects.filter(user=therapist_a).exists()


def test_deactivating_a_supervisor_is_told_to_each_therapist_they_supervised(
    admin_user, clinic, supervisor, therapist_a, therapist_b
):
    from rapport.accounts.models import SupervisionLink

    SupervisionLink.objects.create(supervisor=supervisor, supervisee=therapist_b)
    admin = HttpClient()
    admin.force_login(admin_user)
    response = admin.post(
        f"/manage/users/{supervisor.pk}/",
        {"full_name": supervisor.full_name, "role": Role.SUPERVISOR},  # "Active" unticked
    )
    assert response.status_code == 302
    supervisor.refresh_from_db()
    assert not supervisor.is_active

    for therapist in (therapist_a, therapist_b):
        notices = _notices(therapist)
        assert notices is not None
        assert re.search(r"\d{4}, \d\d:\d\d: " + re.escape(SUSPENDED_NOTICE), notices)
        assert SUSPENDED_NOTICE in _changes(therapist)

    # Made active again, the same therapists are told the supervision is open again.
    user_update(actor=admin_user, user=supervisor, is_active=True, supervision_reopen_accepted=True)
    notices = _notices(therapist_a)
    assert notices is not None
    assert SUSPENDED_NOTICE in notices
    assert "linked supervisor@test.invalid to you as your supervisor" in notices


def test_deactivating_a_therapist_or_a_supervisor_without_links_tells_nobody(
    admin_user, clinic, supervisor, therapist_a
):
    lone = make_user(clinic, "lone@test.invalid", Role.SUPERVISOR)
    user_update(actor=admin_user, user=lone, is_active=False)
    user_update(actor=admin_user, user=therapist_a, is_active=False)
    assert not AccessNotice.objects.exists()


def test_deactivated_with_a_role_change_the_end_of_the_links_is_told_once(
    admin_user, supervisor, therapist_a
):
    """The role change ends the links for good: told as such, not also as suspended."""
    user_update(
        actor=admin_user,
        user=supervisor,
        is_active=False,
        role=Role.THERAPIST,
        supervision_end_accepted=True,
    )
    kinds = list(AccessNotice.objects.filter(user=therapist_a).values_list("kind", flat=True))
    assert kinds == [AccessNoticeKind.SUPERVISION_REMOVED]
