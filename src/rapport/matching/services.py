"""Writes for matching: a clinician's own profile, and referrals (DESIGN §1 goal 6).

A referral is proposed by the client's own therapist, only with the client's consent, to a
colleague the ranking lists for the client; the colleague accepts (the client moves to
them) or declines (the client stays), and the referrer may withdraw it while it is open.
Every write is audited in the client's trail (DESIGN §5)."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from rapport.accounts.models import AccessNotice, AccessNoticeKind, User
from rapport.audit.services import Action, audit_record
from rapport.clinic.models import Client
from rapport.matching import selectors
from rapport.matching.choices import APPROACHES, FOCUS_AREAS, LANGUAGES, MAX_LANGUAGES
from rapport.matching.models import STYLE_FIELDS, Referral, ReferralStatus, TherapistProfile
from rapport.matching.scoring import STYLE_MAX

__all__ = [
    "DECLINE_REASON_MAX",
    "client_move_to",
    "declines_seen",
    "profile_save",
    "referral_accept",
    "referral_decline",
    "referral_propose",
    "referral_withdraw",
]

DECLINE_REASON_MAX = 500


def _codes(values: Iterable[str], allowed, field: str) -> list[str]:
    known = {code for code, _label in allowed}
    values = list(dict.fromkeys(values))
    if unknown := [v for v in values if v not in known]:
        raise ValidationError({field: f"Not on the list: {', '.join(sorted(unknown))}."})
    return values


@transaction.atomic
def profile_save(
    *,
    actor: User,
    focus_areas: Iterable[str],
    approaches: Iterable[str],
    languages: Iterable[str],
    style: dict[str, int | None],
    accepting_referrals: bool,
    capacity: int | None,
    request=None,
) -> TherapistProfile:
    """Create or update ``actor``'s own profile (never anyone else's)."""
    if actor.is_clinic_admin or not actor.is_active:
        raise ValidationError("Only clinicians keep a matching profile.")
    languages = _codes(languages, LANGUAGES, "languages")
    if len(languages) > MAX_LANGUAGES:
        raise ValidationError({"languages": f"List at most {MAX_LANGUAGES} languages."})
    fields = {
        "focus_areas": _codes(focus_areas, FOCUS_AREAS, "focus_areas"),
        "approaches": _codes(approaches, APPROACHES, "approaches"),
        "languages": languages,
        "accepting_referrals": accepting_referrals,
        "capacity": capacity,
    }
    for scale, name in STYLE_FIELDS.items():
        value = style.get(scale)
        if value is not None and not -STYLE_MAX <= value <= STYLE_MAX:
            raise ValidationError({name: f"Choose from -{STYLE_MAX} to {STYLE_MAX}."})
        fields[name] = value
    profile, _created = TherapistProfile.objects.update_or_create(user=actor, defaults=fields)
    audit_record(
        actor=actor, action=Action.UPDATE, target=f"matching-profile:{profile.pk}", request=request
    )
    return profile


@transaction.atomic
def referral_propose(
    *,
    actor: User,
    client: Client,
    to_therapist_id,
    focus_areas: Iterable[str],
    language: str | None,
    consent: bool,
    approaches: Iterable[str] = (),
    request=None,
) -> Referral:
    """Offer ``client`` to a colleague the ranking lists for them (not excluded), with the
    client's consent. One open offer per client."""
    client = Client.objects.select_for_update().get(pk=client.pk)
    if client.therapist_id != actor.pk:
        raise ValidationError("Only the client's own therapist can refer them.")
    if not consent:
        raise ValidationError(
            {
                "consent": "Tick that the client agreed to be referred: a referral needs "
                "their consent."
            }
        )
    focus = _codes(focus_areas, FOCUS_AREAS, "focus_areas")
    # Ranked as the find page ranked them, so the fit and reasons stored are those shown.
    asked = _codes(approaches, APPROACHES, "approaches")
    if language:
        _codes([language], LANGUAGES, "language")
    match, _without, _prefs = selectors.rank_colleagues(
        client, focus_areas=focus, language=language or None, approaches=asked
    )
    chosen = next((r for r in match.ranked if str(r.candidate.id) == str(to_therapist_id)), None)
    if chosen is None:
        raise ValidationError(
            {"to_therapist": "Choose one of the colleagues listed: they can take the client on."}
        )
    now = timezone.now()
    _close_stale(client, actor=actor, request=request)
    try:
        with transaction.atomic():
            referral = Referral.objects.create(
                client=client,
                from_therapist=actor,
                to_therapist_id=chosen.candidate.id,
                focus_areas=focus,
                language=language or "",
                fit=chosen.fit,
                # Only what speaks for the colleague is kept (data minimisation): the
                # colleague reads these before accepting, and an unmet need ("Does not
                # list trauma") or a C-NIP leaning their style misses tells them more of
                # the client than they need to decide. The referring therapist sees the
                # full reasons on the find page, ranked afresh.
                reasons=[[reason.text, True] for reason in chosen.reasons if reason.fits is True],
                consent_recorded_at=now,
            )
    except IntegrityError:
        raise ValidationError(
            "This client already has a referral waiting for an answer: withdraw it first."
        ) from None
    audit_record(
        actor=actor,
        action=Action.CREATE,
        target=f"referral:{referral.pk}:user:{actor.pk}->user:{chosen.candidate.id}",
        client_id=client.pk,
        request=request,
    )
    return referral


