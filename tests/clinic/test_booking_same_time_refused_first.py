"""A second booking of one episode at the very same time is refused at once, not after a
"Book it anyway" tick that could never book it (the service refuses it whatever is ticked).
"""

from __future__ import annotations

import html

import pytest
from tests.clinic.test_booking_clashes import a_day_ahead_at, book, nine_with
from tests.conftest import make_client

from rapport.clinic.models import Appointment


@pytest.mark.django_db
def test_the_same_episode_at_the_same_time_is_refused_without_asking_for_a_tick(login, therapist_a):
    kai = make_client(therapist_a, "Kai L.")
    cleo = make_client(therapist_a, "Cleo S.")
    nine_with(kai)
    nine_with(cleo)  # another client at that time: would be a clash to tick for
    before = Appointment.objects.filter(episode__client=kai).count()
    http = login(therapist_a)
    page = book(http, kai.episodes.get(), a_day_ahead_at(9))
    text = html.unescape(page.content.decode())
    assert page.status_code == 400
    assert "This episode already has an appointment at this time." in text
    assert "Book it anyway" not in text and "Cleo S." not in text
    assert Appointment.objects.filter(episode__client=kai).count() == before
