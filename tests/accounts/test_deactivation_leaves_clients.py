"""Making a therapist's account inactive while their caseload is in care asks for a tick:
the admin is told what is left without a therapist (how many clients are in an open
episode, never who, nor whether alerts or risk answers wait for them: see
test_deactivation_reveals_no_clinical_facts), who still sees them (their active
supervisors, by name) and is offered the clients' move first. The service refuses the
deactivation without the tick; with no client in an open episode, no tick is asked."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from tests.accounts._clinical_facts import alert, risk_answer
from tests.accounts._helpers import page_text
from tests.conftest import CANARY, make_client, make_user

from rapport.accounts import services
from rapport.accounts.models import Role, SupervisionLink, User
from rapport.api.services import api_token_create
from rapport.clinic.models import Phase

pytestmark = pytest.mark.django_db

LEFT = (
    "Sam Okafor's caseload has 2 clients in an open episode of care. Made inactive, Sam "
    "Okafor can no longer sign in, and these clients are left without their therapist. "
    "Morgan Lee (supervisor) still sees these clients; nobody else does. Any API tokens "
    "they have stop working. Move their clients to a colleague first."
)


def _named(user: User, name: str) -> User:
    user.full_name = name
    user.save()
    return user


@pytest.fixture
def morgan(clinic) -> User:
    return _named(make_user(clinic, "morgan.lee@test.invalid", Role.SUPERVISOR), "Morgan Lee")


@pytest.fixture
def sam(clinic, morgan) -> User:
    """A trainee supervised by Morgan: two clients in care (an alert open, a risk answer
    waiting: the admin is told neither) and one whose episode ended."""
    sam = _named(make_user(clinic, "sam@test.invalid", Role.THERAPIST), "Sam Okafor")
    SupervisionLink.objects.create(supervisor=morgan, supervisee=sam)
    first = make_client(sam, f"{CANARY} Client")
    second = make_client(sam, "Second Client")
    alert(first)
    risk_answer(second, "waiting")
    former = make_client(sam, "Former Client")
    former.episodes.update(phase=Phase.CLOSED, ended_on=timezone.localdate())
    return sam


def _page(user: User) -> str:
    return f"/manage/users/{user.pk}/"


def _fields(user: User, **extra) -> dict:
    """The edit form as sent with "Active" unticked."""
    return {"full_name": user.full_name, "role": user.role, **extra}


def test_deactivating_a_therapist_in_care_names_what_is_left_and_asks_for_a_tick(
    login, admin_user, sam
):
    token, _raw = api_token_create(actor="cli", user=sam)
    admin = login(admin_user)
    response = admin.post(_page(sam), _fields(sam))
    assert response.status_code == 400
    assert LEFT in page_text(response)
    assert "Make inactive anyway" in page_text(response)
    assert f'href="/manage/users/{sam.pk}/clients/"' in response.content.decode()
    # Counts only: the admin sees no client (DESIGN §5).
    for name in (CANARY, "Second Client", "Former Client"):
        assert name not in response.content.decode()
    sam.refresh_from_db()
    assert sam.is_active

    confirmed = response.context["form"]["deactivation_confirmed_for"].value()
    response = admin.post(
        _page(sam),
        _fields(sam, deactivation_accepted="on", deactivation_confirmed_for=confirmed),
        follow=True,
    )
    assert "User saved." in page_text(response)
    assert (
        "Sam Okafor is inactive now, leaving 2 clients in an open episode of care without "
        "their therapist. Morgan Lee (supervisor) still sees these clients; nobody else "
        "does." in page_text(response)
    )
    sam.refresh_from_db()
    assert not sam.is_active
    # The API's hook still runs on a confirmed deactivation.
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_the_tick_holds_only_for_what_the_warning_counted(login, admin_user, sam):
    admin = login(admin_user)
    confirmed = admin.post(_page(sam), _fields(sam)).context["form"]
    confirmed = confirmed["deactivation_confirmed_for"].value()
    # A client comes into care while the admin reads the warning.
    make_client(sam, "New Client")
    response = admin.post(
        _page(sam), _fields(sam, deactivation_accepted="on", deactivation_confirmed_for=confirmed)
    )
    assert response.status_code == 400
    assert "Sam Okafor's caseload has 3 clients in an open episode of care." in page_text(response)
    sam.refresh_from_db()
    assert sam.is_active


def test_the_service_refuses_a_deactivation_in_care_without_the_confirmation(admin_user, sam):
    with pytest.raises(ValidationError) as refused:
        services.user_update(actor=admin_user, user=sam, is_active=False)
    assert "deactivation_accepted" in refused.value.message_dict
    sam.refresh_from_db()
    assert sam.is_active

    services.user_update(actor=admin_user, user=sam, is_active=False, deactivation_accepted=True)
    sam.refresh_from_db()
    assert not sam.is_active


def test_a_risk_answer_alone_asks_no_tick(admin_user, therapist_a):
    """An ended episode whose risk answer nobody followed up asks for nothing more than an
    ended episode: a refusal would tell the admin, who sees no clinical fact, that a risk
    answer waits (DESIGN §5). Its therapist's supervisors see it."""
    client = make_client(therapist_a, "Ended Client")
    risk_answer(client, "after-the-end")
    client.episodes.update(phase=Phase.CLOSED, ended_on=timezone.localdate())
    services.user_update(actor=admin_user, user=therapist_a, is_active=False)
    therapist_a.refresh_from_db()
    assert not therapist_a.is_active


def test_nothing_left_behind_asks_no_tick(login, admin_user, therapist_a):
    former = make_client(therapist_a, "Former Client")
    former.episodes.update(phase=Phase.CLOSED, ended_on=timezone.localdate())
    response = login(admin_user).post(_page(therapist_a), _fields(therapist_a), follow=True)
    assert "User saved." in page_text(response)
    assert "Make inactive anyway" not in page_text(response)
    therapist_a.refresh_from_db()
    assert not therapist_a.is_active


def test_without_a_supervisor_the_warning_says_nobody_else_sees_them(
    login, admin_user, therapist_a, client_a
):
    response = login(admin_user).post(_page(therapist_a), _fields(therapist_a))
    assert response.status_code == 400
    assert (
        "No supervisor is linked: nobody else sees these clients, their alerts or their risk "
        "answers." in page_text(response)
    )


def test_a_role_change_and_a_deactivation_at_once_each_need_their_own_tick(
    login, admin_user, clinic, morgan, sam
):
    """Morgan supervises Sam and has a client of her own; made a therapist and inactive in
    one save, both the supervision's end and what her caseload leaves are confirmed."""
    make_client(morgan, "Morgan's Client")
    admin = login(admin_user)
    form = admin.post(_page(morgan), _fields(morgan, role=Role.THERAPIST)).context["form"]
    sent = _fields(
        morgan,
        role=Role.THERAPIST,
        supervision_end_accepted="on",
        confirmed_for=form["confirmed_for"].value(),
    )
    response = admin.post(_page(morgan), sent)
    assert response.status_code == 400
    assert "1 client in an open episode of care" in page_text(response)
    morgan.refresh_from_db()
    assert morgan.role == Role.SUPERVISOR and morgan.is_active

    sent |= {
        "deactivation_accepted": "on",
        "deactivation_confirmed_for": form["deactivation_confirmed_for"].value(),
    }
    response = admin.post(_page(morgan), sent, follow=True)
    assert "User saved." in page_text(response)
    morgan.refresh_from_db()
    assert morgan.role == Role.THERAPIST and not morgan.is_active
    assert not SupervisionLink.objects.filter(supervisor=morgan).exists()