def _close_stale(client: Client, *, actor: User, request) -> None:
    """An open referral made by a therapist the client has since left (an admin moved
    them) can no longer be accepted, and would block this one: it is withdrawn."""
    stale = Referral.objects.filter(client=client, status=ReferralStatus.PROPOSED).exclude(
        from_therapist_id=client.therapist_id
    )
    for referral in stale:
        referral.status = ReferralStatus.WITHDRAWN
        referral.responded_at = timezone.now()
        referral.save(update_fields=["status", "responded_at"])
        audit_record(
            actor=actor,
            action=Action.UPDATE,
            target=f"referral:{referral.pk}:withdrawn:client-moved",
            client_id=client.pk,
            request=request,
        )


def _answer(referral: Referral, status: str, *, actor: User, request=None) -> Referral:
    """Close an open referral as ``status`` (its answer, or its withdrawal), audited."""
    referral.status = status
    referral.responded_at = timezone.now()
    referral.save(update_fields=["status", "responded_at", "decline_reason"])
    audit_record(
        actor=actor,
        action=Action.UPDATE,
        target=f"referral:{referral.pk}:{status}",
        client_id=referral.client_id,
        request=request,
    )
    return referral


def _lock_open(referral: Referral) -> Referral:
    """The referral, locked, if still open: a second answer (a double click, two tabs)
    finds it answered and changes nothing."""
    locked = Referral.objects.select_for_update().get(pk=referral.pk)
    if locked.status != ReferralStatus.PROPOSED:
        raise ValidationError(
            f"This referral was already {locked.get_status_display().lower()}: nothing changed."
        )
    return locked


@transaction.atomic
def referral_withdraw(*, actor: User, referral: Referral, request=None) -> Referral:
    referral = _lock_open(referral)
    if referral.from_therapist_id != actor.pk:
        raise ValidationError("Only the therapist who made the referral can withdraw it.")
    return _answer(referral, ReferralStatus.WITHDRAWN, actor=actor, request=request)


@transaction.atomic
def referral_decline(*, actor: User, referral: Referral, reason: str, request=None) -> Referral:
    """The colleague declines; the client stays with their therapist."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why, for the referring colleague."})
    if len(reason) > DECLINE_REASON_MAX:
        raise ValidationError({"reason": f"At most {DECLINE_REASON_MAX} characters."})
    referral = _lock_open(referral)
    if referral.to_therapist_id != actor.pk:
        raise ValidationError("Only the colleague offered the referral can decline it.")
    referral.decline_reason = reason
    return _answer(referral, ReferralStatus.DECLINED, actor=actor, request=request)


@transaction.atomic
def referral_accept(*, actor: User, referral: Referral, request=None) -> Referral:
    """The colleague accepts: the client moves to them (``client_move_to``)."""
    referral = _lock_open(referral)
    if referral.to_therapist_id != actor.pk or not actor.is_active:
        raise ValidationError("Only the colleague offered the referral can accept it.")
    client = Client.objects.select_for_update().get(pk=referral.client_id)
    if client.therapist_id != referral.from_therapist_id or client.clinic_id != actor.clinic_id:
        # Moved meanwhile (an admin's move): the referrer no longer speaks for the client.
        raise ValidationError(
            "The client is no longer with the colleague who referred them: nothing changed."
        )
    _answer(referral, ReferralStatus.ACCEPTED, actor=actor, request=request)
    client_move_to(actor=actor, client=client, to_user=actor, request=request)
    return referral


@transaction.atomic
def client_move_to(*, actor, client: Client, to_user: User, request=None) -> None:
    """Give one client to ``to_user``, as ``accounts.services.clients_move`` gives a whole
    caseload: the same audit target in the client's trail, and both therapists told on
    their caseload (an ``AccessNotice`` with a count of one, never which client)."""
    from_user = client.therapist
    if from_user.pk == to_user.pk:
        return
    Client.objects.filter(pk=client.pk).update(therapist=to_user)
    client.therapist = to_user
    audit_record(
        actor=actor,
        action=Action.UPDATE,
        target=f"client:therapist:user:{from_user.pk}->user:{to_user.pk}",
        client_id=client.pk,
        request=request,
    )
    for user, kind, other in (
        (to_user, AccessNoticeKind.CLIENTS_MOVED_IN, from_user),
        (from_user, AccessNoticeKind.CLIENTS_MOVED_OUT, to_user),
    ):
        AccessNotice.objects.create(
            user=user,
            kind=kind,
            actor=actor if isinstance(actor, User) else None,
            actor_label=actor.email if getattr(actor, "is_authenticated", False) else "cli",
            other_label=other.email,
            count=1,
        )


def declines_seen(*, actor: User, client: Client | None = None, referrals=()) -> None:
    """``actor`` has now read the declines of referrals they made: of ``client`` (the client
    page's referral section shows the latest, and older ones were answered by a newer
    referral), or those among ``referrals`` (the referrals page lists each with its reason).
    Their caseload stops saying so. Marks the reader's own notice only: the page read is
    audited where it is made."""
    unseen = Referral.objects.filter(
        from_therapist=actor, status=ReferralStatus.DECLINED, decline_seen_at__isnull=True
    )
    if client is not None:
        unseen = unseen.filter(client=client)
    else:
        ids = [r.pk for r in referrals if r.status == ReferralStatus.DECLINED]
        if not ids:
            return
        unseen = unseen.filter(pk__in=ids)
    unseen.update(decline_seen_at=timezone.now())
