"""Every folded part of the client page and of an alert's own page, opened on a 320 CSS px
screen (a small phone, or a larger one zoomed to 200%: WCAG 1.4.10, reflow), fits without
sideways scrolling. The accessibility pass opened an alert's "Evidence and source" at 320 px:
its labels ("No-shows and cancellations by the client") kept their full width, the values were
pushed out of the card one letter per line, and the page became 421 px wide."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from tests.browser._helpers import assert_no_sideways_scroll, sign_in
from tests.monitoring.db.helpers import checkins, make_episode

from rapport.clinic.models import Appointment, Attendance
from rapport.monitoring.models import Alert
from rapport.monitoring.tasks import recompute_alerts
from rapport.monitoring.templatetags.evidence_text import evidence_rows

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def open_every_details(page) -> int:
    """Opens every <details> on the page, nested ones too; returns how many there are."""
    return page.evaluate(
        "() => { const all = [...document.querySelectorAll('details')];"
        " all.forEach(d => { d.open = true; }); return all.length; }"
    )


def evidence_labels_beside_values(page) -> list[str]:
    """Each evidence value that does not start at its label's left edge or below the label:
    a value squeezed beside a long label, on the right of it."""
    return page.evaluate(
        """() => [...document.querySelectorAll('dl.facts dd')].flatMap(dd => {
            const dt = dd.previousElementSibling;
            const label = dt.getBoundingClientRect(), value = dd.getBoundingClientRect();
            return value.left > label.left + 0.5 ? [`${dt.innerText}: ${dd.innerText}`] : [];
        })"""
    )


@pytest.fixture
def dropout_risk(therapist_a):
    """An alert whose evidence has the longest labels: the dropout model's factors."""
    # Three weekly sessions up to yesterday, one missed, the alliance falling from 38 to 30:
    # about 36% on the published model (tests/monitoring/db/test_dropout_calibration.py).
    client, episode, held = make_episode(therapist_a, "Dropout D.", sessions=3, now=timezone.now())
    Appointment.objects.create(
        episode=episode,
        starts_at=held[0].starts_at + timedelta(days=2),
        attendance=Attendance.NO_SHOW,
    )
    checkins(client, held, [38, 38, 30])
    recompute_alerts()
    alert = Alert.objects.get(episode=episode, kind="dropout_risk")
    labels = [label for label, _ in evidence_rows(alert.evidence, alert.kind)]
    assert "No-shows and cancellations by the client" in labels
    return alert


def test_the_client_page_with_every_part_opened_fits_a_320_px_phone(
    narrow_page, live_server, therapist_a, dropout_risk
):
    page = narrow_page
    sign_in(page, live_server, therapist_a)
    page.goto(f"{live_server.url}/clients/{dropout_risk.episode.client_id}/")
    assert_no_sideways_scroll(page)
    assert open_every_details(page) >= 5  # evidence, the rule, strategies, sources, forms
    evidence = page.locator(f"#alert-{dropout_risk.pk} dl.facts")
    assert evidence.is_visible() and evidence.locator("dd").count() >= 3
    assert_no_sideways_scroll(page)
    # On a phone each label sits above its value, which gets the card's whole width.
    assert evidence_labels_beside_values(page) == []


def test_an_alerts_own_page_with_every_part_opened_fits_a_320_px_phone(
    narrow_page, live_server, therapist_a, dropout_risk
):
    page = narrow_page
    sign_in(page, live_server, therapist_a)
    page.goto(f"{live_server.url}/alerts/{dropout_risk.pk}/action/")
    assert page.get_by_role("heading", name="Log what you did").is_visible()
    assert open_every_details(page) >= 1
    assert page.locator("dl.facts dd").count() >= 3
    assert_no_sideways_scroll(page)
    assert evidence_labels_beside_values(page) == []
