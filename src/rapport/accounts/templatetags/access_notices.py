"""``{% access_notices %}``: the notices at the top of a clinician's caseload about changes
to who can see their clients (``AccessNotice``), until they mark them seen, and the way to
the page "Who can see your clients". On a clinic admin's start page (the users list), the
notices about their own account (second factors removed, a password someone else set):
an admin has no clients, and never opens the caseload, so they were never shown."""

from __future__ import annotations

from django import template

from rapport.accounts.notices import access_notice_by, access_notice_text
from rapport.accounts.selectors import access_notices_unseen

register = template.Library()


@register.inclusion_tag("accounts/includes/access_notices.html", takes_context=True)
def access_notices(context) -> dict:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"notices": [], "show": False}
    notices = list(access_notices_unseen(user))
    # Whom to ask about an unexpected change depends on who made it: the note names only
    # those who made one of the notices shown (a referral is accepted by a colleague, not
    # by an admin; ``rapport set-password`` is run by whoever runs Rapport).
    made_by = {access_notice_by(notice) for notice in notices}
    return {
        "show": True,
        "admin": user.is_clinic_admin,
        "made_by": made_by,
        "notices": [(notice.pk, access_notice_text(notice)) for notice in notices],
        "csrf_token": context.get("csrf_token"),
    }
