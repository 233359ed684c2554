"""One appointment at a time per episode, held by the database: two bookings sent at once
both pass the service's check, and without a constraint both were stored (counted twice in
attendance and in the check-ins expected). A cancelled appointment frees its slot."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from tests.clinic._races import first_held_then_second, real_concurrency

from rapport.clinic import services
from rapport.clinic.models import Appointment, Attendance
from rapport.clinic.services import appointment_create, appointment_record_attendance

ALREADY_BOOKED = "This episode already has an appointment at this time."


def in_a_fortnight():
    return (timezone.now() + timedelta(days=14)).replace(microsecond=0)


@pytest.mark.django_db
def test_a_booking_the_check_missed_gets_the_clear_message(therapist_a, client_a, monkeypatch):
    """The other booking was not committed yet when this one checked (as in a race on
    PostgreSQL): the check saw nothing, and the insert meets the constraint."""
    episode = client_a.episodes.get()
    when = in_a_fortnight()
    Appointment.objects.create(episode=episode, starts_at=when)
    real_check = services._booked_at
    calls = []

    def first_look_sees_nothing(*args, **kwargs):
        calls.append(args)
        return Appointment.objects.none() if len(calls) == 1 else real_check(*args, **kwargs)

    monkeypatch.setattr(services, "_booked_at", first_look_sees_nothing)
    with transaction.atomic():
        with pytest.raises(ValidationError) as refused:
            appointment_create(actor=therapist_a, episode=episode, starts_at=when)
        # Still usable: PostgreSQL aborts a transaction whose insert failed outside a savepoint.
        assert episode.appointments.filter(starts_at=when).count() == 1
    assert refused.value.message_dict == {"starts_at": [ALREADY_BOOKED]}
    assert len(calls) >= 1


@pytest.mark.django_db(transaction=True)
def test_two_bookings_sent_at_once_store_one(therapist_a, client_a):
    if not real_concurrency():
        pytest.skip("in-memory SQLite cannot run concurrent writers; PostgreSQL runs this in CI")
    episode = client_a.episodes.get()
    when = in_a_fortnight()
    # The first is held just before it inserts; the second waits for the episode's lock
    # (services._locked_for_booking), so the two can no longer both check before either
    # inserts: the second checks once the first is stored. (A check that misses a booking
    # anyway still meets the constraint: test_a_booking_the_check_missed_gets_the_clear_message.)
    book = lambda: appointment_create(actor=therapist_a, episode=episode, starts_at=when)  # noqa: E731
    results = list(first_held_then_second(Appointment, book, book).values())
    booked = [r for r in results if isinstance(r, Appointment)]
    refused = [r for r in results if isinstance(r, ValidationError)]
    assert len(booked) == len(refused) == 1, results
    assert refused[0].message_dict == {"starts_at": [ALREADY_BOOKED]}
    assert list(episode.appointments.filter(starts_at=when)) == booked


@pytest.mark.django_db
def test_the_database_refuses_a_second_appointment_at_one_time(client_a):
    episode = client_a.episodes.get()
    when = in_a_fortnight()
    Appointment.objects.create(episode=episode, starts_at=when)
    with pytest.raises(IntegrityError), transaction.atomic():
        Appointment.objects.create(episode=episode, starts_at=when, attendance=Attendance.NO_SHOW)
    assert episode.appointments.filter(starts_at=when).count() == 1


@pytest.mark.django_db
def test_a_cancelled_session_can_be_booked_again_at_the_same_time(therapist_a, client_a):
    episode = client_a.episodes.get()
    when = in_a_fortnight()
    first = appointment_create(actor=therapist_a, episode=episode, starts_at=when)
    appointment_record_attendance(
        actor=therapist_a, appointment=first, attendance=Attendance.CANCELLED
    )
    again = appointment_create(actor=therapist_a, episode=episode, starts_at=when)
    assert again.pk != first.pk
    at_that_time = episode.appointments.filter(starts_at=when)
    assert sorted(at_that_time.values_list("attendance", flat=True)) == [
        Attendance.CANCELLED,
        Attendance.SCHEDULED,
    ]
    # ...but not a third time while that booking stands.
    with pytest.raises(ValidationError, match=ALREADY_BOOKED):
        appointment_create(actor=therapist_a, episode=episode, starts_at=when)


@pytest.mark.django_db
def test_a_cancelled_session_booked_again_cannot_come_back_as_well(therapist_a, client_a):
    episode = client_a.episodes.get()
    when = in_a_fortnight()
    first = appointment_create(actor=therapist_a, episode=episode, starts_at=when)
    appointment_record_attendance(
        actor=therapist_a, appointment=first, attendance=Attendance.CANCELLED
    )
    appointment_create(actor=therapist_a, episode=episode, starts_at=when)
    with pytest.raises(ValidationError, match="booked again at the same time"):
        appointment_record_attendance(
            actor=therapist_a, appointment=first, attendance=Attendance.SCHEDULED
        )
    first.refresh_from_db()
    assert first.attendance == Attendance.CANCELLED


@pytest.mark.django_db
def test_two_sessions_on_one_day_at_different_times_are_both_booked(therapist_a, client_a):
    episode = client_a.episodes.get()
    morning = timezone.localtime(in_a_fortnight()).replace(hour=9, minute=0, second=0)
    appointment_create(actor=therapist_a, episode=episode, starts_at=morning)
    appointment_create(actor=therapist_a, episode=episode, starts_at=morning + timedelta(hours=5))
    assert episode.appointments.filter(starts_at__date=morning.date()).count() == 2


@pytest.mark.django_db(transaction=True)
def test_the_migration_names_double_bookings_already_stored_and_changes_nothing(client_a):
    """Which of two appointments at one time is the session is a clinical record: the
    migration names them for someone to decide, rather than cancelling one itself."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    before, this = (
        ("clinic", "0004_goal_creation_key"),
        ("clinic", "0005_one_appointment_at_a_time"),
    )
    executor = MigrationExecutor(connection)
    executor.migrate([before])
    # The tables as they stood then (later migrations add columns the model has now).
    then = executor.loader.project_state([before]).apps.get_model("clinic", "Appointment")
    episode = client_a.episodes.get()
    when = in_a_fortnight()
    double = [
        then.objects.create(episode_id=episode.pk, starts_at=when, attendance=attendance)
        for attendance in (Attendance.SCHEDULED, Attendance.SCHEDULED, Attendance.CANCELLED)
    ]

    with pytest.raises(RuntimeError, match="two appointments at one time") as stopped:
        MigrationExecutor(connection).migrate([this])
    assert f"episode {episode.pk} at " in str(stopped.value)
    assert f"appointments {double[0].pk}, {double[1].pk}\n" in f"{stopped.value}\n"
    assert then.objects.filter(episode_id=episode.pk, starts_at=when).count() == 3

    # Once someone has cancelled the one that is not the session, it goes through.
    then.objects.filter(pk=double[1].pk).update(attendance=Attendance.CANCELLED)
    executor = MigrationExecutor(connection)
    executor.migrate([this])
    with pytest.raises(IntegrityError), transaction.atomic():
        then.objects.create(episode_id=episode.pk, starts_at=when)
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
