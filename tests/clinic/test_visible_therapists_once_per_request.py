"""A supervisor's supervision links are read once per request, and a link added or
removed takes effect on the very next request (``clinic.selectors.visible_therapist_ids``).

The caseload asked for the supervisor's visible therapists five times a view (its rows,
the risk and follow-up reads, the team figures, the therapist filter), one query each.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from tests.conftest import make_client

from rapport.accounts.models import SupervisionLink
from rapport.audit.context import audit_scope
from rapport.clinic.selectors import clients_for, visible_therapist_ids


def _link_reads(queries) -> int:
    """The queries reading a supervisor's supervisees' ids."""
    return sum(
        q["sql"].startswith('SELECT "accounts_supervisionlink"."supervisee_id"')
        and '"accounts_supervisionlink"."supervisor_id" =' in q["sql"]
        for q in queries.captured_queries
    )


@pytest.mark.django_db
def test_a_supervisor_caseload_reads_the_supervision_links_once(
    login, supervisor, client_a, therapist_b
):
    make_client(therapist_b, "Bea B.")
    SupervisionLink.objects.create(supervisor=supervisor, supervisee=therapist_b)
    http = login(supervisor)
    with CaptureQueriesContext(connection) as queries:
        page = http.get("/caseload/")
    assert page.status_code == 200
    assert "Canary-7f3a Client" in page.content.decode() and "Bea B." in page.content.decode()
    assert _link_reads(queries) == 1


@pytest.mark.django_db
def test_a_removed_link_hides_the_supervisees_clients_on_the_next_request(
    login, supervisor, client_a
):
    http = login(supervisor)
    assert "Canary-7f3a Client" in http.get("/caseload/").content.decode()
    SupervisionLink.objects.filter(supervisor=supervisor).delete()
    page = http.get("/caseload/").content.decode()
    assert "Canary-7f3a Client" not in page
    assert http.get(f"/clients/{client_a.pk}/").status_code == 404


@pytest.mark.django_db
def test_an_added_link_shows_the_supervisees_clients_on_the_next_request(
    login, supervisor, therapist_b, client_b
):
    http = login(supervisor)
    assert "Bea B." not in http.get("/caseload/").content.decode()
    SupervisionLink.objects.create(supervisor=supervisor, supervisee=therapist_b)
    assert "Bea B." in http.get("/caseload/").content.decode()
    response = http.get(f"/clients/{client_b.pk}/")
    assert response.status_code == 200 and "<h1>Bea B.</h1>" in response.content.decode()


@pytest.mark.django_db
def test_the_same_user_object_is_read_again_in_the_next_request(
    supervisor, therapist_a, therapist_b
):
    """Kept for one request only, even when the same user object lives on (a test, a
    command that serves requests): a new request id reads the links again."""
    with audit_scope(), CaptureQueriesContext(connection) as queries:
        assert visible_therapist_ids(supervisor) == [supervisor.pk, therapist_a.pk]
        assert visible_therapist_ids(supervisor) == [supervisor.pk, therapist_a.pk]
        assert list(clients_for(supervisor)) == []
    assert _link_reads(queries) == 1

    SupervisionLink.objects.create(supervisor=supervisor, supervisee=therapist_b)
    with audit_scope():
        assert sorted(visible_therapist_ids(supervisor)) == sorted(
            [supervisor.pk, therapist_a.pk, therapist_b.pk]
        )
    SupervisionLink.objects.filter(supervisor=supervisor).delete()
    with audit_scope():
        assert visible_therapist_ids(supervisor) == [supervisor.pk]


@pytest.mark.django_db
def test_outside_a_request_nothing_is_kept(supervisor, therapist_a):
    assert visible_therapist_ids(supervisor) == [supervisor.pk, therapist_a.pk]
    SupervisionLink.objects.filter(supervisor=supervisor).delete()
    assert visible_therapist_ids(supervisor) == [supervisor.pk]


@pytest.mark.django_db
def test_a_supervisor_made_inactive_sees_nothing_even_within_the_request(supervisor):
    with audit_scope():
        assert visible_therapist_ids(supervisor) != []
        supervisor.is_active = False
        assert visible_therapist_ids(supervisor) == []
