"""The alert keeps who snoozed it and when; the panel shows it from there, not from the
audit log, and the migration fills it in for the snoozes in force from the audit log."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from rapport.monitoring import services
from rapport.monitoring.models import Alert, AlertStatus
from rapport.monitoring.tasks import recompute_alerts
from tests.monitoring.db.helpers import checkins, make_episode, outcomes

BEFORE = [("monitoring", "0003_dropout_calibration")]


@pytest.fixture
def morgan(supervisor):
    supervisor.full_name = "Morgan Lee"
    supervisor.save()
    return supervisor


@pytest.fixture
def low_alliance(therapist_a):
    now = timezone.now()
    client, episode, held = make_episode(therapist_a, "Snooze S.", sessions=4, now=now)
    checkins(client, held, [38, 38, (7, 8, 8), (7, 8, 8)])
    outcomes(client, held, [12, 12, 12, 12])
    recompute_alerts(now=now)
    return client, Alert.objects.get(episode=episode, kind="alliance_low")


def _card(page: str, alert: Alert) -> str:
    card = page[page.index(f'id="alert-{alert.pk}"') :]
    return card[: card.index("</article>")]


@pytest.mark.django_db
def test_snoozing_records_who_and_when_on_the_alert(morgan, low_alliance):
    _client, low = low_alliance
    now = timezone.now()
    services.alert_snooze(
        actor=morgan, alert=low, until=timezone.localdate() + dt.timedelta(days=7), now=now
    )
    low.refresh_from_db()
    assert low.status == AlertStatus.SNOOZED
    assert low.snoozed_by == morgan and low.snoozed_at == now


@pytest.mark.django_db
def test_the_panel_names_who_snoozed_from_the_alert_itself(
    login, therapist_a, morgan, low_alliance
):
    client, low = low_alliance
    snoozed_at = timezone.now() - dt.timedelta(days=3)
    # Set on the row alone, with no audit row behind it: the page must read the row.
    Alert.objects.filter(pk=low.pk).update(
        status=AlertStatus.SNOOZED,
        snoozed_until=timezone.localdate() + dt.timedelta(days=7),
        snoozed_at=snoozed_at,
        snoozed_by=morgan,
    )
    card = _card(login(therapist_a).get(f"/clients/{client.pk}/").content.decode(), low)
    day = timezone.localdate(snoozed_at)
    assert f"Snoozed by Morgan Lee (supervisor), {day.day} {day:%b}." in card


@pytest.mark.django_db
def test_a_snooze_whose_author_is_unknown_reads_without_a_name(login, therapist_a, low_alliance):
    client, low = low_alliance
    until = timezone.localdate() + dt.timedelta(days=7)
    Alert.objects.filter(pk=low.pk).update(status=AlertStatus.SNOOZED, snoozed_until=until)
    card = _card(login(therapist_a).get(f"/clients/{client.pk}/").content.decode(), low)
    assert f"until {until.day} {until:%b %Y}" in card
    assert "Snoozed by" not in card


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor


@pytest.mark.django_db(transaction=True)
def test_the_migration_fills_in_the_snoozes_in_force_from_the_audit_log(
    client_a, therapist_a, morgan
):
    executor = _migrate(BEFORE)
    # The audit app is not among monitoring 0003's dependencies: name it too.
    old = executor.loader.project_state([*BEFORE, ("audit", "0001_initial")]).apps
    OldAlert = old.get_model("monitoring", "Alert")
    AuditEvent = old.get_model("audit", "AuditEvent")
    episode = client_a.episodes.get()
    now = timezone.now()

    def alert(kind, status):
        return OldAlert.objects.create(
            client_id=client_a.pk,
            episode_id=episode.pk,
            kind=kind,
            severity="medium",
            status=status,
            signal_key=kind,
            snoozed_until=timezone.localdate() + dt.timedelta(days=5),
            first_detected_at=now,
            last_detected_at=now,
            explanation="Synthetic.",
            source="Synthetic.",
        )

    def snoozed_event(alert, actor, days_ago):
        at = now - dt.timedelta(days=days_ago)
        # Dated back in the transaction that wrote it: on PostgreSQL the audit log refuses
        # to change a committed row (audit 0007).
        with transaction.atomic():
            event = AuditEvent.objects.create(
                actor_id=actor.pk if actor else None,
                actor_label=str(actor) if actor else "cli",
                action="update",
                client_id=client_a.pk,
                target=f"alert:{alert.pk}:snoozed",
            )
            AuditEvent.objects.filter(pk=event.pk).update(at=at)
        return at

    twice = alert("alliance_low", "snoozed")
    snoozed_event(twice, therapist_a, days_ago=9)
    latest = snoozed_event(twice, morgan, days_ago=2)  # the snooze in force
    by_nobody = alert("alliance_rupture", "snoozed")
    by_nobody_at = snoozed_event(by_nobody, None, days_ago=1)
    untraced = alert("not_on_track", "snoozed")
    awake = alert("feedback_missing", "acknowledged")  # snoozed once, since acknowledged
    snoozed_event(awake, morgan, days_ago=4)

    _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())

    rows = {a.pk: a for a in Alert.objects.all()}
    assert rows[twice.pk].snoozed_by == morgan and rows[twice.pk].snoozed_at == latest
    assert rows[by_nobody.pk].snoozed_by is None and rows[by_nobody.pk].snoozed_at == by_nobody_at
    assert rows[untraced.pk].snoozed_by is None and rows[untraced.pk].snoozed_at is None
    assert rows[awake.pk].snoozed_by is None and rows[awake.pk].snoozed_at is None
