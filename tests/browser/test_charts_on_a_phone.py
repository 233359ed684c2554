"""The client page's charts on a 360 CSS px phone: the chart text stays legible."""

from __future__ import annotations

import pytest
from tests.browser._helpers import assert_no_sideways_scroll, sign_in
from tests.monitoring.db.helpers import checkins, make_episode, outcomes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The smallest chart text we accept on a phone, in CSS px: below about 11 px tick labels
# and legends could not be read (an exploratory test on a 360 px phone found 4-5 px).
LEGIBLE_PX = 11


def smallest_chart_text_px(page) -> list[tuple[str, float]]:
    """Each chart image's alt text (its start) and its smallest text as drawn, in CSS px.

    Matplotlib's SVG units are points (the viewBox) and it draws each text as glyphs
    scaled by its font size in points / 100 (``scale(0.11 -0.11)`` for 11 pt), so the
    drawn size is that font size times the image's CSS px per point."""
    return page.evaluate(
        """() => [...document.querySelectorAll('img[src^="data:image/svg+xml"]')]
            .filter(img => img.alt && img.getBoundingClientRect().width > 0)
            .map(img => {
                const svg = atob(img.src.split(',')[1]);
                const width = parseFloat(svg.match(/viewBox="0 0 ([0-9.]+) /)[1]);
                const sizes = [...svg.matchAll(/scale\\(([0-9.]+) -([0-9.]+)\\)/g)]
                    .map(m => parseFloat(m[1]) * 100);
                const perPoint = img.getBoundingClientRect().width / width;
                return [img.alt.slice(0, 40), Math.min(...sizes) * perPoint];
            })"""
    )


def test_chart_text_is_legible_on_a_360_px_phone(phone_360, live_server, therapist_a):
    client, _, held = make_episode(therapist_a, "Phone P.", sessions=4)
    checkins(client, held, [(8, 8, 8), (7, 8, 8), (8, 9, 8), (6, 7, 6)])
    outcomes(client, held, [16, 15, 14, 15])
    page = phone_360
    sign_in(page, live_server, therapist_a)
    page.goto(f"{live_server.url}/clients/{client.pk}/")
    drawn = smallest_chart_text_px(page)
    # Monitoring's outcome, alliance and parts charts, and the check-ins panel's two.
    assert len(drawn) == 5, drawn
    assert [(alt, round(px, 1)) for alt, px in drawn if px < LEGIBLE_PX] == []
    assert_no_sideways_scroll(page)
