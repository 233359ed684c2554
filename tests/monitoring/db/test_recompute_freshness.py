"""Alerts that depend on time alone come only from the periodic ``rapport recompute-alerts``:
a completed run is recorded, the clinic settings page says when it last ran (or warns that it
does not), and the caseload tells therapists and supervisors when it is over 26 hours old,
without nagging a brand-new install or the demo."""

from __future__ import annotations

import datetime as dt
import html

import pytest
from django.utils import formats, timezone

from rapport.accounts.models import User
from rapport.audit.models import AuditEvent
from rapport.clinic.models import Episode
from rapport.monitoring.tasks import recompute_alerts

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("hooks_off")]

NEVER_CHECKED = "have never been checked: the periodic job rapport recompute-alerts has not run"
STALE_CHECKED = "the periodic job rapport recompute-alerts is not running"
CRON_DOC = "docs/operations.md"
CASELOAD_NOTICE = "Overdue check-ins and other time-based alerts may be missing"


def when(at: dt.datetime) -> str:
    return formats.date_format(timezone.localtime(at), "j M Y, H:i")


def page(http, url: str) -> str:
    response = http.get(url)
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def run_at(monkeypatch, at: dt.datetime) -> None:
    """A recompute that completed at ``at`` (the audit row's time is the wall clock's)."""
    with monkeypatch.context() as m:
        m.setattr(timezone, "now", lambda: at)
        recompute_alerts(now=at)


@pytest.fixture
def old_episode(client_a):
    """A clinic in use for weeks: its episode was created 60 days ago."""
    Episode.objects.filter(client=client_a).update(
        created_at=timezone.now() - dt.timedelta(days=60)
    )
    return client_a


def test_a_completed_run_is_recorded_per_clinic_as_the_system(clinic, client_a):
    recompute_alerts()
    row = AuditEvent.objects.get(target=f"alerts-recompute:clinic:{clinic.pk}")
    assert (row.actor_label, row.clinic_id, row.client_id) == ("system", clinic.pk, None)


def test_one_clients_recompute_is_no_periodic_run(clinic, client_a):
    runs = AuditEvent.objects.filter(target__startswith="alerts-recompute:")
    recompute_alerts(client_id=client_a.pk)
    assert not runs.exists()
    recompute_alerts(clinic_id=clinic.pk)  # as `rapport calibrate` and the demo do
    assert runs.count() == 1


def test_no_run_warns_on_settings_and_caseload(
    login, admin_user, therapist_a, supervisor, old_episode
):
    settings = page(login(admin_user), "/manage/clinic/")
    assert NEVER_CHECKED in settings and CRON_DOC in settings
    for user in (therapist_a, supervisor):
        caseload = page(login(user), "/caseload/")
        assert CASELOAD_NOTICE in caseload
        assert "the periodic check has never run; tell the person who runs Rapport." in caseload


def test_a_brand_new_install_without_a_run_does_not_nag_the_caseload(
    login, admin_user, therapist_a, client_a
):
    # The episode was created just now: there is nothing time-based to miss yet. The admin,
    # who sets up cron, is told at once.
    assert NEVER_CHECKED in page(login(admin_user), "/manage/clinic/")
    assert CASELOAD_NOTICE not in page(login(therapist_a), "/caseload/")


def test_a_recent_run_gives_a_plain_note_and_no_caseload_notice(
    monkeypatch, login, admin_user, therapist_a, supervisor, old_episode
):
    at = timezone.now() - dt.timedelta(hours=2)
    run_at(monkeypatch, at)
    settings = page(login(admin_user), "/manage/clinic/")
    assert (
        f"Alerts that depend on time alone were last checked on {when(at)} "
        "(rapport recompute-alerts)." in settings
    )
    assert "Warning: alerts that depend on time alone" not in settings
    for user in (therapist_a, supervisor):
        assert CASELOAD_NOTICE not in page(login(user), "/caseload/")


def test_a_run_over_26_hours_old_warns(monkeypatch, login, admin_user, therapist_a, old_episode):
    at = timezone.now() - dt.timedelta(hours=27)
    run_at(monkeypatch, at)
    settings = page(login(admin_user), "/manage/clinic/")
    assert f"were last checked on {when(at)}, over 26 hours ago" in settings
    assert STALE_CHECKED in settings and CRON_DOC in settings
    caseload = page(login(therapist_a), "/caseload/")
    assert (
        f"{CASELOAD_NOTICE}: the periodic check last ran on {when(at)}; "
        "tell the person who runs Rapport." in caseload
    )


def test_the_latest_run_counts(monkeypatch, login, admin_user, therapist_a, old_episode):
    run_at(monkeypatch, timezone.now() - dt.timedelta(hours=30))
    latest = timezone.now() - dt.timedelta(hours=1)
    run_at(monkeypatch, latest)
    assert f"last checked on {when(latest)} (rapport" in page(login(admin_user), "/manage/clinic/")
    assert CASELOAD_NOTICE not in page(login(therapist_a), "/caseload/")


def test_the_demo_counts_as_a_run(login):
    """``rapport demo`` computes the demo clinic's alerts when it seeds (a demo extension):
    that is a run, so an aged demo database does not nag."""
    from rapport.demo import seed_demo

    seed_demo()
    Episode.objects.update(created_at=timezone.now() - dt.timedelta(days=60))
    admin = User.objects.get(email="admin@demo.test")
    assert "Alerts that depend on time alone were last checked on" in page(
        login(admin), "/manage/clinic/"
    )
    for email in ("alex@demo.test", "morgan@demo.test"):
        assert CASELOAD_NOTICE not in page(login(User.objects.get(email=email)), "/caseload/")
