"""The client page's strategies call a part of the check-in the lowest only when it is."""

from __future__ import annotations

import pytest
from django.utils import timezone

from rapport.guidance.services import library_load
from rapport.monitoring.models import Alert
from rapport.monitoring.tasks import recompute_alerts
from tests.monitoring.db.helpers import checkins, make_episode

pytestmark = pytest.mark.django_db


def alert_section(http, client, kind) -> str:
    alert = Alert.objects.get(client=client, kind=kind)
    page = http.get(f"/clients/{client.pk}/").content.decode()
    section = page[page.index(f'id="alert-{alert.pk}"') :]
    return section[: section.index("</article>")]


def low_after(therapist, name, last):
    now = timezone.now()
    client, _episode, held = make_episode(therapist, name, sessions=4, now=now)
    checkins(client, held, [(9, 9, 9), (9, 9, 9), (9, 9, 9), last])
    recompute_alerts(now=now)
    library_load(clinic=client.clinic)
    return client


def test_a_flat_8_8_8_check_in_names_no_part_as_the_lowest(login, therapist_a):
    client = low_after(therapist_a, "Flat F.", (8, 8, 8))
    section = alert_section(login(therapist_a), client, "alliance_low")
    assert "rated the relationship 32 out of 40" in section
    assert "lowest part" not in section


def test_goals_and_tasks_tied_lowest_are_told_as_possibly_tied(login, therapist_a):
    client = low_after(therapist_a, "Tied T.", (7, 7, 8))
    section = alert_section(login(therapist_a), client, "alliance_low")
    assert "The way of working was the lowest part of the last check-in, or tied for lowest." in (
        section
    )
    assert "Feeling heard was the lowest part" not in section
