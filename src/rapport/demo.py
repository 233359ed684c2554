"""The demo clinic: synthetic people only, seeded idempotently (``rapport demo``).

Running the seed twice changes nothing: everything hangs off one clinic, created once.
Other packages extend the demo (check-in responses, transcripts) through
:func:`register_demo_extension`.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from rapport.accounts.models import Role, SupervisionLink, User
from rapport.clinic.models import (
    Appointment,
    Attendance,
    AttendanceBasis,
    Client,
    Clinic,
    EndReason,
    Episode,
    Goal,
    Modality,
    Phase,
)

__all__ = ["DEMO_CLINIC_NAME", "DEMO_PASSWORD", "register_demo_extension", "seed_demo"]

DEMO_CLINIC_NAME = "Rapport Demo Clinic"
DEMO_PASSWORD = "rapport-demo"  # noqa: S105 - documented demo credential
SEED = 20261127

# Invented names, not real people.
FIRST_NAMES = [
    "Ada",
    "Bram",
    "Cleo",
    "Dario",
    "Elin",
    "Farah",
    "Gus",
    "Hana",
    "Ivo",
    "Juno",
    "Kai",
    "Lena",
    "Milo",
    "Nora",
    "Otto",
    "Pia",
    "Quinn",
    "Rafa",
    "Suri",
    "Teo",
    "Uma",
    "Vik",
    "Wren",
    "Xena",
    "Yara",
    "Zeno",
    "Alba",
    "Bo",
    "Cyra",
    "Dov",
]
LAST_INITIALS = "ABCDEFGHJKLMNPRSTVW"
GOALS = [
    "Sleep through the night without lying awake worrying",
    "Go back to my evening class without panicking",
    "Stop snapping at my kids when I'm tired",
    "Feel less alone since the move",
    "Work out whether I want to stay in my job",
    "Drink less on weekdays",
    "Talk to my sister again",
    "Get out of the house most days",
    "Understand why I keep shutting down in arguments",
    "Cope with my dad's illness without falling apart",
]
REFERRALS = [
    "GP",
    "Self-referral",
    "Employee assistance programme",
    "Court order",
    "School nurse",
    "Family",
]

#: The demo clinic's crisis contacts: labelled as made up, so nobody takes them for a real
#: service, yet set, so the demo shows the client's pages as a clinic that has set its own
#: (and no "crisis contacts not set" warnings where a real clinic would have none). The
#: number is in Ofcom's range kept for drama (0808 157 0000 to 0999), which reaches nobody:
#: the client's page makes it tap-to-call, and a real-looking 0800 number could be someone's.
DEMO_CRISIS_TEXT = "Demo Crisis Line (not a real service): 0808 157 0123"

_extensions: list[Callable[[Clinic, random.Random], None]] = []


def register_demo_extension(extension: Callable[[Clinic, random.Random], None]) -> None:
    if extension not in _extensions:
        _extensions.append(extension)


def seed_demo(*, now: datetime | None = None) -> tuple[Clinic, bool]:
    """Create the demo clinic if it does not exist. Returns (clinic, created)."""
    existing = Clinic.objects.filter(name=DEMO_CLINIC_NAME).first()
    if existing is not None:
        return existing, False
    with transaction.atomic():
        clinic = Clinic.objects.create(name=DEMO_CLINIC_NAME, crisis_text=DEMO_CRISIS_TEXT)
        staff = _create_staff(clinic)
        rng = random.Random(SEED)
        _create_clients(clinic, staff, rng, now or timezone.now())
        for extension in _extensions:
            extension(clinic, rng)
    return clinic, True


def _create_staff(clinic: Clinic) -> dict[str, User]:
    specs = [
        ("alex@demo.test", "Alex Rivera", Role.THERAPIST, False),
        ("sam@demo.test", "Sam Okafor", Role.THERAPIST, True),
        ("morgan@demo.test", "Morgan Lee", Role.SUPERVISOR, False),
        ("admin@demo.test", "Demo Admin", Role.ADMIN, False),
    ]
    staff = {}
    for email, name, role, trainee in specs:
        user = User(email=email, full_name=name, role=role, clinic=clinic, is_trainee=trainee)
        user.set_password(DEMO_PASSWORD)
        user.save()
        staff[email.split("@")[0]] = user
    for supervisee in (staff["alex"], staff["sam"]):
        SupervisionLink.objects.create(supervisor=staff["morgan"], supervisee=supervisee)
    return staff


def _phase_plan(index: int) -> str:
    # Roughly: a third establishing, a third maintaining, some ending, some closed.
    return [Phase.ESTABLISHING, Phase.MAINTAINING, Phase.MAINTAINING, Phase.ENDING, Phase.CLOSED][
        index % 5
    ]


def _create_clients(
    clinic: Clinic, staff: dict[str, User], rng: random.Random, now: datetime
) -> None:
    therapists = [staff["alex"], staff["sam"]]
    today = timezone.localdate(now)
    for index, first in enumerate(FIRST_NAMES):
        therapist = therapists[index % 2]
        slot = index // 2  # this client's place in the therapist's week
        client = Client.objects.create(
            clinic=clinic,
            therapist=therapist,
            display_name=f"{first} {LAST_INITIALS[index % len(LAST_INITIALS)]}.",
            birth_year=today.year - rng.randint(17, 72),
            email=f"{first.lower()}@example.invalid",
        )
        phase = _phase_plan(index)
        _create_episode(client, phase, rng, now, today, slot=slot)


def _create_episode(
    client: Client, phase: str, rng: random.Random, now: datetime, today, *, slot: int
) -> Episode:
    weeks_ago = {
        Phase.ESTABLISHING: rng.randint(1, 4),
        Phase.MAINTAINING: rng.randint(8, 24),
        Phase.ENDING: rng.randint(14, 26),
        Phase.CLOSED: rng.randint(16, 26),
    }[Phase(phase)]
    started_on = today - timedelta(weeks=weeks_ago)
    mandated = rng.random() < 0.2
    episode = Episode.objects.create(
        client=client,
        phase=Phase.ESTABLISHING if phase == Phase.CLOSED else phase,
        attendance_basis=rng.choice(
            [
                AttendanceBasis.MANDATED_LEGAL,
                AttendanceBasis.MANDATED_WORK,
                AttendanceBasis.MANDATED_FAMILY,
            ]
        )
        if mandated
        else AttendanceBasis.VOLUNTARY,
        referral_source=rng.choice(REFERRALS),
        started_on=started_on,
    )
    for text in rng.sample(GOALS, rng.randint(1, 3)):
        Goal.objects.create(episode=episode, text=text)
    last_session = _create_appointments(
        episode, rng, now, started_on, closed=phase == Phase.CLOSED, slot=slot
    )
    if phase == Phase.CLOSED:
        episode.phase = Phase.CLOSED
        episode.ended_on = last_session
        episode.end_reason = rng.choice(
            [EndReason.PLANNED, EndReason.PLANNED, EndReason.DROPPED_OUT, EndReason.REFERRED]
        )
        episode.ending_summary = "Reviewed goals together; agreed how to keep going."
        episode.save()
    return episode


#: A therapist's weekly hours in the demo: each client has one of them, on one of three days.
DEMO_HOURS = (9, 10, 11, 14, 15, 16)
SESSION_MINUTES = Appointment._meta.get_field("duration_minutes").default


def _create_appointments(
    episode: Episode, rng: random.Random, now: datetime, started_on, *, closed: bool, slot: int
):
    """Weekly sessions from the start, each client of a therapist at their own weekday and
    hour (the booking form refuses a clash, so the demo has none); sessions over by now
    attended (a few missed), the rest booked."""
    rng.choice(
        [9, 10, 11, 14, 15, 16, 17]
    )  # the hour once drawn: the later draws stay as they were
    hour = DEMO_HOURS[slot % len(DEMO_HOURS)]
    tz = timezone.get_current_timezone()
    modality = rng.choice([Modality.IN_PERSON, Modality.IN_PERSON, Modality.VIDEO, Modality.PHONE])
    day = started_on + timedelta(days=slot // len(DEMO_HOURS))
    last_session = started_on
    end = timezone.localdate(now) + timedelta(days=14)
    if closed:
        end = started_on + timedelta(weeks=rng.randint(4, 10))
    rows = []
    while day <= end:
        starts_at = timezone.make_aware(datetime.combine(day, time(hour, 0)), tz)
        # Over, and its after-session check-in (10 minutes after the end) already sent: a
        # session still running is not yet attended, nor answered in the future.
        if starts_at + timedelta(minutes=SESSION_MINUTES + 10) <= now:
            roll = rng.random()
            attendance = (
                Attendance.ATTENDED
                if roll > 0.15
                else (Attendance.CANCELLED if roll > 0.07 else Attendance.NO_SHOW)
            )
            last_session = day
        else:
            attendance = Attendance.SCHEDULED
        rows.append(
            Appointment(
                episode=episode, starts_at=starts_at, modality=modality, attendance=attendance
            )
        )
        day += timedelta(days=7)
    Appointment.objects.bulk_create(rows)
    return last_session
