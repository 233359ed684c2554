"""A supervisor given another role stops supervising for good: the admin is warned whom
they supervise (staff names and a count, never clients) and ticks to confirm; the links
end, audited, with the role change, so making them a supervisor again restores nothing.
Deactivating a supervisor keeps their links, which open nothing until they are active
again, and the supervision page lists such links apart from the links in force."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import ValidationError
from tests.accounts._helpers import page_text
from tests.conftest import make_client, make_user

from rapport.accounts import services
from rapport.accounts.models import Role, SupervisionLink, User
from rapport.accounts.selectors import supervision_links_seeing_clients_of
from rapport.audit.models import AuditEvent

pytestmark = pytest.mark.django_db

WARNING = (
    "Morgan Lee supervises 2 therapists: Alex Rivera, Sam Okafor. Changed to Therapist, "
    "these 2 links end now and no later role change restores them: make them again under "
    "Supervision if the supervision should go on. Morgan Lee stops seeing their clients, "
    "alerts and risk answers."
)


@pytest.fixture
def morgan(clinic):
    return _named(make_user(clinic, "morgan.lee@test.invalid", Role.SUPERVISOR), "Morgan Lee")


@pytest.fixture
def alex(clinic, morgan):
    return _supervised(
        morgan, make_user(clinic, "alex@test.invalid", Role.THERAPIST), "Alex Rivera"
    )


@pytest.fixture
def sam(clinic, morgan, alex):
    return _supervised(morgan, make_user(clinic, "sam@test.invalid", Role.THERAPIST), "Sam Okafor")


def _named(user: User, name: str) -> User:
    user.full_name = name
    user.save()
    return user


def _supervised(supervisor: User, therapist: User, name: str) -> User:
    SupervisionLink.objects.create(supervisor=supervisor, supervisee=_named(therapist, name))
    return therapist


def _edit(user: User, role: str, **extra) -> dict:
    return {"full_name": user.full_name, "role": role, "is_active": "on", **extra}


def _supervision_rows(page: str) -> list[str]:
    """The links in force on the supervision page, as "supervisor -> supervisee"."""
    in_force = page.split("<h1>", 1)[1].split("<h2", 1)[0]
    cells = re.findall(r"<tr><td>(.*?)</td><td>(.*?)</td>", in_force)
    return [f"{a} -> {b}" for a, b in cells]


def test_a_supervisor_made_therapist_and_back_sees_none_of_the_former_supervisees_clients(
    login, admin_user, morgan, alex, sam
):
    """The finding, end to end through the pages."""
    alex_client, sam_client = make_client(alex, "Alex's Client"), make_client(sam, "Sam's Client")
    assert login(morgan).get(f"/clients/{alex_client.pk}/").status_code == 200
    admin = login(admin_user)
    page = f"/manage/users/{morgan.pk}/"
    assert "Morgan Lee supervises 2 therapists: Alex Rivera, Sam Okafor." in page_text(
        admin.get(page)
    )

    # Role set to Therapist without the tick: warned, whom by name, and nothing changes.
    response = admin.post(page, _edit(morgan, Role.THERAPIST))
    assert response.status_code == 400
    assert WARNING in page_text(response)
    assert "End these supervision links" in page_text(response)
    assert "Alex's Client" not in page_text(response) and "Sam's Client" not in page_text(response)
    morgan.refresh_from_db()
    assert morgan.role == Role.SUPERVISOR
    assert SupervisionLink.objects.filter(supervisor=morgan).count() == 2
    assert login(morgan).get(f"/clients/{sam_client.pk}/").status_code == 200

    # With the tick: the role changes and both links end, each audited.
    admin = login(admin_user)
    links = set(SupervisionLink.objects.filter(supervisor=morgan).values_list("pk", flat=True))
    confirmed = response.context["form"]["confirmed_for"].value()
    response = admin.post(
        page,
        _edit(morgan, Role.THERAPIST, supervision_end_accepted="on", confirmed_for=confirmed),
        follow=True,
    )
    assert "User saved." in page_text(response)
    assert (
        "2 supervision links ended: Morgan Lee no longer supervises Alex Rivera, Sam Okafor."
        in page_text(response)
    )
    morgan.refresh_from_db()
    assert morgan.role == Role.THERAPIST
    assert not SupervisionLink.objects.filter(supervisor=morgan).exists()
    ended = AuditEvent.objects.filter(action="delete", target__startswith="supervision:")
    assert {int(e.target.split(":")[1]) for e in ended} == links
    assert all(e.actor_id == admin_user.pk for e in ended)

    supervision = admin.get("/manage/supervision/").content.decode()
    assert "Morgan Lee" not in supervision.split("Add a link")[0]
    assert "No supervision links yet." in supervision

    # Supervisor again: no prompt, and no access back.
    response = admin.post(page, _edit(morgan, Role.SUPERVISOR))
    assert response.status_code == 302
    morgan.refresh_from_db()
    assert morgan.role == Role.SUPERVISOR
    morgan_http = login(morgan)
    assert morgan_http.get(f"/clients/{alex_client.pk}/").status_code == 404
    assert morgan_http.get(f"/clients/{sam_client.pk}/").status_code == 404
    assert supervision_links_seeing_clients_of(alex) == []


def test_the_service_refuses_the_role_change_without_the_confirmation(admin_user, morgan, alex):
    with pytest.raises(ValidationError) as refused:
        services.user_update(actor=admin_user, user=morgan, role=Role.THERAPIST)
    assert "supervision_end_accepted" in refused.value.message_dict
    morgan.refresh_from_db()
    assert morgan.role == Role.SUPERVISOR
    assert SupervisionLink.objects.filter(supervisor=morgan, supervisee=alex).exists()

    services.user_update(
        actor=admin_user, user=morgan, role=Role.THERAPIST, supervision_end_accepted=True
    )
    assert not SupervisionLink.objects.filter(supervisor=morgan).exists()
    assert AuditEvent.objects.filter(
        action="delete", target__endswith=f":user:{morgan.pk}->user:{alex.pk}"
    ).exists()


def test_other_changes_of_a_supervisor_need_no_confirmation_and_keep_the_links(
    login, admin_user, morgan, alex
):
    response = login(admin_user).post(
        f"/manage/users/{morgan.pk}/", {"full_name": "Morgan Lee-Park", "role": Role.SUPERVISOR}
    )
    assert response.status_code == 302
    morgan.refresh_from_db()
    assert morgan.full_name == "Morgan Lee-Park" and not morgan.is_active
    assert SupervisionLink.objects.filter(supervisor=morgan, supervisee=alex).exists()


def test_a_tick_given_for_other_links_is_asked_again(login, admin_user, clinic, morgan, alex):
    admin = login(admin_user)
    page = f"/manage/users/{morgan.pk}/"
    confirmed = admin.post(page, _edit(morgan, Role.THERAPIST)).context["form"]
    confirmed = confirmed["confirmed_for"].value()
    # Meanwhile another link is made: the tick was given for Alex's link alone.
    _supervised(morgan, make_user(clinic, "sam@test.invalid", Role.THERAPIST), "Sam Okafor")
    response = admin.post(
        page, _edit(morgan, Role.THERAPIST, supervision_end_accepted="on", confirmed_for=confirmed)
    )
    assert response.status_code == 400
    assert "Morgan Lee supervises 2 therapists: Alex Rivera, Sam Okafor." in page_text(response)
    morgan.refresh_from_db()
    assert morgan.role == Role.SUPERVISOR
    assert SupervisionLink.objects.filter(supervisor=morgan).count() == 2


def test_a_supervisee_made_admin_leaves_their_supervisor_after_confirmation(
    login, admin_user, morgan, alex
):
    admin = login(admin_user)
    page = f"/manage/users/{alex.pk}/"
    response = admin.post(page, _edit(alex, Role.ADMIN))
    assert response.status_code == 400
    assert "Alex Rivera is supervised by Morgan Lee." in page_text(response)
    confirmed = response.context["form"]["confirmed_for"].value()
    response = admin.post(
        page, _edit(alex, Role.ADMIN, supervision_end_accepted="on", confirmed_for=confirmed)
    )
    assert response.status_code == 302
    assert not SupervisionLink.objects.filter(supervisee=alex).exists()


def test_a_deactivated_supervisor_keeps_links_listed_apart_as_opening_nothing(
    login, admin_user, morgan, alex
):
    """Deactivating is often for a while (leave): the links stay and open nothing, and the
    admin is told both when deactivating and on the supervision page."""
    client = make_client(alex, "Alex's Client")
    admin = login(admin_user)
    page = f"/manage/users/{morgan.pk}/"
    assert (
        "Made inactive, they see none of the clients until made active again; given another "
        "role, the link ends." in page_text(admin.get(page))
    )
    assert admin.post(page, {"full_name": "Morgan Lee", "role": Role.SUPERVISOR}).status_code == 302

    supervision = admin.get("/manage/supervision/")
    assert _supervision_rows(supervision.content.decode()) == []
    assert (
        "Links that open nothing now Supervisor Supervisee Why Actions Morgan Lee Alex Rivera "
        "Supervisor's account inactive: made active again, they see this supervisee's "
        "clients again." in page_text(supervision)
    )
    assert supervision_links_seeing_clients_of(alex) == []
    assert "keeps a supervision link to 1 therapist (Alex Rivera) while inactive" in page_text(
        admin.get(page)
    )

    # Made active again, with the tick that names the links it reopens (see
    # test_reactivation_reopens_supervision.py).
    confirmed = admin.post(page, _edit(morgan, Role.SUPERVISOR)).context["form"]
    reopen = _edit(
        morgan,
        Role.SUPERVISOR,
        supervision_reopen_accepted="on",
        confirmed_for=confirmed["confirmed_for"].value(),
    )
    assert admin.post(page, reopen).status_code == 302
    assert login(morgan).get(f"/clients/{client.pk}/").status_code == 200
    assert _supervision_rows(login(admin_user).get("/manage/supervision/").content.decode()) == [
        "Morgan Lee -> Alex Rivera"
    ]


def test_a_leftover_link_of_a_non_supervisor_is_listed_apart_and_ends_on_promotion(
    login, admin_user, clinic
):
    """A link left by an older version on someone who is a therapist now opens nothing; it
    must not read as in force, nor come back to life when they are made a supervisor."""
    alex = _named(make_user(clinic, "alex@test.invalid", Role.THERAPIST), "Alex Rivera")
    former = _named(make_user(clinic, "former@test.invalid", Role.THERAPIST), "Former Sup")
    SupervisionLink.objects.create(supervisor=former, supervisee=alex)
    client = make_client(alex, "Alex's Client")
    admin = login(admin_user)
    supervision = admin.get("/manage/supervision/")
    assert _supervision_rows(supervision.content.decode()) == []
    assert "No supervision link opens any client now." in page_text(supervision)
    assert "Former Sup Alex Rivera Not a supervisor (Therapist)" in page_text(supervision)

    page = f"/manage/users/{former.pk}/"
    response = admin.post(page, _edit(former, Role.SUPERVISOR))
    assert response.status_code == 400
    assert "Former Sup is still linked as the supervisor of 1 therapist (Alex Rivera)" in page_text(
        response
    )
    confirmed = response.context["form"]["confirmed_for"].value()
    response = admin.post(
        page, _edit(former, Role.SUPERVISOR, supervision_end_accepted="on", confirmed_for=confirmed)
    )
    assert response.status_code == 302
    assert login(former).get(f"/clients/{client.pk}/").status_code == 404
