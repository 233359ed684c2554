"""The admin tables' controls say which row they act on, and a button that looks like a link
is coloured like one (staff review finding 11).

/manage/users/ had a link named exactly "Edit" on every row and "Move clients" on each
therapist with clients; /manage/guidance/ had 39 "Edit" links and 38 "Disable" buttons, the
buttons in the body's text colour beside link-coloured "Edit" and "Disable…" (WCAG 2.4.4).
The names are read as the browser computes them (get_by_role), not from the HTML.
"""

from __future__ import annotations

import pytest
from tests.browser._helpers import sign_in
from tests.conftest import make_client

from rapport.guidance.models import Strategy
from rapport.guidance.services import library_load

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_each_users_edit_and_move_link_names_its_person(
    page, live_server, admin_user, therapist_a, therapist_b, supervisor
):
    make_client(therapist_a, "Cleo C.")
    sign_in(page, live_server, admin_user, lands_on="/manage/users/")
    edits = page.get_by_role("link", name="Edit user: ", exact=False)
    assert sorted(edits.all_inner_texts()) == ["Edit"] * 4  # the word seen is unchanged
    for person in (admin_user, therapist_a, therapist_b, supervisor):
        assert page.get_by_role("link", name=f"Edit user: {person.email}", exact=True).count() == 1
    assert page.get_by_role("link", name="Edit", exact=True).count() == 0
    move = page.get_by_role("link", name=f"Move clients of {therapist_a.email}", exact=True)
    assert move.inner_text() == "Move clients"
    assert page.get_by_role("link", name="Move clients", exact=True).count() == 0


def test_each_strategys_controls_name_it_and_disable_looks_like_a_link(
    page, live_server, admin_user, clinic
):
    library_load(clinic=clinic)
    strategies = Strategy.objects.filter(clinic=clinic)
    plain = strategies.filter(safety=False).order_by("pk").first()
    safety = strategies.filter(safety=True).order_by("pk").first()
    sign_in(page, live_server, admin_user, lands_on="/manage/users/")
    page.goto(f"{live_server.url}/manage/guidance/")

    for name in ("Edit", "Disable", "Disable…"):
        assert page.get_by_role("link", name=name, exact=True).count() == 0
        assert page.get_by_role("button", name=name, exact=True).count() == 0
    assert (
        page.get_by_role("link", name="Edit strategy: ", exact=False).count() == strategies.count()
    )
    edit = page.get_by_role("link", name=f"Edit strategy: {plain.title}", exact=True)
    disable = page.get_by_role("button", name=f"Disable strategy: {plain.title}", exact=True)
    assert edit.inner_text() == "Edit" and disable.inner_text() == "Disable"
    confirm = page.get_by_role(
        "link", name=f"Disable strategy: {safety.title}… (asks you to confirm)", exact=True
    )
    assert confirm.inner_text() == "Disable…"

    colour = "el => getComputedStyle(el).color"
    assert disable.evaluate(colour) == edit.evaluate(colour) == confirm.evaluate(colour)
    assert disable.evaluate(colour) != page.locator("main p.help").first.evaluate(colour)
    # The top bar's "Sign out", the same kind of button, keeps the bar's colour.
    sign_out = page.get_by_role("button", name="Sign out")
    assert sign_out.evaluate(colour) == page.locator(".topbar a").first.evaluate(colour)
