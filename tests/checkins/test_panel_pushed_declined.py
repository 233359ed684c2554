"""A client who answers "Prefer not to answer" to "did you feel pushed or overridden?" is
shown to the therapist as a plain "preferred not to say": it reached them nowhere (the
panel kept only answers of "a little" or "yes"), and it raises no alert."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from tests.checkins._helpers import record_answer

from rapport.measures.definitions import DECLINED
from rapport.monitoring.models import Alert
from rapport.monitoring.tasks import recompute_alerts

SCORES = {"goals": 9, "approach": 9, "relationship": 9, "overall": 9}


def _pushed_list(page: str) -> str:
    match = re.search(r'<ul class="pushed">(.*?)</ul>', page, re.S)
    assert match, "the panel lists the pushed answers"
    return match.group(1)


@pytest.mark.django_db
def test_prefer_not_to_answer_shows_as_a_plain_line_and_raises_no_alert(
    login, therapist_a, client_a
):
    response = record_answer(
        client_a,
        "session-checkin",
        {**SCORES, "pushed": DECLINED},
        key="declined-1",
        ago=timedelta(hours=1),
    )
    assert response.declined == ["pushed"]
    recompute_alerts()
    page = login(therapist_a).get(f"/clients/{client_a.pk}/").content.decode()
    assert "Felt pushed or overridden" in page
    pushed = _pushed_list(page)
    assert pushed.count("<li") == 1
    assert "preferred not to say" in pushed
    assert "<strong>" not in pushed  # said plainly, not marked as "a little" or "yes" are
    assert not Alert.objects.filter(kind="pushed_or_overridden").exists()


@pytest.mark.django_db
def test_a_no_is_still_not_listed(login, therapist_a, client_a):
    record_answer(
        client_a, "session-checkin", {**SCORES, "pushed": 0}, key="no-1", ago=timedelta(hours=1)
    )
    page = login(therapist_a).get(f"/clients/{client_a.pk}/").content.decode()
    assert '<ul class="pushed">' not in page
    assert "preferred not to say" not in page
