"""An action on an alert applies to the alert the page showed: if a recompute changed it
between the page and the click (the client answered a check-in meanwhile), the action is
refused, nothing changes, and the page shows the alert as it is now with the therapist's
input kept; what they never saw is not recorded as seen (``Alert.seen``). The forms carry
the alert's version (``services.alert_version``), which the service only compares.
Fixed clock: ``NOW`` (Monday 2 Mar 2026, noon) for the answers and the recomputes."""

from __future__ import annotations

import datetime as dt
import html

import pytest
from django.utils import timezone

from rapport.audit.models import AuditEvent
from rapport.monitoring import services
from rapport.monitoring.models import Alert, AlertStatus, RepairAction
from rapport.monitoring.tasks import recompute_alerts
from tests.monitoring.db.conftest import CHANGED, answer_session_2_pushed, shown_on, text
from tests.monitoring.db.helpers import NOW

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("hooks_off")]

DAY = dt.timedelta(days=1)
HOUR = dt.timedelta(hours=1)


def inputs(name: str) -> dict:
    """What the therapist typed (the pages read "today" from the wall clock)."""
    today = timezone.localdate()
    return {
        "acknowledge": {},
        "action": {"strategy": "", "note": "Asked what felt rushed.", "performed_on": NOW.date()},
        "dismiss": {"reason": "Talked it through with the client."},
        "snooze": {"until": (today + 9 * DAY).isoformat()},
    }[name]


def stored(alert: Alert) -> tuple:
    alert.refresh_from_db()
    return (
        alert.status,
        alert.seen,
        alert.acknowledged_at,
        alert.snoozed_until,
        alert.dismiss_reason,
        RepairAction.objects.count(),
    )


@pytest.mark.parametrize("name", ["acknowledge", "action", "dismiss", "snooze"])
def test_an_action_on_an_alert_that_got_worse_since_the_page_is_refused_and_changes_nothing(
    login, therapist_a, pushed_at_3, name
):
    client, _, held, alert = pushed_at_3
    http = login(therapist_a)
    (shown,) = shown_on(http.get(f"/alerts/{alert.pk}/{name}/").content.decode())

    answer_session_2_pushed(client, held)
    before = stored(alert)
    assert alert.session == 2 and alert.severity == "medium"  # worse than the page showed

    response = http.post(f"/alerts/{alert.pk}/{name}/", {**inputs(name), "shown": shown})

    assert response.status_code == 400
    assert stored(alert) == before and alert.status == AlertStatus.OPEN and alert.seen == {}
    assert (
        not AuditEvent.objects.filter(target__startswith=f"alert:{alert.pk}:")
        .exclude(target__contains="raised")
        .exclude(target__contains="updated")
        .exists()
    )
    page = response.content.decode()
    said = text(page)
    # The message, and the alert as it is now (the answer about session 2).
    assert CHANGED in said
    assert alert.explanation in said and "session 2" in alert.explanation
    # What the therapist typed is kept; the form now carries the alert as shown again.
    for value in inputs(name).values():
        if value:
            assert html.escape(str(value), quote=True) in page or str(value) in said
    assert shown_on(page) == [services.alert_version(alert)] != [shown]


def test_choosing_again_on_the_page_shown_after_the_refusal_goes_through(
    login, therapist_a, pushed_at_3
):
    """The worse answer reopens an acknowledged alert while the therapist is logging an
    action: the refusal shows why it reopened; sending the page again records what they
    have now seen."""
    client, _, held, alert = pushed_at_3
    services.alert_acknowledge(actor=therapist_a, alert=alert, now=NOW)
    http = login(therapist_a)
    (shown,) = shown_on(http.get(f"/alerts/{alert.pk}/action/").content.decode())

    answer_session_2_pushed(client, held)
    alert.refresh_from_db()
    assert alert.status == AlertStatus.OPEN and alert.woken_reason.startswith(
        "New answer since this was acknowledged on 2 Mar"
    )

    sent = {**inputs("action"), "shown": shown}
    refused = http.post(f"/alerts/{alert.pk}/action/", sent)
    assert refused.status_code == 400 and RepairAction.objects.count() == 0
    assert alert.woken_reason in text(refused.content.decode())
    (again,) = shown_on(refused.content.decode())

    response = http.post(f"/alerts/{alert.pk}/action/", {**sent, "shown": again})

    assert response.status_code == 302
    alert.refresh_from_db()
    assert alert.status == AlertStatus.ACTION_LOGGED and alert.woken_reason == ""
    assert alert.signal_key in alert.seen["keys"] and alert.seen["severity"] == "medium"
    assert RepairAction.objects.get().note == "Asked what felt rushed."


