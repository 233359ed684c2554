"""Reads for check-ins: the link behind a token, schedules, and a client's check-ins.

Staff-facing reads take an already-scoped object (from ``rapport.clinic.selectors``). The
token lookup is the only read without a user: the token itself is the credential.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Max, Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.checkins.instruments import GOALS, SESSION_CHECKIN
from rapport.checkins.models import (
    NONE,
    OPEN_REFUSED_RISK,
    CheckIn,
    ClinicSchedule,
    EpisodeSchedule,
    RefusedRiskAnswer,
    RevokedBecause,
    Timing,
)
from rapport.checkins.services import sendable_from, session_ends
from rapport.checkins.tokens import hash_token, looks_like_token
from rapport.clinic.models import MISSED, SHIPPED_CRISIS_TEXTS, Appointment, Phase
from rapport.clinic.selectors import clients_for
from rapport.core.hooks import SessionRating
from rapport.measures.errors import InstrumentNotFound
from rapport.measures.models import Response
from rapport.measures.registry import all_instruments, get_instrument

__all__ = [
    "EPISODE_ENDED",
    "Schedule",
    "TokenLookup",
    "answered_before",
    "answered_by_appointment",
    "appointment_current_or_next",
    "appointments_for_checkins",
    "checkin_for_token",
    "checkins_for_client",
    "clients_with_open_refused_risk",
    "crisis_text_missing",
    "crisis_text_settings_note",
    "replaced_link",
    "clinic_schedule",
    "episode_override",
    "episode_schedule",
    "get_checkin_for_user",
    "get_refused_risk_answer_for_user",
    "HandOver",
    "hand_over_for",
    "refused_risk_answers_for_user",
    "instrument_label",
    "link_status",
    "rating_of_the_session",
]


#: A link not used, revoked or expired whose episode of care has ended: it cannot be
#: answered either (``services.checkin_submit`` refuses it), so it is not "open".
EPISODE_ENDED = "episode_ended"


@dataclass(frozen=True)
class TokenLookup:
    """``checkin`` is set when the token matches a link; ``usable`` when it may be answered."""

    checkin: CheckIn | None
    status: str  # "open", "used", "expired", "revoked", "episode_ended" or "unknown"

    @property
    def usable(self) -> bool:
        return self.status == "open"


def link_status(checkin: CheckIn, *, now: datetime) -> str:
    """The link's status as the client would find it: ``CheckIn.status``, except that a
    link of an ended episode is ``"episode_ended"`` rather than open. Ending an episode
    revokes its links, but one closed any other way (a shell, an import) leaves them
    unrevoked, and ``checkin_submit`` refuses them all the same: calling such a link open
    would tell the therapist the client can still answer it."""
    status = checkin.status(now)
    if status == "open" and checkin.appointment.episode.phase == Phase.CLOSED:
        return EPISODE_ENDED
    return status


def checkin_for_token(token: str, *, now: datetime | None = None) -> TokenLookup:
    if not looks_like_token(token):
        return TokenLookup(None, "unknown")
    checkin = (
        CheckIn.objects.select_related(
            "client", "client__clinic", "appointment", "appointment__episode", "response"
        )
        .filter(token_hash=hash_token(token))
        .first()
    )
    if checkin is None:
        return TokenLookup(None, "unknown")
    return TokenLookup(checkin, link_status(checkin, now=now or timezone.now()))


@dataclass(frozen=True)
class Schedule:
    """Which instrument (id, or "" for none) before and after each appointment."""

    before: str
    after: str
    before_is_default: bool = True
    after_is_default: bool = True

    def for_timing(self, timing: str) -> str:
        return self.before if timing == Timing.BEFORE else self.after


def clinic_schedule(clinic) -> Schedule:
    stored = ClinicSchedule.objects.filter(clinic=clinic).first() or ClinicSchedule(clinic=clinic)
    return Schedule(stored.before_instrument, stored.after_instrument)


def _pick(own: str, default: str) -> tuple[str, bool]:
    """An episode's choice for one slot: "" keeps the clinic's, "none" switches it off."""
    if not own:
        return default, True
    return ("" if own == NONE else own), False


def episode_schedule(episode) -> Schedule:
    """The clinic default with the episode's overrides ("none" switches a slot off)."""
    default = clinic_schedule(episode.client.clinic)
    override = EpisodeSchedule.objects.filter(episode=episode).first()
    if override is None:
        return default
    before, before_default = _pick(override.before_instrument, default.before)
    after, after_default = _pick(override.after_instrument, default.after)
    return Schedule(before, after, before_default, after_default)


