"""An alert whose kind the clinic left short shows only its own strategies that fit, says
there are fewer than usual, and shows none written for another kind of alert in their
place, on the client page and on the alert's own pages. Fixed clock: ``NOW``."""

from __future__ import annotations

import pytest

from rapport.guidance.models import Strategy
from rapport.guidance.services import library_load
from tests.monitoring.db.conftest import text

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("hooks_off")]

FEWER = (
    "Fewer suggestions than usual: your clinic has turned off or narrowed some of the "
    "strategies for this kind of alert (Felt pushed or overridden), and strategies written "
    "for other kinds of alert are not shown in their place."
)
NONE_FIT = "No suggested strategies fit this client: your clinic has turned off or narrowed"
OFF = "No suggested strategies: your clinic has turned off the strategies for this kind of alert"


def card(page: str, alert) -> str:
    page = page[page.index(f'id="alert-{alert.pk}"') :]
    return text(page[: page.index("</article>")])


def keep_only(clinic, kind: str, slugs: set[str]) -> None:
    """Disable the strategies of ``kind`` but ``slugs``."""
    library_load(clinic=clinic)
    rows = Strategy.objects.filter(clinic=clinic)
    off = [s.pk for s in rows if kind in s.kinds and s.slug not in slugs]
    Strategy.objects.filter(pk__in=off).update(enabled=False)


def others(clinic, kind: str) -> list[str]:
    """Titles of enabled strategies not written for ``kind``."""
    rows = Strategy.objects.filter(clinic=clinic, enabled=True)
    return [s.title for s in rows if kind not in s.kinds]


def test_one_strategy_left_is_shown_alone_and_the_alert_says_so(login, therapist_a, pushed_at_3):
    client, _, _, alert = pushed_at_3
    keep_only(client.clinic, "pushed_or_overridden", {"pushed-check-pace"})
    http = login(therapist_a)

    shown = card(http.get(f"/clients/{client.pk}/").content.decode(), alert)
    assert "Check the pace and the balance of who talks." in shown
    assert FEWER in shown and OFF not in shown
    # Before, a strategy written for a rupture or a low alliance filled the second place.
    assert not any(f"{title}." in shown for title in others(client.clinic, alert.kind))

    for name in ("acknowledge", "action"):
        page = text(http.get(f"/alerts/{alert.pk}/{name}/").content.decode())
        assert "Check the pace and the balance of who talks." in page and FEWER in page
        assert not any(f"{title}." in page for title in others(client.clinic, alert.kind))


def test_none_left_for_this_client_says_none_fit(login, therapist_a, pushed_at_3):
    client, _, _, alert = pushed_at_3
    # Left with a strategy for a client who is mandated to come: not this client.
    keep_only(client.clinic, "pushed_or_overridden", {"mandated-own-goal"})
    http = login(therapist_a)

    shown = card(http.get(f"/clients/{client.pk}/").content.decode(), alert)
    assert NONE_FIT in shown and "What you could do" not in shown and OFF not in shown
    assert "What the alert says above is still the thing to follow up" in shown
    assert not any(f"{title}." in shown for title in others(client.clinic, alert.kind))
    page = text(http.get(f"/alerts/{alert.pk}/acknowledge/").content.decode())
    assert NONE_FIT in page and "Suggested strategies" not in page


def test_a_full_library_says_nothing_of_the_kind(login, therapist_a, pushed_at_3):
    client, _, _, alert = pushed_at_3
    library_load(clinic=client.clinic)
    http = login(therapist_a)
    shown = card(http.get(f"/clients/{client.pk}/").content.decode(), alert)
    assert "What you could do" in shown
    assert "Fewer suggestions" not in shown and NONE_FIT not in shown
