"""Template tags for pages outside the check-ins app (the caseload's risk badge)."""

from __future__ import annotations

from django import template

from rapport.audit.services import Action, audit_record_many

register = template.Library()


@register.simple_tag(takes_context=True)
def risk_flagged_clients(context, rows) -> set[int]:
    """Ids of the caseload's clients with a risk answer (PHQ-9 item 9) not yet followed up,
    as the caseload found them (``CaseloadRow.risk_unreviewed``), audited per client."""
    request = context.get("request")
    if request is None:
        return set()
    flagged = {row.client.pk for row in rows if row.risk_unreviewed}
    if flagged:
        audit_record_many(
            actor=request.user,
            action=Action.VIEW,
            target="caseload:risk-notices",
            client_ids=sorted(flagged),
            request=request,
        )
    return flagged
