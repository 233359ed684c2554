"""A therapist's caseload says who else can see their clients: a clinic admin can make a
supervisor account with a password they know and link it to any therapist, so the
therapist must be able to see every such link, with its date."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from tests.conftest import make_client, make_user

from rapport.accounts.models import Role, SupervisionLink, User
from rapport.clinic.selectors import visible_therapist_ids

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")


def _seen_by(http) -> str | None:
    """The caseload's line on who else can see the clients, as text, or None."""
    page = http.get("/caseload/").content.decode()
    match = re.search(r'<p class="help" id="seen-by">(.*?)</p>', page, flags=re.S)
    return re.sub(r"\s+", " ", match.group(1)).strip() if match else None


def _since(user: User, supervisor: User, when: datetime) -> None:
    SupervisionLink.objects.filter(supervisee=user, supervisor=supervisor).update(created_at=when)


def test_a_supervised_therapist_sees_who_and_since_when(login, therapist_a, supervisor):
    _since(therapist_a, supervisor, datetime(2026, 12, 3, 10, 0, tzinfo=LONDON))
    assert _seen_by(login(therapist_a)) == (
        "Who else can see your clients: Supervisor (supervisor@test.invalid, supervisor, "
        "since 3 Dec 2026)."
    )


def test_a_therapist_nobody_supervises_is_told_only_they_can(login, therapist_b, supervisor):
    assert _seen_by(login(therapist_b)) == ("Only you can see your clients: no one supervises you.")


def test_a_supervisor_an_admin_makes_and_links_shows_on_the_therapists_caseload(
    login, admin_user, therapist_b
):
    """The review's case: the admin creates a supervisor with a password of their own
    choosing and links it to a therapist; the therapist's next look at the caseload
    names it, by the email the admin cannot disguise as well as by name."""
    make_client(therapist_b, "Bea B.")
    admin = login(admin_user)
    admin.post(
        "/manage/users/new/",
        {
            "email": "morgan.lee@test.invalid",
            "full_name": "Morgan Lee",
            "role": Role.SUPERVISOR,
            "password": "a-long-enough-passphrase-42",
        },
    )
    morgan = User.objects.get(email="morgan.lee@test.invalid")
    admin.post("/manage/supervision/", {"supervisor": morgan.pk, "supervisee": therapist_b.pk})
    assert therapist_b.pk in visible_therapist_ids(morgan)
    today = timezone.localdate().strftime("%-d %b %Y")
    assert _seen_by(login(therapist_b)) == (
        f"Who else can see your clients: Morgan Lee (morgan.lee@test.invalid, supervisor, "
        f"since {today})."
    )


def test_every_supervisor_is_listed_oldest_link_first(login, clinic, therapist_a, supervisor):
    second = make_user(clinic, "casey@test.invalid", Role.SUPERVISOR)
    User.objects.filter(pk=second.pk).update(full_name="")  # no name: the email stands alone
    SupervisionLink.objects.create(supervisor=second, supervisee=therapist_a)
    _since(therapist_a, supervisor, datetime(2026, 1, 5, 9, 0, tzinfo=LONDON))
    _since(therapist_a, second, datetime(2026, 11, 20, 9, 0, tzinfo=LONDON))
    assert _seen_by(login(therapist_a)) == (
        "Who else can see your clients: Supervisor (supervisor@test.invalid, supervisor, "
        "since 5 Jan 2026); casey@test.invalid (supervisor, since 20 Nov 2026)."
    )


def test_the_list_is_exactly_who_the_scope_lets_in(login, clinic, therapist_a, supervisor):
    """A link to a deactivated account, or to someone no longer a supervisor, opens
    nothing (clinic.selectors.visible_therapist_ids); listed again once it would."""
    gone = make_user(clinic, "gone@test.invalid", Role.SUPERVISOR, is_active=False)
    SupervisionLink.objects.create(supervisor=gone, supervisee=therapist_a)
    moved = make_user(clinic, "moved@test.invalid", Role.SUPERVISOR)
    SupervisionLink.objects.create(supervisor=moved, supervisee=therapist_a)
    User.objects.filter(pk=moved.pk).update(role=Role.THERAPIST)
    line = _seen_by(login(therapist_a))
    assert line is not None and "supervisor@test.invalid" in line
    assert "gone@test.invalid" not in line and "moved@test.invalid" not in line
    for user in (gone, moved):
        user.refresh_from_db()
        assert therapist_a.pk not in visible_therapist_ids(user)
    User.objects.filter(pk=gone.pk).update(is_active=True)
    assert "gone@test.invalid" in (_seen_by(login(therapist_a)) or "")


def test_a_supervisors_own_caseload_has_no_such_line(login, supervisor, therapist_a):
    # The line is found where it belongs (their supervisee's caseload) ...
    assert (_seen_by(login(therapist_a)) or "").startswith(
        "Who else can see your clients: Supervisor (supervisor@test.invalid"
    )
    # ... and not on the supervisor's own, which is the caseload all the same.
    page = login(supervisor).get("/caseload/").content.decode()
    assert "<h1>Caseload</h1>" in page
    assert _seen_by(login(supervisor)) is None


def test_a_supervised_supervisor_is_told_who_sees_their_own_clients(login, clinic, supervisor):
    """A supervisor may hold clients and be supervised in turn; their supervisor can open
    those clients, so the caseload names them too (code review)."""
    senior = make_user(clinic, "senior@test.invalid", Role.SUPERVISOR)
    SupervisionLink.objects.create(supervisor=senior, supervisee=supervisor)
    make_client(supervisor, "Sol S.")
    line = _seen_by(login(supervisor)) or ""
    assert line.startswith("Who else can see your clients:") and "senior@test.invalid" in line
