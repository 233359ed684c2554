"""A used link says "Your answers were already sent" only while it would still have worked.

The page confirmed, to anyone holding the link a year later, that its holder is in therapy
("Your therapist has them") and, through the crisis contacts, at which clinic. After the
link's expiry a used link gets the generic "This link cannot be used" page, which names no
clinic and says only where to get help urgently.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from tests.checkins._helpers import PHQ9_ZERO, make_link, open_and_answer

ALREADY_SENT = "Your answers were already sent. Thank you."
CRISIS_LINE = "Duty line (example)"


@pytest.mark.django_db
def test_a_used_link_says_already_sent_before_its_expiry(client, client_a, crisis_line):
    _, token = make_link(client_a)
    open_and_answer(client, token, PHQ9_ZERO)
    assert ALREADY_SENT in client.get(f"/c/{token}/").content.decode()


@pytest.mark.django_db
def test_a_used_link_past_its_expiry_gets_the_generic_page(client, client_a, crisis_line):
    checkin, token = make_link(client_a)
    open_and_answer(client, token, PHQ9_ZERO)
    checkin.refresh_from_db()
    # A year later: used then, expired since.
    checkin.used_at -= timedelta(days=365)
    checkin.expires_at = checkin.used_at + timedelta(days=3)
    checkin.created_at = checkin.used_at - timedelta(hours=1)
    checkin.save()
    later = client.get(f"/c/{token}/")
    assert later.status_code == 410
    page = later.content.decode()
    assert "This link cannot be used" in page
    assert ALREADY_SENT not in page and "Your therapist has them" not in page
    assert CRISIS_LINE not in page and crisis_line.name not in page
    assert "If you need help urgently, call your local emergency number." in page


@pytest.mark.django_db
def test_answers_sent_in_the_grace_after_expiry_still_read_as_arrived_on_back(
    client, client_a, crisis_line
):
    """A client who sent answers just after the link expired (the grace for a page already
    open) and pressed Back must read that they arrived, not that the link cannot be used."""
    checkin, token = make_link(client_a)
    open_and_answer(client, token, PHQ9_ZERO)
    checkin.refresh_from_db()
    checkin.expires_at = checkin.used_at - timedelta(minutes=1)
    checkin.save()
    assert ALREADY_SENT in client.get(f"/c/{token}/").content.decode()
