"""The strategy that prompts asking about safety is disabled only after an explicit
confirmation, and the change is audited; other strategies keep their one click."""

from __future__ import annotations

import pytest

from rapport.audit.models import AuditEvent
from rapport.guidance.models import Strategy
from rapport.guidance.views import SAFETY_STRATEGY_SLUGS

pytestmark = pytest.mark.django_db

CONFIRM = "I understand that therapists will no longer be prompted by this strategy"


@pytest.fixture
def safety(login, admin_user, clinic):
    login(admin_user).get("/manage/guidance/")  # loads the shipped library
    return Strategy.objects.get(clinic=clinic, slug="check-safety")


def test_the_shipped_safety_strategy_is_the_one_marked_safety_related(safety):
    assert safety.title == "Ask directly how they are coping and about safety"
    assert set(SAFETY_STRATEGY_SLUGS) == {"check-safety"}


def test_the_library_offers_no_one_click_disable_for_the_safety_strategy(login, admin_user, safety):
    page = login(admin_user).get("/manage/guidance/").content.decode()
    row = page.split(safety.title, 1)[1].split("</tr>", 1)[0]
    assert "(safety)" in row
    assert f'<a href="/manage/guidance/{safety.pk}/toggle/">Disable…</a>' in row
    assert "<form" not in row


def test_disabling_the_safety_strategy_without_confirming_changes_nothing(
    login, admin_user, safety
):
    http = login(admin_user)
    page = http.get(f"/manage/guidance/{safety.pk}/toggle/").content.decode()
    assert "This is a safety strategy." in page and CONFIRM in page
    response = http.post(f"/manage/guidance/{safety.pk}/toggle/")
    assert response.status_code == 400
    assert "Tick the box to confirm you want to disable it." in response.content.decode()
    safety.refresh_from_db()
    assert safety.enabled
    assert not AuditEvent.objects.filter(target__startswith=f"strategy:{safety.pk}").exists()


def test_a_confirmed_disable_is_done_and_audited_and_enabling_needs_no_confirmation(
    login, admin_user, safety
):
    http = login(admin_user)
    response = http.post(f"/manage/guidance/{safety.pk}/toggle/", {"understood": "on"})
    assert response.status_code == 302
    safety.refresh_from_db()
    assert not safety.enabled
    assert AuditEvent.objects.filter(
        actor=admin_user, action="update", target=f"strategy:{safety.pk}:disabled"
    ).exists()
    assert http.post(f"/manage/guidance/{safety.pk}/toggle/").status_code == 302
    safety.refresh_from_db()
    assert safety.enabled


def test_other_strategies_are_still_disabled_in_one_click(login, admin_user, clinic, safety):
    other = Strategy.objects.get(clinic=clinic, slug="name-the-rupture")
    assert login(admin_user).post(f"/manage/guidance/{other.pk}/toggle/").status_code == 302
    other.refresh_from_db()
    assert not other.enabled
