"""The per-measure tables number sessions as the alerts and the chart do.

Review finding: alerts say "at session 4" and the chart's axis "Session (dates in the
table)", but the tables under the charts listed dates only, so the therapist had to count
rows to find session 4 (and a session without an answer made the count wrong). Each row now
gives monitoring's session number (``panels._session_numbers``); a replaced answer shares
the number of the answer counted at its session.
"""

from __future__ import annotations

import pytest
from tests.checkins.test_panel_chart_session_gaps import (  # noqa: F401 - the fixture
    no_phq9_at_session_3,
    phq9,
)

pytestmark = pytest.mark.django_db


def table_rows(page: str, instrument_id: str) -> list[list[str]]:
    """Each row of the measure's table as its cells' text, newest first."""
    import re
    from html import unescape

    table = page.split(f'id="series-{instrument_id}"', 1)[1].split("</table>", 1)[0]
    body = table.split("<tbody>", 1)[1]
    rows = []
    for row in body.split("<tr")[1:]:
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row, flags=re.S)
        rows.append([" ".join(unescape(re.sub(r"<[^>]+>", " ", c)).split()) for c in cells])
    return rows


def test_each_row_gives_monitorings_session_number(
    login,
    therapist_a,
    no_phq9_at_session_3,  # noqa: F811
):
    client, episode = no_phq9_at_session_3
    page = login(therapist_a).get(f"/clients/{client.pk}/").content.decode()
    assert '<th scope="col">Session</th>' in page.split('id="series-phq9"', 1)[1]
    rows = table_rows(page, "phq9")
    # Sessions 4, 2, 1 (no PHQ-9 at session 3): not 3, 2, 1 as counting rows would say.
    assert [row[0] for row in rows] == ["4", "2", "1"]


def test_a_replaced_answer_shows_the_session_it_was_given_for(
    login,
    therapist_a,
    no_phq9_at_session_3,  # noqa: F811
):
    client, episode = no_phq9_at_session_3
    session_4 = episode.appointments.order_by("starts_at").last()
    phq9(client, session_4, 0, key="phq9-4-again")  # a second link answered for session 4
    page = login(therapist_a).get(f"/clients/{client.pk}/").content.decode()
    rows = table_rows(page, "phq9")
    assert [row[0] for row in rows[:2]] == ["4", "4"]
    assert sum("not counted" in " ".join(row) for row in rows) == 1
