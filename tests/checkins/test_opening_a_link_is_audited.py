"""Opening a check-in link is a read of the client's record (it shows the clinic and the
session's time): each opening writes one VIEW row, by the client link, without the token."""

from __future__ import annotations

import pytest
from tests.checkins._helpers import make_link

from rapport.audit.models import AuditEvent


@pytest.mark.django_db
def test_each_opening_of_a_link_writes_one_view_row_without_the_token(client, client_a):
    checkin, token = make_link(client_a)
    before = AuditEvent.objects.count()
    client.get(f"/c/{token}/")
    client.get(f"/c/{token}/")
    rows = list(AuditEvent.objects.order_by("pk")[before:])
    opened = [r for r in rows if r.target == f"checkin:{checkin.pk}:opened"]
    assert len(opened) == 2
    assert all(r.action == "view" and r.client_id == client_a.pk for r in opened)
    assert all(r.actor_label == "client link" and r.actor is None for r in opened)
    for row in rows:
        assert token not in row.path and token not in row.target
