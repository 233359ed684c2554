"""A session with reflections and no questions: the report and the client's trend agree.

The report rated reflections per question "Meets the reference" (reflections and no questions
meet "at least 2 per question") beside a value of "—", and the trend table on the same page
showed "—" for that session, which read as a value that could not be computed.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from rapport.clinic.models import Appointment
from rapport.transcripts.models import Transcript
from tests.transcripts.fixtures_db import use_rule_coder
from tests.transcripts.test_transcript_pages_db import roles_payload, upload

pytestmark = pytest.mark.django_db

# The rule coder reads "It sounds like…" / "You feel…" as reflections and never sees a "?".
REFLECTIONS_ONLY = b"""Therapist: It sounds like the week was hard on you.
Client: It was. I kept thinking about the argument with my sister.
Therapist: You feel it is still unresolved between you.
Client: Yes, and I want to call her but I keep putting it off.
Therapist: It sounds like part of you wants to make the first move.
Client: I think so. I want to sort it out before the holidays.
Therapist: You feel ready to take a small step.
Client: I'd like to try this weekend.
"""
ONE_REFLECTION = b"""Therapist: Good to see you again.
Client: Thanks. It's been a busy week at work.
Therapist: It sounds like work took most of your energy.
Client: It did, and I barely slept.
"""


def analysed(http, appointment, data: bytes) -> Transcript:
    assert upload(http, appointment, "session.txt", data).status_code == 302
    transcript = Transcript.objects.latest("pk")
    roles = {"Therapist": "therapist", "Client": "client"}
    response = http.post(f"/transcripts/{transcript.pk}/roles/", roles_payload(transcript, roles))
    assert response.status_code == 302
    transcript.refresh_from_db()
    return transcript


def metric_row(page: str, label: str) -> tuple[str, str]:
    """The value and the verdict of a row of the report's metrics table."""
    table = page.split('<table class="metrics">', 1)[1].split("</table>", 1)[0]
    match = re.search(
        rf'<th scope="row">{re.escape(label)}</th>\s*<td>(.*?)</td>\s*<td>(.*?)</td>',
        table,
        re.DOTALL,
    )
    assert match is not None, table
    return match.group(1).strip(), re.sub(r"<[^>]+>", "", match.group(2)).strip()


def trend_cells(page: str) -> list[str]:
    """Each session's reflections-per-question cell in the trend table, text only."""
    table = page.split('<table class="trend">', 1)[1].split("</table>", 1)[0]
    headers = re.findall(r'<th scope="col">(.*?)</th>', table)
    table = table.split("<tbody>", 1)[1].split("</tbody>", 1)[0]  # the sessions, not the references
    column = headers.index("Reflections per question")
    cells = []
    for row in re.findall(r"<tr[^>]*>\s*<th scope=\"row\">.*?</tr>", table, re.DOTALL):
        tds = re.findall(r"<td[^>]*>(.*?)</td>", row, re.DOTALL)
        text = re.sub(r"<[^>]+>", "", tds[column - 1])
        cells.append(re.sub(r"\s+", " ", text).strip())
    return cells


def test_reflections_without_questions_read_the_same_in_the_report_and_the_trend(
    login, therapist_a, client_a, monkeypatch
):
    use_rule_coder(monkeypatch)
    episode = client_a.episodes.get()
    later = episode.appointments.order_by("starts_at").first()
    earlier = Appointment.objects.create(
        episode=episode, starts_at=later.starts_at - timedelta(days=7)
    )
    http = login(therapist_a)
    thin = analysed(http, earlier, ONE_REFLECTION)
    session = analysed(http, later, REFLECTIONS_ONLY)
    assert session.metrics["values"]["reflection_to_question_ratio"] is None
    assert session.metrics["counts"]["reflections"] == 4
    assert session.metrics["counts"]["questions"] == 0

    page = http.get(f"/transcripts/{session.pk}/").content.decode()
    assert metric_row(page, "Reflections per question") == (
        "No questions (4 reflections)",
        "Meets the reference",
    )
    # Oldest first: one reflection is too few to rate, as that session's report says.
    assert trend_cells(page) == ["No questions (not rated)", "No questions"]

    thin_page = http.get(f"/transcripts/{thin.pk}/").content.decode()
    assert metric_row(thin_page, "Reflections per question") == (
        "No questions (1 reflection)",
        "Not rated",
    )
