"""In the PHQ-9 table of the client page, "risk answer" in the Notes column leads to the risk
panel at the top: to the notice while the answer is still to follow up, to the record of
who followed it up and what they did once it is. Before, it was bold text leading nowhere,
and said nothing of whether anyone had acted on it."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone
from django.utils.formats import date_format
from tests.checkins._helpers import PHQ9_ZERO, make_link, open_and_answer

from rapport.measures.models import Response

pytestmark = pytest.mark.django_db


def notes_cell(page: str) -> str:
    """The Notes cell of the PHQ-9 table's only row."""
    table = page[page.index('id="series-phq9"') :]
    table = table[: table.index("</table>")]
    return re.findall(r"<td>(.*?)</td>\s*</tr>", table, flags=re.S)[-1]


def link_in(cell: str) -> tuple[str, str]:
    """The cell's link: where it goes (the anchor) and its name as read aloud."""
    link = re.search(r'<a href="#([^"]+)">(.*?)</a>', cell, flags=re.S)
    assert link, "the cell has a link"
    return link.group(1), " ".join(re.sub(r"<[^>]+>", "", link.group(2)).split())


def anchor_target(page: str, anchor: str) -> str:
    """The element of the page that carries ``id=anchor``, by its tag and class."""
    element = re.search(rf'<(\w+)( class="[^"]*")? id="{anchor}"', page)
    assert element, f"#{anchor} is on the page"
    return element.group(0)


@pytest.fixture
def risk_answer(client, client_a):
    _, token = make_link(client_a)
    open_and_answer(client, token, {**PHQ9_ZERO, "phq9_9": "1"})
    return Response.objects.get(client=client_a)


def test_an_open_risk_answer_links_to_its_notice_at_the_top(
    login, therapist_a, client_a, risk_answer
):
    page = login(therapist_a).get(f"/clients/{client_a.pk}/").content.decode()
    anchor = f"risk-answer-{risk_answer.pk}"
    given = date_format(timezone.localtime(risk_answer.administered_at), "j M Y")
    assert link_in(notes_cell(page)) == (anchor, "risk answer (not followed up yet) given " + given)
    assert anchor_target(page, anchor) == f'<div class="risk-item" id="{anchor}"'


def test_a_followed_up_risk_answer_links_to_the_record_of_the_follow_up(
    login, therapist_a, supervisor, client_a, risk_answer
):
    reply = login(supervisor).post(
        f"/responses/{risk_answer.pk}/risk-reviewed/", {"note": "Phoned; safety plan reviewed."}
    )
    assert reply.status_code == 302
    page = login(therapist_a).get(f"/clients/{client_a.pk}/").content.decode()
    anchor = f"risk-answer-{risk_answer.pk}"
    given = date_format(timezone.localtime(risk_answer.administered_at), "j M Y")
    assert link_in(notes_cell(page)) == (anchor, "risk answer (followed up) given " + given)
    assert anchor_target(page, anchor) == f'<li id="{anchor}"'
    record = page[page.index(f'id="{anchor}"') :]
    assert "Followed up by Supervisor (supervisor)" in record[: record.index("</li>")]
