"""``{% referral_offers_waiting %}``: on a clinician's caseload, a line while colleagues'
referral offers wait for their answer, linking to the offers page. Otherwise an offer was
found only through the offers page itself (a colleague waiting on an answer, a client
waiting to start). Likewise while a colleague's decline of a referral the clinician made
is unread (the client agreed to move, and stays)."""

from __future__ import annotations

from django import template

from rapport.matching.selectors import declines_unseen, incoming_referrals

register = template.Library()


@register.inclusion_tag("matching/includes/offers_waiting.html", takes_context=True)
def referral_offers_waiting(context) -> dict:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or user.is_clinic_admin:
        return {"waiting": 0, "declined": 0}
    return {
        "waiting": incoming_referrals(user).count(),
        # A colleague declined a referral the clinician made, and they have not read it:
        # the client agreed to move and stays with them, and should hear so from them.
        "declined": declines_unseen(user).count(),
    }
