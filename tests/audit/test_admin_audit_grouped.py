"""One caseload view writes a "Read" row per client shown; on the clinic admin's audit page
those rows of one request are one line, "Read 3 client records", with each client's row
listed inside it. A filter on one client still shows that client's row alone, and the
grouping never reveals more than the rows it groups (DESIGN §5)."""

from __future__ import annotations

import re
import uuid

import pytest
from tests.conftest import make_client

from rapport.audit.context import audit_scope
from rapport.audit.models import Action, AuditEvent
from rapport.audit.selectors import (
    CLIENT_READ,
    AdminAuditGroup,
    AdminAuditRow,
    admin_audit_lines,
    audit_events_for,
)
from rapport.audit.services import audit_record

pytestmark = pytest.mark.django_db


def _lines(page: str) -> list[tuple[str, list[str]]]:
    """Each table line as (its class, its cells without the time)."""
    body = page.split('<table class="audit">', 1)[1].split("</table>", 1)[0]
    body = body.split("<tbody>", 1)[1]
    lines = []
    for attrs, row in re.findall(r"<tr([^>]*)>(.*?)</tr>", body, flags=re.S):
        cells = re.findall(r"<td>(.*?)</td>", row, flags=re.S)[1:]
        if cells:
            lines.append((attrs.strip(), cells))
    return lines


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


@pytest.fixture
def caseload_of_three(login, therapist_a, client_a):
    others = [make_client(therapist_a, "Olly Other"), make_client(therapist_a, "Pat Third")]
    login(therapist_a).get("/caseload/")
    return [client_a, *others]


def test_one_caseload_view_is_one_line_listing_each_client(
    caseload_of_three, login, admin_user, therapist_a
):
    http = login(admin_user)
    lines = _lines(http.get("/manage/audit/").content.decode())
    groups = [cells for attrs, cells in lines if "audit-group" in attrs]
    assert len(groups) == 1
    who, what, clients, address = groups[0]
    assert (who, clients, address) == (therapist_a.email, "3 clients", "127.0.0.1")
    assert "<details>" in what and _text(what).startswith("Read 3 client records")
    listed = re.findall(r'<a href="\?client=(\d+)">(\d+)</a>', what)
    assert sorted(int(a) for a, b in listed) == sorted(c.pk for c in caseload_of_three)
    # No per-client "Read" line of the caseload is left beside the group.
    singles = [cells for attrs, cells in lines if not attrs and cells[1] == "Read client record"]
    assert singles == []
    # Nothing of the stored target reaches the page, grouped or not.
    assert "caseload" not in _text(what)


def test_a_second_view_is_a_second_line(caseload_of_three, login, admin_user, therapist_a):
    login(therapist_a).get("/caseload/")
    lines = _lines(login(admin_user).get("/manage/audit/").content.decode())
    assert [cells[1].split("</summary>")[0] for attrs, cells in lines if attrs] == [
        "<details><summary>Read 3 client records",
        "<details><summary>Read 3 client records",
    ]


def test_a_filter_on_one_client_shows_that_clients_row_alone(
    caseload_of_three, login, admin_user, therapist_a
):
    http = login(admin_user)
    for query in ({}, {"action": CLIENT_READ}, {"actor": "therapist.a"}):
        for client in caseload_of_three:
            lines = _lines(
                http.get("/manage/audit/", {**query, "client": client.pk}).content.decode()
            )
            assert lines == [
                ("", [therapist_a.email, "Read client record", str(client.pk), "127.0.0.1"])
            ], (query, client)
    # The group's links keep the other filters and pick the one client.
    page = http.get("/manage/audit/", {"action": CLIENT_READ}).content.decode()
    link = f'href="?action={CLIENT_READ}&amp;client={caseload_of_three[0].pk}"'
    assert link in page


def test_the_action_and_actor_filters_keep_the_group(caseload_of_three, login, admin_user):
    http = login(admin_user)
    for query in ({"action": CLIENT_READ}, {"actor": "therapist.a"}):
        lines = _lines(http.get("/manage/audit/", query).content.decode())
        assert [cells[2] for attrs, cells in lines if attrs] == ["3 clients"], query


def _event(request_id, actor, client_id, action=Action.VIEW, target="caseload") -> AuditEvent:
    with audit_scope(request_id):
        return audit_record(actor=actor, action=action, target=target, client_id=client_id)


