"""On the caseload and the client page, a session without a rating is a gap in the trend
lines and charts, and said in words; a single rating is a single dot."""

from __future__ import annotations

import base64
import html
import re

import pytest
from django.utils import timezone

from rapport.monitoring.models import EpisodeSnapshot
from rapport.monitoring.tasks import recompute_alerts
from tests.monitoring.db.helpers import bulk_history, make_episode

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("hooks_off")]


def history(therapist, name, *, alliance=(), outcome=()):
    now = timezone.now()
    client, episode, held = make_episode(therapist, name, sessions=5, now=now)
    bulk_history(client, held, alliance=alliance, outcome=outcome)
    recompute_alerts(now=now)
    return client, episode


def trend_images(http, name: str) -> list[tuple[str, str]]:
    """The caseload row's trend lines: (SVG, alt text), alliance first."""
    page = http.get("/caseload/").content.decode()
    body = page[page.index("<tbody>") : page.index("</tbody>")]
    row = next(r for r in body.split("</tr>") if name in r)
    return [
        (base64.b64decode(src).decode(), html.unescape(alt))
        for src, alt in re.findall(
            r'<img class="spark" src="data:image/svg\+xml;base64,([^"]+)" alt="([^"]*)"', row
        )
    ]


def shapes(svg: str) -> tuple[int, int]:
    return svg.count("<polyline "), svg.count("<circle ")


def test_ratings_at_sessions_1_and_5_are_two_dots_with_their_sessions(login, therapist_a):
    history(therapist_a, "Gap Gita", alliance=[38, None, None, None, 34], outcome=[14, 13])
    (alliance_svg, alliance_alt), (outcome_svg, outcome_alt) = trend_images(
        login(therapist_a), "Gap Gita"
    )
    # No line across sessions 2 to 4, which were never rated.
    assert shapes(alliance_svg) == (0, 2)
    assert alliance_alt == (
        "Check-in, last 2: session 1: 38, session 5: 34; no rating at sessions 2 to 4 "
        "(below 36 is low); latest 34; higher is better"
    )
    # Two consecutive scores stay a line, and their text is as it was but for the latest
    # value and which way is better, which every trend's alt text ends with (e1f57a8).
    assert shapes(outcome_svg) == (1, 1)
    assert outcome_alt == "PHQ-9, last 2: 14, 13 (cut-off 10); latest 13; lower is better"


def test_a_client_with_one_rating_shows_one_dot_and_its_number(login, therapist_a):
    history(therapist_a, "Once Olu", alliance=[None, None, 37])
    ((svg, alt),) = trend_images(login(therapist_a), "Once Olu")
    assert shapes(svg) == (0, 1)
    assert alt == "Check-in, last 1: 37 (below 36 is low); latest 37; higher is better"


def test_a_snapshot_stored_before_sessions_were_kept_still_shows(login, therapist_a):
    # Written by the previous version (bare totals) and not yet recomputed.
    _client, episode = history(therapist_a, "Old Otto", alliance=[38, 37, 36])
    EpisodeSnapshot.objects.filter(episode=episode).update(alliance_values=[38, 37, 36])
    ((svg, alt),) = trend_images(login(therapist_a), "Old Otto")
    assert shapes(svg) == (1, 1)
    assert alt == "Check-in, last 3: 38, 37, 36 (below 36 is low); latest 36; higher is better"


def test_the_client_page_names_the_unrated_session_and_keeps_its_row(login, therapist_a):
    client, _episode = history(therapist_a, "Page Pia", alliance=[38, 37, 38, None, 30])
    page = login(therapist_a).get(f"/clients/{client.pk}/").content.decode()
    alts = [html.unescape(a) for a in re.findall(r'<figure><img src="[^"]*" alt="([^"]*)"', page)]
    alliance = next(a for a in alts if a.startswith("Alliance"))
    assert "session 3: 38, session 5: 30; no rating at session 4." in alliance
    table = page[page.index('class="monitoring-table"') :]
    table = table[: table.index("</table>")]
    row = re.search(r'<th scope="row">4</th>(.*?)</tr>', table, re.DOTALL)
    assert row is not None, "session 4 has a row of its own"
    # Its empty cells say "none" to a screen reader rather than an unspoken dash.
    assert '<span class="sr-only">none</span>' in row.group(1)
