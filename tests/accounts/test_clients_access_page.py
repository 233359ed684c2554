""" "Who can see your clients" (/caseload/access/): the asking clinician's own supervisors
and the accounts other than them that read their clients' records in the last 90 days,
from the audit log; nobody else's, and the view itself is audited."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client as HttpClient
from django.utils import timezone
from tests.accounts._helpers import section
from tests.conftest import make_client, make_user

from rapport.accounts.models import Role, SupervisionLink
from rapport.accounts.services import supervision_link_create
from rapport.audit.models import Action, AuditEvent
from rapport.audit.services import audit_record

pytestmark = pytest.mark.django_db
PAGE = "/caseload/access/"


def _page(user) -> str:
    http = HttpClient()
    http.force_login(user)
    response = http.get(PAGE)
    assert response.status_code == 200
    return response.content.decode()


def _read(actor, client, *, days_ago=0):
    event = audit_record(
        actor=actor, action=Action.VIEW, target="page:client_detail", client_id=client.pk
    )
    if days_ago:
        # The log is append-only through the ORM; a test moves one row back in time.
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE audit_auditevent SET at = %s WHERE id = %s",
                [timezone.now() - timedelta(days=days_ago), event.pk],
            )


def test_a_therapist_sees_their_supervisor_who_linked_it_and_its_reads(
    admin_user, therapist_a, client_a, clinic
):
    sup = make_user(clinic, "lead@test.invalid", Role.SUPERVISOR)
    supervision_link_create(actor=admin_user, supervisor=sup, supervisee=therapist_a)
    _read(sup, client_a)
    _read(sup, client_a)
    _read(therapist_a, client_a)  # their own reads are not listed
    page = _page(therapist_a)
    supervisors = section(page, "supervisors")
    assert "Lead lead@test.invalid" in supervisors
    assert supervisors.endswith("admin@test.invalid")
    readers = section(page, "readers")
    assert re.match(
        r"Account Role Reads Clients Last read lead@test\.invalid Supervisor 2 1 ", readers
    ), readers
    assert "therapist.a@test.invalid" not in readers


def test_reads_older_than_90_days_are_not_listed(therapist_a, client_a, supervisor):
    _read(supervisor, client_a, days_ago=91)
    readers = section(_page(therapist_a), "readers")
    assert readers == "No one else read your clients' records in the last 90 days."


def test_a_link_made_before_the_log_kept_it_says_not_recorded(therapist_a, supervisor):
    assert section(_page(therapist_a), "supervisors").endswith("not recorded")


def test_a_therapist_sees_only_their_own_clients_readers(
    therapist_a, therapist_b, client_a, client_b, supervisor
):
    _read(supervisor, client_a)
    page_b = _page(therapist_b)
    assert "supervisor@test.invalid" not in page_b
    assert section(page_b, "supervisors").startswith("No one supervises you")


def test_a_supervisor_sees_the_page_for_themselves_only(clinic, therapist_a, supervisor, client_a):
    _read(supervisor, client_a)
    own = make_client(supervisor, "Sue S.")
    _read(therapist_a, own)  # cannot happen through the pages; the log is what counts
    page = _page(supervisor)
    assert "therapist.a@test.invalid Therapist 1 1" in section(page, "readers")
    assert "supervisor@test.invalid" not in section(page, "readers")


def test_a_clinic_admin_has_no_such_page(admin_user):
    http = HttpClient()
    http.force_login(admin_user)
    assert http.get(PAGE).status_code == 403


def test_the_page_view_is_audited(therapist_a):
    _page(therapist_a)
    event = AuditEvent.objects.get(target="page:clients_access")
    assert (event.actor_id, event.action, event.client_id) == (therapist_a.pk, "view", None)


def test_the_caseload_links_to_the_page(therapist_a):
    http = HttpClient()
    http.force_login(therapist_a)
    assert (
        f'<a href="{PAGE}">Who can see your clients</a>' in http.get("/caseload/").content.decode()
    )


def test_a_suspended_supervisor_is_listed_apart(therapist_a, supervisor):
    type(supervisor).objects.filter(pk=supervisor.pk).update(is_active=False)
    page = _page(therapist_a)
    assert "supervisor@test.invalid (since" in section(page, "suspended")
    assert SupervisionLink.objects.filter(supervisor=supervisor).exists()
