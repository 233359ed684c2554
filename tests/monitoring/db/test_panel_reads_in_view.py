"""The monitoring panel's who-did-what and risk facts are read by the view, not the template.

A template tag queried the database from inside the panel's template: what a page reads
belongs with the code that builds its context, where it is counted and audited.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from rapport.monitoring import services
from rapport.monitoring.models import Alert
from rapport.monitoring.tasks import recompute_alerts
from rapport.monitoring.views import client_panel
from tests.monitoring.db.helpers import checkins, make_episode, outcomes

pytestmark = pytest.mark.django_db


@pytest.fixture
def acknowledged(therapist_a, supervisor):
    """A client with alerts, one acknowledged by the supervisor."""
    now = timezone.now()
    client, episode, held = make_episode(therapist_a, "Quiet Q.", sessions=6, now=now)
    checkins(client, held, [38, 38, 37, (6, 8, 8), (7, 8, 8), (7, 8, 8)])
    outcomes(client, held, [8, 10, 12, 14, 16, 18])
    recompute_alerts(now=now)
    low = Alert.objects.get(episode=episode, kind="alliance_low")
    services.alert_acknowledge(actor=supervisor, alert=low)
    return client, low


def _panel(client, user):
    request = RequestFactory().get(f"/clients/{client.pk}/")
    request.user = user
    return request, client_panel(request, client)


def test_the_panel_context_carries_who_acted_and_whether_a_risk_answer_waits(
    therapist_a, supervisor, acknowledged
):
    client, low = acknowledged
    _request, panel = _panel(client, therapist_a)
    facts = panel["facts"]
    assert facts.risk_open is False
    (deed,) = facts.history[low.pk]
    assert deed.what == "acknowledged" and deed.by == supervisor


def test_rendering_the_panel_reads_nothing_from_the_database(therapist_a, supervisor, acknowledged):
    client, low = acknowledged
    request, panel = _panel(client, therapist_a)
    with CaptureQueriesContext(connection) as queries:
        html = render_to_string(
            "monitoring/panel.html", {"panel": panel, "user": therapist_a}, request=request
        )
    assert f"Acknowledged by {supervisor} (supervisor)" in html
    assert "No alerts need action" not in html  # there are alerts to act on
    assert [q["sql"] for q in queries.captured_queries] == []


def test_the_alert_page_is_given_its_history_by_the_view(login, therapist_a, acknowledged):
    _client, low = acknowledged
    response = login(therapist_a).get(f"/alerts/{low.pk}/dismiss/")
    (deed,) = response.context["facts"].history[low.pk]
    assert deed.what == "acknowledged"
    assert "Acknowledged by " in response.content.decode()
