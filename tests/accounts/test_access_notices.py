"""A clinic admin can make a supervisor account with a password they choose, link it to a
therapist (or move clients to an account) and read the clients through it; the audit log
that records it is the admin's to read. So the therapist is told, on their caseload until
they mark it seen, of every change to who can see their clients or sign in as them, and
"Who can see your clients" lists the supervisors, who linked them and who read the
records (accounts.services._notify, accounts.views.clients_access)."""

from __future__ import annotations

import re

import pytest
from django.test import Client as HttpClient
from tests.accounts._helpers import page_text, section
from tests.conftest import CANARY, make_client, make_user

from rapport.accounts.models import AccessNotice, Role, SupervisionLink, User
from rapport.accounts.services import (
    clients_move,
    supervision_link_create,
    supervision_link_delete,
    user_set_password,
)

pytestmark = pytest.mark.django_db

ADMINS_CHOICE = "admin-chose-this-Passw0rd!x"
ADMINS_SECOND = "admin-own-second-Passw0rd!y"


def _notices(http) -> str | None:
    """The caseload's box of changes to who can see the clients, as text, or None."""
    page = http.get("/caseload/").content.decode()
    match = re.search(
        r'<div class="notice warn" role="status" id="access-notices">(.*?)</div>', page, flags=re.S
    )
    return page_text(match.group(1)) if match else None


def test_the_admin_escalation_is_shown_to_the_therapist(admin_user, therapist_a, client_a):
    """The review's scenario, through the pages: the admin makes "shadow", a supervisor with
    a password of their choosing, links it to therapist A, signs in as it, chooses its
    "own" password (they can: they know the first) and reads A's client. A's next caseload
    says who linked whom and when, and "Who can see your clients" names shadow as a
    supervisor linked by the admin and as a reader of the clients' records."""
    admin = HttpClient()
    admin.force_login(admin_user)
    admin.post(
        "/manage/users/new/",
        {
            "email": "shadow@test.invalid",
            "full_name": "Kind Colleague",
            "role": Role.SUPERVISOR,
            "password": ADMINS_CHOICE,
        },
    )
    shadow = User.objects.get(email="shadow@test.invalid")
    admin.post("/manage/supervision/", {"supervisor": shadow.pk, "supervisee": therapist_a.pk})
    as_shadow = HttpClient()
    as_shadow.post("/accounts/login/", {"login": shadow.email, "password": ADMINS_CHOICE})
    as_shadow.post(
        "/accounts/password/change/",
        {"oldpassword": ADMINS_CHOICE, "password1": ADMINS_SECOND, "password2": ADMINS_SECOND},
    )
    assert CANARY in as_shadow.get(f"/clients/{client_a.pk}/").content.decode()

    therapist = HttpClient()
    therapist.force_login(therapist_a)
    notices = _notices(therapist)
    assert notices is not None
    assert (
        "admin@test.invalid linked shadow@test.invalid to you as your supervisor. They can "
        "now see all your clients' records." in notices
    )
    page = therapist.get("/caseload/access/").content.decode()
    assert "Kind Colleague shadow@test.invalid" in section(page, "supervisors")
    assert "admin@test.invalid" in section(page, "supervisors")  # linked by
    readers = section(page, "readers")
    assert re.search(r"shadow@test\.invalid Supervisor \d+ 1 ", readers), readers
    assert CANARY not in page  # staff and counts, never a client


def test_a_notice_stays_on_the_caseload_until_marked_seen(admin_user, therapist_a, clinic):
    sup = make_user(clinic, "sup2@test.invalid", Role.SUPERVISOR)
    supervision_link_create(actor=admin_user, supervisor=sup, supervisee=therapist_a)
    http = HttpClient()
    http.force_login(therapist_a)
    first, again = _notices(http), _notices(http)
    assert first is not None and "sup2@test.invalid" in first
    assert again == first  # seeing the page is not marking it seen
    ids = list(AccessNotice.objects.filter(user=therapist_a).values_list("pk", flat=True))
    response = http.post("/caseload/access/seen/", {"notice": ids})
    assert response.status_code == 302
    assert _notices(http) is None
    # Still listed on the page, as seen.
    changes = section(http.get("/caseload/access/").content.decode(), "changes")
    assert "linked sup2@test.invalid to you as your supervisor" in changes
    assert "not yet marked seen" not in changes


