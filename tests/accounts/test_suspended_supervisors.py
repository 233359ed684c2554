"""A supervisor whose account is inactive sees none of the clients now, but will again the
day an admin makes the account active: the move page, the colleague list and the
therapist's caseload name such a supervisor apart, as suspended, instead of counting them
as seeing the clients or hiding them. A link left on someone who is no longer a
supervisor opens nothing, ever, and is counted nowhere."""

from __future__ import annotations

import html
import re

import pytest
from tests.accounts._helpers import page_text
from tests.conftest import CANARY, make_user

from rapport.accounts.models import Role, SupervisionLink, User
from rapport.accounts.selectors import SupervisorsOf, supervisors_of
from rapport.clinic.models import Client
from rapport.clinic.selectors import visible_therapist_ids

pytestmark = pytest.mark.django_db


def _linked(clinic, email: str, supervisee: User, *, role=Role.SUPERVISOR, **extra) -> User:
    supervisor = make_user(clinic, email, role, **extra)
    SupervisionLink.objects.create(supervisor=supervisor, supervisee=supervisee)
    return supervisor


def _inactive(user: User) -> User:
    User.objects.filter(pk=user.pk).update(is_active=False)
    user.refresh_from_db()
    return user


def _move_page(therapist: User) -> str:
    return f"/manage/users/{therapist.pk}/clients/"


def test_supervisors_of_tells_who_sees_now_from_who_is_suspended(clinic, therapist_a):
    seeing = _linked(clinic, "seeing@test.invalid", therapist_a)
    away = _linked(clinic, "away@test.invalid", therapist_a, is_active=False)
    # Left by an older version on someone who is a therapist now: opens nothing, ever.
    _linked(clinic, "former@test.invalid", therapist_a, role=Role.THERAPIST)
    assert supervisors_of(therapist_a) == SupervisorsOf(seeing=(seeing,), suspended=(away,))
    # What the scope grants, the same way.
    assert therapist_a.pk in visible_therapist_ids(seeing)
    assert therapist_a.pk not in visible_therapist_ids(away)


def test_the_move_page_names_a_suspended_supervisor_apart(
    login, admin_user, supervisor, therapist_a, client_a
):
    _inactive(supervisor)
    page = login(admin_user).get(_move_page(therapist_a))
    assert (
        "therapist.a@test.invalid has no supervisor who sees the clients now. Suspended, "
        "account inactive: Supervisor, who sees none of the clients now and will again once "
        "made active." in page_text(page)
    )
    assert "is supervised by Supervisor" not in page_text(page)
    assert CANARY not in page.content.decode()


def test_each_colleague_is_listed_with_their_supervision_as_it_stands(
    login, admin_user, clinic, supervisor, therapist_a, therapist_b, client_a
):
    _linked(clinic, "away@test.invalid", therapist_b, is_active=False)
    _linked(clinic, "former@test.invalid", therapist_b, role=Role.THERAPIST)
    page = login(admin_user).get(_move_page(therapist_a)).content.decode()
    assert "Therapist.B (no supervisor; suspended, inactive: Away)</option>" in page
    assert "Former (no supervisor)</option>" in page


