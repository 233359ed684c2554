"""The "Your goals" page says near the top that the answers are kept only when sent.

What a client writes in their own words is the most to lose and the hardest to type again,
yet the note was shown only on questionnaires of about 3 minutes or more, and the goals
page (three optional boxes, counted as "about a minute") never said it. It gives no time:
how long writing one's goals takes is not counted from its questions."""

from __future__ import annotations

import pytest
from tests.checkins.test_long_questionnaire_keep_note import KEPT, _page_text


@pytest.mark.django_db
def test_the_goals_page_says_answers_are_kept_only_when_sent(client, client_a):
    text = _page_text(client, client_a, "goals")
    assert text.count(KEPT) == 1
    # Before the first box the client writes in, and with no time for it.
    assert text.index(KEPT) < text.index("Question 1 of")
    assert "This takes about" not in text
