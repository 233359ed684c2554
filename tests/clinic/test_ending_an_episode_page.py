"""The End-episode page says what ending does, before and after it is saved.

* Its hint says "Goals reviewed…": it shows each goal in the client's words with its
  status, and the statuses are set on the same form, saved with the ending (afterwards an
  ended episode's goals can no longer be changed, so this is the last chance).
* It lists the booked appointments the ending will cancel, and says open check-in links
  are revoked; afterwards the message says how many were cancelled, and the client page
  tells such a cancellation ("Cancelled: episode ended") from the client's own.
* An ended episode's goal opens read-only instead of a form whose Save could only fail.

Time-dependent rules are tested with a fixed clock (DESIGN §3).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from django.utils import timezone

from rapport.audit.models import AuditEvent
from rapport.clinic.models import Appointment, Attendance, Goal, GoalStatus
from rapport.clinic.services import goal_update

pytestmark = pytest.mark.django_db

FIXED = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)  # a Wednesday, London = UTC
TODAY = FIXED.date()
GOAL = "Sleep through the night (synthetic)"
SECOND_GOAL = "Take the bus to work again"


@pytest.fixture
def episode(client_a, monkeypatch):
    """Client A's episode, begun a month ago: last week's session attended, two sessions
    booked (next week, the week after), one the client cancelled, and two goals."""
    monkeypatch.setattr(timezone, "now", lambda: FIXED)
    episode = client_a.episodes.get()
    episode.started_on = date(2026, 11, 2)
    episode.save()
    episode.appointments.all().delete()
    episode.goals.all().delete()
    Appointment.objects.create(
        episode=episode, starts_at=FIXED - timedelta(days=7), attendance=Attendance.ATTENDED
    )
    for days in (7, 14):
        Appointment.objects.create(episode=episode, starts_at=FIXED + timedelta(days=days))
    Appointment.objects.create(
        episode=episode,
        starts_at=FIXED + timedelta(days=21),
        attendance=Attendance.CANCELLED,  # by the client, before the ending
        cancelled_by="client",
    )
    Goal.objects.create(episode=episode, text=GOAL)
    Goal.objects.create(episode=episode, text=SECOND_GOAL, status=GoalStatus.ACHIEVED)
    return episode


def main(page: str) -> str:
    return page.split("<main", 1)[-1]


def end(http, episode, **extra):
    return http.post(
        f"/episodes/{episode.pk}/end/",
        {"ended_on": TODAY.isoformat(), "end_reason": "planned", **extra},
    )


def test_the_end_page_shows_each_goal_in_the_clients_words_with_its_status(
    login, therapist_a, episode
):
    first, second = episode.goals.order_by("pk")
    response = login(therapist_a).get(f"/episodes/{episode.pk}/end/")
    page = main(response.content.decode())

    assert response.status_code == 200
    # Quoted as on the client page, and each goal's status is the choice already made.
    assert f"<q>{GOAL}</q>" in page and f"<q>{SECOND_GOAL}</q>" in page
    assert re.search(rf'name="goal_{first.pk}" value="active"[^>]*checked', page)
    assert re.search(rf'name="goal_{second.pk}" value="achieved"[^>]*checked', page)
    assert "Working on it" in page and "Set aside" in page
    # Goals come before the ending summary whose hint says they were reviewed.
    assert page.index(f"<q>{GOAL}</q>") < page.index("Goals reviewed")
    # Reading the page (goal text is client free text) is audited, as before.
    assert AuditEvent.objects.filter(
        target="page:episode_end", client_id=episode.client_id
    ).exists()


def test_goal_text_is_escaped_on_the_end_page(login, therapist_a, episode):
    Goal.objects.create(episode=episode, text="<b>Be braver</b> & bolder")
    page = login(therapist_a).get(f"/episodes/{episode.pk}/end/").content.decode()
    assert "<q>&lt;b&gt;Be braver&lt;/b&gt; &amp; bolder</q>" in page
    assert "<b>Be braver</b>" not in page


def test_the_goal_statuses_chosen_are_saved_with_the_ending(login, therapist_a, episode):
    first, second = episode.goals.order_by("pk")
    response = end(
        login(therapist_a),
        episode,
        **{f"goal_{first.pk}": "achieved", f"goal_{second.pk}": "achieved"},
    )

    assert response.status_code == 302
    first.refresh_from_db()
    episode.refresh_from_db()
    assert first.status == GoalStatus.ACHIEVED and not episode.is_open
    assert AuditEvent.objects.filter(
        target=f"goal:{first.pk}", action="update", client_id=episode.client_id
    ).exists()
    # An unchanged goal is not written again.
    assert not AuditEvent.objects.filter(target=f"goal:{second.pk}").exists()


def test_a_goal_left_out_of_the_form_keeps_its_status(login, therapist_a, episode):
    # A goal added in another tab after the page was shown is not on it.
    assert end(login(therapist_a), episode).status_code == 302
    assert sorted(episode.goals.values_list("status", flat=True)) == ["achieved", "active"]


def test_a_goal_status_that_does_not_exist_changes_nothing(login, therapist_a, episode):
    first = episode.goals.order_by("pk").first()
    response = end(login(therapist_a), episode, **{f"goal_{first.pk}": "abandoned"})

    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    first.refresh_from_db()
    episode.refresh_from_db()
    assert first.status == GoalStatus.ACTIVE and episode.is_open
    assert episode.appointments.filter(attendance=Attendance.SCHEDULED).count() == 2


def test_the_end_page_lists_the_booked_appointments_the_ending_cancels(login, therapist_a, episode):
    page = main(login(therapist_a).get(f"/episodes/{episode.pk}/end/").content.decode())

    assert "Ending the episode today cancels these 2 booked appointments" in page
    listed = page.split('class="ending-cancels"', 1)[1].split("</ul>", 1)[0]
    assert "Wed 9 Dec 2026, 09:00" in listed and "Wed 16 Dec 2026, 09:00" in listed
    # Neither the session held nor the one the client already cancelled.
    assert "25 Nov" not in listed and "23 Dec" not in listed
    assert "check-in links still open are revoked" in page


def test_the_end_page_says_when_the_ending_cancels_nothing(login, therapist_a, episode):
    episode.appointments.filter(attendance=Attendance.SCHEDULED).delete()
    page = main(login(therapist_a).get(f"/episodes/{episode.pk}/end/").content.decode())
    assert "No appointments are booked after the end date" in page
    assert "ending-cancels" not in page


def test_the_end_page_names_sessions_nobody_recorded_that_an_earlier_date_would_cancel(
    login, therapist_a, episode
):
    unrecorded = Appointment.objects.create(episode=episode, starts_at=FIXED - timedelta(days=2))
    page = main(login(therapist_a).get(f"/episodes/{episode.pk}/end/").content.decode())
    listed = page.split('class="ending-unrecorded"', 1)[1].split("</ul>", 1)[0]
    assert "Mon 30 Nov 2026, 09:00" in listed
    assert f'href="/appointments/{unrecorded.pk}/attendance/"' in listed
    assert "unless the end date is before them" in page


def test_after_ending_the_message_says_how_many_booked_appointments_were_cancelled(
    login, therapist_a, episode
):
    response = end(login(therapist_a), episode)
    page = login(therapist_a).get(response["Location"]).content.decode()
    assert "Episode ended. 2 booked appointments after the end date were cancelled." in page


def test_one_cancelled_appointment_is_said_in_the_singular(login, therapist_a, episode):
    episode.appointments.filter(starts_at=FIXED + timedelta(days=14)).delete()
    http = login(therapist_a)
    page = http.get(end(http, episode)["Location"]).content.decode()
    assert "Episode ended. 1 booked appointment after the end date was cancelled." in page


def test_with_nothing_booked_the_message_says_only_that_the_episode_ended(
    login, therapist_a, episode
):
    episode.appointments.filter(attendance=Attendance.SCHEDULED).delete()
    http = login(therapist_a)
    page = http.get(end(http, episode)["Location"]).content.decode()
    assert "Episode ended." in page and "were cancelled" not in page


def attendance_cells(page: str) -> dict[str, str]:
    """The client page's appointment rows: when -> what the attendance column says."""
    rows = re.findall(r"<td>([^<]+)</td>\s*<td>[^<]*</td>\s*<td><span[^>]*>([^<]+)</span>", page)
    return {when: said for when, said in rows}


