"""A booking made between the clash warning and the save is checked again before the save.

The booking page warns of a clash and asks for a tick that holds only for the bookings it
named (``forms.AppointmentForm``). But the page checks when the form is sent, and the
service used to save without looking again: a colleague's booking made in between (or one
from another tab) was saved beside this one, a clash nobody was warned of. The service now
checks again under the booking's locks (the therapist's open episodes, in id order, before
anything of a session: ``services._locked_for_booking``), refuses a clash the tick did not
cover (``ClashNotConfirmed``, nothing stored), and the page comes back naming it, unticked.
The same episode at the same time stays refused, as the stored bookings stand then.
"""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from tests.clinic._races import first_held_then_second, real_concurrency
from tests.clinic.test_booking_clashes import a_day_ahead_at, book, booked, nine_with, on
from tests.conftest import make_client

from rapport.clinic import selectors, services
from rapport.clinic.models import Appointment, EndReason, Episode, Phase

CLASHED_MEANWHILE = (
    "Another booking at a clashing time was made while you were booking this one, so "
    "nothing was saved: it is named below."
)
ALREADY_BOOKED = "This episode already has an appointment at this time."
NO_CONCURRENCY = "in-memory SQLite cannot run concurrent writers; PostgreSQL runs this in CI"


def the_tick(page: str) -> str:
    """The "Book it anyway" box as the page renders it."""
    match = re.search(r'<input type="checkbox" name="clash_accepted"[^>]*>', page)
    assert match, "the page asks for the tick"
    return match.group(0)


def booked_right_after_the_check(monkeypatch, episode, starts_at) -> list[Appointment]:
    """The page's clash check runs, then someone else's booking of ``episode`` at
    ``starts_at`` is stored once (a colleague, or another tab), before this request reaches
    the service: the interleaving a race gives, on one thread. Returns the list that will
    hold that booking."""
    real = selectors.appointment_clashes_for
    made: list[Appointment] = []

    def check_then_someone_books(*args, **kwargs):
        told = real(*args, **kwargs)
        if not made:
            made.append(Appointment.objects.create(episode=episode, starts_at=starts_at))
        return told

    monkeypatch.setattr(selectors, "appointment_clashes_for", check_then_someone_books)
    return made


# -- the service ------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_service_refuses_a_clash_the_booking_was_not_warned_of(therapist_a, cleo, gus):
    nine = nine_with(cleo)
    episode = gus.episodes.get()
    with pytest.raises(services.ClashNotConfirmed) as refused:
        services.appointment_create(
            actor=therapist_a, episode=episode, starts_at=a_day_ahead_at(9, 30), accepted_clashes=[]
        )
    assert refused.value.messages == [CLASHED_MEANWHILE]
    assert refused.value.appointment_ids == (nine.pk,)
    assert not booked(episode, a_day_ahead_at(9, 30))
    # Accepted, as the warning named it: booked.
    appointment = services.appointment_create(
        actor=therapist_a,
        episode=episode,
        starts_at=a_day_ahead_at(9, 30),
        accepted_clashes=[nine.pk],
    )
    assert list(episode.appointments.filter(starts_at=a_day_ahead_at(9, 30))) == [appointment]


@pytest.mark.django_db
def test_a_tick_for_one_clash_does_not_cover_another_booked_since(therapist_a, cleo, gus):
    nine = nine_with(cleo)
    ada = make_client(therapist_a, "Ada L.")
    quarter_past = Appointment.objects.create(
        episode=ada.episodes.get(), starts_at=a_day_ahead_at(9, 15)
    )
    episode = gus.episodes.get()
    with pytest.raises(services.ClashNotConfirmed) as refused:
        services.appointment_create(
            actor=therapist_a,
            episode=episode,
            starts_at=a_day_ahead_at(9),
            accepted_clashes=[nine.pk],
        )
    assert refused.value.appointment_ids == (quarter_past.pk,)
    assert not booked(episode, a_day_ahead_at(9))


# -- the page, with the other booking stored after its check ------------------------------


@pytest.mark.django_db
def test_a_booking_made_after_the_page_checked_is_warned_of_and_nothing_is_saved(
    login, monkeypatch, therapist_a, gus
):
    ada = make_client(therapist_a, "Ada L.")
    made = booked_right_after_the_check(monkeypatch, ada.episodes.get(), a_day_ahead_at(9, 15))
    episode = gus.episodes.get()
    http = login(therapist_a)
    response = book(http, episode, a_day_ahead_at(9))

    assert response.status_code == 400
    page = html.unescape(response.content.decode())
    assert CLASHED_MEANWHILE in page
    assert f"You already have Ada L. {on(a_day_ahead_at(9, 15))}." in page
    assert "tick “Book it anyway” if you mean it, or choose another time" in page
    assert "checked" not in the_tick(page)
    assert not booked(episode, a_day_ahead_at(9))

    # Ticked now, for the booking the page named: saved.
    response = book(
        http, episode, a_day_ahead_at(9), clash_accepted="on", confirmed_for=str(made[0].pk)
    )
    assert response.status_code == 302
    assert booked(episode, a_day_ahead_at(9))


