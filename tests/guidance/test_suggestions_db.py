"""Every alert on the client page comes with strategies that fit the client's context."""

from __future__ import annotations

import pytest
from django.utils import timezone

from rapport.clinic.models import AttendanceBasis
from rapport.guidance.models import Strategy
from rapport.guidance.services import library_load
from rapport.monitoring.models import Alert
from rapport.monitoring.selectors import client_monitoring
from rapport.monitoring.tasks import recompute_alerts
from tests.monitoring.db.helpers import checkins, make_episode

pytestmark = pytest.mark.django_db


def suggested(client, kind):
    monitoring = client_monitoring(client)
    view = next(v for v in monitoring.alerts if v.alert.kind == kind)
    return [s.slug for s in view.strategies], monitoring


def test_low_goals_bring_the_clients_own_goals_and_a_mandated_client_the_obligation(
    login, therapist_a
):
    now = timezone.now()
    client, episode, held = make_episode(
        therapist_a,
        "Mandy M.",
        sessions=5,
        now=now,
        goals=("Keep my job", "Stop arguing with my brother"),
        attendance_basis=AttendanceBasis.MANDATED_WORK,
    )
    checkins(client, held, [38, 38, 38, (5, 8, 8), (6, 8, 8)])
    recompute_alerts(now=now)
    library_load(clinic=client.clinic)
    slugs, monitoring = suggested(client, "alliance_rupture")
    assert {"goals_low", "has_goals", "mandated"} <= monitoring.context
    assert slugs[0] == "name-the-rupture"
    assert "revisit-goals-own-words" in slugs and "mandated-own-goal" in slugs
    assert 2 <= len(slugs) <= 4
    page = login(therapist_a).get(f"/clients/{client.pk}/").content.decode()
    alert = Alert.objects.get(episode=episode, kind="alliance_rupture")
    section = page[page.index(f'id="alert-{alert.pk}"') :]
    section = section[: section.index("</article>")]
    assert "<q>Keep my job</q>" in section and "<q>Stop arguing with my brother</q>" in section


def test_a_disabled_strategy_is_no_longer_suggested(therapist_a):
    now = timezone.now()
    client, _, held = make_episode(therapist_a, "Rupa R.", sessions=5, now=now)
    checkins(client, held, [38, 38, 38, 29, 30])
    recompute_alerts(now=now)
    library_load(clinic=client.clinic)
    assert "name-the-rupture" in suggested(client, "alliance_rupture")[0]
    Strategy.objects.filter(slug="name-the-rupture").update(enabled=False)
    slugs = suggested(client, "alliance_rupture")[0]
    assert "name-the-rupture" not in slugs and len(slugs) >= 2


def test_a_trainees_client_who_keeps_rupturing_gets_supervision_and_referral(therapist_a):
    therapist_a.is_trainee = True
    therapist_a.save()
    now = timezone.now()
    client, _, held = make_episode(therapist_a, "Fit F.", sessions=9, now=now)
    checkins(client, held, [38, 38, 38, 29, 38, 38, 38, 30, 30])
    recompute_alerts(now=now)
    library_load(clinic=client.clinic)
    slugs, monitoring = suggested(client, "alliance_rupture")
    assert {"repeated_rupture", "poor_fit", "trainee"} <= monitoring.context
    assert "consider-referral" in slugs and "bring-to-supervision" in slugs
