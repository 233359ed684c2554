"""An admin making a colleague inactive learns how many of their clients are in an open
episode of care, and who still sees them; never whether an alert or a risk answer (PHQ-9
item 9) waits. The admin's audit page shows which client's record changed when a client
answered, so any count or yes/no that moves with an answer would name the client who gave
it (DESIGN §5; docs/checkins.md, what an admin sees)."""

from __future__ import annotations

import re

import pytest
from tests.accounts._clinical_facts import alert, risk_answer
from tests.accounts._helpers import page_text
from tests.conftest import make_client

from rapport.clinic.models import Phase

pytestmark = pytest.mark.django_db


def _page(user) -> str:
    return f"/manage/users/{user.pk}/"


def _unticked(user, **extra) -> dict:
    """The edit form as sent with "Active" unticked."""
    return {"full_name": user.full_name, "role": user.role, **extra}


def _as_read(response) -> str:
    """The page as the admin reads it, and every value it carries (hidden fields too): all
    but the CSRF token and the script nonce, which change with each request anyway."""
    page = response.content.decode()
    page = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", page)
    page = re.sub(r'nonce="[^"]*"', "", page)
    return page


def _deactivation_pages(admin, user) -> tuple[str, str, str]:
    """The edit page, and what sending it with "Active" unticked (no tick) answers."""
    shown = admin.get(_page(user))
    refused = admin.post(_page(user), _unticked(user))
    assert shown.status_code == 200 and refused.status_code == 400
    confirmed_for = refused.context["form"]["deactivation_confirmed_for"].value()
    return _as_read(shown), _as_read(refused), confirmed_for


def test_the_deactivation_pages_read_the_same_whatever_waits_for_the_clients(
    login, admin_user, therapist_a, supervisor, client_a
):
    admin = login(admin_user)
    before = _deactivation_pages(admin, therapist_a)

    # The client answers at risk on item 9, and monitoring raises an alert.
    risk_answer(client_a, "risk-after-the-first-look")
    alert(client_a)
    after = _deactivation_pages(admin, therapist_a)

    assert after[0] == before[0]
    assert after[1] == before[1]
    assert "1 client in an open episode of care" in before[1]
    # The tick given before the answer came still holds: the outcome tells nothing either.
    response = admin.post(
        _page(therapist_a),
        _unticked(therapist_a, deactivation_accepted="on", deactivation_confirmed_for=before[2]),
        follow=True,
    )
    text = page_text(response)
    assert "User saved." in text
    assert "leaving 1 client in an open episode of care without their therapist." in text
    assert "risk answer nobody" not in text and "open alert" not in text
    therapist_a.refresh_from_db()
    assert not therapist_a.is_active


@pytest.mark.parametrize("waiting", ["nothing", "a risk answer", "an alert"])
def test_an_ended_episode_asks_no_tick_whatever_waits_in_it(
    login, admin_user, therapist_a, waiting
):
    """No "something is waiting" either: asked for a tick here and not without the risk
    answer, the admin would learn that one waits."""
    client = make_client(therapist_a, "Ended Client")
    if waiting == "a risk answer":
        risk_answer(client, "after-the-end")
    elif waiting == "an alert":
        alert(client)
    client.episodes.update(phase=Phase.CLOSED, ended_on=client.episodes.get().started_on)
    response = login(admin_user).post(_page(therapist_a), _unticked(therapist_a), follow=True)
    text = page_text(response)
    assert "User saved." in text
    assert "Make inactive anyway" not in text
    therapist_a.refresh_from_db()
    assert not therapist_a.is_active


def test_the_deactivation_warning_is_said_once(
    login, admin_user, therapist_a, supervisor, client_a
):
    """The tick names what is left and who still sees it; the page above it said the same."""
    response = login(admin_user).post(_page(therapist_a), _unticked(therapist_a))
    text = page_text(response)
    assert response.status_code == 400
    assert text.count("(supervisor) still sees these clients; nobody else does.") == 1
    assert text.count("Move their clients to a colleague first.") == 1
    assert "Move them to a colleague before making this account inactive" not in text
