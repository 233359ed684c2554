"""Back after a tablet check-in: the "cannot be used" page must not promise the client a
link lasting days (a tablet link lasts two hours) and tells them to hand the device back."""

from __future__ import annotations

import pytest
from tests.checkins._helpers import CHECKIN_ANSWERS, appointment_of, form_key


@pytest.mark.django_db
def test_the_page_behind_back_names_no_duration_and_asks_for_the_device_back(
    login, therapist_a, client_a
):
    http = login(therapist_a)
    location = http.post(
        f"/appointments/{appointment_of(client_a).pk}/checkins/new/",
        {"instrument": "session-checkin", "timing": "after", "mode": "tablet"},
    )["Location"]
    key = form_key(http.get(location).content.decode())
    http.post(location, {**CHECKIN_ANSWERS, "form_key": key})
    back = http.get(location)
    assert back.status_code == 410
    page = back.content.decode()
    assert "few days" not in page
    assert "Your answers were already sent. Thank you." in page
    assert "Please hand the device back to your therapist." in page
