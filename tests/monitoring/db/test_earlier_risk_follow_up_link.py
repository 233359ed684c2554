"""A link to a follow-up record beyond the latest three (the check-ins table's "risk answer",
the caseload's "Risk answer followed up by …") lands on a copy of it outside the closed
"earlier follow-ups" <details>, shown while it is the page's target: a closed <details>
opens for such a link in Chromium and recent Firefox, not in every browser, and there the
link led to its summary line. No script: the copy is hidden until :target shows it
(rapport/risk-history.css)."""

from __future__ import annotations

import re

import pytest

from tests.clinic.test_caseload_risk_followed_up_by_others import follow_up, risk_answer
from tests.conftest import make_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def five_followed_up(therapist_a):
    """A client with five risk answers followed up, the oldest five days ago."""
    client = make_client(therapist_a, "Rory R.")
    answers = []
    for index in range(5):
        answer = risk_answer(client, f"rory-{index}")
        follow_up(answer, therapist_a, days_ago=5 - index)
        answers.append(answer)
    return client, answers


def history(page: str) -> str:
    start = page.index('<section class="card risk-history"')
    return page[start : page.index("</section>", start)]


def opening_tag(section: str, pk: int) -> str:
    found = re.findall(rf'<li[^>]*id="risk-answer-{pk}"[^>]*>', section)
    assert len(found) == 1, f"one element is the target of #risk-answer-{pk}: {found}"
    return found[0]


def test_a_link_to_an_earlier_follow_up_targets_a_record_outside_the_closed_details(
    login, therapist_a, five_followed_up
):
    client, answers = five_followed_up
    page = login(therapist_a).get(f"/clients/{client.pk}/").content.decode()
    section = history(page)
    folded = section[section.index("<details>") : section.index("</details>")]
    shown = section[: section.index("<details>")]

    for earlier in answers[:2]:  # the two oldest: beyond the latest three
        tag = opening_tag(section, earlier.pk)
        # The link's target is the copy before the <details>, hidden until it is targeted.
        assert f'id="risk-answer-{earlier.pk}"' in shown
        assert f'id="risk-answer-{earlier.pk}"' not in folded
        assert 'class="risk-linked"' in tag and " hidden" in tag
    # The folded list still holds every earlier record, for a reader who opens it.
    assert folded.count("<li>") == 2
    assert "2 earlier follow-ups" in folded
    # The latest three are shown as before, with their ids and not hidden.
    for latest in answers[2:]:
        tag = opening_tag(section, latest.pk)
        assert tag == f'<li id="risk-answer-{latest.pk}">'
    assert re.search(r'<link rel="stylesheet" href="[^"]*rapport/risk-history\.css"', section)


def test_with_three_follow_ups_or_fewer_nothing_is_copied_or_folded(login, therapist_a):
    client = make_client(therapist_a, "Tess T.")
    answers = [risk_answer(client, f"tess-{i}") for i in range(3)]
    for index, answer in enumerate(answers):
        follow_up(answer, therapist_a, days_ago=3 - index)
    section = history(login(therapist_a).get(f"/clients/{client.pk}/").content.decode())
    assert "<details>" not in section and "risk-linked" not in section
    assert "risk-history.css" not in section
    for answer in answers:
        assert opening_tag(section, answer.pk) == f'<li id="risk-answer-{answer.pk}">'
