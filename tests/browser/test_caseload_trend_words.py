"""Each caseload trend says its latest value and which way is better in text a reader can
size, not only in letters drawn inside the image (staff review finding 10): the image's
"26 ↑ better" came out about 8 px high at the 72-96 px the table gives it, and did not grow
with the browser's text size (WCAG 1.4.4, 1.4.5)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from tests.browser._helpers import assert_no_sideways_scroll, sign_in
from tests.monitoring.db.helpers import bulk_history, make_episode

from rapport.clinic.models import Phase
from rapport.monitoring.tasks import recompute_alerts

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def trends(therapist_a):
    now = timezone.now()
    client, _episode, held = make_episode(
        therapist_a, "Tara T.", sessions=4, now=now, phase=Phase.MAINTAINING
    )
    bulk_history(client, held, alliance=[38, 37, 30, 26], outcome=[18, 16, 15, 13])
    recompute_alerts(now=now + dt.timedelta(minutes=1))


@pytest.mark.parametrize("width", [768, 1280])
def test_each_trend_says_its_latest_value_in_text_under_it(
    browser, live_server, therapist_a, trends, width
):
    context = browser.new_context(viewport={"width": width, "height": 1024})
    try:
        page = context.new_page()
        sign_in(page, live_server, therapist_a)
        row = page.locator("table.caseload tbody tr").filter(has_text="Tara T.")
        alliance = row.locator('td[data-label="Alliance"]')
        outcome = row.locator('td[data-label="Outcome"]')
        assert alliance.inner_text().strip() == "Latest 26; higher is better"
        assert outcome.inner_text().strip() == "Latest 13; lower is better"

        words = alliance.locator(".spark-words")
        image = alliance.locator("img.spark").bounding_box()
        box = words.bounding_box()
        assert box["y"] >= image["y"] + image["height"] - 1  # under the line, not beside it
        size = "el => parseFloat(getComputedStyle(el).fontSize)"
        assert words.evaluate(size) >= 13
        # Text, so it grows with the reader's text size (an image's letters do not).
        page.evaluate("document.documentElement.style.fontSize = '200%'")
        assert words.evaluate(size) >= 26
        page.evaluate("document.documentElement.style.fontSize = ''")
        assert_no_sideways_scroll(page)
    finally:
        context.close()
