"""The Add-goal form sent twice (a double click, a reload, a retry) adds one goal: the form
carries a one-time key, as the new-client form does (DESIGN §5: never counted twice)."""

from __future__ import annotations

import re

import pytest
from tests.clinic._races import (
    both_checked_before_either_inserts,
    real_concurrency,
    run_twice_at_once,
)

from rapport.audit.models import AuditEvent
from rapport.clinic.models import Goal
from rapport.clinic.services import goal_create

TEXT = "Walk to work twice a week"


def key_of(page: str) -> str:
    match = re.search(r'name="form_key" value="([^"]+)"', page)
    assert match is not None, "the Add-goal form carries its one-time key"
    return match[1]


def goals_saying(episode, text):
    return [goal for goal in episode.goals.all() if goal.text == text]


@pytest.mark.django_db
def test_the_add_goal_form_sent_twice_adds_one_goal(login, therapist_a, client_a):
    episode = client_a.episodes.get()
    http = login(therapist_a)
    url = f"/episodes/{episode.pk}/goals/new/"
    form = {"text": TEXT, "form_key": key_of(http.get(url).content.decode())}

    first, second = http.post(url, form), http.post(url, form)

    # Both lead back to the client page, where the one goal is listed once.
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"] == f"/clients/{client_a.pk}/"
    page = http.get(second["Location"]).content.decode()
    assert "Goal added." in page
    assert page.count(f"<q>{TEXT}</q>") == 1
    [goal] = goals_saying(episode, TEXT)
    assert goal.creation_key == form["form_key"]
    assert AuditEvent.objects.filter(action="create", target=f"goal:{goal.pk}").count() == 1
    assert AuditEvent.objects.filter(action="create", target__startswith="goal:").count() == 1


@pytest.mark.django_db
def test_a_new_form_adds_a_new_goal_even_with_the_same_words(login, therapist_a, client_a):
    episode = client_a.episodes.get()
    http = login(therapist_a)
    url = f"/episodes/{episode.pk}/goals/new/"
    first_key = key_of(http.get(url).content.decode())
    second_key = key_of(http.get(url).content.decode())
    assert first_key != second_key
    http.post(url, {"text": TEXT, "form_key": first_key})
    http.post(url, {"text": TEXT, "form_key": second_key})
    assert len(goals_saying(episode, TEXT)) == 2


@pytest.mark.django_db
def test_a_form_sent_back_with_an_error_keeps_its_key(login, therapist_a, client_a):
    episode = client_a.episodes.get()
    http = login(therapist_a)
    url = f"/episodes/{episode.pk}/goals/new/"
    key = key_of(http.get(url).content.decode())
    refused = http.post(url, {"text": "", "form_key": key})
    assert refused.status_code == 400
    assert key_of(refused.content.decode()) == key
    http.post(url, {"text": TEXT, "form_key": key})
    http.post(url, {"text": TEXT, "form_key": key})
    assert len(goals_saying(episode, TEXT)) == 1


@pytest.mark.django_db
def test_the_service_gives_back_the_goal_the_key_made(therapist_a, client_a, client_b):
    episode = client_a.episodes.get()
    first = goal_create(actor=therapist_a, episode=episode, text=TEXT, form_key="k" * 22)
    again = goal_create(actor=therapist_a, episode=episode, text=TEXT, form_key="k" * 22)
    assert again == first
    assert len(goals_saying(episode, TEXT)) == 1
    # The key belongs to its episode: the same key for another episode is another goal.
    other = goal_create(
        actor=therapist_a, episode=client_b.episodes.get(), text=TEXT, form_key="k" * 22
    )
    assert other != first and goals_saying(client_b.episodes.get(), TEXT) == [other]


@pytest.mark.django_db
def test_goals_added_without_a_key_are_each_kept(therapist_a, client_a):
    episode = client_a.episodes.get()
    goal_create(actor=therapist_a, episode=episode, text=TEXT)
    goal_create(actor=therapist_a, episode=episode, text=TEXT)
    assert len(goals_saying(episode, TEXT)) == 2


@pytest.mark.django_db(transaction=True)
def test_the_same_form_sent_twice_at_once_adds_one_goal(therapist_a, client_a):
    if not real_concurrency():
        pytest.skip("in-memory SQLite cannot run concurrent writers; PostgreSQL runs this in CI")
    episode = client_a.episodes.get()
    key = "race-key-1234567890ab"
    with both_checked_before_either_inserts(Goal):
        results = run_twice_at_once(
            lambda: goal_create(actor=therapist_a, episode=episode, text=TEXT, form_key=key)
        )
    assert all(isinstance(r, Goal) for r in results), results
    [goal] = goals_saying(episode, TEXT)
    assert {r.pk for r in results} == {goal.pk}