def test_a_notice_that_came_after_the_page_stays_unseen(admin_user, therapist_a, clinic):
    one = make_user(clinic, "one@test.invalid", Role.SUPERVISOR)
    two = make_user(clinic, "two@test.invalid", Role.SUPERVISOR)
    supervision_link_create(actor=admin_user, supervisor=one, supervisee=therapist_a)
    shown = list(AccessNotice.objects.filter(user=therapist_a).values_list("pk", flat=True))
    supervision_link_create(actor=admin_user, supervisor=two, supervisee=therapist_a)
    http = HttpClient()
    http.force_login(therapist_a)
    http.post("/caseload/access/seen/", {"notice": shown})
    notices = _notices(http)
    assert notices is not None and "two@test.invalid" in notices
    assert "one@test.invalid" not in notices


def test_nobody_marks_another_persons_notices_seen(admin_user, therapist_a, therapist_b, clinic):
    sup = make_user(clinic, "sup3@test.invalid", Role.SUPERVISOR)
    supervision_link_create(actor=admin_user, supervisor=sup, supervisee=therapist_a)
    theirs = list(AccessNotice.objects.filter(user=therapist_a).values_list("pk", flat=True))
    assert theirs
    other = HttpClient()
    other.force_login(therapist_b)
    other.post("/caseload/access/seen/", {"notice": theirs})
    admin = HttpClient()
    admin.force_login(admin_user)
    # An admin marks their own notices there (their start page shows them), no one else's.
    assert admin.post("/caseload/access/seen/", {"notice": theirs}).status_code == 302
    assert AccessNotice.objects.filter(pk__in=theirs, seen_at__isnull=True).count() == len(theirs)


def test_the_end_of_a_supervision_is_told(admin_user, therapist_a, supervisor):
    link = SupervisionLink.objects.get(supervisor=supervisor, supervisee=therapist_a)
    supervision_link_delete(actor=admin_user, link=link)
    http = HttpClient()
    http.force_login(therapist_a)
    notices = _notices(http)
    assert notices is not None
    assert (
        "admin@test.invalid removed supervisor@test.invalid as your supervisor. They no "
        "longer see your clients." in notices
    )


def test_a_move_of_clients_is_told_to_both_therapists(admin_user, therapist_a, therapist_b):
    make_client(therapist_a, "Ann A.")
    make_client(therapist_a, "Abe A.")
    clients_move(actor=admin_user, from_user=therapist_a, to_user=therapist_b)
    gave, got = HttpClient(), HttpClient()
    gave.force_login(therapist_a)
    got.force_login(therapist_b)
    gave_text, got_text = _notices(gave), _notices(got)
    assert gave_text is not None and got_text is not None
    assert (
        "admin@test.invalid moved 2 of your clients to therapist.b@test.invalid, who sees "
        "their records from now on." in gave_text
    )
    assert "admin@test.invalid moved 2 clients to you from therapist.a@test.invalid." in got_text
    assert "Ann A." not in gave_text + got_text


def test_a_password_set_for_a_therapist_is_told(therapist_a):
    user_set_password(actor="cli", user=therapist_a, password="a-new-operator-passphrase-9")
    User.objects.filter(pk=therapist_a.pk).update(must_change_password=False)
    http = HttpClient()
    http.force_login(User.objects.get(pk=therapist_a.pk))
    notices = _notices(http)
    assert notices is not None
    assert "an operator at the command line set a password for your account." in notices


def test_an_operator_setting_their_own_password_is_no_notice(therapist_a):
    user_set_password(
        actor="cli", user=therapist_a, password="a-new-operator-passphrase-9", temporary=False
    )
    assert not AccessNotice.objects.filter(user=therapist_a).exists()
