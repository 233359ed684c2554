"""Links and scroll boxes a screen reader or keyboard user can tell apart: each goal's edit
link names its goal, each "Record attendance" link its date, and a table's scroll box can
be reached and scrolled from the keyboard (WCAG 2.4.4, 2.1.1)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.utils import timezone
from django.utils.formats import date_format
from tests.conftest import make_client

from rapport.clinic.models import Goal

pytestmark = pytest.mark.django_db


def edit_goal_labels(page: str) -> list[str]:
    return re.findall(r'<a href="/goals/\d+/edit/" aria-label="([^"]*)"', page)


def test_each_goal_edit_link_names_its_goal(login, therapist_a):
    client = make_client(therapist_a, "Gail Goals", goal="Sleep through the night most weeks")
    Goal.objects.create(episode=client.episodes.get(), text="Call my sister once a week")
    page = login(therapist_a).get(f"/clients/{client.pk}/").content.decode()
    labels = edit_goal_labels(page)
    assert labels == [
        "Edit goal: Sleep through the night most weeks",
        "Edit goal: Call my sister once a week",
    ]


def test_a_long_goal_is_named_by_its_first_words(login, therapist_a):
    client = make_client(
        therapist_a, "Lena Long", goal="Feel less tense before meetings and speak up in them"
    )
    page = login(therapist_a).get(f"/clients/{client.pk}/").content.decode()
    assert edit_goal_labels(page) == ["Edit goal: Feel less tense before meetings and …"]


def test_each_record_attendance_link_carries_its_date_for_screen_readers(
    login, therapist_a, client_a
):
    page = login(therapist_a).get(f"/clients/{client_a.pk}/").content.decode()
    links = re.findall(r'<a href="/appointments/\d+/attendance/">(.*?)</a>', page)
    # A past session's link records attendance; one still to come is kept or cancelled.
    expected = [
        (
            "Keep or cancel" if a.starts_at > timezone.now() else "Record attendance",
            date_format(timezone.localtime(a.starts_at), "D j M Y, H:i"),
        )
        for a in client_a.episodes.get().appointments.order_by("starts_at")
    ]
    assert links == [f'{words}<span class="sr-only"> for {when}</span>' for words, when in expected]


def test_the_appointments_scroll_box_is_a_focusable_named_region(login, therapist_a, client_a):
    page = login(therapist_a).get(f"/clients/{client_a.pk}/").content.decode()
    assert (
        '<div class="table-wrap" tabindex="0" role="region" aria-label="Appointments table">'
        in page
    )


def test_the_team_figures_scroll_box_is_a_focusable_named_region(login, therapist_a, client_a):
    page = login(therapist_a).get("/caseload/").content.decode()
    # Its own name: the section around it is the landmark named by the heading.
    assert '<div class="table-wrap" tabindex="0" role="region" aria-label="Figures table">' in page
    assert '<section class="card" aria-labelledby="figures-h">' in page
    assert '<h2 id="figures-h">' in page


def test_a_focused_scroll_box_shows_where_the_focus_is():
    css = Path(finders.find("rapport/rapport.css")).read_text(encoding="utf-8")
    assert re.search(r"\.table-wrap:focus-visible\s*\{[^}]*outline:\s*3px solid", css)
