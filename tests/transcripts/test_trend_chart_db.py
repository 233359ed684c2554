"""The client's transcript trend on the session report draws only what the report rates.

"100% open questions" from a single question is shown but not rated in that session's
report; drawn on the trend line like a rated value, it looked like a real peak. And the
quality estimate, a 0-1 estimate everywhere else, was drawn as "Quality estimate %".
"""

from __future__ import annotations

import base64
import html
import re
from datetime import timedelta

import pytest
from django.utils import dateformat, timezone

from rapport.clinic.models import Appointment
from tests.transcripts._helpers import rate_short_sessions
from tests.transcripts.fixtures_db import fixture_bytes, use_rule_coder
from tests.transcripts.test_transcript_pages_db import upload_and_confirm

pytestmark = pytest.mark.django_db

# Open questions per session: (value, stored rating, open, closed). The second rests on a
# single question, so the analysis left it unrated.
OPEN_QUESTIONS = [(40.0, "below", 2, 3), (100.0, None, 1, 0), (75.0, "good", 3, 1)]


@pytest.fixture
def three_sessions(login, therapist_a, client_a, monkeypatch):
    use_rule_coder(monkeypatch)
    episode = client_a.episodes.get()
    last = episode.appointments.order_by("starts_at").first()  # a week ago
    appointments = [
        Appointment.objects.create(episode=episode, starts_at=last.starts_at - timedelta(days=14)),
        Appointment.objects.create(episode=episode, starts_at=last.starts_at - timedelta(days=7)),
        last,
    ]
    http = login(therapist_a)
    transcripts = []
    for i, (appointment, (value, rating, open_q, closed_q)) in enumerate(
        zip(appointments, OPEN_QUESTIONS, strict=True)
    ):
        # A file of its own for each session (the last cue ends a second later each time):
        # the same file is refused for a second session of the client.
        data = fixture_bytes("session.vtt").replace(b"00:01:00.000", b"00:01:0%d.000" % i)
        transcript = upload_and_confirm(http, appointment, "session.vtt", data=data)
        transcript.metrics["values"]["percent_open_questions"] = value
        transcript.metrics["ratings"]["percent_open_questions"] = rating
        transcript.metrics["counts"].update(open_questions=open_q, closed_questions=closed_q)
        transcript.quality_estimate = 0.62
        transcript.save(update_fields=["metrics", "quality_estimate"])
        transcripts.append(transcript)
    return http, transcripts


def chart_svg(page: str) -> str:
    uri = re.search(r'<img class="chart" src="data:image/svg\+xml;base64,([^"]+)"', page)
    assert uri is not None
    return base64.b64decode(uri.group(1)).decode("utf-8")


def drawn_lines(svg: str) -> dict[str, list[int]]:
    """Each legend label and the line drawn in its colour: the number of points in each
    unbroken stretch of the line."""
    plot, legend = svg.split('<g id="legend_1">', 1)
    colours = re.findall(
        r"stroke: (#[0-9a-f]{6}); stroke-width: 1\.8.*?<!-- (.*?) -->", legend, re.S
    )
    paths = re.findall(
        r'<path d="([^"]*)"[^>]*?style="fill: none; (?:stroke-dash[^;]*; )*stroke: (#[0-9a-f]{6}); '
        r"stroke-width: 1\.8",
        plot,
    )
    by_colour = {colour: d for d, colour in paths}
    return {
        label: [
            len(re.findall(r"[ML] ", "M " + stretch))
            for stretch in by_colour[colour].split("M ")[1:]
        ]
        for colour, label in colours
    }


def trend_table(page: str) -> str:
    return page.split('<table class="trend">', 1)[1].split("</table>", 1)[0]


def test_an_unrated_value_is_a_gap_in_its_line_and_said_so(three_sessions):
    http, transcripts = three_sessions
    page = http.get(f"/transcripts/{transcripts[-1].pk}/").content.decode()
    lines = drawn_lines(chart_svg(page))
    # Rated 40% and 75% stand alone either side of the gap; the unrated 100% is not drawn.
    # Complex reflections and change talk rest on one and two behaviours in every session
    # of session.vtt: never rated, so no line at all. The talk share is always rated.
    assert lines == {"Open questions %": [1, 1], "Therapist talk share %": [3]}

    days = [
        dateformat.format(timezone.localtime(t.appointment.starts_at), "j M Y") for t in transcripts
    ]
    alt = html.unescape(re.search(r'<img class="chart" [^>]*alt="([^"]*)"', page).group(1))
    assert (
        "Left out of the lines because they rest on fewer than 3 coded behaviours and are not "
        f"rated: open questions on {days[1]}; complex reflections on {', '.join(days)};" in alt
    )
    assert "A line is broken at a session whose value is not rated" in page

    rows = re.findall(
        r"<tr(?: class=\"current\")?>\s*<th scope=\"row\">.*?</tr>", trend_table(page), re.S
    )
    # The second cell of a row is its share of open questions.
    open_cells = [re.findall(r"<td[^>]*>(.*?)</td>", row)[1] for row in rows]
    assert open_cells == [
        "40%",
        '100% <span class="muted not-rated">(not rated)</span>',
        "75%",
    ]
    assert "rests on fewer than 3 coded behaviours" in page


def test_the_quality_estimate_stays_on_its_0_to_1_scale_in_the_table(three_sessions, monkeypatch):
    rate_short_sessions(monkeypatch)
    http, transcripts = three_sessions
    page = http.get(f"/transcripts/{transcripts[0].pk}/").content.decode()
    assert "Quality estimate %" not in drawn_lines(chart_svg(page))
    alt = html.unescape(re.search(r'<img class="chart" [^>]*alt="([^"]*)"', page).group(1))
    assert "The quality estimate (0 to 1, an estimate, not a percentage) is not drawn" in alt
    assert "quality estimate (all in %)" not in alt
    table = trend_table(page)
    assert "Quality estimate (0 to 1)" in table
    assert table.count('<td data-label="Quality estimate (0 to 1)">0.62</td>') == 3


def test_the_trend_tables_headers_are_the_charts_short_names(three_sessions):
    # The metrics table's labels, written to be read alone ("Therapist input: information,
    # advice, options (% of therapist turns)"), made the nine columns too wide for a tablet:
    # at 820 px the quality estimate and flags were scrolled out of sight.
    http, transcripts = three_sessions
    page = http.get(f"/transcripts/{transcripts[-1].pk}/").content.decode()
    headers = [
        html.unescape(h) for h in re.findall(r'<th scope="col">(.*?)</th>', trend_table(page))
    ]
    assert headers == [
        "Session",
        "Reflections per question",
        "Open questions %",
        "Complex reflections %",
        "Therapist input %",
        "Therapist talk share %",
        "Change talk %",
        "Quality estimate (0 to 1)",
        "Flags",
    ]