@pytest.mark.django_db
def test_a_tick_given_for_one_clash_is_asked_again_for_one_booked_after_the_check(
    login, monkeypatch, therapist_a, cleo, gus
):
    nine = nine_with(cleo)
    ada = make_client(therapist_a, "Ada L.")
    made = booked_right_after_the_check(monkeypatch, ada.episodes.get(), a_day_ahead_at(9, 15))
    episode = gus.episodes.get()
    response = book(
        login(therapist_a),
        episode,
        a_day_ahead_at(9),
        clash_accepted="on",
        confirmed_for=str(nine.pk),
    )
    assert response.status_code == 400
    page = html.unescape(response.content.decode())
    assert CLASHED_MEANWHILE in page
    assert f"You already have Cleo S. {on(a_day_ahead_at(9))}." in page
    assert f"You already have Ada L. {on(a_day_ahead_at(9, 15))}." in page
    # The tick was for Cleo's session alone: the box is shown unticked again.
    assert "checked" not in the_tick(page)
    assert f'name="confirmed_for" value="{nine.pk},{made[0].pk}"' in page
    assert not booked(episode, a_day_ahead_at(9))


@pytest.mark.django_db
def test_the_same_episode_booked_at_that_time_after_the_check_is_refused_without_a_tick(
    login, monkeypatch, therapist_a, cleo, gus
):
    """Refused whatever is ticked, and said as the first page would have said it: no box to
    tick for Cleo's session at that time, which could never book it."""
    nine = nine_with(cleo)
    episode = gus.episodes.get()
    real = selectors.bookings_at
    made = []

    def check_then_another_tab_books(episode, starts_at):
        booked = real(episode, starts_at)
        if made:
            return booked
        assert not booked.exists()
        made.append(Appointment.objects.create(episode=episode, starts_at=starts_at))
        return booked.none()  # as the page's check saw it

    monkeypatch.setattr(selectors, "bookings_at", check_then_another_tab_books)
    response = book(
        login(therapist_a),
        episode,
        a_day_ahead_at(9),
        clash_accepted="on",
        confirmed_for=str(nine.pk),
    )
    assert response.status_code == 400
    page = html.unescape(response.content.decode())
    # Said once at the field (and once in the summary of errors above the form).
    assert page.count(f'<p class="error">{ALREADY_BOOKED}</p>') == 1
    assert "Book it anyway" not in page and "Cleo S." not in page
    assert list(episode.appointments.filter(starts_at=a_day_ahead_at(9))) == made


# -- real races (PostgreSQL) --------------------------------------------------------------


def booking(therapist, client, when):
    def book_it():
        return services.appointment_create(
            actor=therapist,
            episode=Episode.objects.get(client=client),
            starts_at=when,
            accepted_clashes=[],
        )

    return book_it


@pytest.mark.django_db(transaction=True)
def test_two_clashing_bookings_of_one_diary_at_once_save_only_the_first(therapist_a, cleo, gus):
    """Both pages checked before either booking was stored, and neither warned of the other.
    The first is about to insert when the second is sent: the second waits for the diary's
    locks, then sees the first and is refused. Without the locks both were saved."""
    if not real_concurrency():
        pytest.skip(NO_CONCURRENCY)
    results = first_held_then_second(
        Appointment,
        booking(therapist_a, cleo, a_day_ahead_at(9)),
        booking(therapist_a, gus, a_day_ahead_at(9, 30)),
    )
    assert isinstance(results["first"], Appointment), results
    assert isinstance(results["second"], services.ClashNotConfirmed), results
    assert results["second"].appointment_ids == (results["first"].pk,)
    day = a_day_ahead_at(0)
    stored = Appointment.objects.filter(starts_at__gte=day, starts_at__lt=day + timedelta(days=1))
    assert list(stored) == [results["first"]]


@pytest.mark.django_db(transaction=True)
def test_two_bookings_of_one_episode_at_one_time_at_once_save_one(therapist_a, gus):
    if not real_concurrency():
        pytest.skip(NO_CONCURRENCY)
    results = first_held_then_second(
        Appointment,
        booking(therapist_a, gus, a_day_ahead_at(9)),
        booking(therapist_a, gus, a_day_ahead_at(9)),
    )
    assert isinstance(results["first"], Appointment), results
    assert isinstance(results["second"], ValidationError), results
    assert results["second"].message_dict == {"starts_at": [ALREADY_BOOKED]}
    assert list(Appointment.objects.filter(starts_at=a_day_ahead_at(9))) == [results["first"]]


@pytest.mark.django_db(transaction=True)
def test_a_booking_sent_while_the_episode_ends_is_refused(therapist_a, gus):
    """The ending has passed its checks and is about to close the episode when a booking
    into it is sent: the booking waits for the episode's lock, then sees it ended. Without
    the lock it was stored after the ending, a booked session in a closed episode."""
    if not real_concurrency():
        pytest.skip(NO_CONCURRENCY)
    episode = gus.episodes.get()

    def end_it():
        return services.episode_end(
            actor=therapist_a,
            episode=Episode.objects.get(pk=episode.pk),
            ended_on=a_day_ahead_at(0).date() - timedelta(days=14),
            end_reason=EndReason.PLANNED,
        )

    results = first_held_then_second(Episode, end_it, booking(therapist_a, gus, a_day_ahead_at(9)))
    assert isinstance(results["first"], Episode), results
    assert isinstance(results["second"], ValidationError), results
    assert "This episode has ended" in str(results["second"])
    assert Episode.objects.get(pk=episode.pk).phase == Phase.CLOSED
    assert not episode.appointments.filter(starts_at=a_day_ahead_at(9)).exists()
