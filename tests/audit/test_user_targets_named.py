"""The admin's audit page names the user an event is about ("User “Therapist.B”
(user:5:deactivated)"), read in the page's own query, and only a user of the admin's own
clinic: "user:2" twice told the admin neither who nor what."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from tests.conftest import make_user

from rapport.accounts.models import Role
from rapport.accounts.services import user_update
from rapport.api.services import api_token_create
from rapport.audit.models import Action
from rapport.audit.selectors import admin_audit_row, audit_events_for
from rapport.audit.services import audit_record
from rapport.clinic.models import Clinic

pytestmark = pytest.mark.django_db


def rows(page: str) -> list[list[str]]:
    """The audit table's cells without the time, row by row."""
    body = page.split('<table class="audit">', 1)[1].split("</table>", 1)[0]
    body = body.split("<tbody>", 1)[1]
    found = [
        [cell.split("<br>", 1)[0] for cell in re.findall(r"<td>(.*?)</td>", row, flags=re.S)[1:]]
        for row in re.findall(r"<tr>(.*?)</tr>", body, flags=re.S)
    ]
    return [row for row in found if row]


def test_a_deactivation_and_a_reactivation_name_the_user_and_differ(login, admin_user, therapist_b):
    user_update(actor=admin_user, user=therapist_b, is_active=False)
    user_update(actor=admin_user, user=therapist_b, is_active=True)
    page = login(admin_user).get("/manage/audit/").content.decode()
    assert [row[1] for row in rows(page)] == [
        "Made account active again — Therapist.B",
        "Made account inactive — Therapist.B",
    ]
    assert f'<small class="meta">Changed · user:{therapist_b.pk}:reactivated</small>' in page


def test_a_user_without_a_name_is_named_by_email(admin_user, clinic):
    nameless = make_user(clinic, "no.name@test.invalid", Role.THERAPIST)
    nameless.full_name = ""
    nameless.save()
    audit_record(actor=admin_user, action=Action.UPDATE, target=f"user:{nameless.pk}:full_name")
    [event] = audit_events_for(admin_user)
    assert admin_audit_row(event).what == "Changed name — no.name@test.invalid"


def test_a_token_event_names_its_user(admin_user, therapist_a):
    token, _raw = api_token_create(actor="cli", user=therapist_a)
    [event] = audit_events_for(admin_user)
    row = admin_audit_row(event)
    assert (row.what, row.detail) == (
        "Created an API token — Therapist.A",
        f"Created · api-token:{token.pk}:user:{therapist_a.pk}",
    )


def test_a_user_of_another_clinic_is_not_named(admin_user):
    elsewhere = Clinic.objects.create(name="Elsewhere")
    theirs = make_user(elsewhere, "theirs@test.invalid", Role.THERAPIST)
    audit_record(actor=admin_user, action=Action.UPDATE, target=f"user:{theirs.pk}:deactivated")
    [event] = audit_events_for(admin_user)
    # An id that is no user of the clinic reads as a deleted account, never another's name.
    row = admin_audit_row(event)
    assert (row.what, row.detail) == (
        "Made account inactive — Deleted account",
        f"Changed · user:{theirs.pk}:deactivated",
    )


def test_the_names_are_read_in_the_pages_own_query(login, admin_user, clinic):
    """As many queries for 40 named rows as for 2: no query per row."""
    people = [make_user(clinic, f"person{n}@test.invalid", Role.THERAPIST) for n in range(20)]
    http = login(admin_user)

    def queries_for_the_page() -> int:
        with CaptureQueriesContext(connection) as captured:
            page = http.get("/manage/audit/").content.decode()
        assert "Made account inactive — Person" in page
        return len(captured.captured_queries)

    user_update(actor=admin_user, user=people[0], is_active=False)
    user_update(actor=admin_user, user=people[0], is_active=True)
    few = queries_for_the_page()
    for person in people[1:]:
        user_update(actor=admin_user, user=person, is_active=False)
        user_update(actor=admin_user, user=person, is_active=True)
    assert len(rows(http.get("/manage/audit/").content.decode())) == 40
    assert queries_for_the_page() == few
