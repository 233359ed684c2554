"""When the clinic has turned off every strategy of a kind of alert, its alerts show no
borrowed strategy (what is left to borrow then fits worst) and say that the clinic turned
them off, on the client page and on the alert's own pages. Fixed clock: ``NOW``."""

from __future__ import annotations

import pytest

from rapport.guidance.models import Strategy
from rapport.guidance.services import library_load
from tests.monitoring.db.conftest import text

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("hooks_off")]

OFF = "No suggested strategies: your clinic has turned off the strategies for this kind of alert"


def card(page: str, alert) -> str:
    page = page[page.index(f'id="alert-{alert.pk}"') :]
    return text(page[: page.index("</article>")])


def turn_off(clinic, kind: str) -> list[str]:
    library_load(clinic=clinic)
    rows = [s for s in Strategy.objects.filter(clinic=clinic) if kind in s.kinds]
    Strategy.objects.filter(pk__in=[s.pk for s in rows]).update(enabled=False)
    return [s.title for s in rows]


def test_an_alert_whose_kind_the_clinic_turned_off_says_so(login, therapist_a, pushed_at_3):
    client, _, _, alert = pushed_at_3
    titles = turn_off(client.clinic, "pushed_or_overridden")
    http = login(therapist_a)

    shown = card(http.get(f"/clients/{client.pk}/").content.decode(), alert)
    assert f"{OFF} (Felt pushed or overridden)." in shown
    assert "What you could do" not in shown
    # Nothing borrowed from the other relationship alerts either (before: a rupture's moves).
    enabled = Strategy.objects.filter(clinic=client.clinic, enabled=True)
    assert not any(f"{s.title}." in shown for s in enabled)
    assert not any(f"{title}." in shown for title in titles)

    for name in ("acknowledge", "action"):
        page = text(http.get(f"/alerts/{alert.pk}/{name}/").content.decode())
        assert OFF in page and "Suggested strategies" not in page


def test_an_alert_with_strategies_shows_them_and_no_such_line(login, therapist_a, pushed_at_3):
    client, _, _, alert = pushed_at_3
    library_load(clinic=client.clinic)
    http = login(therapist_a)
    shown = card(http.get(f"/clients/{client.pk}/").content.decode(), alert)
    assert "What you could do" in shown and OFF not in shown
    assert "Check the pace and the balance of who talks." in shown
