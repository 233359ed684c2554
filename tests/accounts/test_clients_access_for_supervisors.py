""" "Who can see your clients" stays for a supervisor (DESIGN §5 and docs/configuration.md: a
supervisor may hold clients of their own, may be supervised, and an admin's changes to their
account are listed there), and says what it is about for them: their own clients and
account, not the clients of the therapists they supervise. A supervisor with none of their
own read "No one supervises you" as being about the clients they oversee."""

from __future__ import annotations

import pytest
from tests.accounts._helpers import section
from tests.accounts.test_clients_access_page import PAGE, _page
from tests.conftest import make_client

pytestmark = pytest.mark.django_db


def test_a_supervisor_with_no_clients_of_their_own_is_told_what_the_page_covers(
    supervisor, client_a
):
    page = _page(supervisor)
    assert section(page, "supervisor-scope") == (
        "You have no clients of your own. The clients of the therapists you supervise are not "
        "counted here: who else sees them is on each therapist's own page. This page lists the "
        "changes an admin makes to your account, and who supervises you."
    )


def test_a_supervisor_with_clients_of_their_own_is_told_how_many(supervisor, client_a):
    make_client(supervisor, "Sue S.")
    page = _page(supervisor)
    assert section(page, "supervisor-scope").startswith(
        "You have 1 current client of your own: this page is about them and your account. The "
        "clients of the therapists you supervise are not counted here"
    )


def test_a_therapist_is_not_told_about_supervisees(therapist_a, supervisor):
    assert 'id="supervisor-scope"' not in _page(therapist_a)


def test_the_supervisors_caseload_still_links_to_the_page(login, supervisor):
    page = login(supervisor).get("/caseload/").content.decode()
    assert f'<a href="{PAGE}">Who can see your clients</a>' in page
