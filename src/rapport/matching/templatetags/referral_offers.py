"""``{% referral_offers_waiting %}``: on a clinician's caseload, a line while colleagues'
referral offers wait for their answer, linking to the offers page. Otherwise an offer was
found only through the offers page itself (a colleague waiting on an answer, a client
waiting to start)."""

from __future__ import annotations

from django import template

from rapport.matching.selectors import incoming_referrals

register = template.Library()


@register.inclusion_tag("matching/includes/offers_waiting.html", takes_context=True)
def referral_offers_waiting(context) -> dict:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or user.is_clinic_admin:
        return {"waiting": 0}
    return {"waiting": incoming_referrals(user).count()}