def test_the_client_page_tells_a_cancellation_by_the_ending_from_the_clients_own(
    login, therapist_a, episode
):
    http = login(therapist_a)
    end(http, episode)
    cells = attendance_cells(http.get(f"/clients/{episode.client_id}/").content.decode())

    assert cells["Wed 9 Dec 2026, 09:00"] == "Cancelled: episode ended"
    assert cells["Wed 16 Dec 2026, 09:00"] == "Cancelled: episode ended"
    assert cells["Wed 23 Dec 2026, 09:00"] == "Cancelled by the client"  # before the ending
    assert cells["Wed 25 Nov 2026, 09:00"] == "Attended"


def test_an_ended_episodes_goal_opens_read_only_instead_of_a_form(login, therapist_a, episode):
    goal = episode.goals.order_by("pk").first()
    http = login(therapist_a)
    end(http, episode)

    response = http.get(f"/goals/{goal.pk}/edit/")
    page = main(response.content.decode())
    assert response.status_code == 200
    assert "This goal is read-only: its episode ended on 2 Dec 2026" in page
    assert f"<q>{GOAL}</q>" in page and "Working on it" in page
    assert "<form" not in page
    assert AuditEvent.objects.filter(target="page:goal_edit", client_id=episode.client_id).exists()

    # A form sent anyway (an old tab) is refused and changes nothing.
    sent = http.post(f"/goals/{goal.pk}/edit/", {"text": "Changed", "status": "achieved"})
    assert sent.status_code == 400
    goal.refresh_from_db()
    assert (goal.text, goal.status) == (GOAL, GoalStatus.ACTIVE)


