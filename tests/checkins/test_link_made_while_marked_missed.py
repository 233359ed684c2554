"""A link about a session is never left open once the session is recorded as not attended.

``checkin_create`` refused a link for a missed session by reading the attendance of the
appointment its caller had loaded (the page, before the form was sent), without a lock: a
link could be made for a session marked missed in a second tab, or at the same moment, and
stay open. It now reads the attendance under the lock of the appointment row, taken after
the episode's, the order every writer of a session's record uses
(``clinic.services.locked_appointment``).
"""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from tests.checkins.test_rating_while_marked_missed import NO_CONCURRENCY, last_week, mark_no_show
from tests.clinic._races import first_held_then_second, real_concurrency

from rapport.checkins.models import CheckIn, Timing
from rapport.checkins.services import checkin_create
from rapport.clinic.models import Appointment, Attendance

NOT_HELD = "This appointment did not take place: no check-in can be sent."


def make_after_session_link(therapist, appointment):
    return checkin_create(
        actor=therapist,
        appointment=appointment,
        instrument_id="session-checkin",
        timing=Timing.AFTER,
    )


def open_links(appointment_id: int) -> list[CheckIn]:
    now = timezone.now()
    return [c for c in CheckIn.objects.filter(appointment_id=appointment_id) if c.is_open(now)]


@pytest.mark.django_db
def test_no_link_is_made_for_a_session_marked_missed_since_the_page_was_loaded(
    therapist_a, client_a
):
    page_copy = last_week(client_a)  # what the Send a check-in page held
    assert page_copy.attendance == Attendance.SCHEDULED
    mark_no_show(therapist_a, page_copy.pk)  # in another tab
    with pytest.raises(ValidationError, match=NOT_HELD):
        make_after_session_link(therapist_a, page_copy)
    assert not CheckIn.objects.filter(appointment_id=page_copy.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_a_link_made_while_the_session_is_marked_missed_is_not_left_open(therapist_a, client_a):
    """The race itself: the link passes every check, then the session is marked "Did not
    attend" before the link is stored. Either the marking waits and revokes the new link,
    or the link waits and is refused; never an open link about a missed session."""
    if not real_concurrency():
        pytest.skip(NO_CONCURRENCY)
    appointment = last_week(client_a)
    results = first_held_then_second(
        CheckIn,
        lambda: make_after_session_link(therapist_a, appointment),
        lambda: mark_no_show(therapist_a, appointment.pk),
    )
    assert isinstance(results["second"], Appointment), results
    assert last_week(client_a).attendance == Attendance.NO_SHOW
    assert open_links(appointment.pk) == []
    link = results["first"]
    if isinstance(link, tuple):  # made first, then revoked by the marking
        assert CheckIn.objects.get(pk=link[0].pk).revoked_at is not None
    else:
        assert isinstance(link, ValidationError) and NOT_HELD in str(link), results
