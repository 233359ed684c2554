"""One view of the client page writes its audit rows (the page's and each panel's read,
DESIGN §5) in one multi-row INSERT, not one INSERT per record kind read: the same rows,
fields and order as before, written before the page is rendered, so a page that fails to
render, or a panel that fails after others have read, still leaves every read recorded."""

from __future__ import annotations

from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rapport.audit.models import Action, AuditEvent
from rapport.core import panels

#: The rows one view writes, in this order (tests/clinic/test_client_page_cost.py).
AUDITED = [
    "client",
    "risk-notices",
    "monitoring",
    "preferences",
    "responses",
    "transcripts-panel",
    "referral-panel",
]

_TABLE = AuditEvent._meta.db_table


def _audit_inserts(queries) -> list[str]:
    return [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].lstrip().upper().startswith("INSERT") and _TABLE in q["sql"]
    ]


def _rows_after(pk: int) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(pk__gt=pk).order_by("pk"))


def _last_pk() -> int:
    return AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


@pytest.mark.django_db
def test_one_view_writes_its_audit_rows_in_one_insert(login, therapist_a, client_a):
    http = login(therapist_a)
    path = f"/clients/{client_a.pk}/"
    http.get(path)  # the first view loads the guidance library too
    before = _last_pk()
    with CaptureQueriesContext(connection) as queries:
        page = http.get(path, REMOTE_ADDR="192.0.2.7")
    assert page.status_code == 200 and client_a.display_name in page.content.decode()
    # One INSERT into the log, of seven rows (it was seven INSERTs of one row each).
    assert len(_audit_inserts(queries)) == 1
    rows = _rows_after(before)
    assert [r.target for r in rows] == AUDITED
    assert {(r.action, r.client_id, r.path) for r in rows} == {(Action.VIEW, client_a.pk, path)}
    assert {(r.actor_id, r.actor_label) for r in rows} == {(therapist_a.pk, therapist_a.email)}
    assert {(r.clinic_id, r.ip_address) for r in rows} == {(therapist_a.clinic_id, "192.0.2.7")}
    assert len({r.request_id for r in rows}) == 1 and rows[0].request_id is not None
    # The admin's page reads the log newest first by (at, pk): the same order as the ids.
    assert sorted(rows, key=lambda r: (r.at, r.pk)) == rows


@pytest.mark.django_db
def test_the_insert_comes_before_the_page_is_rendered(login, therapist_a, client_a):
    http = login(therapist_a)
    path = f"/clients/{client_a.pk}/"
    http.get(path)
    before = _last_pk()
    seen: list[list[str]] = []

    def render(*args, **kwargs):
        seen.append([r.target for r in _rows_after(before)])
        raise AssertionError("stop")

    with (
        mock.patch("rapport.clinic.views.render", side_effect=render),
        pytest.raises(AssertionError, match="stop"),
    ):
        http.get(path)
    assert seen == [AUDITED]


# In autocommit, as a server runs: what a failed request leaves in the log is committed.
committed = pytest.mark.django_db(transaction=True)


@committed
def test_a_page_that_fails_to_render_keeps_every_read_recorded(login, therapist_a, client_a):
    http = login(therapist_a)
    path = f"/clients/{client_a.pk}/"
    http.get(path)
    before = _last_pk()
    with (
        mock.patch("rapport.clinic.views.render", side_effect=RuntimeError("template broke")),
        pytest.raises(RuntimeError, match="template broke"),
    ):
        http.get(path)
    assert [r.target for r in _rows_after(before)] == AUDITED


@committed
def test_a_panel_that_fails_keeps_the_reads_made_before_it(login, therapist_a, client_a):
    http = login(therapist_a)
    path = f"/clients/{client_a.pk}/"
    http.get(path)
    before = _last_pk()
    # The transcripts panel fails after the page and four panels have read the record.
    failing = [
        (order, provider)
        if getattr(provider, "__name__", "") != "transcripts_panel"
        else (order, mock.Mock(side_effect=RuntimeError("panel broke")))
        for order, provider in panels._providers
    ]
    with (
        mock.patch.object(panels, "_providers", failing),
        pytest.raises(RuntimeError, match="panel broke"),
    ):
        http.get(path)
    assert [r.target for r in _rows_after(before)] == AUDITED[:5]
