"""Writes for check-ins: creating, emailing, revoking and answering links; schedules.

Each function is one transaction with its audit row (DESIGN §3, §5). The client's
submission (:func:`checkin_submit`) locks the check-in row, stores the response through
:func:`rapport.measures.services.response_record` and marks the link used in the same
transaction, so a double click, a second tab or a retry can never store two responses.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import re
import secrets
import smtplib
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from rapport.audit.services import Action, audit_record
from rapport.checkins.instruments import GOALS
from rapport.checkins.models import (
    NONE,
    OPEN_REFUSED_RISK,
    CheckIn,
    ClinicSchedule,
    EpisodeSchedule,
    Mode,
    RefusedForm,
    RefusedReason,
    RefusedRiskAnswer,
    RevokedBecause,
    Timing,
)
from rapport.checkins.tokens import hash_token, new_token
from rapport.clinic.models import MISSED, Appointment, Episode, Phase
from rapport.clinic.services import goals_from_client, locked_appointment
from rapport.measures.errors import InstrumentNotFound
from rapport.measures.models import Response, ResponseSource
from rapport.measures.selectors import instrument_for_clinic
from rapport.measures.services import response_record, risk_note

__all__ = [
    "DEFAULT_VALID_FOR",
    "FORM_GRACE",
    "CheckinUnavailable",
    "checkin_create",
    "Refusal",
    "checkin_refused",
    "checkin_resent",
    "checkin_email",
    "checkin_revoke",
    "checkin_share_text",
    "checkin_submit",
    "checkin_url",
    "clinic_schedule_update",
    "revoke_links_about_a_missed_session",
    "revoke_links_of_an_ended_episode",
    "link_expiry",
    "minutes_to_answer",
    "sendable_from",
    "episode_schedule_update",
    "ImportReport",
    "responses_import",
    "form_served_at",
    "in_grace",
    "is_stored_submission",
    "refused_risk_review",
    "REFUSED_FORMS_KEPT",
    "refused_forms_purge",
    "checkin_create_check",
    "new_form_key",
    "valid_form_key",
]

logger = logging.getLogger(__name__)

# Issue 3: a link is valid for 72 hours unless the clinic configures otherwise.
DEFAULT_VALID_FOR = timedelta(hours=settings.CHECKIN_LINK_HOURS)
MAX_VALID_FOR = timedelta(weeks=2)  # as RAPPORT_CHECKIN_LINK_HOURS allows
#: A tablet link is answered in the room, now. Its URL stays in the tablet's history, so a
#: link left unanswered must not open for the next person to pick the tablet up.
TABLET_VALID_FOR = timedelta(hours=2)
_FORM_KEY = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
#: A questionnaire the client opened while its link worked can still be sent this long after
#: the link expired or was replaced by a new link for the same session (the therapist
#: pressed *Link* again): a client halfway through a PHQ-9 must not lose a risk answer to
#: the clock or to a resend. Never after the episode ended, a session was recorded as not
#: attended, or a clinician revoked the link (docs/checkins.md, "A form already open").
FORM_GRACE = timedelta(hours=6)
_NONCE_LENGTH = 22  # secrets.token_urlsafe(16)
_SIGNATURE_LENGTH = 22  # 132 bits of an HMAC-SHA256, URL-safe base64
_SIGNED_KEY = re.compile(r"^([A-Za-z0-9_-]{22})([0-9a-f]{8})([A-Za-z0-9_-]{22})$")
#: A form served a little "in the future" (clocks of several app servers) is still believed.
_CLOCK_SKEW = timedelta(minutes=5)


class CheckinUnavailable(Exception):
    """The link is expired, used by another submission, or revoked (or its episode has
    ended, which the client is shown as a revoked link)."""

    def __init__(self, status: str) -> None:
        self.status = status
        super().__init__(status)


def checkin_url(token: str) -> str:
    return f"{settings.BASE_URL}/c/{token}/"


def new_form_key(checkin: CheckIn | None = None, *, now: datetime | None = None) -> str:
    """The idempotency key put in the form when it is rendered (a hidden field).

    For a check-in it also says, signed with the secret key, when the form was served for
    that link: random nonce, the time in hex, then an HMAC of both and the link's id
    (52 characters, within ``valid_form_key``). :func:`in_grace` reads it back."""
    nonce = secrets.token_urlsafe(16)
    if checkin is None:
        return nonce
    stamp = f"{int((now or timezone.now()).timestamp()):08x}"
    return nonce + stamp + _form_signature(checkin.pk, nonce, stamp)


def _form_signature(checkin_id: int, nonce: str, stamp: str) -> str:
    digest = salted_hmac(
        "rapport.checkins.form_key", f"{checkin_id}:{nonce}:{stamp}", algorithm="sha256"
    ).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii")[:_SIGNATURE_LENGTH]


def form_served_at(checkin: CheckIn, key: str) -> datetime | None:
    """When the form carrying ``key`` was served for this link, or None for a key that is
    not signed for it (an older page's plain key, a key of another link, a tampered one)."""
    match = _SIGNED_KEY.match(key or "")
    if match is None:
        return None
    nonce, stamp, signature = match.groups()
    if not constant_time_compare(signature, _form_signature(checkin.pk, nonce, stamp)):
        return None
    return datetime.fromtimestamp(int(stamp, 16), tz=UTC)


def in_grace(checkin: CheckIn, key: str, now: datetime) -> bool:
    """Whether a form served while the link worked may still be sent although the link has
    since expired, or was replaced by a new link for the same session (:data:`FORM_GRACE`).

    Not for a link a clinician revoked, whose episode ended or whose session was recorded
    as not attended (its ``revoked_because``; links revoked before the reason was kept
    count as revoked on purpose), nor for a used one: those stop at once."""
    status = checkin.status(now)
    ended = checkin.expires_at
    if status == "revoked" and checkin.revoked_because == RevokedBecause.REPLACED:
        ended = min(ended, checkin.revoked_at or ended)
    elif status != "expired":
        return False
    served = form_served_at(checkin, key)
    if served is None or served > now + _CLOCK_SKEW:
        return False
    # Served while the link worked (expiry and revocation are stored to the microsecond,
    # the stamp to the second), and sent within the grace period after it stopped.
    return served < ended and now <= ended + FORM_GRACE


def valid_form_key(key: str) -> bool:
    return bool(_FORM_KEY.match(key or ""))


def _sendable_instrument(clinic, instrument_id: str):
    try:
        instrument = instrument_for_clinic(clinic, instrument_id)
    except InstrumentNotFound:
        raise ValidationError({"instrument": _("Unknown instrument.")}) from None
    if not instrument.sendable:
        raise ValidationError(
            {
                "instrument": _(
                    "%(name)s uses licensed wording that this clinic has not loaded yet, so it "
                    "cannot be sent. A clinic admin can upload the wording file under "
                    "Check-in settings."
                )
                % {"name": instrument.short_title}
            }
        )
    return instrument


def _starts(appointment) -> str:
    return date_format(timezone.localtime(appointment.starts_at), "D j M Y, H:i")


def _check_session_has_started(appointment, instrument, timing: str, now: datetime) -> None:
    """A check-in about a session (asked after it, or an alliance measure whatever the
    timing) rates a session that has not happened yet if the appointment is still ahead:
    stored and scored, it could raise an alert about a session two weeks away."""
    if appointment.starts_at <= now:
        return
    values = {"when": _starts(appointment), "name": instrument.short_title}
    if timing == Timing.AFTER:
        message = _(
            "The appointment on %(when)s has not started yet: a check-in after the session can "
            "be sent once the session has begun."
        )
        raise ValidationError({"timing": message % values})
    if instrument.kind == "alliance":
        message = _(
            "The appointment on %(when)s has not started yet: %(name)s asks about the "
            "session, so it can be sent once the session has begun."
        )
        raise ValidationError({"instrument": message % values})


def session_ends(appointment) -> datetime:
    return appointment.starts_at + timedelta(minutes=appointment.duration_minutes)


def _check_session_is_still_ahead(appointment, timing: str, now: datetime) -> None:
    """A questionnaire asked before a session ("Over the last 2 weeks…") is counted as how
    the client was at that session: placed there in the charts, the change figures and the
    alerts. Sent for a session that has already taken place, the client would read "Before
    your session on Mon 16 Nov" and answer about today, and today's symptoms would stand for
    16 Nov (replacing an answer given then). So it can be sent until the session ends: while
    it is under way it is still this session's (the tablet handed over at the start, a
    client who did not get round to it in the waiting room), as a link sent before it works
    until it ends (:func:`link_expiry`)."""
    if timing != Timing.BEFORE or session_ends(appointment) > now:
        return
    message = _(
        "The session on %(when)s has already taken place: a questionnaire before the session "
        "can no longer be sent for it. Answered now, it would be counted as how the client "
        "was before that session. Send it for the next appointment instead."
    )
    raise ValidationError({"timing": message % {"when": _starts(appointment)}})


def sendable_from(appointment) -> datetime:
    """The earliest time a link can be made for this appointment that works until it starts
    (a link lasts two weeks at most)."""
    return appointment.starts_at - MAX_VALID_FOR


def link_expiry(appointment, *, mode: str, valid_for: timedelta, now: datetime) -> datetime:
    """When a new link stops working.

    Created at or after the start of the session: ``valid_for`` from now (the configured
    hours; two hours in tablet mode). For an upcoming appointment, a sent link works at least
    until the session ends, however far ahead it was sent, so it never expires before the
    session it is for; never longer than two weeks, so a session further ahead is refused.
    A tablet link is answered in the room, now, and keeps its two hours.
    """
    expires = now + valid_for
    if mode == Mode.TABLET or appointment.starts_at <= now:
        return expires
    if appointment.starts_at > now + MAX_VALID_FOR:
        raise ValidationError(
            _(
                "The appointment on %(when)s is more than two weeks away, and a link works "
                "for two weeks at most: send it from %(from)s."
            )
            % {
                "when": _starts(appointment),
                "from": date_format(timezone.localtime(sendable_from(appointment)), "D j M Y"),
            }
        )
    ends = appointment.starts_at + timedelta(minutes=appointment.duration_minutes)
    return min(max(expires, ends), now + MAX_VALID_FOR)


def checkin_create_check(
    *,
    appointment,
    instrument_id: str,
    timing: str = Timing.OTHER,
    mode: str = Mode.LINK,
    now: datetime | None = None,
) -> None:
    """Raise the ``ValidationError`` :func:`checkin_create` would raise, changing nothing:
    for a page that asks the therapist something first (tablet mode's confirmation), so
    nothing is asked about a link that would be refused anyway. Read without locks:
    ``checkin_create`` decides again under them."""
    now = now or timezone.now()
    appointment = (
        type(appointment).objects.select_related("episode__client__clinic").get(pk=appointment.pk)
    )
    _instrument, _timing, valid_for = _check_sendable(
        appointment, instrument_id, timing=timing, mode=mode, valid_for=None, now=now
    )
    link_expiry(appointment, mode=mode, valid_for=valid_for, now=now)


def _check_sendable(appointment, instrument_id: str, *, timing, mode, valid_for, now):
    """The rules a new link must meet (the instrument, its timing, the episode, the
    session); returns ``(instrument, timing, valid_for)``. :func:`checkin_create` calls it
    under the episode's and the appointment's locks (the comments below are about that
    call)."""
    episode = appointment.episode
    instrument = _sendable_instrument(episode.client.clinic, instrument_id)
    if timing not in Timing.values:
        raise ValidationError({"timing": _("Choose before or after the session.")})
    if instrument.id == GOALS:
        # The client's goals say nothing about a session: stored as "after the session",
        # the answer would count as the client's rating of it (_rates_the_session), i.e.
        # as evidence they attended, and the page would say "About your session today".
        timing = Timing.OTHER
    if mode not in Mode.values:
        raise ValidationError({"mode": _("Choose a link or tablet mode.")})
    if not episode.is_open:
        # Care has ended: a questionnaire now would reach a former client, and a risk answer
        # would go to a therapist no longer seeing them. Read under the lock: ending the
        # episode (clinic.services.episode_end) locks it first too, and revokes the links
        # made before it; one made after it waited, and sees the ending here.
        raise ValidationError(
            _("This episode of care has ended: no check-in can be sent for its appointments.")
        )
    if appointment.attendance in MISSED:
        # Read under the appointment's lock, as the marking takes it: a link made first is
        # revoked by the marking (revoke_links_about_a_missed_session); made after, refused.
        raise ValidationError(_("This appointment did not take place: no check-in can be sent."))
    _check_session_has_started(appointment, instrument, timing, now)
    _check_session_is_still_ahead(appointment, timing, now)
    valid_for = valid_for or (TABLET_VALID_FOR if mode == Mode.TABLET else DEFAULT_VALID_FOR)
    if valid_for <= timedelta(0):
        raise ValidationError({"valid_for": _("A link must be valid for some time.")})
    if valid_for > MAX_VALID_FOR:
        # A link is a key to the client's questionnaire: it must not stay open for months.
        raise ValidationError({"valid_for": _("A link can be valid for two weeks at most.")})
    return instrument, timing, valid_for


@transaction.atomic
def checkin_create(
    *,
    actor,
    appointment,
    instrument_id: str,
    timing: str = Timing.OTHER,
    mode: str = Mode.LINK,
    valid_for: timedelta | None = None,
    now: datetime | None = None,
    request=None,
) -> tuple[CheckIn, str]:
    """Create a single-use link for one client, appointment and instrument.

    Returns ``(checkin, raw_token)``: the raw token exists only in this return value (for
    the URL, QR code or email) and is never stored. An older open link for the same
    appointment and instrument is revoked, so only one can be answered. A check-in about
    the session cannot be made before the session starts, and a link sent before an
    upcoming session works until it ends (:func:`link_expiry`).
    """
    now = now or timezone.now()
    # Episode, then appointment, locked and read again (the order is in
    # clinic.services.locked_appointment): what the caller loaded before may be out of date.
    appointment = locked_appointment(appointment.pk)
    episode = appointment.episode
    client = episode.client
    instrument, timing, valid_for = _check_sendable(
        appointment, instrument_id, timing=timing, mode=mode, valid_for=valid_for, now=now
    )
    expires_at = link_expiry(appointment, mode=mode, valid_for=valid_for, now=now)
    CheckIn.objects.filter(
        appointment=appointment,
        instrument_id=instrument.id,
        used_at__isnull=True,
        revoked_at__isnull=True,
        expires_at__gt=now,
    ).update(revoked_at=now, revoked_because=RevokedBecause.REPLACED)
    token = new_token()
    checkin = CheckIn.objects.create(
        token_hash=hash_token(token),
        client=client,
        episode=episode,
        appointment=appointment,
        instrument_id=instrument.id,
        timing=timing,
        mode=mode,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        expires_at=expires_at,
    )
    audit_record(
        actor=actor,
        action=Action.CREATE,
        target=f"checkin:{checkin.pk}:{instrument.id}:{mode}",
        client_id=client.pk,
        request=request,
    )
    return checkin, token


#: About how long one required question takes to read and answer on a phone: Rapport's own
#: rough figure, for the time a link's message promises, not a published one. Rounded to
#: the nearest minute: the session check-in (5) "about a minute", the PHQ-9 (9) about 2,
#: the C-NIP (18) about 5, where every message used to say "a minute or two".
_SECONDS_PER_QUESTION = 15


def minutes_to_answer(instrument) -> int:
    """About how many minutes ``instrument`` takes, by its required questions; at least one."""
    seconds = instrument.required_count * _SECONDS_PER_QUESTION
    return max(1, (seconds + 30) // 60)


def _invitation(checkin: CheckIn) -> str:
    """The line that asks the client, in the email and the link page's Share text: how many
    questions, and about how long they take, counted from the questionnaire itself."""
    try:
        instrument = instrument_for_clinic(checkin.client.clinic, checkin.instrument_id)
    except InstrumentNotFound:
        return _("Your therapist would like you to answer a few questions.")
    if instrument.id == GOALS:
        # Counted by required questions it read "answer 0 questions": every box is
        # optional, one goal is needed.
        return _(
            "Your therapist would like you to write your goals for therapy, in your own "
            "words: up to three, one is enough."
        )
    count, minutes = instrument.required_count, minutes_to_answer(instrument)
    asks = ngettext(
        "Your therapist would like you to answer %(count)s question.",
        "Your therapist would like you to answer %(count)s questions.",
        count,
    ) % {"count": count}
    takes = ngettext("It takes about a minute.", "It takes about %(minutes)s minutes.", minutes)
    takes %= {"minutes": minutes}
    return f"{asks} {takes}"


def checkin_share_text(checkin: CheckIn) -> str:
    """The text the link page's Share… sends with the link, worded as the email is."""
    expires = date_format(timezone.localtime(checkin.expires_at), "j M Y, H:i")
    until = _("The link works once and until %(expires)s.") % {"expires": expires}
    return f"{_invitation(checkin)} {until}"


def checkin_email(*, actor, checkin: CheckIn, token: str, request=None) -> bool:
    """Email the link to the client, if the clinic configured email and the client gave an
    address. Returns False (and changes nothing) when it cannot be sent."""
    if not settings.EMAIL_CONFIGURED:
        return False
    address = checkin.client.email  # decrypted; read under the audit row written below
    if not address:
        return False
    with transaction.atomic():
        audit_record(
            actor=actor,
            action=Action.VIEW,
            target=f"checkin:{checkin.pk}:email-address",
            client_id=checkin.client_id,
            request=request,
        )
        expires = timezone.localtime(checkin.expires_at)
        body = _(
            "Hello,\n\n%(invitation)s\n\n%(url)s\n\nThe link works once and until "
            "%(expires)s.\n\nIf you did not expect this message, you can ignore it."
        ) % {
            "invitation": _invitation(checkin),
            "url": checkin_url(token),
            "expires": expires.strftime("%d %b %Y %H:%M"),
        }
        try:
            send_mail(
                _("A few questions from your therapist"),
                body,
                settings.DEFAULT_FROM_EMAIL,
                [address],
            )
        except (smtplib.SMTPException, OSError) as error:
            # Never log the address or the link: only which check-in and the error type.
            logger.warning("check-in %s: email failed (%s)", checkin.pk, type(error).__name__)
            return False
        checkin.emailed_at = timezone.now()
        checkin.save(update_fields=["emailed_at"])
    return True


@transaction.atomic
def checkin_revoke(*, actor, checkin: CheckIn, request=None, now: datetime | None = None):
    if checkin.used_at is not None:
        raise ValidationError(_("This check-in has already been answered."))
    # A clinician's decision (a link sent to the wrong person, a safety concern): no grace
    # for a form already open (FORM_GRACE), neither on this link nor on the links it
    # replaced for the same session and questionnaire, whose forms may still be open too.
    CheckIn.objects.filter(
        appointment_id=checkin.appointment_id,
        instrument_id=checkin.instrument_id,
        used_at__isnull=True,
        revoked_because=RevokedBecause.REPLACED,
    ).update(revoked_because=RevokedBecause.STAFF)
    if checkin.revoked_at is None or checkin.revoked_because == RevokedBecause.REPLACED:
        checkin.revoked_at = checkin.revoked_at or now or timezone.now()
        checkin.revoked_because = RevokedBecause.STAFF
        checkin.save(update_fields=["revoked_at", "revoked_because"])
        audit_record(
            actor=actor,
            action=Action.UPDATE,
            target=f"checkin:{checkin.pk}:revoked",
            client_id=checkin.client_id,
            request=request,
        )
    return checkin


@transaction.atomic
def revoke_links_about_a_missed_session(appointment, now: datetime | None = None) -> int:
    """Once an appointment is marked cancelled or missed, its open links that rate the
    session (asked after it, or an alliance measure) are revoked: answered, they would score
    a session that never happened and could raise an alliance alert about it. Links asked
    before the session (how the client has been, e.g. a PHQ-9) stay open while the episode
    is open: that answer holds whether or not the session took place. Ending the episode
    revokes them too (:func:`revoke_links_of_an_ended_episode`). Returns how many were
    revoked."""
    if appointment.attendance not in MISSED:
        return 0
    now = now or timezone.now()
    about_the_session = [
        checkin
        for checkin in _open_links(CheckIn.objects.filter(appointment=appointment), now)
        if _rates_the_session(appointment, checkin)
    ]
    _revoke_by_the_system(about_the_session, now, RevokedBecause.SESSION_MISSED)
    return len(about_the_session)


@transaction.atomic
def revoke_links_of_an_ended_episode(episode, now: datetime | None = None) -> int:
    """Once an episode of care ends, every link of it still open is revoked, whatever it
    asks and whichever appointment it is for (a PHQ-9 sent for next week's session, a
    check-in about the last one). Answered, it would be stored in a closed episode whose
    client has left the caseload, so a risk answer (PHQ-9 item 9) could go unseen by a
    therapist no longer seeing them; :func:`checkin_create` refuses new links for the same
    reason. Returns how many were revoked."""
    now = now or timezone.now()
    links = _open_links(CheckIn.objects.filter(appointment__episode=episode), now)
    _revoke_by_the_system(links, now, RevokedBecause.EPISODE_ENDED)
    return len(links)


def _open_links(checkins, now: datetime) -> list[CheckIn]:
    # Locked, so a submission that got its link's lock first is stored before the link is
    # looked at again (and then left alone: it is used, not open).
    unanswered = checkins.select_for_update(of=("self",)).filter(
        used_at__isnull=True, revoked_at__isnull=True
    )
    return [checkin for checkin in unanswered if checkin.is_open(now)]


def _revoke_by_the_system(checkins: list[CheckIn], now: datetime, reason: str) -> None:
    for checkin in checkins:
        checkin.revoked_at = now
        checkin.revoked_because = reason
        checkin.save(update_fields=["revoked_at", "revoked_because"])
        audit_record(
            actor="system",
            action=Action.UPDATE,
            target=f"checkin:{checkin.pk}:revoked",
            client_id=checkin.client_id,
        )


def _rates_the_session(appointment, checkin: CheckIn) -> bool:
    if checkin.instrument_id == GOALS:
        # Never a rating of the session, whatever timing a link made before
        # checkin_create fixed it to "other" carries.
        return False
    if checkin.timing == Timing.AFTER:
        return True
    try:
        instrument = instrument_for_clinic(appointment.episode.client.clinic, checkin.instrument_id)
    except InstrumentNotFound:
        return False
    return instrument.kind == "alliance"


def submission_key(checkin: CheckIn, form_key: str) -> str:
    return f"checkin:{checkin.pk}:{form_key}"


@transaction.atomic
def checkin_submit(
    *,
    checkin: CheckIn,
    answers: Mapping[str, object],
    form_key: str,
    request=None,
    now: datetime | None = None,
) -> tuple[Response, bool]:
    """Store the client's answers exactly once and mark the link used.

    Row locks (``select_for_update`` on PostgreSQL; SQLite takes its write lock when the
    transaction begins, ``transaction_mode=IMMEDIATE``) on the link's episode, then its
    appointment, then the link (the order every writer of a session's record takes, see
    ``clinic.services.locked_appointment``) serialise concurrent submissions of one link,
    and a submission with the session being marked missed or the episode being ended: the
    one that comes second decides on what the first stored. A repeat of the stored
    submission (same form key) returns ``(response, False)``; any other submission of a used,
    expired or revoked link, of a link whose episode has ended, or of one rating a session
    recorded as not attended raises :class:`CheckinUnavailable`. Bad answers raise
    ``ValidationError`` per item.
    """
    now = now or timezone.now()
    if not valid_form_key(form_key):
        raise ValidationError(_("This form has expired. Please answer the questions again."))
    appointment = locked_appointment(checkin.appointment_id)
    locked = (
        CheckIn.objects.select_for_update(of=("self",))
        .select_related("client", "episode")
        .get(pk=checkin.pk)
    )
    locked.appointment = appointment  # as read under its lock, not through the join
    key = submission_key(locked, form_key)
    if locked.used_at is not None:
        # Read the response in a statement of its own: on PostgreSQL a join in the locking
        # query would still see the snapshot from before the lock wait.
        stored = (
            Response.objects.filter(pk=locked.response_id).first()
            if locked.response_id is not None
            else None
        )
        if stored is not None and stored.idempotency_key == key:
            return stored, False
        raise CheckinUnavailable("used")
    if appointment.episode.phase == Phase.CLOSED:
        # However the episode was closed (ending it revokes its open links; any other way
        # may not), an answer now would be stored in a closed episode, off the caseload,
        # where a risk answer could go unseen. The client sees what a revoked link shows.
        # Checked before the link's expiry: that the episode ended is what stops a link of
        # it now, expired or not (_refusal_reason).
        raise CheckinUnavailable("revoked")
    if _rates_a_missed_session(appointment, locked):
        # Marking the session missed revokes such a link; this holds however the attendance
        # was stored. A rating of a session recorded as not attended would count in
        # monitoring both as a rated session and as a missed one (dropout risk). Before the
        # expiry too, as the episode's end: it is what stops the link now.
        raise CheckinUnavailable("revoked")
    status = locked.status(now)
    if status != "open" and not in_grace(locked, form_key, now):
        raise CheckinUnavailable(status)
    response, created = response_record(
        client=locked.client,
        instrument_id=locked.instrument_id,
        answers=answers,
        source=ResponseSource.TABLET if locked.mode == Mode.TABLET else ResponseSource.LINK,
        idempotency_key=key,
        administered_at=now,
        episode=locked.episode,
        appointment=appointment,
        actor="client-link",
        request=request,
    )
    if created and locked.instrument_id == GOALS:
        # The "Your goals" page: each goal written becomes a goal of the episode, in the same
        # transaction as the stored answers (a refusal here stores neither). Keyed by the
        # link, which stores one submission only.
        goals_from_client(
            episode=appointment.episode,
            texts=[str(answers.get(item_id) or "") for item_id in _goal_items(locked)],
            key=f"checkin:{locked.pk}",
            request=request,
        )
    locked.used_at = now
    locked.response = response
    locked.save(update_fields=["used_at", "response"])
    return response, created


def _goal_items(checkin: CheckIn) -> tuple[str, ...]:
    return instrument_for_clinic(checkin.client.clinic, checkin.instrument_id).item_ids


def is_stored_submission(checkin: CheckIn, form_key: str) -> bool:
    """Whether ``form_key`` is the key of the form whose answers this link stored: the same
    form sent again (a double click, Reload, a retry) is not a loss, and is told so calmly.
    Decided on the key alone, never by comparing answers: a page that said whether posted
    answers equal the stored ones would let whoever holds a used link (the next person at
    a shared tablet) find out what the client answered by trying."""
    if checkin.response_id is None or not valid_form_key(form_key):
        return False
    stored = Response.objects.filter(pk=checkin.response_id).values_list(
        "idempotency_key", flat=True
    )
    return stored.first() == submission_key(checkin, form_key)


@dataclass(frozen=True)
class Refusal:
    """What :func:`checkin_refused` recorded. ``repeat``: this very form (its key) was
    refused before, so this is Reload or Forward re-posting it (on a shared device, maybe
    the next person): its page must show nothing drawn from the answers. ``notice``: the
    risk notice recorded now, if any."""

    repeat: bool
    notice: RefusedRiskAnswer | None


@transaction.atomic
def checkin_refused(
    *,
    checkin: CheckIn,
    form_key: str,
    risk_items: list[str],
    reason: str,
    request=None,
    now: datetime | None = None,
) -> Refusal:
    """A form sent on a link that could no longer be used: nothing of it is stored.

    Every such submission is audited alike (``checkin:<id>:refused``), with or without a
    risk answer: a row written only after one would tell whoever reads the audit log (clinic
    admins do) whose answers raised a risk notice. Its form key is remembered
    (:class:`RefusedForm`), so the same form sent again is told apart from a first send
    (:attr:`Refusal.repeat`). When ``risk_items`` (the risk items the sent form answered at
    risk) is not empty, a :class:`RefusedRiskAnswer` is recorded, with no answer values and
    no free text, so the client's therapist and their supervisor see that a risk answer was
    sent and lost, and follow it up; a form whose key is missing or malformed (a tampered
    or very old page) is recorded under a generated key. The same form sent again records
    nothing more, and while one such notice of this link is still open another adds
    nothing: the therapist's task is the same."""
    now = now or timezone.now()
    audit_record(
        actor="client-link",
        action=Action.SUBMIT,
        target=f"checkin:{checkin.pk}:refused",
        client_id=checkin.client_id,
        request=request,
    )
    # The link's row lock (SQLite: the transaction's write lock): two refused sends at once
    # (two tabs) cannot both find no open notice and both add one. Read with its episode, as
    # stored now, for the reason below.
    locked = (
        CheckIn.objects.select_for_update(of=("self",))
        .select_related("appointment__episode")
        .filter(pk=checkin.pk)
        .first()
    ) or checkin
    repeat = False
    if valid_form_key(form_key):
        _form, first = RefusedForm.objects.get_or_create(
            submission_key=submission_key(checkin, form_key),
            defaults={"checkin": checkin, "refused_at": now},
        )
        repeat = not first
    else:
        # No key to tell a repeat by, nor to key the notice on: a key of its own.
        form_key = new_form_key()
    if not risk_items:
        return Refusal(repeat=repeat, notice=None)
    notice = _refused_risk_record(
        checkin=checkin,
        form_key=form_key,
        risk_items=risk_items,
        reason=_refusal_reason(locked, reason),
        now=now,
    )
    return Refusal(repeat=repeat, notice=notice)


#: How long a refused form's key (:class:`RefusedForm`) is kept after both its link
#: expired and the form was refused, when the link has no refused risk answer.
REFUSED_FORMS_KEPT = timedelta(days=30)


@transaction.atomic
def refused_forms_purge(*, now: datetime | None = None) -> int:
    """Delete the refused forms' keys (:class:`RefusedForm`) no longer needed; returns how
    many. A key only tells a repeat (Reload) from a first send, and only a form that answered
    a risk item at risk shows anything different the first time (the crisis section). Every
    such form leaves a :class:`RefusedRiskAnswer` on its link (its own, or the one still open
    when it came), so the keys of a link without one never change a page: they are deleted
    :data:`REFUSED_FORMS_KEPT` after the link expired and the form was refused. The keys of
    a link with a refused risk answer stay as long as the link: deleted, the next person on
    a shared device to press Reload would see the crisis section again."""
    now = now or timezone.now()
    cutoff = now - REFUSED_FORMS_KEPT
    deleted, _counts = (
        RefusedForm.objects.filter(refused_at__lt=cutoff, checkin__expires_at__lt=cutoff)
        .exclude(Exists(RefusedRiskAnswer.objects.filter(checkin=OuterRef("checkin"))))
        .delete()
    )
    return deleted


@transaction.atomic
def checkin_resent(
    *,
    checkin: CheckIn,
    form_key: str,
    risk_items: list[str],
    request=None,
    now: datetime | None = None,
) -> RefusedRiskAnswer | None:
    """The form whose answers the link stored, sent again (the same form key: a double
    click, Reload, a slow tablet's retry, or Back, an answer changed, Send).

    The link keeps the answers it stored, and the client's page is decided by the key
    alone (the plain thank-you or "already sent" page: a page that told whether the answers
    differ would let whoever holds the link find them out). But a risk item this send
    answered at risk that the stored answers do not flag (their ``risk_flags``) would reach
    nobody: a :class:`RefusedRiskAnswer` is recorded for it (reason "changed"), under the
    rules of :func:`checkin_refused` (once per form; nothing while one of the link's notices
    is open). Every repeat is audited alike (``checkin:<id>:resent``), changed or not."""
    now = now or timezone.now()
    audit_record(
        actor="client-link",
        action=Action.SUBMIT,
        target=f"checkin:{checkin.pk}:resent",
        client_id=checkin.client_id,
        request=request,
    )
    if not risk_items or not valid_form_key(form_key):
        return None
    locked = CheckIn.objects.select_for_update(of=("self",)).filter(pk=checkin.pk).first()
    if locked is None or locked.response_id is None:
        return None
    stored = Response.objects.filter(pk=locked.response_id).first()
    if stored is None or stored.idempotency_key != submission_key(locked, form_key):
        return None
    new_items = [item for item in risk_items if item not in stored.risk_flags]
    if not new_items:
        return None
    return _refused_risk_record(
        checkin=locked,
        form_key=form_key,
        risk_items=new_items,
        reason=RefusedReason.CHANGED,
        now=now,
    )


def _refused_risk_record(
    *, checkin: CheckIn, form_key: str, risk_items: list[str], reason: str, now: datetime
) -> RefusedRiskAnswer | None:
    """One notice per form, and none while one of the link's is open (the caller holds
    the link's row lock)."""
    if RefusedRiskAnswer.objects.filter(OPEN_REFUSED_RISK, checkin=checkin).exists():
        return None
    notice, _created = RefusedRiskAnswer.objects.get_or_create(
        submission_key=submission_key(checkin, form_key),
        defaults={
            "checkin": checkin,
            "client_id": checkin.client_id,
            "instrument_id": checkin.instrument_id,
            "items": list(risk_items),
            "sent_at": now,
            "reason": reason,
        },
    )
    return notice


def _refusal_reason(checkin: CheckIn, status: str) -> str:
    """Why a link was refused, as the client and their therapist would recognise it.

    Ending an episode revokes its open links first (``revoked_because`` "episode_ended"),
    and ``checkin_submit`` refuses any link of a closed episode as "revoked": either way the
    therapist ended the episode, and "the link had been revoked or replaced" would send them
    looking for a revocation nobody made. So for a revoked or expired link whose episode has
    ended (or that was revoked because it ended) the reason is "episode_ended", in the order
    ``checkin_submit`` checks: a link that expired before its episode ended is not revoked
    by the ending, and "the link had expired" would read as a late answer to ask for again,
    where it is a risk answer from someone no longer in care (and a form still in its grace
    period said "episode_ended" already). Next, as there, a link rating a session recorded
    as not attended says "session_missed" (marking it revokes such a link, but the
    therapist marked a session, and revoked nothing). A used link keeps "used", checked
    first there too: its answers are stored, and whoever sent other answers on it may not
    be the client."""
    if status not in ("revoked", "expired", "episode_ended"):
        return status
    ended = (
        checkin.revoked_because == RevokedBecause.EPISODE_ENDED
        or checkin.appointment.episode.phase == Phase.CLOSED
    )
    if ended:
        return RefusedReason.EPISODE_ENDED
    if checkin.revoked_because == RevokedBecause.SESSION_MISSED or _rates_a_missed_session(
        checkin.appointment, checkin
    ):
        return RefusedReason.SESSION_MISSED
    return status


@transaction.atomic
def refused_risk_review(
    *, actor, notice: RefusedRiskAnswer, note: str, request=None, now=None
) -> tuple[RefusedRiskAnswer, bool]:
    """Record the follow-up of a risk answer sent on a link that could no longer be used,
    as ``measures.services.response_risk_review`` does for a stored one: once (the row is
    locked and read again; a second submission records nothing and returns the stored
    follow-up with ``False``), with the clinician's note (required, encrypted, never
    logged), audited as a change of the link (the target names no risk)."""
    note = risk_note(note)
    stored = RefusedRiskAnswer.objects.select_for_update().get(pk=notice.pk)
    if stored.reviewed_at is not None:
        return stored, False
    stored.reviewed_at = now or timezone.now()
    stored.reviewed_by = actor
    stored.review_note = note
    stored.save(update_fields=["reviewed_at", "reviewed_by", "review_note"])
    audit_record(
        actor=actor,
        action=Action.UPDATE,
        target=f"checkin:{stored.checkin_id}",
        client_id=stored.client_id,
        request=request,
    )
    return stored, True


def _rates_a_missed_session(appointment: Appointment, checkin: CheckIn) -> bool:
    return appointment.attendance in MISSED and _rates_the_session(appointment, checkin)


def _check_schedule_choice(
    clinic, value: str, field: str, *, allow_none: bool, timing: str
) -> None:
    if value == "" or (allow_none and value == NONE):
        return
    try:
        instrument = instrument_for_clinic(clinic, value)
    except InstrumentNotFound:
        raise ValidationError({field: _("Unknown instrument.")}) from None
    if not instrument.sendable:
        raise ValidationError(
            {
                field: _(
                    "%(name)s cannot be scheduled until the clinic's licensed wording is loaded."
                )
                % {"name": instrument.short_title}
            }
        )
    if timing == Timing.BEFORE and instrument.kind == "alliance":
        # An alliance measure rates the session, so no link for it can be made before the
        # session starts (_check_session_has_started): scheduled before, every one would fail.
        raise ValidationError(
            {
                field: _(
                    "%(name)s asks about the session, so it cannot be sent before it: "
                    "schedule it after the session."
                )
                % {"name": instrument.short_title}
            }
        )


@transaction.atomic
def clinic_schedule_update(
    *, actor, clinic, before_instrument: str, after_instrument: str, request=None
) -> ClinicSchedule:
    _check_schedule_choice(
        clinic, before_instrument, "before_instrument", allow_none=False, timing=Timing.BEFORE
    )
    _check_schedule_choice(
        clinic, after_instrument, "after_instrument", allow_none=False, timing=Timing.AFTER
    )
    schedule, _created = ClinicSchedule.objects.update_or_create(
        clinic=clinic,
        defaults={"before_instrument": before_instrument, "after_instrument": after_instrument},
    )
    audit_record(actor=actor, action=Action.UPDATE, target="checkin-schedule", request=request)
    return schedule


@transaction.atomic
def episode_schedule_update(
    *, actor, episode, before_instrument: str, after_instrument: str, request=None
) -> EpisodeSchedule:
    clinic = episode.client.clinic
    _check_schedule_choice(
        clinic, before_instrument, "before_instrument", allow_none=True, timing=Timing.BEFORE
    )
    _check_schedule_choice(
        clinic, after_instrument, "after_instrument", allow_none=True, timing=Timing.AFTER
    )
    schedule, _created = EpisodeSchedule.objects.update_or_create(
        episode=episode,
        defaults={"before_instrument": before_instrument, "after_instrument": after_instrument},
    )
    audit_record(
        actor=actor,
        action=Action.UPDATE,
        target=f"episode:{episode.pk}:checkin-schedule",
        client_id=episode.client_id,
        request=request,
    )
    return schedule


# -- importing historical responses -------------------------------------------------------


@dataclass
class ImportReport:
    created: int = 0
    existing: int = 0
    errors: list = field(default_factory=list)  # RowError, in file order
    imported: bool = False

    @property
    def skipped(self) -> int:
        return len({e.row for e in self.errors}) if self.imported else 0


class _Rollback(Exception):
    pass


def _episode_on(client, day):
    return (
        client.episodes.filter(started_on__lte=day)
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gte=day))
        .order_by("-started_on", "-pk")
        .first()
    )


