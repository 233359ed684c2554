"""The team figures say how each is counted, and a dropout rate from a handful of ended
episodes is given as a count, "too few to compare" with the 19.7% benchmark, not as a bare
percentage set beside it."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone

from rapport.clinic.models import EndReason, Episode, Phase
from rapport.monitoring.selectors import DROPOUT_MIN_ENDED, TherapistFigures
from tests.monitoring.db.helpers import bulk_history, make_episode

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("hooks_off")]


def end_episodes(therapist, reasons):
    for number, reason in enumerate(reasons):
        _, episode, _ = make_episode(therapist, f"Ended {number:02d}", sessions=2)
        Episode.objects.filter(pk=episode.pk).update(
            phase=Phase.CLOSED, ended_on=timezone.localdate(), end_reason=reason
        )


@pytest.fixture
def one_current_client(therapist_a):
    client, _, held = make_episode(therapist_a, "Ada Steady", sessions=3, now=timezone.now())
    bulk_history(client, held, alliance=[38] * 3, outcome=[12, 11, 10])
    return client


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def figures_of(page: str) -> str:
    start = page.index('id="figures-h"')
    return page[start : page.index("</section>", start)]


def dropout_cell(page: str, name: str) -> str:
    figures = figures_of(page)
    row = figures[figures.index(f'<th scope="row">{name}') :]
    return text(row[: row.index("</tr>")].split("<td>")[5])  # after clients, risk, alliance, track


def test_a_dropout_rate_from_three_ended_episodes_is_a_count_too_few_to_compare(
    login, therapist_a, supervisor, one_current_client
):
    end_episodes(therapist_a, [EndReason.DROPPED_OUT, EndReason.PLANNED, EndReason.PLANNED])
    page = login(supervisor).get("/caseload/").content.decode()
    assert dropout_cell(page, "Therapist.A") == "1 of 3 (too few to compare with 19.7%)"
    assert dropout_cell(page, "Team") == "1 of 3 (too few to compare with 19.7%)"
    assert "33.3%" not in figures_of(page)


def test_from_ten_ended_episodes_the_rate_is_shown_beside_the_benchmark(
    login, therapist_a, one_current_client
):
    assert DROPOUT_MIN_ENDED == 10
    end_episodes(therapist_a, [EndReason.DROPPED_OUT] * 3 + [EndReason.PLANNED] * 7)
    page = login(therapist_a).get("/caseload/").content.decode()
    assert dropout_cell(page, "Therapist.A") == "30.0% (3/10)"


def test_no_ended_episode_says_so_rather_than_a_dash_and_zero_of_zero(
    login, therapist_a, one_current_client
):
    page = login(therapist_a).get("/caseload/").content.decode()
    assert dropout_cell(page, "Therapist.A") == "no episode ended"


def test_the_figures_say_how_each_one_is_counted(login, therapist_a, one_current_client):
    figures = text(figures_of(login(therapist_a).get("/caseload/").content.decode()))
    how = figures[figures.index("How these are counted") :]
    # Each statement is what monitoring.selectors.team_figures does (see its docstring).
    for said in (
        "Current clients: an open episode of care, or none started yet.",
        "answer on a risk item (PHQ-9 item 9, CORE-10 item 6) that nobody has marked as "
        "followed up yet; each client is counted once",
        "Each client's latest rating in their current episode, however long ago: the session "
        "check-in",
        "averaged over the clients with at least one rating (n)",
        "among the clients with two or more scores on their main outcome measure",
        "a dismissed one is left out",
        "All episodes ever ended for these therapists' clients, current and former",
        "Compared with the 19.7% benchmark only from 10 ended episodes on",
        "Sessions marked attended in the last 84 days",
        "that have a check-in given for that session",
    ):
        assert said in how, said


def test_the_threshold_decides_whether_a_rate_is_comparable():
    assert not TherapistFigures(1, "A", ended=9, dropped_out=1).dropout_comparable
    assert TherapistFigures(1, "A", ended=10, dropped_out=1).dropout_comparable
