"""Each goal's link on the goals panel is named by the goal's first words (the panel's
links are told apart by a screen reader that way): a goal of one very long word (the
client's goals page accepts 300 characters, spaces or not) is named by its start, not
read out in full."""

from __future__ import annotations

import html
import re

import pytest

from rapport.clinic.services import goal_update, goals_from_client

pytestmark = pytest.mark.django_db

ONE_LONG_WORD = "Feel" + "better" * 49  # 298 characters, no space
SHORT = "Walk the dog every morning before work with my brother"


def link_names(page: str) -> list[str]:
    return [
        html.unescape(name)
        for name in re.findall(r'href="/goals/\d+/edit/" aria-label="([^"]*)"', page)
    ]


@pytest.mark.parametrize("agreed", [False, True])
def test_a_goal_of_one_very_long_word_names_its_link_by_its_start(
    login, therapist_a, client_a, agreed
):
    (goal,) = goals_from_client(episode=client_a.episodes.get(), texts=[ONE_LONG_WORD], key="w")
    if agreed:
        goal_update(actor=None, goal=goal, text=ONE_LONG_WORD, status="active")
    page = login(therapist_a).get(f"/clients/{client_a.pk}/").content.decode()
    (name,) = [n for n in link_names(page) if "Feelbetter" in n]
    assert len(name) <= 90 and name.endswith("…")
    assert ONE_LONG_WORD not in name
    assert ONE_LONG_WORD in html.unescape(page)  # the goal itself is shown whole


def test_a_goal_of_ordinary_words_is_named_by_its_first_six(login, therapist_a, client_a):
    goals_from_client(episode=client_a.episodes.get(), texts=[SHORT], key="s")
    page = login(therapist_a).get(f"/clients/{client_a.pk}/").content.decode()
    assert "Agree or set aside goal: Walk the dog every morning before …" in link_names(page)
