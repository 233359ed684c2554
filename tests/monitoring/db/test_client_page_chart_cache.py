"""The client page's charts come from the chart cache while nothing changed, and show a new
score as soon as it is stored.

Each view drew the page's five charts afresh (matplotlib, most of the page's time). The
cache keys a chart by everything drawn in it, so a second view draws nothing and shows
the same pictures, and a new check-in is drawn at once, never hidden behind an old
picture.
"""

from __future__ import annotations

import base64
import html
import re

import pytest
from django.utils import timezone

from rapport.lib import charts
from rapport.monitoring.tasks import recompute_alerts
from tests.monitoring.db.helpers import checkins, make_episode, outcomes

pytestmark = pytest.mark.django_db


@pytest.fixture
def drawings(monkeypatch):
    """Every chart actually drawn (not taken from the cache), by title, from an empty cache."""
    charts.chart_cache_clear()
    drawn: list[str] = []
    render = charts._render

    def counting(chart):
        drawn.append(str(chart.title))
        return render(chart)

    monkeypatch.setattr(charts, "_render", counting)
    yield drawn
    charts.chart_cache_clear()


def chart_images(page: str) -> dict[str, tuple[str, str]]:
    """The page's SVG chart images: alt text (its start) -> (alt, SVG)."""
    return {
        html.unescape(alt)[:40]: (html.unescape(alt), base64.b64decode(src).decode())
        for src, alt in re.findall(
            r'<img[^>]*src="data:image/svg\+xml;base64,([^"]+)"[^>]*alt="([^"]*)"', page
        )
    }


def test_a_second_view_draws_nothing_and_a_new_check_in_is_drawn_at_once(
    login, therapist_a, drawings
):
    now = timezone.now()
    client, _, held = make_episode(therapist_a, "Cache C.", sessions=5, now=now)
    checkins(client, held[:4], [(8, 8, 8), (7, 8, 8), (8, 9, 8), (6, 7, 6)])
    outcomes(client, held[:4], [16, 15, 14, 15])
    recompute_alerts(now=now)
    http = login(therapist_a)

    first = chart_images(http.get(f"/clients/{client.pk}/").content.decode())
    # Monitoring's outcome, alliance and parts charts, and the check-ins panel's two.
    assert len(first) == 5, list(first)
    assert len(drawings) == 5

    again = chart_images(http.get(f"/clients/{client.pk}/").content.decode())
    assert again == first  # the same pictures, with the same alt text
    assert len(drawings) == 5  # none drawn again

    checkins(client, held[4:], [(3, 4, 3)])  # session 5: a low check-in
    recompute_alerts(now=now)
    after = chart_images(http.get(f"/clients/{client.pk}/").content.decode())
    # The alliance charts (monitoring's total and parts, the panel's check-in chart) are
    # drawn anew with session 5; the PHQ-9 charts, whose numbers did not change, are not.
    redrawn = drawings[5:]
    assert len(redrawn) == 3, redrawn
    assert not any("PHQ-9" in title for title in redrawn)
    alliance = [
        (alt, svg)
        for alt, svg in after.values()
        if alt.startswith("Alliance") and "session 5" in alt
    ]
    assert len(alliance) == 1
    alt, svg = alliance[0]
    assert "session 5: 13" in alt  # 3 + 4 + 3 + overall 3 (their rounded mean)
    assert svg not in {old_svg for _, old_svg in first.values()}
    assert len(after) == 5
