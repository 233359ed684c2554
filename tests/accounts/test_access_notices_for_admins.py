"""A clinic admin's own account gets notices too (``AccessNotice``: second factors removed by
an operator, a password set by another admin), but the box that shows them was on the
caseload only, which an admin never opens: they were never shown. An admin's start page
(the users list) now shows them, with the same "Mark as seen"."""

from __future__ import annotations

import re

import pytest
from django.test import Client as HttpClient
from tests.accounts._helpers import page_text
from tests.conftest import make_user

from rapport.accounts.models import AccessNotice, Role, User
from rapport.accounts.services import mfa_reset, user_set_password

pytestmark = pytest.mark.django_db

MFA_NOTICE = (
    "an operator at the command line removed your account's second factors (authenticator "
    "app and recovery codes) and ended your sessions."
)


def _signed_in(user: User) -> HttpClient:
    http = HttpClient()
    http.force_login(User.objects.get(pk=user.pk))
    return http


def _notices(http: HttpClient) -> tuple[str, list[str]] | None:
    """The box of notices at the top of the admin's start page: its text and the notices
    its "Mark as seen" sends; None when there is none."""
    page = http.get("/manage/users/").content.decode()
    match = re.search(
        r'<div class="notice warn" role="status" id="access-notices">(.*?)</div>', page, flags=re.S
    )
    if not match:
        return None
    box = match.group(1)
    form = re.search(r'<form method="post" action="([^"]+)">(.*?)</form>', box, flags=re.S)
    assert form and form.group(1) == "/caseload/access/seen/"
    return page_text(box), re.findall(r'name="notice" value="(\d+)"', form.group(2))


def _second_factors(user: User) -> None:
    from allauth.mfa.totp.internal.auth import TOTP

    TOTP.activate(user, "JBSWY3DPEHPK3PXP")


def test_an_admin_is_told_on_their_start_page_that_their_second_factors_were_removed(
    admin_user,
):
    _second_factors(admin_user)
    assert mfa_reset(actor="cli", user=admin_user) == 1
    http = _signed_in(admin_user)
    shown = _notices(http)
    assert shown is not None
    text, sent = shown
    assert "Changes to your account" in text
    assert re.search(r"\d{1,2} \w{3} \d{4}, \d\d:\d\d: " + re.escape(MFA_NOTICE), text)
    # An admin has no clients: neither the clinician's heading nor their page's link.
    assert "who can see your clients" not in text.lower()
    [notice] = AccessNotice.objects.filter(user=admin_user)
    assert sent == [str(notice.pk)]


def test_an_admin_is_told_that_another_admin_set_their_password(admin_user, clinic):
    other = make_user(clinic, "other.admin@test.invalid", Role.ADMIN)
    user_set_password(actor=other, user=admin_user, password="a-password-other-knows")
    admin_user.refresh_from_db()
    admin_user.must_change_password = False  # chosen since; the notice stays until seen
    admin_user.save(update_fields=["must_change_password"])
    shown = _notices(_signed_in(admin_user))
    assert shown is not None
    assert "other.admin@test.invalid set a password for your account." in shown[0]
    # Nobody else's start page shows it.
    assert _notices(_signed_in(other)) is None


def test_marking_them_seen_takes_the_box_away_and_leads_back_to_the_start_page(admin_user):
    _second_factors(admin_user)
    mfa_reset(actor="cli", user=admin_user)
    http = _signed_in(admin_user)
    shown = _notices(http)
    assert shown is not None
    response = http.post("/caseload/access/seen/", {"notice": shown[1]})
    assert response.status_code == 302 and response["Location"] == "/manage/users/"
    assert _notices(http) is None
    assert not AccessNotice.objects.filter(user=admin_user, seen_at__isnull=True).exists()


def test_an_admin_marks_only_their_own_notices_seen(admin_user, therapist_a):
    _second_factors(therapist_a)
    mfa_reset(actor=admin_user, user=therapist_a)
    theirs = list(AccessNotice.objects.filter(user=therapist_a).values_list("pk", flat=True))
    assert theirs
    _signed_in(admin_user).post("/caseload/access/seen/", {"notice": theirs})
    assert AccessNotice.objects.filter(pk__in=theirs, seen_at__isnull=True).count() == 1


def test_an_admin_without_notices_sees_no_box(admin_user):
    page = _signed_in(admin_user).get("/manage/users/").content.decode()
    assert 'id="access-notices"' not in page
    assert "Who can see your clients" not in page
