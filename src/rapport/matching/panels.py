"""The "Referral to a colleague" section of the client page, for the client's own
therapist: an open referral (with Withdraw), the last declined one with the colleague's
reason, and the way to find a better-matched colleague."""

from __future__ import annotations

from rapport.audit.services import Action, audit_record
from rapport.matching import selectors, services
from rapport.matching.models import Referral, ReferralStatus

__all__ = ["REFERRAL_ORDER", "referral_panel"]

#: Near the end of the client page, after transcripts.
REFERRAL_ORDER = 70


def referral_panel(request, client) -> dict | None:
    """Only for the client's own therapist: a referral is their conversation with the
    client. Audits the read (the panel shows the referral's status and reasons)."""
    if client.therapist_id != request.user.pk:
        return None
    referrals = list(
        Referral.objects.filter(client=client, from_therapist=request.user).select_related(
            "to_therapist"
        )[:5]
    )
    open_referral = next((r for r in referrals if r.status == ReferralStatus.PROPOSED), None)
    declined = next((r for r in referrals if r.status == ReferralStatus.DECLINED), None)
    audit_record(
        actor=request.user,
        action=Action.VIEW,
        target="referral-panel",
        client_id=client.pk,
        request=request,
    )
    shown_declined = declined if declined is not None and referrals[0] is declined else None
    if declined is not None:
        services.declines_seen(actor=request.user, client=client)
    return {
        "template": "matching/panel.html",
        "client": client,
        "open_referral": open_referral,
        "unanswerable": open_referral is not None
        and not selectors.colleague_can_answer(open_referral),
        # The colleague's answer, until the therapist refers again.
        "declined": shown_declined,
    }
