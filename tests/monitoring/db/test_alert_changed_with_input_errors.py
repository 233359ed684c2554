"""When the alert changed while the page was open *and* the input has an error (a snooze
date in the past, no note, no reason), the first page that comes back says both: that the
alert changed, and what to correct. Nothing is stored, and the form then carries the alert
as it is now, so correcting the field and sending again goes through.
Fixed clock: ``NOW`` (Monday 2 Mar 2026, noon) for the answers and the recomputes."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from rapport.monitoring import services
from rapport.monitoring.models import AlertStatus, RepairAction
from tests.monitoring.db.conftest import CHANGED, answer_session_2_pushed, shown_on, text
from tests.monitoring.db.helpers import NOW

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("hooks_off")]

DAY = dt.timedelta(days=1)


# name: (what the therapist sent wrong, the field's error, the same corrected)
CASES = {
    # Refused by the service (the date is a valid date, but not after today).
    "snooze": (
        lambda today: {"until": (today - DAY).isoformat()},
        "Choose a date after today.",
        lambda today: {"until": (today + 9 * DAY).isoformat()},
    ),
    # Refused by the form (neither a strategy nor a note).
    "action": (
        lambda today: {"strategy": "", "note": "  ", "performed_on": NOW.date()},
        "Choose a strategy or describe what you did.",
        lambda today: {
            "strategy": "",
            "note": "Asked what felt rushed.",
            "performed_on": NOW.date(),
        },
    ),
    # Refused by the form (a required field left empty).
    "dismiss": (
        lambda today: {"reason": ""},
        "This field is required.",
        lambda today: {"reason": "Talked it through with the client."},
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_first_page_back_says_the_alert_changed_and_what_to_correct(
    login, therapist_a, pushed_at_3, name
):
    client, _, held, alert = pushed_at_3
    wrong, error, right = CASES[name]
    today = timezone.localdate()
    http = login(therapist_a)
    (shown,) = shown_on(http.get(f"/alerts/{alert.pk}/{name}/").content.decode())

    answer_session_2_pushed(client, held)
    alert.refresh_from_db()
    assert alert.severity == "medium"  # changed while the page was open

    response = http.post(f"/alerts/{alert.pk}/{name}/", {**wrong(today), "shown": shown})

    assert response.status_code == 400
    said = text(response.content.decode())
    assert CHANGED in said and error in said
    assert alert.explanation in said  # the alert as it is now
    alert.refresh_from_db()
    assert alert.status == AlertStatus.OPEN and alert.seen == {}
    assert RepairAction.objects.count() == 0
    (again,) = shown_on(response.content.decode())
    assert again == services.alert_version(alert) != shown

    corrected = http.post(f"/alerts/{alert.pk}/{name}/", {**right(today), "shown": again})

    assert corrected.status_code == 302
    alert.refresh_from_db()
    assert alert.seen["severity"] == "medium"


def test_an_input_error_alone_does_not_say_the_alert_changed(login, therapist_a, pushed_at_3):
    _, _, _, alert = pushed_at_3
    http = login(therapist_a)
    (shown,) = shown_on(http.get(f"/alerts/{alert.pk}/snooze/").content.decode())
    past = (timezone.localdate() - DAY).isoformat()
    response = http.post(f"/alerts/{alert.pk}/snooze/", {"until": past, "shown": shown})
    said = text(response.content.decode())
    assert response.status_code == 400
    assert "Choose a date after today." in said and CHANGED not in said


def test_the_service_names_both_in_one_refusal(therapist_a, pushed_at_3):
    client, _, held, alert = pushed_at_3
    shown = services.alert_version(alert)
    answer_session_2_pushed(client, held)
    with pytest.raises(services.AlertChanged) as refused:
        services.alert_dismiss(actor=therapist_a, alert=alert, reason=" ", now=NOW, shown=shown)
    assert refused.value.message_dict == {
        "__all__": [CHANGED],
        "reason": ["Say why this alert does not need action."],
    }