def after_session_instruments(episodes) -> dict[int, str]:
    """What each episode asks after its appointments ("" for nothing), in two queries:
    the instrument whose silence is worth noticing (episodes with client loaded)."""
    clinic_ids = {e.client.clinic_id for e in episodes}
    clinic_after = dict(
        ClinicSchedule.objects.filter(clinic_id__in=clinic_ids).values_list(
            "clinic_id", "after_instrument"
        )
    )
    own = dict(
        EpisodeSchedule.objects.filter(episode__in=episodes).values_list(
            "episode_id", "after_instrument"
        )
    )
    default = ClinicSchedule().after_instrument
    return {
        e.pk: _pick(own.get(e.pk, ""), clinic_after.get(e.client.clinic_id, default))[0]
        for e in episodes
    }


def instrument_label(instrument_id: str) -> str:
    try:
        return get_instrument(instrument_id).short_title
    except InstrumentNotFound:
        return instrument_id


def checkins_for_client(client, *, limit: int = 10) -> list[CheckIn]:
    return list(
        CheckIn.objects.filter(client=client)
        .select_related("appointment")
        .order_by("-created_at", "-pk")[:limit]
    )


def _live(client):
    """Appointments a check-in can still be for: of an open episode, not missed."""
    return (
        Appointment.objects.filter(episode__client=client)
        .exclude(episode__phase=Phase.CLOSED)
        .exclude(attendance__in=MISSED)
    )


def appointment_current_or_next(
    client, *, about_the_session: bool = False, now: datetime | None = None
) -> Appointment | None:
    """The appointment a check-in is for.

    A questionnaire asked before a session (how the client has been): the one under way,
    else the next one booked, else one that started in the last 24 hours. A check-in about
    the session (asked after it, or an alliance measure, ``about_the_session``): the one
    under way, else the latest that started in the last 24 hours, and only then the next
    one. It rates a session that has happened, so it cannot be sent for one still ahead
    (see ``services._check_session_has_started``): preferring the next appointment would
    refuse the check-in after today's session as soon as next week's is booked.
    Cancelled and missed appointments are never chosen.
    """
    now = now or timezone.now()
    candidates = list(
        _live(client)
        .filter(starts_at__gte=now - timedelta(hours=24))
        .select_related("episode")
        .order_by("starts_at", "pk")
    )
    for appointment in candidates:
        ends = appointment.starts_at + timedelta(minutes=appointment.duration_minutes)
        if appointment.starts_at <= now <= ends:
            return appointment
    upcoming = [a for a in candidates if a.starts_at > now]
    recent = [a for a in candidates if a.starts_at <= now]
    first, then = (recent[-1:], upcoming[:1]) if about_the_session else (upcoming[:1], recent[-1:])
    chosen = first or then
    return chosen[0] if chosen else None


def appointments_for_checkins(client, *, now: datetime | None = None) -> list[Appointment]:
    """The appointments a therapist most likely wants a check-in for: the last two that took
    place (or should have) and the next two, oldest first.

    Each carries what the *Send a check-in* table needs: ``checkin_started`` (a check-in
    about the session can be sent only once it has begun), ``checkin_before_over`` (the
    session has ended: too late for a questionnaire before it), ``checkin_sendable_from`` (set
    while the appointment is too far ahead for a link, which lasts two weeks at most) and
    ``checkin_answered`` (instrument id -> when it was last answered for this appointment).
    """
    now = now or timezone.now()
    live = _live(client).select_related("episode")
    past = list(live.filter(starts_at__lte=now).order_by("-starts_at", "-pk")[:2])
    future = list(live.filter(starts_at__gt=now).order_by("starts_at", "pk")[:2])
    appointments = [*reversed(past), *future]
    return _with_checkin_state(appointments, answered_by_appointment(appointments), now)


def _with_checkin_state(appointments, answered, now):
    # Untyped on purpose, like the panel's other row decorations: plain attributes for the
    # template, which cannot look a dict up by a variable key.
    for appointment in appointments:
        appointment.checkin_started = appointment.starts_at <= now
        # A questionnaire before the session can be sent until it ends (services.
        # _check_session_is_still_ahead): afterwards its answers would stand for that session.
        appointment.checkin_before_over = session_ends(appointment) <= now
        ready = sendable_from(appointment)
        appointment.checkin_sendable_from = ready if ready > now else None
        appointment.checkin_answered = {
            instrument_id: at
            for (appointment_id, instrument_id), at in answered.items()
            if appointment_id == appointment.pk
        }
    return appointments