@pytest.mark.parametrize("name", ["acknowledge", "action", "dismiss", "snooze"])
def test_it_goes_through_when_nothing_changed_even_if_a_recompute_ran(
    login, therapist_a, pushed_at_3, name
):
    client, _, held, alert = pushed_at_3
    http = login(therapist_a)
    (shown,) = shown_on(http.get(f"/alerts/{alert.pk}/{name}/").content.decode())
    recompute_alerts(now=NOW + HOUR)  # the same answers: the alert says the same

    response = http.post(f"/alerts/{alert.pk}/{name}/", {**inputs(name), "shown": shown})

    assert response.status_code == 302
    alert.refresh_from_db()
    expected = {
        "acknowledge": AlertStatus.ACKNOWLEDGED,
        "action": AlertStatus.ACTION_LOGGED,
        "dismiss": AlertStatus.DISMISSED,
        "snooze": AlertStatus.SNOOZED,
    }
    assert alert.status == expected[name] and alert.seen["keys"] == [alert.signal_key]


def test_the_buttons_on_the_client_page_carry_the_alert_as_shown_there(
    login, therapist_a, pushed_at_3
):
    client, _, held, alert = pushed_at_3
    http = login(therapist_a)
    page = http.get(f"/clients/{client.pk}/").content.decode()
    card = page[page.index(f'id="alert-{alert.pk}"') :]
    card = card[: card.index("</article>")]
    # Acknowledge, log action, snooze, dismiss: each with the version, none with an id.
    assert shown_on(card) == [services.alert_version(alert)] * 4

    answer_session_2_pushed(client, held)
    refused = http.post(f"/alerts/{alert.pk}/acknowledge/", {"shown": shown_on(card)[0]})
    assert refused.status_code == 400 and CHANGED in text(refused.content.decode())
    alert.refresh_from_db()
    assert alert.status == AlertStatus.OPEN and alert.acknowledged_at is None


def test_a_form_without_the_version_is_refused_like_a_changed_alert(
    login, therapist_a, pushed_at_3
):
    _, _, _, alert = pushed_at_3
    response = login(therapist_a).post(f"/alerts/{alert.pk}/acknowledge/")
    assert response.status_code == 400 and CHANGED in text(response.content.decode())
    alert.refresh_from_db()
    assert alert.status == AlertStatus.OPEN and alert.seen == {}


def test_sending_the_same_page_twice_still_acts_once(login, therapist_a, pushed_at_3):
    _, _, _, alert = pushed_at_3
    http = login(therapist_a)
    (ack,) = shown_on(http.get(f"/alerts/{alert.pk}/acknowledge/").content.decode())
    (act,) = shown_on(http.get(f"/alerts/{alert.pk}/action/").content.decode())
    for _ in range(2):
        assert http.post(f"/alerts/{alert.pk}/acknowledge/", {"shown": ack}).status_code == 302
    for _ in range(2):
        sent = {**inputs("action"), "shown": act}
        assert http.post(f"/alerts/{alert.pk}/action/", sent).status_code == 302
    assert AuditEvent.objects.filter(target=f"alert:{alert.pk}:acknowledged").count() == 1
    assert RepairAction.objects.count() == 1
    alert.refresh_from_db()
    assert alert.status == AlertStatus.ACTION_LOGGED
