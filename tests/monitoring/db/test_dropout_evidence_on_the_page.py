"""A dropout-risk card's evidence reads as the estimate is now made and shown.

Since 9f1e901 the published model's number is shown as a band ("higher than usual"), not a
percentage, and since aaf1d9f only no-shows and the client's own cancellations count. The
evidence still said "Band", "Raised from an estimate of 30%" and "Missed or cancelled
appointments". Fixed clock: ``NOW`` for the answers and the recompute."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest

from rapport.clinic.models import Appointment, Attendance, CancelledBy
from rapport.monitoring.models import Alert
from rapport.monitoring.tasks import recompute_alerts
from tests.monitoring.db.helpers import NOW, checkins, make_episode

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("hooks_off")]

DAY = dt.timedelta(days=1)


def evidence(page: str, alert: Alert) -> dict[str, str]:
    """The card's "Evidence and source" list as label -> value."""
    card = page[page.index(f'id="alert-{alert.pk}"') :]
    facts = card[card.index('<dl class="facts">') : card.index("</dl>")]
    return {
        html.unescape(label): html.unescape(value)
        for label, value in re.findall(r"<dt>(.*?)</dt><dd>(.*?)</dd>", facts)
    }


def test_the_dropout_card_says_the_band_its_thresholds_and_whose_cancellations_count(
    login, therapist_a
):
    # A young client, the alliance falling at session 3, one appointment the client
    # cancelled and one the clinic cancelled: a medium dropout risk.
    client, episode, held = make_episode(therapist_a, "Risk R.", sessions=3, birth_year=2004)
    for days, by in ((2, CancelledBy.CLIENT), (3, CancelledBy.CLINIC)):
        Appointment.objects.create(
            episode=episode,
            starts_at=held[0].starts_at + days * DAY,
            attendance=Attendance.CANCELLED,
            cancelled_by=by,
        )
    checkins(client, held, [38, 38, 30])
    recompute_alerts(now=NOW)
    alert = Alert.objects.get(episode=episode, kind="dropout_risk")

    rows = evidence(login(therapist_a).get(f"/clients/{client.pk}/").content.decode(), alert)

    # One cancellation counts (the client's): exp(0.35), not exp(0.70) ("about 2 times").
    assert rows["No-shows and cancellations by the client"] == (
        "Raises the risk: about 1.4 times the odds of ending early"
    )
    assert rows["Chance of ending early"] == "higher than usual"
    assert rows["Counts as higher than usual"] == "a model score of 30% or more (uncalibrated)"
    assert rows["Counts as much higher than usual (high priority)"] == (
        "a model score of 50% or more (uncalibrated)"
    )
    assert rows["Rule"].startswith("Raised when the model's score for ending early is 30%")
    shown = " ".join(rows)
    assert "Band" not in shown and "Raised from" not in shown and "Missed or cancelled" not in shown
    assert "Estimated chance" not in shown  # no percentage for this client, as the card says