def test_the_service_still_refuses_to_change_an_ended_episodes_goal(login, therapist_a, episode):
    from django.core.exceptions import ValidationError

    goal = episode.goals.order_by("pk").first()
    end(login(therapist_a), episode)
    goal.refresh_from_db()
    with pytest.raises(ValidationError, match="can no longer be changed"):
        goal_update(actor=therapist_a, goal=goal, text=GOAL, status="achieved")


def test_an_open_episodes_goal_still_opens_its_form(login, therapist_a, episode):
    goal = episode.goals.order_by("pk").first()
    page = main(login(therapist_a).get(f"/goals/{goal.pk}/edit/").content.decode())
    assert "<form" in page and "read-only" not in page


@pytest.mark.parametrize(
    ("path", "sent"),
    [
        ("goals/new/", {"text": "Sleep through the night", "status": "active"}),
        ("appointments/new/", {"starts_at": "2026-12-20T10:00", "duration_minutes": "50"}),
    ],
)
def test_an_ended_episode_offers_no_form_to_add_a_goal_or_book(
    login, therapist_a, episode, path, sent
):
    """Neither page is linked from an ended episode, but an old tab or a bookmark opened a
    form whose Save could only fail: the read-only page says why instead."""
    http = login(therapist_a)
    end(http, episode)
    goals, appointments = episode.goals.count(), episode.appointments.count()

    response = http.get(f"/episodes/{episode.pk}/{path}")
    page = main(response.content.decode())
    assert response.status_code == 200
    assert "This episode ended on 2 Dec 2026 and can no longer be changed" in page
    assert "<form" not in page

    assert http.post(f"/episodes/{episode.pk}/{path}", sent).status_code == 400
    assert (episode.goals.count(), episode.appointments.count()) == (goals, appointments)
