"""A client whose episodes have all ended: the top of their page says how the last one ended.

The page opened on "No open episode" and a "Start an episode of care" button; when and why
the last episode ended (planned, dropped out, referred on) was in its card at the foot of
the page, several screens down, below the monitoring and check-in sections. A therapist
reopening a former client now reads it at once, with a link to the ended episode's card.
"""

from __future__ import annotations

from datetime import date

import pytest
from tests.conftest import make_client

from rapport.clinic.models import EndReason, Episode, Phase

pytestmark = pytest.mark.django_db


def end(episode, on: date, reason: str) -> None:
    episode.ended_on, episode.end_reason, episode.phase = on, reason, Phase.CLOSED
    episode.save()


def test_the_top_of_a_former_clients_page_says_when_and_why_the_last_episode_ended(
    login, therapist_a
):
    client = make_client(therapist_a, "Rita Returning")
    first = client.episodes.get()
    first.started_on = date(2023, 9, 4)
    end(first, date(2024, 3, 1), EndReason.DROPPED_OUT)
    last = Episode.objects.create(client=client, started_on=date(2025, 2, 3))
    end(last, date(2025, 6, 20), EndReason.PLANNED)

    page = login(therapist_a).get(f"/clients/{client.pk}/").content.decode()
    top = page.split("No open episode</h2>", 1)[1].split("</section>", 1)[0]

    assert "The last episode ended on 20 Jun 2025. Why it ended: Planned ending." in top
    assert f'<a href="#past-{last.pk}-h">See the ended episode</a>' in top
    assert f'id="past-{last.pk}-h"' in page  # the card the link leads to


def test_a_client_with_an_open_episode_is_not_told_of_an_ending(login, therapist_a, client_a):
    page = login(therapist_a).get(f"/clients/{client_a.pk}/").content.decode()
    assert "Current episode" in page and "The last episode ended" not in page