def test_a_move_away_from_a_suspended_supervisor_says_they_will_not_see_the_clients_back(
    login, admin_user, clinic, supervisor, therapist_a, therapist_b, client_a
):
    """Before: the suspended supervisor was counted as seeing the clients now."""
    away = _linked(clinic, "away@test.invalid", therapist_a, is_active=False)
    SupervisionLink.objects.create(supervisor=supervisor, supervisee=therapist_b)
    http = login(admin_user)
    response = http.post(_move_page(therapist_a), {"to_user": therapist_b.pk})
    assert response.status_code == 400
    assert (
        "This client is supervised now by Supervisor; once with Therapist.B, by Supervisor. "
        "Suspended supervisors (inactive accounts: they see nothing now, and will once made "
        "active again): Away now; nobody once with Therapist.B. Made active again, Away will "
        "not see them." in page_text(response)
    )
    assert "Away will no longer see them" not in page_text(response)

    confirmed = response.context["form"]["confirmed_for"].value()
    response = http.post(
        _move_page(therapist_a),
        {
            "to_user": therapist_b.pk,
            "supervision_change_accepted": "on",
            "confirmed_for": confirmed,
        },
        follow=True,
    )
    assert Client.objects.get(pk=client_a.pk).therapist == therapist_b
    assert (
        "The client is now supervised by Supervisor (before: Supervisor). Suspended, will not "
        "see them once made active again: Away; let them know." in page_text(response)
    )
    assert away.pk not in {u.pk for u in supervisors_of(therapist_b).suspended}


def test_a_move_to_a_colleague_with_a_suspended_supervisor_does_not_count_them_as_seeing(
    login, admin_user, clinic, supervisor, therapist_a, therapist_b, client_a
):
    SupervisionLink.objects.create(supervisor=supervisor, supervisee=therapist_b)
    _linked(clinic, "away@test.invalid", therapist_b, is_active=False)
    response = login(admin_user).post(_move_page(therapist_a), {"to_user": therapist_b.pk})
    assert response.status_code == 400
    assert (
        "once with Therapist.B, by Supervisor. Suspended supervisors (inactive accounts: they "
        "see nothing now, and will once made active again): nobody now; Away once with "
        "Therapist.B." in page_text(response)
    )
    assert "by Supervisor, Away" not in page_text(response)


def _caseload_line(http, line_id: str) -> str | None:
    page = http.get("/caseload/").content.decode()
    match = re.search(rf'<p class="help" id="{line_id}">(.*?)</p>', page, flags=re.S)
    return html.unescape(re.sub(r"\s+", " ", match.group(1)).strip()) if match else None


def test_the_caseload_names_a_suspended_supervisor_apart(login, supervisor, therapist_a):
    _inactive(supervisor)
    http = login(therapist_a)
    assert _caseload_line(http, "seen-by") == "Only you can see your clients now."
    assert _caseload_line(http, "seen-by-suspended") == (
        "Suspended, seeing none of your clients now: Supervisor (supervisor@test.invalid, "
        "supervisor, account inactive). Made active again, this supervisor sees your clients "
        "again."
    )


def test_the_caseload_lists_seeing_and_suspended_supervisors_each_in_their_place(
    login, clinic, supervisor, therapist_a
):
    away = _linked(clinic, "away@test.invalid", therapist_a, is_active=False)
    User.objects.filter(pk=away.pk).update(full_name="")  # the email stands alone
    _linked(clinic, "gone@test.invalid", therapist_a, is_active=False)
    _linked(clinic, "former@test.invalid", therapist_a, role=Role.THERAPIST)
    http = login(therapist_a)
    seen_by = _caseload_line(http, "seen-by") or ""
    assert seen_by.startswith("Who else can see your clients: Supervisor (supervisor@")
    assert "away@" not in seen_by and "gone@" not in seen_by
    assert _caseload_line(http, "seen-by-suspended") == (
        "Suspended, seeing none of your clients now: away@test.invalid (supervisor, account "
        "inactive); Gone (gone@test.invalid, supervisor, account inactive). Made active again, "
        "these supervisors see your clients again."
    )
    assert "former@" not in http.get("/caseload/").content.decode()


def test_a_caseload_without_suspended_supervisors_has_no_such_line(login, supervisor, therapist_a):
    http = login(therapist_a)
    # The caseload is shown, with its line on who sees the clients (the active supervisor).
    assert (_caseload_line(http, "seen-by") or "").startswith(
        "Who else can see your clients: Supervisor (supervisor@test.invalid, supervisor,"
    )
    assert _caseload_line(http, "seen-by-suspended") is None