def test_only_consecutive_rows_of_one_request_one_actor_and_one_action_group(
    clinic, therapist_a, therapist_b, client_a, client_b, admin_user
):
    c = make_client(therapist_a, "Olly Other").pk
    a, b = client_a.pk, client_b.pk
    one, two = uuid.uuid4(), uuid.uuid4()
    # Written oldest first; the page lists newest first.
    _event(one, therapist_a, a)
    _event(one, therapist_a, c)  # with the row above: one group
    _event(one, therapist_a, b, action=Action.UPDATE, target="client:therapist")  # Changed
    _event(one, therapist_b, a)  # another actor
    _event(two, therapist_a, b)  # another request
    _event(two, therapist_a, c)  # with the row above: one group
    _event(None, therapist_a, a)  # outside any request: its own id
    _event(None, therapist_a, c)
    lines = admin_audit_lines(audit_events_for(admin_user))
    shown = [
        (type(line).__name__, line.actor_label, line.action, line.client_count)
        if isinstance(line, AdminAuditGroup)
        else (type(line).__name__, line.actor_label, line.action, line.client_id)
        for line in lines
    ]
    assert shown == [
        ("AdminAuditRow", therapist_a.email, "Read", c),
        ("AdminAuditRow", therapist_a.email, "Read", a),
        ("AdminAuditGroup", therapist_a.email, "Read", 2),
        ("AdminAuditRow", therapist_b.email, "Read", a),
        ("AdminAuditRow", therapist_a.email, "Changed", b),
        ("AdminAuditGroup", therapist_a.email, "Read", 2),
    ]
    groups = [line for line in lines if isinstance(line, AdminAuditGroup)]
    assert [[row.client_id for row in g.rows] for g in groups] == [[c, b], [c, a]]


def test_rows_without_a_request_id_stay_one_a_line_and_one_clients_rows_are_one_row(
    therapist_a, client_a, admin_user
):
    """Rows written before the request id was kept cannot be told apart: each stays its
    own line. Several rows of one request about one client (its page and panels) are that
    client's row, once: not "client records", and not one identical row per panel."""
    other = make_client(therapist_a, "Olly Other")
    for client in (client_a, other):  # a caseload view of an older release
        AuditEvent.objects.create(
            actor=therapist_a,
            actor_label=therapist_a.email,
            action=Action.VIEW,
            target="caseload",
            client_id=client.pk,
            clinic_id=therapist_a.clinic_id,  # as the migration filled it in
        )
    page = uuid.uuid4()
    _event(page, therapist_a, client_a.pk, target="client")
    _event(page, therapist_a, client_a.pk, target="checkins-panel")
    lines = admin_audit_lines(audit_events_for(admin_user))
    assert [(type(line), line.client_id) for line in lines] == [
        (AdminAuditRow, client_a.pk),
        (AdminAuditRow, other.pk),
        (AdminAuditRow, client_a.pk),
    ]
    assert lines[0].request_id == page


def test_a_client_page_view_is_one_line_for_that_client(login, admin_user, therapist_a, client_a):
    login(therapist_a).get(f"/clients/{client_a.pk}/")
    # The page and its panels: several rows stored, the detail kept for an investigation.
    assert AuditEvent.objects.filter(client_id=client_a.pk, action=Action.VIEW).count() > 1
    http = login(admin_user)
    for query in ({}, {"client": client_a.pk}, {"action": CLIENT_READ}):
        lines = _lines(http.get("/manage/audit/", query).content.decode())
        assert lines == [
            ("", [therapist_a.email, "Read client record", str(client_a.pk), "127.0.0.1"])
        ], query


def test_events_about_users_and_settings_of_one_request_stay_one_a_line(
    therapist_a, therapist_b, admin_user
):
    """Each says what changed (which user): a group would hide it behind a count."""
    with audit_scope():
        for user in (therapist_a, therapist_b):
            audit_record(actor=admin_user, action=Action.UPDATE, target=f"user:{user.pk}:full_name")
    lines = admin_audit_lines(audit_events_for(admin_user))
    assert [type(line) for line in lines] == [AdminAuditRow, AdminAuditRow]
    assert [(line.what, line.detail) for line in lines] == [
        (f"Changed name — {user.full_name or user.email}", f"Changed · user:{user.pk}:full_name")
        for user in (therapist_b, therapist_a)
    ]