def _when(row, episode):
    """The time of a dated row: its appointment that day if there is exactly one, else noon."""
    if isinstance(row.administered, datetime):
        value = row.administered
        return (value if timezone.is_aware(value) else timezone.make_aware(value)), None
    appointment = None
    if episode is not None:
        same_day = [
            a
            for a in episode.appointments.all()
            if timezone.localdate(a.starts_at) == row.administered
        ]
        appointment = same_day[0] if len(same_day) == 1 else None
    if appointment is not None:
        return appointment.starts_at, appointment
    return timezone.make_aware(datetime.combine(row.administered, time(12, 0))), None


def _day(row) -> date:
    return row.administered.date() if isinstance(row.administered, datetime) else row.administered


def _in_future(value: date | datetime, now: datetime) -> bool:
    """A response cannot have been given after now: a future date is a typo (2099 for
    2019), and stored it would sit at the end of every chart as the client's latest score.
    Plain dates and times without an offset are read in the clinic's time zone."""
    today = timezone.localdate(now)
    if not isinstance(value, datetime):
        return value > today
    if timezone.is_naive(value):
        if value.date() != today:  # no time zone arithmetic on far-off dates
            return value.date() > today
        value = timezone.make_aware(value)
    return value > now


def import_key(row) -> str:
    """The idempotency key of an imported row (see ``csv_import.row_digest``), keyed with
    the server's secret: it is stored in the clear beside the row's item values, and a
    plain hash of them and the client's comment would let anyone who reads the database
    confirm a guessed comment ("I relapsed") without the encryption keys. A new secret key
    gives new keys: re-importing an old file is then refused as a clash (see
    _conflicting_rows), never counted twice."""
    from rapport.checkins.csv_import import row_digest

    return "import:" + keyed_digest(row_digest(row))


