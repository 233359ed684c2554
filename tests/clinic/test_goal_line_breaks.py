"""A goal the client wrote over several lines (their goals page is a text box) is stored
with line feeds; the goal's edit page sends it back as the browser sends a text box, with
CRLF line breaks. Agreed as written, it is still "in the client's words", its words
unchanged; and it can be set back to "to talk through" like any other goal of theirs."""

from __future__ import annotations

import pytest

from rapport.clinic.models import GoalStatus
from rapport.clinic.services import goals_from_client

pytestmark = pytest.mark.django_db

WRITTEN = "Sleep through the night\nand not dread Mondays"
AS_THE_BROWSER_SENDS_IT = WRITTEN.replace("\n", "\r\n")


def test_a_goal_over_two_lines_agreed_as_written_stays_in_the_clients_words(
    login, therapist_a, client_a
):
    (goal,) = goals_from_client(episode=client_a.episodes.get(), texts=[WRITTEN], key="l")
    staff = login(therapist_a)
    saved = staff.post(
        f"/goals/{goal.pk}/edit/", {"text": AS_THE_BROWSER_SENDS_IT, "status": "active"}
    )
    assert saved.status_code == 302
    goal.refresh_from_db()
    assert (goal.status, goal.text, goal.written_by_client) == (GoalStatus.ACTIVE, WRITTEN, True)
    page = staff.get(f"/clients/{client_a.pk}/").content.decode()
    assert "in the client’s words" in page

    back = staff.post(
        f"/goals/{goal.pk}/edit/", {"text": AS_THE_BROWSER_SENDS_IT, "status": "to_agree"}
    )
    assert back.status_code == 302
    goal.refresh_from_db()
    assert (goal.status, goal.text, goal.written_by_client) == (
        GoalStatus.TO_AGREE,
        WRITTEN,
        True,
    )
