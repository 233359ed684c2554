"""Creating a client's record reads "Created" on the admin's audit page (it read
"Changed"), still as "Client record" only: that the clinic took a client on is not
clinical, while what is created in a record (a goal, a check-in link, an alert) stays
"Changed". The action filter names each choice so that no two read alike."""

from __future__ import annotations

import re

import pytest

from rapport.audit.models import Action
from rapport.audit.selectors import (
    CLIENT_CHANGED,
    CLIENT_CREATED,
    CLIENT_READ,
    admin_audit_row,
)
from rapport.audit.services import audit_record
from rapport.clinic.models import Client

pytestmark = pytest.mark.django_db


def rows(page: str) -> list[list[str]]:
    """The audit table's cells without the time, row by row."""
    body = page.split('<table class="audit">', 1)[1].split("</table>", 1)[0]
    body = body.split("<tbody>", 1)[1]
    found = [
        re.findall(r"<td>(.*?)</td>", row, flags=re.S)[1:]
        for row in re.findall(r"<tr>(.*?)</tr>", body, flags=re.S)
    ]
    return [row for row in found if row]


@pytest.fixture
def new_client(client, login, therapist_a):
    """A therapist adds a client, then changes their record and opens it."""
    http = login(therapist_a)
    assert http.post("/clients/new/", {"display_name": "Nia New"}).status_code == 302
    made = Client.objects.get(therapist=therapist_a)
    audit_record(actor=therapist_a, action=Action.CREATE, target="goal:1", client_id=made.pk)
    audit_record(actor=therapist_a, action=Action.UPDATE, target="client", client_id=made.pk)
    assert http.get(f"/clients/{made.pk}/").status_code == 200
    return made


def test_a_new_client_reads_created_and_the_rest_of_the_record_changed(
    new_client, login, admin_user, therapist_a
):
    http = login(admin_user)
    everything = rows(http.get("/manage/audit/", {"client": new_client.pk}).content.decode())
    kinds = [(who, what) for who, what, _client, _ip in everything]
    assert kinds.count((therapist_a.email, "Created client record")) == 1
    assert kinds.count((therapist_a.email, "Changed client record")) == 2

    def shown(action: str) -> list[str]:
        query = {"action": action, "client": new_client.pk}
        return [row[1] for row in rows(http.get("/manage/audit/", query).content.decode())]

    assert shown(CLIENT_CREATED) == ["Created client record"]
    assert shown(CLIENT_CHANGED) == ["Changed client record", "Changed client record"]
    assert set(shown(CLIENT_READ)) == {"Read client record"}


@pytest.mark.parametrize(
    ("target", "shown"),
    [("client", "Created"), ("goal:4", "Changed"), ("checkin:4:phq9:link", "Changed")],
)
def test_only_the_record_itself_reads_created(client_a, therapist_a, target, shown):
    event = audit_record(
        actor=therapist_a, action=Action.CREATE, target=target, client_id=client_a.pk
    )
    row = admin_audit_row(event)
    assert (row.action, row.what) == (shown, f"{shown} client record")


def test_every_action_filter_choice_reads_differently(login, admin_user):
    page = login(admin_user).get("/manage/audit/").content.decode()
    select = page.split('name="action"', 1)[1].split("</select>", 1)[0]
    labels = re.findall(r"<option[^>]*>([^<]*)</option>", select)
    assert len(labels) == 15
    assert len(set(labels)) == len(labels), labels
    assert "Client record changed" in labels
    assert "User or setting changed" in labels
