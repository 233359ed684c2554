"""An outcome questionnaire answered late, after the one about a later session had been
counted, reaches the therapist when it is worse.

The review's case: four weekly sessions, the PHQ-9 before sessions 1, 2 and 4 answered on
time (10, 10, 11), the one about session 3 answered today, after session 4's, with 20. The
alerts compared intake with session 4 only (10 to 11: nothing to say), so a reliable
deterioration at session 3 never reached anyone. It is an alert, explained as late, until
the therapist has seen it; then the alerts follow the latest score again.
"""

from __future__ import annotations

import datetime as dt

import pytest

from rapport.monitoring import services
from rapport.monitoring.models import Alert, AlertStatus
from rapport.monitoring.tasks import recompute_alerts
from tests.monitoring.db.conftest import text
from tests.monitoring.db.helpers import (
    NOW,
    active,
    day,
    make_episode,
    outcome_answers,
    outcomes,
    record,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("hooks_off")]


@pytest.fixture
def ben(therapist_a):
    """Four weekly sessions ending yesterday; PHQ-9 10, 10, (none yet), 11."""
    client, episode, held = make_episode(therapist_a, "Ben B.", sessions=4)
    outcomes(client, held, [10, 10, None, 11])
    recompute_alerts(now=NOW)
    return client, episode, held


def answer_late(ben, total: int) -> dt.datetime:
    """The PHQ-9 about session 3 answered now, after session 4's had been counted."""
    client, episode, held = ben
    at = NOW - dt.timedelta(minutes=1)
    record(client, "phq9", outcome_answers("phq9", total), at=at, appointment=held[2])
    recompute_alerts(now=NOW)
    return at


def test_a_late_reliably_worse_phq9_is_an_alert_explained_as_late(login, therapist_a, ben):
    client, episode, held = ben
    assert "reliable_deterioration" not in active(episode)
    answered = answer_late(ben, 20)

    alert = active(episode)["reliable_deterioration"]
    assert alert.status == AlertStatus.OPEN and alert.session == 3
    assert ":late:3:" in alert.signal_key
    assert alert.explanation.startswith(
        f"The PHQ-9 about session 3 ({day(held[2].starts_at)}) was answered on "
        f"{day(answered)}, after the one about session 4 had been counted"
    )
    assert "went from 10 at session 1 to 20 at session 3" in alert.explanation
    assert alert.evidence["late"] is True and alert.evidence["after_session"] == 4
    assert alert.evidence["score"] == 20
    assert "shown until acknowledged" in alert.evidence["rule"]
    # The client page shows it, with when it came.
    page = text(login(therapist_a).get(f"/clients/{client.pk}/").content.decode())
    assert f"The PHQ-9 about session 3 ({day(held[2].starts_at)}) was answered on" in page
    assert "went from 10 at session 1 to 20 at session 3" in page

    # Seen, it gives way to what the latest score says (10 to 11: nothing), for good.
    for item in active(episode).values():
        if ":late:" in item.signal_key:
            services.alert_acknowledge(actor=therapist_a, alert=item, now=NOW)
    recompute_alerts(now=NOW)
    assert "reliable_deterioration" not in active(episode)
    assert not any(":late:" in a.signal_key for a in active(episode).values())
    recompute_alerts(now=NOW + dt.timedelta(hours=1))
    assert "reliable_deterioration" not in active(episode)


def test_a_late_score_neither_reliably_worse_nor_off_track_raises_nothing(ben):
    client, episode, held = ben
    before = set(Alert.objects.filter(episode=episode).values_list("kind", "signal_key"))
    answer_late(ben, 10)
    after = set(Alert.objects.filter(episode=episode).values_list("kind", "signal_key"))
    assert after == before


def test_a_late_worse_score_the_next_score_already_says_adds_no_second_alert(therapist_a):
    """Session 4's 21 already raised the deterioration (on time): a late 20 about session 3
    is no news, and the alert stays the latest score's."""
    client, episode, held = make_episode(therapist_a, "Cy C.", sessions=4)
    outcomes(client, held, [10, 10, None, 21])
    recompute_alerts(now=NOW)
    assert "reliable_deterioration" in active(episode)
    answer_late((client, episode, held), 20)
    alert = active(episode)["reliable_deterioration"]
    assert ":late:" not in alert.signal_key
    assert "to 21 at session 4" in alert.explanation


def test_a_late_score_off_track_for_its_session_raises_not_on_track_as_late(ben):
    """12 at session 3 is above the tolerance limit for a client who started at 10 (11 at
    session 4, a week further on, is not): the late score's own course alert."""
    client, episode, held = ben
    answer_late(ben, 12)
    alerts = active(episode)
    assert "reliable_deterioration" not in alerts
    alert = alerts["not_on_track"]
    assert alert.session == 3 and ":late:3:" in alert.signal_key
    assert alert.explanation.startswith("The PHQ-9 about session 3 (")
    assert "At session 3, PHQ-9 is 12" in alert.explanation
    assert alert.evidence["late"] is True and alert.evidence["after_session"] == 4
