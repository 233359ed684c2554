"""Under a refused risk answer's notice the monitoring panel does not read as all-clear.

A risk answer sent on a link that could no longer be used is not stored: a notice of it
(``checkins.models.RefusedRiskAnswer``) shows as "Risk answer to follow up" at the top of
the client page. The monitoring panel below asked only for stored risk answers, so under
that notice it said "No alerts need action for this episode." It now asks for open notices
of other apps too (``core.hooks.clients_with_open_risk_notices``), as for a stored answer
(test_panel_risk_waiting.py).
"""

from __future__ import annotations

import pytest
from django.utils import timezone

from rapport.checkins.models import CheckIn, RefusedRiskAnswer
from rapport.checkins.services import FORM_GRACE
from rapport.monitoring.panel_queries import open_risk_answer
from tests.checkins._helpers import PHQ9_ZERO, form_key, make_link

pytestmark = pytest.mark.django_db

ALL_CLEAR = "No alerts need action for this episode."
WAITING = "No alerts need action, but a risk answer is waiting to be followed up"
RISKY = {**PHQ9_ZERO, "phq9_9": "1"}  # "Several days"


def refused_on_an_expired_link(http, client) -> RefusedRiskAnswer:
    checkin, token = make_link(client)
    key = form_key(http.get(f"/c/{token}/").content.decode())
    past = timezone.now() - FORM_GRACE - timezone.timedelta(hours=1)
    CheckIn.objects.filter(pk=checkin.pk).update(expires_at=past)
    assert http.post(f"/c/{token}/", {**RISKY, "form_key": key}).status_code == 410
    return RefusedRiskAnswer.objects.get(client=client)


def panel(page: str) -> str:
    return page[page.index('id="monitoring-h"') :]


def test_no_alerts_is_not_all_clear_under_a_refused_risk_answer(
    client, client_a, login, therapist_a
):
    http = login(therapist_a)
    assert ALL_CLEAR in panel(http.get(f"/clients/{client_a.pk}/").content.decode())
    http.logout()
    notice = refused_on_an_expired_link(client, client_a)
    assert open_risk_answer(client_a) is True

    http = login(therapist_a)
    page = http.get(f"/clients/{client_a.pk}/").content.decode()
    assert "Risk answer to follow up" in page  # the notice itself, above
    assert ALL_CLEAR not in panel(page)
    assert WAITING in panel(page) and 'href="#risk-h"' in panel(page)

    # Once followed up, the panel may say all is clear again.
    note = {"note": "Phoned the client; talked about safety, no plan or intent."}
    assert http.post(f"/refused-risk-answers/{notice.pk}/followed-up/", note).status_code == 302
    page = http.get(f"/clients/{client_a.pk}/").content.decode()
    assert ALL_CLEAR in panel(page) and WAITING not in panel(page)
    assert open_risk_answer(client_a) is False


def test_another_clients_notice_does_not_count(client, client_a, client_b):
    refused_on_an_expired_link(client, client_b)
    assert open_risk_answer(client_a) is False
    assert open_risk_answer(client_b) is True
