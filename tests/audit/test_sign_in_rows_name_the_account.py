"""The admin's Audit page says what a sign-in row was and whose account in words ("Signed
in — Therapist.A"), as it words the page's other rows about one user ("Set a new password
— Therapist.A"): the stored target alone ("auth:user:12:sign-in") told the admin nobody;
it stays on the smaller line under the words. The names are read in one query for the
page, not one per row, and only of the admin's own clinic."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from tests.audit.test_admin_audit_coarse import _details, _rows
from tests.conftest import make_user

from rapport.accounts import security_audit
from rapport.accounts.models import Role
from rapport.audit.models import Action
from rapport.audit.services import audit_record
from rapport.clinic.models import Clinic

pytestmark = pytest.mark.django_db


def _what(page: str) -> list[str]:
    """What each row says happened, in words."""
    return [row[1] for row in _rows(page)]


def test_a_sign_in_row_names_the_account_not_only_its_number(login, therapist_a, admin_user):
    security_audit.signed_in(user=therapist_a, request=None)
    page = login(admin_user).get("/manage/audit/").content.decode()
    assert _what(page) == ["Signed in — Therapist.A"]
    # The event as stored, for an investigation, under the words.
    assert _details(page) == [f"Created · auth:user:{therapist_a.pk}:sign-in"]


def test_an_account_without_a_name_is_named_by_its_email(login, clinic, admin_user):
    nameless = make_user(clinic, "no.name@test.invalid", Role.THERAPIST)
    nameless.full_name = ""
    nameless.save()
    security_audit.own_password_chosen(user=nameless, request=None, how="changed")
    page = login(admin_user).get("/manage/audit/").content.decode()
    assert _what(page) == ["Changed own password — no.name@test.invalid"]
    assert _details(page) == [f"Changed · auth:user:{nameless.pk}:own-password:changed"]


def test_an_account_that_is_no_longer_there_reads_as_deleted(login, admin_user):
    # Written by the admin, so the row is the clinic's; the id is no user's (any more).
    audit_record(actor=admin_user, action=Action.CREATE, target="auth:user:987654:sign-in")
    page = login(admin_user).get("/manage/audit/").content.decode()
    assert _what(page) == ["Signed in — Deleted account"]
    assert _details(page) == ["Created · auth:user:987654:sign-in"]


def test_the_names_cost_one_query_whatever_the_number_of_rows(login, clinic, admin_user):
    http = login(admin_user)
    people = [make_user(clinic, f"person{n}@test.invalid", Role.THERAPIST) for n in range(2)]
    security_audit.signed_in(user=people[0], request=None)
    with CaptureQueriesContext(connection) as one:
        assert http.get("/manage/audit/").status_code == 200
    more = [make_user(clinic, f"other{n}@test.invalid", Role.THERAPIST) for n in range(5)]
    for person in [people[1], *more]:
        security_audit.signed_in(user=person, request=None)
        security_audit.signed_out(user=person, request=None)
    with CaptureQueriesContext(connection) as many:
        page = http.get("/manage/audit/").content.decode()
    assert len(many.captured_queries) == len(one.captured_queries)
    named = [w for w in _what(page) if re.fullmatch(r"Signed (in|out) — (Person|Other)\d", w)]
    assert len(named) == 13


def test_another_clinics_account_is_not_named(login, admin_user):
    other_admin = make_user(
        Clinic.objects.create(name="Elsewhere"), "their.admin@test.invalid", Role.ADMIN
    )
    # A row of this clinic naming another clinic's user id (no such row is written, but
    # the page must not read names outside the admin's clinic whatever a target says).
    audit_record(
        actor=admin_user, action=Action.CREATE, target=f"auth:user:{other_admin.pk}:sign-in"
    )
    page = login(admin_user).get("/manage/audit/").content.decode()
    assert _what(page) == ["Signed in — Deleted account"]
    assert _details(page) == [f"Created · auth:user:{other_admin.pk}:sign-in"]
    assert other_admin.full_name not in page