def answered_by_appointment(appointments) -> dict[tuple[int, str], datetime]:
    """When each questionnaire was last answered for each of these (already scoped)
    appointments: ``{(appointment id, instrument id): administered_at}``."""
    rows = (
        Response.objects.filter(appointment__in=[a.pk for a in appointments])
        .values("appointment_id", "instrument_id")
        .annotate(latest=Max("administered_at"))
        .order_by()
    )
    return {(row["appointment_id"], row["instrument_id"]): row["latest"] for row in rows}


def answered_before(checkin: CheckIn) -> Response | None:
    """The latest other response to the same questionnaire for the same appointment as this
    check-in (answered through another link, the tablet, an import or the API), if any."""
    others = Response.objects.filter(
        appointment_id=checkin.appointment_id, instrument_id=checkin.instrument_id
    )
    if checkin.response_id is not None:
        others = others.exclude(pk=checkin.response_id)
    return others.order_by("-administered_at", "-pk").first()


def get_checkin_for_user(user, checkin_id) -> CheckIn:
    try:
        return CheckIn.objects.select_related("client").get(
            pk=int(checkin_id), client__in=clients_for(user)
        )
    except (CheckIn.DoesNotExist, ValueError, TypeError):
        raise Http404("No such check-in") from None


def get_refused_risk_answer_for_user(user, notice_id) -> RefusedRiskAnswer:
    """A risk answer sent on a link that could no longer be used, of a client ``user`` may
    see (with its client and whoever followed it up), or 404."""
    try:
        return RefusedRiskAnswer.objects.select_related("client", "reviewed_by").get(
            pk=int(notice_id), client__in=clients_for(user)
        )
    except (RefusedRiskAnswer.DoesNotExist, ValueError, TypeError):
        raise Http404("No such notice") from None


def refused_risk_answers_for_user(
    user, client
) -> tuple[list[RefusedRiskAnswer], list[RefusedRiskAnswer]]:
    """The client's refused risk answers, if ``user`` may see the client (else none): open
    ones (newest first), and those followed up (latest follow-up first, with who recorded
    it; the notes decrypt on read)."""
    notices = RefusedRiskAnswer.objects.filter(
        client=client, client__in=clients_for(user)
    ).select_related("reviewed_by")
    open_ones = [n for n in notices if n.reviewed_at is None]
    done = sorted(
        (n for n in notices if n.reviewed_at is not None),
        key=lambda n: (n.reviewed_at, n.pk),
        reverse=True,
    )
    return open_ones, done


def episode_override(episode) -> dict[str, str]:
    """The episode's own choices as stored ("" = clinic default, "none" = nothing)."""
    override = EpisodeSchedule.objects.filter(episode=episode).first()
    if override is None:
        return {"before_instrument": "", "after_instrument": ""}
    return {
        "before_instrument": override.before_instrument,
        "after_instrument": override.after_instrument,
    }


def rating_of_the_session(appointment) -> SessionRating | None:
    """The client's first stored rating of this (already scoped) appointment's session: an
    answer given for it to an alliance measure, which asks about the session (the session
    check-in, the SRS, the WAI-SR; through a link, the tablet, an import or the API), or to
    any questionnaire asked after the session. The same test as the one that revokes a
    missed session's links (``services._rates_the_session``). Registered as the
    ``core.hooks.session_rating`` finder: the clinic refuses to mark a session the client
    rated as not attended (it would count as rated and as missed in monitoring)."""
    rating = (
        Response.objects.filter(appointment=appointment)
        .filter(Q(instrument_id__in=_alliance_ids()) | Q(checkin__timing=Timing.AFTER))
        # The client's goals say nothing about the session, whatever the link's timing.
        .exclude(instrument_id=GOALS)
        .select_related("checkin")
        .order_by("administered_at", "pk")
        .first()
    )
    if rating is None:
        return None
    return SessionRating(answered_at=rating.administered_at, label=_how_rated(rating))


def clients_with_open_refused_risk(clients) -> set[int]:
    """Of ``clients`` (already scoped: a queryset or a list), the ids of those with a risk
    answer sent on a link that could no longer be used that nobody has followed up yet
    (:class:`~rapport.checkins.models.RefusedRiskAnswer`). Nothing of it was stored, so this
    notice is the only way it reaches anyone: it puts the client first on the caseload and
    keeps the monitoring panel from reading as all-clear, as a stored risk answer does.
    Registered as a ``core.hooks.on_open_risk_notices`` provider; one query, on the partial
    index of open notices."""
    rows = RefusedRiskAnswer.objects.filter(OPEN_REFUSED_RISK, client__in=clients)
    return set(rows.order_by().values_list("client_id", flat=True))


