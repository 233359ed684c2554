"""The clinic admin's audit page says of client data only who read or changed which
client's record, and when (DESIGN §5: the admin never sees client records). The stored
targets keep their detail for an investigation, but on the page "Changed response:12"
(a therapist following up a risk answer, PHQ-9 item 9) or "response:12:phq9" would tell
the admin which client thought of harming themselves."""

from __future__ import annotations

import re

import pytest
from tests.checkins._helpers import PHQ9_ZERO, make_link, open_and_answer
from tests.conftest import make_client

from rapport.audit.models import Action, AuditEvent
from rapport.audit.selectors import CLIENT_CHANGED, CLIENT_CREATED, CLIENT_READ, admin_audit_row
from rapport.audit.services import audit_record
from rapport.measures.models import Response

pytestmark = pytest.mark.django_db

READS = [Action.VIEW, Action.EXPORT]
CHANGES = [Action.CREATE, Action.UPDATE, Action.DELETE, Action.SUBMIT]
# Words of the stored targets and fine actions that name clinical facts.
HIDDEN = [
    "phq9",
    "PHQ",
    "response",
    "risk",
    "checkin",
    "alert",
    "page:",
    "Client submitted",
    "Viewed",
    "Created",
    "Exported",
    "Deleted",
]


def _rows(page: str) -> list[list[str]]:
    """The audit table's cells, row by row, without the time (it differs by the second):
    who, what happened (its words, without the stored event under them: see
    :func:`_details`), client id, address."""
    body = page.split('<table class="audit">', 1)[1].split("</table>", 1)[0]
    body = body.split("<tbody>", 1)[1]
    rows = [
        [cell.split("<br>", 1)[0] for cell in re.findall(r"<td>(.*?)</td>", row, flags=re.S)[1:]]
        for row in re.findall(r"<tr>(.*?)</tr>", body, flags=re.S)
    ]
    return [row for row in rows if row]  # not the "No matching events." line


def _details(page: str) -> list[str]:
    """The smaller line under each row's words: the event as stored ("" where none)."""
    body = _table(page).split("<tbody>", 1)[1]
    details = []
    for row in re.findall(r"<tr>(.*?)</tr>", body, flags=re.S):
        found = re.search(r'<small class="meta">(.*?)</small>', row, flags=re.S)
        details.append(found.group(1) if found else "")
    return details


def _table(page: str) -> str:
    return page.split('<table class="audit">', 1)[1].split("</table>", 1)[0]


@pytest.fixture
def risk_followed_up(client, login, therapist_a, client_a):
    """Two clients of one therapist answer the PHQ-9 by link, client A with item 9
    (thoughts of self-harm) at 2, the other at 0; the therapist opens both records and
    records that they followed up A's risk answer. Returns (A, the other client)."""
    other = make_client(therapist_a, "Olly Other")
    _checkin, token_a = make_link(client_a, actor=therapist_a)
    _checkin, token_other = make_link(other, actor=therapist_a)
    assert open_and_answer(client, token_a, {**PHQ9_ZERO, "phq9_9": "2"}).status_code == 200
    assert open_and_answer(client, token_other, PHQ9_ZERO).status_code == 200
    http = login(therapist_a)
    http.get(f"/clients/{other.pk}/")
    http.get(f"/clients/{client_a.pk}/")
    response = Response.objects.get(client=client_a)
    assert response.risk_flags
    http.post(f"/responses/{response.pk}/risk-reviewed/", {"note": "Phoned; safety plan made."})
    response.refresh_from_db()
    assert response.risk_reviewed_at is not None
    return client_a, other


def _queries(*clients) -> list[dict]:
    queries: list[dict] = [{}, {"actor": "therapist.a"}, {"actor": "client link"}]
    for value in [CLIENT_READ, CLIENT_CHANGED, *READS, *CHANGES]:
        queries.append({"action": value})
        queries += [{"action": value, "client": c.pk} for c in clients]
    return queries + [{"client": c.pk} for c in clients]


def test_the_admin_page_shows_client_events_only_as_read_or_changed(
    risk_followed_up, login, admin_user, therapist_a
):
    client_a, other = risk_followed_up
    http = login(admin_user)
    for query in _queries(client_a, other):
        page = http.get("/manage/audit/", query).content.decode()
        table = _table(page)
        for word in HIDDEN:
            assert word not in table, (query, word)
        client_rows = [row for row in _rows(page) if row[2] in (str(client_a.pk), str(other.pk))]
        for who, what, _client, _address in client_rows:
            assert what in ("Read client record", "Changed client record")
            assert who in (therapist_a.email, "client link")
        assert '<small class="meta">' not in table  # nothing of the event as stored
    # Both clients are listed, each with their submission and the therapist's reads.
    everything = _rows(http.get("/manage/audit/").content.decode())
    for client in (client_a, other):
        mine = {(row[0], row[1]) for row in everything if row[2] == str(client.pk)}
        assert {
            ("client link", "Changed client record"),
            (therapist_a.email, "Read client record"),
        } <= mine


