"""A supervisor's caseload on a tablet held upright (820 px, an iPad Air) fits the screen.

With the Therapist column a supervisor sees, the table needed 839 px on an 820 px tablet:
the two trend images kept 96 px each, and "Next appointment" sat partly off the screen,
reached only by scrolling sideways. The trend images may now narrow (not below 72 px).
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from tests.browser._helpers import assert_no_sideways_scroll, sign_in
from tests.monitoring.db.helpers import bulk_history, make_episode

from rapport.accounts.models import SupervisionLink
from rapport.clinic.models import Attendance, Phase
from rapport.monitoring.tasks import recompute_alerts

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def supervised_caseload(supervisor, therapist_a, therapist_b):
    """Two supervisees' clients as the demo has them: trends drawn, two alert tags each, a
    last session cancelled ("(cancelled 6 Dec)" is the Last seen column's longest word),
    the longest phase name."""
    SupervisionLink.objects.create(supervisor=supervisor, supervisee=therapist_b)
    for therapist, full_name in ((therapist_a, "Alex Rivera"), (therapist_b, "Sam Okafor")):
        therapist.full_name = full_name
        therapist.save(update_fields=["full_name"])
    now = timezone.now()
    for therapist, name, alliance in (
        (therapist_a, "Gus G.", [38, 38, 38, 37, 21, 24]),
        (therapist_b, "Hana H.", [37, 38, 38, 37, 26, 27]),
        (therapist_b, "Quinn T.", [38, 38, 38, 38, 38, None]),
    ):
        client, episode, held = make_episode(
            therapist, name, sessions=6, now=now, phase=Phase.MAINTAINING
        )
        # No scores for a session that did not happen.
        outcome = [15, 14, 13, 12, 12, 11 if alliance[-1] else None]
        bulk_history(client, held, alliance=alliance, outcome=outcome)
        if alliance[-1] is None:
            held[-1].attendance = Attendance.CANCELLED
            held[-1].save(update_fields=["attendance"])
    recompute_alerts(now=now + dt.timedelta(minutes=1))


def test_a_supervisors_caseload_fits_an_upright_tablet(
    browser, live_server, supervisor, supervised_caseload
):
    context = browser.new_context(viewport={"width": 820, "height": 1180})
    try:
        page = context.new_page()
        sign_in(page, live_server, supervisor)

        table = page.locator("table.caseload")
        assert table.locator("thead th").nth(1).inner_text() == "Therapist"
        assert table.locator("tbody tr").count() == 3
        assert_no_sideways_scroll(page)
        # The last column is on the screen, and the trends are still drawn at a readable size.
        header = table.locator("thead th").last
        box = header.bounding_box()
        assert header.inner_text().replace("\n", " ") == "Next appointment"
        assert box is not None and box["x"] + box["width"] <= 820
        for spark in table.locator("img.spark").all():
            width = spark.bounding_box()["width"]
            assert 72 <= width <= 96, width
    finally:
        context.close()


def test_a_supervisors_caseload_on_a_768_px_tablet_is_a_list_of_cards(
    browser, live_server, supervisor, supervised_caseload
):
    """At 768 px the same table was 791 px wide: it turns into one card per client, each
    cell named, as a phone shows it."""
    context = browser.new_context(viewport={"width": 768, "height": 1024})
    try:
        page = context.new_page()
        sign_in(page, live_server, supervisor)
        table = page.locator("table.caseload")
        assert table.locator("tbody tr").count() == 3
        assert not table.locator("thead").is_visible()
        assert_no_sideways_scroll(page)
        label = table.locator("td[data-label='Next appointment']").first
        content = label.evaluate("cell => getComputedStyle(cell, '::before').content")
        assert content == '"Next appointment: "'
        box = label.bounding_box()
        assert box is not None and box["x"] + box["width"] <= 768
    finally:
        context.close()
