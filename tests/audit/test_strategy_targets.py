"""The admin's audit page names the guidance strategy a change was about: "Changed
strategy:22:disabled" told an admin that some strategy was disabled, not that it was the
safety step. The title is read with the page's own query (not one query per row), only for
the admin's own clinic, and events about a client's record stay coarse."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from tests.audit.test_admin_audit_coarse import _details

from rapport.audit.models import Action
from rapport.audit.selectors import admin_audit_row, audit_events_for
from rapport.audit.services import audit_record
from rapport.clinic.models import Clinic
from rapport.guidance.models import Strategy
from rapport.guidance.services import library_load, strategy_create, strategy_set_enabled

pytestmark = pytest.mark.django_db

SAFETY = "Ask directly how they are coping and about safety"
RUPTURE = "Name what you noticed and ask for the client&#x27;s view"  # as the page escapes it


def rows(page: str) -> list[list[str]]:
    """The audit table's cells without the time, row by row."""
    body = page.split('<table class="audit">', 1)[1].split("</table>", 1)[0]
    body = body.split("<tbody>", 1)[1]
    found = [
        [cell.split("<br>", 1)[0] for cell in re.findall(r"<td>(.*?)</td>", row, flags=re.S)[1:]]
        for row in re.findall(r"<tr>(.*?)</tr>", body, flags=re.S)
    ]
    return [row for row in found if row]


@pytest.fixture
def library(clinic):
    library_load(clinic=clinic)
    return {s.slug: s for s in Strategy.objects.filter(clinic=clinic)}


def test_a_disabled_strategy_is_named_on_the_audit_page(login, admin_user, clinic, library):
    other = library["name-the-rupture"]
    strategy_set_enabled(actor=admin_user, strategy=other, enabled=False)
    strategy_create(  # so that the library's safety step is not the last one
        actor=admin_user,
        clinic=clinic,
        title="Go through the crisis plan",
        text="Ask about thoughts of self-harm and who the client can call tonight.",
        sources="Our clinic's risk policy (2024).",
        kinds=["reliable_deterioration"],
        safety=True,
    )
    strategy_set_enabled(
        actor=admin_user, strategy=library["check-safety"], enabled=False, confirmed=True
    )
    audit_record(actor=admin_user, action=Action.UPDATE, target=f"strategy:{other.pk}")
    page = login(admin_user).get("/manage/audit/").content.decode()
    shown = list(zip([row[1] for row in rows(page)], _details(page), strict=True))
    safety = library["check-safety"].pk
    assert (f"Turned off a strategy — “{SAFETY}”", f"Changed · strategy:{safety}:disabled") in shown
    assert (f"Turned off a strategy — “{RUPTURE}”", f"Changed · strategy:{other.pk}:disabled") in (
        shown
    )
    assert (f"Changed a strategy — “{RUPTURE}”", f"Changed · strategy:{other.pk}") in shown


def test_other_targets_are_worded_by_their_kind_and_shown_as_stored(admin_user, library):
    safety = library["check-safety"].pk
    # user:0 is nobody (ids start at 1): a user of the clinic would be named.
    for target in ["guidance-library:3", "user:0", f"strategyx:{safety}", f"x{safety}:strategy"]:
        audit_record(actor=admin_user, action=Action.UPDATE, target=target)
    shown = {(row.what, row.detail) for row in map(admin_audit_row, audit_events_for(admin_user))}
    assert shown == {
        ("Updated the guidance library", "Changed · guidance-library:3"),
        ("Changed account", "Changed · user:0"),
        ("Changed: strategyx", f"Changed · strategyx:{safety}"),
        (f"Changed: x{safety}", f"Changed · x{safety}:strategy"),
    }


def test_another_clinics_strategy_is_not_named(admin_user, library):
    elsewhere = Clinic.objects.create(name="Elsewhere")
    library_load(clinic=elsewhere)
    theirs = Strategy.objects.get(clinic=elsewhere, slug="check-safety")
    audit_record(actor=admin_user, action=Action.UPDATE, target=f"strategy:{theirs.pk}:disabled")
    [event] = audit_events_for(admin_user)
    row = admin_audit_row(event)
    assert (row.what, row.detail) == (
        "Turned off a strategy",
        f"Changed · strategy:{theirs.pk}:disabled",
    )


def test_an_event_with_a_client_stays_coarse_whatever_its_target(
    admin_user, therapist_a, client_a, library
):
    target = f"strategy:{library['check-safety'].pk}"
    audit_record(actor=therapist_a, action=Action.UPDATE, target=target, client_id=client_a.pk)
    [event] = audit_events_for(admin_user, client_id=client_a.pk)
    row = admin_audit_row(event)
    assert (row.action, row.what, row.detail) == ("Changed", "Changed client record", "")


def page_queries(http) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert http.get("/manage/audit/").status_code == 200
    return len(queries)


def test_the_titles_cost_no_query_per_row(login, admin_user, library):
    http = login(admin_user)
    strategies = list(library.values())
    audit_record(actor=admin_user, action=Action.UPDATE, target=f"strategy:{strategies[0].pk}")
    few = page_queries(http)
    for strategy in strategies[1:30]:
        audit_record(actor=admin_user, action=Action.UPDATE, target=f"strategy:{strategy.pk}")
    assert page_queries(http) == few
    assert (
        sum(
            row[1].startswith("Changed a strategy — “")
            for row in rows(http.get("/manage/audit/").content.decode())
        )
        == 30
    )
