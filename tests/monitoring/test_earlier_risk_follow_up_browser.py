"""In a real browser, a link to a follow-up record beyond the latest three shows that record
under its heading without opening the folded "earlier follow-ups" list: not every browser
opens a closed <details> for a link to something inside it, so the record must not depend on
it (no script either: the copy is shown by :target, rapport/risk-history.css)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.clinic.test_caseload_risk_followed_up_by_others import follow_up, risk_answer
from tests.conftest import PASSWORD, make_client

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCRIPT = Path(__file__).resolve().parent / "_risk_jump_script.py"


def test_a_link_to_an_earlier_follow_up_shows_it_without_opening_the_folded_list(
    live_server, therapist_a
):
    rory = make_client(therapist_a, "Rory R.")
    answers = []
    for index in range(5):
        answer = risk_answer(rory, f"rory-{index}")
        follow_up(answer, therapist_a, days_ago=5 - index)
        answers.append(answer)
    oldest, next_oldest = answers[0], answers[1]

    run = subprocess.run(  # noqa: S603 - our own script, our own arguments
        [
            sys.executable,
            str(SCRIPT),
            live_server.url,
            therapist_a.email,
            PASSWORD,
            f"/clients/{rory.pk}/",
            f"risk-answer-{oldest.pk}",
            f"risk-answer-{next_oldest.pk}",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert run.returncode == 0, run.stderr[-3000:]
    seen = json.loads(run.stdout.strip().splitlines()[-1])

    # Not linked to: the earlier records are only in the folded list.
    assert seen["unlinked_copies_visible"] == [False, False]
    # Linked to: the record is on the phone's screen under its section's heading...
    assert seen["record_visible"] and seen["record_on_screen"]
    assert seen["heading_on_screen"]
    assert "Followed up by" in seen["record_text"]
    # ...without the folded list opening (which not every browser does), and alone.
    assert seen["details_open"] is False
    assert seen["other_visible"] is False
