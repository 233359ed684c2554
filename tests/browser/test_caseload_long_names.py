"""A long client or therapist name on the caseload wraps in its cell, not widening the page.

Staff review finding 3: renamed "Wolfeschlegelsteinhausenbergerdorff-Smith" (a real kind of
surname), a therapist's caseload on a 768 px tablet was 1,000 px wide, the table's cells
sticking out; a 200-character name without a space (the form takes it) made it 3,428 px
wide even at 1,280 px. The client page already coped.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from tests.browser._helpers import assert_no_sideways_scroll, sign_in
from tests.monitoring.db.helpers import bulk_history, make_episode

from rapport.accounts.models import SupervisionLink
from rapport.clinic.models import Phase
from rapport.monitoring.tasks import recompute_alerts

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SURNAME = "Wolfeschlegelsteinhausenbergerdorff-Smith"
NO_SPACE = "Q" * 200
THERAPIST = "Konstantinopoulou" * 6


@pytest.fixture
def long_names(therapist_a, therapist_b, supervisor):
    """Therapist A's clients with long names, trends drawn, and a supervisor of A and B;
    A's own name long too (the supervisor's Therapist column)."""
    SupervisionLink.objects.create(supervisor=supervisor, supervisee=therapist_b)
    therapist_a.full_name = THERAPIST
    therapist_a.save(update_fields=["full_name"])
    now = timezone.now()
    for name in (f"Anna {SURNAME}", NO_SPACE):
        client, _episode, held = make_episode(
            therapist_a, name, sessions=4, now=now, phase=Phase.MAINTAINING
        )
        bulk_history(client, held, alliance=[38, 37, 30, 31], outcome=[15, 14, 13, 12])
    recompute_alerts(now=now + dt.timedelta(minutes=1))


@pytest.mark.parametrize("width", [768, 1280])
@pytest.mark.parametrize("who", ["therapist", "supervisor"])
def test_a_long_client_name_wraps_in_the_caseload(
    browser, live_server, therapist_a, supervisor, long_names, width, who
):
    user = therapist_a if who == "therapist" else supervisor
    context = browser.new_context(viewport={"width": width, "height": 1024})
    try:
        page = context.new_page()
        sign_in(page, live_server, user)
        names = page.locator("table.caseload tbody th a")
        # Every letter is there, broken over lines, not cut.
        assert sorted(names.all_inner_texts()) == sorted([f"Anna {SURNAME}", NO_SPACE])
        if who == "supervisor":
            therapists = page.locator("table.caseload tbody td").filter(has_text=THERAPIST)
            assert therapists.count() == 2
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        assert_no_sideways_scroll(page)
    finally:
        context.close()