def _alliance_ids() -> list[str]:
    return [instrument.id for instrument in all_instruments() if instrument.kind == "alliance"]


def _how_rated(response: Response) -> str:
    """ "after-session check-in" for the session check-in or a link asked after the session
    (naming another questionnaire, e.g. "SRS, after-session check-in"), else the measure."""
    checkin = getattr(response, "checkin", None)
    after = response.instrument_id == SESSION_CHECKIN or (
        checkin is not None and checkin.timing == Timing.AFTER
    )
    if not after:
        return instrument_label(response.instrument_id)
    if response.instrument_id == SESSION_CHECKIN:
        return _("after-session check-in")
    return _("%(name)s, after-session check-in") % {
        "name": instrument_label(response.instrument_id)
    }


def _risk_instrument_names() -> dict[str, str]:
    """Instruments with a risk item (PHQ-9 item 9, CORE-10 item 6), by id."""
    return {i.id: i.short_title for i in all_instruments() if i.risk_items}


def crisis_text_missing(clinic, instrument_id: str) -> bool:
    """A measure with a risk item is sent, but the clinic's crisis text is still one Rapport
    shipped (it names no line or number): a client who answers the risk item at risk is
    told only to contact the clinic and to call the emergency number."""
    return (
        instrument_id in _risk_instrument_names()
        and clinic.crisis_text.strip() in SHIPPED_CRISIS_TEXTS
    )


def crisis_text_settings_note(clinic) -> str:
    """The clinic settings page's warning (through ``core.hooks.on_clinic_settings_note``):
    measures with a risk item have been sent, and the clinic has not set its own crisis
    text. Names instruments only, never a client."""
    if clinic.crisis_text.strip() not in SHIPPED_CRISIS_TEXTS:
        return ""
    names = _risk_instrument_names()
    # Links actually sent: a schedule alone sends nothing, and a clinic that never uses
    # a risk measure needs no warning.
    used = set(
        CheckIn.objects.filter(client__clinic=clinic, instrument_id__in=list(names))
        .values_list("instrument_id", flat=True)
        .distinct()
    )
    if not used:
        return ""
    return _(
        "Clients have been sent questionnaires with a question about risk (%(names)s), but "
        "the crisis text below is still the one Rapport ships: it names no crisis line or "
        "phone number. Enter your clinic's own crisis line or phone number, so a client who "
        "answers the risk question at risk knows whom to call."
    ) % {"names": ", ".join(sorted(names[i] for i in used))}


def replaced_link(checkin: CheckIn) -> CheckIn | None:
    """The open link this one replaced when it was made (the therapist pressed *Link* again
    for the same session and questionnaire): ``checkin_create`` revokes it in the same
    transaction, just before this one is stored."""
    return (
        CheckIn.objects.filter(
            appointment_id=checkin.appointment_id,
            instrument_id=checkin.instrument_id,
            revoked_because=RevokedBecause.REPLACED,
            revoked_at__lte=checkin.created_at,
            revoked_at__gte=checkin.created_at - timedelta(minutes=1),
        )
        .exclude(pk=checkin.pk)
        .order_by("-revoked_at")
        .first()
    )


@dataclass(frozen=True)
class HandOver:
    """What handing the tablet over for a questionnaire would undo (tablet mode goes straight
    to the questions and never shows the link page, which says it): the open links of the
    same appointment and questionnaire, which making the tablet's link revokes (one live
    link each, ``services.checkin_create``), and an answer already stored for them, which a
    new answer replaces in Monitoring."""

    open_links: tuple[CheckIn, ...]
    earlier: Response | None

    @property
    def needs_confirming(self) -> bool:
        return bool(self.open_links) or self.earlier is not None

    @property
    def fingerprint(self) -> str:
        """What the therapist confirmed: a link made or answered meanwhile asks again."""
        links = ",".join(str(link.pk) for link in self.open_links)
        return f"links:{links};answer:{self.earlier.pk if self.earlier else ''}"


def hand_over_for(appointment, instrument_id: str, *, now: datetime | None = None) -> HandOver:
    """For an appointment already scoped to the user (``get_appointment_for_user``)."""
    now = now or timezone.now()
    links = CheckIn.objects.filter(
        appointment_id=appointment.pk,
        instrument_id=instrument_id,
        used_at__isnull=True,
        revoked_at__isnull=True,
        expires_at__gt=now,
    ).order_by("created_at", "pk")
    earlier = (
        Response.objects.filter(appointment_id=appointment.pk, instrument_id=instrument_id)
        .order_by("-administered_at", "-pk")
        .first()
    )
    return HandOver(open_links=tuple(links), earlier=earlier)
