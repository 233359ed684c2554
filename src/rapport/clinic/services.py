"""Writes to clinic data: one transaction each, validated, and audited (DESIGN §3, §5).

Callers pass already-scoped objects (from ``selectors.get_*_for_user``) and the acting
user; every function records an audit row in the same transaction as the change.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from datetime import UTC, date, datetime, time, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from rapport.audit.services import Action, audit_record
from rapport.clinic.models import (
    MISSED,
    Appointment,
    Attendance,
    AttendanceBasis,
    CancelledBy,
    Client,
    Clinic,
    EndReason,
    Episode,
    Goal,
    GoalStatus,
    Modality,
    Phase,
)
from rapport.clinic.selectors import (
    appointments_cancelled_by_ending,
    bookings_at,
    cancelled_by_ending_target,
    clashing_appointments,
)
from rapport.core import hooks

__all__ = [
    "CLASHED_MEANWHILE",
    "PHONE_MESSAGE",
    "RESTORE_CLASHES",
    "ClashNotConfirmed",
    "RestoreClashes",
    "appointment_create",
    "appointment_delete",
    "appointment_deletion_refusal",
    "appointment_record_attendance",
    "client_create",
    "client_update",
    "episode_create",
    "episode_end",
    "episode_update",
    "goal_create",
    "goals_from_client",
    "goal_update",
    "locked_appointment",
    "validate_care_date",
    "validate_phone",
]


def _current_year() -> int:
    return timezone.localdate().year


def _validate_birth_year(birth_year: int | None) -> None:
    if birth_year is not None and not (1900 <= birth_year <= _current_year()):
        raise ValidationError({"birth_year": f"Enter a birth year from 1900 to {_current_year()}."})


#: Dates of care: from 1900 (earlier is a typo, never a record) to a few years ahead (a
#: booking). Outside this range a date is refused rather than stored: year 1 overflowed
#: the date arithmetic of the client page, which then failed on every visit.
_EARLIEST_YEAR = 1900
_YEARS_AHEAD = 2


def validate_care_date(field: str, day: date) -> None:
    """Refuse a date of care outside the range above. The booking form asks it too, first,
    so that nothing is looked up with such a date: a year-1 time in a zone east of UTC is
    in year 0 in UTC, and the clash lookup failed on it with an error page."""
    latest = _current_year() + _YEARS_AHEAD
    if not (_EARLIEST_YEAR <= day.year <= latest):
        raise ValidationError({field: f"Enter a date between {_EARLIEST_YEAR} and {latest}."})


def _validate_episode_start(
    client: Client, started_on: date, episode: Episode | None = None
) -> None:
    validate_care_date("started_on", started_on)
    _check_after_the_last_ending(client, started_on)
    if episode is None:
        return
    first = episode.appointments.order_by("starts_at").values_list("starts_at", flat=True).first()
    if first is not None and started_on > timezone.localdate(first):
        raise ValidationError(
            {
                "started_on": "The episode cannot start after its first appointment "
                f"({timezone.localdate(first):%d %b %Y})."
            }
        )


def _check_after_the_last_ending(client: Client, started_on: date) -> None:
    """A new episode begins no earlier than the day the client's last ended episode ended
    (the same day is a handover, not an overlap): two episodes covering the same days would
    let a session count in both, and leave unclear which relationship it belonged to."""
    last_end = (
        client.episodes.filter(phase=Phase.CLOSED, ended_on__isnull=False)
        .order_by("-ended_on")
        .values_list("ended_on", flat=True)
        .first()
    )
    if last_end is not None and started_on < last_end:
        raise ValidationError(
            {
                "started_on": "The previous episode ended on "
                f"{last_end.day} {last_end:%b %Y}: start this one on that day or later."
            }
        )


#: Digits, spaces and the usual separators, a "+" only in front; a phone number has 6 digits
#: at least (the shortest local numbers in use) and 15 at most (ITU-T E.164's longest
#: international number), not counting a "(0)" trunk prefix written inside an international
#: number ("+44 (0)20 7946 0958"), which is not dialled (Client.phone_to_dial). Anything else
#: ("abc", an email, an extension) cannot be dialled after a risk answer.
_PHONE_CHARACTERS = re.compile(r"\+?[0-9 \-().]*")
_PHONE_MIN_DIGITS = 6
_PHONE_MAX_DIGITS = 15
PHONE_MESSAGE = (
    f"Enter a phone number of {_PHONE_MIN_DIGITS} to {_PHONE_MAX_DIGITS} digits, as you would "
    "dial it: digits, spaces, brackets, dashes or dots, and + in front for an international "
    "number, such as +44 20 7946 0958 or (0161) 496-0000."
)


def validate_phone(phone: str) -> None:
    """Refuse a phone number that cannot be dialled (ValidationError on "phone")."""
    phone = phone.strip()
    if not phone:
        return
    digits = sum(character.isdigit() for character in phone.replace("(0)", ""))
    if (
        not _PHONE_CHARACTERS.fullmatch(phone)
        or not _PHONE_MIN_DIGITS <= digits <= _PHONE_MAX_DIGITS
    ):
        raise ValidationError({"phone": PHONE_MESSAGE})


@transaction.atomic
def client_create(
    *,
    actor,
    therapist,
    display_name: str,
    birth_year: int | None = None,
    email: str = "",
    phone: str = "",
    form_key: str = "",
    request=None,
) -> Client:
    """A new client of ``therapist``. ``form_key`` (the creating form's key) makes a second
    sending of the same form return the client the first one made: nothing counted twice."""
    if not display_name.strip():
        raise ValidationError({"display_name": "Enter a name for this client."})
    _validate_birth_year(birth_year)
    validate_phone(phone)
    key = form_key.strip() or None
    earlier = Client.objects.filter(creation_key=key, therapist=therapist).first() if key else None
    if earlier is not None:
        return earlier
    try:
        with transaction.atomic():  # a savepoint: the race below leaves the outer one usable
            client = Client.objects.create(
                clinic=therapist.clinic,
                therapist=therapist,
                display_name=display_name.strip(),
                birth_year=birth_year,
                email=email.strip(),
                phone=phone.strip(),
                creation_key=key,
            )
    except IntegrityError:
        # The same form, sent twice at once: the other request made the client.
        earlier = Client.objects.filter(creation_key=key, therapist=therapist).first()
        if earlier is None:
            raise
        return earlier
    audit_record(
        actor=actor, action=Action.CREATE, target="client", client_id=client.pk, request=request
    )
    return client


@transaction.atomic
def client_update(*, actor, client: Client, request=None, **fields) -> Client:
    allowed = {"display_name", "birth_year", "email", "phone", "therapist"}
    unknown = set(fields) - allowed
    if unknown:
        raise TypeError(f"cannot update {sorted(unknown)}")
    if "display_name" in fields and not str(fields["display_name"]).strip():
        raise ValidationError({"display_name": "Enter a name for this client."})
    _validate_birth_year(fields.get("birth_year", client.birth_year))
    if "phone" in fields:
        validate_phone(str(fields["phone"] or ""))
    for name, value in fields.items():
        setattr(client, name, value.strip() if isinstance(value, str) else value)
    client.save()
    audit_record(
        actor=actor, action=Action.UPDATE, target="client", client_id=client.pk, request=request
    )
    return client


@transaction.atomic
def episode_create(
    *,
    actor,
    client: Client,
    started_on: date,
    attendance_basis: str = AttendanceBasis.VOLUNTARY,
    referral_source: str = "",
    request=None,
) -> Episode:
    # Locks the client row until the transaction ends: two forms sent at once would both
    # see no open episode and both start one.
    Client.objects.select_for_update().only("pk").get(pk=client.pk)
    # One open episode at a time keeps "the current relationship" unambiguous.
    if client.episodes.exclude(phase=Phase.CLOSED).exists():
        raise ValidationError(
            "This client already has an open episode. End it before starting another."
        )
    _validate_episode_start(client, started_on)
    episode = Episode.objects.create(
        client=client,
        started_on=started_on,
        attendance_basis=attendance_basis,
        referral_source=referral_source.strip(),
        phase=Phase.ESTABLISHING,
    )
    audit_record(
        actor=actor,
        action=Action.CREATE,
        target=f"episode:{episode.pk}",
        client_id=client.pk,
        request=request,
    )
    return episode


@transaction.atomic
def episode_update(*, actor, episode: Episode, request=None, **fields) -> Episode:
    allowed = {"phase", "attendance_basis", "referral_source", "started_on"}
    unknown = set(fields) - allowed
    if unknown:
        raise TypeError(f"cannot update {sorted(unknown)}")
    if fields.get("phase") == Phase.CLOSED:
        raise ValidationError({"phase": "Use “End episode” to close an episode, with its reason."})
    if not episode.is_open:
        raise ValidationError("This episode has ended and can no longer be changed.")
    if fields.get("started_on", episode.started_on) != episode.started_on:
        _validate_episode_start(episode.client, fields["started_on"], episode)
    phase_before = episode.phase
    for name, value in fields.items():
        setattr(episode, name, value)
    episode.save()
    audit_record(
        actor=actor,
        action=Action.UPDATE,
        target=f"episode:{episode.pk}",
        client_id=episode.client_id,
        request=request,
    )
    if episode.phase != phase_before:
        # Dropout risk depends on the phase (none in a planned ending): monitoring listens.
        hooks.episode_phase_changed(episode)
    return episode


@transaction.atomic
def episode_end(
    *,
    actor,
    episode: Episode,
    ended_on: date,
    end_reason: str,
    summary: str = "",
    goal_statuses: Mapping[int, str] | None = None,
    request=None,
) -> Episode:
    """End ``episode``. ``goal_statuses`` (goal id -> status) records where each goal
    stands, in the same transaction: once the episode has ended its goals can no longer be
    changed, so the ending is the therapist's last chance to review them."""
    # The episode row is locked first and read again: a check-in link being made for this
    # episode (``checkins.services.checkin_create`` takes the same lock) either commits
    # before, and is revoked below with the others, or waits and then sees the episode
    # ended; never made in between and left open. A second ending sent at once waits too,
    # and is refused.
    episode.refresh_from_db(from_queryset=Episode.objects.select_for_update())
    if not episode.is_open:
        raise ValidationError("This episode has already ended.")
    if end_reason not in EndReason.values:
        raise ValidationError({"end_reason": "Choose why the episode ended."})
    if ended_on < episode.started_on:
        raise ValidationError({"ended_on": "The end date cannot be before the start date."})
    now = timezone.now()
    if ended_on > timezone.localdate(now):
        raise ValidationError({"ended_on": "The end date cannot be in the future."})
    after_the_end = _start_of_day(ended_on + timedelta(days=1))
    _check_nothing_happened_after(episode, after_the_end)
    # Appointments booked after the ending will not happen (those between the end date and
    # today included: left "scheduled", they would count as sessions nobody recorded; and
    # those later today, when the episode ends today).
    will_not_happen = list(appointments_cancelled_by_ending(episode, ended_on, now=now))
    _check_none_was_rated(will_not_happen, now)
    _review_goals(actor=actor, episode=episode, statuses=goal_statuses or {}, request=request)
    episode.phase = Phase.CLOSED
    episode.ended_on = ended_on
    episode.end_reason = end_reason
    episode.ending_summary = summary.strip()
    episode.save()
    # Each cancellation goes through the attendance hook, as a cancellation on the page
    # would (monitoring recounts), and is audited as the ending's: the client page tells it
    # from a cancellation by the client ("Cancelled: episode ended").
    for appointment in will_not_happen:
        appointment.attendance = Attendance.CANCELLED
        appointment.cancelled_by_ending = True
        appointment.cancelled_by = CancelledBy.CLINIC  # not the client's: no dropout sign
        appointment.save(update_fields=["attendance", "cancelled_by_ending", "cancelled_by"])
        audit_record(
            actor=actor,
            action=Action.UPDATE,
            target=cancelled_by_ending_target(appointment),
            client_id=episode.client_id,
            request=request,
        )
        _after_attendance_change(appointment)
    # Then every link of the episode still open is revoked (checkins listens): a risk answer
    # given now would land in a closed episode, off the caseload, seen by nobody.
    _after_episode_end(episode)
    audit_record(
        actor=actor,
        action=Action.UPDATE,
        target=f"episode:{episode.pk}:end",
        client_id=episode.client_id,
        request=request,
    )
    return episode


def _check_none_was_rated(appointments: list[Appointment], now: datetime) -> None:
    """A session the client rated is not cancelled by the ending: they came to it (see
    :func:`_check_not_rated`). Only one that has started can have been rated."""
    for appointment in appointments:
        if appointment.starts_at > now:
            continue
        rating = hooks.session_rating(appointment)
        if rating is not None:
            day = timezone.localtime(appointment.starts_at).date()
            raise ValidationError(
                {
                    "ended_on": f"The client rated the session of {_day(day)}, after this date, "
                    f"on {_day(timezone.localtime(rating.answered_at).date())} ({rating.label}): "
                    "record it as attended, and end the episode on or after that day."
                }
            )


def _day(day: date) -> str:
    return f"{day.day} {day:%b %Y}"


def _review_goals(*, actor, episode: Episode, statuses: Mapping[int, str], request) -> None:
    """Set the status of each goal named in ``statuses`` (all of them the episode's)."""
    goals = {goal.pk: goal for goal in episode.goals.all()}
    if set(statuses) - set(goals):
        raise ValidationError(
            "A goal on this page is not one of this episode's: reload the page and try again."
        )
    if any(status not in GoalStatus.values for status in statuses.values()):
        raise ValidationError("Choose where each goal stands.")
    if any(not _may_have(goals[goal_id], status) for goal_id, status in statuses.items()):
        raise ValidationError(_NOT_TO_AGREE)
    for goal_id, status in statuses.items():
        goal = goals[goal_id]
        if goal.status == status:
            continue
        goal.status = status
        goal.save(update_fields=["status", "updated_at"])
        audit_record(
            actor=actor,
            action=Action.UPDATE,
            target=f"goal:{goal.pk}",
            client_id=episode.client_id,
            request=request,
        )


def _start_of_day(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _check_nothing_happened_after(episode: Episode, after_the_end: datetime) -> None:
    """An episode cannot end before a session the client came to (or missed): the record
    would say the care ended and then went on."""
    later = (
        episode.appointments.filter(starts_at__gte=after_the_end)
        .filter(attendance__in=(Attendance.ATTENDED, Attendance.NO_SHOW))
        .order_by("-starts_at")
        .first()
    )
    if later is not None:
        when = timezone.localtime(later.starts_at).date()
        # Said as recorded: "a recorded session" on the day of a missed one read as a
        # mistake to a therapist who knows the client did not come.
        recorded = "missed" if later.attendance == Attendance.NO_SHOW else "attended"
        raise ValidationError(
            {
                "ended_on": f"There is a session recorded as {recorded} on {when.day} "
                f"{when:%b %Y}, after this date: end the episode on or after its last session."
            }
        )


def _require_open(episode: Episode) -> None:
    if not episode.is_open:
        raise ValidationError("This episode has ended and can no longer be changed.")


@transaction.atomic
def goal_create(*, actor, episode: Episode, text: str, form_key: str = "", request=None) -> Goal:
    """A new goal of ``episode``. ``form_key`` (the adding form's key) makes a second sending
    of the same form return the goal the first one made, as :func:`client_create` does: two
    copies of one goal would each be reviewed and rated as if the client had set two."""
    _require_open(episode)
    if not text.strip():
        raise ValidationError({"text": "Write the goal in the client's own words."})
    key = form_key.strip() or None
    earlier = Goal.objects.filter(episode=episode, creation_key=key).first() if key else None
    if earlier is not None:
        return earlier
    try:
        with transaction.atomic():  # a savepoint: the race below leaves the outer one usable
            goal = Goal.objects.create(episode=episode, text=_goal_text(text), creation_key=key)
    except IntegrityError:
        # The same form, sent twice at once: the other request added the goal.
        earlier = Goal.objects.filter(episode=episode, creation_key=key).first()
        if earlier is None:
            raise
        return earlier
    audit_record(
        actor=actor,
        action=Action.CREATE,
        target=f"goal:{goal.pk}",
        client_id=episode.client_id,
        request=request,
    )
    return goal


#: Goals one "Your goals" link can add, and how long each may be (the client's page says
#: so): a goal is a sentence to discuss and agree, not an essay.
CLIENT_GOALS_MAX = 3
CLIENT_GOAL_MAX_LENGTH = 300


@transaction.atomic
def goals_from_client(*, episode: Episode, texts: list[str], key: str, request=None) -> list[Goal]:
    """The goals a client wrote on their "Your goals" link (check-ins), each a goal of
    ``episode`` marked as written by the client, audited as the client link's doing.

    ``key`` names the link's stored submission (at most 24 characters): goal *n* gets the
    creation key ``<key>:<n>``, so the same submission handled twice adds nothing (the
    check-in's own lock already sees to it; the key makes it hold at the database too),
    and words the client already wrote for the episode are not added again. Returns the
    goals added. Texts are never logged."""
    _require_open(episode)
    texts = [text.strip() for text in texts if text and text.strip()]
    if not texts:
        raise ValidationError("Write at least one goal.")
    if len(texts) > CLIENT_GOALS_MAX:
        raise ValidationError(f"Up to {CLIENT_GOALS_MAX} goals can be written at once.")
    if any(len(text) > CLIENT_GOAL_MAX_LENGTH for text in texts):
        raise ValidationError(f"A goal can be {CLIENT_GOAL_MAX_LENGTH} characters at most.")
    # A goal the client already wrote for this episode is not added again: the same words
    # sent on a second link (a replaced link's form still open, then the new one) or in two
    # boxes of one form. Compared as written, ignoring case and spacing (texts are
    # encrypted, so in Python; an episode has a handful of goals).
    seen = {_same_goal(goal.text) for goal in episode.goals.filter(written_by_client=True)}
    goals = []
    for number, text in enumerate(texts, 1):
        if _same_goal(text) in seen:
            continue
        seen.add(_same_goal(text))
        creation_key = f"{key}:{number}"
        # "To talk through", not "Working on it": written by the client alone, the goal is
        # not agreed yet (agreement on goals is the alliance's first part, Bordin 1979), so
        # it counts as no agreed goal until the therapist agrees it with them (goal_update).
        goal, created = Goal.objects.get_or_create(
            episode=episode,
            creation_key=creation_key,
            defaults={"text": text, "written_by_client": True, "status": GoalStatus.TO_AGREE},
        )
        if created:
            audit_record(
                actor="client-link",
                action=Action.CREATE,
                target=f"goal:{goal.pk}",
                client_id=episode.client_id,
                request=request,
            )
        goals.append(goal)
    return goals


_NOT_TO_AGREE = (
    "Only a goal the client wrote, in their own words, can be “to talk through”: choose "
    "Working on it, Achieved or Set aside."
)


_REWORDED_TO_AGREE = (
    "Reworded, the goal is no longer in the client's words, so it cannot stay “Written by "
    "the client: to talk through”: choose Working on it if you reworded it together, or keep "
    "their words."
)


def _may_have(goal: Goal, status: str) -> bool:
    """ "To talk through" says the client wrote the goal and it is not agreed yet: a goal
    keeps it until agreed or set aside, a client's goal agreed by mistake can be set back
    to it, and no other goal is given it (Goal.status_choices)."""
    return status in {value for value, _label in goal.status_choices()}


def _same_goal(text: str) -> str:
    return " ".join(text.split()).casefold()


def _goal_text(text: str) -> str:
    """The goal's words as stored: trimmed, every line break a line feed. A browser sends a
    text box's line breaks as CRLF, and the client's goals are stored with line feeds
    (checkins.forms.FreeTextField): compared as sent, a goal over two lines agreed as the
    client wrote it read as reworded, and lost "in the client's words"."""
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


@transaction.atomic
def goal_update(*, actor, goal: Goal, text: str, status: str, request=None) -> Goal:
    _require_open(goal.episode)
    text = _goal_text(text)
    if not text:
        raise ValidationError({"text": "Write the goal in the client's own words."})
    if status not in GoalStatus.values:
        raise ValidationError({"status": "Choose a status."})
    if not _may_have(goal, status):
        raise ValidationError({"status": _NOT_TO_AGREE})
    if status == GoalStatus.TO_AGREE and text != goal.text:
        # Reworded, the goal is no longer the client's alone (written_by_client is cleared
        # below) while its status would still say "Written by the client": rewording is
        # part of agreeing it together.
        raise ValidationError({"status": _REWORDED_TO_AGREE})
    # Agreeing a client's goal is setting it to "Working on it" here, reworded together or
    # not (a rewording clears written_by_client below; the status says it is agreed).
    if goal.written_by_client and text != goal.text:
        # No longer the client's own words: the page would say "in the client's words" of
        # the therapist's rewording. What the client wrote stays in their stored answers.
        goal.written_by_client = False
    goal.text = text
    goal.status = status
    goal.save()
    audit_record(
        actor=actor,
        action=Action.UPDATE,
        target=f"goal:{goal.pk}",
        client_id=goal.episode.client_id,
        request=request,
    )
    return goal


_ALREADY_BOOKED = "This episode already has an appointment at this time."


def _booked_at(episode: Episode, starts_at: datetime, *, besides: Appointment | None = None):
    """The episode's appointments at ``starts_at`` that hold the slot (not cancelled)."""
    booked = bookings_at(episode, starts_at)
    return booked.exclude(pk=besides.pk) if besides is not None else booked


#: Said when a booking that clashes with this one was made after the page checked (by a
#: colleague, or in another tab): the page comes back with the warning naming it.
CLASHED_MEANWHILE = (
    "Another booking at a clashing time was made while you were booking this one, so "
    "nothing was saved: it is named below."
)


class ClashNotConfirmed(ValidationError):
    """The booking clashes with bookings the user was not warned of (made after the form
    checked): nothing is stored. ``appointment_ids`` are those bookings."""

    def __init__(self, appointment_ids: Collection[int]) -> None:
        super().__init__(CLASHED_MEANWHILE, code="clash_not_confirmed")
        self.appointment_ids = tuple(sorted(appointment_ids))


def _locked_for_booking(episode: Episode, *, with_the_diary: bool) -> Episode:
    """The episode read again with its row locked until the transaction ends, for a booking
    that decides on what is booked; ``with_the_diary``, with it the rows of every open
    episode of the client's therapist, whose bookings are the ones that can clash.

    Episodes come first in the lock order of a session's record (see
    :func:`locked_appointment`): ending the episode (``episode_end``) waits for a booking
    into it, or the booking waits and sees the episode ended. Locking the whole diary's
    episodes, in id order (two bookings lock them in the same order, so neither waits for
    the other's next one), makes two bookings that could clash wait for each other: the
    second checks the clashes once the first is stored, and a booking made after the form
    checked is never saved beside one the user was not warned of. ``FOR NO KEY UPDATE``:
    the rows stay free for the references new rows make to them (a goal, an answer).
    A booking into an episode that opens meanwhile is no gap: it locks this episode too.
    On SQLite the transaction's write lock (``BEGIN IMMEDIATE``) serialises them instead.
    """
    rows = Q(pk=episode.pk)
    if with_the_diary:
        therapist_id, clinic_id = Client.objects.values_list("therapist_id", "clinic_id").get(
            pk=episode.client_id
        )
        rows |= Q(client__therapist_id=therapist_id, client__clinic_id=clinic_id) & ~Q(
            phase=Phase.CLOSED
        )
    locking = Episode.objects.select_for_update(no_key=True, of=("self",)).filter(rows)
    list(locking.order_by("pk").values_list("pk", flat=True))
    # Read again in a statement of its own, after any wait: as stored now.
    return Episode.objects.select_related("client__clinic").get(pk=episode.pk)


@transaction.atomic
def appointment_create(
    *,
    actor,
    episode: Episode,
    starts_at: datetime,
    modality: str = Modality.IN_PERSON,
    duration_minutes: int = 50,
    accepted_clashes: Collection[int] | None = None,
    request=None,
) -> Appointment:
    """Book an appointment for ``episode``.

    ``accepted_clashes``: the bookings the user was warned this one clashes with, and
    accepted (``forms.AppointmentForm``; empty when the page warned of none). They are
    checked again here, under the locks (:func:`_locked_for_booking`): a clashing booking
    made since the form checked, which nobody was warned of, refuses the booking with
    :class:`ClashNotConfirmed` and nothing is stored. None skips that check (a caller that
    warns of nothing: scripts, the demo). The same episode at the same time is refused
    whatever is accepted.
    """
    episode = _locked_for_booking(episode, with_the_diary=accepted_clashes is not None)
    _require_open(episode)
    validate_care_date("starts_at", starts_at.date())
    if starts_at.date() < episode.started_on:
        raise ValidationError({"starts_at": "The appointment is before the episode started."})
    if _booked_at(episode, starts_at).exists():
        # Twice at one time is a double booking (or a double click): it would count twice
        # in attendance and in the check-ins expected. A cancelled session frees its slot.
        raise ValidationError({"starts_at": _ALREADY_BOOKED})
    if accepted_clashes is not None:
        clashing = {a.pk for a in clashing_appointments(episode, starts_at, duration_minutes)}
        not_warned_of = clashing - set(accepted_clashes)
        if not_warned_of:
            raise ClashNotConfirmed(not_warned_of)
    try:
        with transaction.atomic():  # a savepoint: the refusal below leaves the outer one usable
            appointment = Appointment.objects.create(
                episode=episode,
                starts_at=starts_at,
                modality=modality,
                duration_minutes=duration_minutes,
            )
    except IntegrityError:
        # The check above missed a booking (one stored at once by a writer that took no
        # lock): the database's one_appointment_at_a_time let only the first in.
        if not _booked_at(episode, starts_at).exists():
            raise
        raise ValidationError({"starts_at": _ALREADY_BOOKED}) from None
    audit_record(
        actor=actor,
        action=Action.CREATE,
        target=f"appointment:{appointment.pk}",
        client_id=episode.client_id,
        request=request,
    )
    return appointment


def locked_appointment(appointment_id: int) -> Appointment:
    """The appointment read again with its row locked until the transaction ends, and its
    episode (with client and clinic) likewise, for a write that decides on what they hold.

    Lock order, the same for every writer of a session's record, so that none waits for
    another that waits for it (a deadlock, which the database breaks by failing one):
    **the episode row, then the appointment row, then its check-in links' rows.**
    ``episode_end`` locks the episode, then cancels appointments, then revokes links;
    ``appointment_create`` locks the episode (and the therapist's other open episodes, in
    id order) before it checks the slot and the clashes and inserts;
    ``appointment_record_attendance`` (for anything but a cancelling, which may bring a
    cancelled session back) first locks the therapist's open episodes as a booking does,
    then locks here, then revokes the session's links (check-ins listens);
    ``checkins.services.checkin_create`` and ``checkin_submit`` lock
    here before the link; ``measures.services.response_record`` locks here for any answer
    given for an appointment (a link, an import, a staff entry), and an import locks its
    clients' episodes first, in id order (``checkins.services.responses_import``). A
    rating and a marking as not attended of one session so wait for each other, and the
    second decides on what the first stored (``_check_not_rated``).
    The episode comes first also because a new answer or link refers to it: PostgreSQL
    checks that reference with a lock that waits for the ending's. On SQLite the
    transaction's write lock (``BEGIN IMMEDIATE``) serialises them instead.
    """
    episode_id = Appointment.objects.values_list("episode_id", flat=True).get(pk=appointment_id)
    # Statements of their own: a join in a locking query could still show the other row as
    # it was before the lock wait (PostgreSQL, read committed).
    episode = (
        Episode.objects.select_for_update(of=("self",))
        .select_related("client__clinic")
        .get(pk=episode_id)
    )
    appointment = Appointment.objects.select_for_update().get(pk=appointment_id)
    appointment.episode = episode
    return appointment


@transaction.atomic
def appointment_record_attendance(
    *,
    actor,
    appointment: Appointment,
    attendance: str,
    cancelled_by: str = "",
    request=None,
    now: datetime | None = None,
) -> Appointment:
    """Record what happened to a session, or keep or cancel one still to come.

    ``cancelled_by`` (``CancelledBy``) says who cancelled a cancelled one: only the client's
    cancellations count towards dropout risk (monitoring.series). Not given, it is "not
    recorded", counted as before; it is emptied for anything but a cancellation."""
    if attendance not in Attendance.values:
        raise ValidationError({"attendance": "Choose what happened."})
    if cancelled_by and cancelled_by not in CancelledBy.values:
        raise ValidationError({"cancelled_by": "Choose who cancelled the appointment."})
    # Who cancelled belongs to a cancellation only; not said, it is not recorded.
    cancelled = attendance == Attendance.CANCELLED
    cancelled_by = (cancelled_by or CancelledBy.UNKNOWN) if cancelled else ""
    now = now or timezone.now()
    if attendance != Attendance.CANCELLED:
        # Anything but a cancelling may bring a cancelled session back into the diary: the
        # therapist's open episodes are locked first, in id order, as a booking locks them
        # (the episode before the session, as locked_appointment goes on), so that a
        # booking made meanwhile and this restoring each see the other (_check_no_clash).
        _locked_for_booking(appointment.episode, with_the_diary=True)
    # Locked and read again: a rating of this session being stored now (checkin_submit
    # takes the same locks) is either committed, and refused below, or waits for this.
    stored = locked_appointment(appointment.pk)
    appointment.attendance, appointment.episode = stored.attendance, stored.episode
    if not appointment.episode.is_open and appointment.attendance != Attendance.SCHEDULED:
        # An ended episode is a closed record: only a past session nobody marked may still
        # be completed, once.
        raise ValidationError(
            "This episode has ended and its recorded sessions can no longer be changed."
        )
    if attendance in (Attendance.ATTENDED, Attendance.NO_SHOW) and appointment.starts_at > now:
        raise ValidationError(
            {"attendance": "This appointment has not happened yet: it can only be cancelled."}
        )
    if attendance in MISSED:
        _check_not_rated(appointment)
    if attendance != Attendance.CANCELLED:
        _check_slot_still_free(appointment)
        if appointment.attendance == Attendance.CANCELLED:
            _check_no_clash(appointment)
    before, appointment.attendance = appointment.attendance, attendance
    before_by, appointment.cancelled_by = appointment.cancelled_by, cancelled_by
    try:
        with transaction.atomic():  # a savepoint: the refusal below leaves the outer one usable
            appointment.save(update_fields=["attendance", "cancelled_by"])
    except IntegrityError:
        appointment.attendance, appointment.cancelled_by = before, before_by
        _check_slot_still_free(appointment)  # another request rebooked the slot meanwhile
        raise
    # A first attended session moves a new relationship from establishing onwards only by
    # the therapist's choice, so the phase is left alone here.
    audit_record(
        actor=actor,
        action=Action.UPDATE,
        target=f"appointment:{appointment.pk}",
        client_id=appointment.episode.client_id,
        request=request,
    )
    _after_attendance_change(appointment)
    return appointment


def appointment_deletion_refusal(appointment: Appointment, now: datetime | None = None) -> str:
    """Why this appointment cannot be deleted as booked in error, or "" when it can.

    A booking made in error (the wrong year, the wrong client) could only be cancelled, and
    a cancellation is part of the record (it counts in attendance). Deleting is for what
    never was a session: one still to come, of an open episode, with nothing sent or given
    for it: no check-in link, no answer, no transcript (any row that refers to it; clinic
    reads them through the relations, importing no other app). It must still be
    ``scheduled``: one already recorded as cancelled is part of the record (the client's
    own cancellations count towards dropout risk), and deleting it would quietly lower
    that risk."""
    now = now or timezone.now()
    if not appointment.episode.is_open:
        return "This episode has ended and its appointments can no longer be changed."
    if appointment.attendance != Attendance.SCHEDULED:
        return (
            f"This appointment is recorded as {appointment.get_attendance_display().lower()}, "
            "and that stays as recorded: only an appointment still scheduled can be deleted "
            "as booked in error. A cancellation is part of the attendance record."
        )
    if appointment.starts_at <= now:
        return (
            "Only an appointment still to come can be deleted. This one has started: record "
            "what happened instead (attended, did not attend or cancelled)."
        )
    for relation in Appointment._meta.related_objects:
        if relation.related_model._default_manager.filter(
            **{relation.field.name: appointment}
        ).exists():
            return (
                "Something was sent or given for this appointment (a check-in link, an answer "
                "or a transcript), so it cannot be deleted: cancel it instead."
            )
    return ""


@transaction.atomic
def appointment_delete(
    *, actor, appointment: Appointment, request=None, now: datetime | None = None
) -> None:
    """Delete an appointment booked in error (``appointment_deletion_refusal`` says which
    can be): it is gone from attendance and counts nowhere; the audit log keeps that it
    existed, when it was booked for, and who deleted it. Locked as every writer of a
    session's record locks it (``locked_appointment``): a check-in link being sent for it
    meanwhile either is committed, and refuses this, or waits and finds the appointment
    gone. Deleting a booking made in error is the booking therapist's act: only the
    client's own therapist may (a supervisor may still cancel it through attendance)."""
    stored = locked_appointment(appointment.pk)
    if getattr(actor, "pk", None) != stored.episode.client.therapist_id:
        raise PermissionDenied("Only the client's own therapist can delete an appointment.")
    refusal = appointment_deletion_refusal(stored, now)
    if refusal:
        raise ValidationError(refusal)
    pk, client_id = stored.pk, stored.episode.client_id
    # The start, in UTC, stays in the log: the row is all that remains of the booking.
    starts = stored.starts_at.astimezone(UTC).isoformat(timespec="minutes")
    stored.delete()
    audit_record(
        actor=actor,
        action=Action.DELETE,
        target=f"appointment:{pk}:{starts}",
        client_id=client_id,
        request=request,
    )


def _check_not_rated(appointment: Appointment) -> None:
    """A session the client rated (an after-session check-in, an alliance measure) is not
    recorded as missed or cancelled: they almost certainly came to it, and monitoring would
    count it both as a rated session and as a missed appointment (dropout risk). The
    ratings come from check-ins, through ``core.hooks`` (clinic does not import them)."""
    rating = hooks.session_rating(appointment)
    if rating is None:
        return
    answered = timezone.localtime(rating.answered_at).date()
    raise ValidationError(
        {
            "attendance": f"The client rated this session on {_day(answered)} "
            f"({rating.label}), so it cannot be marked as not attended: a client who rated "
            "a session came to it. Ratings cannot be withdrawn in Rapport; if this one was "
            "given by mistake, keep the session as attended and tell your clinic admin."
        }
    )


def _check_slot_still_free(appointment: Appointment) -> None:
    """A cancelled appointment whose time was booked again cannot come back as well: the
    session would be there twice (one_appointment_at_a_time)."""
    if _booked_at(appointment.episode, appointment.starts_at, besides=appointment).exists():
        raise ValidationError(
            {
                "attendance": "This session was booked again at the same time: record what "
                "happened on that appointment instead."
            }
        )


#: Said when a cancelled session would come back over another booking.
RESTORE_CLASHES = (
    "This session was cancelled and its time now clashes with another booking, so it was "
    "not restored. To keep both, book the session again: the booking page lets you "
    "confirm a clash."
)


class RestoreClashes(ValidationError):
    """A cancelled session cannot come back: its time clashes with other bookings (the
    therapist's, or the client's own that day), which nobody confirmed. ``appointments``
    are those bookings (with their clients: not to be shown to a user as they are)."""

    def __init__(self, appointments: Collection[Appointment]) -> None:
        super().__init__({"attendance": RESTORE_CLASHES})
        self.appointments = sorted(appointments, key=lambda a: (a.starts_at, a.pk))


def _check_no_clash(appointment: Appointment) -> None:
    """A cancelled session brought back is a booking again: the clashes the booking page
    would have warned of refuse it here (a warning to tick is the booking page's; here
    the session is booked again there). The same episode at the same time is
    :func:`_check_slot_still_free`'s."""
    clashing = clashing_appointments(
        appointment.episode, appointment.starts_at, appointment.duration_minutes
    )
    if clashing:
        raise RestoreClashes(clashing)


def _after_attendance_change(appointment: Appointment) -> None:
    """Hook for monitoring (attendance feeds dropout risk) and check-ins (links)."""
    hooks.attendance_changed(appointment)


def _after_episode_end(episode: Episode) -> None:
    hooks.episode_ended(episode)


def clinic_update(*, actor, clinic: Clinic, request=None, **fields) -> Clinic:
    allowed = {
        "name",
        "require_mfa",
        "crisis_text",
        "sharing_text",
        "transcript_retention_days",
    }
    unknown = set(fields) - allowed
    if unknown:
        raise TypeError(f"cannot update {sorted(unknown)}")
    # The names of the settings changed, never their values (the crisis text is the
    # clinic's words): "clinic-settings" alone did not say what an admin changed.
    changed = [name for name, value in fields.items() if getattr(clinic, name) != value]
    for name, value in fields.items():
        setattr(clinic, name, value)
    clinic.save()
    target = f"clinic-settings:{','.join(changed) or 'unchanged'}"
    audit_record(actor=actor, action=Action.UPDATE, target=target, request=request)
    return clinic
