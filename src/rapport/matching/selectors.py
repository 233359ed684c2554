"""Reads for matching, scoped to the requesting user (DESIGN §3, §5).

Only the client's own therapist may look for a better-matched colleague or refer the
client; a colleague offered a referral sees only that offer (the client's name, who refers
them, the fit's reasons) until they accept it."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.http import Http404

from rapport.accounts.models import Role, User
from rapport.clinic.models import Client, Episode, Phase
from rapport.clinic.selectors import get_client_for_user
from rapport.matching import scoring
from rapport.matching.choices import labels
from rapport.matching.models import Referral, ReferralStatus, TherapistProfile
from rapport.measures.models import Response
from rapport.measures.registry import all_instruments
from rapport.measures.scoring import leanings

__all__ = [
    "ClientPreferences",
    "candidates_for",
    "client_leanings",
    "accepted_referral_made",
    "answered_offer",
    "colleague_can_answer",
    "declines_unseen",
    "get_client_for_own_therapist",
    "get_incoming_referral",
    "incoming_referrals",
    "open_referral",
    "outgoing_referrals",
    "profile_of",
    "rank_colleagues",
]


def get_client_for_own_therapist(user, client_id) -> Client:
    """The client, if ``user`` is their own therapist. Outside the user's scope: 404, as
    everywhere; a supervisor who sees the client but is not their therapist: 403 (a
    referral is the therapist's conversation with the client)."""
    client = get_client_for_user(user, client_id)
    if client.therapist_id != user.pk:
        raise PermissionDenied
    return client


def profile_of(user) -> TherapistProfile | None:
    return TherapistProfile.objects.filter(user=user).first()


class ClientPreferences:
    """The client's C-NIP leanings from their latest preferences questionnaire, for the
    ranking (``leanings``) and for the page (``scales``: label, the pole, strong)."""

    def __init__(self, response: Response | None, items: tuple[scoring.ClientLeaning, ...]):
        self.response = response
        self.leanings = items

    @property
    def scales(self) -> list[dict]:
        shown = []
        by_id = {scale.id: scale for scale in scoring.SCALES}
        for leaning in self.leanings:
            scale = by_id.get(leaning.scale)
            if scale is None:
                continue
            pole = None
            if leaning.score:
                pole = scale.poles[0] if leaning.score < 0 else scale.poles[1]
            shown.append(
                {"scale": scale, "score": leaning.score, "pole": pole, "strong": leaning.strong}
            )
        return shown


def client_leanings(client: Client) -> ClientPreferences:
    """Read from the client's newest answered preferences questionnaire (measures), scored
    as the client page's preferences panel scores it (``measures.scoring.leanings``)."""
    instruments = {i.id: i for i in all_instruments() if i.kind == "preferences"}
    response = (
        Response.objects.filter(client=client, instrument_id__in=instruments)
        .order_by("-administered_at", "-pk")
        .first()
    )
    if response is None:
        return ClientPreferences(None, ())
    found = leanings(instruments[response.instrument_id], response.subscales)
    items = tuple(
        scoring.ClientLeaning(
            leaning.subscale,
            None if leaning.score is None else float(leaning.score),
            leaning.strong,
        )
        for leaning in found.values()
    )
    return ClientPreferences(response, items)


def _eligible_colleagues(client: Client) -> QuerySet[User]:
    """Who could take the client on: active clinicians of the client's clinic carrying a
    caseload (therapists, and supervisors who see clients of their own), never the client's
    own therapist, never an admin or a supervisor-only account."""
    with_clients = Client.objects.filter(clinic_id=client.clinic_id).values("therapist_id")
    return (
        User.objects.filter(clinic_id=client.clinic_id, is_active=True)
        .filter(Q(role=Role.THERAPIST) | Q(role=Role.SUPERVISOR, pk__in=with_clients))
        .exclude(pk=client.therapist_id)
        .select_related("matching_profile")
        .order_by("full_name", "email")
    )


def _current_caseloads(user_ids: list[int]) -> dict[int, int]:
    """Current clients per therapist, as their caseload counts them (``clinic.selectors``):
    an open episode, or none started yet (a client waiting for their first session takes
    a place too). Former clients, whose episodes have all ended, take none."""
    episodes = Episode.objects.filter(client_id=OuterRef("pk"))
    rows = (
        Client.objects.filter(therapist_id__in=user_ids)
        .filter(~Exists(episodes) | Exists(episodes.exclude(phase=Phase.CLOSED)))
        .values("therapist_id")
        .annotate(n=Count("pk"))
    )
    return {row["therapist_id"]: row["n"] for row in rows}


def candidates_for(client: Client) -> tuple[list[scoring.Candidate], list[User]]:
    """(candidates with a profile, eligible colleagues without one yet)."""
    colleagues = list(_eligible_colleagues(client))
    caseloads = _current_caseloads([user.pk for user in colleagues])
    candidates, without_profile = [], []
    for user in colleagues:
        profile = getattr(user, "matching_profile", None)
        if profile is None:
            without_profile.append(user)
            continue
        candidates.append(
            scoring.Candidate(
                id=user.pk,
                name=user.full_name or user.email,
                focus_areas=frozenset(profile.focus_areas),
                approaches=frozenset(profile.approaches),
                languages=frozenset(profile.languages),
                style=profile.style(),
                accepting_referrals=profile.accepting_referrals,
                caseload=caseloads.get(user.pk, 0),
                capacity=profile.capacity,
            )
        )
    return candidates, without_profile


def rank_colleagues(
    client: Client, *, focus_areas, language: str | None, approaches=()
) -> tuple[scoring.Match, list[User], ClientPreferences]:
    preferences = client_leanings(client)
    needs = scoring.ClientNeeds(
        focus_areas=frozenset(focus_areas),
        language=language or None,
        leanings=preferences.leanings,
        approaches=frozenset(approaches),
    )
    candidates, without_profile = candidates_for(client)
    return scoring.rank(needs, candidates, labels=labels()), without_profile, preferences


def open_referral(client: Client) -> Referral | None:
    """The client's open referral made by their current therapist (one moved meanwhile by
    an admin is stale: nobody can accept it, ``services.referral_propose`` closes it)."""
    return (
        Referral.objects.filter(
            client=client, status=ReferralStatus.PROPOSED, from_therapist_id=client.therapist_id
        )
        .select_related("to_therapist", "from_therapist")
        .first()
    )


def colleague_can_answer(referral: Referral) -> bool:
    """Whether the colleague offered ``referral`` can still answer it: an active clinician
    of the client's clinic. One whose account was deactivated, or made an admin, never
    will, and the client would wait on an offer nobody sees: the referrer is told, to
    withdraw it and refer again."""
    colleague = referral.to_therapist
    return (
        colleague.is_active
        and colleague.role in (Role.THERAPIST, Role.SUPERVISOR)
        and colleague.clinic_id == referral.client.clinic_id
    )


def incoming_referrals(user) -> QuerySet[Referral]:
    """Open offers to ``user``, of clients of their own clinic still with the colleague
    who referred them (a client an admin moved meanwhile is no longer theirs to offer)."""
    return Referral.objects.filter(
        to_therapist=user,
        status=ReferralStatus.PROPOSED,
        client__clinic_id=user.clinic_id,
        client__therapist_id=F("from_therapist_id"),
    ).select_related("client", "from_therapist")


def outgoing_referrals(user) -> QuerySet[Referral]:
    """Referrals ``user`` made of clients still theirs (open, declined or withdrawn): once a
    colleague accepted, the client is the colleague's and out of ``user``'s scope."""
    return Referral.objects.filter(
        from_therapist=user, client__therapist=user, client__clinic_id=user.clinic_id
    ).select_related("client", "to_therapist")


def get_incoming_referral(user, referral_id) -> Referral:
    """An open offer made to ``user``; anything else, 404."""
    try:
        return incoming_referrals(user).get(pk=int(referral_id))
    except (Referral.DoesNotExist, ValueError, TypeError):
        raise Http404("No such referral") from None


def answered_offer(user, referral_id) -> Referral | None:
    """A referral once offered to ``user`` and no longer open (accepted, declined or
    withdrawn), or None: a second answer (a double click, a page left open while the
    referrer withdrew) is told what became of the offer instead of "not found". Its status
    is all it says, and the offer was made to ``user``."""
    try:
        pk = int(referral_id)
    except (ValueError, TypeError):
        return None
    return (
        Referral.objects.filter(pk=pk, to_therapist=user, client__clinic_id=user.clinic_id)
        .exclude(status=ReferralStatus.PROPOSED)
        .first()
    )


def declines_unseen(user) -> QuerySet[Referral]:
    """Referrals ``user`` made that a colleague declined and ``user`` has not seen yet, of
    clients still theirs: the client agreed to move and stays, and needs to hear so."""
    return Referral.objects.filter(
        from_therapist=user,
        status=ReferralStatus.DECLINED,
        decline_seen_at__isnull=True,
        client__therapist=user,
        client__clinic_id=user.clinic_id,
    )


def accepted_referral_made(user, client_id) -> Referral | None:
    """The latest referral ``user`` made of ``client_id`` that a colleague accepted, or
    None: what a withdrawal sent after the accept is told (the client is no longer the
    user's, and the accept was already told on their caseload)."""
    try:
        pk = int(client_id)
    except (ValueError, TypeError):
        return None
    return (
        Referral.objects.filter(
            client_id=pk,
            from_therapist=user,
            status=ReferralStatus.ACCEPTED,
            client__clinic_id=user.clinic_id,
        )
        .select_related("to_therapist")
        .first()
    )