def keyed_digest(digest: str) -> str:
    secret = f"rapport.checkins.import:{settings.SECRET_KEY}".encode()
    return hmac.new(secret, digest.encode("ascii"), hashlib.sha256).hexdigest()


def _conflicting_rows(rows) -> list:
    """Rows that would give a client a second, different answer to one questionnaire on one
    day: another row of the file, or an earlier import, holds other answers for that day.
    A corrected file re-imported would otherwise store both, counted twice, with nothing
    to say which is right; the same rows again are fine (they add nothing)."""
    from rapport.checkins.csv_import import RowError

    seen: dict[tuple, tuple[int, str]] = {}
    stored: dict[tuple, set[str]] = defaultdict(set)
    earlier = Response.objects.filter(
        source=ResponseSource.IMPORT, client_id__in={row.client_id for row in rows}
    ).values_list("client_id", "instrument_id", "administered_at", "idempotency_key")
    for client_id, instrument_id, at, key in earlier:
        stored[(client_id, instrument_id, timezone.localdate(at))].add(key)
    clashes = []
    for row in rows:
        slot, key = (row.client_id, row.instrument_id, _day(row)), import_key(row)
        what = f"client {row.client_id} already has a {row.instrument_id} on {_day(row)}"
        if slot in seen and seen[slot][1] != key:
            clashes.append(RowError(row.row, f"{what} in line {seen[slot][0]}, with other answers"))
        elif stored[slot] - {key}:
            clashes.append(RowError(row.row, f"{what} from an earlier import, with other answers"))
        seen.setdefault(slot, (row.row, key))
    return clashes


