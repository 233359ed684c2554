"""The alert pages and the client page's monitoring panel: what they show, who may act."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone
from django.utils.html import escape

from rapport.audit.models import AuditEvent
from rapport.guidance.models import Strategy
from rapport.guidance.services import library_load
from rapport.monitoring.models import Alert, AlertStatus, RepairAction
from rapport.monitoring.tasks import recompute_alerts
from tests.monitoring.db.helpers import as_shown, checkins, make_episode, outcomes

pytestmark = pytest.mark.django_db

ALERT_URLS = ("acknowledge", "action", "dismiss", "snooze")


@pytest.fixture
def ruptured(therapist_a):
    """Data relative to the wall clock: the pages read "today" from it."""
    now = timezone.now()
    client, episode, held = make_episode(
        therapist_a, "Rupture R.", sessions=6, now=now, goals=("Go back to my evening class",)
    )
    checkins(client, held, [38, 38, 37, (6, 8, 8), (7, 8, 8), (7, 8, 8)])
    outcomes(client, held, [16, 15, 15, 16, 17, 18])
    recompute_alerts(now=now)
    library_load(clinic=client.clinic)
    return client, Alert.objects.get(episode=episode, kind="alliance_rupture")


def state(alert):
    alert.refresh_from_db()
    return (alert.status, alert.snoozed_until, alert.dismiss_reason, RepairAction.objects.count())


def test_the_client_page_shows_the_alert_with_evidence_source_strategies_and_forms(
    login, therapist_a, ruptured
):
    client, alert = ruptured
    page = login(therapist_a).get(f"/clients/{client.pk}/").content.decode()
    assert f'id="alert-{alert.pk}"' in page
    assert "Alliance rupture" in page and "fell to 29 out of 40 at session 4" in page
    assert "Evidence and source" in page and "Zlotnick" in page
    section = page[page.index(f'id="alert-{alert.pk}"') :]
    section = section[: section.index("</article>")]
    strategies = re.findall(r"<li><strong>", section)
    assert 2 <= len(strategies) <= 4
    assert "Name what you noticed" in section
    # Goals were the lowest part: the client's goals in their own words come with it.
    assert "Revisit the goals in the client&#x27;s own words" in section
    assert "<q>Go back to my evening class</q>" in section
    for name in ALERT_URLS:
        assert f"/alerts/{alert.pk}/{name}/" in section
    assert AuditEvent.objects.filter(target="monitoring", client_id=client.pk).exists()


def test_the_client_page_charts_the_alliance_with_markers_and_a_table_of_the_same_numbers(
    login, therapist_a, ruptured
):
    client, alert = ruptured
    http = login(therapist_a)
    strategy = Strategy.objects.get(clinic=client.clinic, slug="name-the-rupture")
    http.post(
        f"/alerts/{alert.pk}/action/",
        as_shown(
            alert,
            {"strategy": strategy.pk, "note": "", "performed_on": timezone.localdate().isoformat()},
        ),
    )
    page = http.get(f"/clients/{client.pk}/").content.decode()
    images = re.findall(r'<img src="data:image/svg\+xml;base64,[^"]+" alt="([^"]+)"', page)
    alts = " | ".join(images)
    assert "Alliance (Check-in) by session" in alts and "rupture at session 4" in alts
    # On its day, between the last session and the next (8c1b012: no longer "session 6.5").
    today = timezone.localdate()
    assert f"action logged on {today.day} {today:%b} (between sessions 6 and 7)" in alts
    assert "PHQ-9 by session" in alts
    assert "Goals, tasks and bond by session" in alts
    table = page[page.index('class="monitoring-table"') :]
    assert "Rupture: 29" in table and "Action (" in table and escape(strategy.title) in table
    assert "Clinical cut-off" not in alts  # the cut-off is drawn; the alt gives the scores
    assert "PHQ-9 expected" in table


def test_acknowledging_and_logging_an_action_from_the_page(login, therapist_a, ruptured):
    client, alert = ruptured
    http = login(therapist_a)
    response = http.post(f"/alerts/{alert.pk}/acknowledge/", as_shown(alert))
    assert response.status_code == 302
    assert response["Location"] == f"/clients/{client.pk}/#alert-{alert.pk}"
    assert state(alert)[0] == AlertStatus.ACKNOWLEDGED
    response = http.post(
        f"/alerts/{alert.pk}/action/",
        as_shown(
            alert,
            {
                "strategy": "",
                "note": "Asked what felt off; agreed to slow down.",
                "performed_on": timezone.localdate().isoformat(),
            },
        ),
    )
    assert response.status_code == 302
    action = RepairAction.objects.get()
    assert action.note == "Asked what felt off; agreed to slow down." and action.strategy is None
    assert state(alert)[0] == AlertStatus.ACTION_LOGGED
    page = http.get(f"/clients/{client.pk}/").content.decode()
    assert "Asked what felt off" in page
    log = page[page.index("Repair log") :]
    assert "Alliance rupture: in your own words: Asked what felt off" in log


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("action", {"strategy": "", "note": "  ", "performed_on": "2020-01-01"}),
        ("action", {"strategy": "999999", "note": "x", "performed_on": "2020-01-01"}),
        ("action", {"strategy": "", "note": "x", "performed_on": "not a date"}),
        ("dismiss", {"reason": ""}),
        ("snooze", {"until": "2000-01-01"}),
        ("snooze", {"until": ""}),
    ],
)
def test_invalid_input_re_renders_with_400_and_changes_nothing(
    login, therapist_a, ruptured, name, data
):
    _, alert = ruptured
    before = state(alert)
    response = login(therapist_a).post(f"/alerts/{alert.pk}/{name}/", as_shown(alert, data))
    assert response.status_code == 400
    assert state(alert) == before


def test_the_alert_form_pages_show_the_alert_and_are_audited(login, therapist_a, ruptured):
    client, alert = ruptured
    http = login(therapist_a)
    for name in ALERT_URLS:
        page = http.get(f"/alerts/{alert.pk}/{name}/")
        assert page.status_code == 200
        assert "Alliance rupture" in page.content.decode()
    assert AuditEvent.objects.filter(target=f"alert:{alert.pk}", client_id=client.pk).count() == 4


@pytest.mark.parametrize("name", ALERT_URLS)
def test_another_therapist_can_neither_see_nor_act_on_the_alert(login, therapist_b, ruptured, name):
    client, alert = ruptured
    before = state(alert)
    http = login(therapist_b)
    assert http.get(f"/alerts/{alert.pk}/{name}/").status_code == 404
    post = {"reason": "x", "until": "2099-01-01", "note": "x", "performed_on": "2020-01-01"}
    assert http.post(f"/alerts/{alert.pk}/{name}/", as_shown(alert, post)).status_code == 404
    assert state(alert) == before
    assert not AuditEvent.objects.filter(actor=therapist_b, client_id=client.pk).exists()
    assert "Rupture R." not in http.get("/caseload/").content.decode()


def test_the_supervisor_may_act_and_the_admin_may_not(login, supervisor, admin_user, ruptured):
    _, alert = ruptured
    assert (
        login(admin_user).post(f"/alerts/{alert.pk}/acknowledge/", as_shown(alert)).status_code
        == 403
    )
    assert state(alert)[0] == AlertStatus.OPEN
    assert (
        login(supervisor).post(f"/alerts/{alert.pk}/acknowledge/", as_shown(alert)).status_code
        == 302
    )
    assert state(alert)[0] == AlertStatus.ACKNOWLEDGED


def test_snooze_and_dismiss_from_the_page(login, therapist_a, ruptured):
    client, alert = ruptured
    http = login(therapist_a)
    until = timezone.localdate() + timezone.timedelta(days=14)
    assert (
        http.post(
            f"/alerts/{alert.pk}/snooze/", as_shown(alert, {"until": until.isoformat()})
        ).status_code
        == 302
    )
    assert state(alert)[:2] == (AlertStatus.SNOOZED, until)
    page = http.get(f"/clients/{client.pk}/").content.decode()
    assert "1 snoozed alert" in page
    response = http.post(
        f"/alerts/{alert.pk}/dismiss/", as_shown(alert, {"reason": "Discussed in supervision"})
    )
    assert response.status_code == 302
    assert state(alert)[0] == AlertStatus.DISMISSED
    # A closed alert's pages say so, and refuse to act.
    assert "closed" in http.get(f"/alerts/{alert.pk}/acknowledge/").content.decode()
    assert http.post(f"/alerts/{alert.pk}/acknowledge/", as_shown(alert)).status_code == 400


@pytest.mark.parametrize("name", ["acknowledge", "dismiss", "snooze"])
def test_every_alert_page_shows_what_the_therapist_could_do(login, therapist_a, ruptured, name):
    """The alert's own pages show it in full (explanation, evidence, source), so they show
    its strategies too: an alert always comes with something to do (de Jong et al. 2021).
    Until 2026-12-07 only the 'log what you did' page did."""
    client, alert = ruptured
    page = login(therapist_a).get(f"/alerts/{alert.pk}/{name}/").content.decode()
    assert "fell to 29 out of 40 at session 4" in page
    assert "Suggested strategies" in page and "Name what you noticed" in page
    assert "<q>Go back to my evening class</q>" in page