def test_an_action_filter_cannot_pick_the_follow_up_out_of_the_changes(
    risk_followed_up, login, admin_user
):
    """ "Changed" on the stored action would list the one update a risk follow-up writes
    (a submission is "Client submitted"): client records are filtered only as read or
    changed, and an exact action lists users and settings only."""
    client_a, other = risk_followed_up
    http = login(admin_user)
    for client in (client_a, other):
        for coarse, fine in ((CLIENT_CHANGED, CHANGES), (CLIENT_READ, READS)):
            every = _rows(http.get("/manage/audit/", {"client": client.pk}).content.decode())
            rows = _rows(
                http.get("/manage/audit/", {"action": coarse, "client": client.pk}).content.decode()
            )
            shown = "Changed client record" if coarse == CLIENT_CHANGED else "Read client record"
            assert rows and rows == [row for row in every if row[1] == shown], (client, coarse)
            for action in fine:
                page = http.get("/manage/audit/", {"action": action, "client": client.pk})
                assert page.status_code == (400 if action == Action.SUBMIT else 200)
                assert _rows(page.content.decode()) == [], (client, action)


def test_the_action_filter_offers_client_records_only_as_read_created_or_changed(login, admin_user):
    page = login(admin_user).get("/manage/audit/").content.decode()
    select = page.split('name="action"', 1)[1].split("</select>", 1)[0]
    client_group = select.split('label="Client records"', 1)[1].split("</optgroup>", 1)[0]
    assert re.findall(r'value="([^"]*)"', client_group) == [
        CLIENT_READ,
        CLIENT_CREATED,
        CLIENT_CHANGED,
    ]
    assert 'value="submit"' not in select


def test_the_stored_log_keeps_the_detail_for_an_investigation(risk_followed_up, therapist_a):
    client_a, _other = risk_followed_up
    response = Response.objects.get(client=client_a)
    assert AuditEvent.objects.filter(
        actor=therapist_a, action=Action.UPDATE, target=f"response:{response.pk}"
    ).exists()
    assert AuditEvent.objects.filter(
        action=Action.SUBMIT, target=f"response:{response.pk}:phq9", client_id=client_a.pk
    ).exists()


def test_events_about_users_and_settings_keep_their_detail(login, admin_user):
    http = login(admin_user)
    http.post(
        "/manage/users/new/",
        {
            "email": "new.person@test.invalid",
            "full_name": "New Person",
            "role": "therapist",
            "password": "a-long-enough-passphrase-42",
        },
    )
    created = AuditEvent.objects.get(action=Action.CREATE, target__startswith="user:")
    row = [admin_user.email, "Created account — New Person", "—", "127.0.0.1"]
    for query in ({}, {"action": "create"}, {"action": "staff-accounts"}):
        page = http.get("/manage/audit/", query).content.decode()
        assert row in _rows(page), query
        # The event as stored, under the words, for an investigation.
        assert f"Created · {created.target}" in _details(page)


@pytest.mark.parametrize(
    ("action", "target", "shown"),
    [
        (Action.UPDATE, "response:12", "Changed"),
        (Action.SUBMIT, "response:12:phq9", "Changed"),
        (Action.CREATE, "checkin:4:phq9:link", "Changed"),
        (Action.UPDATE, "alert:3:raised", "Changed"),
        (Action.DELETE, "transcript:2", "Changed"),
        (Action.VIEW, "risk-notices", "Read"),
        (Action.VIEW, "page:episode_edit", "Read"),
        (Action.EXPORT, "api:responses", "Read"),
    ],
)
def test_every_event_with_a_client_reads_as_a_coarse_label(
    client_a, therapist_a, action, target, shown
):
    event = audit_record(actor=therapist_a, action=action, target=target, client_id=client_a.pk)
    row = admin_audit_row(event)
    assert (row.actor_label, row.action, row.what, row.client_id, row.detail) == (
        therapist_a.email,
        shown,
        f"{shown} client record",
        client_a.pk,
        "",
    )