def _lock_the_episodes_of(rows) -> None:
    """Lock the episodes of the rows' clients, in id order, before anything is stored.

    ``response_record`` locks each answer's session (its episode, then its appointment: the
    order of ``clinic.services.locked_appointment``), so that a session cannot be marked as
    not attended between its rating being checked and stored. Taken row by row, in file
    order, two episodes could be locked in the order opposite to a booking's (which locks
    a diary's episodes in id order), and each would wait for the other. Locked first, the
    episodes also hold still while the rows are placed: no appointment is booked into them
    and none is marked in between (both lock the episode first)."""
    episodes = Episode.objects.select_for_update(of=("self",)).filter(
        client_id__in={row.client_id for row in rows}
    )
    list(episodes.order_by("pk").values_list("pk", flat=True))


def responses_import(*, rows, skip_invalid: bool = False, actor=None) -> ImportReport:
    """Store imported rows through ``response_record``: all or nothing, unless
    ``skip_invalid``. Rows already imported (same idempotency key) are counted, not added."""
    from rapport.checkins.csv_import import RowError
    from rapport.clinic.models import Client

    report = ImportReport()
    clients = Client.objects.in_bulk({row.client_id for row in rows if row.client_id})
    now = timezone.now()
    valid = []
    for row in rows:
        problems = list(row.errors)
        if _in_future(row.administered, now):
            problems.append(f"date {row.administered.isoformat()} is in the future")
        if not problems and row.client_id not in clients:
            problems.append(f"no client with id {row.client_id}")
        if problems:
            report.errors.extend(RowError(row.row, p) for p in problems)
        else:
            valid.append(row)
    clashes = _conflicting_rows(valid)
    if clashes:
        report.errors = sorted([*report.errors, *clashes], key=lambda e: e.row)
        valid = [row for row in valid if row.row not in {e.row for e in clashes}]
    if report.errors and not skip_invalid:
        return report
    try:
        with transaction.atomic():
            _lock_the_episodes_of(valid)
            for row in valid:
                client = clients[row.client_id]
                episode = _episode_on(client, _day(row))
                when, appointment = _when(row, episode)
                try:
                    _response, created = response_record(
                        client=client,
                        instrument_id=row.instrument_id,
                        answers=row.answers,
                        source=ResponseSource.IMPORT,
                        idempotency_key=import_key(row),
                        administered_at=when,
                        episode=episode,
                        appointment=appointment,
                        actor=actor,
                    )
                except ValidationError as error:
                    report.errors.append(RowError(row.row, "; ".join(error.messages)))
                    if not skip_invalid:
                        raise _Rollback from None
                    continue
                if created:
                    report.created += 1
                else:
                    report.existing += 1
    except _Rollback:
        report.created = report.existing = 0
        return report
    report.imported = True
    return report
