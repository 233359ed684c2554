"""The same questionnaire answered twice for one appointment (a second link was made and
answered): monitoring counts only the newer answer, and the client page says so."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from tests.checkins._helpers import record_answer

FIRST_COMMENT = "Too much homework talk"
SECOND_COMMENT = "Actually it was fine, more time next time"


def record(client, instrument_id, answers, *, hours_ago, key, appointment=None):
    ago = timedelta(hours=hours_ago)
    return record_answer(client, instrument_id, answers, key=key, ago=ago, appointment=appointment)


def checkin(score, pushed, comment=""):
    return {
        "goals": score,
        "approach": score,
        "relationship": score,
        "overall": score,
        "pushed": pushed,
        "differently": comment,
    }


def rows_of(page: str, instrument_id: str) -> list[str]:
    section = page[page.index(f'id="series-{instrument_id}"') :]
    body = section[section.index("<tbody>") : section.index("</tbody>")]
    return re.findall(r"<tr[^>]*>.*?</tr>", body, flags=re.S)


@pytest.fixture
def answered_twice(client_a):
    """Two answers to the session check-in for last week's appointment, an hour apart."""
    record(client_a, "session-checkin", checkin(5, 2, FIRST_COMMENT), hours_ago=3, key="first")
    record(client_a, "session-checkin", checkin(9, 0, SECOND_COMMENT), hours_ago=2, key="second")
    return client_a


@pytest.mark.django_db
def test_the_replaced_answer_is_marked_and_dimmed_and_the_counted_one_is_not(
    login, therapist_a, answered_twice
):
    page = login(therapist_a).get(f"/clients/{answered_twice.pk}/").content.decode()
    newer, older = rows_of(page, "session-checkin")  # newest first
    assert (
        '<td class="num">36</td>' in newer
        and "not counted: another answer counts for this session" not in newer
    )
    assert 'class="muted superseded"' not in newer
    assert (
        '<td class="num">20</td>' in older
        and "not counted: another answer counts for this session" in older
    )
    assert older.startswith('<tr class="muted superseded">')


@pytest.mark.django_db
def test_only_the_counted_answers_comment_is_shown(login, therapist_a, answered_twice):
    page = login(therapist_a).get(f"/clients/{answered_twice.pk}/").content.decode()
    comments = page[page.index('<ul class="comments">') :]
    comments = comments[: comments.index("</ul>")]
    assert comments.count("<li>") == 1
    assert SECOND_COMMENT in comments and FIRST_COMMENT not in page
    # The replaced "felt pushed" answer stays visible (the score table leaves the item out),
    # marked as replaced.
    pushed = page[page.index('<ul class="pushed">') :]
    pushed = pushed[: pushed.index("</ul>")]
    assert "<strong>Yes</strong> (not counted: another answer counts for this session)" in pushed


@pytest.mark.django_db
def test_answers_for_different_appointments_both_count(login, therapist_a, client_a):
    upcoming = client_a.episodes.get().appointments.order_by("starts_at").last()
    record(client_a, "phq9", {f"phq9_{n}": 1 for n in range(1, 10)}, hours_ago=3, key="a")
    answers = {f"phq9_{n}": 2 for n in range(1, 10)}
    record(client_a, "phq9", answers, hours_ago=2, key="b", appointment=upcoming)
    page = login(therapist_a).get(f"/clients/{client_a.pk}/").content.decode()
    assert all(
        "not counted: another answer counts for this session" not in row
        for row in rows_of(page, "phq9")
    )


@pytest.mark.django_db
def test_a_later_answer_without_a_score_replaces_nothing(login, therapist_a, client_a):
    # Monitoring skips an answer it cannot score, so the earlier, scored one still counts.
    record(client_a, "phq9", {f"phq9_{n}": 1 for n in range(1, 10)}, hours_ago=3, key="full")
    record(client_a, "phq9", {"phq9_1": 3}, hours_ago=2, key="gaps")
    page = login(therapist_a).get(f"/clients/{client_a.pk}/").content.decode()
    unscored, scored = rows_of(page, "phq9")
    assert "not counted: another answer counts for this session" not in scored + unscored
