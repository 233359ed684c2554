""" "Log what you did" sent empty ties its error to the strategy field, not to the form.

As a form-wide error, "Choose a strategy or describe what you did." was tied to no control:
no aria-invalid, no aria-describedby, and the error summary had no link to the field
(accessibility pass).
"""

from __future__ import annotations

import re

import pytest
from django.utils import timezone

from rapport.monitoring.forms import LogActionForm
from rapport.monitoring.models import Alert, AlertStatus, RepairAction
from rapport.monitoring.tasks import recompute_alerts
from tests.monitoring.db.helpers import as_shown, checkins, make_episode, outcomes

pytestmark = pytest.mark.django_db

MESSAGE = "Choose a strategy or describe what you did."


def test_the_form_puts_the_error_on_the_strategy_field():
    form = LogActionForm(
        data={"strategy": "", "note": "   ", "performed_on": timezone.localdate().isoformat()}
    )
    assert not form.is_valid()
    assert form.errors == {"strategy": [MESSAGE]}
    assert form.non_field_errors() == []


def test_a_strategy_or_a_note_is_enough():
    day = timezone.localdate().isoformat()
    assert LogActionForm(data={"strategy": "", "note": "Asked.", "performed_on": day}).is_valid()


@pytest.fixture
def low(therapist_a):
    now = timezone.now()
    client, episode, held = make_episode(therapist_a, "Empty E.", sessions=6, now=now)
    checkins(client, held, [38, 38, 37, (6, 8, 8), (7, 8, 8), (7, 8, 8)])
    outcomes(client, held, [8, 10, 12, 14, 16, 18])
    recompute_alerts(now=now)
    return Alert.objects.get(episode=episode, kind="alliance_low")


def test_the_page_marks_the_strategy_field_and_the_summary_links_to_it(login, therapist_a, low):
    response = login(therapist_a).post(
        f"/alerts/{low.pk}/action/",
        as_shown(
            low, {"strategy": "", "note": "", "performed_on": timezone.localdate().isoformat()}
        ),
    )
    assert response.status_code == 400
    page = response.content.decode()
    select = re.search(r'<select name="strategy"[^>]*>', page).group(0)
    assert 'aria-invalid="true"' in select
    describedby = re.search(r'aria-describedby="([^"]*)"', select).group(1).split()
    assert "id_strategy_error" in describedby
    assert f'<div id="id_strategy_error"><p class="error">{MESSAGE}</p></div>' in page
    summary = page.split('<div class="error-summary" role="alert">', 1)[1].split("</div>", 1)[0]
    assert f'<a href="#id_strategy">What did you try?</a>: {MESSAGE}' in summary
    assert f"<p>{MESSAGE}</p>" not in summary  # no longer a message tied to nothing
    low.refresh_from_db()
    assert low.status == AlertStatus.OPEN and not RepairAction.objects.filter(alert=low).exists()
